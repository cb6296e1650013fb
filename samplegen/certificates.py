"""Certificates and business licences for the tests, as PDFs with a text layer (or scans of them) and .docx.

Each document is drawn from its parameters (``Copyright``, ``Credential``, ``Licence``), which are the truth a
reader's record is compared with (``truth``). Layouts (``LAYOUTS``), as certificates print their fields:

- ``one_column``: ``label：value`` one under another;
- ``two_columns``: two columns of ``label  value`` (no colon), the rows of both on one line;
- ``spaced_labels``: labels letter-spaced to one width (登  记  号), values after them in a column of their own;
- ``values_below``: two columns of labels, each value on the line under its label.

The title is centred at the top; a copyright's 登记日期 and, unless labelled, a certificate's 发证日期 are the date
at the bottom, without a label, as they are printed under the seal. The sample applicants with attachments
(``samplegen/attachments.py``) use them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import docx
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from stdnum.cn import uscc
from stdnum.iso7064 import mod_11_10

from .ids import break_check_digit, org_code
from .money import upper_cn
from .params import ScanStyle
from .scan import scan_pdf

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
LAYOUTS = ("one_column", "two_columns", "spaced_labels", "values_below")
LEVEL_WORDS = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
LEVEL_CAPITALS = {1: "壹级", 2: "贰级", 3: "叁级", 4: "肆级"}


def _cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass(frozen=True)
class Copyright:
    """计算机软件著作权登记证书."""

    certificate_number: str
    registration_number: str
    software_name: str
    version: str
    holder: str
    first_published: dt.date
    completed: dt.date
    registered: dt.date

    title = "计算机软件著作权登记证书"

    def fields(self) -> list[tuple[str, str]]:
        return [("证书号", self.certificate_number), ("软件名称", f"{self.software_name} {self.version}"),
                ("著作权人", self.holder), ("开发完成日期", _cn_date(self.completed)),
                ("首次发表日期", _cn_date(self.first_published)), ("权利取得方式", "原始取得"),
                ("权利范围", "全部权利"), ("登记号", self.registration_number)]

    def bottom(self) -> list[str]:
        return ["中华人民共和国国家版权局", _cn_date(self.registered)]

    def truth(self) -> dict[str, object]:
        return {"certificate_number": self.certificate_number, "registration_number": self.registration_number,
                "software_name": self.software_name, "version": self.version, "holder": self.holder,
                "first_published": self.first_published, "completed": self.completed,
                "registered": self.registered}


@dataclass(frozen=True)
class Credential:
    """An ITSS 符合性证书 (``kind="itss"``) or a 系统集成企业资质证书 (``kind="si_qualification"``)."""

    kind: str
    number: str
    holder: str
    level: int
    level_written: str
    valid_from: dt.date | None
    valid_until: dt.date
    issued: dt.date
    issuer: str
    issued_labelled: bool = True

    @property
    def title(self) -> str:
        return "信息技术服务运行维护标准符合性证书" if self.kind == "itss" else "计算机信息系统集成企业资质证书"

    def validity(self) -> tuple[str, str]:
        if self.valid_from is None:
            return "有效期至", _cn_date(self.valid_until)
        return "有效期", f"{_cn_date(self.valid_from)}至{_cn_date(self.valid_until)}"

    def fields(self) -> list[tuple[str, str]]:
        level_label = "符合性评估等级" if self.kind == "itss" else "资质等级"
        issuer_label = "发证机构" if self.kind == "itss" else "发证机关"
        out = [("证书编号", self.number), ("企业名称", self.holder), (level_label, self.level_written),
               self.validity(), (issuer_label, self.issuer)]
        if self.issued_labelled:
            out.append(("发证日期", _cn_date(self.issued)))
        return out

    def bottom(self) -> list[str]:
        return [] if self.issued_labelled else [_cn_date(self.issued)]

    def truth(self) -> dict[str, object]:
        return {"number": self.number, "holder": self.holder, "level": (self.level_written, self.level),
                "valid_from": self.valid_from, "valid_until": self.valid_until, "issued": self.issued,
                "issuer": self.issuer}


@dataclass(frozen=True)
class Licence:
    """营业执照: the credit code of today's, or the 15-digit 注册号 of the licences of 2012."""

    name: str
    legal_representative: str
    capital: Decimal
    capital_in_words: bool
    founded: dt.date
    term_end: dt.date | None  # None: 长期
    credit_code: str | None = None
    registration_number: str | None = None
    id_valid: bool = True
    extra: list[tuple[str, str]] = field(default_factory=list)

    title = "营业执照"

    def capital_text(self) -> str:
        if self.capital_in_words:
            return upper_cn(self.capital)  # 人民币伍仟万元整
        return f"{int(self.capital / 10000)}万元" if self.capital % 10000 == 0 else f"{self.capital}元"

    def term(self) -> str:
        return f"{_cn_date(self.founded)}至{_cn_date(self.term_end) if self.term_end else '长期'}"

    def fields(self) -> list[tuple[str, str]]:
        number = (("统一社会信用代码", self.credit_code) if self.credit_code
                  else ("注册号", self.registration_number or ""))
        return [number, ("名称", self.name), ("类型", "有限责任公司"), ("住所", "北京市海淀区某某路1号"),
                ("法定代表人", self.legal_representative), ("注册资本", self.capital_text()),
                ("成立日期", _cn_date(self.founded)), ("营业期限", self.term()), *self.extra]

    def bottom(self) -> list[str]:
        return ["登记机关（盖章）", _cn_date(dt.date(2011, 8, 1))]

    def truth(self) -> dict[str, object]:
        return {"name": self.name, "credit_code": self.credit_code, "registration_number": self.registration_number,
                "legal_representative": self.legal_representative, "registered_capital": self.capital,
                "founded": self.founded, "term_start": self.founded, "term_end": self.term_end,
                "term_unlimited": self.term_end is None}


Params = Copyright | Credential | Licence


# --- parameters from a seed ----------------------------------------------------------------------------------


def copyright_params(rng: random.Random, holder: str) -> Copyright:
    year = rng.choice((2008, 2009, 2010, 2011))
    completed = dt.date(year - 1, rng.randint(1, 12), rng.randint(1, 28))
    published = completed + dt.timedelta(days=rng.randint(10, 90))
    return Copyright(
        certificate_number=f"软著登字第{rng.randrange(100000, 999999):07d}号",
        registration_number=f"{year}SR{rng.randrange(1000, 99999):06d}",
        software_name=rng.choice(("运维监控管理平台软件", "IT服务台系统", "机房动力环境监控软件", "资产配置管理系统")),
        version=f"V{rng.randint(1, 4)}.{rng.randint(0, 9)}", holder=holder, first_published=published,
        completed=completed, registered=published + dt.timedelta(days=rng.randint(30, 120)))


def credential_params(rng: random.Random, kind: str, holder: str, *, issued_labelled: bool = True,
                      until_only: bool = False) -> Credential:
    level = rng.randint(1, 4)
    issued = dt.date(rng.choice((2009, 2010, 2011)), rng.randint(1, 12), rng.randint(1, 28))
    until = issued.replace(year=issued.year + 3) - dt.timedelta(days=1)
    if kind == "itss":
        number = f"ITSS-YW-{level}-{rng.randrange(10**11, 10**12)}"
        written, issuer = f"{LEVEL_WORDS[level]}", "中国电子工业标准化技术协会信息技术服务分会"
    else:
        number = f"Z{level}{rng.randrange(10**11, 10**12)}"  # Z3110020090123
        written, issuer = LEVEL_CAPITALS[level], "中华人民共和国工业和信息化部"
    return Credential(kind=kind, number=number, holder=holder, level=level, level_written=written,
                      valid_from=None if until_only else issued, valid_until=until, issued=issued, issuer=issuer,
                      issued_labelled=issued_labelled)


def licence_params(rng: random.Random, name: str, person: str, *, old: bool = False, id_valid: bool = True,
                   in_words: bool = True, open_term: bool = False) -> Licence:
    founded = dt.date(rng.randint(1998, 2006), rng.randint(1, 12), rng.randint(1, 28))
    capital = Decimal(rng.choice((1000, 1500, 2000, 5000))) * 10000
    credit = registration = None
    if old:
        body = f"1101{rng.randint(0, 99):02d}" + "".join(rng.choice("0123456789") for _ in range(8))
        registration = body + mod_11_10.calc_check_digit(body)
        if not id_valid:
            registration = registration[:-1] + str((int(registration[-1]) + 1) % 10)
    else:
        body = f"91110{rng.randint(100, 118)}{org_code(rng)}"
        credit = body + uscc.calc_check_digit(body)
        if not id_valid:
            credit = break_check_digit(credit)
    return Licence(name=name, legal_representative=person, capital=capital, capital_in_words=in_words,
                   founded=founded, term_end=None if open_term else founded.replace(year=founded.year + 20),
                   credit_code=credit, registration_number=registration, id_valid=id_valid)


# --- drawing ------------------------------------------------------------------------------------------------------


def _width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, FONT, size)


def _spread(c: canvas.Canvas, x: float, y: float, text: str, width: float, size: float) -> None:
    """``text`` letter-spaced over ``width`` (登  记  号)."""
    if len(text) == 1:
        c.drawString(x, y, text)
        return
    step = (width - size) / (len(text) - 1)
    for i, ch in enumerate(text):
        c.drawString(x + i * step, y, ch)


def write_pdf(path: Path, params: Params, layout: str = "one_column") -> Path:
    """The certificate or licence as a one-page PDF with a text layer, in ``layout``."""
    width, height = A4
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setFont(FONT, 22)
    c.drawCentredString(width / 2, height - 100, params.title)
    size = 10.5
    c.setFont(FONT, size)
    top = height - 170
    pairs = params.fields()
    y = _draw_fields(c, pairs, layout, top, size)
    c.setFont(FONT, 11)
    for i, text in enumerate(params.bottom()):
        c.drawString(width - 90 - _width(text, 11), min(y - 60, 170) - i * 24, text)
    c.setLineWidth(0.5)
    c.rect(30, 30, width - 60, height - 60)
    c.showPage()
    c.save()
    return path


def _draw_fields(c: canvas.Canvas, pairs: list[tuple[str, str]], layout: str, top: float, size: float) -> float:
    """Draw the label/value pairs; the baseline of the last line drawn."""
    left = 60.0
    if layout == "one_column":
        for i, (label, value) in enumerate(pairs):
            c.drawString(left, top - i * 30, f"{label}：{value}")
        return top - (len(pairs) - 1) * 30
    if layout == "spaced_labels":
        label_width = max(_width(label, size) for label, _ in pairs) + 3 * size
        for i, (label, value) in enumerate(pairs):
            _spread(c, left, top - i * 30, label, label_width, size)
            c.drawString(left + label_width + 2 * size, top - i * 30, value)
        return top - (len(pairs) - 1) * 30
    half = (len(pairs) + 1) // 2
    columns = [pairs[:half], pairs[half:]]
    if layout == "two_columns":
        right = left + max(_width(f"{label}  {value}", size) for label, value in columns[0]) + 5 * size
        for k, column in enumerate(columns):
            for i, (label, value) in enumerate(column):
                c.drawString(left if k == 0 else right, top - i * 30, f"{label}  {value}")
        return top - (half - 1) * 30
    # values_below
    right = left + max(max(_width(label, size), _width(value, size)) for label, value in columns[0]) + 5 * size
    for k, column in enumerate(columns):
        for i, (label, value) in enumerate(column):
            x = left if k == 0 else right
            c.drawString(x, top - i * 44, label)
            c.drawString(x, top - i * 44 - 17, value)
    return top - (half - 1) * 44 - 17


def write_scan(path: Path, params: Params, layout: str = "one_column", seed: str = "certificate",
               style: ScanStyle | None = None) -> Path:
    """An image-only scan of the PDF ``write_pdf`` draws (samplegen's scanner: noise, skew, JPEG)."""
    src = path.with_name(path.stem + ".text.pdf")
    write_pdf(src, params, layout)
    scan_pdf(src, path, style or ScanStyle(dpi=150, skew=0.5, seal_signature=False), seed=seed)
    src.unlink()
    return path


def write_docx(path: Path, params: Params, layout: str = "table") -> Path:
    """The certificate or licence as a .docx: its title, then a table of label | value rows (``table``) or one
    ``label：value`` paragraph each (``paragraphs``); the bottom lines as paragraphs."""
    document = docx.Document()
    document.add_heading(params.title, level=1)
    pairs = params.fields()
    if layout == "table":
        table = document.add_table(rows=0, cols=2)
        for label, value in pairs:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = label, value
    else:
        for label, value in pairs:
            document.add_paragraph(f"{label}：{value}")
    for text in params.bottom():
        document.add_paragraph(text)
    document.save(str(path))
    return path
