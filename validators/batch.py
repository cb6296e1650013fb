"""Batch-level rules: the same person on two applicants' rosters, and each authority's 30% relaxation quota.

They need every applicant of a batch, so they run after the per-applicant reviews and add
discrepancies to the reports concerned (the verdict is decided again with them).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from pipeline.identifiers import mask_id_number
from pipeline.model import Discrepancy, DiscrepancyValue, Report, Source
from pipeline.rules import Rules
from validators.evaluate import decide


class RowSources(Mapping[str, Source]):
    """Each 身份证号 of a roster with the source of its row, held compactly.

    A batch holds one of these per applicant until its rules have run, so it is what grows with the
    intake. A roster's rows differ only in their cell: each distinct rest (file, digest, sheet …) is held
    once and each row keeps only its cell, about a third of a Source per row. A row's Source is
    rebuilt when asked.
    """

    __slots__ = ("_rows",)

    def __init__(self, sources: Mapping[str, Source] | None = None) -> None:
        shared: dict[Source, Source] = {}
        rows: dict[str, tuple[Source, str | None]] = {}
        for number, source in (sources or {}).items():
            rest = source.model_copy(update={"cell": None})
            rows[number] = (shared.setdefault(rest, rest), source.cell)
        self._rows = rows

    def __getitem__(self, number: str) -> Source:
        rest, cell = self._rows[number]
        return rest.model_copy(update={"cell": cell})

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, number: object) -> bool:
        return number in self._rows


@dataclass(frozen=True)
class BatchEntry:
    """What the batch rules need of one applicant; ``roster_ids`` is personal data, kept in memory only."""

    applicant_id: str
    authority: str | None = None
    relaxation_requested: bool = False
    roster_ids: Mapping[str, Source] = field(default_factory=RowSources)  # valid 身份证号 -> its row

    def __post_init__(self) -> None:
        if not isinstance(self.roster_ids, RowSources):
            object.__setattr__(self, "roster_ids", RowSources(self.roster_ids))


def batch_discrepancies(entries: list[BatchEntry], rules: Rules) -> BatchFindings:
    return BatchFindings(entries, rules)


class BatchFindings(Mapping[str, list[Discrepancy]]):
    """The batch discrepancies by applicant id (only applicants with some), each applicant's built when asked.

    What is held is who claims which 身份证号 (the entries, which the caller holds anyway) and the
    quota findings, not the discrepancies: in an intake of copies every person of every roster is on
    several rosters, and holding all their discrepancies at once made a batch's memory grow with the
    intake. An applicant's discrepancies come in the order their numbers were first seen in the batch,
    then the quota's.
    """

    def __init__(self, entries: list[BatchEntry], rules: Rules) -> None:
        self._entries = {entry.applicant_id: entry for entry in entries}
        holders: dict[str, list[BatchEntry]] = defaultdict(list)
        for entry in entries:
            for number in entry.roster_ids:
                holders[number].append(entry)
        self._shared = {number: claimed for number, claimed in holders.items() if len(claimed) > 1}
        self._order = {number: i for i, number in enumerate(self._shared)}
        self._quota = _relaxation_quota(entries, rules)
        keys: dict[str, None] = {}
        for claimed in self._shared.values():
            keys.update((entry.applicant_id, None) for entry in claimed)
        keys.update((applicant_id, None) for applicant_id in self._quota)
        self._keys = list(keys)

    def __getitem__(self, applicant_id: str) -> list[Discrepancy]:
        entry = self._entries.get(applicant_id)
        claims = self._claims(entry) if entry is not None else []
        if not claims and applicant_id not in self._quota:
            raise KeyError(applicant_id)
        shared = ([_cross_applicant(entry, number, self._shared[number]) for number in claims]
                  if entry is not None else [])
        return [*shared, *self._quota.get(applicant_id, [])]

    def _claims(self, entry: BatchEntry) -> list[str]:
        """The applicant's 身份证号 that other applicants' rosters have too, in the batch's order."""
        return sorted((n for n in entry.roster_ids if n in self._shared), key=self._order.__getitem__)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _cross_applicant(entry: BatchEntry, number: str, claimed_by: list[BatchEntry]) -> Discrepancy:
    masked = mask_id_number(number)
    others = "、".join(e.applicant_id for e in claimed_by if e is not entry)
    row = re.sub(r"\D", "", entry.roster_ids[number].cell or "") or "0"
    return Discrepancy(
        figure=f"roster.cross_applicant.row{row}",
        message=f"身份证号{masked}同时出现在本批次申报企业{others}的人员名册中（同一人被两家企业申报）。",
        values=[DiscrepancyValue(value=masked, source=e.roster_ids[number]) for e in claimed_by],
    )


def _relaxation_quota(entries: list[BatchEntry], rules: Rules) -> dict[str, list[Discrepancy]]:
    found: dict[str, list[Discrepancy]] = defaultdict(list)
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
    return dict(found)


def apply(report: Report, extra: list[Discrepancy]) -> Report:
    """The report with the batch discrepancies added and its verdict decided again."""
    if not extra:
        return report
    discrepancies = [*report.discrepancies, *extra]
    verdict = decide(report.checks, discrepancies, report.missing_inputs)
    return report.model_copy(update={"discrepancies": discrepancies, "verdict": verdict})
