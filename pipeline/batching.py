"""What an intake batch decides, as plain functions the batch flow (``omreview.flows.batch``) hands its results to.

No Prefect here: the flow submits the tasks and waits for them; these functions say what follows from
what the tasks gave. In the order of a batch:

1. ``sort_opened``: the folders as ``open-intake`` opened them, sorted into rejected, deferred and
   unchanged (done at once: a row of the summary each, an unchanged one's old ``error.log`` removed),
   broken (a bug while opening: to fail) and the applicants to review (in applicant-id order);
2. ``first_failure`` and ``failed_entry``: whether reading an applicant's documents broke, and what the
   batch rules can still count of an applicant that failed (from its documents' parcels);
   ``reviewed_applicant``: an assessed applicant as the batch rules and the final reports need it;
3. ``rules_stand``: whether the batch rules can be skipped (nothing they depend on changed since the
   previous batch); otherwise ``batch_findings`` over every applicant, failed and deferred ones included;
4. ``plan_finals``: each applicant's final report (its base report with the batch discrepancies that
   concern it), which ones changed and which must be written; ``settle_finals``: the summary's rows once
   they are written.

``fail`` is an internal error of one applicant: its traceback in ``OUT/<id>/error.log`` and a row of the
summary (unless the command is stopping: then the error is the stop's and ``Interrupted`` is raised).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from omreview import intake
from omreview.intake import BatchSummary, Kept, Opened, Outcome, Row
from omreview.model import Document
from omreview.packet import applicant_id_of
from omreview.processes import check_stop
from omreview.records import DocumentRecord
from omreview.review import Review
from omreview.rules import Rules
from omreview.validators.batch import BatchEntry, BatchFindings

Pair = tuple[Document, DocumentRecord | None]


class Openable(Protocol):
    """A task's result handed on once (``omreview.flows.tasks.Parcel``): ``open`` raises ``RuntimeError`` once taken."""

    def open(self) -> Any: ...


def fail(summary: BatchSummary, applicant_id: str, exc: BaseException, out: Path,
         report: Kept | None = None) -> Row:
    """An internal error: its traceback in ``OUT/<id>/error.log``, a row of the summary; the batch goes on.

    Unless the command is stopping: then the error is the stop's (a reading abandoned, a server gone) and
    ``Interrupted`` is raised."""
    check_stop()
    log = intake.write_error_log(out, applicant_id, exc)
    row = Row(applicant_id, Outcome.FAILED, report=report, path=log, error=f"internal error: {exc}",
              error_type=type(exc).__name__)
    summary.rows.append(row)
    return row


# --- 1. the intake opened ---------------------------------------------------------------------------


@dataclass
class Sorted:
    """The folders of an intake once opened."""

    opened: list[Opened] = field(default_factory=list)  # every folder that opened, usable or not, without its listing
    to_review: list[Opened] = field(default_factory=list)  # new or changed, in applicant-id order (``take_to_review``)
    unchanged: list[Opened] = field(default_factory=list)  # a report of this very packet is stored
    done: list[tuple[str, Outcome]] = field(default_factory=list)  # rejected, deferred, unchanged: folder order
    broken: list[tuple[str, BaseException]] = field(default_factory=list)  # a bug while opening: to fail

    def take_to_review(self) -> deque[Opened]:
        """The applicants to review, handed over: this holds them no more (each one's listing is let go of
        once it is reviewed, whatever the intake's size)."""
        taken, self.to_review = deque(self.to_review), []
        return taken


def sort_opened(folders: Sequence[Path], results: Sequence[Opened | BaseException], summary: BatchSummary,
                out: Path) -> Sorted:
    """Sort what ``open-intake`` gave for each folder: rejected and deferred ones get their row of the summary,
    unchanged ones lose an old ``error.log`` (their report is stored: an old failure is over)."""
    found = Sorted()
    for folder, result in zip(folders, results, strict=True):
        if isinstance(result, BaseException):
            found.broken.append((applicant_id_of(folder), result))
            continue
        # what the batch's fingerprint needs (``intake.batch_inputs``): the listing is held where it is used
        found.opened.append(replace(result, packet=None, kept=None))
        if result.error is not None:
            summary.rows.append(Row(result.applicant_id, Outcome.REJECTED, error=result.error))
            found.done.append((result.applicant_id, Outcome.REJECTED))
        elif result.deferred is not None:
            summary.rows.append(Row(result.applicant_id, Outcome.DEFERRED, error=result.deferred))
            found.done.append((result.applicant_id, Outcome.DEFERRED))
        elif result.to_review:
            found.to_review.append(result)
        else:
            intake.clear_error_log(out, result.applicant_id)
            found.unchanged.append(result)
            found.done.append((result.applicant_id, Outcome.UNCHANGED))
    found.to_review.sort(key=lambda o: o.applicant_id)
    return found


# --- 2. reading and assessing -----------------------------------------------------------------------


def first_failure(results: Iterable[object]) -> BaseException | None:
    """The first of a task's results that is an exception (a bug while reading: an unreadable file is a
    document in error, not this), or ``None``."""
    return next((r for r in results if isinstance(r, BaseException)), None)


def failed_entry(applicant_id: str, parcels: Sequence[Openable | BaseException]) -> BatchEntry:
    """What the batch rules can count of an applicant that failed, from its documents' parcels in packet order
    (a failed read is an exception in its place; a parcel taken already is not known either)."""
    pairs: list[Pair | None] = []
    for parcel in parcels:
        try:
            pairs.append(None if isinstance(parcel, BaseException) else parcel.open())
        except RuntimeError:  # taken already
            pairs.append(None)
    return intake.failed_batch_entry(applicant_id, pairs)


@dataclass(frozen=True)
class Reviewed:
    """An applicant reviewed in this batch: what the batch rules need of it and its report, kept compressed."""

    opened: Opened  # with the packet hash of the bytes its report was made from; its listing let go of
    entry: BatchEntry
    kept: Kept


def reviewed_applicant(opened: Opened, review: Review, out: Path) -> Reviewed:
    """An assessed applicant as the rest of the batch needs it; an old ``error.log`` of it is removed."""
    intake.clear_error_log(out, opened.applicant_id)
    # the packet's listing is not needed any more, only its hash: held until the batch ends, it would grow with it
    return Reviewed(replace(intake.as_reviewed(opened, review.report), packet=None), review.batch_entry,
                    Kept.of(review.report))


# --- 3. the batch rules -----------------------------------------------------------------------------


def deferred_ids(summary: BatchSummary) -> list[str]:
    return sorted(r.applicant for r in summary.rows if r.outcome is Outcome.DEFERRED)


def failed_ids(summary: BatchSummary) -> list[str]:
    return sorted({r.applicant for r in summary.rows if r.outcome is Outcome.FAILED})


def rules_stand(reviewed: Sequence[Reviewed], summary: BatchSummary, fingerprint: str, previous: str | None) -> bool:
    """Whether the previous batch's findings stand: nobody reviewed, failed or deferred, and the batch's inputs
    (``intake.batch_inputs``) are those of the previous batch (``previous``). If so they are this batch's."""
    if reviewed or summary.failed or deferred_ids(summary) or fingerprint != previous:
        return False
    summary.inputs = fingerprint
    return True


def batch_findings(summary: BatchSummary, entries: list[BatchEntry], held: Mapping[str, BatchEntry], rules: Rules,
                   fingerprint: str, complete: bool = True) -> BatchFindings:
    """The batch discrepancies and notes of every applicant of the intake.

    ``entries``: those of the applicants reviewed and unchanged (``complete``: every unchanged one's was
    found). A failed applicant counts with what is known of it (``held``, else nothing), a deferred one
    with nothing; the notes on what that held back go to the summary, and the fingerprint is recorded
    only if nobody is missing."""
    deferred = deferred_ids(summary)
    summary.inputs = fingerprint if complete and not summary.failed and not deferred else None
    everyone = [*entries, *(held.get(a) or intake.failed_batch_entry(a) for a in failed_ids(summary)),
                *(intake.deferred_batch_entry(a) for a in deferred)]  # not known yet either
    findings = intake.batch_discrepancies(everyone, rules)
    summary.notes = list(findings.notes)
    return findings


# --- 4. the final reports ---------------------------------------------------------------------------


@dataclass
class Finals:
    """Each applicant's final report, and what is to be done with it."""

    reports: dict[str, Kept]  # by applicant id, in id order
    reviewed_ids: set[str]
    to_write: list[tuple[str, Kept, str]]  # (applicant id, final report, packet hash)
    changed: list[Kept]  # the reports the batch rules changed (their artifacts to publish again)


def plan_finals(findings: BatchFindings | None, reviewed: Sequence[Reviewed], unchanged: Sequence[Opened],
                summary: BatchSummary, out: Path) -> Finals:
    """Each applicant's final report, built one at a time: its base report with the batch discrepancies that
    concern it (``findings``; ``None``: nothing the batch rules depend on changed, the reports stand).

    To write: those the batch rules changed, and an unchanged applicant's whose ``report.json`` is missing or
    differs (a reviewed applicant's was just written). Failed applicants are left out."""
    failed = set(failed_ids(summary))
    held: dict[str, tuple[Opened, Kept]] = {r.opened.applicant_id: (r.opened, r.kept) for r in reviewed}
    reviewed_ids = set(held)
    held.update({o.applicant_id: (o, o.kept) for o in unchanged if o.kept is not None})
    plan = Finals(reports={}, reviewed_ids=reviewed_ids, to_write=[], changed=[])
    for applicant_id, (o, kept) in sorted(held.items()):
        if applicant_id in failed:
            continue
        final, report = kept, None
        if findings is not None:
            before = kept.get()
            report = intake.final_report(before, findings.get(applicant_id, []), findings.notes_for(applicant_id))
            if report != before:
                final = Kept.of(report)
                plan.changed.append(final)
        plan.reports[applicant_id] = final
        if final is not kept or (applicant_id not in reviewed_ids
                                 and intake.needs_writing(report or kept.get(), out)):
            if o.packet_hash is None:  # a report is only ever kept for a hashed packet
                raise ValueError(f"{applicant_id}: a report without its packet's hash")
            plan.to_write.append((applicant_id, final, o.packet_hash))
    return plan


def settle_finals(plan: Finals, written: Sequence[Path | BaseException], summary: BatchSummary,
                  out: Path) -> list[Kept]:
    """The summary's rows once ``record-reports`` wrote ``plan.to_write`` (``written``: a path or the error of
    each); a report that could not be recorded is its applicant's failure. Returns the changed reports that
    were recorded. The batch's inputs are not recorded when anyone failed: next time works them out again."""
    results = {applicant_id: result for (applicant_id, _, _), result in zip(plan.to_write, written, strict=True)}
    failed_now: set[int] = set()
    for applicant_id, final in plan.reports.items():
        result = results.get(applicant_id)
        if isinstance(result, BaseException):
            fail(summary, applicant_id, result, out)
            failed_now.add(id(final))
            continue
        outcome = Outcome.REVIEWED if applicant_id in plan.reviewed_ids else Outcome.UNCHANGED
        summary.rows.append(Row(applicant_id, outcome, report=final, path=Path(out) / applicant_id / "report.json"))
    if summary.failed:
        summary.inputs = None
    return [k for k in plan.changed if id(k) not in failed_now]
