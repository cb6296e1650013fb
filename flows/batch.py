"""The intake flow: every applicant folder of an intake folder, new or changed ones reviewed, unchanged skipped.

Sequence (every step a task calling a plain function of ``omreview.intake``; what follows from the tasks'
results is decided by the plain functions of ``omreview.batching``, which the flow hands them to):

1. ``prepare-store``: migrate the results store once, open the batch's row; ``withdraw-absent``: the
   applicants last reviewed from this intake folder whose folder is gone are marked withdrawn in the
   store (their ``OUT/<id>`` set aside in ``OUT/.withdrawn``), those back in it un-withdrawn;
2. ``open-intake``: list and hash every applicant folder, look each packet up in the store (one task
   for the intake: a task per applicant would cost Prefect more than the opening); with
   ``settle_seconds``, a folder changed more recently than that is left for the next run (*deferred*);
3. per new or changed applicant, on the command's thread pool, ``review-applicant`` (read its documents,
   evaluate, write report.json at once, save to the store; ``WINDOW`` applicants submitted at a time);
   on Dask ``read-document`` per document, then ``assess-applicant`` (how tasks are cut, and why:
   ``omreview.flows.tasks``; the steps on OUT and the store, 1, 2, 4 and 5, run in the flow's own process there:
   ``tasks.bookkeeping``). A batch killed midway keeps what it did;
4. the batch-level rules across every applicant of the intake (see ``omreview.intake`` for how
   unchanged applicants take part); the reports they change are written and saved by ``record-reports``
   (one task for all of them);
5. each applicant's markdown artifact, once, with its final report (those reviewed, and those the batch
   rules changed: a new version); the batch's table artifact; ``finish-batch`` (the store's batch row
   and ``OUT/batch.json``).

A broken applicant (a bug while reviewing it) ends as a failed task, its traceback in
``OUT/<id>/error.log`` and a row of the summary; the others go on and the flow completes. It still
takes part in the batch rules with what is known of it (``intake.failed_batch_entry``); what is not
known holds back the findings it could change, with a note (``OUT/batch.json``'s ``batch_notes``).
An unchanged applicant's ``error.log`` (left by an earlier run that stored its report all the same)
is removed.

When the command is stopping (``omreview.processes``: Ctrl-C, SIGTERM) the flow raises ``Interrupted``
at its next step: a task that failed because of the stop is not the applicant's failure and writes
no ``error.log``.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.futures import PrefectFuture, as_completed
from prefect.states import Completed
from prefect.task_runners import ThreadPoolTaskRunner

from omreview import batching, intake, outlock
from omreview.artifacts import artifact_key, batch_markdown, batch_table
from omreview.batching import Reviewed
from omreview.flows import progress, tasks
from omreview.flows.applicant import DEFAULT_WORKERS, thread_pool
from omreview.flows.prefect_internals import on_thread_pool
from omreview.intake import BatchSummary, Kept, Opened, Outcome
from omreview.packet import applicant_folders, applicant_id_of
from omreview.spill import spilling
from omreview.store import default_url
from omreview.validators.batch import BatchEntry, BatchFindings

WINDOW = 8  # applicants whose documents are being read at once (records held in memory, queue kept full)


@dataclass
class _Reading:
    """The flow's bookkeeping for one applicant whose documents are being read or assessed."""

    opened: Opened
    documents: list[PrefectFuture[Any]] = field(default_factory=list)
    parcels: list[Any] = field(default_factory=list)  # what was read, while it is assessed (counts if it fails)


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

    It holds OUT's lock (``omreview.outlock``) throughout: a scheduled run waits for a command or another
    run writing to the same folder (``omreview batch`` holds it already and goes straight on). The run ends
    Completed with the counts of outcomes as its message (``batch_markdown``)."""
    # what the batch holds per applicant until its end (the reports) in a scratch file in OUT: memory stays flat
    with outlock.hold(Path(out), "batch (flow run)", wait=True, on_wait=_waiting), spilling(Path(out)):
        summary = _batch(intake_folder, out, application_date, rules_version, db_url, settle_seconds)
    # the counts as the run's state message (the UI shows it beside the state); the call still answers the summary
    return cast(BatchSummary, Completed(message=batch_markdown(summary), data=summary))


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
    intake_path = str(Path(intake_folder).resolve())
    batch_id = tasks.bookkeeping(tasks.prepare_store, url, intake_path, rules.version)
    summary = BatchSummary(intake=str(intake_folder), rules_version=rules.version, application_date=when, loose=loose)
    summary.withdrawn = tasks.bookkeeping(tasks.withdraw_absent, url, intake_path,
                                          [applicant_id_of(f) for f in folders], out)
    held: dict[str, BatchEntry] = {}  # what the batch rules can still count of the failed applicants

    # not kept in a variable: each packet's listing is let go of once its applicant is reviewed
    intake_opened = batching.sort_opened(
        folders, tasks.bookkeeping(tasks.open_intake, folders, rules.version, when, url, settle_seconds), summary, out)
    for applicant_id, exc in intake_opened.broken:
        _failed(summary, applicant_id, exc, out)
    for applicant_id, outcome in intake_opened.done:
        progress.done(applicant_id, outcome)

    reviewed = _read_and_assess(intake_opened.take_to_review(), rules.version, when, out, url, batch_id, summary, held)
    findings = _batch_rules(reviewed, intake_opened, rules.version, when, out, summary, held)
    finals = batching.plan_finals(findings, reviewed, intake_opened.unchanged, summary, out)
    written: list[Any] = []
    if finals.to_write:
        reports = tasks.handoff([(final, digest) for _, final, digest in finals.to_write])
        written = tasks.bookkeeping(tasks.record_reports, reports, out, url, batch_id)
    changed = batching.settle_finals(finals, written, summary, out)

    for kept in _to_publish(finals, changed, summary):
        tasks.publish(kept.get())
    create_table_artifact(table=batch_table(summary),
                          key=artifact_key("batch", Path(intake_folder).resolve().name or "intake"),
                          description=batch_markdown(summary))
    counts = {o.value: summary.count(o) for o in Outcome}
    tasks.bookkeeping(tasks.finish_batch, url, batch_id, counts, intake.batch_summary_json(summary), out)
    return summary


def _to_publish(finals: batching.Finals, changed: list[Kept], summary: BatchSummary) -> list[Kept]:
    """The final reports whose artifact is published: every applicant reviewed now (not failed) and every report
    the batch rules changed, in id order."""
    failed, again = set(batching.failed_ids(summary)), {id(k) for k in changed}
    return [kept for applicant_id, kept in finals.reports.items()
            if id(kept) in again or (applicant_id in finals.reviewed_ids and applicant_id not in failed)]


def _review_each(waiting: deque[Opened], rules_version: str, when: dt.date, out: Path, url: str,
                 batch_id: int | None, summary: BatchSummary, held: dict[str, BatchEntry]) -> list[Reviewed]:
    """One ``review-applicant`` task per applicant, ``WINDOW`` of them submitted at a time (what is held in
    memory stays bounded whatever the intake's size); their outcomes taken in order. Returns those reviewed."""
    running = deque[tuple[PrefectFuture[Any], Opened]]()
    reviewed: list[Reviewed] = []
    while waiting or running:
        while waiting and len(running) < WINDOW:
            opened = waiting.popleft()
            running.append((tasks.submit(tasks.review_applicant, tasks.handoff(opened), when, rules_version, out,
                                         url, batch_id), opened))
        future, opened = running.popleft()
        result = tasks.outcome(future)
        if isinstance(result, BaseException):
            held[opened.applicant_id] = intake.failed_batch_entry(opened.applicant_id, tasks.read_before(result))
            _failed(summary, opened.applicant_id, result, out)
            continue
        reviewed.append(batching.reviewed_applicant(opened, result.take(), out))
        progress.done(opened.applicant_id, Outcome.REVIEWED)
    return reviewed


def _read_and_assess(waiting: deque[Opened], rules_version: str, when: dt.date, out: Path, url: str,
                     batch_id: int | None, summary: BatchSummary, held: dict[str, BatchEntry]) -> list[Reviewed]:
    """On a thread pool ``_review_each``. On Dask, read the documents of a window of applicants at a time (a task
    each); assess each applicant once its documents are read.

    The window bounds what is held in memory whatever the intake's size (records being read, reviews
    not yet taken in), and keeps the task runner's queue full. What a task hands to the next (the
    opened packet, the records) goes through ``tasks.handoff``. Returns the applicants reviewed.
    """
    if on_thread_pool():
        return _review_each(waiting, rules_version, when, out, url, batch_id, summary, held)
    reading = deque[_Reading]()
    assessing: deque[tuple[PrefectFuture[Any], _Reading]] = deque()
    reviewed: list[Reviewed] = []

    def fill() -> None:
        added: list[_Reading] = []
        while waiting and len(reading) < WINDOW:
            opened = waiting.popleft()
            if opened.packet is None:  # under review means opened (Opened.to_review)
                raise ValueError(f"{opened.applicant_id}: nothing to read ({opened.error})")
            added.append(_Reading(opened))
        _read_largest_first(added, rules_version)
        reading.extend(added)

    fill()
    while reading:
        applicant = reading.popleft()
        parcels = [tasks.outcome(future) for future in applicant.documents]
        applicant.documents = []
        broken = batching.first_failure(parcels)
        if broken is not None:
            held[applicant.opened.applicant_id] = batching.failed_entry(applicant.opened.applicant_id, parcels)
            _failed(summary, applicant.opened.applicant_id, broken, out)
        else:
            future = tasks.submit(tasks.assess_applicant, tasks.handoff(applicant.opened), tasks.handoff(parcels),
                                  when, rules_version, out, url, batch_id, artifact=False)
            applicant.parcels = parcels  # should it fail, what was read still counts in the batch rules
            assessing.append((future, applicant))
        del parcels
        while len(assessing) > WINDOW:
            _take_review(*assessing.popleft(), out, summary, reviewed, held)
        fill()
    while assessing:
        _take_review(*assessing.popleft(), out, summary, reviewed, held)
    return reviewed


def _read_largest_first(applicants: list[_Reading], rules_version: str) -> None:
    """A ``read-document`` task for each document of ``applicants``, submitted to Dask the largest first and
    with its size as priority (``omreview.flows.dask.priority``); each applicant's futures in its files' order."""
    from omreview.flows.dask import priority

    files = [(applicant, i, pf) for applicant in applicants
             for i, pf in enumerate(applicant.opened.packet.files if applicant.opened.packet else ())]
    futures: dict[tuple[int, int], PrefectFuture[Any]] = {}
    for applicant, i, pf in sorted(files, key=lambda f: -f[2].bytes_to_read):  # stable: equal sizes in order
        with priority(pf.bytes_to_read):
            futures[id(applicant), i] = tasks.submit(tasks.read_document, pf, rules_version)
    for applicant in applicants:
        count = len(applicant.opened.packet.files) if applicant.opened.packet else 0
        applicant.documents = [futures[id(applicant), i] for i in range(count)]


def _take_review(future: PrefectFuture[Any], applicant: _Reading, out: Path, summary: BatchSummary,
                 reviewed: list[Reviewed], held: dict[str, BatchEntry]) -> None:
    """An assessed applicant's outcome (its review taken out of the parcel Prefect keeps, left empty)."""
    result = tasks.outcome(future)
    parcels, applicant.parcels = applicant.parcels, []
    applicant_id = applicant.opened.applicant_id
    if isinstance(result, BaseException):
        held[applicant_id] = batching.failed_entry(applicant_id, parcels)
        _failed(summary, applicant_id, result, out)
        return
    del parcels
    reviewed.append(batching.reviewed_applicant(applicant.opened, result.take(), out))
    progress.done(applicant_id, Outcome.REVIEWED)


def _failed(summary: BatchSummary, applicant_id: str, exc: BaseException, out: Path, report: Kept | None = None,
            counted: bool = False) -> None:
    """An internal error (``batching.fail``); the applicant is done for the progress bar unless ``counted``."""
    batching.fail(summary, applicant_id, exc, out, report)
    if not counted:
        progress.done(applicant_id, Outcome.FAILED)


def _batch_rules(reviewed: list[Reviewed], intake_opened: batching.Sorted, rules_version: str, when: dt.date,
                 out: Path, summary: BatchSummary, held: dict[str, BatchEntry]) -> BatchFindings | None:
    """The batch discrepancies and notes of every applicant of the intake (``batching.batch_findings``); ``None``
    when nothing they depend on changed. An unchanged applicant's entry comes from its roster, read again."""
    rules = intake.rules_for(rules_version)
    fingerprint = intake.batch_inputs(intake_opened.opened, rules, when)
    if batching.rules_stand(reviewed, summary, fingerprint, intake.previous_batch_inputs(out)):
        return None
    entries = [r.entry for r in reviewed]
    futures = {tasks.submit(tasks.roster_entry, tasks.handoff(o), rules_version): o for o in intake_opened.unchanged}
    complete = True
    for future in as_completed(list(futures)):
        o = futures[future]
        result = tasks.outcome(future)
        if isinstance(result, BaseException):
            complete = False
            held[o.applicant_id] = intake.failed_batch_entry(o.applicant_id, stored=o.stored)
            _failed(summary, o.applicant_id, result, out, report=o.kept, counted=True)
            continue
        entries.append(result)
    return batching.batch_findings(summary, entries, held, rules, fingerprint, complete)


def with_runner(flow: Any, workers: int | None = None, dask: str | None = None) -> Any:
    """``flow`` on a thread pool of ``workers`` threads, or on the Dask scheduler at ``dask`` (a local cluster:
    ``omreview.flows.dask.cluster``)."""
    if dask:
        from omreview.flows.dask import dask_runner

        return flow.with_options(task_runner=dask_runner(dask))
    if workers:
        return flow.with_options(task_runner=ThreadPoolTaskRunner(max_workers=workers))
    return flow
