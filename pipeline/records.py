"""Typed records that the extractors produce and the validators read.

Every value carries its ``Source``; no bare float leaves an extractor (money is ``Decimal`` in
yuan, with the precision in which it was written). Extractors fill these; they never judge.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from omreview.amounts import Amount
from omreview.identifiers import mask_name
from omreview.model import AuditOpinion, Source


class _Rec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_NO_FIELD = object()


class _StatesNone(_Rec):
    """A record of the form whose fields the applicant may have answered with an explicit "none".

    A field that is ``None`` (or an empty list) was either not found by the reader or written as none
    by the applicant; only the second is evidence against the applicant (CONDITIONS.md, "Judging from
    which source"). The reader records the second in ``stated_none``: the field's name and the cell
    that says so (无, —, -, /, 不适用, 否, or a cell left empty in a row of a filled table; for a list
    field, the table that is there but lists nothing). A field neither set nor in ``stated_none`` was
    not found.
    """

    stated_none: dict[str, Source] = Field(
        default_factory=dict,
        description="fields written as none by the applicant (无, —, 否, an empty cell of a filled row or table), "
        "by field name, each with the cell that says so; a field neither set nor listed here was not found",
    )

    @model_validator(mode="after")
    def _stated_fields_are_empty(self) -> _StatesNone:
        for name in self.stated_none:
            value = self._stated_value(name)
            if value is _NO_FIELD:
                raise ValueError(f"stated_none names no field of {type(self).__name__}: {name!r}")
            if value not in (None, []):
                raise ValueError(f"{name} has a value and cannot also be stated as none")
        return self

    def _stated_value(self, name: str) -> object:
        """The value of the field ``name`` names (``_NO_FIELD`` when it names none)."""
        if name == "stated_none" or name not in type(self).model_fields:
            return _NO_FIELD
        return getattr(self, name)

    def none_written(self, name: str) -> Source | None:
        """The cell where the applicant wrote ``name`` as none, or ``None`` when it did not."""
        return self.stated_none.get(name)


class Money(_Rec):
    value: Decimal
    precision: Decimal
    source: Source

    @classmethod
    def of(cls, amount: Amount, source: Source) -> Money:
        return cls(value=amount.value, precision=amount.precision, source=source)

    def amount(self) -> Amount:
        return Amount(self.value, self.precision, self.source.text or "")


class Text(_Rec):
    value: str
    source: Source


class DateValue(_Rec):
    value: dt.date
    source: Source
    precision: Literal["day", "month", "year"] = Field(
        default="day", description="as written: 2001年3月 is a month (value: its first day, or its last for an end "
        "date), 2001年 a year")


class Count(_Rec):
    value: int
    source: Source


class Ratio(_Rec):
    value: Decimal = Field(description="in [0, 1]; a percentage as written is divided by 100")
    source: Source


class Flag(_Rec):
    value: bool
    source: Source


class Opinion(_Rec):
    value: AuditOpinion
    source: Source


# --- 审计报告 / financial statement -------------------------------------------------------------


class StatementYear(_Rec):
    """The figures of one column of the statements (本期 or 上期)."""

    year: int | None = None
    paid_in_capital: Money | None = None
    equity: Money | None = None
    total_revenue: Money | None = None
    net_profit: Money | None = None


class RevenueLine(_Rec):
    """One business line of the notes' revenue breakdown (营业收入按业务类别)."""

    name: str
    amount: Money
    is_om: bool = Field(description="the line is O&M (运维 / 运行维护 …, by the rules' synonyms)")


class StatementRecord(_Rec):
    kind: Literal["financial_statement"] = "financial_statement"
    fiscal_year: int | None = None
    company: Text | None = None
    audited: bool = True
    auditor: Text | None = None
    opinion: Opinion | None = None
    consolidated: bool = Field(default=False, description="the figures come from 合并 statements")
    current: StatementYear = Field(default_factory=StatementYear)
    prior: StatementYear = Field(default_factory=StatementYear)
    revenue_lines: list[RevenueLine] = Field(default_factory=list)
    om_revenue: Money | None = Field(default=None, description="sum of the O&M lines of the current year")
    low_confidence: list[str] = Field(
        default_factory=list,
        description="values read by OCR with a character below labels.statement_pdf.ocr.min_confidence, by "
        "field path (current.total_revenue, prior.net_profit, om_revenue, revenue_lines.0, auditor, opinion, "
        "company); each value's source.confidence holds the number",
    )
    warnings: list[str] = Field(default_factory=list)


def record_values(record: StatementRecord) -> list[tuple[str, Money | Text | Opinion]]:
    """Every value of a statement record that carries a source, with its field path (``current.equity``)."""
    out: list[tuple[str, Money | Text | Opinion]] = []
    for name in ("company", "auditor", "opinion", "om_revenue"):
        value = getattr(record, name)
        if value is not None:
            out.append((name, value))
    for column in ("current", "prior"):
        year = getattr(record, column)
        for name in ("paid_in_capital", "equity", "total_revenue", "net_profit"):
            money = getattr(year, name)
            if money is not None:
                out.append((f"{column}.{name}", money))
    out += [(f"revenue_lines.{i}", line.amount) for i, line in enumerate(record.revenue_lines)]
    return out


# --- 申报表 / application form -------------------------------------------------------------------


class DeclaredYear(_Rec):
    year: int
    total_revenue: Money | None = None
    om_revenue: Money | None = None
    om_share: Ratio | None = Field(default=None, description="O&M revenue's share of revenue as the form writes it "
                                   "(cross-checked by the reader against the two amounts, never used instead)")


class Project(_StatesNone):
    name: Text
    client: Text | None = None
    amount: Money | None = None
    start: DateValue | None = None
    end: DateValue | None = None
    tool: Text | None = None


class KeyRole(StrEnum):
    PRINCIPAL = "principal"
    TECH_LEAD = "tech_lead"
    FINANCE_LEAD = "finance_lead"


class KeyPerson(_StatesNone):
    role: KeyRole
    name: Text | None = None
    post: Text | None = None
    title: Text | None = None
    specialty: Text | None = None
    education: Text | None = None
    mgmt_years: Count | None = Field(default=None, description="years of IT enterprise management")
    om_years: Count | None = Field(default=None, description="years of O&M work")
    other_years: Count | None = Field(default=None, description="years in the role's own field (e.g. finance)")


class SoftwareCopyright(_StatesNone):
    name: Text
    number: Text | None = None
    holder: Text | None = None


class FormRecord(_StatesNone):
    """The 申报表. Its ``stated_none`` names its own fields (``itss_cert_number``; a table as a whole:
    ``projects``, ``software``, ``key_persons``) and a declared year's amounts as
    ``declared_years.<year>.<total_revenue|om_revenue>`` (``declared_years.2009.om_revenue``)."""

    kind: Literal["application_form"] = "application_form"
    company_name: Text | None = None
    credit_code: Text | None = None
    registration_number: Text | None = Field(default=None, description="营业执照注册号 (15 digits, before 2015)")
    org_code: Text | None = Field(default=None, description="组织机构代码 (8 characters and a check character)")
    registered_capital: Money | None = None
    paid_in_capital: Money | None = None
    founded_date: DateValue | None = None
    om_start_date: DateValue | None = None
    si_cert_number: Text | None = None
    si_cert_level: Text | None = None
    si_cert_valid_until: DateValue | None = None
    itss_cert_number: Text | None = None
    recommending_authority: Text | None = None
    relaxation_requested: Flag | None = None
    relaxation_unclear: Text | None = Field(
        default=None, description="是否申请放宽条件 answered with no one option ticked (☑是 ☑否, 是 否 without boxes): "
        "what was written, the request not read")
    relaxation_reason: Text | None = None
    mis_description: Text | None = None
    fill_date: DateValue | None = None
    declared_years: list[DeclaredYear] = Field(default_factory=list)
    projects: list[Project] = Field(default_factory=list)
    key_persons: list[KeyPerson] = Field(default_factory=list)
    software: list[SoftwareCopyright] = Field(default_factory=list)
    declared_staff_count: Count | None = None
    declared_college_count: Count | None = None
    declared_college_ratio: Ratio | None = None
    table_count: int | None = Field(default=None, ge=0, description="tables the reader searched in the form")
    warnings: list[str] = Field(default_factory=list)

    def _stated_value(self, name: str) -> object:
        head, _, rest = name.partition(".")
        if head != "declared_years":
            return super()._stated_value(name)
        year, _, field = rest.partition(".")
        if not year.isdigit() or field not in ("total_revenue", "om_revenue"):
            return _NO_FIELD
        declared = next((d for d in self.declared_years if d.year == int(year)), None)
        return None if declared is None else getattr(declared, field)


# --- 人员名册 / staff roster -------------------------------------------------------------------


class Education(StrEnum):
    DOCTORATE = "doctorate"
    MASTER = "master"
    BACHELOR = "bachelor"
    COLLEGE = "college"
    BELOW = "below"
    UNKNOWN = "unknown"


class TitleLevel(StrEnum):
    NONE = "none"
    JUNIOR = "junior"
    INTERMEDIATE = "intermediate"
    SENIOR = "senior"
    FULL_SENIOR = "full_senior"


class TitleSeries(StrEnum):
    ENGINEERING = "engineering"
    ACCOUNTING = "accounting"
    OTHER = "other"


class StaffRow(_Rec):
    """One person of the roster. ``id_number`` is personal data: never log or export it unmasked."""

    row: int = Field(description="the row on its sheet (source.sheet)")
    seq: str | None = Field(default=None, description="the row's own 序号 as written, where the roster has one")
    name: str
    id_number: str
    education_raw: str
    education: Education
    title_raw: str = ""
    title_level: TitleLevel = TitleLevel.NONE
    title_series: TitleSeries = TitleSeries.OTHER
    specialty: str = ""
    post: str = ""
    om_years: Decimal | None = None
    source: Source

    def where(self) -> str:
        """The row as a reviewer finds it: ``第12行（序号10）``, or ``第12行`` without a 序号."""
        return f"第{self.row}行（序号{self.seq}）" if self.seq else f"第{self.row}行"


class RosterRecord(_Rec):
    kind: Literal["staff_roster"] = "staff_roster"
    sheet: str = Field(description="the sheet read (of a .docx: 表N, the table read)")
    header_row: int
    rows: list[StaffRow] = Field(default_factory=list)
    skipped_rows: list[str] = Field(default_factory=list, description="rows left out and why (blank, 合计 …)")
    warnings: list[str] = Field(default_factory=list)
    table: int | None = Field(default=None, description="a roster written as a .docx table: the table (0-based)")
    page: int | None = Field(default=None, description="a roster printed to PDF: the page its table starts on")

    def place(self, file: str, sha256: str | None) -> Source:
        """Where the roster as a whole is: its sheet, its .docx table, or its PDF page."""
        if self.page is not None:
            return Source(file=file, sha256=sha256, page=self.page)
        if self.table is not None:
            return Source(file=file, sha256=sha256, table=self.table)
        return Source(file=file, sha256=sha256, sheet=self.sheet)


# --- 证书 and 营业执照 / certificates and the business licence ----------------------------------------


class _Attachment(_Rec):
    """What every certificate and licence record holds beside its fields: the values OCR read doubtfully and
    what the reader warned of. A field that is ``None`` was not found (or not legible); nothing is guessed."""

    page: int | None = Field(default=None, ge=1, description="the page read (a PDF's title page), 1-based")
    low_confidence: list[str] = Field(
        default_factory=list,
        description="fields read by OCR with a character below labels.statement_pdf.ocr.min_confidence; each "
        "value's source.confidence holds the number",
    )
    warnings: list[str] = Field(default_factory=list, description="what the reader could not read, in plain words "
                                "(never a person's name unmasked)")


class SoftwareCopyrightCertificate(_Attachment):
    """计算机软件著作权登记证书."""

    kind: Literal["certificate"] = "certificate"
    certificate_type: Literal["software_copyright"] = "software_copyright"
    certificate_number: Text | None = Field(default=None, description="证书号 as printed (软著登字第0203456号)")
    registration_number: Text | None = Field(default=None, description="登记号 (2010SR012345), compact")
    software_name: Text | None = Field(default=None, description="软件名称 without its version")
    version: Text | None = Field(default=None, description="the version written with the name (V2.0) or apart")
    holder: Text | None = Field(default=None, description="著作权人")
    first_published: DateValue | None = Field(default=None, description="首次发表日期")
    completed: DateValue | None = Field(default=None, description="开发完成日期")
    registered: DateValue | None = Field(default=None, description="登记日期: the date at the bottom, or labelled")


class CertificateLevel(_Rec):
    """A level as written (三级, 贰级, 成熟度三级) and as a number."""

    written: Text
    number: int | None = Field(default=None, description="1-4 by labels.certificate_fields.levels; None: not told")


class _Credential(_Attachment):
    """A certificate with a number, a holder, a level and a validity (ITSS, system integration)."""

    number: Text | None = Field(default=None, description="证书编号 as printed")
    holder: Text | None = Field(default=None, description="企业名称 (or the holder's name printed without a label)")
    level: CertificateLevel | None = None
    valid_from: DateValue | None = Field(default=None, description="有效期：A至B, its A")
    valid_until: DateValue | None = Field(default=None, description="有效期至 B, or 有效期：A至B, its B")
    validity: Text | None = Field(default=None, description="the validity as written (有效期：三年 gives no dates)")
    issued: DateValue | None = Field(default=None, description="发证日期, or the date at the bottom")
    issuer: Text | None = Field(default=None, description="发证机关 / 发证机构")


class ItssCertificate(_Credential):
    """信息技术服务运行维护标准符合性证书 (ITSS)."""

    kind: Literal["certificate"] = "certificate"
    certificate_type: Literal["itss"] = "itss"


class SiQualificationCertificate(_Credential):
    """计算机信息系统集成企业资质证书."""

    kind: Literal["certificate"] = "certificate"
    certificate_type: Literal["si_qualification"] = "si_qualification"


CertificateRecord = SoftwareCopyrightCertificate | ItssCertificate | SiQualificationCertificate


class LicenseRecord(_Attachment):
    """营业执照. ``legal_representative`` is a person's name, personal data as a roster's names are: held as
    read, masked (``masking.mask_name``) wherever it is shown or logged, and left out of the record's repr."""

    kind: Literal["business_license"] = "business_license"
    name: Text | None = Field(default=None, description="名称")
    credit_code: Text | None = Field(default=None, description="统一社会信用代码 as read (compact), valid or not")
    registration_number: Text | None = Field(default=None, description="注册号 (15 digits) as read, valid or not")
    identifier_problems: dict[str, str] = Field(
        default_factory=dict,
        description="credit_code / registration_number whose check character is wrong, with the reason "
        "(omreview.identifiers); the value is kept as written",
    )
    legal_representative: Text | None = Field(default=None, repr=False, description="法定代表人 (personal data)")
    registered_capital: Money | None = Field(default=None, description="注册资本 in 元 (5000万元, 人民币伍仟万元)")
    founded: DateValue | None = Field(default=None, description="成立日期")
    term: Text | None = Field(default=None, description="营业期限 as written")
    term_start: DateValue | None = None
    term_end: DateValue | None = Field(default=None, description="None when the term is open (长期) or not read")
    term_unlimited: bool = Field(default=False, description="营业期限 says 长期 (or another of unlimited_terms)")

    def shown(self) -> dict[str, str | None]:
        """The licence's values as they may be shown or logged: the 法定代表人 masked."""
        rep = self.legal_representative
        return {
            "name": self.name.value if self.name else None,
            "credit_code": self.credit_code.value if self.credit_code else None,
            "registration_number": self.registration_number.value if self.registration_number else None,
            "legal_representative": mask_name(rep.value) if rep else None,
            "registered_capital": str(self.registered_capital.value) if self.registered_capital else None,
            "founded": self.founded.value.isoformat() if self.founded else None,
            "term": self.term.value if self.term else None,
        }



# --- 合同 / contracts -------------------------------------------------------------------------------------------


class ContractParty(_Rec):
    """A party of a contract: its side, the role word as printed (甲方（委托方）), its name as written and
    normalised for matching (``omreview.text.norm``: NFKC, no spaces, （） as ())."""

    role: Literal["client", "provider"] = Field(description="client: 甲方/委托方/发包方/采购人 …; provider: 乙方 …")
    label: str = Field(description="the role word(s) as printed before the name")
    name: Text
    normalised: str


class ContractRecord(_Rec):
    """One contract, as its pages say it; a value not found is ``None`` and named in ``missing``. The figures and
    the words of the amount are both kept as read, each with its source: the reader never judges them."""

    first_page: int | None = Field(default=None, ge=1, description="the contract's first page in its file (PDF)")
    last_page: int | None = Field(default=None, ge=1, description="its last page (PDF)")
    title: Text | None = None
    number: Text | None = Field(default=None, description="合同编号 as printed")
    client: ContractParty | None = None
    provider: ContractParty | None = None
    amount_figures: Money | None = Field(default=None, description="the total in figures (¥1,900,000.00, 190万元)")
    amount_words: Money | None = Field(default=None, description="the total in words (人民币壹佰玖拾万元整)")
    signed: DateValue | None = Field(default=None, description="签订日期, or the date in the signature block")
    start: DateValue | None = None
    end: DateValue | None = Field(default=None, description="as written, or the start plus a duration (为期12个月 "
                                  "from 2010年8月1日: 2011-07-31); period says which")
    period: Text | None = Field(default=None, description="the service period as written (its source)")
    subject: Text | None = Field(default=None, description="项目名称 / 合同名称, else the title")
    nature: Literal["om", "equipment", "software_development", "other"] = Field(
        default="other", description="O&M work or not, by labels.contract_fields.nature: the title's words decide, "
        "else the subject's, else the service content's")
    nature_words: list[str] = Field(default_factory=list, description="the words that made the decision")
    nature_source: Source | None = Field(default=None, description="the line those words are on")
    low_confidence: list[str] = Field(default_factory=list, description="fields read by OCR with a character below "
                                      "labels.statement_pdf.ocr.min_confidence")
    missing: list[str] = Field(default_factory=list, description="fields not found (number, client, provider, "
                               "amount_figures, amount_words, signed, start, end, subject)")
    notes: list[str] = Field(default_factory=list, description="what was seen but not read (an amount in words that "
                             "does not parse), in plain words")


class ContractsRecord(_Rec):
    """A file of contracts: one contract, or a bundle split into its contracts (each with its page range)."""

    kind: Literal["contract"] = "contract"
    contracts: list[ContractRecord] = Field(default_factory=list)
    low_confidence: list[str] = Field(default_factory=list, description="contracts.<i>.<field> read by OCR doubtfully")
    warnings: list[str] = Field(default_factory=list, description="what the reader could not read in the file "
                                "(pages past labels.contract_fields.max_pages)")


DocumentRecord = StatementRecord | FormRecord | RosterRecord | CertificateRecord | LicenseRecord | ContractsRecord
