"""The original files behind a figure: find them, check they are the files reviewed, show the spot.

The originals are found by :mod:`omreview.crops` (``applicant_folder``, ``original``; re-exported here): the
folder ``INTAKE/<applicant id>``, INTAKE being the dashboard's configured intake folder (``--intake``) if given,
else the batch's intake folder as the store recorded it; a file only from inside the applicant folder and only
while its sha256 is still the one reviewed. Nothing here writes to the originals. The region of a page
(``render_region``, the highlighted band around a value) is drawn there too, shared with the 评审报告 draft.

What the evidence viewer shows (``omreview.dashboard.evidence`` draws it):

- a PDF page whole (``render_page``): the cited region highlighted, at one of the fixed ``ZOOMS``,
  within ``PAGE_MAX_SIDE`` / ``PAGE_MAX_PIXELS``; one page rendered at a time (pdfium is not
  thread-safe), the bitmaps kept by file sha256 + page + zoom within ``PAGE_CACHE_PIXELS``;
- the .docx form's table around a cited cell (``docx_table_window``), from the grid the form's reader
  builds (``omreview.extractors.office.docx_grid``), merged cells merged;
- the roster's rows around a cited cell under the roster's header (``roster_window``), the person
  cited by sheet row and 序号;
- the OCR confidence of a value read by OCR (``ocr_confidence``), low below the rules' floor.

Every text of a table window is masked: 身份证号 (in any cell, and every cell of an identity
column or next to an identity label), names (a roster's name columns; a form's cells under or beside
a name label or next to a key person's role).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import docx
import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from omreview import zh
from omreview.crops import PDFIUM, Raster, check_page, file_sha256, mark_region, open_pdf, png_bytes, rasterize
from omreview.crops import (  # finding the originals and the region of a page: shared with the 评审报告 draft
    SourceUnavailable as SourceUnavailable,
)
from omreview.crops import applicant_folder as applicant_folder
from omreview.crops import original as original
from omreview.crops import render_region as render_region
from omreview.errors import DocumentError
from omreview.extractors.labels import match_label
from omreview.extractors.office.docx_grid import Grid, GridCell, read_document
from omreview.extractors.office.roster import cell_text, grid_texts, roster_header, sheet_row
from omreview.extractors.office.zip_guard import open_office
from omreview.identifiers import mask_id_number
from omreview.masking import mask_name, mask_text
from omreview.packet import PacketFile
from omreview.records import StaffRow
from omreview.rules import Rules

# The page viewer: zoom steps in percent, 100% being 96 pixels per inch (a PDF viewer's 100%)
ZOOMS: tuple[int, ...] = (75, 100, 150, 200)
DEFAULT_ZOOM = 100
PAGE_MAX_SIDE = 3200  # pixels: a larger page (a drawing, a scan at its own size) is shown smaller than its zoom
PAGE_MAX_PIXELS = 8_000_000
PAGE_CACHE_PIXELS = 40_000_000  # the rendered pages kept (~120 MB of RGB), the least recently shown dropped first
_POINTS_PER_INCH, _SCREEN_DPI = 72.0, 96.0


@dataclass(frozen=True)
class PageImage:
    """A whole page as shown: PNG, its size in pixels, which page of how many, the zoom asked and the scale used."""

    png: bytes
    width: int
    height: int
    page: int  # 1-based
    pages: int
    zoom: int  # percent, one of ZOOMS
    scale: float  # pixels per PDF point actually used (smaller than the zoom's when the page hit the size cap)
    highlighted: bool

    @property
    def capped(self) -> bool:
        return self.scale < zoom_scale(self.zoom) - 1e-9


def zoom_scale(zoom: int) -> float:
    """Pixels per PDF point at ``zoom`` percent."""
    return zoom / 100 * _SCREEN_DPI / _POINTS_PER_INCH


class _PageCache:
    """Rendered pages by (file sha256, page, zoom), bounded by their total pixels; thread-safe."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.entries: OrderedDict[tuple[str, int, int], tuple[Raster, int]] = OrderedDict()
        self.lock = threading.Lock()
        self.renders = 0  # pages rendered (not found here): for the tests

    def get(self, key: tuple[str, int, int]) -> tuple[Raster, int] | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: tuple[str, int, int], value: tuple[Raster, int]) -> None:
        with self.lock:
            self.renders += 1
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > 1 and self._pixels() > self.budget:
                self.entries.popitem(last=False)

    def _pixels(self) -> int:
        return sum(r.image.width * r.image.height for r, _ in self.entries.values())

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.renders = 0


PAGE_CACHE = _PageCache(PAGE_CACHE_PIXELS)


def _fitted_scale(media: tuple[float, ...], zoom: int) -> float:
    """The zoom's scale, reduced so that the page keeps within PAGE_MAX_SIDE and PAGE_MAX_PIXELS."""
    width, height = abs(media[2] - media[0]) or 1.0, abs(media[3] - media[1]) or 1.0
    scale = zoom_scale(zoom)
    scale = min(scale, PAGE_MAX_SIDE / max(width, height))
    return min(scale, math.sqrt(PAGE_MAX_PIXELS / (width * height)))


def _page_raster(path: Path, digest: str, page: int, zoom: int) -> tuple[Raster, int]:
    """The page's bitmap and the document's page count, rendered once per (sha256, page, zoom)."""
    key = (digest, page, zoom)
    found = PAGE_CACHE.get(key)
    if found is not None:
        return found
    with PDFIUM:  # one page at a time, whichever session asks
        pdf = open_pdf(path)
        try:
            check_page(path, pdf, page)
            pg = pdf[page - 1]
            try:
                box = tuple(pg.get_cropbox())
            finally:
                pg.close()
            value = (rasterize(pdf, page, _fitted_scale(box, zoom)), len(pdf))
        finally:
            pdf.close()
    PAGE_CACHE.put(key, value)
    return value


def page_count(path: Path) -> int:
    """How many pages the PDF has (opened once per content: the viewer asks at every run of the page)."""
    return _page_count(str(path), file_sha256(path))


@lru_cache(maxsize=256)
def _page_count(path: str, sha256: str) -> int:
    with PDFIUM:
        pdf = open_pdf(Path(path))
        try:
            return len(pdf)
        finally:
            pdf.close()


def render_page(path: Path, page: int, *, zoom: int = DEFAULT_ZOOM,
                bbox: tuple[float, float, float, float] | None = None) -> PageImage:
    """Page ``page`` (1-based) of the PDF at ``path`` whole, at ``zoom`` percent (one of ``ZOOMS``), ``bbox``
    (PDF points, top-left origin, as a source gives it) highlighted. ``SourceUnavailable`` for a page the
    document does not have or a file pdfium cannot open; ``ValueError`` for another zoom."""
    if zoom not in ZOOMS:
        raise ValueError(f"zoom must be one of {ZOOMS}, not {zoom}")
    raster, pages = _page_raster(path, file_sha256(path), page, zoom)
    scale = raster.scale
    image, marked = raster.image, False
    if bbox is not None and raster.rotation == 0:
        image, _ = mark_region(image, bbox, raster.media, raster.crop, scale)
        marked = True
    return PageImage(png=png_bytes(image), width=image.width, height=image.height, page=page, pages=pages, zoom=zoom,
                     scale=scale, highlighted=marked)


@dataclass(frozen=True)
class RosterRow:
    """One row of a roster sheet with the sheet's column headers; ``keys`` are roster field names or None."""

    file: str
    sheet: str
    row: int
    headers: tuple[str, ...]
    keys: tuple[str | None, ...]
    values: tuple[str, ...]
    seq: str | None = None  # the row's 序号 as written, where the roster has that column

    @property
    def where(self) -> str:
        """The person as reviewers cite them: ``第35行（序号31）`` (``StaffRow.where``)."""
        return StaffRow.model_construct(row=self.row, seq=self.seq).where()

    def masked(self) -> RosterRow:
        """Names and 身份证号 masked (by their column), and any 身份证号 elsewhere in the row."""
        values = tuple(mask_name(v) if k == "name" else mask_id_number(v) if k == "id_number" and v else mask_text(v)
                       for k, v in zip(self.keys, self.values, strict=True))
        return RosterRow(self.file, self.sheet, self.row, self.headers, self.keys, values, self.seq)


def read_roster_row(path: Path, rel: str, sheet: str, cell: str, rules: Rules) -> RosterRow:
    """The row of ``cell`` on ``sheet`` of a roster workbook, unmasked: mask it before showing (``.masked()``)."""
    row = coordinate_from_string(cell)[1]
    try:
        found = sheet_row(path, sheet, row, rules)
    except DocumentError as exc:  # the reader's reason is for the log; the page speaks the reviewers' language
        raise SourceUnavailable(f"{rel}：无法读取（文件已损坏，或不是有效的 Excel 工作簿）") from exc
    except KeyError:
        raise SourceUnavailable(f"{rel} 没有工作表 {sheet}") from None
    except IndexError:
        raise SourceUnavailable(f"{rel} 的 {sheet} 没有第{row}行") from None
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise SourceUnavailable(f"{rel}：无法读取（{type(exc).__name__}）") from exc
    # every column keyed, so that a second name or 身份证号 column is masked too
    headers, keys, values = found.labels, found.keys, found.values
    width = max(len(values), len(headers))
    headers = tuple(headers[i] if i < len(headers) and headers[i] else f"第{i + 1}列" for i in range(width))
    keys = tuple(keys[i] if i < len(keys) else None for i in range(width))
    values = tuple(values[i] if i < len(values) else "" for i in range(width))
    seq_words = {"seq": rules.labels.roster_layout.seq_column}  # the 序号 column, as the roster's header finds it
    seq = next((v for label, v in zip(found.labels, values, strict=False)
                if label and v and match_label(label, seq_words, rules).key), None)
    return RosterRow(file=rel, sheet=sheet, row=row, headers=headers, keys=keys, values=values, seq=seq)


# Table windows: the rows around a cited cell (this many above and below), under the table's header
ROWS_AROUND = 3


@dataclass(frozen=True)
class WindowCell:
    """One cell as shown: text (masked), its address, how many columns and rows it covers, whether it is the
    cited one, whether it belongs to the header."""

    text: str
    address: str
    colspan: int = 1
    rowspan: int = 1
    cited: bool = False
    header: bool = False


@dataclass(frozen=True)
class WindowRow:
    number: int  # 1-based row of the table or sheet
    cells: tuple[WindowCell, ...]
    gap_before: bool = False  # rows left out just above this one


@dataclass(frozen=True)
class TableWindow:
    """Rows of a .docx table or a roster sheet around a cited cell, masked, the cited cell marked."""

    file: str
    title: str  # 表4（四、主要负责人情况）· 工作表 人员名册
    where: str  # the cited cell as reviewers find it: B3 · 第35行（序号31）D列
    columns: tuple[str, ...]  # column letters, left to right
    rows: tuple[WindowRow, ...]
    cited_text: str
    rows_total: int

    @property
    def cited(self) -> WindowCell:
        return next(c for r in self.rows for c in r.cells if c.cited)


def _cell_position(cell: str) -> tuple[int, int]:
    """``B3`` → (row 0-based, column 0-based); ``SourceUnavailable`` for a malformed reference."""
    try:
        letters, row = coordinate_from_string(cell)
    except (ValueError, TypeError):
        raise SourceUnavailable(f"单元格引用无法识别：{cell}") from None
    return row - 1, column_index_from_string(letters) - 1


def _window_rows(total: int, target: int, header: range) -> list[int]:
    """0-based rows to show: the header's and ``ROWS_AROUND`` either side of ``target`` (below the header
    when the target is)."""
    floor = header.stop if header and target >= header.stop else 0
    around = range(max(floor, target - ROWS_AROUND), min(total, target + ROWS_AROUND + 1))
    return sorted({*header, *around})


def _checked_office(path: Path, rules: Rules) -> None:
    open_office(PacketFile(rel=path.name, path=path, size=path.stat().st_size, sha256=None), rules)


def docx_table_window(path: Path, rel: str, table: int, cell: str, rules: Rules) -> TableWindow:
    """The rows of table ``table`` (0-based, as sources number them) of the .docx at ``path`` around ``cell``
    (A1-style on the table's grid, ``docx_grid``), with the table's first row, masked; ``cell`` marked."""
    r, c = _cell_position(cell)
    try:
        _checked_office(path, rules)
        grids, _ = read_document(docx.Document(str(path)))
    except Exception as exc:  # the container guard or python-docx: many types for a damaged package
        raise SourceUnavailable(f"{rel}：无法读取（文件已损坏，或不是有效的 Word 文档）") from exc
    if not 0 <= table < len(grids):
        raise SourceUnavailable(f"{rel} 没有第{table + 1}个表格")
    grid = grids[table]
    target = grid.cell(r, c)
    if target is None:
        raise SourceUnavailable(f"{rel} 表{table + 1} 没有单元格 {cell}")
    origin = grid.origin(target)
    # a roster written in Word: its header as its reader finds it, under any title rows; else the first row
    roster = roster_header(grid_texts(grid), rules)
    heading = range(roster.first - 1, roster.row) if roster is not None else range(min(1, len(grid.rows)))
    shown = _window_rows(len(grid.rows), r, heading)
    personal = _docx_personal(grid, rules, heading if roster is not None else None)
    rows = []
    for i, row_no in enumerate(shown):
        contiguous = i > 0 and shown[i - 1] == row_no - 1
        cells = []
        for col, gc in enumerate(grid.rows[row_no]):
            covered = (col > 0 and grid.rows[row_no][col - 1].key == gc.key) or (
                contiguous and _same_above(grid, row_no, col))
            if covered:  # by a merged cell already shown
                continue
            cells.append(WindowCell(text=_mask_docx(gc.text, personal.get(gc.key)), address=gc.address,
                                    colspan=_run(grid.rows[row_no], col), rowspan=_down(grid, shown, i, col),
                                    cited=gc.key == origin.key, header=row_no in heading))
        rows.append(WindowRow(number=row_no + 1, cells=tuple(cells), gap_before=i > 0 and not contiguous))
    caption = grid.caption.splitlines()[-1] if grid.caption else ""
    title = f"表{table + 1}" + (f"（{mask_text(caption)}）" if caption else "")
    return TableWindow(file=rel, title=title, where=origin.address,
                       columns=tuple(get_column_letter(i + 1) for i in range(grid.width)), rows=tuple(rows),
                       cited_text=_mask_docx(origin.text, personal.get(origin.key)), rows_total=len(grid.rows))


def _same_above(grid: Grid, row: int, col: int) -> bool:
    above = grid.cell(row - 1, col)
    return above is not None and above.key == grid.rows[row][col].key


def _run(row: list[GridCell], col: int) -> int:
    """How many positions from ``col`` rightwards belong to the same (merged) cell."""
    n = 1
    while col + n < len(row) and row[col + n].key == row[col].key:
        n += 1
    return n


def _down(grid: Grid, shown: list[int], i: int, col: int) -> int:
    """How many shown rows from ``shown[i]`` down, without a gap, the cell at ``col`` covers."""
    n = 1
    while i + n < len(shown) and shown[i + n] == shown[i] + n and _same_above(grid, shown[i + n], col):
        n += 1
    return n


def _docx_personal(grid: Grid, rules: Rules, roster: range | None = None) -> dict[int, str]:
    """The table's cells that hold a person's name or 身份证号, by cell key: ``name`` or ``id_number``.

    A cell is personal when a label names it a name (``key_person_columns.name``, ``roster_columns.name``)
    or a 身份证号 (``roster_columns.id_number``): the label heading its column (the table's first row; of a
    roster, ``roster``'s last row, its header, above which nothing is personal), the
    label left of it (also a key person's role: 法定代表人 | 张三), or the row's first cell when no other
    label of a person's attributes stands between (姓名 | 张三 | 李四, roles as columns).
    """
    labels = rules.labels
    personal: dict[str, list[str]] = {"name": [*labels.key_person_columns["name"], *labels.roster_columns["name"]],
                                      "id_number": list(labels.roster_columns["id_number"])}
    attributes = {**labels.key_person_columns, **labels.roster_columns, **personal}
    roles = {"name": [w for words in labels.key_person_roles.values() for w in words]}

    def key(cell: GridCell | None, vocabulary: dict[str, list[str]]) -> str | None:
        return match_label(cell.text, vocabulary, rules).key if cell is not None and cell.text else None

    head = roster.stop - 1 if roster is not None else 0
    out: dict[int, str] = {}
    for r, row in enumerate(grid.rows):
        for c, cell in enumerate(row):
            if roster is not None and grid.span(cell).top <= head:  # a heading, or merged down from one
                continue
            heading = grid.rows[head][c] if r > head and grid.rows[head][c].key != cell.key else None
            found = key(heading, personal)
            if cell.key != row[0].key and not found:  # not the row's label: the labels left of it
                left = _left_of(grid, r, c)
                between = [x for x in row[1:c] if x.key not in (row[0].key, cell.key)]
                found = (key(left, personal) or key(left, roles)
                         or (None if any(key(x, attributes) for x in between) else key(row[0], personal)))
            if found and not match_label(cell.text, {**attributes, **roles}, rules).key:  # not a label itself
                out.setdefault(cell.key, found)
    return out


def _left_of(grid: Grid, r: int, c: int) -> GridCell | None:
    """The nearest cell left of position (r, c) that is another cell (not the same merged one)."""
    key = grid.rows[r][c].key
    for col in range(c - 1, -1, -1):
        if grid.rows[r][col].key != key:
            return grid.rows[r][col]
    return None


def _mask_docx(text: str, personal: str | None) -> str:
    if personal == "name" and text:
        return mask_name(text)
    if personal == "id_number" and text:
        return mask_id_number(text)
    return mask_text(text) or ""


def roster_window(path: Path, rel: str, sheet: str, cell: str, rules: Rules) -> TableWindow:
    """The rows of ``sheet`` of the roster workbook at ``path`` around ``cell``, under the roster's header, masked
    (names and 身份证号 by their columns, any 身份证号 elsewhere); ``cell`` marked, its person cited by sheet row
    and 序号 (``第35行（序号31）``)."""
    r, c = _cell_position(cell)
    rows, total = _sheet_rows(path, rel, sheet, r + 1 + ROWS_AROUND, rules)
    if r >= len(rows):
        raise SourceUnavailable(f"{rel} 的 {sheet} 没有第{r + 1}行")
    header = roster_header(rows[:r], rules)
    head = range(header.first - 1, header.row) if header is not None else range(0)
    keys = header.keys if header is not None else ()
    shown = _window_rows(len(rows), r, head)
    width = max(len(rows[i]) for i in shown)
    out = []
    for i, row_no in enumerate(shown):
        values = rows[row_no]
        is_head = row_no in head
        cells = tuple(WindowCell(
            text=_roster_text(values[col] if col < len(values) else "", keys[col] if col < len(keys) and not is_head
                              else None),
            address=f"{get_column_letter(col + 1)}{row_no + 1}", cited=(row_no, col) == (r, c), header=is_head)
            for col in range(width))
        out.append(WindowRow(number=row_no + 1, cells=cells, gap_before=i > 0 and shown[i - 1] != row_no - 1))
    seq = cell_text(rows[r][header.seq]) if header is not None and header.seq is not None and header.seq < len(
        rows[r]) else ""
    person = RosterRow(rel, sheet, r + 1, (), (), (), seq or None).where
    cited = rows[r][c] if c < len(rows[r]) else ""
    return TableWindow(file=rel, title=f"工作表 {sheet}", where=f"{person} {get_column_letter(c + 1)}列",
                       columns=tuple(get_column_letter(i + 1) for i in range(width)), rows=tuple(out),
                       cited_text=_roster_text(cited, keys[c] if c < len(keys) else None), rows_total=total)


def _roster_text(value: str, key: str | None) -> str:
    if key == "name" and value:
        return mask_name(value)
    if key == "id_number" and value:
        return mask_id_number(value)
    return mask_text(value) or ""


def _sheet_rows(path: Path, rel: str, sheet: str, last: int, rules: Rules) -> tuple[list[tuple[str, ...]], int]:
    """The first ``last`` rows of ``sheet`` as text (``cell_text``) and the sheet's row count; checked as the
    reader checks a workbook (``open_office``)."""
    try:
        _checked_office(path, rules)
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # the container guard or openpyxl: many types for a damaged workbook
        raise SourceUnavailable(f"{rel}：无法读取（文件已损坏，或不是有效的 Excel 工作簿）") from exc
    try:
        if sheet not in wb.sheetnames:
            raise SourceUnavailable(f"{rel} 没有工作表 {sheet}")
        ws = wb[sheet]
        rows = [tuple(cell_text(v) for v in r) for r in ws.iter_rows(max_row=last, values_only=True)]
        return rows, ws.max_row or len(rows)
    finally:
        wb.close()


@dataclass(frozen=True)
class Confidence:
    """How sure OCR was of a value: ``text`` like ``OCR置信度 62.00%``; ``low`` below the rules' floor."""

    value: Decimal
    text: str
    low: bool


def ocr_confidence(src: dict[str, Any] | None, rules: Rules) -> Confidence | None:
    """The OCR confidence of a source read by OCR, as a percentage, low when below
    ``labels.statement_pdf.ocr.min_confidence``; None for a value read from a text layer or a cell."""
    raw = (src or {}).get("confidence")
    if raw is None:
        return None
    value = Decimal(str(raw))
    floor = rules.labels.statement_pdf.ocr.min_confidence
    low = value < floor
    text = f"OCR置信度 {zh.percent(value)}" + (f"（低于{zh.percent(floor)}，请核对原件）" if low else "")
    return Confidence(value=value, text=text, low=low)
