"""Key-person and staff checks: M2a, M2b, M2c, T2, and the figures shown with manual checks.

A key person, title or number of years not found makes the check ``missing`` (validators/sought.py);
one the applicant wrote as none (无, —, an empty cell of its row) is a value, and fails where the
condition needs it. A title that is read but matches no title of the rules is a reviewer's call.
"""

from __future__ import annotations

from decimal import Decimal

from omreview.model import Check, CheckStatus, Source
from omreview.people import is_it_specialty, title_of
from omreview.records import Education, KeyPerson, KeyRole, TitleLevel, TitleSeries
from omreview.rules import CheckRule, Rules
from omreview.text import norm
from omreview.validators.context import Context, Value, missing, percent, row
from omreview.validators.figures import COLLEGE_OR_ABOVE, SENIOR_LEVELS, counted_staff
from omreview.validators.sought import (
    ROLE_NAMES,
    Sought,
    key_person,
    key_person_field,
    not_found,
    roster_place,
    written_none,
)

PASS, FAIL, REVIEW = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.REVIEW
_INTERMEDIATE_UP = {TitleLevel.INTERMEDIATE, TitleLevel.SENIOR, TitleLevel.FULL_SENIOR}


def person(ctx: Context, role: KeyRole) -> KeyPerson | None:
    form = ctx.inputs.form
    return next((p for p in form.key_persons if p.role is role), None) if form else None


def _absent_person(ctx: Context, rule: CheckRule, role: KeyRole, values: dict[str, Value]) -> Check:
    """The check of a key person who is not in the form: ``fail`` only if the applicant wrote the table as none."""
    form = ctx.inputs.form
    if form is None:
        return missing(rule, "申报表")
    stated = form.none_written("key_persons")
    if stated is not None:
        return row(rule, FAIL, f"{written_none('主要人员', stated)}。", values, [stated])
    return not_found(rule, [key_person(ctx, role)], values)


def _unrecognised_title(title: str, rules: Rules) -> bool:
    """A title read that matches no level of the rules' titles, and is not one of their words for none."""
    level, _ = title_of(title, rules)
    return level is TitleLevel.NONE and norm(title) not in {norm(w) for w in rules.labels.titles.get("none", [])}


def _unrecognised(rule: CheckRule, role: KeyRole, title: str, values: dict[str, Value],
                  evidence: list[Source | None]) -> Check:
    message = f"{ROLE_NAMES[role]}职称「{title}」不在规则所列职称中，无法判断其级别和系列，请人工确认。"
    return row(rule, REVIEW, message, values, evidence)


def check_m2a(ctx: Context, rule: CheckRule) -> Check:
    role = KeyRole.PRINCIPAL
    p = person(ctx, role)
    values: dict[str, Value] = {"principal_mgmt_years": p.mgmt_years.value if p and p.mgmt_years else None}
    if p is None:
        return _absent_person(ctx, rule, role, values)
    need = ctx.thresholds.principal_mgmt_years_min
    if p.mgmt_years is None:
        stated = p.none_written("mgmt_years")
        if stated is not None:
            message = f"{written_none('主要负责人的IT企业管理年限', stated)}，不足{need}年。"
            return row(rule, FAIL, message, values, [stated])
        return not_found(rule, [key_person_field(ctx, role, "mgmt_years", "IT企业管理年限")], values)
    status = PASS if p.mgmt_years.value >= need else FAIL
    return row(rule, status, f"主要负责人从事IT企业管理{p.mgmt_years.value}年（要求不少于{need}年）。",
               values, [p.mgmt_years.source])


def check_m2b(ctx: Context, rule: CheckRule) -> Check:
    role = KeyRole.TECH_LEAD
    p = person(ctx, role)
    specialty = p.specialty.value if p and p.specialty else ""
    values: dict[str, Value] = {"tech_lead_title": p.title.value if p and p.title else None,
                                "tech_lead_specialty": specialty or None,
                                "tech_lead_om_years": p.om_years.value if p and p.om_years else None}
    if p is None:
        return _absent_person(ctx, rule, role, values)
    need = ctx.thresholds.tech_lead_om_years_min
    evidence: list[Source | None] = [p.title.source if p.title else None, p.om_years.source if p.om_years else None,
                                     p.specialty.source if p.specialty else None]
    problems: list[str] = []
    unknown: list[Sought] = []
    unrecognised = False
    if p.title is not None:
        level, series = title_of(p.title.value, ctx.rules)
        if _unrecognised_title(p.title.value, ctx.rules):
            unrecognised = True
        elif level not in SENIOR_LEVELS or series is not TitleSeries.ENGINEERING:
            problems.append(f"职称为{p.title.value}，不是电子信息类高级职称")
    elif (stated := p.none_written("title")) is not None:
        problems.append(f"{written_none('职称', stated)}，不是电子信息类高级职称")
        evidence.append(stated)
    else:
        unknown.append(key_person_field(ctx, role, "title", "职称"))
    if p.om_years is not None:
        if p.om_years.value < need:
            problems.append(f"运维工作经历{p.om_years.value}年，不足{need}年")
    elif (stated := p.none_written("om_years")) is not None:
        problems.append(f"{written_none('运维工作年限', stated)}，不足{need}年")
        evidence.append(stated)
    else:
        unknown.append(key_person_field(ctx, role, "om_years", "运维工作年限"))
    if problems:
        return row(rule, FAIL, "；".join(problems) + "。", values, evidence)
    if unknown or p.title is None or p.om_years is None:  # (a value neither read nor stated none is unknown)
        return not_found(rule, unknown, values, evidence)
    if unrecognised:
        return _unrecognised(rule, role, p.title.value, values, evidence)
    if not is_it_specialty(specialty, ctx.rules):
        shown = (f"「{specialty}」" if specialty
                 else "（" + key_person_field(ctx, role, "specialty", "专业").sentence() + "）")
        message = f"职称为{p.title.value}，但专业{shown}是否属电子信息类需人工确认。"
        return row(rule, REVIEW, message, values, evidence)
    return row(rule, PASS, f"{p.title.value}（{specialty}），运维工作经历{p.om_years.value}年。", values, evidence)


def check_m2c(ctx: Context, rule: CheckRule) -> Check:
    role = KeyRole.FINANCE_LEAD
    p = person(ctx, role)
    values: dict[str, Value] = {"finance_lead_title": p.title.value if p and p.title else None}
    if p is None:
        return _absent_person(ctx, rule, role, values)
    if p.title is None:
        stated = p.none_written("title")
        if stated is not None:
            return row(rule, FAIL, f"{written_none('财务负责人职称', stated)}，不是财务系列中级及以上职称。",
                       values, [stated])
        return not_found(rule, [key_person_field(ctx, role, "title", "职称")], values)
    if _unrecognised_title(p.title.value, ctx.rules):
        return _unrecognised(rule, role, p.title.value, values, [p.title.source])
    level, series = title_of(p.title.value, ctx.rules)
    ok = series is TitleSeries.ACCOUNTING and level in _INTERMEDIATE_UP
    message = f"财务负责人职称为{p.title.value}" + ("。" if ok else "，不是财务系列中级及以上职称。")
    return row(rule, PASS if ok else FAIL, message, values, [p.title.source])


def check_t2(ctx: Context, rule: CheckRule) -> Check:
    roster = ctx.inputs.roster
    if roster is None:
        return missing(rule, "人员名册")
    if not roster.rows:  # a roster with no row read is the reader's miss, not an applicant without staff
        columns = ctx.rules.labels.roster_columns
        sought = Sought("运维人员", ((roster_place(ctx), (*columns["name"], *columns["id_number"])),))
        return not_found(rule, [sought], lead="无法判断，人员名册中未读出任何人员")
    staff = counted_staff(roster)
    college = sum(1 for r in staff if r.education in COLLEGE_OR_ABOVE)
    unknown = sum(1 for r in staff if r.education is Education.UNKNOWN)
    t = ctx.thresholds
    ratio = Decimal(college) / Decimal(len(staff)) if staff else Decimal(0)
    values: dict[str, Value] = {"om_staff_count": len(staff), "college_or_above_count": college,
              "college_or_above_ratio": str(ratio.quantize(Decimal("0.0001"))), "unknown_education_count": unknown}
    floor = ctx.rules.labels.statement_pdf.ocr.min_confidence
    # a row OCR read in doubt (a character below the floor, a 身份证号 failing its check digit) may count one person
    # more or fewer: it is evidence too, and makes the check a reviewer's
    doubtful = [r.source for r in roster.rows if r.source.confidence is not None and r.source.confidence < floor]
    evidence = [r.source for r in staff[:1]] + doubtful
    summary = f"运维人员{len(staff)}人，大专及以上{college}人，占{percent(ratio)}"
    if len(staff) >= t.staff_min and ratio >= t.college_ratio_min:
        return row(rule, PASS, summary + "。", values, evidence)
    best_ratio = Decimal(college + unknown) / Decimal(len(staff)) if staff else Decimal(0)
    if len(staff) >= t.staff_min and unknown and best_ratio >= t.college_ratio_min:
        note = f"；另有{unknown}人学历无法识别，识别后可能达到{percent(t.college_ratio_min)}。"
        return row(rule, REVIEW, summary + note, values, evidence)
    return row(rule, FAIL, summary + f"（要求不少于{t.staff_min}人且不低于{percent(t.college_ratio_min)}）。",
               values, evidence)
