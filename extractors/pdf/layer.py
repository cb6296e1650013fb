"""Where the statement reader gets each page's text and positioned lines: the text layer, or OCR.

``layer_for(path, texts, rules)`` looks at the fast text pass: a page whose text is unusable — fewer
readable characters than ``min_chars_per_page`` while images cover ``ocr.min_image_share`` of it (or the
whole document has no usable text layer), or a text layer of mostly unmapped glyphs (``(cid:123)`` runs)
— is read by OCR; every other page keeps its text layer. Without such pages the reader gets a
``TextLayer``, exactly the reader of text-layer PDFs. Otherwise an ``OcrLayer``:

1. ``triage`` runs the low-resolution pass over the OCR pages (``OcrPages.quick``: the top band of
   each page), triages the document from that, reads at full resolution only the pages the triage
   points to (the auditor's report up to the first statement, the balance sheet and the income
   statement), and triages again on the full text, until nothing new is wanted (at most
   ``ocr.max_read_pages`` pages read in full);
2. the notes' revenue breakdown, when its heading was not in a band already read, is searched on the
   ``ocr.max_note_pages`` pages after the statements;
3. ``lines``, ``locate``, ``page_box`` and ``confidence`` then serve the reader like the text layer
   does: OCR lines in points of the straightened page, boxes mapped back to the PDF page, and the
   lowest character confidence of a value.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from omreview.errors import DocumentError
from omreview.extractors.contract import ReadError
from omreview.extractors.ocr.engine import OcrUnavailable, model_paths
from omreview.extractors.ocr.pages import OcrPages
from omreview.extractors.pdf.guard import OpenPdf
from omreview.extractors.pdf.pages import (
    BBox,
    Line,
    locate,
    opened,
    page_unreadable,
    positioned_lines,
    unreadable,
)
from omreview.extractors.pdf.revenue_note import find_note, statements_end
from omreview.extractors.pdf.tables import label_key
from omreview.extractors.pdf.triage import BALANCE, INCOME, Triage, triage
from omreview.rules import Rules
from omreview.text import norm

_MAX_REPORT_PAGES = 8
_ROUNDS = 3


class TextLayer:
    """The text layer of every page (the ``pdf.statement.positions`` engine for positions)."""

    ocr = False

    def __init__(self, path: Path, rules: Rules, texts: list[str]) -> None:
        self.path, self.rules, self.texts = path, rules, list(texts)
        self.warnings: list[str] = []
        self.unread: list[ReadError] = []  # pages that could not be read (the extraction is PARTIAL)

    def triage(self) -> Triage:
        return triage(self.texts, self.rules)

    def lines(self, pages: Iterable[int]) -> dict[int, list[Line]]:
        return positioned_lines(self.path, pages, self.rules)

    def locate(self, wanted: Iterable[tuple[int, str]]) -> dict[tuple[int, str], BBox]:
        return locate(self.path, wanted)

    def page_box(self, page: int, bbox: BBox) -> BBox:
        return bbox

    def confidence(self, page: int, bbox: BBox | None) -> Decimal | None:
        return None


def layer_for(path: Path, texts: list[str], rules: Rules) -> TextLayer:
    """The text layer, or an ``OcrLayer`` when some pages need OCR; ``DocumentError`` when none can be read."""
    whole = unreadable(texts, rules)
    pages = ocr_pages(path, texts, rules, whole is not None)
    if not pages:
        return TextLayer(path, rules, texts)
    cfg = rules.labels.statement_pdf.ocr
    cause = None
    if not cfg.enabled:
        cause = "OCR is turned off in the rules"
    else:
        try:
            model_paths()
        except OcrUnavailable as exc:
            cause = str(exc)
    if cause:
        if whole:
            raise DocumentError(f"{whole}; {cause}")
        layer = TextLayer(path, rules, texts)
        layer.unread.append(ReadError(f"pages {_ranges(pages)} have no usable text layer and were not read ({cause})",
                                      tuple(pages)))
        return layer
    if len(pages) > cfg.max_pages:
        raise DocumentError(
            f"{whole or 'image-only pages'}: {len(pages):,} pages to OCR, more than the {cfg.max_pages:,} pages "
            "the reader OCRs (labels.statement_pdf.ocr.max_pages); not read"
        )
    return OcrLayer(path, rules, texts, pages)


def ocr_pages(path: Path, texts: list[str], rules: Rules, whole: bool) -> list[int]:
    """The 1-based pages whose text layer cannot be used and that OCR should read."""
    cfg = rules.labels.statement_pdf
    out = []
    few: list[int] = []
    for number, text in enumerate(texts, start=1):
        reason = page_unreadable(text, rules)
        if reason == "garbage" or (reason == "few" and whole):
            out.append(number)
        elif reason == "few":
            few.append(number)
    if few:
        shares = _image_shares(path, few)
        out += [n for n in few if shares[n] >= cfg.ocr.min_image_share]
    return sorted(out)


def _image_shares(path: Path, numbers: list[int]) -> dict[int, Decimal]:
    """The share of each page covered by image objects (their bounding boxes, capped at 1); the file opened once."""
    with opened(path) as doc:
        return {number: _image_share(doc, number) for number in numbers}


def _image_share(doc: OpenPdf, number: int) -> Decimal:
    try:
        page = doc.page(number - 1)
        area = page.get_width() * page.get_height()
        covered = 0.0
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
            left, bottom, right, top = obj.get_bounds()
            covered += max(0.0, right - left) * max(0.0, top - bottom)
    except pdfium.PdfiumError:
        return Decimal(0)
    return min(Decimal(1), Decimal(str(round(covered / area, 3)))) if area > 0 else Decimal(0)


def machine_drawn(path: Path, numbers: list[int]) -> list[int]:
    """The pages among ``numbers`` that draw visible text in a font the PDF does not embed.

    Rendered for OCR, such text takes its glyphs from the fonts installed where the PDF is read (none:
    blank), so what OCR reads there is the machine's, not the PDF's. Boxes of text-layer pages do not
    depend on fonts (``pdf.pages``); this the reader cannot avoid, it can only say so.
    """
    out: list[int] = []
    with opened(path) as doc:
        try:
            for number in numbers:
                for obj in doc.page(number - 1).get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], max_depth=3):
                    font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
                    visible = pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) != pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE
                    if font and visible and not pdfium_c.FPDFFont_GetIsEmbedded(font):
                        out.append(number)
                        break
        except pdfium.PdfiumError:
            return out
    return out


def _ranges(pages: list[int]) -> str:
    return ", ".join(str(p) for p in pages[:10]) + (" …" if len(pages) > 10 else "")


class OcrLayer(TextLayer):
    """Text-layer pages as ``TextLayer``; the others read by OCR (``OcrPages``), as few as triage allows."""

    ocr = True

    def __init__(self, path: Path, rules: Rules, texts: list[str], pages: list[int]) -> None:
        super().__init__(path, rules, texts)
        self.cfg = rules.labels.statement_pdf.ocr
        self.scanned = set(pages)
        self.pages = OcrPages(path, self.cfg, vocabulary(rules))
        drawn = machine_drawn(path, pages)
        if drawn:
            self.warnings.append(
                f"pages {_ranges(drawn)} were read by OCR with text in fonts the PDF does not embed, drawn with "
                "this machine's fonts: what OCR read there may differ on another machine"
            )

    def _merged(self) -> list[str]:
        return [self.pages.pages[n].text if n in self.pages.pages else t for n, t in enumerate(self.texts, start=1)]

    def triage(self) -> Triage:
        self.pages.quick(sorted(self.scanned))
        tri = triage(self._merged(), self.rules)
        for _ in range(_ROUNDS):
            wanted = [p for p in self._wanted(tri) if p in self.scanned and not self.pages.is_read(p)]
            wanted = wanted[: self.room()]
            if not wanted:
                break
            self.pages.read(wanted)
            tri = triage(self._merged(), self.rules)
        tri = self._find_note(tri)
        self.texts = self._merged()
        return tri

    def room(self) -> int:
        """How many more pages may be read in full (``ocr.max_read_pages``)."""
        return max(0, self.cfg.max_read_pages - self.pages.counts["read"])

    def _wanted(self, tri: Triage) -> list[int]:
        """1-based pages to read in full: the auditor's report up to the statements, and the two statements."""
        out: list[int] = []
        first = min((s.title.page for s in tri.spans), default=None)
        if tri.audit_at:
            start = self._report_start(tri)
            stop = first if first is not None and first > start else start + _MAX_REPORT_PAGES
            out += list(range(start + 1, min(stop, start + _MAX_REPORT_PAGES, len(tri.pages)) + 1))
        else:
            out += self._report_titles(tri)
        for span in (tri.pick(BALANCE), tri.pick(INCOME)):
            if span is None:
                continue
            last = span.title.page + self.rules.labels.statement_pdf.max_statement_pages - 1
            if span.end:
                last = min(last, span.end[0])
            out += list(range(span.title.page + 1, min(last, len(tri.pages) - 1) + 2))
        return list(dict.fromkeys(out))

    def _report_start(self, tri: Triage) -> int:
        """The page index where the report's first sentence (我们审计了) shows, when the triage text has it: a
        cover titled 审计报告 before it need not be read in full."""
        assert tri.audit_at is not None
        markers = [norm(m) for m in self.rules.labels.statement_pdf.audit_markers]
        for index in range(tri.audit_at[0], min(len(tri.pages), tri.audit_at[0] + _MAX_REPORT_PAGES)):
            if any(m in norm("".join(tri.pages[index])) for m in markers):
                return index
        return tri.audit_at[0]

    def _report_titles(self, tri: Triage) -> list[int]:
        """Pages whose band holds a line 审计报告 (its first sentence may lie below the band), and the next."""
        titles = {label_key(t) for t in self.rules.labels.statement_titles.get("audit_report", [])}
        out: list[int] = []
        for index, lines in enumerate(tri.pages):
            if any(label_key(text) in titles for text in lines):
                out += [index + 1, index + 2]
        return [p for p in out if p <= len(tri.pages)]

    def _find_note(self, tri: Triage) -> Triage:
        """Read the pages after the statements, one at a time, until the revenue breakdown's heading shows."""
        after = statements_end(tri, self.rules)
        if after is None:
            return tri
        start = max(s.title.page for s in tri.spans) + 1
        candidates = [p + 1 for p in range(start, min(len(tri.pages), start + self.cfg.max_note_pages))]
        for number in [*candidates, None]:
            at = find_note(tri.pages, after, self.rules)
            if at is not None:
                page = at[0] + 1
                if page in self.scanned and not self.pages.is_read(page) and self.room():
                    self.pages.read([page])  # its heading was in the band: read the page itself
                    tri = triage(self._merged(), self.rules)
                return tri
            if number is None or not self.room():
                break
            if number in self.scanned and not self.pages.is_read(number):
                self.pages.read([number])
                tri = triage(self._merged(), self.rules)
        return tri

    def lines(self, pages: Iterable[int]) -> dict[int, list[Line]]:
        pages = sorted(set(pages))
        scanned = [p for p in pages if p in self.scanned]
        out = super().lines([p for p in pages if p not in self.scanned])
        return out | self.pages.lines(scanned)

    def locate(self, wanted: Iterable[tuple[int, str]]) -> dict[tuple[int, str], BBox]:
        wanted = list(wanted)
        found = super().locate([(p, s) for p, s in wanted if p not in self.scanned])
        for page, needle in wanted:
            if page in self.scanned and needle:
                box = _find(self.pages.lines([page])[page], needle)
                if box:
                    found[(page, needle)] = box
        return found

    def page_box(self, page: int, bbox: BBox) -> BBox:
        return self.pages.page_box(page, bbox) if page in self.scanned else bbox

    def confidence(self, page: int, bbox: BBox | None) -> Decimal | None:
        if page not in self.scanned or bbox is None:
            return None
        return self.pages.confidence(page, bbox)


def vocabulary(rules: Rules) -> list[str]:
    """The words OCR'd lines are checked against (``ocr.pages.Lexicon``): labels, titles, headings, columns."""
    labels = rules.labels
    cfg = labels.statement_pdf
    groups = [*labels.statement_rows.values(), *labels.statement_columns.values(), *labels.statement_titles.values()]
    words = [w for group in groups for w in group]
    words += [*labels.om_revenue_lines, *cfg.revenue_note_subject, *cfg.revenue_note_breakdown, *cfg.total_rows,
              *cfg.revenue_note_cost, *cfg.revenue_note_main, *cfg.revenue_note_other, *cfg.revenue_note_totals,
              *cfg.other_statements, *cfg.end_markers, *cfg.audit_markers, *cfg.signature_markers, *cfg.audit_firm,
              *cfg.annual_report, *cfg.unaudited]
    words += [w for group in labels.audit_opinions.values() for w in group]
    return words


def _find(lines: list[Line], needle: str) -> BBox | None:
    """The box of ``needle`` in the first line that holds it (spaces ignored on both sides)."""
    key = "".join(needle.split())
    if not key:
        return None
    for line in lines:
        index = [i for i, ch in enumerate(line.text) if not ch.isspace()]
        at = "".join(line.text[i] for i in index).find(key)
        if at >= 0:
            return line.span_bbox(index[at], index[at + len(key) - 1] + 1)
    return None
