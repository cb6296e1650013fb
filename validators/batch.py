"""Batch-level rules: the same person on two applicants' rosters, and each authority's 30% relaxation quota.

They need every applicant of a batch, so they run after the per-applicant reviews and add
discrepancies to the reports concerned (the verdict is decided again with them).

Both rules depend on every applicant of the intake, failed ones included. An applicant that failed
(an internal error while reviewing it) takes part with what is known of it (``BatchEntry.form_known``,
``roster_known``: its form from its stored report or from what was read before it failed). What is not
known is never taken as "nothing": a quota that the unknown applicants could tip either way is held
back, and a duplicate check missing a roster is said to be incomplete, each as a note (``notes_for``:
into the reports concerned; ``notes``: the batch summary), never as a discrepancy. A quota exceeded
whatever the unknown applicants hold is still a discrepancy.
"""

from __future__ import annotations

import pickle
import re
import sys
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from omreview.identifiers import mask_id_number
from omreview.model import Discrepancy, DiscrepancyValue, Report, Source
from omreview.rules import Rules
from omreview.validators.evaluate import decide


class RowSources(Mapping[str, Source]):
    """Each 身份证号 of a roster with the source of its row, held compactly.

    A batch holds one of these per applicant until its rules have run, so it is what grows with the
    intake. The numbers are held as one string (a str object a number cost 67 bytes, more than the 18
    characters); each row keeps its cell, one string per cell name for the whole batch (``sys.intern``:
    every roster has a ``C5``); the rest of a row's source (file, digest, sheet …) is held once per
    distinct rest, with each row's index into them, the rests pickled (one bytes object: ~0.5 KB where
    their objects took ~2 KB). About 1.5 KB for 60 rows, where a dict of numbers to
    (rest, cell) took 14 KB. A row's Source is rebuilt when asked (the few numbers found on two rosters).
    """

    __slots__ = ("_cells", "_numbers", "_rest_of", "_rests")

    def __init__(self, sources: Mapping[str, Source] | None = None) -> None:
        rests: dict[Source, int] = {}
        numbers: list[str] = []
        cells: list[str | None] = []
        rest_of: list[int] = []
        for number, source in (sources or {}).items():
            rest = source.model_copy(update={"cell": None})
            rest_of.append(rests.setdefault(rest, len(rests)))
            numbers.append(number)
            cells.append(sys.intern(source.cell) if source.cell is not None else None)
        self._numbers = "\n".join(numbers)
        self._cells = tuple(cells)
        self._rests = pickle.dumps(tuple(rests), protocol=pickle.HIGHEST_PROTOCOL)  # one bytes object, not a tree
        self._rest_of = tuple(rest_of) if len(rests) > 1 else ()  # one roster file and sheet: all rows index 0

    def _row(self, number: object) -> int:
        """The row of ``number``, -1 if not here (found in the one string: no list of numbers is built)."""
        if not isinstance(number, str) or not number or "\n" in number or not self._cells:
            return -1
        at = f"\n{self._numbers}\n".find(f"\n{number}\n")
        return -1 if at < 0 else self._numbers.count("\n", 0, at)

    def __getitem__(self, number: str) -> Source:
        i = self._row(number)
        if i < 0:
            raise KeyError(number)
        rest = _unpickled_rests(self._rests)[self._rest_of[i] if self._rest_of else 0]
        return rest.model_copy(update={"cell": self._cells[i]})

    def __iter__(self) -> Iterator[str]:
        return iter(self._numbers.split("\n") if self._cells else ())

    def __len__(self) -> int:
        return len(self._cells)

    def __contains__(self, number: object) -> bool:
        return self._row(number) >= 0


@lru_cache(maxsize=256)
def _unpickled_rests(data: bytes) -> tuple[Source, ...]:
    """A roster's row-source rests, unpickled once for the many rows asked in a row (in an intake of copies, every
    number is on many rosters and each discrepancy asks every claimant's row); read-only, each row copies its own."""
    rests: tuple[Source, ...] = pickle.loads(data)
    return rests


# the notes the batch rules add to a report start with this (so that they can be taken off again)
BATCH_NOTE_PREFIX = "批次规则："


@dataclass(frozen=True)
class BatchEntry:
    """What the batch rules need of one applicant; ``roster_ids`` is personal data, kept in memory only.

    A failed applicant's entry holds what is known of it: ``form_known`` False means its authority and
    relaxation request are unknown (``authority`` and ``relaxation_requested`` then mean nothing),
    ``roster_known`` False that its roster's 身份证号 are; ``basis`` says where the known parts came from.
    """

    applicant_id: str
    authority: str | None = None
    relaxation_requested: bool = False
    roster_ids: Mapping[str, Source] = field(default_factory=RowSources)  # valid 身份证号 -> its row
    form_known: bool = True
    roster_known: bool = True
    failed: bool = False  # not reviewed in this batch (``reason``): its report is not rewritten by the batch
    basis: str | None = None  # for a failed applicant: where its known parts were taken from
    reason: str = "审查出错"  # why it was not reviewed: an internal error, or its folder still changing

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
        self._quota, self._notes, self.notes = _relaxation_quota(entries, rules)
        self._rosters_unknown = [e for e in entries if not e.roster_known]
        if self._rosters_unknown:
            self.notes.append(_cross_incomplete(self._rosters_unknown))
        self.notes[:0] = [_failed_note(e) for e in entries if e.failed]
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

    def notes_for(self, applicant_id: str) -> list[str]:
        """The notes for one applicant's report: the batch findings about it held back, and why."""
        notes = list(self._notes.get(applicant_id, []))
        entry = self._entries.get(applicant_id)
        others = [e for e in self._rosters_unknown if e.applicant_id != applicant_id]
        if others and entry is not None and entry.roster_known and entry.roster_ids:
            notes.append(BATCH_NOTE_PREFIX + _cross_incomplete(others))
        return notes

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


def _who(entries: list[BatchEntry]) -> str:
    """``申报企业a、b审查出错，申报企业c材料仍在变动…``: the applicants with why each was not reviewed."""
    by_reason: dict[str, list[str]] = defaultdict(list)
    for entry in entries:
        by_reason[entry.reason].append(entry.applicant_id)
    return "，".join(f"申报企业{'、'.join(ids)}{reason}" for reason, ids in by_reason.items())


def _cross_incomplete(entries: list[BatchEntry]) -> str:
    return (f"跨企业人员重复核查不完整：{_who(entries)}，其人员名册的身份证号未能计入，"
            "与其名册重复的人员未能查出。")


def _failed_note(entry: BatchEntry) -> str:
    parts = (("推荐单位和放宽申请", entry.form_known), ("人员名册的身份证号", entry.roster_known))
    known = [part for part, ok in parts if ok]
    unknown = [part for part, ok in parts if not ok]
    said = f"{_who([entry])}："
    if known:
        said += f"其{'、'.join(known)}取自{entry.basis or '已读取的材料'}，已计入批次规则"
    if unknown:
        said += ("；" if known else "") + f"其{'、'.join(unknown)}不明，未计入批次规则"
    return said + "。"


def _percent(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.1'))}%"


def _relaxation_quota(entries: list[BatchEntry], rules: Rules
                      ) -> tuple[dict[str, list[Discrepancy]], dict[str, list[str]], list[str]]:
    """The quota's discrepancies and held-back notes by applicant, and the notes for the batch summary.

    An applicant whose form is unknown could belong to any authority and have asked for relaxation or
    not: a group's share is then somewhere between counting it unrelaxed in the group and counting it
    relaxed in the group. Over the quota at the least → a discrepancy; at most within it → none;
    otherwise the finding is held back, with a note.
    """
    found: dict[str, list[Discrepancy]] = defaultdict(list)
    held: dict[str, list[str]] = defaultdict(list)
    summary: list[str] = []
    by_authority: dict[str, list[BatchEntry]] = defaultdict(list)
    unknown = [e for e in entries if not e.form_known]
    for entry in entries:
        if entry.form_known:
            by_authority[entry.authority or "（未填写推荐单位）"].append(entry)
    quota, w = rules.thresholds.relaxation_quota, len(unknown)
    limit = f"{(quota * 100).normalize():f}%"
    for authority, group in by_authority.items():
        relaxed = [e for e in group if e.relaxation_requested]
        if not relaxed:
            continue
        n, r = len(group), len(relaxed)
        least, most = Decimal(r) / Decimal(n + w), Decimal(r + w) / Decimal(n + w)
        if least > quota:
            share = Decimal(r) / Decimal(n)
            tail = f"另有{w}家企业推荐单位不明（{_who(unknown)}），计入后仍超过上限" if w else ""
            for entry in relaxed:
                found[entry.applicant_id].append(Discrepancy(
                    figure="relaxation_quota",
                    message=(f"推荐单位{authority}推荐的{n}家企业中有{r}家申请放宽条件"
                             f"（{_percent(share)}），超过{limit}的上限。" + (f"（{tail}）" if tail else "")),
                    values=[DiscrepancyValue(value=str(r)), DiscrepancyValue(value=str(n))],
                ))
        elif most > quota:
            note = (f"推荐单位{authority}的放宽比例未判定：{_who(unknown)}，其推荐单位和放宽申请不明；"
                    f"已知的{n}家企业中{r}家申请放宽条件，计入后在{_percent(least)}至{_percent(most)}之间"
                    f"（上限{limit}）。")
            summary.append(note)
            for entry in relaxed:
                held[entry.applicant_id].append(BATCH_NOTE_PREFIX + note)
    return dict(found), dict(held), summary


def apply(report: Report, extra: list[Discrepancy], notes: list[str] | None = None) -> Report:
    """The report with the batch discrepancies and notes added and its verdict decided again (notes do not
    change it)."""
    if notes:
        report = report.model_copy(update={"notes": [*report.notes, *notes]})
    if not extra:
        return report
    discrepancies = [*report.discrepancies, *extra]
    verdict = decide(report.checks, discrepancies, report.missing_inputs)
    return report.model_copy(update={"discrepancies": discrepancies, "verdict": verdict})
