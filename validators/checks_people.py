"""Key-person and staff checks: M2a, M2b, M2c, T2, and the figures shown with manual checks."""

from __future__ import annotations

from decimal import Decimal

from pipeline.model import Check, CheckStatus
from pipeline.people import is_it_specialty, title_of
from pipeline.records import Education, KeyPerson, KeyRole, TitleLevel, TitleSeries
from pipeline.rules import CheckRule
from validators.context import Context, Value, missing, percent, row
from validators.figures import COLLEGE_OR_ABOVE, SENIOR_LEVELS, counted_staff

PASS, FAIL, REVIEW = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.REVIEW
_INTERMEDIATE_UP = {TitleLevel.INTERMEDIATE, TitleLevel.SENIOR, TitleLevel.FULL_SENIOR}


def person(ctx: Context, role: KeyRole) -> KeyPerson | None:
    form = ctx.inputs.form
    return next((p for p in form.key_persons if p.role is role), None) if form else None


def check_m2a(ctx: Context, rule: CheckRule) -> Check:
    p = person(ctx, KeyRole.PRINCIPAL)
    if p is None or p.mgmt_years is None:
        return missing(rule, "主要负责人的IT企业管理年限")
    need = ctx.thresholds.principal_mgmt_years_min
    status = PASS if p.mgmt_years.value >= need else FAIL
    return row(rule, status, f"主要负责人从事IT企业管理{p.mgmt_years.value}年（要求不少于{need}年）。",
               {"principal_mgmt_years": p.mgmt_years.value}, [p.mgmt_years.source])


def check_m2b(ctx: Context, rule: CheckRule) -> Check:
    p = person(ctx, KeyRole.TECH_LEAD)
    if p is None or p.title is None or p.om_years is None:
        return missing(rule, "运维技术负责人的职称或运维年限")
    need = ctx.thresholds.tech_lead_om_years_min
    level, series = title_of(p.title.value, ctx.rules)
    specialty = p.specialty.value if p.specialty else ""
    values: dict[str, Value] = {"tech_lead_title": p.title.value, "tech_lead_specialty": specialty or None,
              "tech_lead_om_years": p.om_years.value}
    evidence = [p.title.source, p.om_years.source, p.specialty.source if p.specialty else None]
    problems: list[str] = []
    if level not in SENIOR_LEVELS or series is not TitleSeries.ENGINEERING:
        problems.append(f"职称为{p.title.value}，不是电子信息类高级职称")
    if p.om_years.value < need:
        problems.append(f"运维工作经历{p.om_years.value}年，不足{need}年")
    if problems:
        return row(rule, FAIL, "；".join(problems) + "。", values, evidence)
    if not is_it_specialty(specialty, ctx.rules):
        message = f"职称为{p.title.value}，但专业「{specialty or '未填写'}」是否属电子信息类需人工确认。"
        return row(rule, REVIEW, message, values, evidence)
    return row(rule, PASS, f"{p.title.value}（{specialty}），运维工作经历{p.om_years.value}年。", values, evidence)


def check_m2c(ctx: Context, rule: CheckRule) -> Check:
    p = person(ctx, KeyRole.FINANCE_LEAD)
    if p is None or p.title is None:
        return missing(rule, "财务负责人的职称")
    level, series = title_of(p.title.value, ctx.rules)
    ok = series is TitleSeries.ACCOUNTING and level in _INTERMEDIATE_UP
    message = f"财务负责人职称为{p.title.value}" + ("。" if ok else "，不是财务系列中级及以上职称。")
    return row(rule, PASS if ok else FAIL, message, {"finance_lead_title": p.title.value}, [p.title.source])


def check_t2(ctx: Context, rule: CheckRule) -> Check:
    roster = ctx.inputs.roster
    if roster is None:
        return missing(rule, "人员名册")
    staff = counted_staff(roster)
    college = sum(1 for r in staff if r.education in COLLEGE_OR_ABOVE)
    unknown = sum(1 for r in staff if r.education is Education.UNKNOWN)
    t = ctx.thresholds
    ratio = Decimal(college) / Decimal(len(staff)) if staff else Decimal(0)
    values: dict[str, Value] = {"om_staff_count": len(staff), "college_or_above_count": college,
              "college_or_above_ratio": str(ratio.quantize(Decimal("0.0001"))), "unknown_education_count": unknown}
    evidence = [r.source for r in staff[:1]]
    summary = f"运维人员{len(staff)}人，大专及以上{college}人，占{percent(ratio)}"
    if len(staff) >= t.staff_min and ratio >= t.college_ratio_min:
        return row(rule, PASS, summary + "。", values, evidence)
    best_ratio = Decimal(college + unknown) / Decimal(len(staff)) if staff else Decimal(0)
    if len(staff) >= t.staff_min and unknown and best_ratio >= t.college_ratio_min:
        note = f"；另有{unknown}人学历无法识别，识别后可能达到{percent(t.college_ratio_min)}。"
        return row(rule, REVIEW, summary + note, values, evidence)
    return row(rule, FAIL, summary + f"（要求不少于{t.staff_min}人且不低于{percent(t.college_ratio_min)}）。",
               values, evidence)
