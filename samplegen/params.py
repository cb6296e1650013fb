"""What one synthetic applicant is: the facts its documents show, and how they are laid out.

Money is ``Decimal`` yuan. A value is what the company's books say; each document writes it in its
own unit and precision (see ``money.written``), so the oracle compares the written values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from stdnum.cn import ric

from .money import written

if TYPE_CHECKING:
    from .attachments import Attachments

APPLICATION_DATE = date(2012, 6, 1)
FISCAL_YEARS = (2009, 2010, 2011)
FILL_DATE = date(2012, 5, 20)

# Roster education labels as written -> level; levels in COLLEGE_LEVELS count as 大专 and above.
EDUCATION_LEVELS = {
    "博士": "博士", "博士研究生": "博士",
    "硕士": "硕士", "硕士研究生": "硕士", "研究生": "硕士",
    "本科": "本科", "大学本科": "本科",
    "大专": "大专", "专科": "大专", "大学专科": "大专",
    "中专": "中专", "高中": "高中",
}
COLLEGE_LEVELS = frozenset({"博士", "硕士", "本科", "大专"})
SENIOR_TITLES = frozenset({"高级工程师", "教授级高级工程师", "正高级工程师", "研究员", "高级会计师",
                           "正高级会计师", "高级经济师"})


@dataclass(frozen=True)
class Facts:
    """The application form's company facts."""

    name: str
    credit_code: str
    registered_capital: Decimal
    paid_in_capital: Decimal          # as the books say; the form may declare another value
    founded: date
    om_start: date
    si_cert_no: str
    si_level: str
    si_valid_until: date
    itss_cert_no: str | None
    recommender: str
    relax: bool
    relax_reason: str
    mis: str
    city: str


@dataclass(frozen=True)
class YearFinance:
    """One year's books. Detail rows of the statements are derived from these in ``statement_rows``."""

    year: int
    om: Decimal                                   # the O&M business line
    other_lines: tuple[tuple[str, Decimal], ...]  # (系统集成, …), (软件开发, …)
    net_profit: Decimal
    paid_in: Decimal
    capital_reserve: Decimal
    surplus_reserve: Decimal
    retained: Decimal
    cost_ratio: Decimal
    leverage: Decimal

    @property
    def total_revenue(self) -> Decimal:
        return self.om + sum((v for _, v in self.other_lines), Decimal(0))

    @property
    def equity(self) -> Decimal:
        return self.paid_in + self.capital_reserve + self.surplus_reserve + self.retained


@dataclass(frozen=True)
class Audit:
    """One fiscal year's audit report."""

    year: int
    auditor: str
    cpas: tuple[str, str]
    opinion: str                  # unqualified | unqualified_emphasis | qualified | adverse | disclaimer
    report_no: str
    report_date: date
    om_in_notes: bool = True      # the notes break revenue down by business line
    restated_prior_net_profit: Decimal | None = None   # prior-year column shows this, not last year's


@dataclass(frozen=True)
class Project:
    name: str
    client: str
    amount: Decimal
    start: date                   # always a 1st of a month
    end: date                     # always a last day of a month
    tool: str                     # 应用的自主知识产权工具, "" for none


@dataclass(frozen=True)
class Person:
    role: str                     # principal | tech_lead | finance_lead
    name: str
    position: str
    title: str
    specialty: str
    years: int                    # IT management years (principal), O&M years (tech lead), else finance


@dataclass(frozen=True)
class Copyright:
    software: str
    number: str
    holder: str


@dataclass(frozen=True)
class RosterRow:
    name: str
    gender: str
    id_number: str
    education: str                # as written
    title: str
    specialty: str
    post: str
    om_years: int
    broken: bool = False          # the scenario broke this 身份证号 on purpose


@dataclass(frozen=True)
class FormLayout:
    kv: str = "2col"              # 2col | 4col | above (label above value)
    synonyms: int = 0             # 0 or 1: which label synonym
    years_as: str = "columns"     # columns | rows
    unit: str = "万元"            # 元 | 万元 | 亿元
    unit_style: str = "suffix"    # suffix in the cell | caption (单位：万元 / header)
    fullwidth: bool = False       # full-width digits in revenue and staff cells
    period_style: str = "range"   # range (2010.01-2010.12) | split (开始 / 结束 columns)
    persons_style: str = "table"  # table | blocks
    date_style: str = "cn"        # cn | iso | dot
    capital_in_words: bool = False  # 注册资本 as 人民币伍仟万元整
    tool_with_number: bool = False  # project tool cell also names the 登记号
    # --- the layout fuzzer's axes (samplegen/layouts.py); the defaults write the layouts above ---
    words: int | None = None      # labels drawn per key from layouts.FORM_WORDS with this seed (None: synonyms)
    label_deco: str = ""          # "" | spaced (企 业 名 称) | numbered (1、) | star (*) | colon (：)
    pairs_per_row: int = 0        # pairs a row for 2col/4col/6col/inline (0: the kv style's own)
    year_label: str = "年"        # how a year is written in the revenue table: 年 | 年度 | "" | hanzi
    revenue_unit: str = ""        # "" (as unit_style says) | cell | header | caption | note
    persons_years: str = "nian"   # key persons' years: nian (9年) | digits | hanzi (九年)
    project_order: tuple[str, ...] = ()   # the project table's columns in this order (() for the usual)
    seq: bool = True              # 序号 columns in the project and software tables
    footer: bool = False          # 填表人 / 审核人 lines under the form


@dataclass(frozen=True)
class StatementLayout:
    unit: str = "元"              # 元 | 万元
    is_cols: tuple[str, str] = ("本期金额", "上期金额")
    bs_cols: tuple[str, str] = ("期末余额", "年初余额")
    om_label: str = "运维服务"
    bs_two_pages: bool = False
    # --- the revenue note's layout (samplegen/layouts.py); the defaults write today's note ---
    note_title: str = "（一）营业收入和营业成本"
    note_caption: str | None = "1. 营业收入按业务类别列示"
    note_periods: tuple[str, str] | None = None   # None: the income statement's columns
    note_unit: str | None = None                  # None: the statements' unit
    note_unit_place: str = "line"                 # line (单位：元 under the caption) | title | header
    note_cost: str | None = None                  # None | pairs (收入 and 成本 under each period)
    note_line_label: str = "{}"                   # a business line's label: "{}", "{n}、{}", "（{n}）{}"

    @property
    def pages(self) -> int:
        """Pages of a statement PDF (statement_pdf.write_statement): cover, opinion, balance sheet (one or two),
        income statement, notes."""
        return 5 + self.bs_two_pages


@dataclass(frozen=True)
class RosterLayout:
    header: int = 0               # which header wording
    second_sheet: bool = False    # a 说明 sheet first
    title_rows: int = 2
    blank_after: tuple[int, ...] = ()
    total_row: bool = True
    # --- the layout fuzzer's axes (samplegen/layouts.py); the defaults write the layouts above ---
    words: int | None = None      # headings drawn per column from layouts.ROSTER_WORDS with this seed
    order: tuple[str, ...] = ()   # the person's columns in this order (() for the header's own)
    extra: tuple[str, ...] = ()   # extra columns (layouts.ROSTER_EXTRA) after the person's columns
    seq: str | None = "序号"      # the 序号 heading, or no 序号 column
    years_text: bool = False      # 8年 rather than 8
    footer: tuple[str, ...] = ()  # rows under the people: signatures | note | date
    summary_sheet: bool = False   # a 汇总 sheet after the roster


@dataclass(frozen=True)
class ScanStyle:
    """How one statement PDF was scanned. Page numbers are those of the text-layer PDF (1-based)."""

    dpi: int = 150
    skew: float = 0.0                   # degrees (a little different on every page)
    color: bool = True                  # colour scan (seals stay red) or grayscale
    quality: int = 50                   # JPEG quality
    noise: float = 4.0                  # standard deviation of the sensor noise, in gray levels
    dark_cover: bool = False            # the cover is a dark photocopy
    blank_after: tuple[int, ...] = ()   # a blank sheet scanned after these pages
    turned: tuple[int, ...] = ()        # pages scanned a quarter turned onto a landscape page
    seal_signature: bool = True         # the audit firm's seal over its name in the signature block
    seal_figures: bool = False          # the company's seal over the revenue and equity figures


@dataclass(frozen=True)
class Layout:
    form: FormLayout = field(default_factory=FormLayout)
    statement: StatementLayout = field(default_factory=StatementLayout)
    roster: RosterLayout = field(default_factory=RosterLayout)
    project_list: bool = False    # add a contract list .xlsx
    readme: bool = False          # add an unrelated 说明.txt
    scans: tuple[ScanStyle, ...] = ()  # the statements are scans (image-only PDFs), one style per fiscal year
    office: Literal["ooxml", "legacy", "wps"] = "ooxml"  # form and roster as .docx/.xlsx, .doc/.xls or .wps/.et
    photos: tuple[int, ...] = ()  # fiscal years whose statement is photographed, one JPEG a page
    zipped: bool = False          # every file sent in one .zip, its names in GBK (no UTF-8 flag), as Windows zips

    def scan(self, year: int) -> ScanStyle | None:
        return self.scans[FISCAL_YEARS.index(year)] if self.scans else None


@dataclass(frozen=True)
class Files:
    form: str
    statements: dict[int, str]
    roster: str
    project_list: str | None = None
    readme: str | None = None
    archive: str | None = None    # Layout.zipped: the .zip every other file is in

    def photo_pages(self, year: int, pages: int) -> list[str]:
        """The page files of a photographed statement: its name's ``_1`` counted up (2011年度_1.jpg …)."""
        first = self.statements[year]
        return [first.replace("_1.jpg", f"_{n}.jpg") for n in range(1, pages + 1)]


@dataclass(frozen=True)
class Applicant:
    id: str
    purpose: str
    facts: Facts
    finances: dict[int, YearFinance]   # 2008..2011; 2008 only shows as a prior-year column
    audits: dict[int, Audit]
    projects: tuple[Project, ...]
    persons: tuple[Person, ...]
    copyrights: tuple[Copyright, ...]
    roster: tuple[RosterRow, ...]
    layout: Layout
    files: Files
    declared: dict[str, Decimal] = field(default_factory=dict)  # form values that differ from the books
    missing: frozenset[str] = frozenset()                         # "statement:2009", "roster"
    attachments: Attachments | None = None                        # contracts and certificates (samplegen.attachments)

    def person(self, role: str) -> Person | None:
        return next((p for p in self.persons if p.role == role), None)

    def has_statement(self, year: int) -> bool:
        return f"statement:{year}" not in self.missing

    @property
    def has_roster(self) -> bool:
        return "roster" not in self.missing


def staff_counts(rows: tuple[RosterRow, ...]) -> tuple[int, int]:
    """(staff, 大专 and above) over distinct valid 身份证号, first row of a number winning."""
    seen: dict[str, RosterRow] = {}
    for row in rows:
        if ric.is_valid(row.id_number) and row.id_number not in seen:
            seen[row.id_number] = row
    college = sum(1 for r in seen.values() if EDUCATION_LEVELS.get(r.education) in COLLEGE_LEVELS)
    return len(seen), college


def form_value(a: Applicant, key: str) -> Decimal:
    """What the form declares for ``key`` (a REPORT.md figure name). Unless the scenario declared
    something else, that is the honest value: an amount copied from the audit report as printed there
    (so a coarser form unit still agrees with it), or the roster's staff figure."""
    if key in a.declared:
        return a.declared[key]
    if key in ("om_staff_count", "college_or_above_count", "college_or_above_ratio"):
        staff, college = staff_counts(a.roster)
        ratio = Decimal(college) / Decimal(staff) if staff else Decimal(0)
        return {"om_staff_count": Decimal(staff), "college_or_above_count": Decimal(college),
                "college_or_above_ratio": ratio}[key]
    if key == "paid_in_capital":
        value = a.facts.paid_in_capital
    else:
        name, year = key.split(".")
        fin = a.finances[int(year)]
        value = {"total_revenue": fin.total_revenue, "om_revenue": fin.om}[name]
    return written(value, a.layout.statement.unit).value
