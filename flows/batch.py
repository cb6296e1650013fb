"""The intake flow: every applicant folder of an intake folder, new or changed ones reviewed, unchanged skipped.

Sequence (every step a task calling a plain function of ``pipeline.intake``):

1. ``prepare-store``: migrate the results store once, open the batch's row; ``withdraw-absent``: the
   applicants last reviewed from this intake folder whose folder is gone are marked withdrawn in the
   store (their ``OUT/<id>`` set aside in ``OUT/.withdrawn``), those back in it un-withdrawn;
2. ``open-intake``: list and hash every applicant folder, look each packet up in the store (one task
   for the intake: a task per applicant would cost Prefect more than the opening); with
   ``settle_seconds``, a folder changed more recently than that is left for the next run (*deferred*);
3. per document of a new or changed applicant ``read-document`` (a window of ``WINDOW`` applicants read
   at a time), then ``assess-applicant`` (evaluate, write report.json at once, save to the store, its
   markdown artifact): a batch killed midway keeps what it did;
4. the batch-level rules across every applicant of the intake (see ``pipeline.intake`` for how
   unchanged applicants take part); the reports they change are written and saved by ``record-reports``
   (one task for all of them), each with a new version of its artifact;
5. the batch's table artifact, ``finish-batch`` (the store's batch row and ``OUT/batch.json``).

A broken applicant (a bug while reviewing it) ends as a failed task, its traceback in
``OUT/<id>/error.log`` and a row of the summary; the others go on and the flow completes. It still
takes part in the batch rules with what is known of it (``intake.failed_batch_entry``); what is not
known holds back the findings it could change, with a note (``OUT/batch.json``'s ``batch_notes``).
An unchanged applicant's ``error.log`` (left by an earlier run that stored its report all the same)
is removed.

When the command is stopping (``pipeline.processes``: Ctrl-C, SIGTERM) the flow raises ``Interrupted``
at its next step: a task that failed because of the stop is not the applicant's failure and writes
no ``error.log``.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from flows import progress, tasks
from flows.applicant import DEFAULT_WORKERS, thread_pool
from pipeline import intake, outlock
from pipeline.artifacts import artifact_key, batch_markdown, batch_table
from pipeline.intake import BatchSummary, Kept, Opened, Outcome, Row
from pipeline.packet import applicant_folders, applicant_id_of
from pipeline.processes import check_stop
from pipeline.store import default_url
from validators.batch import BatchEntry, BatchFindings

WINDOW = 8  # applicants whose documents are being read at once (records held in memory, queue kept full)


@dataclass
class _Applicant:
    """The flow's bookkeeping for one applicant under review."""

    opened: Opened
    documents: list[PrefectFuture[Any]] = field(default_factory=list)
    entry: BatchEntry | None = None  # once reviewed: what the batch rules need of it
    kept: Kept | None = None  # and its report, compressed until the batch rules are applied
    pairs: list[Any] | None = None  # its documents' parcels while it is assessed (emptied once it succeeded)


@flow(name="omreview-batch", task_runner=thread_pool(DEFAULT_WORKERS))
def batch_flow(
    intake_folder: Path,
    out: Path,
    application_date: dt.date | None = None,
    rules_version: str | None = None,
    db_url: str | None = None,
    settle_seconds: float = 0.0,
) -> BatchSummary:
    """Review the new or changed applicant folders of ``intake_folder``; skip unchanged ones, and those
    changed within ``settle_seconds`` (the scheduled deployment's default: ``intake.settle_seconds``).

    It holds OUT's lock (``pipeline.outlock``) throughout: a scheduled run waits for a command or another
    run writing to the same folder (``omreview batch`` holds it already and goes straight on)."""
    with outlock.hold(Path(out), "batch (flow run)", wait=True, on_wait=_waiting):
        return _batch(intake_folder, out, application_date, rules_version, db_url, settle_seconds)


def _waiting(message: str) -> None:
    get_run_logger().info(message)


def _batch(intake_folder: Path, out: Path, application_date: dt.date | None, rules_version: str | None,
           db_url: str | None, settle_seconds: float) -> BatchSummary:
    rules = intake.rules_for(rules_version)
    when = application_date or rules.default_application_date
    out, url = Path(out), db_url or default_url(out)
    folders, loose = applicant_folders(Path(intake_folder), rules, skip=[out])  # OUT may lie inside the intake
    progress.total(len(folders))
    # the absolute path: the dashboard finds the originals there whatever folder it is started from
    batch_id = tasks.submit(tasks.prepare_store, url, str(Path(intake_folder).resolve()), rules.version).result()
    summary = BatchSummary(intake=str(intake_folder), rules_version=rules.version, application_date=when, loose=loose)
    summary.withdrawn = tasks.submit(tasks.withdraw_absent, url, str(Path(intake_folder).resolve()),
                                     [applicant_id_of(f) for f in folders], out).result()
    held: dict[str, BatchEntry] = {}  # what the batch rules can still count of the failed applicants

    opened, under_review = _open_all(folders, rules.version, when, url, out, summary, settle_seconds)
    reviewed = _read_and_assess(under_review, rules.version, when, out, url, batch_id, summary, held)

    unchanged = [o for o in opened if o.kept is not None]
    extra = _batch_rules(reviewed, unchanged, opened, rules.version, when, out, summary, held)
    changed = _record_finals(extra, reviewed, unchanged, out, url, batch_id, summary)
    if summary.failed:
        summary.inputs = None  # the batch rules missed someone: work them out again next time

    for kept in changed:  # reviewed ones have theirs from their assess task already
        tasks.publish(kept.get())
    create_table_artifact(table=batch_table(summary),
                          key=artifact_key("batch", Path(intake_folder).resolve().name or "intake"),
                          description=batch_markdown(summary))
    counts = {o.value: summary.count(o) for o in Outcome}
    tasks.submit(tasks.finish_batch, url, batch_id, counts, intake.batch_summary_json(summary), out).result()
    return summary


def _open_all(folders: list[Path], rules_version: str, when: dt.date, url: str, out: Path,
              summary: BatchSummary, settle_seconds: float = 0.0) -> tuple[list[Opened], list[_Applicant]]:
    """Open every folder; rejected, deferred and unchanged applicants are done at once, the rest are to review."""
    results = tasks.submit(tasks.open_intake, folders, rules_version, when, url, settle_seconds).result()
    opened: list[Opened] = []
    to_review: list[_Applicant] = []
    for folder, result in zip(folders, results, strict=True):
        if isinstance(result, BaseException):
            _failed(summary, applicant_id_of(folder), result, out)
            continue
        opened.append(result)
        if result.error is not None:
            summary.rows.append(Row(result.applicant_id, Outcome.REJECTED, error=result.error))
            progress.done(result.applicant_id, Outcome.REJECTED)
        elif result.deferred is not None:
            summary.rows.append(Row(result.applicant_id, Outcome.DEFERRED, error=result.deferred))
            progress.done(result.applicant_id, Outcome.DEFERRED)
        elif result.to_review:
            to_review.append(_Applicant(result))
        else:
            intake.clear_error_log(out, result.applicant_id)  # its report is stored: an old failure is over
            progress.done(result.applicant_id, Outcome.UNCHANGED)
    to_review.sort(key=lambda a: a.opened.applicant_id)
    return opened, to_review


def _read_and_assess(under_review: list[_Applicant], rules_version: str, when: dt.date, out: Path, url: str,
                     batch_id: int | None, summary: BatchSummary, held: dict[str, BatchEntry]) -> list[_Applicant]:
    """Read the documents of a window of applicants at a time; assess each applicant once its documents are read.

    The window bounds what is held in memory whatever the intake's size (records being read, reviews
    not yet taken in), and keeps the task runner's queue full. What a task hands to the next (the
    opened packet, the records) goes through ``tasks.handoff``. Returns the applicants reviewed.
    """
    waiting, reading = deque(under_review), deque[_Applicant]()
    assessing: deque[tuple[PrefectFuture[Any], _Applicant]] = deque()
    reviewed: list[_Applicant] = []

    def fill() -> None:
        while waiting and len(reading) < WINDOW:
            applicant = waiting.popleft()
            packet = applicant.opened.packet
            if packet is None:  # under review means opened (Opened.to_review)
                raise ValueError(f"{applicant.opened.applicant_id}: nothing to read ({applicant.opened.error})")
            applicant.documents = [tasks.submit(tasks.read_document, pf, rules_version) for pf in packet.files]
            reading.append(applicant)

    fill()
    while reading:
        applicant = reading.popleft()
        pairs = [future.result(raise_on_failure=False) for future in applicant.documents]
        applicant.documents = []
        broken = next((p for p in pairs if isinstance(p, BaseException)), None)
        if broken is not None:  # a bug while reading (an unreadable file is a document in error, not this)
            held[applicant.opened.applicant_id] = _failed_entry(applicant.opened.applicant_id, pairs)
            _failed(summary, applicant.opened.applicant_id, broken, out)
        else:
            future = tasks.submit(tasks.assess_applicant, tasks.handoff(applicant.opened), tasks.handoff(pairs),
                                  when, rules_version, out, url, batch_id)
            applicant.pairs = pairs  # should it fail, what was read still counts in the batch rules
            assessing.append((future, applicant))
        del pairs
        while len(assessing) > WINDOW:
            _take_review(*assessing.popleft(), out, summary, reviewed, held)
        fill()
    while assessing:
        _take_review(*assessing.popleft(), out, summary, reviewed, held)
    return reviewed


def _failed_entry(applicant_id: str, parcels: list[Any]) -> BatchEntry:
    """What the batch rules can count of an applicant that failed, from its documents' parcels (a failed
    read is an exception in their place)."""
    pairs = []
    for parcel in parcels:
        try:
            pairs.append(parcel.open() if isinstance(parcel, tasks.Parcel) else None)
        except RuntimeError:  # taken already: not known here
            pairs.append(None)
    return intake.failed_batch_entry(applicant_id, pairs)


def _take_review(future: PrefectFuture[Any], applicant: _Applicant, out: Path, summary: BatchSummary,
                 reviewed: list[_Applicant], held: dict[str, BatchEntry]) -> None:
    """An assessed applicant's outcome: what the batch rules need of it and its report, kept compressed."""
    result = future.result(raise_on_failure=False)
    parcels, applicant.pairs = applicant.pairs or [], None
    if isinstance(result, BaseException):
        held[applicant.opened.applicant_id] = _failed_entry(applicant.opened.applicant_id, parcels)
        _failed(summary, applicant.opened.applicant_id, result, out)
        return
    del parcels
    review = result.take()  # the parcel Prefect keeps is left empty
    applicant.entry, applicant.kept = review.batch_entry, Kept.of(review.report)
    applicant.opened = intake.as_reviewed(applicant.opened, review.report)  # its hash: of the bytes read
    intake.clear_error_log(out, applicant.opened.applicant_id)
    reviewed.append(applicant)
    progress.done(applicant.opened.applicant_id, Outcome.REVIEWED)


def _failed(summary: BatchSummary, applicant_id: str, exc: BaseException, out: Path, report: Kept | None = None,
            counted: bool = False) -> None:
    """An internal error: its traceback in OUT/<id>/error.log, a row of the summary; the batch goes on.

    Unless the command is stopping: then the error is the stop's (a reading abandoned, a server gone)."""
    check_stop()
    log = intake.write_error_log(out, applicant_id, exc)
    summary.rows.append(Row(applicant_id, Outcome.FAILED, report=report, path=log,
                            error=f"internal error: {exc}", error_type=type(exc).__name__))
    if not counted:
        progress.done(applicant_id, Outcome.FAILED)


def _batch_rules(reviewed: list[_Applicant], unchanged: list[Opened], opened: list[Opened], rules_version: str,
                 when: dt.date, out: Path, summary: BatchSummary, held: dict[str, BatchEntry]) -> BatchFindings | None:
    """The batch discrepancies and notes of every applicant of the intake; ``None`` when nothing they depend on
    changed. A failed applicant counts with what is known of it (``held``, else nothing); the notes on what
    that held back go to the summary."""
    fingerprint = intake.batch_inputs(opened, intake.rules_for(rules_version), when)
    deferred = sorted(r.applicant for r in summary.rows if r.outcome is Outcome.DEFERRED)
    if not reviewed and not summary.failed and not deferred and fingerprint == intake.previous_batch_inputs(out):
        summary.inputs = fingerprint
        return None
    entries: list[BatchEntry] = [a.entry for a in reviewed if a.entry is not None]
    futures = {tasks.submit(tasks.roster_entry, tasks.handoff(o), rules_version): o for o in unchanged}
    complete = True
    for future in as_completed(list(futures)):
        o = futures[future]
        result = future.result(raise_on_failure=False)
        if isinstance(result, BaseException):
            complete = False
            held[o.applicant_id] = intake.failed_batch_entry(o.applicant_id, stored=o.stored)
            _failed(summary, o.applicant_id, result, out, report=o.kept, counted=True)
            continue
        entries.append(result)
    summary.inputs = fingerprint if complete and not summary.failed and not deferred else None
    failed = sorted({r.applicant for r in summary.rows if r.outcome is Outcome.FAILED})
    entries += [held.get(applicant_id) or intake.failed_batch_entry(applicant_id) for applicant_id in failed]
    entries += [intake.deferred_batch_entry(applicant_id) for applicant_id in deferred]  # not known yet either
    findings = intake.batch_discrepancies(entries, intake.rules_for(rules_version))
    summary.notes = list(findings.notes)
    return findings


def _record_finals(extra: BatchFindings | None, reviewed: list[_Applicant], unchanged: list[Opened],
                   out: Path, url: str, batch_id: int | None, summary: BatchSummary) -> list[Kept]:
    """Each applicant's final report, built one at a time (its base report with the batch discrepancies that
    concern it); those that changed written and saved; the rows of the summary. Returns the changed ones."""
    failed = {r.applicant for r in summary.rows if r.outcome is Outcome.FAILED}
    held: dict[str, tuple[Opened, Kept]] = {a.opened.applicant_id: (a.opened, a.kept) for a in reviewed
                                            if a.kept is not None}
    reviewed_ids = set(held)
    held.update({o.applicant_id: (o, o.kept) for o in unchanged if o.kept is not None})
    finals: dict[str, Kept] = {}
    to_write: list[tuple[str, Kept, str]] = []
    changed: list[Kept] = []
    for applicant_id, (o, kept) in sorted(held.items()):
        if applicant_id in failed:
            continue
        final, report = kept, None
        if extra is not None:  # None: nothing the batch rules depend on changed, the reports stand
            before = kept.get()
            report = intake.final_report(before, extra.get(applicant_id, []), extra.notes_for(applicant_id))
            if report != before:
                final = Kept.of(report)
                changed.append(final)
        finals[applicant_id] = final
        # a reviewed applicant's report.json was just written; an unchanged one's may be missing
        if final is not kept or (applicant_id not in reviewed_ids
                                 and intake.needs_writing(report or kept.get(), out)):
            if o.packet_hash is None:  # a report is only ever kept for a hashed packet
                raise ValueError(f"{applicant_id}: a report without its packet's hash")
            to_write.append((applicant_id, final, o.packet_hash))
    written: dict[str, Path | Exception] = {}
    if to_write:
        reports = tasks.handoff([(final, digest) for _, final, digest in to_write])
        results = tasks.submit(tasks.record_reports, reports, out, url, batch_id).result()
        written = {applicant_id: result for (applicant_id, _, _), result in zip(to_write, results, strict=True)}
    for applicant_id, final in finals.items():
        result = written.get(applicant_id)
        if isinstance(result, BaseException):
            _failed(summary, applicant_id, result, out, counted=True)
            changed = [k for k in changed if k is not final]
            continue
        outcome = Outcome.REVIEWED if applicant_id in reviewed_ids else Outcome.UNCHANGED
        summary.rows.append(Row(applicant_id, outcome, report=final, path=Path(out) / applicant_id / "report.json"))
    return changed


def with_runner(flow: Any, workers: int | None = None, dask: str | None = None) -> Any:
    """``flow`` on a thread pool of ``workers`` threads, or on Dask (``local`` or a scheduler address)."""
    if dask:
        from flows.dask import dask_runner

        return flow.with_options(task_runner=dask_runner(dask, workers or DEFAULT_WORKERS))
    if workers:
        return flow.with_options(task_runner=ThreadPoolTaskRunner(max_workers=workers))
    return flow
