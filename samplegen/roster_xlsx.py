"""The 人员名册 (and the optional contract list) as .xlsx: title rows, a merged title, a header, data rows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from .params import FILL_DATE, Applicant, RosterRow

FIXED_TIME = datetime(2012, 5, 20, 9, 30, 0)
# header wording variants; each maps a column key to its heading
HEADERS = (
    {"no": "序号", "name": "姓名", "gender": "性别", "id": "身份证号", "edu": "学历", "title": "职称",
     "spec": "专业", "post": "岗位", "years": "从事运维年限"},
    {"no": "序号", "name": "姓名", "id": "公民身份号码", "edu": "最高学历", "title": "专业技术职务",
     "spec": "所学专业", "post": "工作岗位", "years": "运维工作年限（年）"},
    {"no": "序号", "name": "姓名", "gender": "性别", "id": "身份证号码", "edu": "文化程度", "title": "职称",
     "spec": "专业", "post": "岗位", "years": "从事运维工作年限"},
)
_NOTES = ("填报说明", "1. 本名册填报截至2012年5月31日与本单位签订劳动合同并从事运维工作的人员。",
          "2. 身份证号请按文本格式填写18位号码。", "3. 学历填写最高学历。")
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _cells(row: RosterRow, no: int) -> dict[str, str | int]:
    return {"no": no, "name": row.name, "gender": row.gender, "id": row.id_number, "edu": row.education,
            "title": row.title, "spec": row.specialty, "post": row.post, "years": row.om_years}


def _new_book() -> Workbook:
    wb = Workbook()
    wb.properties.creator = wb.properties.lastModifiedBy = "申报单位"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    return wb


def _first_sheet(wb: Workbook) -> Worksheet:
    """A new workbook's one worksheet (openpyxl types ``active`` as possibly None or a chartsheet)."""
    ws = wb.active
    if not isinstance(ws, Worksheet):
        raise TypeError(f"a new workbook's active sheet is {ws!r}")
    return ws


def _title(ws: Worksheet, text: str, width: int, company: str, rows: int) -> int:
    """Title rows above the header; returns the header's row number."""
    ws.cell(1, 1, text).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    if rows == 1:
        return 2
    half = width // 2
    ws.cell(2, 1, f"填报单位：{company}（盖章）")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=half)
    ws.cell(2, half + 1, f"填报日期：{FILL_DATE.year}年{FILL_DATE.month}月{FILL_DATE.day}日")
    return 3


def write_roster(a: Applicant, path: Path) -> None:
    lay = a.layout.roster
    heads = HEADERS[lay.header]
    keys = list(heads)
    wb = _new_book()
    ws = _first_sheet(wb)
    if lay.second_sheet:
        ws.title = "填报说明"
        for i, line in enumerate(_NOTES, 1):
            ws.cell(i, 1, line)
        ws = wb.create_sheet("运维人员名册")
    else:
        ws.title = "人员名册"
    header_row = _title(ws, "运维人员名册", len(keys), a.facts.name, lay.title_rows)
    for col, key in enumerate(keys, 1):
        cell = ws.cell(header_row, col, heads[key])
        cell.font, cell.border = Font(bold=True), _BOX
    r = header_row + 1
    for no, row in enumerate(a.roster, 1):
        values = _cells(row, no)
        for col, key in enumerate(keys, 1):
            cell = ws.cell(r, col, values[key])
            cell.border = _BOX
            if key == "id":
                cell.number_format = "@"
        r += 1 + (no in lay.blank_after)
    if lay.total_row:
        ws.cell(r, 1, "合计")
        ws.cell(r, 2, f"{len(a.roster)}人")
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
    for letter, width in zip("ABCDEFGHI", (6, 10, 6, 22, 10, 14, 18, 16, 12), strict=True):
        ws.column_dimensions[letter].width = width
    wb.save(str(path))


def write_project_list(a: Applicant, path: Path) -> None:
    """A contract ledger repeating the form's projects, amounts in 元."""
    wb = _new_book()
    ws = _first_sheet(wb)
    ws.title = "合同清单"
    header_row = _title(ws, "近三年运维合同清单", 6, a.facts.name, 2)
    heads = ("序号", "合同名称", "客户名称", "合同金额（元）", "合同开始日期", "合同结束日期")
    for col, text in enumerate(heads, 1):
        ws.cell(header_row, col, text).font = Font(bold=True)
    for i, p in enumerate(a.projects, 1):
        values: tuple[str | int | float, ...] = (i, p.name, p.client, float(p.amount), p.start.isoformat(),
                                                 p.end.isoformat())
        for col, value in enumerate(values, 1):
            ws.cell(header_row + i, col, value)
        ws.cell(header_row + i, 4).number_format = "#,##0.00"
    wb.save(str(path))
