"""Every check of CONDITIONS.md for one applicant, and the verdict.

Checks that cannot be judged are ``missing`` with a reason naming the absent input; the
qualitative conditions are ``manual``. Failures are rows, never exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.model import Check, CheckStatus, Discrepancy, DocStatus, Document, DocumentKind, Figure, Verdict
from pipeline.rules import Rules


@dataclass
class Evaluation:
    checks: list[Check]
    discrepancies: list[Discrepancy] = field(default_factory=list)
    figures: dict[str, Figure] = field(default_factory=dict)
    missing_inputs: list[str] = field(default_factory=list)
    verdict: Verdict = Verdict.INCOMPLETE


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


def evaluate(documents: list[Document], fiscal_years: list[int], rules: Rules) -> Evaluation:
    missing = missing_inputs(documents, fiscal_years)
    checks = []
    for rule in rules.checks:
        if not rule.judged:
            checks.append(Check(id=rule.id, status=CheckStatus.MANUAL,
                                message=f"{rule.title}：无法从材料判断，由评审人员判断。"))
        else:
            reason = "、".join(missing) if missing else "该项校验尚未实现"
            checks.append(Check(id=rule.id, status=CheckStatus.MISSING,
                                message=f"{rule.title}：未能判断（缺少：{reason}）。"))
    return Evaluation(checks=checks, missing_inputs=missing, verdict=decide(checks, [], missing))
