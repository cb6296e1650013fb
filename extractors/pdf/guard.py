"""Guards around reading a PDF: refuse what cannot or must not be read, with a plain reason.

``guarded(reader)`` wraps the PDF reader (``registry.read_document`` does this), so every PDF gets:

- before reading, ``check_pdf``: opened with pypdfium2 (lazy, fast): a password-protected,
  corrupt or truncated file, more pages than ``limits.max_pdf_pages``, or a page tree whose first or
  last page cannot be reached (a loop, missing pages) is refused;
- while reading, that open document is the reading's ``OpenPdf`` (``shared(path)``): every stage of
  the reader (the text pass, triage's OCR test, the positioned lines, ``locate``) takes its pages from
  it, so the file is opened once and a page (and its text page) loaded once, up to ``KEEP_PAGES``
  pages kept open; it is closed when the reading ends;
- while reading, a ``Budget`` of ``limits.max_pdf_seconds``: the reader calls
  ``current_budget().check()`` per page (or iterates ``current_budget().each(pages)``);
- after, ``pdf_errors``: pdfminer/pdfplumber parse errors and ``RecursionError`` (deeply nested
  objects make pdfminer recurse) become ``DocumentError``.

A single call that never returns is not interrupted here: the hard wall-clock and memory limits
are those of ``omreview.extractors.isolate``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

from omreview.errors import DocumentError
from omreview.packet import PacketFile
from omreview.rules import Rules, default_rules

T = TypeVar("T")

_PASSWORD = "password-protected PDF: please submit it without a password"
_DAMAGED = "not a valid PDF file (it is damaged or truncated)"
_NESTED = "the PDF's structure is nested too deeply to read (a damaged or malicious file); not read"
_UNSUPPORTED_ENCRYPTION = "the PDF uses an encryption that cannot be opened: please submit it without a password"


class Budget:
    """A time budget for reading one document; ``check()`` raises ``DocumentError`` once it is spent."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._deadline = clock() + seconds

    def remaining(self) -> float:
        return self._deadline - self._clock()

    def check(self) -> None:
        if self._clock() > self._deadline:
            raise DocumentError(f"reading took longer than the {self.seconds:,g} s limit; not read")

    def each(self, items: Iterable[T]) -> Iterator[T]:
        """``items``, checking the budget before each one (e.g. ``for page in budget.each(pdf.pages)``)."""
        for item in items:
            self.check()
            yield item


_BUDGET: ContextVar[Budget | None] = ContextVar("pdf_budget", default=None)


def current_budget() -> Budget:
    """The budget of the PDF being read (set by ``guarded``); a fresh default one outside it."""
    return _BUDGET.get() or Budget(default_rules().limits.max_pdf_seconds)


KEEP_PAGES = 32  # pages an OpenPdf keeps loaded (some 0.5 MB each with their text pages)


class OpenPdf:
    """One PDF opened for one reading, its pages and their text pages loaded once each, by 0-based index.

    At most ``keep`` pages stay loaded: past that, the page loaded last gives its place to the next one,
    so the document's first pages stay (where the auditor's report and the statements are that the
    later stages come back to), a long document's sweep by the text pass costs no more memory than
    ``keep`` pages, and a page beyond them is loaded again when it is asked for again.
    """

    def __init__(self, path: Path, pdf: pdfium.PdfDocument, keep: int = KEEP_PAGES) -> None:
        self.path, self.pdf, self.keep = path, pdf, max(1, keep)
        self._pages: dict[int, tuple[pdfium.PdfPage, pdfium.PdfTextPage | None]] = {}
        self.loads = 0  # pages loaded from the file (a test tells a page read twice by it)

    def __len__(self) -> int:
        return len(self.pdf)

    def page(self, index: int) -> pdfium.PdfPage:
        """Page ``index`` (0-based), loaded once; the caller must not close it."""
        held = self._pages.get(index)
        if held is None:
            page = self.pdf[index]
            self.loads += 1
            if len(self._pages) >= self.keep:
                self._drop(next(reversed(self._pages)))
            held = self._pages[index] = (page, None)
        return held[0]

    def textpage(self, index: int) -> pdfium.PdfTextPage:
        """The text page of page ``index``, built once; the caller must not close it."""
        page = self.page(index)
        textpage = self._pages[index][1]
        if textpage is None:
            textpage = page.get_textpage()
            self._pages[index] = (page, textpage)
        return textpage

    def _drop(self, index: int) -> None:
        page, textpage = self._pages.pop(index)
        if textpage is not None:
            textpage.close()
        page.close()

    def close(self) -> None:
        for index in list(self._pages):
            self._drop(index)
        self.pdf.close()


_OPEN: ContextVar[OpenPdf | None] = ContextVar("pdf_open", default=None)


def shared(path: Path) -> OpenPdf | None:
    """The open document of the reading of ``path`` (set by ``guarded``), or ``None`` outside it."""
    doc = _OPEN.get()
    return doc if doc is not None and doc.path == path else None


def check_pdf(pf: PacketFile, rules: Rules) -> int:
    """Open ``pf`` with pypdfium2 and refuse it with a plain reason if it must not be read; the page count."""
    doc = _checked(pf, rules)
    try:
        return len(doc)
    finally:
        doc.close()


def _checked(pf: PacketFile, rules: Rules) -> OpenPdf:
    """``pf`` opened, once ``check_pdf``'s tests passed (its first and last pages loaded, and kept)."""
    try:
        pdf = pdfium.PdfDocument(pf.path)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise DocumentError(_PASSWORD) from exc
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise DocumentError(_UNSUPPORTED_ENCRYPTION) from exc
        raise DocumentError(_DAMAGED) from exc
    doc = OpenPdf(pf.path, pdf)
    try:
        pages = len(pdf)
        limit = rules.limits.max_pdf_pages
        if pages > limit:
            raise DocumentError(f"the PDF has {pages:,} pages, more than the {limit:,}-page limit; not read")
        if pages == 0:
            raise DocumentError("the PDF has no pages")
        for index in sorted({0, pages - 1}):
            try:
                doc.page(index)
            except pdfium.PdfiumError as exc:
                raise DocumentError(
                    "the PDF's page tree is broken (pages missing or looping back on themselves); not read"
                ) from exc
    except BaseException:
        doc.close()
        raise
    return doc


@contextmanager
def pdf_errors() -> Iterator[None]:
    """Turn what pdfminer/pdfplumber raise on a broken or hostile file into a plain ``DocumentError``."""
    try:
        yield
    except RecursionError as exc:
        raise DocumentError(_NESTED) from exc
    except (PdfminerException, MalformedPDFException, PSException) as exc:
        wrapped = exc.args[0] if exc.args else None
        cause = wrapped if isinstance(wrapped, BaseException) else exc  # pdfplumber wraps pdfminer's error
        if isinstance(cause, RecursionError):
            raise DocumentError(_NESTED) from exc
        if isinstance(cause, PDFPasswordIncorrect):
            raise DocumentError(_PASSWORD) from exc
        if isinstance(cause, PDFEncryptionError):
            raise DocumentError(_UNSUPPORTED_ENCRYPTION) from exc
        raise DocumentError(f"the PDF is damaged and cannot be read ({_short(cause)})") from exc


def guarded(reader: Callable[[PacketFile, Rules], T]) -> Callable[[PacketFile, Rules], T]:
    """``reader`` behind ``check_pdf``, a ``Budget`` and ``pdf_errors``, the checked document open for it
    (``shared``) until it returns."""

    @functools.wraps(reader)
    def read(pf: PacketFile, rules: Rules) -> T:
        with pdf_errors():
            doc = _checked(pf, rules)
            token = _BUDGET.set(Budget(rules.limits.max_pdf_seconds))
            opened = _OPEN.set(doc)
            try:
                return reader(pf, rules)
            finally:
                _OPEN.reset(opened)
                _BUDGET.reset(token)
                doc.close()

    return read


def _short(exc: object) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
