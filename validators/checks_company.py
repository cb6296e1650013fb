"""Company-level checks: P1, G1, G2, G3, G5, B1.

A value not found is never a fail (validators/sought.py): the check is ``missing`` (or ``review``) and
says what was looked for where; a value the applicant wrote as none is a value, and may fail.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from omreview.amounts import yuan_str
from omreview.model import AuditOpinion, Check, CheckStatus, Source
from omreview.rules import CheckRule
from omreview.validators.context import Context, Value, missing, money_words, percent, row
from omreview.validators.figures import om_revenue_reading, paid_in_capital
from omreview.validators.sought import (
    Sought,
    form_field,
    form_place,
    not_found,
    statement_place,
    written_none,
    years_text,
)

PASS, FAIL, REVIEW = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.REVIEW


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def check_p1(ctx: Context, rule: CheckRule) -> Check:
    form = ctx.inputs.form
    if form is None:
        return missing(rule, "申报表")
    number, level, until = form.si_cert_number, form.si_cert_level, form.si_cert_valid_until
    values = {"si_cert_number": number.value if number else None, "si_cert_level": level.value if level else None,
              "si_cert_valid_until": until.value.isoformat() if until else None}
    evidence = [x.source for x in (number, level, until) if x is not None]
    if number is None:
        stated = form.none_written("si_cert_number")
        if stated is not None:
            return row(rule, FAIL, f"{written_none('系统集成资质证书编号', stated)}。", values, [*evidence, stated])
        return not_found(rule, [form_field(ctx, "si_cert_number", "系统集成资质证书编号")], values, evidence)
    if until is not None and until.value < ctx.application_date:
        return row(rule, FAIL, f"系统集成资质证书已于{until.value.isoformat()}过期。", values, evidence)
    if level is None:
        stated = form.none_written("si_cert_level")
        why = (written_none("资质等级", stated) if stated is not None
               else form_field(ctx, "si_cert_level", "资质等级").sentence())
        message = f"申报表填写了系统集成资质证书编号{number.value}，但{why}，请核对证书。"
        return row(rule, REVIEW, message, values, [*evidence, stated])
    return row(rule, PASS, f"系统集成资质证书{number.value}（{level.value}）。", values, evidence)


def om_sought(ctx: Context, years: list[int]) -> Sought:
    """Where the O&M revenue of ``years`` was looked for: the audited notes' breakdown, then the form's table."""
    places: list[tuple[str, tuple[str, ...]]] = []
    audited = [y for y in years if ctx.inputs.statement(y) is not None]
    if audited:
        places.append((statement_place(ctx, audited, "附注的营业收入分项"), tuple(ctx.rules.labels.om_revenue_lines)))
    if ctx.inputs.form is not None:
        places.append((form_place(ctx, "的营业收入表"), tuple(ctx.rules.labels.declared_revenue["om_revenue"])))
    return Sought(f"{years_text(years)}年的运维收入", tuple(places))


def check_g1(ctx: Context, rule: CheckRule) -> Check:
    form = ctx.inputs.form
    if form is None:
        return missing(rule, "申报表")
    need = ctx.thresholds.om_start_min_years
    start = form.om_start_date
    values: dict[str, Value] = {"om_start_date": start.value.isoformat() if start else None,
                                "application_date": ctx.application_date.isoformat()}
    if start is None:
        stated = form.none_written("om_start_date")
        if stated is not None:
            return row(rule, FAIL, f"{written_none('从事运维业务起始时间', stated)}。", values, [stated])
        return not_found(rule, [form_field(ctx, "om_start_date", "从事运维业务起始时间")], values)
    if _add_years(start.value, need) > ctx.application_date:
        message = f"运维业务起始于{start.value.isoformat()}，至申报日不足{need}年。"
        return row(rule, FAIL, message, values, [start.source])
    zero_years: list[str] = []
    stated_years: list[str] = []
    unknown: list[int] = []
    evidence: list[Source | None] = [start.source]
    for year in ctx.fiscal_years:
        reading = om_revenue_reading(ctx.inputs, year)
        om = reading.money
        values[f"om_revenue.{year}"] = yuan_str(om.value) if om else None
        if om is not None:
            evidence.append(om.source)
            if om.value <= 0:
                zero_years.append(str(year))
        elif reading.stated_none is not None:
            evidence.append(reading.stated_none)
            stated_years.append(written_none(f"{year}年运维收入", reading.stated_none))
        else:
            unknown.append(year)
    if unknown:
        lead = f"运维业务起始于{start.value.isoformat()}，满{need}年，但无法确认近三年均有运维收入"
        return not_found(rule, [om_sought(ctx, unknown)], values, evidence, lead=lead)
    if zero_years or stated_years:
        parts = ([f"{'、'.join(zero_years)}年无运维收入"] if zero_years else []) + stated_years
        message = f"运维业务满{need}年，但{'；'.join(parts)}，请核实。"
        return row(rule, REVIEW, message, values, evidence)
    message = f"运维业务起始于{start.value.isoformat()}，满{need}年，近三年均有运维收入。"
    return row(rule, PASS, message, values, evidence)


def check_g2(ctx: Context, rule: CheckRule) -> Check:
    form = ctx.inputs.form
    if form is None:
        return missing(rule, "申报表")
    t = ctx.thresholds
    registered = form.registered_capital
    audited = paid_in_capital(ctx.inputs, ctx.fiscal_years)
    paid = audited or form.paid_in_capital
    values: dict[str, Value] = {"registered_capital": yuan_str(registered.value) if registered else None,
                                "paid_in_capital": yuan_str(paid.value) if paid else None}
    evidence: list[Source | None] = [registered.source if registered else None, paid.source if paid else None]
    short: list[str] = []
    unknown: list[Sought] = []
    if registered is not None:
        if registered.value < t.registered_capital_min:
            short.append(f"注册资本{yuan_str(registered.value)}元")
    elif (stated := form.none_written("registered_capital")) is not None:
        short.append(written_none("注册资本", stated))
        evidence.append(stated)
    else:
        unknown.append(form_field(ctx, "registered_capital", "注册资本"))
    from_form = audited is None and paid is not None
    if paid is not None:
        if paid.value < t.paid_in_capital_min:
            short.append(f"实收资本{yuan_str(paid.value)}元" + ("（申报表数据）" if from_form else ""))
    elif (stated := form.none_written("paid_in_capital")) is not None:
        short.append(written_none("实收资本", stated))
        evidence.append(stated)
    else:
        unknown += [_audited_paid_in_sought(ctx), form_field(ctx, "paid_in_capital", "申报表中的实收资本")]
    if short:
        return row(rule, FAIL, f"{'、'.join(short)}，低于{money_words(t.paid_in_capital_min)}。", values, evidence)
    if unknown:
        return not_found(rule, unknown, values, evidence)
    if from_form:
        message = (f"注册资本和实收资本均不少于{money_words(t.paid_in_capital_min)}，但"
                   f"{_audited_paid_in_sought(ctx).sentence()}，实收资本采用申报表数据，需人工核实。")
        return row(rule, REVIEW, message, {**values, "paid_in_capital_source": "form"}, evidence)
    return row(rule, PASS, f"注册资本和实收资本均不少于{money_words(t.paid_in_capital_min)}。", values, evidence)


def _audited_paid_in_sought(ctx: Context) -> Sought:
    years = [y for y in ctx.fiscal_years if ctx.inputs.statement(y) is not None]
    labels = tuple(ctx.rules.labels.statement_rows["paid_in_capital"])
    return Sought("经审计的实收资本", tuple((statement_place(ctx, y, "的资产负债表"), labels) for y in reversed(years)))


_OPINION_TEXT = {
    AuditOpinion.UNQUALIFIED: "标准无保留意见", AuditOpinion.UNQUALIFIED_EMPHASIS: "带强调事项段的无保留意见",
    AuditOpinion.QUALIFIED: "保留意见", AuditOpinion.ADVERSE: "否定意见", AuditOpinion.DISCLAIMER: "无法表示意见",
}


def check_g3(ctx: Context, rule: CheckRule) -> Check:
    found = {y: s for y in ctx.fiscal_years if (s := ctx.inputs.statement(y)) is not None}
    absent = [str(y) for y in ctx.fiscal_years if y not in found]
    if absent:
        return missing(rule, f"{'、'.join(absent)}年度的审计报告")
    worst = PASS
    notes: list[str] = []
    values: dict[str, Value] = {}
    evidence: list[Source | None] = []
    no_auditor: list[int] = []
    no_opinion: list[int] = []
    no_equity: list[int] = []
    for year, s in found.items():
        opinion = s.opinion.value if s.opinion else None
        values[f"audit_opinion.{year}"] = opinion.value if opinion else None
        values[f"auditor.{year}"] = s.auditor.value if s.auditor else None
        evidence += [s.opinion.source if s.opinion else None, s.auditor.source if s.auditor else None]
        if s.auditor is None:
            no_auditor.append(year)
        elif "会计师事务所" not in s.auditor.value:
            notes.append(f"{year}年审计机构「{s.auditor.value}」不是境内会计师事务所")
            worst = max(worst, REVIEW, key=_severity)
        if opinion in (AuditOpinion.ADVERSE, AuditOpinion.DISCLAIMER):
            notes.append(f"{year}年审计意见为{_OPINION_TEXT[opinion]}")
            worst = FAIL
        elif opinion in (AuditOpinion.UNQUALIFIED_EMPHASIS, AuditOpinion.QUALIFIED):
            notes.append(f"{year}年审计意见为{_OPINION_TEXT[opinion]}")
            worst = max(worst, REVIEW, key=_severity)
        elif opinion is None:
            no_opinion.append(year)
        equity = s.current.equity
        if equity is not None:
            values[f"equity.{year}"] = yuan_str(equity.value)
            evidence.append(equity.source)
            if equity.value <= 0:
                notes.append(f"{year}年末所有者权益合计不为正")
                worst = max(worst, REVIEW, key=_severity)
        else:
            no_equity.append(year)
    sought = _g3_sought(ctx, no_auditor, no_opinion, no_equity)
    if sought:  # a value not found: a reviewer looks, it never fails
        notes += [s.sentence() for s in sought]
        worst = max(worst, REVIEW, key=_severity)
    if worst is PASS:
        return row(rule, PASS, "近三年均经境内会计师事务所审计，均为标准无保留意见。", values, evidence)
    return row(rule, worst, "；".join(notes) + "。", values, evidence)


def _g3_sought(ctx: Context, no_auditor: list[int], no_opinion: list[int], no_equity: list[int]) -> list[Sought]:
    labels = ctx.rules.labels
    opinion_labels = tuple(dict.fromkeys(w for words in labels.audit_opinions.values() for w in words))
    wanted = ((no_auditor, "的审计机构（会计师事务所）名称", "", tuple(labels.statement_pdf.audit_firm)),
              (no_opinion, "的审计意见", "", opinion_labels),
              (no_equity, "末所有者权益合计", "的资产负债表", tuple(labels.statement_rows["equity"])))
    return [Sought(f"{years_text(years)}年{what}", ((statement_place(ctx, years, part), words),))
            for years, what, part, words in wanted if years]


def _severity(status: CheckStatus) -> int:
    return {PASS: 0, REVIEW: 1, FAIL: 2}.get(status, 1)


def check_g5(ctx: Context, rule: CheckRule) -> Check:
    form = ctx.inputs.form
    if form is None:
        return missing(rule, "申报表")
    cert = form.itss_cert_number
    if cert is None:
        stated = form.none_written("itss_cert_number")
        if stated is not None:
            message = f"{written_none('运维通用要求符合性评估（ITSS）证书编号', stated)}。"
            return row(rule, FAIL, message, {"itss_cert_number": None}, [stated])
        sought = form_field(ctx, "itss_cert_number", "运维通用要求符合性评估（ITSS）证书编号")
        return not_found(rule, [sought], {"itss_cert_number": None})
    return row(rule, PASS, f"ITSS符合性评估证书{cert.value}。", {"itss_cert_number": cert.value}, [cert.source])


def check_b1(ctx: Context, rule: CheckRule) -> Check:
    t = ctx.thresholds
    om_sum = total_sum = Decimal(0)
    stand_in: list[int] = []  # years whose notes give no O&M revenue: the form's stands in
    stated: list[str] = []
    om_unknown: list[int] = []
    no_statement: list[int] = []
    total_unknown: list[int] = []
    evidence: list[Source | None] = []
    for year in ctx.fiscal_years:
        reading = om_revenue_reading(ctx.inputs, year)
        statement = ctx.inputs.statement(year)
        if reading.money is not None:
            om_sum += reading.money.value
            evidence.append(reading.money.source)
        elif reading.stated_none is not None:  # the applicant's own "none": counts as nothing
            stated.append(written_none(f"{year}年运维收入", reading.stated_none))
            evidence.append(reading.stated_none)
        else:
            om_unknown.append(year)
        if not reading.audited and statement is not None:
            stand_in.append(year)
        total = statement.current.total_revenue if statement else None
        if total is not None:
            total_sum += total.value
            evidence.append(total.source)
        else:
            (no_statement if statement is None else total_unknown).append(year)
    totals_sought = ([Sought(f"{years_text(no_statement)}年度审计报告", ())] if no_statement else []) + (
        [Sought(f"{years_text(total_unknown)}年经审计的营业收入", ((statement_place(ctx, total_unknown, "的利润表"),
                                                               tuple(ctx.rules.labels.statement_rows["total_revenue"])),))]
        if total_unknown else [])
    if om_unknown:
        return not_found(rule, [om_sought(ctx, om_unknown), *totals_sought], evidence=evidence)
    share = None if totals_sought else om_sum / total_sum if total_sum > 0 else Decimal(0)
    values: dict[str, Value] = {"om_revenue_3y": yuan_str(om_sum)}
    if share is not None:
        values.update(total_revenue_3y=yuan_str(total_sum), om_revenue_share=str(share.quantize(Decimal("0.0001"))))
    summary = f"近三年运维收入{yuan_str(om_sum)}元" + (f"，占营业收入{percent(share)}" if share is not None else "")
    if stated:
        summary += f"（{'；'.join(stated)}，按0计）"
    high = om_sum >= t.om_revenue_3y_high
    if share is None and not high and om_sum >= t.om_revenue_3y_low:  # the share decides, and is unknown
        return not_found(rule, totals_sought, values, evidence, lead=f"{summary}，占营业收入的比例无法计算")
    met = high or (om_sum >= t.om_revenue_3y_low and share is not None and share >= t.om_revenue_share_min)
    if not met:
        bar = (f"{money_words(t.om_revenue_3y_high)}（或{money_words(t.om_revenue_3y_low)}"
               f"且{percent(t.om_revenue_share_min)}）")
        return row(rule, FAIL, f"{summary}，未达到{bar}。", values, evidence)
    if stand_in or no_statement:
        unaudited = ([f"{years_text(no_statement)}年无审计报告"] if no_statement else []) + (
            [Sought(f"{years_text(stand_in)}年经审计的运维收入", ((statement_place(ctx, stand_in, "附注的营业收入分项"),
                                                               tuple(ctx.rules.labels.om_revenue_lines)),)).sentence()]
            if stand_in else [])
        note = f"；{'；'.join(unaudited)}，采用申报表数据，需人工核实。"
        return row(rule, REVIEW, summary + note, values, evidence)
    if totals_sought:  # 1亿 or more: met whatever the share
        note = f"；{'；'.join(s.sentence() for s in totals_sought)}，未计算占比。"
        return row(rule, REVIEW, summary + note, values, evidence)
    return row(rule, PASS, summary + "。", values, evidence)
