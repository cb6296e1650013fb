"""Reviewer decisions: a person accepts or overrides one check or discrepancy, with a reason.

A decision stands beside the machine result, never replacing it: the report keeps what the
pipeline found, the decision records who judged it, when, how and why. Decisions are appended,
never edited; the newest one on a target is the one in force, the older ones are its history.
A reason is free text a reviewer types: any 身份证号 in it is masked when the decision is made
(``omreview.masking.mask_text``), before it is stored, so the store, the history, the confirmation
and the exports only ever hold the masked number.
An override of a check names the status the reviewer judges, different from the machine's, and a
reason: the model refuses a new one without them (:class:`ReviewerDecision`), whatever path makes it,
and :func:`make_decision` says so in Chinese.
The target of a decision is a check id (``B1``) or a discrepancy key (its figure name, with
``#2``, ``#3`` … when a report holds the same figure name more than once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from omreview import zh
from omreview.errors import InputError
from omreview.masking import mask_text
from omreview.model import CheckStatus


class TargetKind(StrEnum):
    CHECK = "check"
    DISCREPANCY = "discrepancy"


class DecisionKind(StrEnum):
    ACCEPTED = "accepted"
    OVERRIDDEN = "overridden"


# the model's own problems, told to the reviewer by _first_problem
_STATUS_NOT_HERE = "a reviewer status belongs only to an overridden check"
_STATUS_NEEDED = "an overridden check needs the reviewer's status"
_STATUS_UNCHANGED = "an overridden check's status must differ from the machine's"


class ReviewerDecision(BaseModel):
    """One decision; an overridden check carries the status the reviewer judges (``reviewer_status``), which a new
    decision must give and which must differ from the machine's (rows stored before this rule read as they are)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int | None = None
    applicant_row: int
    target_kind: TargetKind
    target: str = Field(min_length=1, max_length=160)
    machine_status: str | None = Field(default=None, description="check status when decided; None: a discrepancy")
    machine_message: str = Field(description="the machine's message when decided, as shown to the reviewer")
    decision: DecisionKind
    reviewer_status: CheckStatus | None = Field(default=None, description="reviewer status of an overridden check")
    reason: str = Field(max_length=4000)
    reviewer: str = Field(min_length=1, max_length=255)
    decided_at: dt.datetime

    @field_validator("reason", "reviewer")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        text = text.strip()
        if not text:
            raise ValueError("must not be blank")
        return text

    @field_validator("reason")
    @classmethod
    def _masked(cls, text: str) -> str:
        return mask_text(text)

    @model_validator(mode="after")
    def _status_only_on_check_overrides(self) -> ReviewerDecision:
        overriding_check = self.target_kind == TargetKind.CHECK and self.decision == DecisionKind.OVERRIDDEN
        if self.reviewer_status is not None and not overriding_check:
            raise ValueError(_STATUS_NOT_HERE)
        # a new decision (no id yet); a stored one (its id given by the store) is read back as it was recorded
        if overriding_check and self.id is None:
            if self.reviewer_status is None:
                raise ValueError(_STATUS_NEEDED)
            if self.reviewer_status == self.machine_status:
                raise ValueError(_STATUS_UNCHANGED)
        return self


def discrepancy_keys(report: dict[str, Any]) -> list[str]:
    """The decision key of each discrepancy of a report (``report.json`` as a dict), in report order."""
    seen: dict[str, int] = {}
    keys = []
    for d in report.get("discrepancies", []):
        seen[d["figure"]] = seen.get(d["figure"], 0) + 1
        keys.append(d["figure"] if seen[d["figure"]] == 1 else f"{d['figure']}#{seen[d['figure']]}")
    return keys


def make_decision(report: dict[str, Any], applicant_row: int, target_kind: TargetKind | str, target: str,
                  decision: DecisionKind | str, reason: str, reviewer: str,
                  reviewer_status: CheckStatus | str | None = None, now: dt.datetime | None = None
                  ) -> ReviewerDecision:
    """A decision on ``target`` of ``report``, with the machine's result copied beside it.

    Raises ``InputError`` when the target is not in the report or the decision is incomplete
    (no reason, no reviewer): the reviewer's mistake, shown to them as a plain sentence.
    """
    kind = TargetKind(target_kind)
    if kind == TargetKind.CHECK:
        found = next((c for c in report.get("checks", []) if c["id"] == target), None)
        if found is None:
            raise InputError(f"{report['applicant']['id']}的报告中没有检查项{target}。")
        status, message = found["status"], found["message"]
    else:
        keys = discrepancy_keys(report)
        if target not in keys:
            raise InputError(f"{report['applicant']['id']}的报告中没有该项材料间不一致（{target}）。")
        status, message = None, report["discrepancies"][keys.index(target)]["message"]
    try:
        return ReviewerDecision(
            applicant_row=applicant_row, target_kind=kind, target=target, machine_status=status,
            machine_message=message, decision=DecisionKind(decision),
            reviewer_status=CheckStatus(reviewer_status) if reviewer_status else None, reason=reason,
            reviewer=reviewer, decided_at=now or dt.datetime.now(dt.UTC))
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise InputError(_first_problem(exc)) from exc


# what the reviewer is told when a field of the decision form is not filled in as it must be
_PROBLEMS = {"reason": "请填写理由。", "reviewer": "请填写评审人。", "decision": "请选择决定（接受或推翻）。",
             "reviewer_status": "推翻后的状态不是有效的检查状态。"}
_TOO_LONG = {"reason": "理由不能超过4000字。", "reviewer": "评审人名称不能超过255字。"}
_MODEL_PROBLEMS = {_STATUS_NOT_HERE: "只有推翻检查项时才能选择推翻后的状态。",
                   _STATUS_NEEDED: "推翻检查项须选择推翻后的状态。",
                   _STATUS_UNCHANGED: "推翻后的状态与机器结果相同：请选择另一状态，或选择接受。"}


def _first_problem(exc: ValueError) -> str:
    """The first problem of an invalid decision as one Chinese sentence for the reviewer: ``请填写理由。``."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return "决定不完整，请检查后再提交。"
    err = errors()[0]
    field = str(err["loc"][0]) if err["loc"] else ""
    if err["type"] == "string_too_long" and field in _TOO_LONG:
        return _TOO_LONG[field]
    for problem, text in _MODEL_PROBLEMS.items():
        if problem in str(err["msg"]):
            return text
    return _PROBLEMS.get(field, "决定不完整，请检查后再提交。")


def in_force(decisions: Iterable[ReviewerDecision]) -> dict[tuple[int, TargetKind, str], ReviewerDecision]:
    """The newest decision per (applicant row, target kind, target)."""
    newest: dict[tuple[int, TargetKind, str], ReviewerDecision] = {}
    for d in sorted(decisions, key=lambda d: (d.decided_at, d.id or 0)):
        newest[(d.applicant_row, d.target_kind, d.target)] = d
    return newest


def describe(decision: ReviewerDecision | None) -> str:
    """One line for tables and reports, in the review body's time: ``推翻（通过）— 王评审 2012-06-03 18:00：理由``."""
    if decision is None:
        return ""
    status = f"（{zh.status_label(decision.reviewer_status)}）" if decision.reviewer_status else ""
    when = zh.local_time(decision.decided_at)
    return f"{zh.decision_label(decision.decision)}{status} — {decision.reviewer} {when}：{decision.reason}"
