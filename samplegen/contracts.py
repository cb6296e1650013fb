"""Contracts (合同复印件) for the tests, as PDFs with a text layer, scans of them, bundles and .docx.

Each contract is drawn from its parameters (``Contract``), which are the truth the reader's record is compared
with. The layouts vary as real contracts do:

- ``parties``: ``lines`` (甲方（委托方）：… one under another) or ``table`` (a header table: role | name);
- ``amount``: ``prose`` (合同总价为人民币壹佰玖拾万元整（¥1,900,000.00）。) or ``table`` (合同金额（小写） |
  ¥1,900,000.00, 合同金额（大写） | 人民币壹佰玖拾万元整);
- ``figures``: ``yuan`` (¥1,900,000.00), ``wan`` (190万元), ``rmb_wan`` (人民币190.00万元);
- ``period``: ``range`` (自2010年8月1日起至2011年7月31日止), ``dots`` (2010.8.1-2011.7.31), ``year``
  (服务期一年，自2010年8月1日起), ``months`` (为期18个月，自2010年8月1日起计算);
- ``signed``: ``labelled`` (签订日期：2010年7月20日), ``under`` (the date under the signatures), ``chinese``
  (二〇一〇年七月二十日 under them).

A padded contract writes other words than its figures (``words_amount``). The sample applicants with
attachments (``samplegen/attachments.py``) use them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Literal

import docx
from docx.document import Document as DocxDocument
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .money import upper_cn
from .params import ScanStyle
from .scan import scan_pdf

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
_BODY = ParagraphStyle("contract", fontName=FONT, fontSize=11, leading=20, wordWrap="CJK")
_TITLE = ParagraphStyle("contract_title", parent=_BODY, fontSize=16, leading=28, alignment=1, spaceAfter=12)
_NUMBER = ParagraphStyle("contract_number", parent=_BODY, fontSize=10, alignment=2)

Nature = Literal["om", "equipment"]
ROLES: tuple[tuple[str, str], ...] = (("甲方（委托方）", "乙方（受托方）"), ("甲方", "乙方"), ("委托方", "受托方"),
                                      ("发包方", "承包方"), ("采购人", "供应商"))
CLIENTS = ("北京市某某局", "天津市某某委员会", "某某省电力公司信息通信分公司", "某某银行股份有限公司数据中心",
           "某某市人民医院")
PROVIDERS = ("北京某某信息技术有限公司", "上海某某系统集成有限公司")
TITLES: dict[Nature, tuple[str, ...]] = {
    "om": ("{client}信息系统运行维护服务合同", "数据中心运维技术服务合同书", "IT基础设施驻场运维服务协议书",
           "网络及安全设备维保服务合同"),
    "equipment": ("服务器及存储设备采购合同", "网络设备供货合同", "机房设备购销合同"),
}
CONTENT: dict[Nature, str] = {
    "om": "乙方为甲方提供机房、网络及业务系统的运行维护、日常巡检和故障处理服务。",
    "equipment": "乙方向甲方供应服务器、存储及网络交换机等货物，并负责送货、安装和调试。",
}
_CN_DIGITS = "〇一二三四五六七八九"


@dataclass(frozen=True)
class Contract:
    """One contract's truth and layout."""

    number: str
    title: str
    client: str
    provider: str
    amount: Decimal                      # the figures
    signed: dt.date
    start: dt.date
    months: int                          # the service period: start to start + months - 1 day
    nature: Nature = "om"
    roles: tuple[str, str] = ("甲方（委托方）", "乙方（受托方）")
    words_amount: Decimal | None = None  # the words, when they say another amount than the figures (padded)
    subject_line: bool = False           # a 项目名称 line (else the subject is the title)
    parties: Literal["lines", "table"] = "lines"
    amount_layout: Literal["prose", "table"] = "prose"
    figures: Literal["yuan", "wan", "rmb_wan"] = "yuan"
    period: Literal["range", "dots", "year", "months"] = "range"
    signed_style: Literal["labelled", "under", "chinese"] = "labelled"

    @property
    def end(self) -> dt.date:
        index = self.start.month - 1 + self.months  # the start's day is at most 28: it is in every month
        return dt.date(self.start.year + index // 12, index % 12 + 1, self.start.day) - dt.timedelta(days=1)

    @property
    def words(self) -> Decimal:
        return self.amount if self.words_amount is None else self.words_amount

    @property
    def subject(self) -> str:
        return f"{self.client}运维服务项目" if self.subject_line and self.nature == "om" else (
            f"{self.client}设备采购项目" if self.subject_line else self.title)

    def figure_text(self) -> str:
        if self.figures == "wan":
            return f"{self.amount / 10000:,f}万元"
        if self.figures == "rmb_wan":
            return f"人民币{self.amount / 10000:,.2f}万元"
        return f"¥{self.amount:,.2f}"

    def period_text(self) -> str:
        s, e = self.start, self.end
        if self.period == "dots":
            return f"服务期限：{s.year}.{s.month}.{s.day}-{e.year}.{e.month}.{e.day}。"
        if self.period == "year" and self.months == 12:
            return f"服务期一年，自{_date(s)}起。"
        if self.period in ("year", "months"):
            return f"服务期限为期{self.months}个月，自{_date(s)}起计算。"
        return f"服务期限：自{_date(s)}起至{_date(e)}止。"

    def signed_text(self) -> str:
        if self.signed_style == "chinese":
            d = self.signed
            return f"{''.join(_CN_DIGITS[int(c)] for c in str(d.year))}年{_cn_small(d.month)}月{_cn_small(d.day)}日"
        return _date(self.signed)


def _date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _cn_small(n: int) -> str:
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else _CN_DIGITS[tens]) + "十" if tens else "") + (_CN_DIGITS[ones] if ones else "")


def contract(seed: int | str, **changes: object) -> Contract:
    """A contract drawn from ``seed`` (its layout too); ``changes`` set fields."""
    rng = random.Random(f"contract-{seed}")
    nature: Nature = rng.choice(("om", "om", "equipment"))
    client = rng.choice(CLIENTS)
    start = dt.date(rng.randint(2009, 2011), rng.randint(1, 12), rng.choice((1, 1, 15)))
    figures: Literal["yuan", "wan", "rmb_wan"] = rng.choice(("yuan", "wan", "rmb_wan"))
    amount = Decimal(rng.randint(60, 480) * 10000) if figures != "yuan" else Decimal(rng.randint(600, 4800) * 1000)
    months = rng.choice((12, 12, 18, 24, 36))
    made = Contract(
        number=f"{rng.choice(('BJYW', 'YW', 'HT', 'CG'))}-{start.year}-{rng.randint(1, 999):03d}",
        title=rng.choice(TITLES[nature]).format(client=client),
        client=client,
        provider=rng.choice(PROVIDERS),
        amount=amount,
        signed=start - dt.timedelta(days=rng.randint(5, 40)),
        start=start,
        months=months,
        nature=nature,
        roles=rng.choice(ROLES),
        subject_line=rng.random() < 0.5,
        parties=rng.choice(("lines", "table")),
        amount_layout=rng.choice(("prose", "table")),
        figures=figures,
        period=rng.choice(("range", "dots", "year" if months == 12 else "months", "months")),
        signed_style=rng.choice(("labelled", "under", "chinese")),
    )
    return replace(made, **changes)  # type: ignore[arg-type]


# --- PDF --------------------------------------------------------------------------------------------------------


def _grid(rows: list[list[str]], widths: tuple[float, ...]) -> Table:
    table = Table(rows, colWidths=widths)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 11), ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 5)]))
    return table


def _story(c: Contract) -> list[object]:
    """One contract: two pages, the preamble and clauses, then the liabilities and the signatures."""
    p = [Paragraph(f"合同编号：{c.number}", _NUMBER), Spacer(1, 20), Paragraph(c.title, _TITLE)]
    client_role, provider_role = c.roles
    if c.parties == "table":
        p.append(_grid([[client_role, c.client], [provider_role, c.provider]], (130, 300)))
    else:
        p += [Paragraph(f"{client_role}：{c.client}", _BODY), Paragraph(f"{provider_role}：{c.provider}", _BODY)]
    short_client, short_provider = (r.split("（")[0] for r in c.roles)
    p += [Spacer(1, 10), Paragraph("根据《中华人民共和国合同法》及有关法律法规，双方经友好协商，就下列事项达成一致，"
                                   "签订本合同，共同遵守。", _BODY)]
    if c.subject_line:
        p.append(Paragraph(f"项目名称：{c.subject}", _BODY))
    p += [Paragraph("第一条 服务内容", _BODY), Paragraph(CONTENT[c.nature].replace("乙方", short_provider)
                                                        .replace("甲方", short_client), _BODY),
          Paragraph("第二条 服务期限", _BODY), Paragraph(c.period_text(), _BODY), Paragraph("第三条 合同金额", _BODY)]
    words = upper_cn(c.words)
    if c.amount_layout == "table":
        p.append(_grid([["合同金额（小写）", c.figure_text()], ["合同金额（大写）", words]], (130, 300)))
    else:
        p.append(Paragraph(f"本合同总价为{words}（{c.figure_text()}），含税。", _BODY))
    p += [Paragraph("付款方式：合同签订后支付50%，验收合格后支付50%。", _BODY), PageBreak()]
    p += [Paragraph("第四条 违约责任", _BODY), Paragraph("任何一方违反本合同约定的，应向对方承担违约责任。", _BODY),
          Paragraph("第五条 争议解决", _BODY), Paragraph("因本合同引起的争议，双方协商解决；协商不成的，提交"
                                                         "合同签订地人民法院诉讼解决。", _BODY), Spacer(1, 40)]
    sign = [[f"{short_client}（盖章）：", f"{short_provider}（盖章）："], ["授权代表（签字）：", "授权代表（签字）："]]
    if c.signed_style != "labelled":
        sign.append([c.signed_text(), c.signed_text()])
    table = Table(sign, colWidths=(230, 230))
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 11), ("TOPPADDING", (0, 0), (-1, -1), 14)]))
    p.append(table)
    if c.signed_style == "labelled":
        p += [Spacer(1, 20), Paragraph(f"签订日期：{c.signed_text()}", _BODY)]
    return p


def write_pdf(path: Path, contracts: list[Contract]) -> Path:
    """A text-layer PDF of the contracts, one after another (a bundle when several)."""
    story: list[object] = []
    for index, c in enumerate(contracts):
        if index:
            story.append(PageBreak())
        story += _story(c)
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=60, rightMargin=60, topMargin=50, bottomMargin=50,
                            invariant=1, title="contract", author="samplegen")
    doc.build(story)
    return path


def write_scan(path: Path, contracts: list[Contract], seed: str, style: ScanStyle | None = None) -> Path:
    """An image-only scan of the contracts' PDF (samplegen's scanner: noise, a small skew, JPEG)."""
    text = path.with_suffix(".text.pdf")
    write_pdf(text, contracts)
    scan_pdf(text, path, style or ScanStyle(dpi=150, skew=0.5, seal_signature=False), seed)
    text.unlink()
    return path


# --- .docx ------------------------------------------------------------------------------------------------------


def write_docx(path: Path, c: Contract) -> Path:
    """The contract as a .docx: paragraphs, the parties or the amount in tables as its layout says."""
    document = docx.Document()
    document.add_paragraph(f"合同编号：{c.number}")
    document.add_heading(c.title, level=1)
    client_role, provider_role = c.roles
    if c.parties == "table":
        _docx_table(document, [[client_role, c.client], [provider_role, c.provider]])
    else:
        document.add_paragraph(f"{client_role}：{c.client}")
        document.add_paragraph(f"{provider_role}：{c.provider}")
    short_client, short_provider = (r.split("（")[0] for r in c.roles)
    document.add_paragraph("根据《中华人民共和国合同法》，双方经协商一致，签订本合同。")
    if c.subject_line:
        document.add_paragraph(f"项目名称：{c.subject}")
    for text in ("第一条 服务内容", CONTENT[c.nature].replace("乙方", short_provider).replace("甲方", short_client),
                 "第二条 服务期限", c.period_text(), "第三条 合同金额"):
        document.add_paragraph(text)
    words = upper_cn(c.words)
    if c.amount_layout == "table":
        _docx_table(document, [["合同金额（小写）", c.figure_text()], ["合同金额（大写）", words]])
    else:
        document.add_paragraph(f"本合同总价为{words}（{c.figure_text()}），含税。")
    document.add_paragraph("第四条 违约责任：任何一方违约，应承担违约责任。")
    _docx_table(document, [[f"{short_client}（盖章）：", f"{short_provider}（盖章）："],
                           *([[c.signed_text(), c.signed_text()]] if c.signed_style != "labelled" else [])])
    if c.signed_style == "labelled":
        document.add_paragraph(f"签订日期：{c.signed_text()}")
    document.core_properties.author = "samplegen"
    document.save(str(path))
    return path


def _docx_table(document: DocxDocument, rows: list[list[str]]) -> None:
    table = document.add_table(rows=0, cols=len(rows[0]))
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
