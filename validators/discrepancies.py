"""Cross-document discrepancies: every disagreement on a named figure, with each value and its source.

Personal data never leaves here unmasked: 身份证号 and names in messages and values are masked;
the source (sheet and cell) lets a reviewer open the row on purpose.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from omreview.amounts import agree, yuan_str
from omreview.identifiers import (
    CompanyIdKind,
    id_number_problem,
    is_valid_software_copyright,
    mask_id_number,
    mask_name,
)
from omreview.model import Discrepancy, DiscrepancyValue, Source
from omreview.records import Education, KeyRole, Money, StaffRow, Text
from omreview.validators import certificates, contracts
from omreview.validators.checks_projects import qualifying
from omreview.validators.company_ids import form_identifiers
from omreview.validators.context import Context, percent
from omreview.validators.contracts import client_key
from omreview.validators.figures import counted_staff

_ROLE_NAMES = {KeyRole.PRINCIPAL: "主要负责人", KeyRole.TECH_LEAD: "运维技术负责人", KeyRole.FINANCE_LEAD: "财务负责人"}


def _value(value: str, source: Source | None) -> DiscrepancyValue:
    return DiscrepancyValue(value=value, source=source)


def _exponent(value: Decimal) -> int:
    """A finite Decimal's exponent (a record's Decimals are finite: pydantic refuses NaN and infinity)."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):
        raise ValueError(f"not a finite number: {value}")
    return exponent


def _money_pair(figure: str, what: str, declared: Money, audited: Money) -> Discrepancy | None:
    if agree(declared.amount(), audited.amount()):
        return None
    return Discrepancy(
        figure=figure,
        message=f"{what}：申报表{yuan_str(declared.value)}元，审计报告{yuan_str(audited.value)}元，不一致。",
        values=[_value(yuan_str(declared.value), declared.source), _value(yuan_str(audited.value), audited.source)],
    )


def find_discrepancies(ctx: Context) -> list[Discrepancy]:
    out: list[Discrepancy] = []
    out += _declared_vs_audited(ctx)
    out += _restatements(ctx)
    out += _roster_rows(ctx)
    out += _declared_staff(ctx)
    out += _identifiers(ctx)
    out += _key_persons(ctx)
    out += _contracts(ctx)
    out += certificates.discrepancies(ctx)  # none without certificates or a licence
    return out


def _contracts(ctx: Context) -> list[Discrepancy]:
    """The contracts' discrepancies (validators/contracts.py); none when the folder has no contracts."""
    form = ctx.inputs.form
    if not ctx.links.present or form is None:
        return []
    counted = [i for i, p in enumerate(form.projects, 1) if any(p is q for q in qualifying(ctx))]
    return contracts.discrepancies(form, ctx.links, counted, ctx.rules)


def _declared_vs_audited(ctx: Context) -> list[Discrepancy]:
    form = ctx.inputs.form
    out: list[Discrepancy] = []
    if form is None:
        return out
    for declared in form.declared_years:
        statement = ctx.inputs.statement(declared.year)
        if statement is None:
            continue
        pairs = (("total_revenue", "营业收入", declared.total_revenue, statement.current.total_revenue),
                 ("om_revenue", "运维收入", declared.om_revenue, statement.om_revenue))
        for name, what, mine, theirs in pairs:
            if mine is not None and theirs is not None:
                found = _money_pair(f"{name}.{declared.year}", f"{declared.year}年{what}", mine, theirs)
                out += [found] if found else []
    latest = next((ctx.inputs.statement(y) for y in reversed(ctx.fiscal_years) if ctx.inputs.statement(y)), None)
    if form.paid_in_capital is not None and latest is not None and latest.current.paid_in_capital is not None:
        found = _money_pair("paid_in_capital", "实收资本", form.paid_in_capital, latest.current.paid_in_capital)
        out += [found] if found else []
    return out


def _restatements(ctx: Context) -> list[Discrepancy]:
    """A statement's prior-year column against the previous year's own report."""
    out: list[Discrepancy] = []
    for year in ctx.fiscal_years[1:]:
        this, previous = ctx.inputs.statement(year), ctx.inputs.statement(year - 1)
        if this is None or previous is None:
            continue
        for name, what in (("total_revenue", "营业收入"), ("net_profit", "净利润"), ("equity", "所有者权益合计")):
            prior, own = getattr(this.prior, name), getattr(previous.current, name)
            if prior is None or own is None or agree(prior.amount(), own.amount()):
                continue
            out.append(Discrepancy(
                figure=f"{name}.{year - 1}",
                message=(f"{year - 1}年{what}：{year}年报告的上年数{yuan_str(prior.value)}元，"
                         f"与{year - 1}年报告的本年数{yuan_str(own.value)}元不一致（追溯调整？）。"),
                values=[_value(yuan_str(own.value), own.source), _value(yuan_str(prior.value), prior.source)],
            ))
    return out


def _roster_rows(ctx: Context) -> list[Discrepancy]:
    roster = ctx.inputs.roster
    if roster is None:
        return []
    out: list[Discrepancy] = []
    first_row: dict[str, StaffRow] = {}
    for r in roster.rows:
        problem = id_number_problem(r.id_number)
        masked = mask_id_number(r.id_number)
        if problem:
            out.append(Discrepancy(figure=f"roster.id_number.row{r.row}",
                                   message=f"人员名册{r.where()}身份证号{masked}：{problem}，不计入运维人员。",
                                   values=[_value(masked, r.source)]))
        elif r.id_number in first_row:
            first = first_row[r.id_number]
            out.append(Discrepancy(figure=f"roster.duplicate.row{r.row}",
                                   message=f"人员名册{r.where()}与{first.where()}身份证号相同（{masked}），只计一人。",
                                   values=[_value(masked, first.source), _value(masked, r.source)]))
        else:
            first_row[r.id_number] = r
        if r.education is Education.UNKNOWN:
            message = f"人员名册{r.where()}学历「{r.education_raw or '空'}」无法识别，按大专以下计。"
            out.append(Discrepancy(figure=f"roster.education.row{r.row}", message=message,
                                   values=[_value(r.education_raw, r.source)]))
    return out


def _declared_staff(ctx: Context) -> list[Discrepancy]:
    form, roster = ctx.inputs.form, ctx.inputs.roster
    if form is None or roster is None:
        return []
    staff = counted_staff(roster)
    college = sum(1 for r in staff if r.education in {Education.DOCTORATE, Education.MASTER, Education.BACHELOR,
                                                       Education.COLLEGE})
    where = roster.place(staff[0].source.file, staff[0].source.sha256) if staff else None
    out: list[Discrepancy] = []
    for name, what, declared, actual in (("om_staff_count", "运维人员总数", form.declared_staff_count, len(staff)),
                                         ("college_or_above_count", "大专及以上学历人数", form.declared_college_count,
                                          college)):
        if declared is not None and declared.value != actual:
            out.append(Discrepancy(figure=name, message=f"{what}：申报表{declared.value}人，人员名册{actual}人。",
                                   values=[_value(str(declared.value), declared.source), _value(str(actual), where)]))
    ratio = form.declared_college_ratio
    if ratio is not None and staff:
        actual_ratio = Decimal(college) / Decimal(len(staff))
        written = Decimal(1).scaleb(min(_exponent(ratio.value), 0))  # 0.8594 was written to 0.0001
        if abs(actual_ratio - ratio.value) > written / 2:  # the agree rule, applied to a ratio
            out.append(Discrepancy(
                figure="college_or_above_ratio",
                message=f"大专及以上学历占比：申报表{percent(ratio.value)}，人员名册{percent(actual_ratio)}。",
                values=[_value(str(ratio.value), ratio.source),
                        _value(str(actual_ratio.quantize(Decimal("0.0001"))), where)]))
    return out


def _identifiers(ctx: Context) -> list[Discrepancy]:
    form = ctx.inputs.form
    out: list[Discrepancy] = []
    if form is None:
        return out
    for found in form_identifiers(ctx)[0]:  # 统一社会信用代码, 营业执照注册号, 组织机构代码: each its own check
        company_id = found.company_id
        if company_id.problem is None:
            continue
        kind = company_id.kind
        figure = "credit_code" if kind is CompanyIdKind.CREDIT_CODE else f"credit_code.{kind.value}"
        out.append(Discrepancy(figure=figure, message=f"{company_id.name}{company_id.shown}{company_id.problem}。",
                               values=[_value(company_id.shown, found.source)]))
    company = form.company_name
    me = client_key(company.value, ctx.rules) if company else None
    for i, s in enumerate(form.software, 1):
        if s.number is None or not is_valid_software_copyright(s.number.value, ctx.rules):
            shown = s.number.value if s.number else "未填写"
            out.append(Discrepancy(figure=f"software_copyright.number.item{i}",
                                   message=f"软件著作权「{s.name.value}」的登记号「{shown}」格式不正确。",
                                   values=[_value(shown, s.number.source if s.number else s.name.source)]))
        if company is not None and s.holder is not None and client_key(s.holder.value, ctx.rules) != me:
            out.append(Discrepancy(figure=f"software_copyright.holder.item{i}",
                                   message=f"软件著作权「{s.name.value}」的著作权人为{s.holder.value}，不是申报企业。",
                                   values=[_value(s.holder.value, s.holder.source),
                                           _value(company.value, company.source)]))
    return out


def _key_persons(ctx: Context) -> list[Discrepancy]:
    form, roster = ctx.inputs.form, ctx.inputs.roster
    if form is None or roster is None:
        return []
    by_name = Counter(r.name for r in roster.rows)
    rows = {r.name: r for r in roster.rows}
    out: list[Discrepancy] = []
    for p in form.key_persons:
        if p.name is None or by_name[p.name.value] != 1:
            continue
        r = rows[p.name.value]
        differences: list[tuple[str, Text, str]] = []
        if p.title is not None and r.title_raw and p.title.value != r.title_raw:
            differences.append(("职称", p.title, r.title_raw))
        if p.education is not None and r.education_raw and p.education.value != r.education_raw:
            differences.append(("学历", p.education, r.education_raw))
        for what, form_value, roster_value in differences:
            out.append(Discrepancy(
                figure=f"key_person.{p.role.value}",
                message=(f"{_ROLE_NAMES[p.role]}（{mask_name(p.name.value)}）{what}：申报表为{form_value.value}，"
                         f"人员名册{r.where()}为{roster_value}。"),
                values=[_value(form_value.value, form_value.source), _value(roster_value, r.source)],
            ))
    return out
