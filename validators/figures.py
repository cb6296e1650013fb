"""The report's figures (REPORT.md names), each from its authoritative source.

Money comes from the audited statements, staff figures from the roster, and what only the form
carries from the form. Derived figures (three-year sums, ratios, counts) carry no single source.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from omreview.identifiers import is_valid_id_number
from omreview.model import Figure, Source
from omreview.records import Education, KeyRole, Money, RosterRecord, StaffRow, TitleLevel
from omreview.validators.inputs import Inputs

COLLEGE_OR_ABOVE = {Education.DOCTORATE, Education.MASTER, Education.BACHELOR, Education.COLLEGE}
SENIOR_LEVELS = {TitleLevel.SENIOR, TitleLevel.FULL_SENIOR}


def counted_staff(roster: RosterRecord) -> list[StaffRow]:
    """T2's staff: rows with a valid 身份证号, a duplicated number counted once (its first row)."""
    seen: dict[str, StaffRow] = {}
    for row in roster.rows:
        if is_valid_id_number(row.id_number) and row.id_number not in seen:
            seen[row.id_number] = row
    return list(seen.values())


@dataclass(frozen=True)
class OmReading:
    """One year's O&M revenue as read: the amount and whether it is audited, or the applicant's own "none"."""

    money: Money | None
    audited: bool = False
    stated_none: Source | None = None  # the form writes the year's O&M revenue as none (and the notes have none)


def om_revenue_reading(inputs: Inputs, year: int) -> OmReading:
    """The notes' O&M lines of ``year``, else the form's declaration (its amount, or its explicit none).

    ``money`` and ``stated_none`` both ``None``: the value was found nowhere.
    """
    statement = inputs.statement(year)
    if statement is not None and statement.om_revenue is not None:
        return OmReading(statement.om_revenue, audited=True)
    if inputs.form is None:
        return OmReading(None)
    for declared in inputs.form.declared_years:
        if declared.year == year and declared.om_revenue is not None:
            return OmReading(declared.om_revenue)
    return OmReading(None, stated_none=inputs.form.none_written(f"declared_years.{year}.om_revenue"))


def om_revenue(inputs: Inputs, year: int) -> tuple[Money | None, bool]:
    """(O&M revenue of ``year``, whether it is audited): the notes' lines, else the form's declaration."""
    reading = om_revenue_reading(inputs, year)
    return reading.money, reading.audited


def paid_in_capital(inputs: Inputs, fiscal_years: list[int]) -> Money | None:
    """From the latest fiscal-window balance sheet that shows it."""
    for year in reversed(fiscal_years):
        statement = inputs.statement(year)
        if statement is not None and statement.current.paid_in_capital is not None:
            return statement.current.paid_in_capital
    return None


def build_figures(inputs: Inputs, fiscal_years: list[int]) -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    _statement_figures(figures, inputs, fiscal_years)
    _form_figures(figures, inputs)
    if inputs.roster is not None:
        _roster_figures(figures, inputs.roster)
    return figures


def _statement_figures(figures: dict[str, Figure], inputs: Inputs, fiscal_years: list[int]) -> None:
    om_sum = total_sum = Decimal(0)
    om_complete = total_complete = True
    for year in fiscal_years:
        statement = inputs.statement(year)
        om, _ = om_revenue(inputs, year)
        if om is not None:
            figures[f"om_revenue.{year}"] = Figure.money(om.amount(), om.source)
            om_sum += om.value
        else:
            om_complete = False
        if statement is None:
            total_complete = False
            continue
        cur = statement.current
        for name, money in (("total_revenue", cur.total_revenue), ("net_profit", cur.net_profit),
                            ("equity", cur.equity)):
            if money is not None:
                figures[f"{name}.{year}"] = Figure.money(money.amount(), money.source)
        if cur.total_revenue is not None:
            total_sum += cur.total_revenue.value
        else:
            total_complete = False
        if statement.auditor is not None:
            figures[f"auditor.{year}"] = Figure.text_value(statement.auditor.value, statement.auditor.source)
        if statement.opinion is not None:
            figures[f"audit_opinion.{year}"] = Figure.text_value(statement.opinion.value.value,
                                                                 statement.opinion.source)
    paid_in = paid_in_capital(inputs, fiscal_years)
    if paid_in is not None:
        figures["paid_in_capital"] = Figure.money(paid_in.amount(), paid_in.source)
    if om_complete:
        figures["om_revenue_3y"] = Figure(value=str(om_sum.quantize(Decimal("0.01"))), unit="CNY")
    if total_complete:
        figures["total_revenue_3y"] = Figure(value=str(total_sum.quantize(Decimal("0.01"))), unit="CNY")
    if om_complete and total_complete and total_sum > 0:
        figures["om_revenue_share"] = Figure.ratio(om_sum / total_sum)


def _form_figures(figures: dict[str, Figure], inputs: Inputs) -> None:
    form = inputs.form
    if form is None:
        return
    if form.registered_capital is not None:
        figures["registered_capital"] = Figure.money(form.registered_capital.amount(), form.registered_capital.source)
    if "paid_in_capital" not in figures and form.paid_in_capital is not None:
        figures["paid_in_capital"] = Figure.money(form.paid_in_capital.amount(), form.paid_in_capital.source)
    for name, value in (("founded_date", form.founded_date), ("om_start_date", form.om_start_date)):
        if value is not None:
            figures[name] = Figure.date(value.value, value.source)
    people = {p.role: p for p in form.key_persons}
    principal, tech, finance = (people.get(r) for r in (KeyRole.PRINCIPAL, KeyRole.TECH_LEAD, KeyRole.FINANCE_LEAD))
    if principal is not None and principal.mgmt_years is not None:
        figures["principal_mgmt_years"] = Figure.count(principal.mgmt_years.value, principal.mgmt_years.source)
    if tech is not None and tech.om_years is not None:
        figures["tech_lead_om_years"] = Figure.count(tech.om_years.value, tech.om_years.source)
    if tech is not None and tech.title is not None:
        figures["tech_lead_title"] = Figure.text_value(tech.title.value, tech.title.source)
    if finance is not None and finance.title is not None:
        figures["finance_lead_title"] = Figure.text_value(finance.title.value, finance.title.source)


def _roster_figures(figures: dict[str, Figure], roster: RosterRecord) -> None:
    staff = counted_staff(roster)
    college = sum(1 for row in staff if row.education in COLLEGE_OR_ABOVE)
    senior = sum(1 for row in staff if row.title_level in SENIOR_LEVELS)
    first = roster.rows[0].source if roster.rows else None
    where = roster.place(first.file, first.sha256) if first else None
    figures["om_staff_count"] = Figure.count(len(staff), where)
    figures["college_or_above_count"] = Figure.count(college, where)
    figures["senior_title_count"] = Figure.count(senior, where)
    if staff:
        figures["college_or_above_ratio"] = Figure.ratio(Decimal(college) / Decimal(len(staff)), where)
