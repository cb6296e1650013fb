"""One fiscal year's audit report as a text-layer PDF: cover, opinion, statements, notes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from . import statement_rows as rows
from .money import number_text
from .opinion_text import cn_date, opinion_paragraphs
from .params import Applicant, StatementLayout

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
_BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=18, wordWrap="CJK", firstLineIndent=21)
_PLAIN = ParagraphStyle("plain", parent=_BODY, firstLineIndent=0)
_HEAD = ParagraphStyle("head", parent=_PLAIN, fontSize=16, leading=26, alignment=1, spaceAfter=8)
_SUB = ParagraphStyle("sub", parent=_PLAIN, fontSize=11, leading=20, spaceBefore=6)
_COVER = ParagraphStyle("cover", parent=_HEAD, fontSize=22, leading=40)


def _grid(data: list[list[str]], widths: tuple[float, ...]) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 9.5),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("ALIGN", (1, 1), (-1, -1), "RIGHT"), ("ALIGN", (0, 0), (-1, 0), "CENTER"),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _caption(company: str, when: str, unit: str) -> Table:
    table = Table([[f"编制单位：{company}", when, f"单位：{unit}"]], colWidths=(250, 130, 90))
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 9.5), ("ALIGN", (2, 0), (2, 0), "RIGHT")]))
    return table


def _amount_rows(current: list[rows.Row], prior: list[rows.Row], unit: str) -> list[list[str]]:
    out = []
    for (label, value), (_, before) in zip(current, prior, strict=True):
        out.append([label, "" if value is None else number_text(value, unit),
                    "" if before is None else number_text(before, unit)])
    return out


def _cover(a: Applicant, year: int) -> list:
    audit = a.audits[year]
    return [Spacer(1, 120), Paragraph(a.facts.name, _COVER), Paragraph(f"{year}年度", _HEAD),
            Paragraph("审计报告", _COVER), Spacer(1, 60), Paragraph(audit.report_no, _HEAD), Spacer(1, 160),
            Paragraph(audit.auditor, _HEAD), Paragraph(cn_date(audit.report_date), _HEAD), PageBreak()]


def _opinion(a: Applicant, year: int) -> list:
    audit = a.audits[year]
    number_style = ParagraphStyle("no", parent=_PLAIN, alignment=2)
    story = [Paragraph("审计报告", _HEAD), Paragraph(audit.report_no, number_style),
             Paragraph(f"{a.facts.name}全体股东：", _PLAIN)]
    for text in opinion_paragraphs(a.facts.name, year, audit.opinion):
        style = _SUB if text[1] == "、" and len(text) < 20 else _BODY
        story.append(Paragraph(text, style))
    sign = Table([[audit.auditor, f"中国注册会计师：{audit.cpas[0]}"],
                  ["", f"中国注册会计师：{audit.cpas[1]}"],
                  [f"中国 {a.facts.city}", cn_date(audit.report_date)]], colWidths=(260, 200))
    sign.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10.5), ("TOPPADDING", (0, 0), (-1, -1), 8)]))
    return [*story, Spacer(1, 30), sign, PageBreak()]


def _balance(a: Applicant, year: int) -> list:
    lay = a.layout.statement
    now, before = a.finances[year], a.finances[year - 1]
    header = [["项目", *lay.bs_cols]]
    caption = _caption(a.facts.name, f"{year}年12月31日", lay.unit)
    assets = header + _amount_rows(rows.asset_rows(now), rows.asset_rows(before), lay.unit)
    claims = _amount_rows(rows.liability_rows(now), rows.liability_rows(before), lay.unit)
    widths = (230, 120, 120)
    if not lay.bs_two_pages:
        return [Paragraph("资产负债表", _HEAD), caption, _grid(assets + claims, widths), PageBreak()]
    return [Paragraph("资产负债表", _HEAD), caption, _grid(assets, widths), PageBreak(),
            Paragraph("资产负债表（续）", _HEAD), caption, _grid(header + claims, widths), PageBreak()]


def _income(a: Applicant, year: int) -> list:
    lay, audit = a.layout.statement, a.audits[year]
    current = rows.income_rows(a.finances[year])
    prior = rows.income_rows(a.finances[year - 1], audit.restated_prior_net_profit)
    data = [["项目", *lay.is_cols], *_amount_rows(current, prior, lay.unit)]
    return [Paragraph("利润表", _HEAD), _caption(a.facts.name, f"{year}年度", lay.unit),
            _grid(data, (230, 120, 120)), PageBreak()]


def _note_table(lay: StatementLayout, year: int, head: str, cur: list[tuple[str, Decimal]],
                pri: list[tuple[str, Decimal]], unit: str, costs: tuple[Decimal, Decimal]) -> Table:
    """The note's table: income only under each period, or income and cost under each (``note_cost``:
    pairs as a two-level header, one-line as 本期收入 本期成本 …)."""
    periods = tuple(p.format(year=year, prior=year - 1) for p in lay.note_periods or lay.is_cols)
    suffix = f"（{unit}）" if lay.note_unit_place == "header" else ""
    body = []
    lines = [(label, v, b) for (label, v), (_, b) in zip(cur, pri, strict=True)]
    for n, (label, value, before) in enumerate(lines, 1):
        shown = label if label == "合计" else lay.note_line_label.format(label, n=n)
        row = [shown, number_text(value, unit)]
        if lay.note_cost:
            row.append(number_text(value * costs[0], unit))
        row.append(number_text(before, unit))
        if lay.note_cost:
            row.append(number_text(before * costs[1], unit))
        body.append(row)
    if lay.note_cost is None:
        return _grid([[head, *(p + suffix for p in periods)], *body], (230, 120, 120))
    widths = (115, 90, 90, 90, 90)
    if lay.note_cost == "one-line":  # long headings in a small font, so none runs into its neighbour
        header = [head, *(f"{p}{w}{suffix}" for p in periods for w in ("收入", "成本"))]
        table = _grid([header, *body], widths)
        table.setStyle(TableStyle([("FONT", (0, 0), (-1, 0), FONT, 7.5), ("LEFTPADDING", (0, 0), (-1, 0), 2),
                                   ("RIGHTPADDING", (0, 0), (-1, 0), 2)]))
        return table
    table = _grid([[head, periods[0] + suffix, "", periods[1] + suffix, ""], ["", "收入", "成本", "收入", "成本"],
                   *body], widths)
    table.setStyle(TableStyle([("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (2, 0)), ("SPAN", (3, 0), (4, 0))]))
    return table


def _notes(a: Applicant, year: int) -> list:
    lay, audit, f = a.layout.statement, a.audits[year], a.facts
    now, before = a.finances[year], a.finances[year - 1]
    unit = lay.note_unit or lay.unit
    intro = (f"{f.name}（以下简称“公司”）成立于{f.founded.year}年{f.founded.month}月{f.founded.day}日，"
             f"注册资本人民币{number_text(f.registered_capital, '万元')}万元，"
             "主要从事计算机信息系统集成、软件开发及信息系统运行维护服务。")
    title = lay.note_title + (f"（单位：{unit}）" if lay.note_unit_place == "title" else "")
    story = [Paragraph("财务报表附注（节选）", _HEAD), Paragraph("一、公司基本情况", _SUB),
             Paragraph(intro, _BODY), Paragraph("五、财务报表主要项目注释", _SUB), Paragraph(title, _PLAIN)]
    if audit.om_in_notes:
        cur, pri = rows.revenue_note_rows(now, lay.om_label), rows.revenue_note_rows(before, lay.om_label)
        head, caption = "业务类别", lay.note_caption
    else:
        cur, pri = ([("主营业务收入", y.total_revenue), ("其他业务收入", Decimal(0)),
                     ("合计", y.total_revenue)] for y in (now, before))
        head, caption = "项目", "1. 营业收入"
    if caption:
        story.append(Paragraph(caption, _PLAIN))
    if lay.note_unit_place == "line":
        story.append(Paragraph(f"单位：{unit}", _PLAIN))
    costs = (now.cost_ratio, before.cost_ratio)
    return [*story, _note_table(lay, year, head, list(cur), list(pri), unit, costs)]


def _page_number(canvas, doc) -> None:
    canvas.setFont(FONT, 9)
    canvas.drawCentredString(A4[0] / 2, 30, f"第 {doc.page} 页")


def write_statement(a: Applicant, year: int, path: Path) -> None:
    doc = SimpleDocTemplate(str(path), pagesize=A4, invariant=1, title=f"{a.facts.name}{year}年度审计报告",
                            author=a.audits[year].auditor, creator="samplegen", leftMargin=60, rightMargin=60)
    story = _cover(a, year) + _opinion(a, year) + _balance(a, year) + _income(a, year) + _notes(a, year)
    doc.build(story, onLaterPages=_page_number)
