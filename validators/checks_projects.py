"""Project and intellectual-property checks: B2a, B2b, B2c, T1."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from pipeline.amounts import yuan_str
from pipeline.identifiers import is_valid_software_copyright
from pipeline.model import Check, CheckStatus
from pipeline.records import Project, SoftwareCopyright
from pipeline.rules import CheckRule
from pipeline.text import norm
from validators.context import Context, Value, missing, money_words, row

PASS, FAIL, REVIEW = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.REVIEW
_COMPANY_SUFFIX = re.compile(r"(股份)?有限(责任)?公司$|集团$|公司$")


def client_key(name: str) -> str:
    """Clients told apart by normalised names: no spaces, half-width, bracket style and suffix folded."""
    key = norm(name).replace("(", "").replace(")", "")
    return _COMPANY_SUFFIX.sub("", key) or key


def months(start: dt.date, end: dt.date) -> int:
    """Whole months covered from ``start`` to ``end`` inclusive (2010-01-01..2010-12-31 → 12)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def overlap_months(p: Project, window: tuple[dt.date, dt.date]) -> int:
    if p.start is None or p.end is None:
        return 0
    start, end = max(p.start.value, window[0]), min(p.end.value, window[1])
    return months(start, end) if start <= end else 0


def annualised(p: Project) -> Decimal | None:
    """amount × 12 / max(12, months of the contract)."""
    if p.amount is None or p.start is None or p.end is None:
        return None
    return p.amount.value * 12 / max(12, months(p.start.value, p.end.value))


def in_window(ctx: Context) -> list[Project]:
    form = ctx.inputs.form
    return [p for p in (form.projects if form else []) if overlap_months(p, ctx.window) >= 1]


def qualifying_annualised(ctx: Context) -> list[tuple[Project, Decimal]]:
    """The qualifying projects, each with its annualised amount."""
    bar = ctx.thresholds.project_annual_value_min
    return [(p, value) for p in in_window(ctx) if (value := annualised(p)) is not None and value >= bar]


def qualifying(ctx: Context) -> list[Project]:
    return [p for p, _ in qualifying_annualised(ctx)]


def own_software(ctx: Context) -> list[SoftwareCopyright]:
    """Copyrights held by the applicant itself, with a well-formed 登记号."""
    form = ctx.inputs.form
    if form is None or form.company_name is None:
        return []
    me = client_key(form.company_name.value)
    return [s for s in form.software
            if s.holder is not None and client_key(s.holder.value) == me
            and s.number is not None and is_valid_software_copyright(s.number.value, ctx.rules)]


def uses_own_tool(p: Project, software: list[SoftwareCopyright]) -> bool:
    if p.tool is None:
        return False
    tool = norm(p.tool.value)
    return any(norm(s.name.value) in tool or (s.number is not None and norm(s.number.value) in tool)
               for s in software)


def check_b2a(ctx: Context, rule: CheckRule) -> Check:
    if ctx.inputs.form is None:
        return missing(rule, "申报表")
    projects = in_window(ctx)
    clients = {client_key(p.client.value) for p in projects if p.client is not None}
    need = ctx.thresholds.distinct_clients_min
    values = {"distinct_client_count": len(clients), "projects_in_window": len(projects)}
    evidence = [p.client.source for p in projects if p.client is not None]
    status = PASS if len(clients) >= need else FAIL
    return row(rule, status, f"近三年运维项目涉及{len(clients)}个用户（要求不少于{need}个）。", values, evidence)


def check_b2b(ctx: Context, rule: CheckRule) -> Check:
    if ctx.inputs.form is None:
        return missing(rule, "申报表")
    good = qualifying_annualised(ctx)
    need = ctx.thresholds.qualifying_projects_min
    bar = money_words(ctx.thresholds.project_annual_value_min)
    values: dict[str, Value] = {"qualifying_project_count": len(good)}
    for i, (_, value) in enumerate(good, 1):
        values[f"project{i}.annualised"] = yuan_str(value)
    evidence = [p.amount.source for p, _ in good if p.amount is not None]
    status = PASS if len(good) >= need else FAIL
    return row(rule, status, f"合同额每年{bar}及以上的项目{len(good)}个（要求不少于{need}个）。", values, evidence)


def check_b2c(ctx: Context, rule: CheckRule) -> Check:
    if ctx.inputs.form is None:
        return missing(rule, "申报表")
    good, software = qualifying(ctx), own_software(ctx)
    without = [p.name.value for p in good if not uses_own_tool(p, software)]
    values = {"qualifying_project_count": len(good), "projects_without_own_tool": len(without)}
    evidence = [p.tool.source for p in good if p.tool is not None]
    if not good:
        return row(rule, REVIEW, "没有符合B2b的项目，无法确认应用了自主知识产权工具。", values, evidence)
    if without:
        return row(rule, REVIEW, f"以下项目未写明应用本企业登记的软件：{'、'.join(without)}。", values, evidence)
    return row(rule, PASS, "每个符合B2b的项目均应用了本企业登记的软件。", values, evidence)


def check_t1(ctx: Context, rule: CheckRule) -> Check:
    form = ctx.inputs.form
    if form is None:
        return missing(rule, "申报表")
    software = own_software(ctx)
    projects = in_window(ctx) or list(form.projects)
    used = [s for s in software if any(uses_own_tool(p, [s]) for p in projects)]
    values = {"software_copyright_count": len(software), "used_in_projects": len(used)}
    evidence = [s.number.source for s in software if s.number is not None]
    if not software:
        return row(rule, FAIL, "申报表未列出本企业持有、登记号有效的软件著作权。", values, evidence)
    if not used:
        return row(rule, REVIEW, "本企业登记的软件未见于任何运维项目，请核实应用情况。", values, evidence)
    return row(rule, PASS, f"本企业登记软件著作权{len(software)}项，其中{len(used)}项在项目中应用。", values, evidence)
