"""人员名册 (.xlsx, or a table of a .docx) → RosterRecord; also recognises a contract list (project_list) by its header.

Where the table lies on a sheet (its header below any title rows, which rows are people, where it
ends) is ``omreview.extractors.office.roster_layout``'s; this module reads the workbook and the people's values. The
roster is the sheet with the most people; sheets with the same header (a roster split over several
sheets) are read one after another, in the workbook's order. Every row keeps its sheet and cell, and
its 序号 where the roster has that column.

A roster written in Word (``from_tables``) is read by the same rules, each table of the document taken as a
sheet (a merged cell's text at its top-left position only, as a workbook holds it): the table with the most
people, and the tables with the same header after it (a long table that Word was given again on each page).
Its rows cite their table and cell (``table``, ``B12`` on the table's grid), as the form's do. The rows of a
roster printed to PDF, read by ``omreview.extractors.pdf.roster``, are read here too (``from_rows``), each citing
its page and box.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from omreview.errors import DocumentError
from omreview.extractors.contract import Extraction
from omreview.extractors.office.docx_grid import Grid
from omreview.extractors.office.roster_layout import Header, TableRows, find_header, roster_header, table_rows
from omreview.extractors.office.zip_guard import open_office
from omreview.extractors.values import parse_decimal
from omreview.identifiers import normalize_id_number
from omreview.model import DocumentKind, Source
from omreview.packet import PacketFile
from omreview.people import education_of, title_of
from omreview.records import RosterRecord, StaffRow
from omreview.rules import Rules

__all__ = ["Header", "SheetRow", "cell_text", "extract", "find_header", "from_rows", "from_tables", "grid_texts",
           "roster_header", "sheet_row"]


def cell_text(value: object) -> str:
    """A cell value as text: empty for None, 12 for 12.0, stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass(frozen=True)
class _Sheet:
    name: str
    values: Sequence[tuple[object, ...]]
    header: Header
    table: TableRows
    grid: int | None = None  # a .docx table's index (sources cite it, with no sheet)
    places: Mapping[int, Source] | None = None  # a PDF's rows: each row's page and box (rows numbered from 1)


def _staff(pf: PacketFile, sheet: _Sheet, rules: Rules) -> tuple[list[StaffRow], list[str]]:
    cols = sheet.header.columns
    id_idx = cols["id_number"]
    warnings: list[str] = []
    people: list[StaffRow] = []
    for r in sheet.table.people:
        values = sheet.values[r - 1]

        def get(key: str, values: tuple[object, ...] = values) -> str:
            idx = cols.get(key)
            return cell_text(values[idx]) if idx is not None and idx < len(values) else ""

        raw_id = values[id_idx] if id_idx < len(values) else None
        if isinstance(raw_id, float):
            warnings.append(f"第{r}行：身份证号存为数字，末位可能已丢失")
        seq_idx = sheet.header.seq
        seq = cell_text(values[seq_idx]) if seq_idx is not None and seq_idx < len(values) else ""
        education_raw, title_raw = get("education"), get("title")
        level, series = title_of(title_raw, rules)
        people.append(StaffRow(
            row=r, seq=seq or None, name=get("name"), id_number=normalize_id_number(get("id_number")),
            education_raw=education_raw, education=education_of(education_raw, rules), title_raw=title_raw,
            title_level=level, title_series=series, specialty=get("specialty"), post=get("post"),
            om_years=parse_decimal(get("om_years")) if "om_years" in cols else None,
            source=sheet.places[r] if sheet.places is not None else Source(
                file=pf.rel, sha256=pf.sha256, sheet=sheet.name if sheet.grid is None else None, table=sheet.grid,
                cell=f"{get_column_letter(id_idx + 1)}{r}"),
        ))
    return people, warnings


def _record(pf: PacketFile, sheets: Sequence[_Sheet], rules: Rules) -> RosterRecord:
    """One roster from the sheets of one table, in the workbook's order."""
    rows: list[StaffRow] = []
    skipped: list[str] = []
    warnings: list[str] = []
    several = len(sheets) > 1
    for sheet in sheets:
        where = f"{sheet.name}：" if several else ""
        people, notes = _staff(pf, sheet, rules)
        rows += people
        skipped += [where + s for s in sheet.table.skipped]
        warnings += [where + w for w in (*sheet.table.warnings, *notes)]
    if several:
        parts = "工作表" if sheets[0].grid is None else "表格"
        warnings.insert(0, f"名册分在{len(sheets)}个{parts}（{'、'.join(s.name for s in sheets)}），表头相同，依次读入")
    first = sheets[0]
    page = min((p.page for p in first.places.values() if p.page), default=None) if first.places else None
    return RosterRecord(sheet=first.name, header_row=first.header.row, rows=rows, skipped_rows=skipped,
                        warnings=warnings, table=first.grid, page=page)


def _best(pf: PacketFile, found: Sequence[_Sheet], rules: Rules) -> Extraction:
    """The roster of the sheet (or table) with the most people, and of those with its header."""
    best = max(found, key=lambda s: len(s.table.people))  # the first of equals
    same = [s for s in found if s.header.signature == best.header.signature]
    return Extraction(kind=DocumentKind.STAFF_ROSTER, record=_record(pf, same, rules))


def from_rows(pf: PacketFile, rows: Sequence[tuple[str, ...]], places: Mapping[int, Source],
              rules: Rules) -> Extraction | None:
    """The roster of a table read elsewhere (a PDF's, ``omreview.extractors.pdf.roster``): ``rows`` with its header,
    ``places`` each row's source (rows numbered from 1); ``None`` if the rows have no roster header."""
    header = roster_header(rows, rules)
    if header is None:
        return None
    sheet = _Sheet("表格", rows, header, table_rows(rows, header, rules), places=places)
    return Extraction(kind=DocumentKind.STAFF_ROSTER, record=_record(pf, [sheet], rules))


def grid_texts(grid: Grid) -> list[tuple[str, ...]]:
    """A .docx table's rows as a sheet's: a merged cell's text at its top-left position, the others empty."""
    return [tuple(c.text.strip() if grid.is_origin(c) else "" for c in row) for row in grid.rows]


def from_tables(pf: PacketFile, grids: Sequence[Grid], rules: Rules) -> Extraction | None:
    """The roster a .docx holds as a table (``None`` if no table has a roster's header): each grid read as a
    sheet whose merged cells hold their text at their top-left position."""
    found: list[_Sheet] = []
    for grid in grids:
        texts = grid_texts(grid)
        header = roster_header(texts, rules)
        if header is not None:
            found.append(_Sheet(f"表{grid.index + 1}", texts, header, table_rows(texts, header, rules), grid.index))
    return _best(pf, found, rules) if found else None


def extract(pf: PacketFile, rules: Rules) -> Extraction:
    """Read a workbook: a staff roster, a project list, or unknown."""
    try:
        wb = openpyxl.load_workbook(pf.path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise DocumentError(f"not a readable .xlsx workbook ({type(exc).__name__})") from exc
    rosters: list[_Sheet] = []
    project_list = False
    try:
        for ws in wb.worksheets:
            values = [tuple(r) for r in ws.iter_rows(values_only=True)]
            texts = [tuple(cell_text(v) for v in r) for r in values]
            header = roster_header(texts, rules)
            if header is not None:
                rosters.append(_Sheet(ws.title, values, header, table_rows(texts, header, rules)))
            elif find_header(texts, rules.labels.project_columns, {"name", "amount"}, rules):
                project_list = True
    finally:
        wb.close()
    if rosters:
        return _best(pf, rosters, rules)
    if project_list:
        return Extraction(kind=DocumentKind.PROJECT_LIST)
    return Extraction()


@dataclass(frozen=True)
class SheetRow:
    """One row of a roster sheet as the reader sees it: its cells as text and the roster header above it.

    ``labels`` and ``keys`` are the header's column labels and roster field names (``name``, ``id_number``
    ..., None for a column of no field), one per column; both are empty when no roster header lies above
    the row. ``values`` are the row's cells (``cell_text``), unmasked: personal data, mask before showing.
    """

    labels: tuple[str, ...]
    keys: tuple[str | None, ...]
    values: tuple[str, ...]


def sheet_row(path: Path, sheet: str, row: int, rules: Rules) -> SheetRow:
    """Row ``row`` (1-based, as in the cell reference a roster source names) of ``sheet`` of the workbook at
    ``path``, with the roster header found above it as ``extract`` finds it (``roster_header``).

    The container is checked first (``office.zip_guard.open_office``, the reader's limits). Raises ``DocumentError``
    for a workbook that cannot be read, ``KeyError`` if it has no sheet ``sheet``, ``IndexError`` if the
    sheet has fewer than ``row`` rows.
    """
    open_office(PacketFile(rel=path.name, path=path, size=path.stat().st_size, sha256=None), rules)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise DocumentError(f"not a readable .xlsx workbook ({type(exc).__name__})") from exc
    try:
        if sheet not in wb.sheetnames:
            raise KeyError(sheet)
        rows = [tuple(cell_text(v) for v in r) for r in wb[sheet].iter_rows(max_row=row, values_only=True)]
    finally:
        wb.close()
    if row < 1 or len(rows) < row:
        raise IndexError(row)
    header = roster_header(rows[:row - 1], rules)
    if header is None:
        return SheetRow(labels=(), keys=(), values=rows[row - 1])
    return SheetRow(labels=header.labels, keys=header.keys, values=rows[row - 1])
