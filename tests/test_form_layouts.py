"""One 申报表 content written in many layouts, read to the same record (issue #14).

A builder writes the same facts as python-docx forms in different layouts: how labels pair with values
(label left of its value with one, two or three pairs a row, labels above values, ``label：value`` in
one cell, paragraphs, a nested table, merged and vertically merged labels, everything in one table
with section rows), how labels are worded (our samples', the MIIT 资质 forms', spaced and numbered),
where the money unit is written (each cell, the label, a caption), the date notation, the yearly
table's orientation, year notation, unit place and share notation, the key persons' layout and how
their years are written, and the project period's cells. Every layout must give the same values;
where a value was read (its source) may differ.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from dataclasses import asdict, dataclass, replace
from decimal import Decimal

import docx
import pytest

from omreview.extractors.office.form import extract, read_form
from omreview.model import DocumentKind
from omreview.packet import PacketFile
from omreview.records import KeyRole
from omreview.rules import default_rules

RULES = default_rules()
TITLE = "计算机信息系统集成企业资质运行维护能力评定申报表"
YEARS = (2009, 2010, 2011)
REVENUE = {2009: ("4,583.91", "1,859.75", "40.57"), 2010: ("5,515.29", "2,222.53", "40.30"),
           2011: ("6,404.37", "2,725.95", "42.56")}
PERSONS = [  # role, role word, name, post, title, specialty, years (their own kind)
    ("principal", "主要负责人", "任勇", "总经理", "高级工程师", "计算机应用", 13),
    ("tech_lead", "运维技术负责人", "田然晓", "运维技术总监", "高级工程师", "计算机科学与技术", 9),
    ("finance_lead", "财务负责人", "杜洋", "财务总监", "高级会计师", "会计学", 10),
]
YEARS_LABEL = {"principal": "从事IT企业管理年限", "tech_lead": "从事运维工作年限", "finance_lead": "从事财务工作年限"}
PROJECTS = [
    ("北京市地方税务局数据中心运维服务项目", "北京市地方税务局", "204.00", (2010, 1), (2010, 12),
     "睿服运维监控管理平台V2.0"),
    ("北京市第三人民医院网络设备驻场运维项目", "北京市第三人民医院", "208.00", (2009, 1), (2011, 12),
     "睿服IT服务管理系统V3.1"),
]
SOFTWARE = [("睿服运维监控管理平台V2.0", "2009SR084308"), ("睿服IT服务管理系统V3.1", "2010SR005761")]
COMPANY = "北京睿服信息技术有限公司"
MIS = "已建成覆盖OA办公、财务管理、人力资源及IT服务管理的企业管理信息系统，2008年上线并持续运行。"
HANZI = dict(zip("0123456789", "〇一二三四五六七八九", strict=True))


@dataclass(frozen=True)
class Layout:
    facts: str = "2col"  # 2col 4col 6col above inline paragraphs nested merged
    wording: str = "plain"  # plain miit spaced
    money_unit: str = "cell"  # cell label caption
    dates: str = "cn"  # iso cn dot slash hanzi
    years: str = "columns"  # columns rows fields_above kv
    year_label: str = "年"  # "" 年 年度 hanzi
    revenue_unit: str = "cell"  # cell header caption note unit_row
    share: str = "percent"  # percent decimal percent_header
    persons: str = "table"  # table generic_years implied bracket transposed blocks prefixed above
    person_years: str = "digits"  # digits nian hanzi
    period: str = "range"  # range split
    single_table: bool = False  # every section in one table, with section rows


# --- text of values -----------------------------------------------------------------------------


def _date(lay: Layout, y: int, m: int, d: int | None = None) -> str:
    if lay.dates == "iso":
        return f"{y}-{m:02d}" + (f"-{d:02d}" if d else "")
    if lay.dates == "dot":
        return f"{y}.{m}" + (f".{d}" if d else "")
    if lay.dates == "slash":
        return f"{y}/{m:02d}" + (f"/{d:02d}" if d else "")
    if lay.dates == "hanzi":
        return "".join(HANZI[c] for c in str(y)) + f"年{_cn(m)}月" + (f"{_cn(d)}日" if d else "")
    return f"{y}年{m}月" + (f"{d}日" if d else "")


def _cn(n: int) -> str:
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else HANZI[str(tens)]) + "十" if tens else "") + (HANZI[str(ones)] if ones else "")


def _money(lay: Layout, value: str, place: str) -> str:
    return f"{value}万元" if place == "cell" else value


def _years_text(lay: Layout, n: int) -> str:
    return {"digits": str(n), "nian": f"{n}年", "hanzi": f"{_cn(n)}年"}[lay.person_years]


def _year(lay: Layout, y: int) -> str:
    if lay.year_label == "hanzi":
        return "".join(HANZI[c] for c in str(y)) + "年"
    return f"{y}{lay.year_label}"


# --- a form as rows of cells ---------------------------------------------------------------------

Row = list[tuple[str, int]]  # (text, columns spanned)


@dataclass
class Section:
    title: str
    rows: list[Row]
    before: list[str]  # paragraphs before it (a caption)
    after: list[str]  # paragraphs after it (a note)
    vmerge: list[tuple[int, int, int]] | None = None  # (first row, last row, column) merged downwards
    nested: bool = False


def _facts(lay: Layout) -> tuple[list[tuple[str, str]], list[str]]:
    unit = lay.money_unit
    words = {
        "plain": ["企业名称", "统一社会信用代码", "成立日期", "注册资本", "实收资本", "从事运维业务起始时间",
                  "系统集成资质证书编号", "资质等级", "有效期至", "ITSS符合性评估证书编号", "推荐单位",
                  "申请放宽条件", "填表日期", "运维人员总数", "大专及以上学历人数", "大专及以上学历占比", "放宽理由",
                  "企业管理信息系统"],
        "miit": ["申报单位名称", "社会统一信用代码", "成立时间", "注册资金", "实缴资本", "开展运维服务时间",
                 "计算机信息系统集成资质证书编号", "现有资质等级", "资质证书有效期至", "ITSS运维符合性证书编号",
                 "推荐部门", "是否申请放宽", "填报日期", "运维人员数量", "大专及以上学历人员数",
                 "大专及以上学历人员比例", "申请放宽条件的理由", "管理信息系统建设情况"],
        "spaced": ["一、企 业 名 称", "*统一社会信用代码", "成 立 日 期", "注 册 资 本", "实 收 资 本",
                   "（六）从事运维业务起始时间", "系统集成资质证书编号：", "资 质 等 级", "有 效 期 至",
                   "ITSS符合性评估证书编号", "推 荐 单 位", "申请放宽条件", "填 表 日 期", "运维人员总数（人）",
                   "大专及以上学历人数（人）", "大专及以上学历占比（%）", "放 宽 理 由", "企业管理信息系统"],
    }[lay.wording]
    if unit == "label":
        words[3], words[4] = f"{words[3].rstrip('：')}（万元）", f"{words[4].rstrip('：')}（万元）"
    values = [COMPANY, "91110108551385082Q", _date(lay, 2001, 3, 5), _money(lay, "5,000.00", unit),
              _money(lay, "3,000.00", unit), _date(lay, 2005, 3), "Z2110120100211", "二级", _date(lay, 2014, 12, 31),
              "ITSS-YW-11-20110296", "北京市经济和信息化委员会", "否", _date(lay, 2012, 5, 20), "64人", "55人",
              "85.94%", "无", MIS]
    caption = ["金额单位：万元"] if unit == "caption" else []
    return list(zip(words, values, strict=True)), caption


def _facts_section(lay: Layout) -> tuple[Section, list[str]]:
    """The company's facts as a table (or as paragraphs: the second value)."""
    pairs, caption = _facts(lay)
    wide, narrow = pairs[-2:], pairs[:-2]
    rows: list[Row] = []
    vmerge = None
    if lay.facts == "paragraphs":
        lines = [f"{lab}：{val}    {lab2}：{val2}" for (lab, val), (lab2, val2) in zip(narrow[::2], narrow[1::2],
                                                                                   strict=True)]
        return Section("", [], [], []), [*caption, *lines, *(f"{lab}：{val}" for lab, val in wide)]
    if lay.facts in ("2col", "nested"):
        rows = [[(lab, 1), (val, 1)] for lab, val in pairs]
    elif lay.facts in ("4col", "6col"):
        per = 2 if lay.facts == "4col" else 3
        for i in range(0, len(narrow), per):
            rows.append([cell for lab, val in narrow[i:i + per] for cell in ((lab, 1), (val, 1))])
        rows += [[(lab, 1), (val, 2 * per - 1)] for lab, val in wide]
    elif lay.facts == "above":
        for i in range(0, len(narrow), 3):
            rows.append([(lab, 1) for lab, _ in narrow[i:i + 3]])
            rows.append([(val, 1) for _, val in narrow[i:i + 3]])
        for lab, val in wide:
            rows += [[(lab, 3)], [(val, 3)]]
    elif lay.facts == "inline":
        for i in range(0, len(narrow), 2):
            rows.append([(f"{lab}：{val}", 1) for lab, val in narrow[i:i + 2]])
        rows += [[(f"{lab}：{val}", 2)] for lab, val in wide]
    elif lay.facts == "merged":  # labels over two columns, values over three; 实收资本 merged down beside 合计
        for lab, val in pairs:
            if lab.startswith(("实收资本", "实缴资本", "实 收 资 本")):
                start = len(rows)
                rows.append([(lab, 2), ("其中：货币出资", 1), (val, 2)])
                rows.append([("", 2), ("合计", 1), (val, 2)])
                vmerge = (start, start + 1, 0)
            else:
                rows.append([(lab, 2), (val, 3)])
    section = Section("企业基本情况", rows, caption, [], [vmerge] if vmerge else None, nested=lay.facts == "nested")
    return section, []


def _revenue_section(lay: Layout) -> Section:
    unit_in_cell = lay.revenue_unit == "cell"
    head_unit = "（万元）" if lay.revenue_unit == "header" else ""

    def amount(v: str) -> str:
        return f"{v}万元" if unit_in_cell else v

    def share(s: str) -> str:
        if lay.share == "decimal":
            return str((Decimal(s) / 100).quantize(Decimal("0.0001")))
        return s if lay.share == "percent_header" else f"{s}%"

    share_label = "运维收入占营业收入比例（%）" if lay.share == "percent_header" else "运维收入占营业收入比例"
    rows: list[Row] = []
    if lay.revenue_unit == "unit_row":
        rows.append([("单位：万元", 4 if lay.years != "fields_above" else 9)])
    if lay.years == "columns":
        rows.append([("项目", 1), *((_year(lay, y), 1) for y in YEARS)])
        rows.append([(f"营业收入{head_unit}", 1), *((amount(REVENUE[y][0]), 1) for y in YEARS)])
        rows.append([(f"其中：运维收入{head_unit}", 1), *((amount(REVENUE[y][1]), 1) for y in YEARS)])
        rows.append([(share_label, 1), *((share(REVENUE[y][2]), 1) for y in YEARS)])
    elif lay.years == "rows":
        rows.append([("年度", 1), (f"营业收入{head_unit}", 1), (f"运维服务收入{head_unit}", 1), (share_label, 1)])
        rows += [[(_year(lay, y), 1), (amount(REVENUE[y][0]), 1), (amount(REVENUE[y][1]), 1),
                  (share(REVENUE[y][2]), 1)] for y in YEARS]
    elif lay.years == "fields_above":
        rows.append([(f"营业收入{head_unit}", 3), (f"运维收入{head_unit}", 3), (share_label, 3)])
        rows.append([(_year(lay, y), 1) for _ in range(3) for y in YEARS])
        rows.append([(amount(REVENUE[y][0]), 1) for y in YEARS] + [(amount(REVENUE[y][1]), 1) for y in YEARS]
                    + [(share(REVENUE[y][2]), 1) for y in YEARS])
    else:  # kv: labels that name the year
        for y in YEARS:
            rows.append([(f"{_year(lay, y)}营业收入{head_unit}", 1), (amount(REVENUE[y][0]), 1),
                         (f"{_year(lay, y)}运维收入{head_unit}", 1), (amount(REVENUE[y][1]), 1),
                         (f"{_year(lay, y)}{share_label}", 1), (share(REVENUE[y][2]), 1)])
    before = ["单位：万元"] if lay.revenue_unit == "caption" else []
    after = ["注：以上金额单位为万元。"] if lay.revenue_unit == "note" else []
    return Section("近三年经营情况", rows, before, after)


def _persons_section(lay: Layout) -> Section:
    rows: list[Row] = []
    if lay.persons in ("table", "generic_years", "implied", "bracket"):
        generic = lay.persons != "table"
        head = {"table": ["类别"], "generic_years": ["岗位"], "implied": [], "bracket": []}[lay.persons]
        years_head = ["相关工作年限"] if generic else list(YEARS_LABEL.values())
        rows.append([(h, 1) for h in [*head, "姓名", "职务", "技术职称", "所学专业", *years_head]])
        for role, word, name, post, title, spec, n in PERSONS:
            first = {"table": [word], "generic_years": [word], "implied": [], "bracket": []}[lay.persons]
            post_text = f"{post}（{word}）" if lay.persons == "bracket" else post
            years = [_years_text(lay, n)] if generic else [
                _years_text(lay, n) if role == r else "—" for r in YEARS_LABEL]
            rows.append([(t, 1) for t in [*first, name, post_text, title, spec, *years]])
    elif lay.persons == "transposed":
        rows.append([("项目", 1), *((word, 1) for _, word, *_ in PERSONS)])
        for label, i in (("姓名", 2), ("职务", 3), ("职称", 4), ("专业", 5)):
            rows.append([(label, 1), *((p[i], 1) for p in PERSONS)])
        rows.append([("相关工作年限", 1), *((_years_text(lay, p[6]), 1) for p in PERSONS)])
    elif lay.persons == "blocks":
        for role, word, name, post, title, spec, n in PERSONS:
            rows.append([(word, 2)])
            rows += [[(lab, 1), (val, 1)] for lab, val in (("姓名", name), ("职务", post), ("职称", title),
                                                          ("专业", spec), (YEARS_LABEL[role], _years_text(lay, n)))]
    elif lay.persons == "prefixed":
        for role, word, name, post, title, spec, n in PERSONS:
            rows.append([(f"{word}姓名", 1), (name, 1), ("职务", 1), (post, 1)])
            rows.append([("职称", 1), (title, 1), ("专业", 1), (spec, 1)])
            rows.append([(YEARS_LABEL[role], 1), (_years_text(lay, n), 3)])
    else:  # above: a label row over a value row per person
        for role, word, name, post, title, spec, n in PERSONS:
            rows.append([(word, 1), ("职务", 1), ("职称", 1), ("专业", 1), (YEARS_LABEL[role], 1)])
            rows.append([(name, 1), (post, 1), (title, 1), (spec, 1), (_years_text(lay, n), 1)])
    return Section("主要负责人情况", rows, [], [])


def _projects_section(lay: Layout) -> Section:
    caption_unit = lay.money_unit != "cell"
    amount_head = "合同金额（万元）" if lay.money_unit == "label" else "合同金额"
    period = ["开始时间", "结束时间"] if lay.period == "split" else ["合同起止时间"]
    if lay.wording == "miit":
        when = ["服务期限"] if lay.period != "split" else period
        amount = amount_head.replace("合同金额", "合同额")
        names = ["运维项目名称", "用户单位", amount, *when, "应用的自主知识产权运维工具"]
    else:
        names = ["项目名称", "客户名称", amount_head, *period, "应用的自主知识产权工具"]
    rows: list[Row] = [[("序号", 1), *((h, 1) for h in names)]]
    for i, (name, client, amount, start, end, tool) in enumerate(PROJECTS, 1):
        money = amount if caption_unit else f"{amount}万元"
        if lay.period == "split":
            when = [_date(lay, *start), _date(lay, *end)]
        elif lay.dates in ("cn", "hanzi"):
            when = [f"{_date(lay, *start)}至{_date(lay, *end)}"]
        else:
            when = [f"{_date(lay, *start)}-{_date(lay, *end)}"]
        rows.append([(str(i), 1), (name, 1), (client, 1), (money, 1), *((w, 1) for w in when), (tool, 1)])
    before = ["单位：万元"] if lay.money_unit == "caption" else []
    return Section("近三年主要运维项目", rows, before, [])


def _software_section(lay: Layout) -> Section:
    if lay.wording == "miit":
        head = ["序号", "软件著作权名称", "著作权登记号", "著作权人"]
    else:
        head = ["序号", "软件名称", "登记号", "著作权人"]
    rows: list[Row] = [[(h, 1) for h in head]]
    rows += [[(str(i), 1), (name, 1), (number, 1), (COMPANY, 1)] for i, (name, number) in enumerate(SOFTWARE, 1)]
    return Section("自主知识产权的运维平台、产品或工具", rows, [], [])


# --- writing the .docx ---------------------------------------------------------------------------


def _add_rows(table, rows: list[Row], width: int, vmerge=None) -> None:
    first = len(table.rows)
    for row in rows:
        cells = table.add_row().cells
        col = 0
        for i, (text, span) in enumerate(row):
            last = i == len(row) - 1
            end = width - 1 if last else col + span - 1
            cell = cells[col].merge(cells[end]) if end > col else cells[col]
            cell.text = text
            col = end + 1
    for top, bottom, col in vmerge or []:
        merged = table.cell(first + top, col).merge(table.cell(first + bottom, col))
        merged.text = rows[top][0][0]


def _width(rows: list[Row]) -> int:
    return max(sum(span for _, span in row) for row in rows)


def build(lay: Layout, path) -> None:
    doc = docx.Document()
    doc.add_paragraph(TITLE)
    facts, lines = _facts_section(lay)
    sections = [facts, _revenue_section(lay), _projects_section(lay), _persons_section(lay), _software_section(lay)]
    for line in lines:
        doc.add_paragraph(line)
    sections = [s for s in sections if s.rows]
    if lay.single_table:
        width = max(_width(s.rows) for s in sections)
        table = doc.add_table(rows=0, cols=width)
        for s in sections:
            _add_rows(table, [[(s.title, width)], *s.rows], width, [(t + 1, b + 1, c) for t, b, c in s.vmerge or []])
    else:
        for s in sections:
            for line in [s.title, *s.before]:
                doc.add_paragraph(line)
            width = _width(s.rows)
            if s.nested:
                outer = doc.add_table(rows=1, cols=2)
                outer.rows[0].cells[0].text = s.title
                holder = outer.rows[0].cells[1]
                inner = holder.add_table(rows=0, cols=width)
                _add_rows(inner, s.rows, width, s.vmerge)
            else:
                _add_rows(doc.add_table(rows=0, cols=width), s.rows, width, s.vmerge)
            for line in s.after:
                doc.add_paragraph(line)
    doc.add_paragraph(f"申报单位（盖章）：{COMPANY}")
    doc.add_paragraph("法定代表人（签字）：")
    doc.save(str(path))


# --- the layouts ----------------------------------------------------------------------------------

NAMED = {
    "samples-like": Layout(),
    "4col-miit-label-units": Layout(facts="4col", wording="miit", money_unit="label", dates="iso", years="rows",
                                    revenue_unit="header", persons="generic_years", period="split"),
    "6col-spaced-caption": Layout(facts="6col", wording="spaced", money_unit="caption", dates="dot",
                                  years="fields_above", year_label="年度", revenue_unit="caption", share="decimal",
                                  persons="implied", person_years="nian"),
    "above-hanzi": Layout(facts="above", dates="hanzi", years="columns", year_label="hanzi", revenue_unit="note",
                          share="percent_header", persons="bracket", person_years="hanzi"),
    "inline-slash": Layout(facts="inline", wording="miit", dates="slash", years="kv", year_label="",
                           persons="transposed", period="split"),
    "paragraphs": Layout(facts="paragraphs", money_unit="caption", dates="cn", years="rows", year_label="年度",
                         revenue_unit="unit_row", persons="blocks", person_years="nian"),
    "nested": Layout(facts="nested", wording="spaced", money_unit="label", dates="iso", years="columns",
                     revenue_unit="header", share="decimal", persons="prefixed"),
    "merged": Layout(facts="merged", money_unit="cell", dates="dot", years="rows", year_label="", share="percent",
                     persons="above", person_years="hanzi", period="split"),
    "one-table": Layout(facts="4col", wording="miit", money_unit="label", dates="cn", years="columns",
                        revenue_unit="unit_row", persons="table", single_table=True),
    "one-table-above": Layout(facts="above", money_unit="cell", dates="iso", years="rows", revenue_unit="header",
                              share="percent_header", persons="blocks", single_table=True, period="split"),
    "one-table-6col": Layout(facts="6col", wording="spaced", money_unit="cell", dates="hanzi", years="fields_above",
                             revenue_unit="cell", persons="prefixed", person_years="hanzi", single_table=True),
    "one-table-merged": Layout(facts="merged", wording="miit", money_unit="label", dates="slash", years="kv",
                               year_label="年度", revenue_unit="header", persons="generic_years", single_table=True),
}
_OPTIONS = {
    "facts": ["2col", "4col", "6col", "above", "inline", "paragraphs", "nested", "merged"],
    "wording": ["plain", "miit", "spaced"], "money_unit": ["cell", "label", "caption"],
    "dates": ["iso", "cn", "dot", "slash", "hanzi"], "years": ["columns", "rows", "fields_above", "kv"],
    "year_label": ["", "年", "年度", "hanzi"], "revenue_unit": ["cell", "header", "caption", "note", "unit_row"],
    "share": ["percent", "decimal", "percent_header"],
    "persons": ["table", "generic_years", "implied", "bracket", "transposed", "blocks", "prefixed", "above"],
    "person_years": ["digits", "nian", "hanzi"], "period": ["range", "split"], "single_table": [False, True],
}


def _sampled(n: int, seed: int = 14) -> dict[str, Layout]:
    """Combinations drawn from the whole product (fixed seed), beyond the named ones."""
    rng = random.Random(seed)
    out = {}
    while len(out) < n:
        lay = Layout(**{k: rng.choice(v) for k, v in _OPTIONS.items()})
        if lay.single_table and (lay.facts in ("paragraphs", "nested") or lay.revenue_unit in ("caption", "note")
                                 or lay.money_unit == "caption"):
            continue  # one table has no captions and no paragraphs of facts
        out[f"sampled-{len(out)}"] = lay
    return out


LAYOUTS = {**NAMED, **_sampled(16)}


def _read(tmp_path, name: str, lay: Layout):
    path = tmp_path / f"{name}.docx"
    build(lay, path)
    pf = PacketFile(path=path, rel=path.name, sha256="0" * 64, size=path.stat().st_size)
    result = extract(pf, RULES)
    assert result.kind is DocumentKind.APPLICATION_FORM and result.error is None
    return result.record


def _values(record) -> dict:
    """The record without where its values were read (and without the cells that said none)."""
    def strip(o):
        if isinstance(o, dict):
            return {k: strip(v) for k, v in o.items() if k not in ("source", "stated_none", "table_count")}
        if isinstance(o, list):
            return [strip(v) for v in o]
        return o
    data = strip(json.loads(record.model_dump_json()))
    for person in data["key_persons"]:  # 总经理（主要负责人）: the role written beside the job title
        if person.get("post"):
            person["post"]["value"] = re.sub(r"[（(][^）)]*[）)]", "", person["post"]["value"])
    return data


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    record = _read(tmp_path_factory.mktemp("canonical"), "canonical", NAMED["samples-like"])
    return record, _values(record)


def test_the_canonical_layout_reads_every_figure(expected):
    form, _ = expected
    assert form.warnings == []
    assert form.company_name.value == COMPANY and form.credit_code.value == "91110108551385082Q"
    assert form.registered_capital.value == Decimal(50_000_000) and form.paid_in_capital.value == Decimal(30_000_000)
    assert form.founded_date.value == dt.date(2001, 3, 5) and form.founded_date.precision == "day"
    assert form.om_start_date.value == dt.date(2005, 3, 1) and form.om_start_date.precision == "month"
    assert form.si_cert_valid_until.value == dt.date(2014, 12, 31) and form.fill_date.value == dt.date(2012, 5, 20)
    assert form.itss_cert_number.value == "ITSS-YW-11-20110296" and form.si_cert_level.value == "二级"
    assert form.relaxation_requested.value is False and form.relaxation_reason is None
    assert form.declared_staff_count.value == 64 and form.declared_college_ratio.value == Decimal("0.8594")
    years = {d.year: d for d in form.declared_years}
    assert sorted(years) == list(YEARS)
    for y, (total, om, share) in REVENUE.items():
        assert years[y].total_revenue.value == Decimal(total.replace(",", "")) * 10000
        assert years[y].om_revenue.value == Decimal(om.replace(",", "")) * 10000
        assert years[y].om_share.value == Decimal(share) / 100
    boss, tech, finance = (next(p for p in form.key_persons if p.role is role) for role in KeyRole)
    assert boss.mgmt_years.value == 13 and boss.title.value == "高级工程师" and boss.name.value == "任勇"
    assert tech.om_years.value == 9 and tech.specialty.value == "计算机科学与技术" and tech.post.value == "运维技术总监"
    assert finance.other_years.value == 10 and finance.title.value == "高级会计师"
    assert [(p.name.value, p.amount.value, p.start.value, p.end.value) for p in form.projects] == [
        (PROJECTS[0][0], Decimal(2_040_000), dt.date(2010, 1, 1), dt.date(2010, 12, 31)),
        (PROJECTS[1][0], Decimal(2_080_000), dt.date(2009, 1, 1), dt.date(2011, 12, 31))]
    assert [(s.name.value, s.number.value, s.holder.value) for s in form.software] == [
        (n, r, COMPANY) for n, r in SOFTWARE]


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_layout_reads_the_same_record(tmp_path, expected, name):
    form = _read(tmp_path, name, LAYOUTS[name])
    got, want = _values(form), expected[1]
    assert form.warnings == [], asdict(LAYOUTS[name])
    assert {k: v for k, v in got.items() if v != want.get(k)} == {}, asdict(LAYOUTS[name])


def test_the_layouts_cover_every_option():
    for option, values in _OPTIONS.items():
        used = {getattr(lay, option) for lay in LAYOUTS.values()}
        assert used == set(values), option


def test_a_label_whose_value_cell_holds_another_label_is_not_found(tmp_path):
    """The credit code 'read' as the street-address label next to it: never again."""
    doc = docx.Document()
    doc.add_paragraph(TITLE)
    table = doc.add_table(rows=0, cols=4)
    for row in (["企业名称", COMPANY, "住所", "北京市海淀区中关村大街1号"],
                ["统一社会信用代码", "注册地址", "", ""],
                ["成立日期", "| 企业状态：", "注册资本", "联系电话"],
                ["实收资本", "{{paid_in}}", "填表日期", "年  月  日"]):
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    path = tmp_path / "labels.docx"
    doc.save(str(path))
    form = read_form(PacketFile(path=path, rel=path.name, sha256="0" * 64, size=1), docx.Document(str(path)), RULES)
    assert form.company_name.value == COMPANY
    assert (form.credit_code, form.founded_date, form.registered_capital, form.paid_in_capital, form.fill_date) == (
        None, None, None, None, None)
    assert form.warnings == []


def test_a_label_two_fields_claim_is_a_warning_not_a_guess(tmp_path):
    doc = docx.Document()
    doc.add_paragraph(TITLE)
    table = doc.add_table(rows=0, cols=2)
    for row in (["企业名称", COMPANY], ["注册资本/实收资本", "5000万元"]):
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    path = tmp_path / "tie.docx"
    doc.save(str(path))
    form = read_form(PacketFile(path=path, rel=path.name, sha256="0" * 64, size=1), docx.Document(str(path)), RULES)
    assert form.registered_capital is None and form.paid_in_capital is None
    assert any("可指多个字段" in w for w in form.warnings)


def test_a_written_share_that_disagrees_with_the_amounts_is_a_warning(tmp_path):
    lay = replace(NAMED["samples-like"])
    path = tmp_path / "share.docx"
    build(lay, path)
    document = docx.Document(str(path))
    for table in document.tables:
        for row in table.rows:
            if row.cells[0].text.startswith("运维收入占"):
                row.cells[1].text = "35.00%"  # 2009: 1,859.75 / 4,583.91 is 40.57%
    document.save(str(path))
    form = read_form(PacketFile(path=path, rel=path.name, sha256="0" * 64, size=1), docx.Document(str(path)), RULES)
    assert [w for w in form.warnings if "占比" in w] == [
        "2009年运维收入占比填为35%，按运维收入/营业收入计为40.57%，两者不一致"]


def test_identifiers_go_where_their_shape_says(tmp_path):
    doc = docx.Document()
    doc.add_paragraph(TITLE)
    table = doc.add_table(rows=0, cols=2)
    for row in (["企业名称", COMPANY], ["注册号/统一社会信用代码", "110108001234567"], ["组织机构代码", "55138508-2"],
                ["营业执照注册号", "北京市工商局"]):
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    path = tmp_path / "ids.docx"
    doc.save(str(path))
    form = read_form(PacketFile(path=path, rel=path.name, sha256="0" * 64, size=1), docx.Document(str(path)), RULES)
    assert form.credit_code is None and form.registration_number.value == "110108001234567"
    assert form.org_code.value == "55138508-2"
    assert any("不是代码或注册号" in w for w in form.warnings)


def _form(tmp_path, name: str, *tables: list[list[str]], paragraphs: tuple[str, ...] = ()):
    """A form of plain tables (one cell per string) after the title and the paragraphs."""
    doc = docx.Document()
    doc.add_paragraph(TITLE)
    for text in paragraphs:
        doc.add_paragraph(text)
    for rows in tables:
        table = doc.add_table(rows=0, cols=max(len(r) for r in rows))
        for row in rows:
            for cell, text in zip(table.add_row().cells, row, strict=False):
                cell.text = text
    path = tmp_path / f"{name}.docx"
    doc.save(str(path))
    return read_form(PacketFile(path=path, rel=path.name, sha256="0" * 64, size=1), docx.Document(str(path)), RULES)


def test_the_applicants_none_is_told_from_a_value_not_found(tmp_path):
    form = _form(
        tmp_path, "none",
        [["企业名称", COMPANY], ["ITSS符合性评估证书编号", "无"], ["系统集成资质证书编号", ""], ["放宽理由", "—"]],
        [["项目", "2009年", "2010年", "2011年"], ["营业收入", "4,583.91万元", "5,515.29万元", "6,404.37万元"],
         ["运维收入", "1,859.75万元", "—", ""]],
        [["类别", "姓名", "职称", "从事IT企业管理年限", "从事运维工作年限"],
         ["主要负责人", "任勇", "高级工程师", "13年", "—"], ["运维技术负责人", "田然晓", "", "", "9年"]])
    assert form.itss_cert_number is None and "itss_cert_number" in form.stated_none
    assert form.si_cert_number is None and "si_cert_number" not in form.stated_none  # empty: not found
    assert "relaxation_reason" in form.stated_none
    assert {"declared_years.2010.om_revenue", "declared_years.2011.om_revenue"} <= set(form.stated_none)
    boss, tech = form.key_persons
    assert set(boss.stated_none) == {"om_years"} and boss.mgmt_years.value == 13
    assert {"title", "mgmt_years"} <= set(tech.stated_none) and tech.title is None  # empty cells of a filled row


def test_a_blank_template_states_nothing(tmp_path):
    """Roles printed in a blank key-person table, years printed over a blank revenue table: nothing was answered."""
    form = _form(
        tmp_path, "blank",
        [["企业名称", ""], ["ITSS符合性评估证书编号", ""]],
        [["项目", "2009年", "2010年", "2011年"], ["营业收入", "", "", ""], ["运维收入", "", "", ""]],
        [["类别", "姓名", "职称", "从事IT企业管理年限"], ["主要负责人", "", "", ""], ["运维技术负责人", "", "", ""],
         ["财务负责人", "", "", ""]])
    assert form.model_dump(exclude_defaults=True, exclude={"table_count"}) == {}


def test_a_revenue_label_two_fields_claim_is_a_warning_not_a_guess(tmp_path):
    form = _form(tmp_path, "tied", [["企业名称", COMPANY]],
                 [["项目", "2009年", "2010年"], ["营业收入", "4,583.91万元", "5,515.29万元"],
                  ["运维收入/营业收入", "1,859.75万元", "2,222.53万元"]])
    assert [d.om_revenue for d in form.declared_years] == [None, None]
    assert form.warnings == ["表2 A3：标签「运维收入/营业收入」可指多个字段（total_revenue、om_revenue），未读取"]


def test_dates_keep_the_precision_they_were_written_in(tmp_path):
    form = _form(tmp_path, "dates", [["企业名称", COMPANY], ["成立日期", "二〇〇一年三月"],
                                     ["从事运维业务起始时间", "2005年"], ["有效期至", "2014.12"],
                                     ["填表日期", "2012/05/20"]])
    assert (form.founded_date.value, form.founded_date.precision) == (dt.date(2001, 3, 1), "month")
    assert (form.om_start_date.value, form.om_start_date.precision) == (dt.date(2005, 1, 1), "year")
    assert (form.si_cert_valid_until.value, form.si_cert_valid_until.precision) == (dt.date(2014, 12, 31), "month")
    assert (form.fill_date.value, form.fill_date.precision) == (dt.date(2012, 5, 20), "day")


def test_two_places_naming_different_people_for_one_role_are_a_warning(tmp_path):
    form = _form(tmp_path, "two", [["企业名称", COMPANY]],
                 [["类别", "姓名", "职称", "从事IT企业管理年限"], ["主要负责人", "任勇", "高级工程师", "13年"]],
                 [["主要负责人姓名", "王五", "职称", "工程师"]])
    assert [p.name.value for p in form.key_persons] == ["任勇"]
    assert form.warnings == ["表3：主要负责人填为「王*」，表2填为「任*」，两处不一致"]  # names masked


def test_a_qualified_label_and_its_value_in_one_cell_are_read(tmp_path):
    """企业成立日期：2002-04-18 in one cell (found by the layout fuzzer): the whole qualified label is the
    label, and a qualified label after another pair's value keeps its qualifier (某公司 公司注册日期：…)."""
    form = _form(tmp_path, "inline", [["企业名称：北京睿服信息技术有限公司", "企业成立日期：2002-04-18"]],
                 paragraphs=("注册资本：5,000万元 公司注册日期：2002年4月18日",))
    assert form.company_name is not None and form.company_name.value == "北京睿服信息技术有限公司"
    assert form.founded_date is not None and form.founded_date.value == dt.date(2002, 4, 18)
    assert form.registered_capital is not None and form.registered_capital.value == Decimal("50000000")
