"""Company-level checks: P1, G1, G2, G3, G5, B1."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pipeline.amounts import yuan_str
from pipeline.model import AuditOpinion, Check, CheckStatus, Source
from pipeline.rules import CheckRule
from validators.context import Context, Value, missing, money_words, percent, row
from validators.figures import om_revenue, paid_in_capital

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
        return row(rule, FAIL, "申报表未填写系统集成资质证书编号。", values, evidence)
    if until is not None and until.value < ctx.application_date:
        return row(rule, FAIL, f"系统集成资质证书已于{until.value.isoformat()}过期。", values, evidence)
    if level is None:
        return row(rule, REVIEW, "申报表填写了证书编号，但未填写资质等级，请核对证书。", values, evidence)
    return row(rule, PASS, f"系统集成资质证书{number.value}（{level.value}）。", values, evidence)


def check_g1(ctx: Context, rule: CheckRule) -> Check:
    form = ctx.inputs.form
    if form is None or form.om_start_date is None:
        return missing(rule, "申报表中的从事运维业务起始时间")
    start = form.om_start_date
    need = ctx.thresholds.om_start_min_years
    values: dict[str, Value] = {"om_start_date": start.value.isoformat(),
                                "application_date": ctx.application_date.isoformat()}
    if _add_years(start.value, need) > ctx.application_date:
        message = f"运维业务起始于{start.value.isoformat()}，至申报日不足{need}年。"
        return row(rule, FAIL, message, values, [start.source])
    zero_years: list[str] = []
    evidence = [start.source]
    for year in ctx.fiscal_years:
        om, _ = om_revenue(ctx.inputs, year)
        values[f"om_revenue.{year}"] = yuan_str(om.value) if om else None
        if om is not None:
            evidence.append(om.source)
        if om is None or om.value <= 0:
            zero_years.append(str(year))
    if zero_years:
        message = f"运维业务满{need}年，但{'、'.join(zero_years)}年无运维收入，请核实。"
        return row(rule, REVIEW, message, values, evidence)
    message = f"运维业务起始于{start.value.isoformat()}，满{need}年，近三年均有运维收入。"
    return row(rule, PASS, message, values, evidence)


def check_g2(ctx: Context, rule: CheckRule) -> Check:
    form = ctx.inputs.form
    registered = form.registered_capital if form else None
    paid = paid_in_capital(ctx.inputs, ctx.fiscal_years) or (form.paid_in_capital if form else None)
    if registered is None or paid is None:
        return missing(rule, "注册资本或实收资本")
    t = ctx.thresholds
    values = {"registered_capital": yuan_str(registered.value), "paid_in_capital": yuan_str(paid.value)}
    evidence = [registered.source, paid.source]
    short: list[str] = []
    if registered.value < t.registered_capital_min:
        short.append(f"注册资本{yuan_str(registered.value)}元")
    if paid.value < t.paid_in_capital_min:
        short.append(f"实收资本{yuan_str(paid.value)}元")
    if short:
        return row(rule, FAIL, f"{'、'.join(short)}，低于{money_words(t.paid_in_capital_min)}。", values, evidence)
    return row(rule, PASS, f"注册资本和实收资本均不少于{money_words(t.paid_in_capital_min)}。", values, evidence)


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
    for year, s in found.items():
        opinion = s.opinion.value if s.opinion else None
        values[f"audit_opinion.{year}"] = opinion.value if opinion else None
        values[f"auditor.{year}"] = s.auditor.value if s.auditor else None
        evidence += [s.opinion.source if s.opinion else None, s.auditor.source if s.auditor else None]
        if s.auditor is None or "会计师事务所" not in s.auditor.value:
            notes.append(f"{year}年未识别出境内会计师事务所")
            worst = max(worst, REVIEW, key=_severity)
        if opinion in (AuditOpinion.ADVERSE, AuditOpinion.DISCLAIMER):
            notes.append(f"{year}年审计意见为{_OPINION_TEXT[opinion]}")
            worst = FAIL
        elif opinion in (AuditOpinion.UNQUALIFIED_EMPHASIS, AuditOpinion.QUALIFIED):
            notes.append(f"{year}年审计意见为{_OPINION_TEXT[opinion]}")
            worst = max(worst, REVIEW, key=_severity)
        elif opinion is None:
            notes.append(f"{year}年未识别出审计意见")
            worst = max(worst, REVIEW, key=_severity)
        equity = s.current.equity
        if equity is not None:
            values[f"equity.{year}"] = yuan_str(equity.value)
            evidence.append(equity.source)
            if equity.value <= 0:
                notes.append(f"{year}年末所有者权益合计不为正")
                worst = max(worst, REVIEW, key=_severity)
    if worst is PASS:
        return row(rule, PASS, "近三年均经境内会计师事务所审计，均为标准无保留意见。", values, evidence)
    return row(rule, worst, "；".join(notes) + "。", values, evidence)


def _severity(status: CheckStatus) -> int:
    return {PASS: 0, REVIEW: 1, FAIL: 2}.get(status, 1)


def check_g5(ctx: Context, rule: CheckRule) -> Check:
    form = ctx.inputs.form
    if form is None:
        return missing(rule, "申报表")
    cert = form.itss_cert_number
    if cert is None:
        return row(rule, FAIL, "申报表未填写运维通用要求符合性评估（ITSS）证书。")
    return row(rule, PASS, f"ITSS符合性评估证书{cert.value}。", {"itss_cert_number": cert.value}, [cert.source])


def check_b1(ctx: Context, rule: CheckRule) -> Check:
    t = ctx.thresholds
    om_sum = total_sum = Decimal(0)
    unaudited: list[str] = []
    evidence: list[Source] = []
    for year in ctx.fiscal_years:
        om, audited = om_revenue(ctx.inputs, year)
        statement = ctx.inputs.statement(year)
        total = statement.current.total_revenue if statement else None
        if om is None or total is None:
            return missing(rule, f"{year}年的{'运维收入' if om is None else '经审计营业收入'}")
        if not audited:
            unaudited.append(str(year))
        om_sum += om.value
        total_sum += total.value
        evidence += [om.source, total.source]
    share = om_sum / total_sum if total_sum > 0 else Decimal(0)
    values = {"om_revenue_3y": yuan_str(om_sum), "total_revenue_3y": yuan_str(total_sum),
              "om_revenue_share": str(share.quantize(Decimal("0.0001")))}
    met = om_sum >= t.om_revenue_3y_high or (om_sum >= t.om_revenue_3y_low and share >= t.om_revenue_share_min)
    summary = f"近三年运维收入{yuan_str(om_sum)}元，占营业收入{percent(share)}"
    if not met:
        bar = (f"{money_words(t.om_revenue_3y_high)}（或{money_words(t.om_revenue_3y_low)}"
               f"且{percent(t.om_revenue_share_min)}）")
        return row(rule, FAIL, f"{summary}，未达到{bar}。", values, evidence)
    if unaudited:
        note = f"；{'、'.join(unaudited)}年审计报告附注无运维收入分项，采用申报表数据，需人工核实。"
        return row(rule, REVIEW, summary + note, values, evidence)
    return row(rule, PASS, summary + "。", values, evidence)
