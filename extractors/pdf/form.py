"""A 申报表 printed to PDF: its ruled tables rebuilt as grids, its other lines as paragraphs, then read by the form
reader of a .docx (``office.form.read_grids``), whatever the layout.

Applicants print the form from Word (and sign and stamp the print). On a page with a text layer the form's tables
are ruled: pdfplumber finds their cells from the lines drawn. Each table becomes a ``Grid`` as a .docx table does:
the edges of all its cells are the grid's lines, and a cell spanning several of them (a merged cell) stands at
every position it covers with one key, so labels pair with values, header rows with their columns, exactly as in
the .docx. The text outside the tables becomes paragraphs, in reading order (a caption above a table states its
unit, a ``label：value`` line is read as in a .docx paragraph). What printing adds:

- a table split by a page break goes on at the top of the next page, between the same left and right edges and
  with nothing printed between: it is one table, on the columns of both parts (a header row repeated on the new
  page is left out); a row broken at the page's foot is joined to the row it continues, cell by cell (``_broken``:
  the cells whose text had ended are empty on the new page, or a label or a ``label：value`` goes on there);
- a cell's text wraps at the cell's edge: its lines are joined. A paragraph's line goes on in the next when the
  next one's first word would not have fitted at its end (running text wraps only so), unless the next starts
  with a label;
- a page number line (``- 2 -``, ``第2页 共5页``) is no paragraph.

A form drawn without ruling lines has no tables here: its lines are paragraphs, each row of its table one line, and
a cell that wrapped puts the rest of its text on a line of its own under it. Such a line (no wrap of running text,
no label at its start, under a line spread over columns or indented) means the line above may hold a value cut
short: that line is not read (its values are missing, never read cut short).

A scanned form (pages of images, or a photo) is read from the OCR of the statement reader's layer: its ruled tables
are found in each page image (``ocr.ruling``: the ruling lines, then pdfplumber's cell finder on them), the characters
OCR read go into the cells their centers lie in (``OcrPages.tables``), the other lines are its paragraphs, and the
same reading follows. A table going on on the next scanned page may stand a few points aside (each page straightened
on its own: ``ocr.ruling_page_shift``). Each value read so carries the lowest confidence of its characters: below the
floor the checks resting on it are ``review``.

Each value cites its page and its cell's box (of a scan: on the page as stored). Only a PDF whose first pages hold a
form's title (``labels.form_layout.title_words``; of a scan, in the top band OCR read for triage) is opened, on its
first ``labels.form_layout.pdf_pages`` pages (of a scan, no more than ``ocr.max_read_pages`` read in full).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pdfplumber

from omreview.extractors.contract import Extraction
from omreview.extractors.office.docx_grid import BBox, Grid, GridCell
from omreview.extractors.office.form import has_form_title, is_application_form, read_grids
from omreview.extractors.office.form_labels import Lexicon, lexicon
from omreview.extractors.pdf.layer import OcrLayer, TextLayer
from omreview.extractors.pdf.pages import as_bbox, cell_text, grid_lines, nearest_line
from omreview.model import DocumentKind
from omreview.packet import PacketFile
from omreview.rules import Rules

_TOLERANCE = 2.0  # points: two edges nearer than this are one line of the grid
_TITLE_PAGES = 2  # the title is looked for on the first pages with text
# a cell's text that no value ends with (3,920,000.) or that no value starts with (1日, ）): a value cut in two
_CUT_END = re.compile(r"[,，.、/\-—(（:：]$")
_CUT_START = re.compile(r"^(?:\d{1,2}\s*日|[)）%％])")
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,4}\s*(?:页)?\s*(?:[/／]\s*\d{1,4}|共\s*\d{1,4}\s*页)?[-—–\s]*$")


def may_be_form(texts: Sequence[str], rules: Rules) -> bool:
    """Whether the first pages with text hold a 申报表's title: the only PDFs ``read`` opens."""
    first = [t for t in texts if t.strip()][:_TITLE_PAGES]
    return bool(first) and has_form_title("\n".join(first), rules)



@dataclass
class _Table:
    """A table as it is gathered, page by page: its column edges and, per row, the id of the cell at each column."""

    columns: list[float]
    rows: list[list[int | None]] = field(default_factory=list)
    last_page: int = 0
    bottom: float = 0.0  # where its part on ``last_page`` ends

    def refine(self, edges: list[float], tolerance: float) -> None:
        """Add the column edges of a later part (those not within ``tolerance`` of one): a column an edge splits is
        split in every row gathered (its cells then span both halves, as a merged cell does)."""
        for x in edges:
            if any(abs(x - c) <= tolerance for c in self.columns) or not self.columns[0] < x < self.columns[-1]:
                continue
            at = next(i for i, c in enumerate(self.columns) if c > x)  # the column at - 1 is split at x
            self.columns.insert(at, x)
            for row in self.rows:
                row.insert(at, row[at - 1])


@dataclass
class _Form:
    """The form's tables and paragraphs, in reading order."""

    lex: Lexicon
    tables: list[_Table] = field(default_factory=list)
    texts: dict[int, str] = field(default_factory=dict)  # cell id -> its text
    places: dict[int, tuple[int, BBox]] = field(default_factory=dict)  # cell id -> (page, box)
    paragraphs: list[str] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)  # the page of each paragraph
    confidence: dict[int, Decimal] = field(default_factory=dict)  # read by OCR: cell id -> its lowest confidence
    paragraph_confidence: list[Decimal | None] = field(default_factory=list)  # read by OCR: each paragraph's
    # per table: the paragraphs before it (its caption: the last two), and its index in ``tables``
    order: list[tuple[int, int]] = field(default_factory=list)
    last: str = ""  # what was read last: "table" (on ``tables[-1].last_page``) or "text"
    foot: float = 0.0  # the lowest edge of anything printed on any page: the foot of the pages' text area

    def add(self, cells: list[_Cell], page: int, bottom: float, tolerance: float = _TOLERANCE) -> None:
        """Add a table of ``page`` (its cells): a table of its own, or the rest of the table before it (``bottom``:
        where it ends on the page; ``tolerance``: how near its edges stand to those of the part before, if it is
        one)."""
        if not cells:
            return
        columns = grid_lines([c.bbox[0] for c in cells] + [c.bbox[2] for c in cells], _TOLERANCE)
        previous = self.tables[-1] if self.tables else None
        goes_on = previous is not None and self.last == "table" and previous.last_page == page - 1 \
            and abs(previous.columns[0] - columns[0]) <= tolerance \
            and abs(previous.columns[-1] - columns[-1]) <= tolerance
        if goes_on and previous is not None:  # the same table: its columns and these, one grid
            previous.refine(columns, tolerance)
            columns = previous.columns
        matrix = self._matrix(cells, page, columns)
        if goes_on and previous is not None:
            self._go_on(previous, matrix)
            previous.last_page, previous.bottom = page, bottom
        else:
            self.tables.append(_Table(columns, matrix, page, bottom))
            self.order.append((len(self.paragraphs), len(self.tables) - 1))
        self.last = "table"

    def _matrix(self, cells: list[_Cell], page: int, columns: list[float]) -> list[list[int | None]]:
        """The table's cells on the grid of ``columns`` and its own row lines: a merged cell at every position."""
        lines = grid_lines([c.bbox[1] for c in cells] + [c.bbox[3] for c in cells], _TOLERANCE)
        matrix: list[list[int | None]] = [[None] * (len(columns) - 1) for _ in range(max(1, len(lines) - 1))]
        for cell in cells:
            key = len(self.texts) + 1
            self.texts[key], self.places[key] = cell_text(cell.text), (page, cell.place)
            if cell.confidence is not None:
                self.confidence[key] = cell.confidence
            c0, c1 = nearest_line(columns, cell.bbox[0]), nearest_line(columns, cell.bbox[2])
            r0, r1 = nearest_line(lines, cell.bbox[1]), nearest_line(lines, cell.bbox[3])
            for r in range(r0, max(r1, r0 + 1)):
                for c in range(c0, max(c1, c0 + 1)):
                    matrix[r][c] = key
        return matrix

    def text(self, line: str, page: int, goes_on: bool, confidence: Decimal | None) -> None:
        """A line outside the tables: a paragraph, or the rest of the one before (``goes_on``: it wrapped here)."""
        if goes_on and self.last == "text" and self.paragraphs:
            self.paragraphs[-1] += line
            before = self.paragraph_confidence[-1]
            if confidence is not None:
                self.paragraph_confidence[-1] = confidence if before is None else min(before, confidence)
        else:
            self.paragraphs.append(line)
            self.pages.append(page)
            self.paragraph_confidence.append(confidence)
        self.last = "text"

    def cut(self) -> bool:
        """The paragraph before, if it holds ``label：value`` pairs, goes on in a line that is no wrap of running text
        and starts with no label: under one of its cells (a table drawn without lines, its row spread over columns or
        this line indented). Which of its values is cut short is not known, so it is read as empty (and the line, a
        fragment, is not read either: ``True``). A paragraph of no pairs (a title over a centred subtitle) stays."""
        if self.last != "text" or not self.paragraphs or not self.lex.split_inline(self.paragraphs[-1])[1]:
            return False
        self.paragraphs[-1] = ""
        return True

    def _row_texts(self, row: list[int | None]) -> list[str]:
        return [self.texts.get(k, "") if k is not None else "" for k in row]

    def _inline(self, text: str) -> bool:
        """Whether the text starts with a label and its colon (``企业管理信息系统：已建成…``)."""
        lead, pairs = self.lex.split_inline(text)
        return bool(pairs) and not lead

    def _broken(self, table: _Table, first: list[int | None]) -> bool:
        """Whether the first row of a table's part on a new page is the rest of its last row on the page before.

        Its first cell is empty where the last row's was not (the cells whose text had ended are empty). Or the
        last row ran to the foot of the page with the same cells, and: the two halves of the first cell make a
        label where the first alone is none (运维收 | 入占营业收入比例); or, the last row holding a value (no header
        row of labels) and the new first cell no label of its own, some cell ended (从事IT企业管理年 | 十三年 →
        限 | ), or a value is cut in two (3,920,000. | 00, 2009年7月 | 1日), or the last row's ``label：value``
        goes on (企业管理信息系统：已建成… | …系统上线)."""
        now, before = self._row_texts(first), self._row_texts(table.rows[-1])
        if not now[0] and any(now) and before[0]:
            return True
        if not now[0] or table.bottom < self.foot - _TOLERANCE or _spans(first) != _spans(table.rows[-1]):
            return False
        if not self.lex.read(before[0]).is_label and self.lex.read(before[0] + now[0]).is_label:
            return True  # a label cut in two (运维收 | 入占营业收入比例)
        if self.lex.read(now[0]).is_label or not any(t and not self.lex.read(t).is_label for t in before):
            return False  # a row of its own, or a header row before it
        if any(b and not n for b, n in zip(before, now, strict=True)):
            return True  # beside cells that ended
        if any(b and n and (_CUT_END.search(b) or _CUT_START.match(n)) for b, n in zip(before, now, strict=True)):
            return True  # a value cut in two (3,920,000. | 00, 2009年7月 | 1日)
        return self._inline(before[0]) and not self._inline(now[0])

    def _go_on(self, table: _Table, matrix: list[list[int | None]]) -> None:
        """The part of ``table`` on the next page: its header row again is left out, a row broken at the foot of
        the page before is joined to the row it continues."""
        if matrix and table.rows and self._row_texts(matrix[0]) == self._row_texts(table.rows[0]):
            matrix = matrix[1:]
        if matrix and table.rows and self._broken(table, matrix[0]):
            joined: set[int] = set()
            for key, more in zip(table.rows[-1], matrix[0], strict=True):
                if key is not None and more is not None and more not in joined and self.texts.get(more):
                    joined.add(more)
                    self.texts[key] = cell_text(self.texts[key] + "\n" + self.texts[more])
            matrix = matrix[1:]
        table.rows.extend(matrix)

    def grids(self) -> list[Grid]:
        out: list[Grid] = []
        free = len(self.texts) + 1  # keys for the positions no cell covers
        starts = dict((t, p) for p, t in self.order)
        for index, table in enumerate(self.tables):
            rows: list[list[GridCell]] = []
            for r, row in enumerate(table.rows):
                cells = []
                for c, key in enumerate(row):
                    if key is None:
                        key, free = free, free + 1
                    cells.append(GridCell(self.texts.get(key, ""), key, r, c))
                rows.append(cells)
            before = starts[index]
            after = starts.get(index + 1, len(self.paragraphs))
            since = starts[index - 1] if index > 0 else 0  # the lines after the table before it, the last two
            caption = "\n".join(self.paragraphs[max(since, before - 2):before])
            note = "\n".join(self.paragraphs[before:min(after, before + 2)])
            used = {k for row in table.rows for k in row if k is not None}
            out.append(Grid(index=index, rows=rows, caption=caption, note=note, preceding=before,
                            places={k: self.places[k] for k in used},
                            confidence={k: self.confidence[k] for k in used if k in self.confidence}))
        return out


def _spans(row: list[int | None]) -> list[int]:
    """Where a row's cells begin (a merged cell counted once): the row's shape, whatever its text."""
    return [c for c, key in enumerate(row) if c == 0 or key is None or key != row[c - 1]]


@dataclass(frozen=True)
class _Cell:
    """A table cell: its box on the page as read (a scan's straightened page), its text, its box on the PDF page as
    stored, and (read by OCR) its lowest character confidence."""

    bbox: BBox
    text: str
    place: BBox
    confidence: Decimal | None = None


@dataclass(frozen=True)
class _Line:
    """A printed line outside the tables: its text, box, each printed character's left and right edge and text,
    and (read by OCR) its lowest character confidence."""

    text: str
    bbox: BBox
    chars: tuple[tuple[float, float, str], ...]
    confidence: Decimal | None = None


@dataclass
class _Page:
    items: list[tuple[float, float, list[_Cell] | None, _Line | None]]  # (top, bottom, a table or a line), in order
    left: float
    right: float
    shift: float = _TOLERANCE  # how far a table's edges may stand from those of its part on the page before


def _gapped(chars: Sequence[tuple[float, float, str]], size: float) -> bool:
    """Whether a line's characters leave a gap wider than a character somewhere: columns, not running text."""
    printed = [c for c in chars if c[2].strip()]
    return any(b[0] - a[1] > size for a, b in itertools.pairwise(printed))


def _first_word(chars: Sequence[tuple[float, float, str]]) -> float:
    """The width of a line's first word: what would have had to fit at the end of the line before for the text
    not to wrap there (a run of Latin letters and digits, else one character)."""
    printed = [c for c in chars if c[2].strip()]
    if not printed:
        return 0.0
    end = 0
    while end + 1 < len(printed) and printed[end][2].isascii() and printed[end + 1][2].isascii() \
            and printed[end + 1][0] - printed[end][1] < 1.0:
        end += 1
    return printed[end][1] - printed[0][0]


def _inside(box: BBox, boxes: list[BBox]) -> bool:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


def read(pf: PacketFile, texts: Sequence[str], rules: Rules, layer: TextLayer | None = None) -> Extraction | None:
    """The 申报表 of a PDF whose first pages hold a form's title; ``None`` if it is no form. ``layer``: the
    statement reader's, whose OCR pages (a scan) are read here with their ruled tables."""
    scan = layer if isinstance(layer, OcrLayer) else None
    if not may_be_form(texts, rules) and not (scan is not None and may_be_form(scan.texts, rules)):
        return None
    lex = lexicon(rules)
    form = _Form(lex=lex)
    wanted = rules.labels.form_layout.pdf_pages
    warnings: list[str] = []
    with pdfplumber.open(pf.path) as pdf:
        pages: list[_Page] = []
        for number, printed in enumerate(pdf.pages[:wanted], 1):
            if scan is None or number not in scan.scanned:
                pages.append(_text_page(printed))
            elif scan.room():
                pages.append(_scanned_page(scan, number))
            else:
                warnings.append(f"第{number}页及以后的扫描页超出OCR页数上限，未读取")
                break
    form.foot = max((bottom for page in pages for _, bottom, _, _ in page.items), default=0.0)
    for number, page in enumerate(pages, 1):
        room: float | None = None  # the room left at the end of the line before (None: no line before)
        gapped = False  # the line before is spread over columns (the row of a table drawn without lines)
        for _, bottom, table, item in page.items:
            if table is not None:
                form.add(table, number, bottom, page.shift)
                room = None
                continue
            assert item is not None
            line = unicodedata.normalize("NFKC", item.text).strip()
            size = item.bbox[3] - item.bbox[1]
            lead, pairs = lex.split_inline(line)
            starts_label = bool(pairs) and not lead
            # wrapped: its first word would not have fitted at the end of the line before (a character's
            # width spared for the padding of a cell the text may sit in)
            goes_on = room is not None and _first_word(item.chars) + size > room and not starts_label
            if room is not None and not goes_on and not starts_label and (
                    item.bbox[0] - page.left >= size or gapped) and form.cut():
                room = None  # a cell of a table drawn without lines wrapped here: not read, rather than read cut
                continue
            form.text(line, number, goes_on, item.confidence)
            room = page.right - item.bbox[2]
            gapped = _gapped(item.chars, size)
    grids = form.grids()
    if not is_application_form(form.paragraphs, grids, rules):
        return None
    record = read_grids(pf, grids, form.paragraphs, rules, form.pages, form.paragraph_confidence)
    record.warnings.extend(warnings)
    return Extraction(kind=DocumentKind.APPLICATION_FORM, record=record)


def _text_page(page: Any) -> _Page:
    """A page's tables and its text lines outside them (page numbers left out), top to bottom, and the left and
    right edges of what is printed."""
    found = page.find_tables()
    tables = []
    for table in found:
        cells = [_Cell(as_bbox(box), text or "", as_bbox(box))
                 for row, texts in zip(table.rows, table.extract(), strict=True)
                 for box, text in zip(row.cells, texts, strict=True) if box is not None]
        tables.append((as_bbox(table.bbox), cells))
    boxes = [box for box, _ in tables]
    rest = page.filter(lambda o: o.get("object_type") != "char" or not _inside(as_bbox(
        (o["x0"], o["top"], o["x1"], o["bottom"])), boxes))
    lines = [_Line(line["text"], as_bbox((line["x0"], line["top"], line["x1"], line["bottom"])),
                   tuple((float(c["x0"]), float(c["x1"]), c["text"]) for c in line["chars"]))
             for line in rest.extract_text_lines()]
    return _ordered(tables, lines, float(page.width))


def _scanned_page(scan: OcrLayer, number: int) -> _Page:
    """A scanned page as ``_text_page``: its ruled tables' cells and its other lines as OCR read them (points of
    the straightened page; each cell's place on the PDF page as stored)."""
    ocr = scan.pages
    tables = []
    for found in ocr.tables(number):
        cells = [_Cell(c.bbox, c.text, ocr.page_box(number, c.bbox), c.confidence) for c in found]
        outline = (min(c.bbox[0] for c in cells), min(c.bbox[1] for c in cells),
               max(c.bbox[2] for c in cells), max(c.bbox[3] for c in cells))
        tables.append((outline, cells))
    boxes = [box for box, _ in tables]
    lines = []
    for line in ocr.lines([number])[number]:
        if (box := line.bbox) is None or _inside(box, boxes):
            continue
        chars = tuple((b[0], b[2], ch) for ch, b in zip(line.text, line.boxes, strict=True) if b is not None)
        lines.append(_Line(line.text, box, chars, ocr.confidence(number, box)))
    read = ocr.pages[number]
    page = _ordered(tables, lines, read.size[1] if read.view.turn in (90, 270) else read.size[0])
    page.shift = float(scan.cfg.ruling_page_shift)
    return page


def _ordered(tables: list[tuple[BBox, list[_Cell]]], lines: list[_Line], width: float) -> _Page:
    lines = [line for line in lines
             if (text := unicodedata.normalize("NFKC", line.text).strip()) and not _PAGE_NUMBER.match(text)]
    items: list[tuple[float, float, list[_Cell] | None, _Line | None]] = [
        (box[1], box[3], cells, None) for box, cells in tables]
    items += [(line.bbox[1], line.bbox[3], None, line) for line in lines]
    items.sort(key=lambda i: (i[0], i[2] is None))
    boxes = [box for box, _ in tables]
    left = min([line.bbox[0] for line in lines] + [b[0] for b in boxes], default=0.0)
    # the text's right edge: the furthest printed, or the left margin's mirror (a page of short lines)
    right = max([line.bbox[2] for line in lines] + [b[2] for b in boxes] + [width - left])
    return _Page(items, left, right)
