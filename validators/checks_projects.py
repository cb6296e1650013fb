"""Project and intellectual-property checks: B2a, B2b, B2c, T1.

A count falls short (``fail``) only when it would fall short whatever the values not found turn out to
be: a project whose client, amount or period was not found, or a copyright whose holder or 登记号 was
not found, could still count, and the check is then ``missing`` with what was looked for.

Where the folder has contracts, B2a and B2b count each declared project on its linked contract's client, amount
and period (``validators/contracts.py``); a project that counts only on the form's word (no contract, a contract
that is not O&M work, a value the contract does not give, figures and words either side of the bar) makes the
check ``review``, naming the project and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from omreview.amounts import yuan_str
from omreview.identifiers import is_valid_software_copyright
from omreview.model import Check, CheckStatus, Source
from omreview.records import Project, SoftwareCopyright
from omreview.rules import CheckRule
from omreview.text import norm
from omreview.validators.context import Context, Value, missing, money_words, row
from omreview.validators.contracts import Basis, annual_value, bases, client_key, overlap
from omreview.validators.sought import Sought, cell, form_field, form_place, form_table, not_found, written_none

PASS, FAIL, REVIEW = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.REVIEW
_PERIOD = ("period", "start", "end")  # the project table's columns for a contract period
def overlap_months(p: Project, window: tuple[dt.date, dt.date]) -> int:
    if p.start is None or p.end is None:
        return 0
    return overlap(p.start.value, p.end.value, window)


def annualised(p: Project) -> Decimal | None:
    """amount × 12 / max(12, months of the contract)."""
    if p.amount is None or p.start is None or p.end is None:
        return None
    return annual_value(p.amount.value, p.start.value, p.end.value)


def _unknown(p: Project, name: str) -> bool:
    """The project's ``name`` was not found (neither read nor written as none)."""
    return getattr(p, name) is None and p.none_written(name) is None


def maybe_in_window(p: Project, window: tuple[dt.date, dt.date]) -> bool:
    """A project whose period was not (fully) found, and whose known end or start does not rule the window out."""
    if p.start is not None and p.end is not None:
        return False
    if not (_unknown(p, "start") or _unknown(p, "end")):
        return False  # a period written as none: not shown to overlap
    if p.start is not None and p.start.value > window[1]:
        return False
    return not (p.end is not None and p.end.value < window[0])


def could_qualify(p: Project, ctx: Context) -> bool:
    """A project not counted by B2b for want of a value not found, that could count once it is read."""
    inside = overlap_months(p, ctx.window) >= 1
    if not (inside or maybe_in_window(p, ctx.window)):
        return False
    if p.amount is None:
        return _unknown(p, "amount")
    if p.amount.value < ctx.thresholds.project_annual_value_min:
        return False  # the annualised amount is never above the amount
    return not inside  # inside the window with an amount: annualised() decided it


def projects_found(ctx: Context) -> bool:
    """The form's project table was found (it lists projects, or the applicant wrote that it has none)."""
    form = ctx.inputs.form
    return form is not None and (bool(form.projects) or form.none_written("projects") is not None)


def projects_sought(ctx: Context) -> Sought:
    columns = ctx.rules.labels.project_columns
    return form_table(ctx, columns, ("name", "amount"), "运维项目表", "")


def _project_field(ctx: Context, names: list[str], keys: tuple[str, ...], what: str) -> Sought:
    columns = ctx.rules.labels.project_columns
    labels = tuple(label for key in keys for label in columns[key])
    shown = "、".join(f"「{n}」" for n in names[:5]) + ("等" if len(names) > 5 else "")
    return Sought(f"项目{shown}的{what}", ((form_place(ctx, "的运维项目表"), labels),))


def _stated_notes(ctx: Context, what: str, rows: list[Project] | list[SoftwareCopyright],
                  fields: tuple[tuple[str, str], ...]) -> str:
    """The values the applicant wrote as none that keep rows from counting, for a fail's message."""
    form = ctx.inputs.form
    table = form.none_written(what) if form is not None else None
    if table is not None:
        return written_none({"projects": "运维项目", "software": "软件著作权"}[what], table) + "。"
    notes = []
    for name, label in fields:
        cells = [(row.name.value, src) for row in rows if (src := row.none_written(name)) is not None]
        if cells:
            shown = "、".join(f"「{n}」" for n, _ in cells[:5]) + ("等" if len(cells) > 5 else "")
            notes.append(f"{shown}的{label}填写为无（{cell(cells[0][1])}{'等' if len(cells) > 1 else ''}）")
    return "；".join(notes) + "。" if notes else ""


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
    me = client_key(form.company_name.value, ctx.rules)
    return [s for s in form.software
            if s.holder is not None and client_key(s.holder.value, ctx.rules) == me
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
    if not projects_found(ctx):
        return not_found(rule, [projects_sought(ctx)])
    if ctx.links.present:
        return _b2a_from_contracts(ctx, rule)
    projects = in_window(ctx)
    clients = {client_key(p.client.value, ctx.rules) for p in projects if p.client is not None}
    need = ctx.thresholds.distinct_clients_min
    values: dict[str, Value] = {"distinct_client_count": len(clients), "projects_in_window": len(projects)}
    evidence = [p.client.source for p in projects if p.client is not None]
    message = f"近三年运维项目涉及{len(clients)}个用户（要求不少于{need}个）。"
    if len(clients) >= need:
        return row(rule, PASS, message, values, evidence)
    # the projects that could still add a client: client not found, or period not found
    no_client = [p for p in projects if _unknown(p, "client")]
    maybe = [p for p in ctx.inputs.form.projects if maybe_in_window(p, ctx.window)
             and (_unknown(p, "client")
                  or (p.client is not None and client_key(p.client.value, ctx.rules) not in clients))]
    more = {client_key(p.client.value, ctx.rules) for p in maybe if p.client is not None}
    anonymous = len(no_client) + sum(1 for p in maybe if p.client is None)
    if len(clients) + len(more) + anonymous >= need:
        sought = []
        if no_client:
            sought.append(_project_field(ctx, [p.name.value for p in no_client], ("client",), "客户名称"))
        if maybe:
            sought.append(_project_field(ctx, [p.name.value for p in maybe], _PERIOD, "合同起止时间"))
        return not_found(rule, sought, values, evidence, lead=message.rstrip("。") + "，其余项目无法判断")
    stated = _stated_notes(ctx, "projects", ctx.inputs.form.projects,
                           (("client", "客户名称"), ("start", "合同起止时间")))
    return row(rule, FAIL, message + stated, values, evidence)


def check_b2b(ctx: Context, rule: CheckRule) -> Check:
    if ctx.inputs.form is None:
        return missing(rule, "申报表")
    if not projects_found(ctx):
        return not_found(rule, [projects_sought(ctx)])
    if ctx.links.present:
        return _b2b_from_contracts(ctx, rule)
    good = qualifying_annualised(ctx)
    need = ctx.thresholds.qualifying_projects_min
    bar = money_words(ctx.thresholds.project_annual_value_min)
    values: dict[str, Value] = {"qualifying_project_count": len(good)}
    for i, (_, value) in enumerate(good, 1):
        values[f"project{i}.annualised"] = yuan_str(value)
    evidence = [p.amount.source for p, _ in good if p.amount is not None]
    message = f"合同额每年{bar}及以上的项目{len(good)}个（要求不少于{need}个）。"
    if len(good) >= need:
        return row(rule, PASS, message, values, evidence)
    maybe = [p for p in ctx.inputs.form.projects if could_qualify(p, ctx)]
    if len(good) + len(maybe) >= need:
        sought = []
        no_amount = [p.name.value for p in maybe if p.amount is None]
        no_period = [p.name.value for p in maybe if p.start is None or p.end is None]
        if no_amount:
            sought.append(_project_field(ctx, no_amount, ("amount",), "合同金额"))
        if no_period:
            sought.append(_project_field(ctx, no_period, _PERIOD, "合同起止时间"))
        return not_found(rule, sought, values, evidence, lead=message.rstrip("。") + "，其余项目无法判断")
    stated = _stated_notes(ctx, "projects", ctx.inputs.form.projects,
                           (("amount", "合同金额"), ("start", "合同起止时间")))
    return row(rule, FAIL, message + stated, values, evidence)


# --- B2a and B2b where the folder has contracts (validators/contracts.py links them to the declared projects) -----

_B2A_ASPECTS = frozenset({"contract", "nature", "client", "period"})
_B2B_ASPECTS = frozenset({"contract", "nature", "amount", "period"})


@dataclass
class Tally:
    """The declared projects as counted from their contracts: confirmed by a contract, counted only on the form's
    word (with why), or not decidable for a value read nowhere."""

    confirmed: list[Basis] = field(default_factory=list)
    doubtful: list[tuple[Basis, list[str]]] = field(default_factory=list)
    maybe: list[Basis] = field(default_factory=list)
    annual: dict[int, Decimal] = field(default_factory=dict)  # a confirmed project's annualised amount, by row
    clients: dict[str, Basis] = field(default_factory=dict)  # B2a: the confirmed clients, by key
    doubtful_clients: dict[str, Basis] = field(default_factory=dict)


def _doubts(items: list[tuple[Basis, list[str]]]) -> str:
    return "、".join(f"项目{b.index}「{b.project.name.value}」（{'，'.join(reasons)}）" for b, reasons in items)


def b2b_tally(ctx: Context) -> Tally:
    """B2b counted from the contracts: a project whose contract's period overlaps the window and whose annualised
    contract amount reaches the bar; where the figures and the words say amounts on both sides of it, or the
    project rests on the form's word, it is doubtful."""
    bar, out = ctx.thresholds.project_annual_value_min, Tally()
    for b in bases(ctx.inputs.form, ctx.links):
        inside = b.window_state(ctx.window)
        if inside is False or (not b.amounts and "amount" in b.stated_none):
            continue
        if inside is None or not b.amounts or b.start is None or b.end is None:
            if not b.amounts or any(m.value >= bar for m in b.amounts):  # the annualised amount is never above it
                out.maybe.append(b)
            continue
        start, end = b.start, b.end
        reaches = [annual_value(m.value, start, end) >= bar for m in b.amounts]
        if not any(reaches):
            continue
        reasons = b.reasons(_B2B_ASPECTS) + ([b.doubts["words"]] if not all(reaches) else [])
        if reasons:
            out.doubtful.append((b, reasons))
        else:
            out.confirmed.append(b)
            out.annual[b.index] = annual_value(b.amounts[0].value, start, end)
    return out


def b2a_tally(ctx: Context) -> Tally:
    """B2a counted from the contracts: the distinct clients of the projects whose contract overlaps the window."""
    out = Tally()
    for b in bases(ctx.inputs.form, ctx.links):
        inside = b.window_state(ctx.window)
        if inside is False or (b.client is None and "client" in b.stated_none):
            continue
        if inside is None or b.client is None:
            out.maybe.append(b)
            continue
        reasons = b.reasons(_B2A_ASPECTS)
        if reasons:
            out.doubtful.append((b, reasons))
        else:
            out.confirmed.append(b)
            out.clients.setdefault(client_key(b.client, ctx.rules), b)
    for b, _ in out.doubtful:
        key = client_key(b.client or "", ctx.rules)
        if key not in out.clients:
            out.doubtful_clients.setdefault(key, b)
    return out


def _from_contracts(ctx: Context, rule: CheckRule, tally: Tally, counted: int, extra: int, what: str,
                    values: dict[str, Value], evidence: Sequence[Source | None]) -> Check:
    """The status of B2a or B2b counted from the contracts: pass on the contracts alone, review with the projects
    that count only on the form's word, missing for values read nowhere, else fail."""
    need = rule_need(ctx, rule)
    message = f"按所附合同，{what}{counted}个（要求不少于{need}个）。"
    if tally.doubtful:
        message += f"以下项目仅凭申报表填报计入，须核实：{_doubts(tally.doubtful)}。"
    if counted >= need:
        return row(rule, PASS, message, values, evidence)
    if counted + extra >= need:
        return row(rule, REVIEW, message, values, evidence)
    if counted + extra + len(tally.maybe) >= need:
        names = [b.project.name.value for b in tally.maybe]
        sought = [_project_field(ctx, names, ("client", "amount", *_PERIOD), "客户名称、合同金额或合同起止时间")]
        return not_found(rule, sought, values, evidence, lead=message.rstrip("。") + "，其余项目无法判断")
    return row(rule, FAIL, message, values, evidence)


def rule_need(ctx: Context, rule: CheckRule) -> int:
    return ctx.thresholds.distinct_clients_min if rule.id == "B2a" else ctx.thresholds.qualifying_projects_min


def _b2a_from_contracts(ctx: Context, rule: CheckRule) -> Check:
    tally = b2a_tally(ctx)
    values: dict[str, Value] = {"distinct_client_count": len(tally.clients),
                                "projects_in_window": len(tally.confirmed) + len(tally.doubtful),
                                "clients_form_only": len(tally.doubtful_clients),
                                "contracts_unlinked": len(ctx.links.unlinked)}
    evidence = [b.client_source for b in tally.clients.values()]
    return _from_contracts(ctx, rule, tally, len(tally.clients), len(tally.doubtful_clients), "运维项目涉及的用户",
                           values, evidence)


def _b2b_from_contracts(ctx: Context, rule: CheckRule) -> Check:
    tally = b2b_tally(ctx)
    bar = money_words(ctx.thresholds.project_annual_value_min)
    values: dict[str, Value] = {"qualifying_project_count": len(tally.confirmed)}
    for n, b in enumerate(tally.confirmed, 1):
        values[f"project{n}.annualised"] = yuan_str(tally.annual[b.index])
    values |= {"projects_form_only": len(tally.doubtful), "contracts_unlinked": len(ctx.links.unlinked)}
    evidence = [b.amounts[0].source for b in tally.confirmed]
    evidence += [b.amounts[0].source for b, _ in tally.doubtful if b.amounts]
    return _from_contracts(ctx, rule, tally, len(tally.confirmed), len(tally.doubtful), f"合同额每年{bar}及以上的项目",
                           values, evidence)


def check_b2c(ctx: Context, rule: CheckRule) -> Check:
    if ctx.inputs.form is None:
        return missing(rule, "申报表")
    if not projects_found(ctx):
        return not_found(rule, [projects_sought(ctx)])
    good, software = qualifying(ctx), own_software(ctx)
    without = [p for p in good if not uses_own_tool(p, software)]
    values = {"qualifying_project_count": len(good), "projects_without_own_tool": len(without)}
    evidence = [p.tool.source for p in good if p.tool is not None]
    if not good:
        return row(rule, REVIEW, "没有符合B2b的项目，无法确认应用了自主知识产权工具。", values, evidence)
    if without:
        message = f"以下项目未写明应用本企业登记的软件：{'、'.join(p.name.value for p in without)}。"
        no_tool = [p.name.value for p in without if _unknown(p, "tool")]
        if no_tool:
            message += _project_field(ctx, no_tool, ("tool",), "应用的工具").sentence() + "。"
        return row(rule, REVIEW, message, values, evidence)
    return row(rule, PASS, "每个符合B2b的项目均应用了本企业登记的软件。", values, evidence)


def software_found(ctx: Context) -> bool:
    """The form's software-copyright table was found (it lists copyrights, or the applicant wrote none)."""
    form = ctx.inputs.form
    return form is not None and (bool(form.software) or form.none_written("software") is not None)


def could_be_own(s: SoftwareCopyright, ctx: Context) -> bool:
    """A copyright not counted as the applicant's for want of a value not found (holder, 登记号, company name)."""
    form = ctx.inputs.form
    if form is None:
        return False
    if s.number is not None and not is_valid_software_copyright(s.number.value, ctx.rules):
        return False  # a malformed 登记号, as read
    if s.number is None and s.none_written("number") is not None:
        return False
    if s.holder is None:
        holder_open = s.none_written("holder") is None
    else:
        holder_open = form.company_name is None or (
            client_key(s.holder.value, ctx.rules) == client_key(form.company_name.value, ctx.rules))
    if not holder_open:
        return False
    return s.number is None or s.holder is None or form.company_name is None


def check_t1(ctx: Context, rule: CheckRule) -> Check:
    form = ctx.inputs.form
    if form is None:
        return missing(rule, "申报表")
    if not software_found(ctx):
        columns = ctx.rules.labels.software_columns
        return not_found(rule, [form_table(ctx, columns, ("name", "number"), "软件著作权表", "")])
    software = own_software(ctx)
    projects = in_window(ctx) or list(form.projects)
    used = [s for s in software if any(uses_own_tool(p, [s]) for p in projects)]
    values = {"software_copyright_count": len(software), "used_in_projects": len(used)}
    evidence = [s.number.source for s in software if s.number is not None]
    if not software:
        maybe = [s for s in form.software if could_be_own(s, ctx)]
        if maybe:
            sought = _copyright_sought(ctx, maybe)
            return not_found(rule, sought, values, evidence, lead="未能确认本企业持有、登记号有效的软件著作权")
        stated = _stated_notes(ctx, "software", form.software, (("holder", "著作权人"), ("number", "登记号")))
        message = "申报表未列出本企业持有、登记号有效的软件著作权。" if form.none_written("software") is None else ""
        return row(rule, FAIL, message + stated, values, evidence)
    if not used:
        message = "本企业登记的软件未见于任何运维项目，请核实应用情况。"
        if not projects_found(ctx):
            message += projects_sought(ctx).sentence() + "。"
        return row(rule, REVIEW, message, values, evidence)
    return row(rule, PASS, f"本企业登记软件著作权{len(software)}项，其中{len(used)}项在项目中应用。", values, evidence)


def _copyright_sought(ctx: Context, maybe: list[SoftwareCopyright]) -> list[Sought]:
    form = ctx.inputs.form
    columns = ctx.rules.labels.software_columns
    out: list[Sought] = []
    if form is not None and form.company_name is None:
        out.append(form_field(ctx, "company_name", "企业名称（用以核对著作权人）"))
    for key, what in (("holder", "著作权人"), ("number", "登记号")):
        names = [s.name.value for s in maybe if getattr(s, key) is None]
        if names:
            shown = "、".join(f"「{n}」" for n in names[:5]) + ("等" if len(names) > 5 else "")
            out.append(Sought(f"软件{shown}的{what}", ((form_place(ctx, "的软件著作权表"), tuple(columns[key])),)))
    return out
