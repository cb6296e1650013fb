"""Every check of CONDITIONS.md for one applicant, the discrepancies, and the verdict.

Checks that cannot be judged are ``missing`` with a reason naming the absent input; the
qualitative conditions are ``manual``. Failures are rows, never exceptions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from omreview.identifiers import CompanyIdKind
from omreview.model import (
    Check,
    CheckStatus,
    Discrepancy,
    DocStatus,
    Document,
    DocumentKind,
    Figure,
    ProjectContract,
    Source,
    Verdict,
)
from omreview.records import DocumentRecord, FormRecord
from omreview.rules import Rules
from omreview.validators import certificates, contracts
from omreview.validators.checks_projects import (
    b2a_tally,
    b2b_tally,
    in_window,
    own_software,
    projects_found,
    qualifying,
    software_found,
)
from omreview.validators.company_ids import first_of_each_kind, form_identifiers
from omreview.validators.confidence import mark_doubtful
from omreview.validators.context import Context
from omreview.validators.contracts import client_key, link
from omreview.validators.discrepancies import find_discrepancies
from omreview.validators.figures import build_figures, counted_staff
from omreview.validators.inputs import gather
from omreview.validators.registry import run_checks
from omreview.validators.sought import NOT_FOUND


@dataclass
class Evaluation:
    checks: list[Check]
    discrepancies: list[Discrepancy] = field(default_factory=list)
    figures: dict[str, Figure] = field(default_factory=dict)
    missing_inputs: list[str] = field(default_factory=list)
    verdict: Verdict = Verdict.INCOMPLETE
    applicant_name: str | None = None
    credit_code: str | None = None  # 统一社会信用代码, as the form gives it (compact), when the form has one
    registration_number: str | None = None  # 营业执照注册号 (15 digits), when the form has one (2012 forms)
    organization_code: str | None = None  # 组织机构代码 (12345678-9), when the form has one (2012 forms)
    relaxation_requested: bool = False
    recommending_authority: str | None = None
    notes: list[str] = field(default_factory=list)
    projects: list[ProjectContract] = field(default_factory=list)  # each project beside its contract (#18)
    roster_ids: dict[str, Source] = field(default_factory=dict)  # personal data: memory only, never written


def missing_inputs(documents: list[Document], fiscal_years: list[int]) -> list[str]:
    """The required inputs that are absent or unreadable, as plain phrases."""
    usable = [d for d in documents if d.status is DocStatus.OK]
    kinds = {d.kind for d in usable}
    missing = []
    if DocumentKind.APPLICATION_FORM not in kinds:
        missing.append("申报表 (application form)")
    if DocumentKind.STAFF_ROSTER not in kinds:
        missing.append("人员名册 (staff roster)")
    statement_years = {d.fiscal_year for d in usable if d.kind is DocumentKind.FINANCIAL_STATEMENT}
    missing += [f"{y}年度审计报告 (audited statement {y})" for y in fiscal_years if y not in statement_years]
    return missing


def decide(checks: list[Check], discrepancies: list[Discrepancy], missing: list[str]) -> Verdict:
    """The verdict of CONDITIONS.md; ``manual`` checks never change it.

    A judged check left ``missing`` (an input inside a present document is absent, e.g. no
    key-persons table) cannot let the applicant through unseen: it counts like ``review``.
    """
    if missing:
        return Verdict.INCOMPLETE
    statuses = {c.status for c in checks}
    if CheckStatus.FAIL in statuses:
        return Verdict.DOES_NOT_MEET
    if statuses & {CheckStatus.REVIEW, CheckStatus.MISSING} or discrepancies:
        return Verdict.NEEDS_REVIEW
    return Verdict.MEETS


def relax(checks: list[Check], form: FormRecord | None, rules: Rules) -> list[Check]:
    """A relaxation request (申请放宽条件：是) turns relaxable failures into ``review``, with the reason.

    So it does with a relaxable check left ``missing`` for a value the reader did not find (its values
    name it under ``not_found``): the relaxation could still carry it (CONDITIONS.md).

    A request written so that it cannot be told (no one option ticked: ``relaxation_unclear``) may be one: a
    relaxable failure is then ``review`` too, saying the request must be read by eye (never a fail on what the
    reader could not read).
    """
    if form is None:
        return checks
    if form.relaxation_requested is not None and form.relaxation_requested.value:
        reason = form.relaxation_reason.value if form.relaxation_reason else "未说明理由"
        why, source = f"企业申请放宽条件，理由：{reason}；由推荐单位和评审人员决定。", form.relaxation_requested.source
        marked = {"relaxed": "true"}
    elif form.relaxation_requested is None and form.relaxation_unclear is not None:
        why = f"申报表“是否申请放宽条件”填写为「{form.relaxation_unclear.value}」，无法判断是否申请，请核对原件"
        source, marked = form.relaxation_unclear.source, {"relaxation_unclear": form.relaxation_unclear.value}
    else:
        return checks
    relaxable = {r.id for r in rules.checks if r.relaxable}
    out = []
    for check in checks:
        not_found = check.status is CheckStatus.MISSING and NOT_FOUND in check.values
        if check.id in relaxable and (check.status is CheckStatus.FAIL or not_found):
            check = check.model_copy(update={
                "status": CheckStatus.REVIEW,
                "message": f"{check.message}（{why}）",
                "values": {**check.values, **marked},
                "evidence": [*check.evidence, source],
            })
        out.append(check)
    return out


def _project_figures(ctx: Context) -> dict[str, Figure]:
    """The project and copyright counts, each only when what it counts was found (a table not found is no 0)."""
    form = ctx.inputs.form
    out: dict[str, Figure] = {}
    if form is None:
        return out
    if projects_found(ctx) and ctx.links.present:  # counted from the contracts
        out["distinct_client_count"] = Figure.count(len(b2a_tally(ctx).clients))
        out["qualifying_project_count"] = Figure.count(len(b2b_tally(ctx).confirmed))
    elif projects_found(ctx):
        clients = {client_key(p.client.value, ctx.rules) for p in in_window(ctx) if p.client is not None}
        out["distinct_client_count"] = Figure.count(len(clients))
        out["qualifying_project_count"] = Figure.count(len(qualifying(ctx)))
    if software_found(ctx) and form.company_name is not None:
        out["software_copyright_count"] = Figure.count(len(own_software(ctx)))
    return out


def evaluate(
    pairs: list[tuple[Document, DocumentRecord | None]], fiscal_years: list[int], rules: Rules,
    application_date: dt.date,
) -> Evaluation:
    documents = [doc for doc, _ in pairs]
    inputs = gather(pairs)
    figures = build_figures(inputs, fiscal_years)
    ctx = Context(inputs=inputs, figures=figures, rules=rules, application_date=application_date,
                  fiscal_years=fiscal_years, links=link(inputs.form, inputs.contracts, rules))
    figures.update(_project_figures(ctx))
    figures.update(certificates.figures(ctx))  # the licence outranks the form (none: no change)
    checks = mark_doubtful(relax(certificates.amend(run_checks(ctx, rules), ctx), inputs.form, rules), inputs, rules)
    discrepancies = find_discrepancies(ctx)
    missing = missing_inputs(documents, fiscal_years)
    form = inputs.form
    found_ids, identifier_notes = form_identifiers(ctx)
    identifiers = first_of_each_kind(found_ids)
    return Evaluation(
        checks=checks, discrepancies=discrepancies, figures=figures, missing_inputs=missing,
        verdict=decide(checks, discrepancies, missing),
        applicant_name=form.company_name.value if form and form.company_name else None,
        credit_code=identifiers.get(CompanyIdKind.CREDIT_CODE),
        registration_number=identifiers.get(CompanyIdKind.REGISTRATION_NUMBER),
        organization_code=identifiers.get(CompanyIdKind.ORGANIZATION_CODE),
        relaxation_requested=bool(form and form.relaxation_requested and form.relaxation_requested.value),
        recommending_authority=form.recommending_authority.value if form and form.recommending_authority else None,
        notes=[*inputs.notes, *identifier_notes, *ctx.links.notes, *certificates.notes(ctx)],
        projects=contracts.view(form, ctx.links),
        roster_ids={row.id_number: row.source for row in counted_staff(inputs.roster)} if inputs.roster else {},
    )
