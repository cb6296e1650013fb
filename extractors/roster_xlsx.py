"""人员名册 (.xlsx) → RosterRecord; also recognises a contract list (project_list) by its header.

The header row is found below any title rows by matching column names against the rules'
synonyms; the sheet with the most staff rows wins when there are several. Blank rows and total
rows (合计) are skipped and reported. Every row keeps its sheet and cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import openpyxl
from openpyxl.utils import get_column_letter

from extractors.base import Extraction
from extractors.text import contains_any, match, norm
from extractors.values import parse_decimal
from pipeline.errors import DocumentError
from pipeline.identifiers import normalize_id_number
from pipeline.model import DocumentKind, Source
from pipeline.packet import PacketFile
from pipeline.people import education_of, title_of
from pipeline.records import RosterRecord, StaffRow
from pipeline.rules import Rules

HEADER_SCAN_ROWS = 30
ROSTER_REQUIRED = {"name", "id_number"}  # a roster's header row names at least these columns


@dataclass
class Header:
    row: int
    columns: dict[str, int]  # field -> 0-based column index


def find_header(rows: Sequence[tuple[object, ...]], synonyms: dict[str, list[str]], required: set[str],
                rules: Rules) -> Header | None:
    """The first of the top ``HEADER_SCAN_ROWS`` rows whose cells name every ``required`` field (by synonyms)."""
    for r, values in enumerate(rows[:HEADER_SCAN_ROWS], start=1):
        columns: dict[str, int] = {}
        for c, value in enumerate(values):
            key = match(cell_text(value), synonyms, rules)[0]
            if key and key not in columns:
                columns[key] = c
        if required <= set(columns):
            return Header(r, columns)
    return None


def _is_total_label(text: str, markers: list[str]) -> bool:
    """A short cell such as 合计 / 合计： / 总计（人） that marks a total row, not a person."""
    return bool(text) and len(norm(text)) <= 6 and contains_any(text, markers)


def cell_text(value: object) -> str:
    """A cell value as text: empty for None, 12 for 12.0, stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_sheet(pf: PacketFile, name: str, rows: Sequence[tuple[object, ...]], header: Header,
                rules: Rules) -> RosterRecord:
    cols = header.columns
    staff: list[StaffRow] = []
    skipped: list[str] = []
    warnings: list[str] = []
    markers = rules.labels.roster_total_markers

    def get(values: tuple[object, ...], key: str) -> str:
        idx = cols.get(key)
        return cell_text(values[idx]) if idx is not None and idx < len(values) else ""

    for r in range(header.row + 1, len(rows) + 1):
        values = rows[r - 1]
        texts = [cell_text(v) for v in values]
        if not any(texts):
            skipped.append(f"第{r}行：空行")
            continue
        if any(_is_total_label(t, markers) for t in texts[:3]):
            skipped.append(f"第{r}行：合计行")
            continue
        name_text, id_text = get(values, "name"), get(values, "id_number")
        if not name_text and not id_text:
            skipped.append(f"第{r}行：无姓名和身份证号")
            continue
        id_idx = cols["id_number"]
        raw_id = values[id_idx] if id_idx < len(values) else None
        if isinstance(raw_id, float):
            warnings.append(f"第{r}行：身份证号存为数字，末位可能已丢失")
        education_raw, title_raw = get(values, "education"), get(values, "title")
        level, series = title_of(title_raw, rules)
        staff.append(StaffRow(
            row=r, name=name_text, id_number=normalize_id_number(id_text), education_raw=education_raw,
            education=education_of(education_raw, rules), title_raw=title_raw, title_level=level,
            title_series=series, specialty=get(values, "specialty"), post=get(values, "post"),
            om_years=parse_decimal(get(values, "om_years")) if "om_years" in cols else None,
            source=Source(file=pf.rel, sha256=pf.sha256, sheet=name, cell=f"{get_column_letter(id_idx + 1)}{r}"),
        ))
    return RosterRecord(sheet=name, header_row=header.row, rows=staff, skipped_rows=skipped, warnings=warnings)


def extract(pf: PacketFile, rules: Rules) -> Extraction:
    """Read a workbook: a staff roster, a project list, or unknown."""
    try:
        wb = openpyxl.load_workbook(pf.path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise DocumentError(f"not a readable .xlsx workbook ({type(exc).__name__})") from exc
    try:
        best: RosterRecord | None = None
        project_list = False
        for ws in wb.worksheets:
            rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
            header = find_header(rows, rules.labels.roster_columns, ROSTER_REQUIRED, rules)
            if header:
                record = _read_sheet(pf, ws.title, rows, header, rules)
                if best is None or len(record.rows) > len(best.rows):
                    best = record
            elif find_header(rows, rules.labels.project_columns, {"name", "amount"}, rules):
                project_list = True
    finally:
        wb.close()
    if best is not None:
        return Extraction(kind=DocumentKind.STAFF_ROSTER, record=best)
    if project_list:
        return Extraction(kind=DocumentKind.PROJECT_LIST)
    return Extraction()
