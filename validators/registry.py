"""Check id → its function. The ids, titles, and which are judged or relaxable come from rules.yaml."""

from __future__ import annotations

from omreview.errors import RulesError
from omreview.model import Check, CheckStatus
from omreview.rules import CheckRule, Rules
from omreview.validators import checks_company as company
from omreview.validators import checks_people as people
from omreview.validators import checks_projects as projects
from omreview.validators.context import CheckFn, Context, row


def _manual(ctx: Context, rule: CheckRule) -> Check:
    values: dict[str, str | int | None] = {}
    note = "无法从材料判断，由评审人员判断。"
    form = ctx.inputs.form
    if rule.id == "M1" and form is not None and form.mis_description is not None:
        values["mis_description"] = form.mis_description.value
        note = f"申报表所述：{form.mis_description.value}。由评审人员判断。"
    if rule.id == "T3" and "senior_title_count" in ctx.figures:
        values["senior_title_count"] = int(ctx.figures["senior_title_count"].value)
        note = f"人员名册中高级及以上职称{values['senior_title_count']}人。由评审人员判断。"
    evidence = [form.mis_description.source] if rule.id == "M1" and form and form.mis_description else []
    return row(rule, CheckStatus.MANUAL, note, values, evidence)


CHECKS: dict[str, CheckFn] = {
    "P1": company.check_p1, "G1": company.check_g1, "G2": company.check_g2, "G3": company.check_g3,
    "G5": company.check_g5, "B1": company.check_b1,
    "B2a": projects.check_b2a, "B2b": projects.check_b2b, "B2c": projects.check_b2c, "T1": projects.check_t1,
    "M2a": people.check_m2a, "M2b": people.check_m2b, "M2c": people.check_m2c, "T2": people.check_t2,
}


def check_registry_matches(rules: Rules) -> None:
    """Every judged check of the rules file has a function, and every function a rule."""
    judged = {r.id for r in rules.checks if r.judged}
    if judged != set(CHECKS):
        unknown, absent = sorted(judged - set(CHECKS)), sorted(set(CHECKS) - judged)
        raise RulesError(f"rules file and checks disagree: no function for {unknown}, no judged rule for {absent}")


def run_checks(ctx: Context, rules: Rules) -> list[Check]:
    check_registry_matches(rules)
    return [CHECKS[rule.id](ctx, rule) if rule.judged else _manual(ctx, rule) for rule in rules.checks]
