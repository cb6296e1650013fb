"""A 人员名册 printed to PDF: its ruled table read cell by cell (pdfplumber), then by the roster's own rules.

Applicants print the roster from Word or Excel. On the page it is a ruled table: pdfplumber finds its cells from
the rules drawn, and a cell's text comes back with the line breaks of a narrow column (``身份证\\n号``,
``31010\\n51985…``), joined here without them. What a printed table adds to a workbook:

- the header is on its first page only (or repeated on each): a table on a later page with as many columns is
  the same table, its repeated header (the same fields) left out;
- a row that did not fit at a page's foot goes on at the top of the next, its 序号 and 姓名 cells empty there: that
  first row is joined to the row it continues, cell by cell;
- a sheet too wide for its paper is printed in parts, its left columns for every row and then the next ones
  (``_in_parts``): each row's parts are joined by the height they stand at, page for page;
- text too long for its cell is clipped at the cell's edge but stays in the page's text, drawn on into the next
  cell or past the table: each character goes back to the cell its run started in (``_row_cells``).

Then ``office.roster.from_rows`` reads the rows as it reads a sheet (the header under any title rows, totals and
footers, education and titles by the rules). Each person cites their page and the box of their row.
What a print lost is not guessed at: a table without an education column (its other parts not found), or with a
身份证号 not 18 characters long (digits a narrow cell did not print at all), is not read (the roster is then
missing, never a roster of wrong numbers that would fail T2). Only for a PDF whose text names a roster's 身份证号
column (``labels.roster_columns``), on its first ``labels.roster_layout.pdf_pages`` pages. A scanned or photographed
roster is read from its ruled tables as OCR found them (``read``); its text is then what OCR read for triage (the
top band of each page, where the header row of the first stands).
"""

from __future__ import annotations

import collections
import itertools
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pdfplumber

from omreview.extractors.contract import Extraction
from omreview.extractors.office.roster import Header, from_rows, roster_header
from omreview.extractors.pdf.layer import OcrLayer, TextLayer
from omreview.extractors.pdf.pages import BBox, as_bbox, cell_text, grid_lines, nearest_line
from omreview.identifiers import is_valid_id_number
from omreview.model import Source
from omreview.packet import PacketFile
from omreview.records import RosterRecord
from omreview.rules import Rules
from omreview.text import norm

Row = tuple[str, ...]
_ID_CHARS = 18  # a 身份证号 as printed whole (a 15-digit one of old is not expected on a roster's print)
_SCAN_TOLERANCE = 3.0  # points: the edges of a scanned table's cells nearer than this are one line
_MISREAD = Decimal("0.5")  # the confidence of a row whose 身份证号, read by OCR, fails its check digit


def _id_words(rules: Rules) -> list[str]:
    return [norm(w) for w in rules.labels.roster_columns["id_number"]]


def _names_id_column(text: str, words: Sequence[str]) -> bool:
    compact = "".join(norm(text).split())
    return any(w in compact for w in words)


def may_be_roster(texts: Sequence[str], rules: Rules) -> bool:
    """Whether the text layer names an identity number column somewhere: the only PDFs ``read`` opens."""
    words = _id_words(rules)
    return any(_names_id_column(t, words) for t in texts)


Place = Callable[[int, BBox], tuple[BBox, Decimal | None]]  # a row's box on a page as read -> on the PDF page, its
# lowest OCR confidence (a text page: the box itself, none)


def _as_printed(page: int, box: BBox) -> tuple[BBox, Decimal | None]:
    return box, None


class _Table:
    """The roster's rows as they are gathered page by page, with each row's source, under the header found first."""

    def __init__(self, pf: PacketFile, place: Place = _as_printed) -> None:
        self.pf = pf
        self.place = place
        self.header: Header | None = None
        self.width = 0
        self.rows: list[Row] = []
        self.places: dict[int, Source] = {}

    def take(self, cells: list[Row], boxes: list[tuple[float, float, float, float]], page: int,
             rules: Rules) -> bool:
        """Take a table of ``page`` if it is the roster (its start, or its part on a later page); whether it was."""
        header = roster_header(cells, rules)
        if self.header is None:  # the first table with a roster's header starts it
            if header is None:
                return False
            self.header, self.width = header, len(cells[0])
            start = 0
        elif len(cells[0]) != self.width:
            return False  # another table
        else:  # the same table on a later page, with its header again or none
            start = header.row if header is not None and header.signature == self.header.signature else 0
            if start == 0 and self.rows and self._goes_on(cells[0]):
                self.rows[-1] = tuple(a + b for a, b in zip(self.rows[-1], cells[0], strict=True))
                start = 1
        for i in range(start, len(cells)):
            self.rows.append(cells[i])
            (x0, top, x1, bottom), confidence = self.place(page, boxes[i])
            self.places[len(self.rows)] = Source(file=self.pf.rel, sha256=self.pf.sha256, page=page,
                                                 bbox=(round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2)),
                                                 confidence=confidence)
        return True

    def _goes_on(self, first: Row) -> bool:
        """Whether a later page's first row is the rest of the last row before it: its 姓名 and 序号 cells empty,
        another cell not."""
        assert self.header is not None
        identity = [self.header.columns["name"], *([] if self.header.seq is None else [self.header.seq])]
        return all(not first[i] for i in identity) and any(first)


PageTables = list[tuple[list[Row], list[BBox]]]  # a page's ruled tables: each one's rows and their boxes
_ROW_TOLERANCE = 1.5  # points: the rows of two halves of a printed sheet stand at the same height on their pages
_MAX_PARTS = 3  # a sheet printed in at most this many parts side by side (left columns, then the next ones …)
_PART_PAGES = 10  # each part on at most this many pages (the parts are looked for this far around the header)


# points: a character that starts this near where the one before it ends goes on the same run of text (a cell's
# own text starts after its padding; a clipped run and the next cell's text drawn over it overlap)
_TOUCHING = 0.5
_LINE = 1.0  # points: characters whose tops differ by less stand on one line
_STARTS = 0.15  # points: a character this near where a cell's own text starts is that text's first
_MAX_PADDING = 8.0  # points: a cell's text starts no further than this from its left edge


def _tables(page: Any) -> PageTables:
    """The page's ruled tables, each row's cells read from the characters (``_row_cells``)."""
    out: PageTables = []
    chars = [c for c in page.chars if c.get("upright", True)]
    for found in page.find_tables():
        bands = []
        for row in found.rows:
            top, bottom = float(row.bbox[1]), float(row.bbox[3])
            bands.append(([None if b is None else as_bbox(b) for b in row.cells],
                          [c for c in chars if top <= (float(c["top"]) + float(c["bottom"])) / 2 <= bottom]))
        pad = _padding(bands)
        rows = [_row_cells(cells, band, pad) for cells, band in bands]
        if rows:
            out.append((rows, [as_bbox(row.bbox) for row in found.rows]))
    return out


def _padding(bands: list[tuple[list[BBox | None], list[dict[str, Any]]]]) -> float | None:
    """Where a cell's own text starts, from its left edge, in this table: the most common distance of a cell's first
    character from the cell's edge (most cells are written left-aligned)."""
    seen: collections.Counter[float] = collections.Counter()
    for cells, chars in bands:
        for x0, _, x1, _ in (c for c in cells if c is not None):
            inside = [float(c["x0"]) for c in chars if x0 <= (float(c["x0"]) + float(c["x1"])) / 2 <= x1]
            if inside:
                seen[round(min(inside) - x0, 1)] += 1
    common = [pad for pad, _ in seen.most_common(1) if 0 <= pad <= _MAX_PADDING]
    return common[0] if common else None


def _row_cells(positions: list[BBox | None], chars: list[dict[str, Any]], pad: float | None = None) -> Row:
    """A printed row's cell texts from its characters. A spreadsheet prints text too long for its cell up to the
    cell's edge and clips the rest, which is still in the page's text: drawn on, it runs into the next cell
    (计算机科学与 | 技田然晓) or past the table's edge (a 身份证号 in the last column). A character that starts where
    the one before it on its line ends, and crosses that one's cell's right edge (or goes on a run that has), is
    that cell's, unless it stands where a cell's own text starts (``pad`` after its edge: a run cut at the edge,
    the next cell's text right after it); any other belongs to the cell its middle lies in (none: it is not the
    table's). ``positions``: the row's cells by column, ``None`` where a merged cell covers the column (its text
    then ``""``, as pdfplumber gives it)."""
    cells = [c for c in positions if c is not None]
    owner: dict[int, int] = {}
    lines: list[list[dict[str, Any]]] = []
    for char in sorted(chars, key=lambda c: float(c["top"])):
        if lines and abs(float(char["top"]) - float(lines[-1][0]["top"])) < _LINE:
            lines[-1].append(char)
        else:
            lines.append([char])
    for line in lines:
        line.sort(key=lambda c: float(c["x0"]))
        before: dict[str, Any] | None = None
        for char in line:
            middle = (float(char["x0"]) + float(char["x1"])) / 2
            at = next((i for i, (x0, _, x1, _) in enumerate(cells) if x0 <= middle <= x1), None)
            if before is not None and id(before) in owner and abs(float(char["x0"]) - float(before["x1"])) < _TOUCHING:
                edge = cells[owner[id(before)]][2]  # the right edge of the cell of the run the character goes on
                starts = pad is not None and any(abs(float(char["x0"]) - x0 - pad) < _STARTS for x0, _, _, _ in cells)
                if not starts and (float(char["x0"]) < edge - _TOUCHING or float(before["x1"]) > edge + _TOUCHING):
                    at = owner[id(before)]  # it crosses the edge, or the run has: it is that run's
            if at is not None:
                owner[id(char)] = at
            before = char
    texts = [""] * len(cells)
    for line in lines:
        for char in line:
            if id(char) in owner:
                texts[owner[id(char)]] += char["text"]
        texts = [t + "\n" if t and not t.endswith("\n") else t for t in texts]
    read = iter(texts)
    return tuple("" if c is None else cell_text(next(read)) for c in positions)


def _take_page(table: _Table, tables: PageTables, number: int, rules: Rules) -> bool:
    took = False
    for cells, boxes in tables:
        if table.take(cells, boxes, number, rules):
            took = True
    return took


def _side_by_side(left: list[tuple[int, PageTables]], right: list[PageTables]) -> list[tuple[int, PageTables]] | None:
    """The pages of a sheet printed in parts, each left page's rows joined with the rows of its right part's page
    that stand at the same height (or, scanned, at the same distance below the page's first row: each page lay a
    little differently on the glass); ``None`` unless every row of both has its partner."""
    if len(right) != len(left):
        return None
    out: list[tuple[int, PageTables]] = []
    for (number, tables), more in zip(left, right, strict=True):
        others = [(cells, box) for cells_list, boxes in more for cells, box in zip(cells_list, boxes, strict=True)]
        for shift in dict.fromkeys((0.0, _first_top(more) - _first_top(tables))):
            joined = _joined(tables, others, shift)
            if joined is not None:
                out.append((number, joined))
                break
        else:
            return None
    return out


def _first_top(tables: PageTables) -> float:
    return min((box[1] for _, boxes in tables for box in boxes), default=0.0)


def _joined(tables: PageTables, others: list[tuple[Row, BBox]], shift: float) -> PageTables | None:
    """Each row of ``tables`` joined with the row of ``others`` that stands ``shift`` lower; ``None`` unless every
    row of both has its partner."""
    used: set[int] = set()
    joined: PageTables = []
    for cells_list, boxes in tables:
        rows: list[Row] = []
        for cells, box in zip(cells_list, boxes, strict=True):
            partner = next((i for i, (_, b) in enumerate(others) if i not in used
                            and abs(b[1] - shift - box[1]) <= _ROW_TOLERANCE
                            and abs(b[3] - shift - box[3]) <= _ROW_TOLERANCE), None)
            if partner is None:
                return None
            used.add(partner)
            rows.append(cells + others[partner][0])
        joined.append((rows, boxes))
    return joined if len(used) == len(others) else None


def read(pf: PacketFile, texts: Sequence[str], rules: Rules, layer: TextLayer | None = None) -> Extraction | None:
    """The roster of a PDF whose pages hold it as a ruled table; ``None`` if none of its tables is one.

    Tables are looked for from the first page whose text names a 身份证号 column, and no further than the first page
    after the roster's start that holds no part of it (a long PDF is not searched page by page). A sheet too wide
    for its paper is printed in parts (``_in_parts``) when that finds no roster with an education column.

    ``layer``: the statement reader's; its scanned pages (a roster scanned or photographed) are read from their
    ruled tables as OCR found them (``OcrPages.tables``), each person's source with the lowest confidence of the
    row's characters. A 身份证号 read so that is not 18 characters or fails its check digit is a misreading or a
    wrong number: its row's confidence is put below the floor (``_MISREAD``), so a check counting on it goes to a
    reviewer (the roster is still read: one misread number is no reason to lose the other people)."""
    scan = layer if isinstance(layer, OcrLayer) else None
    if scan is not None:
        texts = scan.texts  # the text layer's pages and, of the scanned ones, what OCR has read so far
    if not may_be_roster(texts, rules):
        return None
    words = _id_words(rules)
    start = next((n for n, t in enumerate(texts, 1) if _names_id_column(t, words)), 0)
    with pdfplumber.open(pf.path) as pdf:
        pages = pdf.pages[: rules.labels.roster_layout.pdf_pages]
        read_pages: dict[int, PageTables] = {}

        def tables(number: int) -> PageTables:
            if number not in read_pages:
                if scan is not None and number in scan.scanned:
                    read_pages[number] = _scanned_tables(scan, number) if scan.room() else []
                else:
                    read_pages[number] = _tables(pages[number - 1])
            return read_pages[number]

        table = _Table(pf, _placer(scan))
        for number in range(max(start, 1), len(pages) + 1):
            if table.header is None and (number > len(texts) or not _names_id_column(texts[number - 1], words)):
                continue
            if not _take_page(table, tables(number), number, rules) and table.header is not None:
                break  # the roster ended on the page before
        if (table.header is None or "education" not in table.header.columns) and 0 < start <= len(pages):
            table = _in_parts(pf, tables, start, len(pages), rules, _placer(scan)) or table
    if table.header is None or "education" not in table.header.columns:
        return None  # a printed sheet whose other columns were not found: not read, rather than read half
    roster = from_rows(pf, table.rows, table.places, rules)
    if roster is None or not isinstance(roster.record, RosterRecord) or not roster.record.rows:
        return None  # a header and no one under it is no roster read
    short = sum(len(r.id_number) != _ID_CHARS for r in roster.record.rows)
    if scan is not None and 2 * short <= len(roster.record.rows):
        # a number OCR read short or failing its check digit: that row is doubtful (most of them short: the print
        # had cut the column, as below)
        return replace(roster, record=_doubting_misreads(roster.record))
    if short:
        return None  # a number cut at its cell's edge in print: what is left of it would count as a wrong one
    return roster


def _placer(scan: OcrLayer | None) -> Place:
    """Where a row read from a page stands on the PDF page, and its confidence: a scanned page's through its OCR."""
    if scan is None:
        return _as_printed

    def place(page: int, box: BBox) -> tuple[BBox, Decimal | None]:
        if page not in scan.scanned:
            return box, None
        return scan.page_box(page, box), scan.confidence(page, box)
    return place


def _doubting_misreads(record: RosterRecord) -> RosterRecord:
    """Rows read by OCR whose 身份证号 is short or fails its check digit, their confidence put below the floor."""
    rows = []
    for row in record.rows:
        confidence = row.source.confidence
        if confidence is not None and not is_valid_id_number(row.id_number):
            row = row.model_copy(update={"source": row.source.model_copy(
                update={"confidence": min(confidence, _MISREAD)})})
        rows.append(row)
    return record.model_copy(update={"rows": rows})


def _scanned_tables(scan: OcrLayer, number: int) -> PageTables:
    """A scanned page's ruled tables as ``_tables`` gives a printed page's: each row's cells by column (a merged
    cell's text at its first column, ``""`` at the others), each row's box (points of the straightened page)."""
    out: PageTables = []
    for cells in scan.pages.tables(number):
        columns = grid_lines([c.bbox[0] for c in cells] + [c.bbox[2] for c in cells], _SCAN_TOLERANCE)
        lines = grid_lines([c.bbox[1] for c in cells] + [c.bbox[3] for c in cells], _SCAN_TOLERANCE)
        if len(columns) < 2 or len(lines) < 2:
            continue
        grid = [[""] * (len(columns) - 1) for _ in range(len(lines) - 1)]
        for cell in cells:
            r, c = nearest_line(lines[:-1], cell.bbox[1]), nearest_line(columns[:-1], cell.bbox[0])
            grid[r][c] = cell_text(cell.text)
        boxes = [(columns[0], lines[r], columns[-1], lines[r + 1]) for r in range(len(lines) - 1)]
        out.append(([tuple(row) for row in grid], boxes))
    return out



def _in_parts(pf: PacketFile, tables: Callable[[int], PageTables], start: int, last: int,
              rules: Rules, place: Place = _as_printed) -> _Table | None:
    """The roster of a sheet too wide for its paper, printed in parts: its left columns on as many pages as its rows
    need, then the next columns on as many more (spreadsheets print "down, then over" by default), 姓名 and 身份证号
    perhaps in different parts. Each part's first page holds the sheet's header row and title rows, so its rows
    stand at the heights of ``start``'s (the first page naming the 身份证号 column) on those pages only; the parts
    are the runs of pages between them, and each page's rows are joined with the rows at the same heights on the
    pages of the other parts, page for page (``start``: the first page whose text names it; the header is on the
    first page from there whose tables name it). The joined header must name an education column and a field from
    every part, and no part may be missing a row of another: else ``None``."""
    def heights(number: int) -> tuple[float, ...]:
        """Where the page's rows stand below its first (a scanned page may lie lower or higher as a whole)."""
        tops = [box[1] for _, boxes in tables(number) for box in boxes]
        return tuple(top - tops[0] for top in tops)

    def same(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return bool(a) and len(a) == len(b) and all(abs(x - y) <= _ROW_TOLERANCE for x, y in zip(a, b, strict=True))

    reach = _PART_PAGES * (_MAX_PARTS - 1)
    words = _id_words(rules)
    start = next((n for n in range(start, min(last, start + reach) + 1)
                  if any(_names_id_column(cell, words) for rows, _ in tables(n) for row in rows for cell in row)), 0)
    if not start:
        return None
    window = range(max(1, start - reach), min(last, start + reach) + 1)
    firsts = [n for n in window if same(heights(n), heights(start))]
    if not 2 <= len(firsts) <= _MAX_PARTS:
        return None
    size = firsts[1] - firsts[0]  # pages in each part
    if any(b - a != size for a, b in itertools.pairwise(firsts)) or firsts[-1] + size - 1 > last:
        return None
    joined = [(firsts[0] + j, tables(firsts[0] + j)) for j in range(size)]
    widths = [len(joined[0][1][0][0][0])] if joined[0][1] else []
    for first in firsts[1:]:
        more = [tables(first + j) for j in range(size)]
        found = _side_by_side(joined, more)
        if found is None or not more[0]:
            return None
        joined = found
        widths.append(len(more[0][0][0][0]))
    table = _Table(pf, place)
    for number, page_tables in joined:
        _take_page(table, page_tables, number, rules)
    header = table.header
    if header is None or "education" not in header.columns:
        return None
    edges = list(itertools.accumulate(widths))
    parts_named = {next(i for i, edge in enumerate(edges) if column < edge) for column in header.columns.values()}
    return table if parts_named == set(range(len(widths))) else None
