"""The 申报表 as a .docx: a title, short paragraphs and tables of labelled cells."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from . import form_text as ft
from .layouts import decorate
from .money import number_text, percent_text
from .params import FILL_DATE, FISCAL_YEARS, Applicant, FormLayout, form_value

TITLE = "计算机信息系统集成企业资质运行维护能力评定申报表"
FIXED_TIME = datetime(2012, 5, 20, 9, 30, 0)
Pair = tuple[str, str, bool]      # label, value, spans the whole row


def _merged_row(table, text: str) -> None:
    cells = table.add_row().cells
    cell = cells[0].merge(cells[-1])
    cell.text = text
    cell.paragraphs[0].runs[0].bold = True


def _groups(pairs: list[Pair], size: int) -> list[list[Pair]]:
    """Pairs per table row: a wide pair alone, others up to ``size`` side by side."""
    out: list[list[Pair]] = []
    for pair in pairs:
        if not pair[2] and out and not out[-1][0][2] and len(out[-1]) < size:
            out[-1].append(pair)
        else:
            out.append([pair])
    return out


def _kv_table(doc, kv: str, title: str, pairs: list[Pair]) -> None:
    """Labels left of values in 2, 4 or 6 columns, labels above values in 3 columns, or ``label：value``
    in one cell, two a row (inline)."""
    cols = {"2col": 2, "4col": 4, "6col": 6, "above": 3, "inline": 2}[kv]
    table = doc.add_table(rows=0, cols=cols)
    table.style = "Table Grid"
    _merged_row(table, title)
    for group in _groups(pairs, {"2col": 1, "4col": 2, "6col": 3, "above": 3, "inline": 2}[kv]):
        if kv == "above":
            labels, values = table.add_row().cells, table.add_row().cells
            if group[0][2]:
                labels, values = [labels[0].merge(labels[-1])], [values[0].merge(values[-1])]
            for i, (lab, val, _) in enumerate(group):
                labels[i].text, values[i].text = lab, val
            continue
        cells = table.add_row().cells
        if kv == "inline":
            if group[0][2]:
                cells = [cells[0].merge(cells[-1])]
            for i, (lab, val, _) in enumerate(group):
                cells[i].text = f"{lab.rstrip('：')}：{val}"
            continue
        if group[0][2] and kv in ("4col", "6col"):
            cells = [cells[0], cells[1].merge(cells[-1])]
        for i, (lab, val, _) in enumerate(group):
            cells[2 * i].text, cells[2 * i + 1].text = lab, val


def _grid(doc, header: list[str], body: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in body:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def _decorated(lay: FormLayout, pairs: list[Pair]) -> list[Pair]:
    return [(decorate(lay, lab, n), val, wide) for n, (lab, val, wide) in enumerate(pairs, 1)]


def _facts(a: Applicant) -> list[Pair]:
    lay, f = a.layout.form, a.facts
    return _decorated(lay, [
        (ft.label(lay, "name"), f.name, True),
        (ft.label(lay, "credit_code"), f.credit_code, False),
        (ft.label(lay, "founded"), ft.date_text(lay, f.founded), False),
        (ft.label(lay, "registered") if lay.capital_in_words else ft.unit_label(lay, "registered"),
         ft.capital(lay, f.registered_capital, lay.capital_in_words), False),
        (ft.unit_label(lay, "paid_in"), ft.capital(lay, form_value(a, "paid_in_capital")), False),
        (ft.label(lay, "om_start"), ft.date_text(lay, f.om_start), False),
        (ft.label(lay, "si_no"), f.si_cert_no, False),
        (ft.label(lay, "si_level"), f.si_level, False),
        (ft.label(lay, "si_valid"), ft.date_text(lay, f.si_valid_until), False),
        (ft.label(lay, "itss"), f.itss_cert_no or "无", False),
        (ft.label(lay, "recommender"), f.recommender, False),
        (ft.label(lay, "relax"), "是" if f.relax else "否", False),
        (ft.label(lay, "fill_date"), ft.date_text(lay, FILL_DATE), False),
        (ft.label(lay, "relax_reason"), f.relax_reason or "无", True),
        (ft.label(lay, "mis"), f.mis, True),
    ])


def _revenue_unit(lay: FormLayout) -> str:
    """Where the revenue table states its unit: each cell, the headers, a caption above, a note below."""
    if lay.revenue_unit:
        return lay.revenue_unit
    if lay.unit_style == "suffix":
        return "cell"
    return "caption" if lay.years_as == "columns" else "header"


def _revenue(doc, a: Applicant) -> None:
    lay = a.layout.form
    place = _revenue_unit(lay)

    def cell(value: Decimal) -> str:
        text = number_text(value, lay.unit, grouping=not lay.fullwidth, fullwidth=lay.fullwidth)
        return text + lay.unit if place == "cell" else text

    def head(key: str) -> str:
        text = ft.label(lay, key)
        return f"{text}（{lay.unit}）" if place == "header" else text

    values = {y: tuple(cell(form_value(a, f"{key}.{y}")) for key in ("total_revenue", "om_revenue"))
              for y in FISCAL_YEARS}
    if place == "caption":
        doc.add_paragraph(f"单位：{lay.unit}")
    if lay.years_as == "columns":
        _grid(doc, ["项目", *(ft.year_text(lay, y) for y in FISCAL_YEARS)],
              [[head("revenue"), *(values[y][0] for y in FISCAL_YEARS)],
               [head("om"), *(values[y][1] for y in FISCAL_YEARS)]])
    else:
        _grid(doc, ["年度", head("revenue"), head("om")], [[ft.year_text(lay, y), *values[y]] for y in FISCAL_YEARS])
    if place == "note":
        doc.add_paragraph(f"注：以上金额单位为{lay.unit}。")


def _projects(doc, a: Applicant) -> None:
    lay = a.layout.form
    unit = ft.project_amount_unit(lay)
    numbers = {c.software: c.number for c in a.copyrights}
    amount_word = ft.word(lay, "p_amount", "合同金额")
    if lay.period_style == "split":
        period_head = [ft.word(lay, "p_start", "开始时间"), ft.word(lay, "p_end", "结束时间")]
    else:
        period_head = [ft.word(lay, "p_period", "合同起止时间")]
    heads = {"name": [ft.word(lay, "p_name", "项目名称")], "client": [ft.label(lay, "client")],
             "amount": [f"{amount_word}（{unit}）" if lay.unit_style == "caption" else amount_word],
             "period": period_head, "tool": [ft.word(lay, "p_tool", "应用的自主知识产权工具")]}
    order = list(lay.project_order or ("name", "client", "amount", "period", "tool"))
    body = []
    for i, p in enumerate(a.projects, 1):
        tool = p.tool or "无"
        if p.tool and lay.tool_with_number and p.tool in numbers:
            tool = f"{p.tool}（登记号：{numbers[p.tool]}）"
        cells = {"name": [p.name], "client": [p.client], "amount": [ft.amount(lay, p.amount, unit)],
                 "period": ft.period(lay, p.start, p.end), "tool": [tool]}
        body.append([str(i)] * lay.seq + [text for key in order for text in cells[key]])
    _grid(doc, ["序号"] * lay.seq + [text for key in order for text in heads[key]], body)


_ROLES = {"principal": "主要负责人", "tech_lead": "运维技术负责人", "finance_lead": "财务负责人"}
_OWN_YEARS = {"principal": ("k_mgmt", "从事IT企业管理年限"), "tech_lead": ("k_om", "从事运维工作年限"),
              "finance_lead": ("k_fin", "从事财务工作年限")}


def _persons(doc, a: Applicant) -> None:
    """The key persons: a table with a years column per kind (table) or one for all (generic), the roles
    as columns (transposed), a block of label/value rows per person (blocks), or 主要负责人姓名 rows
    (prefixed)."""
    lay = a.layout.form
    w = {k: ft.word(lay, f"k_{k}", usual) for k, usual in
         (("role", "类别"), ("name", "姓名"), ("post", "职务"), ("title", "职称"), ("spec", "专业"))}
    years_label = {role: ft.word(lay, key, usual) for role, (key, usual) in _OWN_YEARS.items()}
    if lay.persons_style == "table":
        body = [[_ROLES[p.role], p.name, p.position, p.title, p.specialty,
                 ft.years_text(lay, p.years) if p.role == "principal" else "—",
                 ft.years_text(lay, p.years) if p.role == "tech_lead" else "—"] for p in a.persons]
        _grid(doc, [w["role"], w["name"], w["post"], w["title"], w["spec"], years_label["principal"],
                    years_label["tech_lead"]], body)
        return
    any_years = ft.word(lay, "k_any", "相关工作年限")
    if lay.persons_style == "generic":
        _grid(doc, [w["role"], w["name"], w["post"], w["title"], w["spec"], any_years],
              [[_ROLES[p.role], p.name, p.position, p.title, p.specialty, ft.years_text(lay, p.years)]
               for p in a.persons])
        return
    if lay.persons_style == "transposed":
        _grid(doc, ["项目", *(_ROLES[p.role] for p in a.persons)],
              [[w["name"], *(p.name for p in a.persons)], [w["post"], *(p.position for p in a.persons)],
               [w["title"], *(p.title for p in a.persons)], [w["spec"], *(p.specialty for p in a.persons)],
               [any_years, *(ft.years_text(lay, p.years) for p in a.persons)]])
        return
    if lay.persons_style == "prefixed":
        table = doc.add_table(rows=0, cols=4)
        table.style = "Table Grid"
        for p in a.persons:
            for row in ([f"{_ROLES[p.role]}{w['name']}", p.name, w["post"], p.position],
                        [w["title"], p.title, w["spec"], p.specialty]):
                for c, text in zip(table.add_row().cells, row, strict=True):
                    c.text = text
            cells = table.add_row().cells
            cells[0].text = years_label[p.role]
            cells[1].merge(cells[3]).text = ft.years_text(lay, p.years)
        return
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for p in a.persons:
        _merged_row(table, _ROLES[p.role])
        for lab, val in ((w["name"], p.name), (w["post"], p.position), (w["title"], p.title),
                         (w["spec"], p.specialty), (years_label[p.role], ft.years_text(lay, p.years))):
            cells = table.add_row().cells
            cells[0].text, cells[1].text = lab, val


def _staff(a: Applicant) -> list[Pair]:
    lay = a.layout.form
    staff = int(form_value(a, "om_staff_count"))
    college = int(form_value(a, "college_or_above_count"))
    ratio = percent_text(form_value(a, "college_or_above_ratio"), lay.fullwidth)
    return _decorated(lay, [(ft.label(lay, "staff"), ft.count(lay, staff, lay.fullwidth), False),
                            (ft.label(lay, "college"), ft.count(lay, college, lay.fullwidth), False),
                            (ft.label(lay, "ratio"), ratio, False)])


def _setup(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "宋体", Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    props = doc.core_properties
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.author = props.last_modified_by = "申报单位"
    props.revision, props.title = 1, TITLE


def write_form(a: Applicant, path: Path) -> None:
    lay = a.layout.form
    doc = Document()
    _setup(doc)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(TITLE)
    run.bold, run.font.size = True, Pt(16)
    doc.add_paragraph("填表说明：本表由申报企业如实填写，金额栏按所注单位填列，所附材料须与本表一致。")
    doc.add_paragraph("一、企业基本情况")
    _kv_table(doc, lay.kv, "企业基本情况", _facts(a))
    doc.add_paragraph("二、近三年经营情况（经审计）")
    _revenue(doc, a)
    doc.add_paragraph("三、近三年主要运维项目")
    _projects(doc, a)
    doc.add_paragraph("四、主要负责人情况")
    _persons(doc, a)
    doc.add_paragraph("五、自主知识产权的运维平台、产品或工具（软件著作权）")
    _grid(doc, ["序号"] * lay.seq + ["软件名称", "登记号", "著作权人"],
          [[str(i)] * lay.seq + [c.software, c.number, c.holder] for i, c in enumerate(a.copyrights, 1)])
    doc.add_paragraph("六、运维人员情况（详见人员名册）")
    _kv_table(doc, lay.kv if lay.kv in ("2col", "6col", "inline") else "above", "运维人员", _staff(a))
    doc.add_paragraph("申报单位（盖章）：" + a.facts.name)
    doc.add_paragraph("法定代表人（签字）：")
    if lay.footer:
        doc.add_paragraph("填表人：            审核人：            联系电话：")
    doc.save(str(path))
