"""The 人员名册 (and the optional contract list) as .xlsx: title rows, a merged title, a header, data rows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from .layouts import ROSTER_EXTRA, ROSTER_WORDS, roster_word
from .params import FILL_DATE, Applicant, RosterLayout, RosterRow, staff_counts

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


_SCHOOLS = ("北京邮电大学", "南京大学", "东南大学", "华中科技大学", "西安电子科技大学", "某某职业技术学院")


def _cells(row: RosterRow, no: int, years_text: bool = False) -> dict[str, str | int]:
    return {"no": no, "name": row.name, "gender": row.gender, "id": row.id_number, "edu": row.education,
            "title": row.title, "spec": row.specialty, "post": row.post,
            "years": f"{row.om_years}年" if years_text else row.om_years,
            "birth": f"{row.id_number[6:10]}-{row.id_number[10:12]}", "phone": f"139{no:08d}",
            "remark": "", "school": _SCHOOLS[no % len(_SCHOOLS)]}


def _columns(lay: RosterLayout) -> dict[str, str]:
    """Column key -> heading, in the sheet's order: the header variant's own, or the fuzzer's."""
    if lay.words is None and not lay.order and not lay.extra and lay.seq == "序号":
        return HEADERS[lay.header]
    heads = HEADERS[lay.header]
    keys = list(lay.order or (k for k in heads if k != "no"))
    out = {"no": lay.seq} if lay.seq else {}
    for key in [*keys, *lay.extra]:
        if key in ROSTER_EXTRA:
            out[key] = ROSTER_EXTRA[key]
        else:
            out[key] = roster_word(lay, key) if lay.words is not None else heads.get(key, ROSTER_WORDS[key][0])
    return out


def _footer(ws: Worksheet, kind: str, r: int, width: int) -> int:
    """A row of ``kind`` under the people at row ``r``; returns the next free row."""
    if kind == "signatures":
        ws.cell(r, 1, "填表人：")
        ws.cell(r, min(4, width), "审核人：")
        ws.cell(r, width, "单位负责人（签字）：")
    elif kind == "note":
        ws.cell(r, 1, "注：本表所列人员均与本单位签订劳动合同，身份证号为18位。")
    elif kind == "date":
        ws.cell(r, width, f"{FILL_DATE.year}年{FILL_DATE.month}月{FILL_DATE.day}日")
    return r + 1


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
    """Title rows above the header (none, a merged title, a 填报单位 row, a note); returns the header's row."""
    if rows == 0:
        return 1
    ws.cell(1, 1, text).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    if rows == 1:
        return 2
    half = width // 2
    ws.cell(2, 1, f"填报单位：{company}（盖章）")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=half)
    ws.cell(2, half + 1, f"填报日期：{FILL_DATE.year}年{FILL_DATE.month}月{FILL_DATE.day}日")
    if rows == 2:
        return 3
    ws.cell(3, 1, "说明：本名册填报截至2012年5月31日与本单位签订劳动合同并从事运维工作的人员。")
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=width)
    return 4


def write_roster(a: Applicant, path: Path) -> None:
    lay = a.layout.roster
    heads = _columns(lay)
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
        values = _cells(row, no, lay.years_text)
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
    for kind in lay.footer:
        r = _footer(ws, kind, r + 1, len(keys))
    for letter, width in zip("ABCDEFGHI", (6, 10, 6, 22, 10, 14, 18, 16, 12), strict=True):
        ws.column_dimensions[letter].width = width
    if lay.summary_sheet:
        summary = wb.create_sheet("汇总")
        staff, college = staff_counts(a.roster)
        for i, (label, value) in enumerate((("项目", "人数"), ("运维人员总数", staff),
                                            ("大专及以上学历人数", college)), 1):
            summary.cell(i, 1, label)
            summary.cell(i, 2, value)
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
