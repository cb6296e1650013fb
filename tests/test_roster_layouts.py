"""The 人员名册 reader on layouts nobody designed for it: the same people written in many ways.

Each layout below writes the same six people with openpyxl: title rows or none, a merged title, a
header on one row or a group heading over sub-headings, columns in any order and worded from a wide
vocabulary, extra columns, a 序号 column or none, blank and formatted rows, totals, footers of every
kind (signatures, stamps, notes, a date, 以下空白, numbered empty rows), an instructions sheet before
the roster, a summary sheet after it, the roster split over two sheets. Every layout must give the
same people with the same values; only the provenance (sheet, cell) and the 序号 differ.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.styles import Border, Side
from stdnum.cn import ric

from omreview.dashboard.sources import read_roster_row
from omreview.extractors.office.roster import extract
from omreview.model import DocumentKind
from omreview.packet import load_packet
from omreview.records import Education, RosterRecord, StaffRow, TitleLevel
from omreview.rules import default_rules
from tests import records_factory as f
from tests.test_checks import run

RULES = default_rules()
_BOX = Border(*(Side(style="thin"),) * 4)


def _id(seq: int) -> str:
    body = f"32010619850301{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


FIELDS = ("name", "id", "edu", "title", "spec", "post", "years")
_ROWS = [  # name, 身份证号, education, title, specialty, post, years of O&M
    ("张伟", _id(11), "大学本科", "高级工程师", "计算机科学与技术", "运维工程师", 8),
    ("李娜", _id(12), "大专", "工程师", "通信工程", "值班员", 5),
    ("阿依古丽·买买提", _id(13), "硕士研究生", "", "软件工程", "网络管理员", 3),
    ("王芳", _id(14), "中专", "助理工程师", "电子技术", "桌面支持", 2),
    ("欧阳明", _id(15), "本科", "工程师", "信息管理", "项目经理", 10),
    ("赵磊", _id(16), "博士", "正高级工程师", "自动化", "技术总监", 12),
]
PEOPLE = [dict(zip(FIELDS, row, strict=True)) for row in _ROWS]
_LEVELS = [(Education.BACHELOR, TitleLevel.SENIOR), (Education.COLLEGE, TitleLevel.INTERMEDIATE),
           (Education.MASTER, TitleLevel.NONE), (Education.BELOW, TitleLevel.JUNIOR),
           (Education.BACHELOR, TitleLevel.INTERMEDIATE), (Education.DOCTORATE, TitleLevel.FULL_SENIOR)]
EXPECTED = [(name, id_, edu, level, title, title_level, spec, post, Decimal(years))
            for (name, id_, edu, title, spec, post, years), (level, title_level) in zip(_ROWS, _LEVELS, strict=True)]

# header wordings seen on real Chinese HR and qualification rosters
WORDS = {name: dict(zip(FIELDS, words.split(" "), strict=True)) for name, words in {
    "ours": "姓名 身份证号 学历 职称 专业 岗位 从事运维年限",
    "citizen": "姓\u3000名 公民身份号码 文化程度 专业技术职务 所学专业 工作岗位 运维工作年限（年）",
    "qualified": "人员姓名 身份证号码（18位） 学历（最高） 现任职称 专业名称 现任岗位 从事运维工作年限(年)",
    "hr": "员工姓名 证件号码 最高学历 技术职称 毕业专业 职务 工作年限",
    "levels": "*姓名 身份证 学历层次 职称等级 专业 从事岗位 从业年限",
    "formal": "姓名： 居民身份证号码（请以文本格式填写） 学历学位 专业技术资格 所学专业 岗位名称 运维年限",
}.items()}
EXTRA = {"gender": ("性别", ["男", "女", "女", "女", "男", "男"]),
         "birth": ("出生年月", ["1985-03", "1985-03", "1985-03", "1985-03", "1985-03", "1985-03"]),
         "phone": ("联系电话", ["13800000001", "13800000002", "13800000003", "13800000004", "13800000005",
                                "13800000006"]),
         "kind": ("证件类型", ["身份证"] * 6),
         "address": ("身份证住址", ["南京市玄武区某路1号"] * 6),  # names 身份证 too: the 身份证号 column must win
         "remark": ("备注", ["", "兼职", "", "", "外聘", ""]),
         "titledate": ("取得时间", ["2008.12", "2009.06", "", "2010.03", "2007.09", "2001.12"]),
         "school": ("毕业院校", ["东南大学", "南京邮电学院", "南京大学", "某某电子工业学校", "河海大学", "东南大学"])}


@dataclass(frozen=True)
class Layout:
    words: str = "ours"
    order: tuple[str, ...] = FIELDS  # the person's columns, maybe with extra columns among them
    extra: tuple[str, ...] = ()  # extra columns, placed after the person's columns
    extra_first: bool = False  # ... or before them
    seq: str | None = "序号"  # the 序号 heading, or no 序号 column
    title_rows: int = 0  # 0: none; 1: a merged title; 2: and a 填报单位 row; more: notes under the title
    two_row: bool | str = False  # group headings over sub-headings (学历情况 over 学历 | 专业), or "field_over_kinds"
    blank_between: tuple[int, ...] = ()  # a blank row after these people (1-based)
    groups: bool = False  # department rows and 小计 rows between the people
    years_text: bool = False  # 8年 rather than 8
    footer: tuple[str, ...] = ()  # footer rows, of the kinds in _footer
    formatted_blank: int = 0  # bordered empty rows after the people
    numbered_empty: int = 0  # rows with only a 序号 after the people
    sheet_before: bool = False  # an instructions sheet first
    summary_after: bool = False  # a summary sheet after the roster
    split: int = 0  # the roster split over two sheets after this many people


LAYOUTS = {
    "plain": Layout(),
    "merged_title_citizen_words_total": Layout(words="citizen", title_rows=2, footer=("total", "signatures")),
    "two_row_header": Layout(two_row=True, title_rows=1, order=("name", "id", "edu", "spec", "title", "titledate",
                                                                 "post", "years"), footer=("total",)),
    "reversed_extra_columns_no_seq": Layout(words="hr", order=tuple(reversed(FIELDS)),
                                            extra=("gender", "phone", "remark"), seq=None, footer=("signatures",)),
    "instructions_sheet_notes_footer": Layout(words="qualified", sheet_before=True, title_rows=2,
                                              footer=("note", "note_lines")),
    "split_over_two_sheets": Layout(split=3, title_rows=1, footer=("total",)),
    "formatted_blank_and_numbered_empty_rows": Layout(words="levels", formatted_blank=6, numbered_empty=10,
                                                      footer=("signatures",)),
    "field_heading_over_kinds": Layout(two_row="field_over_kinds", words="levels", seq="No.", footer=("date",),
                                       order=("name", "id", "edu", "school", "spec", "title", "titledate", "post",
                                              "years")),
    "group_headings_in_the_name_column": Layout(groups=True, seq=None, words="citizen", footer=("total",)),
    "groups_subtotals_blank_rows": Layout(groups=True, blank_between=(1, 4), years_text=True, footer=("grand_total",)),
    "notes_above_header": Layout(words="formal", title_rows=9, extra=("birth", "address"), extra_first=True,
                                 footer=("date",)),
    "signature_trap_in_name_column": Layout(order=("id", "name", "edu", "title", "spec", "post", "years"),
                                            footer=("trap", "empty_below", "stamp", "date")),
    "summary_sheet_and_id_kind": Layout(words="hr", extra=("kind",), extra_first=True, summary_after=True, seq="No.",
                                        footer=("blank_end",)),
    "shuffled_with_remarks": Layout(words="citizen", order=("post", "name", "years", "id", "title", "edu", "spec"),
                                    extra=("remark", "gender"), title_rows=2, years_text=True,
                                    footer=("nothing_below", "signatures", "date")),
    "two_row_header_hr_words": Layout(words="hr", two_row=True, seq="序 号", title_rows=2, blank_between=(3,),
                                      order=("id", "name", "title", "titledate", "post", "edu", "spec", "years"),
                                      footer=("grand_total", "note")),
}


def _footer(kind: str, width: int, name_col: int, seq_col: int | None) -> list[list[object]]:
    """Rows under the last person, of one kind; cells placed relative to the name column where it matters."""
    row: list[object] = [None] * width
    if kind in ("total", "grand_total"):
        row[0] = "合计" if kind == "total" else "总计："
        row[1] = "6人"
        return [row]
    if kind == "signatures":
        row[0], row[min(2, width - 1)], row[min(4, width - 1)] = "填表人：", "审核人：", "单位负责人（签字）："
        return [row]
    if kind == "trap":  # 填表人 beside a name written in the name column
        row[name_col - 1 if name_col else name_col + 1] = "填表人："
        row[name_col] = "李四"
        other = list(row)
        other[name_col - 1 if name_col else name_col + 1] = "审核人"
        other[name_col] = "王五"
        return [row, other]
    if kind == "stamp":
        row[name_col] = "（单位盖章）"
        return [row]
    if kind == "date":
        row[width - 1] = "2012年5月20日"
        return [row, [None] * (width - 1) + ["年  月  日"]]
    if kind == "note":
        row[0] = "注：1. 身份证号请填写18位号码。"
        return [row]
    if kind == "note_lines":
        return [[f"{i}. 本表所列人员均与本单位签订劳动合同。"] + [None] * (width - 1) for i in (2, 3)]
    if kind == "nothing_below":
        row[name_col] = "以下空白"
        return [row]
    if kind == "empty_below":
        rows = []
        for n in range(7, 10):
            r = [None] * width
            if seq_col is not None:
                r[seq_col] = n
            rows.append(r)
        return rows
    if kind == "blank_end":
        return [[None] * width for _ in range(4)] + [["说明：以上人员均为在职人员"] + [None] * (width - 1)]
    raise ValueError(kind)


def _columns(lay: Layout) -> list[str]:
    person = list(lay.order)
    if lay.two_row == "field_over_kinds":  # the field's own value first under its heading: 职称 over 名称 | 取得时间
        for field, detail in (("title", "titledate"), ("edu", "school")):
            if detail in person:
                person.remove(detail)
                person.insert(person.index(field) + 1, detail)
    cols = [*lay.extra, *person] if lay.extra_first else [*person, *lay.extra]
    return (["seq"] if lay.seq else []) + cols


def _heading(lay: Layout, col: str) -> str:
    if col == "seq":
        return lay.seq or ""
    if col in EXTRA:
        return EXTRA[col][0]
    return WORDS[lay.words][col]


def _value(lay: Layout, col: str, i: int) -> object:
    if col == "seq":
        return i + 1
    if col in EXTRA:
        return EXTRA[col][1][i]
    value = PEOPLE[i][col]
    return f"{value}年" if col == "years" and lay.years_text else value


def _header(ws, lay: Layout, cols: list[str], top: int) -> int:
    """The header from row ``top``; returns the last header row."""
    if not lay.two_row:
        for c, col in enumerate(cols, 1):
            ws.cell(top, c, _heading(lay, col)).border = _BOX
        return top
    # a group heading over the fields' headings (学历情况 over 学历 | 专业), or a field's own heading over
    # sub-headings that name no field (学历 over 全日制教育 | 在职教育, 职称 over 名称 | 取得时间)
    groups = {"edu": "学历情况", "spec": "学历情况", "title": "职称情况", "titledate": "职称情况"}
    subs: dict[str, str] = {}
    if lay.two_row == "field_over_kinds":
        groups = {"edu": "学历", "school": "学历", "title": "职称", "titledate": "职称"}
        subs = {"edu": "全日制教育", "title": "名称"}
    c = 1
    while c <= len(cols):
        col = cols[c - 1]
        group = groups.get(col)
        if group is None:
            ws.cell(top, c, _heading(lay, col))
            ws.merge_cells(start_row=top, start_column=c, end_row=top + 1, end_column=c)
            c += 1
            continue
        span = 1
        while c + span <= len(cols) and groups.get(cols[c + span - 1]) == group:
            span += 1
        ws.cell(top, c, group)
        if span > 1:
            ws.merge_cells(start_row=top, start_column=c, end_row=top, end_column=c + span - 1)
        for k in range(span):
            sub = cols[c + k - 1]
            ws.cell(top + 1, c + k, subs.get(sub) or _heading(lay, sub))
        c += span
    return top + 1


def _sheet_top(ws, lay: Layout, width: int) -> int:
    """Title rows; returns the header's first row."""
    if lay.title_rows == 0:
        return 1
    ws.cell(1, 1, "运维人员名册")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    if lay.title_rows == 1:
        return 2
    ws.cell(2, 1, "填报单位：某某信息技术有限公司（盖章）")
    ws.cell(2, width, "填报日期：2012年5月20日")
    for r in range(3, lay.title_rows + 1):
        note = "说明：本表填报与本单位签订劳动合同的人员。" if r == 3 else f"{r - 2}. 学历填写最高学历。"
        ws.cell(r, 1, note)
    return lay.title_rows + 1


def write(path, lay: Layout) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    if lay.sheet_before:
        ws.title = "填写说明"
        for i, line in enumerate(("填写说明", "1. 姓名、身份证号码必填。", "2. 学历：博士、硕士、本科、大专。"), 1):
            ws.cell(i, 1, line)
        ws = wb.create_sheet("运维人员")
    else:
        ws.title = "名册"
    cols = _columns(lay)
    width = len(cols)
    parts = [range(0, lay.split), range(lay.split, len(PEOPLE))] if lay.split else [range(len(PEOPLE))]
    for part_no, part in enumerate(parts):
        if part_no:
            ws = wb.create_sheet(f"名册（{part_no + 1}）")
        r = _header(ws, lay, cols, _sheet_top(ws, lay, width)) + 1
        for i in part:
            if lay.groups and i in (0, 3):
                ws.cell(r, 1, "一、运维部" if i == 0 else "二、客服部")
                r += 1
            for c, col in enumerate(cols, 1):
                cell = ws.cell(r, c, _value(lay, col, i))
                cell.border = _BOX
                if col == "id":
                    cell.number_format = "@"
            r += 1
            if lay.groups and i in (2, 5):
                ws.cell(r, 1, "小计")
                ws.cell(r, 2, "3人")
                r += 1
            r += (i + 1) in lay.blank_between
        last = part_no == len(parts) - 1
        for n in range(lay.numbered_empty if last else 0):
            ws.cell(r, 1, len(PEOPLE) + n + 1).border = _BOX
            for c in range(2, width + 1):
                ws.cell(r, c).border = _BOX
            r += 1
        for _ in range(lay.formatted_blank if last else 0):
            for c in range(1, width + 1):
                ws.cell(r, c).border = _BOX
            r += 1
        for kind in lay.footer:
            rows = _footer(kind, width, cols.index("name"), cols.index("seq") if "seq" in cols else None)
            for values in rows:
                for c, v in enumerate(values, 1):
                    if v is not None:
                        ws.cell(r, c, v)
                r += 1
    if lay.summary_after:
        s = wb.create_sheet("汇总")
        for row in (["学历", "人数", "占比"], ["本科及以上", 4, "66.7%"], ["大专", 1, "16.7%"], ["合计", 6, "100%"]):
            s.append(row)
    wb.save(path)


def _read(tmp_path, lay: Layout):
    folder = tmp_path / "app"
    folder.mkdir()
    write(folder / "名册.xlsx", lay)
    pf = next(f for f in load_packet(folder).files if f.rel == "名册.xlsx")
    return extract(pf, RULES)


def _values(row: StaffRow) -> tuple[object, ...]:
    return (row.name, row.id_number, row.education_raw, row.education, row.title_raw, row.title_level,
            row.specialty, row.post, row.om_years)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_layout_gives_the_same_people(tmp_path, name):
    lay = LAYOUTS[name]
    result = _read(tmp_path, lay)
    assert result.error is None and result.kind is DocumentKind.STAFF_ROSTER
    record = result.record
    assert isinstance(record, RosterRecord)
    assert [_values(r) for r in record.rows] == EXPECTED, record.skipped_rows
    assert [r.seq for r in record.rows] == ([str(i) for i in range(1, 7)] if lay.seq else [None] * 6)
    id_col = _columns(lay).index("id")
    for r in record.rows:  # provenance: the 身份证号 cell of the person's own row, on its own sheet
        assert r.source.file == "名册.xlsx" and r.source.cell == f"{'ABCDEFGHIJKLMN'[id_col]}{r.row}"
    sheets = [r.source.sheet for r in record.rows]
    if lay.split:
        assert sheets == ["名册"] * lay.split + ["名册（2）"] * (6 - lay.split)
        assert record.warnings and "2个工作表" in record.warnings[0]
    else:
        assert set(sheets) == {"运维人员" if lay.sheet_before else "名册"}


def _random_layout(seed: int) -> Layout:
    """A layout mixing the options above at random (seeded: the same layout on every run)."""
    rnd = random.Random(seed)
    order = list(FIELDS) + [c for c in ("titledate", "school") if rnd.random() < 0.3]
    rnd.shuffle(order)
    extras = rnd.sample(["gender", "birth", "phone", "kind", "address", "remark"], rnd.randint(0, 3))
    footers = rnd.sample(["total", "grand_total", "signatures", "trap", "stamp", "date", "note", "note_lines",
                          "nothing_below", "empty_below", "blank_end"], rnd.randint(0, 4))
    return Layout(words=rnd.choice(sorted(WORDS)), order=tuple(order), extra=tuple(extras),
                  extra_first=rnd.random() < 0.3, seq=rnd.choice(["序号", "序 号", "No.", None]),
                  title_rows=rnd.choice([0, 1, 2, 4, 9]),
                  two_row=rnd.choice([False, False, False, True, "field_over_kinds"]),
                  blank_between=tuple(rnd.sample(range(1, 6), rnd.randint(0, 2))), groups=rnd.random() < 0.2,
                  years_text=rnd.random() < 0.5, footer=tuple(footers), formatted_blank=rnd.choice([0, 0, 5]),
                  numbered_empty=rnd.choice([0, 0, 8]), sheet_before=rnd.random() < 0.3,
                  summary_after=rnd.random() < 0.3, split=rnd.choice([0, 0, 0, 2, 4]))


@pytest.mark.parametrize("seed", range(40))
def test_random_layouts_give_the_same_people(tmp_path, seed):
    lay = _random_layout(seed)
    record = _read(tmp_path, lay).record
    assert isinstance(record, RosterRecord), lay
    assert [_values(r) for r in record.rows] == EXPECTED, (lay, record.skipped_rows)
    assert [r.seq for r in record.rows] == ([str(i) for i in range(1, 7)] if lay.seq else [None] * 6)


def test_the_layouts_are_many_and_differ():
    assert len(LAYOUTS) >= 12 and len(set(LAYOUTS.values())) == len(LAYOUTS)


def test_footers_are_skipped_with_their_reason(tmp_path):
    record = _read(tmp_path, LAYOUTS["signature_trap_in_name_column"]).record
    assert isinstance(record, RosterRecord)
    assert any("表尾" in s for s in record.skipped_rows)
    assert not record.warnings


def test_numbered_empty_rows_and_formatted_blanks_are_not_people(tmp_path):
    record = _read(tmp_path, LAYOUTS["formatted_blank_and_numbered_empty_rows"]).record
    assert isinstance(record, RosterRecord)
    assert len(record.rows) == 6
    assert sum("无姓名和身份证号" in s for s in record.skipped_rows) == 10
    assert any("空行" in s for s in record.skipped_rows)


@pytest.mark.parametrize("numbered", [0, 20])
def test_a_template_with_no_people_gives_no_people(tmp_path, numbered):
    """A blank roster (a header, numbered empty rows, a footer) is a roster of nobody, never of its numbers."""
    folder = tmp_path / "app"
    folder.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["运维人员名册"])
    ws.append(["序号", "姓名", "身份证号码", "学历", "职称", "专业", "岗位"])
    for n in range(1, numbered + 1):
        ws.append([n])
    ws.append(["填表人：", None, "联系电话：", None, "填表日期：  年  月  日"])
    wb.save(folder / "t.xlsx")
    result = extract(next(f for f in load_packet(folder).files if f.rel == "t.xlsx"), RULES)
    assert result.kind is DocumentKind.STAFF_ROSTER
    assert isinstance(result.record, RosterRecord) and result.record.rows == []


def _book(tmp_path, rows: list[list[object]], name: str = "x.xlsx"):
    folder = tmp_path / "app"
    folder.mkdir(exist_ok=True)
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(folder / name)
    return extract(next(f for f in load_packet(folder).files if f.rel == name), RULES)


HEAD = ["序号", "姓名", "身份证号", "学历", "职称", "专业", "岗位"]


def test_a_person_with_an_identifier_after_the_footer_is_still_read_with_a_warning(tmp_path):
    result = _book(tmp_path, [HEAD, [1, "张伟", _id(11), "本科", "工程师", "计算机", "运维"], ["注：以下为补报人员"],
                              [2, "李娜", _id(12), "大专", "工程师", "通信", "值班"], [3, "王五"]])
    record = result.record
    assert isinstance(record, RosterRecord)
    assert [r.name for r in record.rows] == ["张伟", "李娜"]  # 王五 has no 身份证号 and comes after the footer
    assert any("第4行" in w for w in record.warnings)


@pytest.mark.parametrize("gap", [0, 4])
def test_another_table_below_the_roster_is_not_read(tmp_path, gap):
    result = _book(tmp_path, [HEAD, [1, "张伟", _id(11), "本科", "工程师", "计算机", "运维"], *([[]] * gap),
                              ["姓名", "身份证号", "职称", "学历", "从事运维年限"],
                              ["张伟", _id(11), "工程师", "本科", 5]])
    record = result.record
    assert isinstance(record, RosterRecord)
    assert [r.name for r in record.rows] == ["张伟"]
    assert any("另一表格" in s for s in record.skipped_rows)


def test_a_repeated_header_inside_the_table_is_skipped(tmp_path):
    result = _book(tmp_path, [HEAD, [1, "张伟", _id(11), "本科", "工程师", "计算机", "运维"], HEAD,
                              [2, "李娜", _id(12), "大专", "工程师", "通信", "值班"]])
    assert isinstance(result.record, RosterRecord)
    assert [r.seq for r in result.record.rows] == ["1", "2"]


@pytest.mark.parametrize("header", [
    ["姓名", "学号", "班级"],  # a class list
    ["姓名", "职务", "职称", "学历", "专业"],  # key persons: no 身份证号, not a roster of staff
    ["姓名", "身份证号", "联系电话"],  # a contact list: too few roster fields
    ["组织机构代码", "单位名称", "法人代表", "联系电话"],  # company data
])
def test_tables_that_are_not_rosters(tmp_path, header):
    result = _book(tmp_path, [header, ["张伟", _id(11), "x", "y", "z"]])
    assert result.kind is DocumentKind.UNKNOWN


def test_a_contract_list_is_still_told_apart(tmp_path):
    result = _book(tmp_path, [["序号", "合同名称", "客户名称", "合同金额（元）"], [1, "运维服务合同", "某银行", 12e5]])
    assert result.kind is DocumentKind.PROJECT_LIST


def test_roster_discrepancies_name_the_row_and_its_seq():
    """Reviewers count by 序号: a roster row's discrepancy names its row and its 序号; the figure keeps the row."""
    roster = f.roster(staff=51, college=51)
    rows = [r.model_copy(update={"seq": str(i + 1)}) for i, r in enumerate(roster.rows)]
    rows[1] = rows[1].model_copy(update={"id_number": rows[0].id_number})
    rows[2] = rows[2].model_copy(update={"seq": None, "education_raw": "MBA", "education": Education.UNKNOWN})
    result = run(roster=roster.model_copy(update={"rows": rows}), form=f.form(declared_staff_count=None))
    messages = {d.figure: d.message for d in result.discrepancies if d.figure.startswith("roster.")}
    assert "第5行（序号2）与第4行（序号1）" in messages["roster.duplicate.row5"]
    assert "人员名册第6行学历" in messages["roster.education.row6"]  # no 序号: the row alone


def test_the_dashboard_reads_a_row_under_a_two_row_header_with_its_sub_headings(tmp_path):
    """The dashboard shows a row by the headings the reader used; every 身份证 column is masked."""
    lay = LAYOUTS["two_row_header"]
    record = _read(tmp_path, lay).record
    assert isinstance(record, RosterRecord)
    person = record.rows[2]
    assert person.source.cell is not None and person.source.sheet is not None
    path = tmp_path / "app" / "名册.xlsx"
    row = read_roster_row(path, "名册.xlsx", person.source.sheet, person.source.cell, RULES)
    cells = dict(zip(row.headers, row.values, strict=True))
    assert cells["学历"] == "硕士研究生" and cells["专业"] == "软件工程" and cells["取得时间"] == ""
    masked = dict(zip(row.headers, row.masked().values, strict=True))
    assert masked["身份证号"] == _id(13)[:4] + "*" * 10 + _id(13)[-4:] and masked["姓名"].startswith("阿*")


def test_two_columns_naming_one_field_equally_is_read_with_a_warning(tmp_path):
    """全日制学历 and 在职学历 both name 学历: the first is read, and the record says so (never a silent guess);
    an exact heading wins over a qualified one without a warning (学历 over 第一学历)."""
    tied = _book(tmp_path, [["姓名", "身份证号", "全日制学历", "在职学历", "职称"],
                            ["张伟", _id(11), "大专", "本科", "工程师"]]).record
    assert isinstance(tied, RosterRecord) and tied.rows[0].education_raw == "大专"
    assert any("「全日制学历」、「在职学历」" in w for w in tied.warnings)
    exact = _book(tmp_path, [["姓名", "身份证号", "第一学历", "学历", "职称"],
                             ["张伟", _id(11), "大专", "本科", "工程师"]], name="y.xlsx").record
    assert isinstance(exact, RosterRecord) and exact.rows[0].education_raw == "本科" and not exact.warnings
