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
    sheet: str
    header_row: int
    rows: list[StaffRow] = Field(default_factory=list)
    skipped_rows: list[str] = Field(default_factory=list, description="rows left out and why (blank, 合计 …)")
    warnings: list[str] = Field(default_factory=list)


DocumentRecord = StatementRecord | FormRecord | RosterRecord
