"""The reviewers' work queue: each applicant's state, what keeps it open, the order to take them in.

An applicant is **待评审** (open) until a 评审结论 is in force for its newest row, then **已结论** with
that conclusion (``omreview.conclusions``). Its open items are the checks and discrepancies without a
decision in force, split by who settles them: **待人工判断** (checks of status ``manual``: the conditions a
person judges) and **待核实** (checks of status ``review`` or ``missing`` and discrepancies: what the
pipeline could not settle). An applicant meeting every condition thus has no item 待核实 and only its
manual checks 待人工判断. :attr:`QueueEntry.why_open` says it in words, with the Chinese labels.

The order (:func:`build_queue`): open applicants first, then the concluded ones; within each, by
application date, then by applicant id (numbers in it as numbers: app-2 before app-10). First come, first
served, and stable: an applicant keeps its place while a reviewer decides its items, so "next" is
predictable. :func:`next_open` is the first open applicant after a given one in that application order,
wrapping around to the start.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from omreview.conclusions import Action, ConclusionEvent, Group, OpenItem, conclusion_label, in_force, open_items
from omreview.decisions import ReviewerDecision
from omreview.rules import ReviewRules, default_rules

if TYPE_CHECKING:
    from omreview.store import ResultStore, StoredApplicant


@dataclass(frozen=True)
class QueueEntry:
    """One applicant in the work queue (its newest row in the store)."""

    applicant_id: str
    row_id: int
    verdict: str
    application_date: dt.date
    conclusion: ConclusionEvent | None  # the conclusion in force; None: open
    manual: list[OpenItem] = field(default_factory=list)  # 待人工判断
    to_verify: list[OpenItem] = field(default_factory=list)  # 待核实
    reopened: ConclusionEvent | None = None  # the reopening in force, when it was concluded and reopened
    withdrawn: bool = False

    @property
    def is_open(self) -> bool:
        return self.conclusion is None

    @property
    def open_count(self) -> int:
        return len(self.manual) + len(self.to_verify)

    def state_label(self, rules: ReviewRules | None = None) -> str:
        """``待评审``, or ``已结论（通过）``."""
        rules = rules or default_rules().review
        if self.conclusion is None:
            return rules.states["open"]
        return f"{rules.states['concluded']}（{conclusion_label(self.conclusion.conclusion or '', rules)}）"

    def why_open(self, rules: ReviewRules | None = None) -> str:
        """Why it is open, in words: ``待核实：B1 运维收入（需复核）；待人工判断：G4 资信与守法（人工判断）、…``;
        ``各项均已处理，待作评审结论`` when nothing is open but no conclusion is in force; ``""`` once concluded."""
        rules = rules or default_rules().review
        if self.conclusion is not None:
            return ""
        parts = [f"{rules.open_items[group]}：{'、'.join(i.label for i in items)}"
                 for group, items in _groups(self) if items]
        if not parts:
            again = f"已{rules.actions['reopened']}，" if self.reopened is not None else ""
            return f"{again}各项均已处理，待作评审结论"
        return "；".join(parts)


def _groups(entry: QueueEntry) -> list[tuple[Group, list[OpenItem]]]:
    return [("to_verify", entry.to_verify), ("manual", entry.manual)]


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part)


def _application_order(entry: QueueEntry) -> tuple[dt.date, tuple[tuple[int, int | str], ...]]:
    return entry.application_date, _natural(entry.applicant_id)


def entry_for(applicant: StoredApplicant, decisions: Iterable[ReviewerDecision],
              trail: Iterable[ConclusionEvent]) -> QueueEntry:
    """The queue entry of one stored applicant, from its row's decisions and conclusion trail."""
    items = open_items(applicant.report, [d for d in decisions if d.applicant_row == applicant.row_id])
    current = in_force(e for e in trail if e.applicant_row == applicant.row_id).get(applicant.row_id)
    return QueueEntry(
        applicant_id=applicant.applicant_id, row_id=applicant.row_id, verdict=applicant.verdict,
        application_date=applicant.application_date,
        conclusion=current if current is not None and current.action == Action.CONCLUDED else None,
        manual=[i for i in items if i.group == "manual"], to_verify=[i for i in items if i.group == "to_verify"],
        reopened=current if current is not None and current.action == Action.REOPENED else None,
        withdrawn=applicant.withdrawn_at is not None)


def build_queue(applicants: Iterable[StoredApplicant], decisions: Iterable[ReviewerDecision],
                trail: Iterable[ConclusionEvent], include_withdrawn: bool = False) -> list[QueueEntry]:
    """The work queue: open applicants first, then the concluded; each part in application order."""
    by_row: dict[int, list[ReviewerDecision]] = defaultdict(list)
    trails: dict[int, list[ConclusionEvent]] = defaultdict(list)
    for d in decisions:
        by_row[d.applicant_row].append(d)
    for e in trail:
        trails[e.applicant_row].append(e)
    entries = [entry_for(a, by_row[a.row_id], trails[a.row_id]) for a in applicants
               if include_withdrawn or a.withdrawn_at is None]
    return sorted(entries, key=lambda e: (not e.is_open, _application_order(e)))


def load_queue(store: ResultStore, include_withdrawn: bool = False) -> list[QueueEntry]:
    """The work queue of a results store (each applicant's newest row)."""
    applicants = store.latest_applicants()
    rows = [a.row_id for a in applicants]
    return build_queue(applicants, store.decisions(rows), store.conclusion_events(rows), include_withdrawn)


def next_open(queue: Iterable[QueueEntry], after: str | None) -> QueueEntry | None:
    """The first open applicant after ``after`` in application order, wrapping around; the first open one when
    ``after`` is None or not in the queue; None when no other applicant is open."""
    ordered = sorted(queue, key=_application_order)
    ids = [e.applicant_id for e in ordered]
    start = ids.index(after) + 1 if after in ids else 0
    for entry in ordered[start:] + ordered[:start]:
        if entry.is_open and entry.applicant_id != after:
            return entry
    return None


def open_total(queue: Iterable[QueueEntry]) -> str:
    """The queue in one line: ``待评审3家（待核实4项，待人工判断15项），已结论18家``."""
    entries = list(queue)
    rules = default_rules().review
    still = [e for e in entries if e.is_open]
    verify, manual = sum(len(e.to_verify) for e in still), sum(len(e.manual) for e in still)
    return (f"{rules.states['open']}{len(still)}家（{rules.open_items['to_verify']}{verify}项，"
            f"{rules.open_items['manual']}{manual}项），{rules.states['concluded']}{len(entries) - len(still)}家")

