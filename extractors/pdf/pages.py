"""A statement PDF's pages: a fast text pass over all of them, positioned lines for the few that need it.

- ``read_texts``: every page's text with pypdfium2 (a few ms a page), for triage: which pages hold
  the audit report, the statements and the notes; also the scanned-document tests ``unreadable`` (the
  document) and ``page_unreadable`` (one page), which send pages to OCR (``pdf.layer``, ``ocr.pages``).
- ``plumber_lines``: for the pages triage picked only, pdfplumber characters (``dedupe_chars``) grouped
  into ``Line`` objects that keep every character's box, so a value can be placed in its column by
  x-position and its ``bbox`` reported. Pages are closed after use. Gaps wider than ``X_TOLERANCE``
  become spaces; labels are compared without spaces, so letter-spaced Han text (项  目) still matches.
- ``pdfium_lines``: the same ``Line`` objects from pypdfium2 (the faster engine, chosen by
  ``pdf.statement.positions`` in the rules).
- ``locate``: the box of a string on a page (pypdfium2 text search), for values read from the text pass.

Every box comes from the PDF's own metrics, never from the fonts of the machine that reads it: a
character spans its advance width (the font's /W or /Widths) from its origin, and the font size from
its descent (the font descriptor), as pdfminer measures it (``_MetricBoxes``). pdfium's own character
boxes (``FPDFText_GetCharBox``, ``GetLooseCharBox``, ``GetRect``) take in the glyph outline of the font
it draws with, which for a font the PDF does not embed (STSong-Light, common in Chinese statements) is
whatever CJK font the machine has: the same PDF gave other evidence boxes once fonts-noto-cjk was
installed (tests/test_font_independence.py).
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.pdfpage import PDFPage
from pdfplumber.page import Page

from omreview.errors import DocumentError
from omreview.extractors.pdf.guard import current_budget, pdf_errors
from omreview.rules import Rules

BBox = tuple[float, float, float, float]

X_TOLERANCE = 3.0  # a wider horizontal gap between two characters separates them by a space (as pdfplumber)
Y_TOLERANCE = 3.0  # characters whose tops differ by less are on one line

_CID = re.compile(r"\(cid:\d+\)")
_SPACE = re.compile(r"\s+")
# Han, digits, letters and the punctuation of statements (half- and full-width forms)
_READABLE = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\u3000-\u303f\uff01-\uff5e0-9A-Za-z,.;:()%/\-+“”‘’·]")


@dataclass(frozen=True)
class Line:
    """One printed line of a page: its text and the box of each character (``None`` for an inserted space)."""

    page: int
    text: str
    boxes: tuple[BBox | None, ...]

    @property
    def top(self) -> float:
        return min(b[1] for b in self.boxes if b)

    @property
    def bbox(self) -> BBox | None:
        return self.span_bbox(0, len(self.text))

    def span_bbox(self, start: int, end: int) -> BBox | None:
        boxes = [b for b in self.boxes[start:end] if b]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))

    def segments(self) -> Iterator[Segment]:
        """The runs of text between spaces, each with its box."""
        for m in re.finditer(r"\S+", self.text):
            box = self.span_bbox(m.start(), m.end())
            if box:
                yield Segment(m.group(), box)


@dataclass(frozen=True)
class Segment:
    text: str
    bbox: BBox

    @property
    def center(self) -> float:
        return (self.bbox[0] + self.bbox[2]) / 2


def open_pdfium(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise DocumentError(f"the PDF cannot be opened (password-protected, damaged or truncated): {exc}") from exc


def read_texts(path: Path) -> list[str]:
    """Every page's text (pypdfium2), lines separated by ``\\n``."""
    pdf = open_pdfium(path)
    budget = current_budget()
    texts: list[str] = []
    try:
        for index in range(len(pdf)):
            budget.check()
            try:
                page = pdf[index]
            except pdfium.PdfiumError as exc:
                raise DocumentError(f"page {index + 1} of the PDF cannot be read (the file is damaged)") from exc
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n"))
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return texts


def unreadable(texts: list[str], rules: Rules) -> str | None:
    """Why the document's text layer cannot be used (scanned pages, or glyphs without a Unicode mapping); else
    ``None``. Such pages are then read by OCR (``pdf.layer``)."""
    cfg = rules.labels.statement_pdf
    total = readable = 0
    for text in texts:
        t, r = _counts(text)
        total += t
        readable += r
    if readable < cfg.min_chars_per_page * max(len(texts), 1):
        return "scanned, no text layer"
    if Decimal(readable) < cfg.min_readable_share * total:
        return "scanned or unreadable text layer (characters without a Unicode mapping)"
    return None


def page_unreadable(text: str, rules: Rules) -> str | None:
    """``few`` (fewer readable characters than ``min_chars_per_page``), ``garbage`` (mostly unmapped glyphs)
    or ``None`` for one page's text."""
    cfg = rules.labels.statement_pdf
    total, readable = _counts(text)
    if readable < cfg.min_chars_per_page:
        return "garbage" if total >= cfg.min_chars_per_page else "few"
    if Decimal(readable) < cfg.min_readable_share * total:
        return "garbage"
    return None


def _counts(text: str) -> tuple[int, int]:
    """(characters, readable characters) of a page's text, spaces left out, ``(cid:n)`` counted as one."""
    cleaned = _SPACE.sub("", _CID.sub("\ufffd", text))
    return len(cleaned), _READABLE.subn("", cleaned)[1]


def positioned_lines(path: Path, pages: Iterable[int], rules: Rules) -> dict[int, list[Line]]:
    """The lines of the given 1-based pages, read by the engine the rules name (``pdf.statement.positions``)."""
    if rules.labels.statement_pdf.positions == "pdfium":
        return pdfium_lines(path, pages)
    return plumber_lines(path, pages)


def plumber_lines(path: Path, pages: Iterable[int]) -> dict[int, list[Line]]:
    """The lines of the given 1-based pages, read with pdfplumber (characters deduplicated)."""
    wanted = sorted(set(pages))
    if not wanted:
        return {}
    out: dict[int, list[Line]] = {}
    budget = current_budget()
    with pdf_errors(), pdfplumber.open(path) as pdf:
        # walk the page tree only as far as the last wanted page (pdf.pages would list every page)
        for number, page_obj in enumerate(PDFPage.create_pages(pdf.doc), start=1):
            if number > wanted[-1]:
                break
            if number not in wanted:
                continue
            budget.check()
            page = Page(pdf, page_obj, page_number=number)
            try:
                out[number] = _lines(number, page.dedupe_chars().chars)
            finally:
                page.close()
    return out


def pdfium_lines(path: Path, pages: Iterable[int]) -> dict[int, list[Line]]:
    """The same lines from pypdfium2's character boxes (font-height boxes, duplicates within 1 pt dropped).

    Some 25 times faster than pdfplumber; a rotated page is left to pdfplumber.
    """
    wanted = sorted(set(pages))
    out: dict[int, list[Line]] = {}
    rotated: list[int] = []
    budget = current_budget()
    pdf = open_pdfium(path)
    try:
        for number in wanted:
            budget.check()
            page = pdf[number - 1]
            try:
                if page.get_rotation():
                    rotated.append(number)
                    continue
                textpage = page.get_textpage()
                try:
                    out[number] = _lines(number, _pdfium_chars(textpage, page.get_mediabox()))
                finally:
                    textpage.close()
            finally:
                page.close()
    finally:
        pdf.close()
    return out | plumber_lines(path, rotated)


class _MetricBoxes:
    """Character boxes of one text page from the PDF's metrics (pdfium's coordinates: bottom-left origin).

    A character spans its advance width (``FPDFFont_GetGlyphWidth``: the font's /W or /Widths, scaled by
    the font size) from its origin, and from its baseline's descent (the font descriptor's /Descent) up
    by the font size, both through the character's matrix (text matrix, horizontal scaling, CTM); this is
    pdfminer's box, so both position engines agree. pdfium's own boxes hold the drawn glyph's outline,
    which for an unembedded font depends on the fonts installed (module docstring).
    """

    def __init__(self, textpage: pdfium.PdfTextPage) -> None:
        self.textpage = textpage
        self.fonts: dict[int | None, tuple[Any, float, float]] = {}  # text object -> (font, size, descent)
        self.widths: dict[tuple[int | None, int], float] = {}
        self._matrix = pdfium_c.FS_MATRIX()
        self._x, self._y = ctypes.c_double(), ctypes.c_double()
        self._float = ctypes.c_float()

    def box(self, index: int, code: int) -> tuple[float, float, float, float] | None:
        """(left, bottom, right, top) of character ``index`` (its Unicode ``code``), or ``None``."""
        tp, f = self.textpage, self._float
        obj = pdfium_c.FPDFText_GetTextObject(tp, index)
        key = ctypes.cast(obj, ctypes.c_void_p).value if obj else None
        if key is None:
            return None
        if key not in self.fonts:
            font = pdfium_c.FPDFTextObj_GetFont(obj)
            size = f.value if pdfium_c.FPDFTextObj_GetFontSize(obj, ctypes.byref(f)) else 0.0
            descent = f.value if font and pdfium_c.FPDFFont_GetDescent(font, size, ctypes.byref(f)) else 0.0
            self.fonts[key] = (font, size, descent)
        font, size, descent = self.fonts[key]
        width = self.widths.get((key, code))
        if width is None:
            width = f.value if font and pdfium_c.FPDFFont_GetGlyphWidth(font, code, size, ctypes.byref(f)) else -1.0
            self.widths[(key, code)] = width
        if not size or width < 0:
            return None
        m, x, y = self._matrix, self._x, self._y
        if not pdfium_c.FPDFText_GetMatrix(tp, index, ctypes.byref(m)) or not pdfium_c.FPDFText_GetCharOrigin(
            tp, index, ctypes.byref(x), ctypes.byref(y)
        ):
            return None
        corners = [(x.value + m.a * u + m.c * v, y.value + m.b * u + m.d * v)
                   for u, v in ((0.0, descent), (width, descent + size))]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        return min(xs), min(ys), max(xs), max(ys)


def _pdfium_chars(textpage: pdfium.PdfTextPage, mediabox: tuple[float, float, float, float]) -> list[dict[str, Any]]:
    left, _, _, top = mediabox
    metrics = _MetricBoxes(textpage)
    chars: list[dict[str, Any]] = []
    seen: dict[tuple[str, int], list[float]] = {}
    for i in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage, i)
        if pdfium_c.FPDFText_IsGenerated(textpage, i) == 1 or not code or code in (0xFFFE, 0xFFFF):
            continue
        text = chr(code)
        box = None if text in "\r\n" else metrics.box(i, code)
        if box is None:
            continue
        x0, y0 = box[0] - left, top - box[3]
        twins = [x for dy in (-1, 0, 1) for x in seen.get((text, round(y0) + dy), [])]
        if not text.isspace() and any(abs(x - x0) <= 1 for x in twins):
            continue  # the same glyph drawn again on top of itself (simulated bold)
        seen.setdefault((text, round(y0)), []).append(x0)
        chars.append({"text": text, "x0": x0, "x1": box[2] - left, "top": y0, "bottom": top - box[1]})
    return chars


def _lines(page_number: int, chars: list[dict[str, Any]]) -> list[Line]:
    chars = sorted((c for c in chars if c.get("text") and c.get("upright", True)), key=lambda c: (c["top"], c["x0"]))
    rows: list[list[dict[str, Any]]] = []
    for ch in chars:
        if rows and abs(ch["top"] - rows[-1][0]["top"]) <= Y_TOLERANCE:
            rows[-1].append(ch)
        else:
            rows.append([ch])
    lines = []
    for row in rows:
        row.sort(key=lambda c: c["x0"])
        text: list[str] = []
        boxes: list[BBox | None] = []
        prev = None
        for ch in row:
            if prev is not None and ch["x0"] - prev["x1"] > X_TOLERANCE:
                text.append(" ")
                boxes.append(None)
            for piece in ch["text"]:
                text.append(piece)
                boxes.append((ch["x0"], ch["top"], ch["x1"], ch["bottom"]))
            prev = ch
        if "".join(text).strip():
            lines.append(Line(page_number, "".join(text), tuple(boxes)))
    return lines


def locate(path: Path, wanted: Iterable[tuple[int, str]]) -> dict[tuple[int, str], BBox]:
    """The box (top-left origin, as pdfplumber) of the first occurrence of each ``(page, text)`` that is found."""
    found: dict[tuple[int, str], BBox] = {}
    wanted = [(page, needle) for page, needle in wanted if needle]
    if not wanted:
        return found
    pdf = open_pdfium(path)
    try:
        for page_number, needle in wanted:
            page = pdf[page_number - 1]
            textpage = page.get_textpage()
            try:
                box = _search(textpage, needle, page.get_height())
            finally:
                textpage.close()
                page.close()
            if box:
                found[(page_number, needle)] = box
    finally:
        pdf.close()
    return found


def _search(textpage: pdfium.PdfTextPage, needle: str, height: float) -> BBox | None:
    searcher = textpage.search(needle)
    try:
        hit = searcher.get_next()
    finally:
        searcher.close()
    if not hit:
        return None
    index, count = hit
    metrics = _MetricBoxes(textpage)
    rects = []
    for i in range(index, index + count):
        code = pdfium_c.FPDFText_GetUnicode(textpage, i)
        if code and not chr(code).isspace() and pdfium_c.FPDFText_IsGenerated(textpage, i) != 1:
            box = metrics.box(i, code)
            if box:
                rects.append(box)
    if not rects:
        return None
    left, bottom = min(r[0] for r in rects), min(r[1] for r in rects)
    right, top = max(r[2] for r in rects), max(r[3] for r in rects)
    return (round(left, 2), round(height - top, 2), round(right, 2), round(height - bottom, 2))
