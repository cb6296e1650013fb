"""The per-applicant flow: one folder reviewed into OUT/<id>/report.json, the store and a markdown artifact.

Parameters are what a reviewer fills in the Prefect UI (``omreview-applicant/reviewer`` deployment):
the applicant folder, the application date and the rules version. It always reviews (it is asked
for on purpose) and upserts the store row of that packet; batch-level rules are the batch's job.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, cast

from prefect import flow, get_run_logger
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from omreview import intake, outlock
from omreview.errors import InputError
from omreview.flows import tasks
from omreview.model import Report
from omreview.review import Review
from omreview.store import default_url

DEFAULT_WORKERS = max(1, min(4, os.cpu_count() or 1))


def thread_pool(max_workers: int) -> TaskRunner[PrefectFuture[Any]]:
    """A thread-pool task runner, typed as ``flow(task_runner=...)`` takes it.

    Prefect annotates that parameter as the invariant ``TaskRunner[PrefectFuture[Any]]``, which its own
    ``ThreadPoolTaskRunner`` (a ``TaskRunner[PrefectConcurrentFuture[R]]``) does not match: a cast, as
    Prefect's ``Flow.__init__`` does for its default runner.
    """
    return cast("TaskRunner[PrefectFuture[Any]]", ThreadPoolTaskRunner(max_workers=max_workers))


@flow(name="omreview-applicant", task_runner=thread_pool(DEFAULT_WORKERS))
def applicant_flow(
    folder: Path,
    application_date: dt.date | None = None,
    rules_version: str | None = None,
    out: Path = Path("out"),
    db_url: str | None = None,
) -> Report:
    """Review one applicant folder (its documents read in parallel) and record the report, holding OUT's lock
    (``omreview.outlock``): a reviewer's run waits for a batch writing to the same folder."""
    with outlock.hold(Path(out), "applicant (flow run)", wait=True, on_wait=lambda m: get_run_logger().info(m)):
        return _review(folder, application_date, rules_version, out, db_url)


def _review(folder: Path, application_date: dt.date | None, rules_version: str | None, out: Path,
            db_url: str | None) -> Report:
    rules = intake.rules_for(rules_version)
    when = application_date or rules.default_application_date
    url = db_url or default_url(out)
    tasks.submit(tasks.prepare_store, url, None, rules.version).result()
    opened = tasks.submit(tasks.open_applicant, Path(folder), rules.version, when, None).result()
    if opened.packet is None:
        raise InputError(opened.error or f"cannot open {folder}")
    reads = [tasks.submit(tasks.read_document, pf, rules.version) for pf in opened.packet.files]
    pairs = [future.result() for future in reads]
    review: Review = tasks.submit(tasks.assess_applicant, tasks.handoff(opened), tasks.handoff(pairs), when,
                                  rules.version, Path(out), url, None).result().take()
    intake.clear_error_log(Path(out), opened.applicant_id)
    return review.report  # its markdown artifact comes from the assess task
