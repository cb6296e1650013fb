"""Batch-level rules: the same person on two applicants' rosters, and each authority's 30% relaxation quota.

They need every applicant of a batch, so they run after the per-applicant reviews and add
discrepancies to the reports concerned (the verdict is decided again with them).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from pipeline.identifiers import mask_id_number
from pipeline.model import Discrepancy, DiscrepancyValue, Report, Source
from pipeline.rules import Rules
from validators.evaluate import decide


@dataclass(frozen=True)
class BatchEntry:
    """What the batch rules need of one applicant; ``roster_ids`` is personal data, kept in memory only."""

    applicant_id: str
    authority: str | None = None
    relaxation_requested: bool = False
    roster_ids: dict[str, Source] = field(default_factory=dict)  # valid 身份证号 -> its row


def batch_discrepancies(entries: list[BatchEntry], rules: Rules) -> dict[str, list[Discrepancy]]:
    found: dict[str, list[Discrepancy]] = defaultdict(list)
    _cross_applicant(entries, found)
    _relaxation_quota(entries, rules, found)
    return dict(found)


def _cross_applicant(entries: list[BatchEntry], found: dict[str, list[Discrepancy]]) -> None:
    holders: dict[str, list[BatchEntry]] = defaultdict(list)
    for entry in entries:
        for number in entry.roster_ids:
            holders[number].append(entry)
    for number, claimed_by in holders.items():
        if len(claimed_by) < 2:
            continue
        masked = mask_id_number(number)
        values = [DiscrepancyValue(value=masked, source=e.roster_ids[number]) for e in claimed_by]
        for entry in claimed_by:
            others = "、".join(e.applicant_id for e in claimed_by if e is not entry)
            row = re.sub(r"\D", "", entry.roster_ids[number].cell or "") or "0"
            found[entry.applicant_id].append(Discrepancy(
                figure=f"roster.cross_applicant.row{row}",
                message=f"身份证号{masked}同时出现在本批次申报企业{others}的人员名册中（同一人被两家企业申报）。",
                values=values,
            ))


def _relaxation_quota(entries: list[BatchEntry], rules: Rules, found: dict[str, list[Discrepancy]]) -> None:
    by_authority: dict[str, list[BatchEntry]] = defaultdict(list)
    for entry in entries:
        by_authority[entry.authority or "（未填写推荐单位）"].append(entry)
    quota = rules.thresholds.relaxation_quota
    for authority, group in by_authority.items():
        relaxed = [e for e in group if e.relaxation_requested]
        share = Decimal(len(relaxed)) / Decimal(len(group))
        if not relaxed or share <= quota:
            continue
        for entry in relaxed:
            found[entry.applicant_id].append(Discrepancy(
                figure="relaxation_quota",
                message=(f"推荐单位{authority}推荐的{len(group)}家企业中有{len(relaxed)}家申请放宽条件"
                         f"（{(share * 100).quantize(Decimal('0.1'))}%），超过{(quota * 100).normalize():f}%的上限。"),
                values=[DiscrepancyValue(value=str(len(relaxed))), DiscrepancyValue(value=str(len(group)))],
            ))


def apply(report: Report, extra: list[Discrepancy]) -> Report:
    """The report with the batch discrepancies added and its verdict decided again."""
    if not extra:
        return report
    discrepancies = [*report.discrepancies, *extra]
    verdict = decide(report.checks, discrepancies, report.missing_inputs)
    return report.model_copy(update={"discrepancies": discrepancies, "verdict": verdict})
