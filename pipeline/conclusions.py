"""The 评审结论 per applicant: what a reviewer records once nothing of the applicant is left open.

A conclusion is one of rules.yaml's ``review.conclusions`` (通过 / 不通过 / 退回补正: a code kept in the
store, the body's wording shown), with an opinion, the reviewer and the time (UTC in the store). It can
only be made when every check of status ``review``, ``manual`` or ``missing`` and every discrepancy has
a reviewer decision in force (``omreview.decisions``); else it is refused, naming what is still open
(:class:`ConclusionRefused`). It closes the applicant; reopening it needs a reason.

Conclusions and reopenings are rows of one audit trail, appended, never edited: the newest row of an
applicant row is in force (:func:`in_force`). Like decisions they hang off the applicant row (applicant
+ packet hash + rules version): the same packet saved again keeps them, a changed packet starts open.
Opinions and reasons are free text: any 身份证号 in them is masked (``omreview.masking.mask_text``) when
the row is made, before it is stored.

For the exports and the overview: :func:`current_conclusions` (store, applicant rows → the conclusion in
force of each concluded one), :func:`conclusion_label` (``通过``) and :func:`describe` (one line).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from omreview import zh
from omreview.decisions import ReviewerDecision, TargetKind, discrepancy_keys
from omreview.errors import InputError
from omreview.masking import mask_text
from omreview.rules import ReviewRules, default_rules

if TYPE_CHECKING:  # the store imports this module for its rows' model
    from omreview.store import ResultStore, StoredApplicant

# check statuses that need a reviewer's decision before an applicant can be concluded, by who settles them
MANUAL_STATUSES = frozenset({"manual"})  # the conditions a person judges (待人工判断)
TO_VERIFY_STATUSES = frozenset({"review", "missing"})  # what the pipeline could not settle (待核实)
MAX_TEXT = 4000
Group = Literal["manual", "to_verify"]


class ConclusionRefused(InputError):
    """A conclusion or reopening that cannot be made: the reviewer's message (Chinese, ``str()``) and the
    operator's (English one line, :attr:`operator`, for the command line)."""

    def __init__(self, reviewer_text: str, operator_text: str) -> None:
        super().__init__(reviewer_text)
        self.operator = operator_text


class Action(StrEnum):
    CONCLUDED = "concluded"
    REOPENED = "reopened"


class ConclusionEvent(BaseModel):
    """One row of an applicant's conclusion trail: concluded (``conclusion``, ``opinion``) or reopened (``reason``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int | None = None
    applicant_row: int
    action: Action
    conclusion: str | None = Field(default=None, max_length=32, description="the conclusion's code, when concluded")
    opinion: str | None = Field(default=None, max_length=MAX_TEXT)
    reason: str | None = Field(default=None, max_length=MAX_TEXT)
    machine_verdict: str = Field(description="the report's verdict when the row was made")
    reviewer: str = Field(min_length=1, max_length=255)
    acted_at: dt.datetime

    @field_validator("opinion", "reason", "reviewer")
    @classmethod
    def _not_blank(cls, text: str | None) -> str | None:
        if text is None:
            return None
        text = text.strip()
        if not text:
            raise ValueError("must not be blank")
        return text

    @field_validator("opinion", "reason")
    @classmethod
    def _masked(cls, text: str | None) -> str | None:
        return mask_text(text)

    @model_validator(mode="after")
    def _fields_of_the_action(self) -> ConclusionEvent:
        if self.action == Action.CONCLUDED and (not self.conclusion or not self.opinion or self.reason is not None):
            raise ValueError("a conclusion has a conclusion code and an opinion, no reason")
        if self.action == Action.REOPENED and (self.conclusion is not None or self.opinion is not None
                                               or not self.reason):
            raise ValueError("a reopening has a reason only")
        return self


# --- what is still open --------------------------------------------------------------------------------

@dataclass(frozen=True)
class OpenItem:
    """A check or discrepancy of a report without a decision in force; ``group``: ``manual`` (a person judges
    it) or ``to_verify`` (the pipeline could not settle it)."""

    kind: TargetKind
    target: str  # check id (``B1``) or discrepancy key (``roster.duplicate.row70``)
    status: str | None  # the check's status; None for a discrepancy
    group: Group

    @property
    def label(self) -> str:
        """``B1 运维收入（需复核）``, ``人员名册第70行身份证号重复（材料间不一致）``."""
        if self.kind == TargetKind.CHECK:
            return f"{zh.check_label(self.target)}（{zh.status_label(self.status)}）"
        return f"{zh.name_label(self.target)}（{zh.target_label(self.kind)}）"

    @property
    def code(self) -> str:
        """For the operator: ``B1 (review)``, ``roster.duplicate.row70 (discrepancy)``."""
        return f"{self.target} ({self.status or self.kind.value})"


def open_items(report: dict[str, Any], decisions: Iterable[ReviewerDecision]) -> list[OpenItem]:
    """The checks of status review/manual/missing and the discrepancies of ``report`` (report.json as a dict)
    that no decision in ``decisions`` (the applicant row's; any order, the newest counts) settles, in report
    order: checks first, then discrepancies."""
    decided = {(d.target_kind, d.target) for d in decisions}
    items = []
    for check in report.get("checks", []):
        status = check["status"]
        if status in MANUAL_STATUSES | TO_VERIFY_STATUSES and (TargetKind.CHECK, check["id"]) not in decided:
            group: Group = "manual" if status in MANUAL_STATUSES else "to_verify"
            items.append(OpenItem(TargetKind.CHECK, check["id"], status, group))
    for key in discrepancy_keys(report):
        if (TargetKind.DISCREPANCY, key) not in decided:
            items.append(OpenItem(TargetKind.DISCREPANCY, key, None, "to_verify"))
    return items


# --- making rows ---------------------------------------------------------------------------------------

def in_force(events: Iterable[ConclusionEvent]) -> dict[int, ConclusionEvent]:
    """The newest row per applicant row (concluded or reopened): the last appended (stored rows are appended
    in turn, each after the one it saw in force, whatever the clocks of the reviewers' machines say)."""
    newest: dict[int, ConclusionEvent] = {}
    for e in sorted(events, key=lambda e: (e.id is None, e.id or 0, e.acted_at)):
        newest[e.applicant_row] = e
    return newest


def conclusion_label(code: str, rules: ReviewRules | None = None) -> str:
    """The body's wording of a conclusion code: ``approved`` → ``通过``."""
    return (rules or default_rules().review).conclusion_label(code)


def make_conclusion(report: dict[str, Any], applicant_row: int, conclusion: str, opinion: str, reviewer: str,
                    decisions: Iterable[ReviewerDecision], current: ConclusionEvent | None = None,
                    now: dt.datetime | None = None, rules: ReviewRules | None = None) -> ConclusionEvent:
    """The conclusion ``conclusion`` (a label such as 通过, or its code) on the applicant of ``report``.

    ``decisions``: the applicant row's; ``current``: its row in force, if any. Refused
    (:class:`ConclusionRefused`) while an item is open, when it is concluded already, for an unknown
    conclusion or a blank opinion or reviewer.
    """
    rules = rules or default_rules().review
    applicant = report["applicant"]["id"]
    if current is not None and current.action == Action.CONCLUDED:
        shown = conclusion_label(current.conclusion or "", rules)
        raise ConclusionRefused(f"{applicant}已作出评审结论（{shown}），如需更改请先重新打开。",
                                f"{applicant} is concluded already ({shown}): reopen it first "
                                f"(omreview reopen OUT {applicant} --reason ... --reviewer ...)")
    choice = rules.conclusion(conclusion)
    if choice is None:
        choices = "、".join(c.label for c in rules.conclusions)
        raise ConclusionRefused(f"请选择评审结论（{choices}）。",
                                f"unknown conclusion {conclusion.strip()!r}: use one of "
                                f"{', '.join(c.label for c in rules.conclusions)}")
    remaining = open_items(report, decisions)
    if remaining:
        raise ConclusionRefused(
            f"尚有未处理事项：{'、'.join(i.label for i in remaining)}。请逐项接受或推翻后再作评审结论。",
            f"{applicant} has {len(remaining)} open item(s) without a decision: "
            f"{', '.join(i.code for i in remaining)}; decide each (accept or override) in the dashboard first")
    return _event(applicant, dict(applicant_row=applicant_row, action=Action.CONCLUDED, conclusion=choice.code,
                                  opinion=opinion, machine_verdict=report["verdict"], reviewer=reviewer,
                                  acted_at=now or dt.datetime.now(dt.UTC)))


def make_reopening(report: dict[str, Any], applicant_row: int, reason: str, reviewer: str,
                   current: ConclusionEvent | None, now: dt.datetime | None = None) -> ConclusionEvent:
    """Reopen the concluded applicant of ``report`` (``current``: its row in force) with a reason."""
    applicant = report["applicant"]["id"]
    if current is None or current.action != Action.CONCLUDED:
        raise ConclusionRefused(f"{applicant}尚未作出评审结论，无需重新打开。",
                                f"{applicant} has no conclusion to reopen")
    return _event(applicant, dict(applicant_row=applicant_row, action=Action.REOPENED, reason=reason,
                                  machine_verdict=report["verdict"], reviewer=reviewer,
                                  acted_at=now or dt.datetime.now(dt.UTC)))


# what the reviewer and the operator are told when a field is not filled in as it must be
_PROBLEMS = {"opinion": ("请填写评审意见。", "the opinion (--opinion) must not be blank"),
             "reason": ("请填写重新打开的理由。", "the reason (--reason) must not be blank"),
             "reviewer": ("请填写评审人。", "the reviewer (--reviewer) must not be blank")}
_TOO_LONG = {"opinion": ("评审意见不能超过4000字。", "the opinion is longer than 4000 characters"),
             "reason": ("理由不能超过4000字。", "the reason is longer than 4000 characters"),
             "reviewer": ("评审人名称不能超过255字。", "the reviewer's name is longer than 255 characters")}


def _event(applicant: str, values: dict[str, Any]) -> ConclusionEvent:
    try:
        return ConclusionEvent(**values)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        errors = getattr(exc, "errors", None)
        err = errors()[0] if callable(errors) else {"loc": (), "type": ""}
        field = str(err["loc"][0]) if err["loc"] else ""
        table = _TOO_LONG if err["type"] == "string_too_long" else _PROBLEMS
        reviewer_text, operator_text = table.get(field, ("评审结论不完整，请检查后再提交。",
                                                         f"incomplete entry for {applicant}: {exc}"))
        raise ConclusionRefused(reviewer_text, operator_text) from exc


def describe(event: ConclusionEvent | None, rules: ReviewRules | None = None) -> str:
    """One line, in the review body's time: ``通过 — 王评审 2012-06-03 17:00：符合条件`` for a conclusion,
    ``重新打开 — 王评审 2012-06-04 09:00：补充材料`` for a reopening; ``""`` for none."""
    if event is None:
        return ""
    rules = rules or default_rules().review
    when = zh.local_time(event.acted_at)
    if event.action == Action.CONCLUDED:
        return f"{conclusion_label(event.conclusion or '', rules)} — {event.reviewer} {when}：{event.opinion}"
    return f"{rules.actions['reopened']} — {event.reviewer} {when}：{event.reason}"


# --- with a store: for the command line, the dashboard, the exports ---------------------------------

def current_conclusions(store: ResultStore, applicant_rows: Iterable[int]) -> dict[int, ConclusionEvent]:
    """The conclusion in force of each concluded applicant row among ``applicant_rows`` (a reopened or never
    concluded one is absent): what the overview and the exports show as the 评审结论."""
    newest = in_force(store.conclusion_events(applicant_rows))
    return {row: e for row, e in newest.items() if e.action == Action.CONCLUDED}


def find_applicant(store: ResultStore, applicant_id: str) -> StoredApplicant:
    """The applicant's newest row in the store (``ConclusionRefused`` if there is none)."""
    entry = next((e for e in store.latest_applicants() if e.applicant_id == applicant_id), None)
    if entry is None:
        raise ConclusionRefused(f"结果库中没有申报企业{applicant_id}。",
                                f"no applicant {applicant_id!r} in the results store: give its folder name "
                                "as `omreview batch` reviewed it")
    return entry


def conclude(store: ResultStore, applicant_id: str, conclusion: str, opinion: str, reviewer: str,
             now: dt.datetime | None = None) -> ConclusionEvent:
    """Record a conclusion on the applicant's newest row (see :func:`make_conclusion`); returns the stored row."""
    entry = find_applicant(store, applicant_id)
    trail = store.conclusion_events([entry.row_id])
    current = in_force(trail).get(entry.row_id)
    event = make_conclusion(entry.report, entry.row_id, conclusion, opinion, reviewer,
                            store.decisions([entry.row_id]), current, now)
    return event.model_copy(update={"id": store.record_conclusion_event(event, current.id if current else None)})


def reopen(store: ResultStore, applicant_id: str, reason: str, reviewer: str,
           now: dt.datetime | None = None) -> ConclusionEvent:
    """Reopen the applicant's conclusion with a reason (see :func:`make_reopening`); returns the stored row."""
    entry = find_applicant(store, applicant_id)
    current = in_force(store.conclusion_events([entry.row_id])).get(entry.row_id)
    event = make_reopening(entry.report, entry.row_id, reason, reviewer, current, now)
    return event.model_copy(update={"id": store.record_conclusion_event(event, current.id if current else None)})
