"""The reviewer's desk: ``omreview serve`` runs the reviewer's deployment's flow runs itself, in its own process.

Prefect's runner starts every flow run in a new Python process: importing Prefect and omreview and
starting the document readers cost ~2.5 s there before the review (~0.6 s) begins, and the runner
looks for new runs every ``PREFECT_RUNNER_POLL_FREQUENCY`` seconds (10 by default): a reviewer
waited 9-12 s for one applicant. The desk keeps what a run needs loaded (and the reading processes
warm) and looks every ``poll_seconds`` (1 s by default): about 1.5 s from the trigger to the report
(``scripts/bench_trigger.py``, docs/performance.md). The scheduled batch still runs in a process of
its own, by Prefect's runner.

A due run (Scheduled or Late, of the reviewer's deployment) is claimed by moving it to Pending (the
server accepts that once, so two desks never run the same run), then run here with Prefect's flow
engine (``prefect_internals.run_flow_run``): its state, logs, artifacts and name are those of any
run. Runs go one at a time, in the order they were triggered (one takes about a second; each also
holds its applicant's concurrency slot and OUT's lock, ``omreview.flows.applicant``).

Runs triggered while ``serve`` was stopped are run when it starts, each said in one line first
(``late_runs``): a reviewer asked for them, and a review is cheap and repeatable; cancel one in the
Prefect UI to have it not run. A run being cancelled once it is running is not stopped (it takes a
second).
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections.abc import Callable
from typing import Any, cast
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterDeploymentId,
    FlowRunFilterExpectedStartTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.client.schemas.sorting import FlowRunSort
from prefect.states import Pending

from omreview import zh
from omreview.flows.prefect_internals import run_flow_run

DEFAULT_POLL_SECONDS = 1.0
BATCH = 20  # due runs read at a time


def due_runs(client: SyncPrefectClient, deployment_ids: list[UUID], before: dt.datetime,
             limit: int = BATCH) -> list[FlowRun]:
    """The runs of the deployments waiting to start (Scheduled, Late) that were due before ``before``, oldest first."""
    return client.read_flow_runs(
        flow_run_filter=FlowRunFilter(
            deployment_id=FlowRunFilterDeploymentId(any_=deployment_ids),
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
            expected_start_time=FlowRunFilterExpectedStartTime(before_=cast(Any, before)),  # pydantic converts it
        ),
        sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=limit)


def late_runs(names: dict[UUID, str], started: dt.datetime) -> list[str]:
    """One line per run of the deployments ``names`` (id → ``flow/deployment``) that was due before ``started``
    and is still waiting: triggered while nothing served it."""
    with get_client(sync_client=True) as client:
        runs = due_runs(client, list(names), started, limit=200)
    lines = []
    for run in runs:
        due = run.expected_start_time or run.created
        when = zh.local_time(due) if due is not None else "?"
        deployment = names.get(run.deployment_id, "?") if run.deployment_id else "?"
        lines.append(f"waited while omreview serve was stopped: a run of {deployment}"
                     f" ({_parameters(run)}), due {when}; running it now (cancel it in the Prefect UI to skip it)")
    return lines


def _parameters(run: FlowRun) -> str:
    shown = {k: v for k, v in run.parameters.items() if k in ("applicant", "folder", "intake_folder")}
    return ", ".join(f"{k}={v}" for k, v in shown.items()) or "no parameters"


class Desk:
    """Runs the due runs of one deployment in this process, one at a time, on a thread of its own."""

    def __init__(self, deployment_id: UUID, flow: Any, poll_seconds: float = DEFAULT_POLL_SECONDS,
                 say: Callable[[str], None] | None = None) -> None:
        self.deployment_id, self.flow, self.poll_seconds = deployment_id, flow, poll_seconds
        self._say = say or (lambda line: print(line, file=sys.stderr, flush=True))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._trouble: str | None = None  # the last failure to poll, said once until polling works again
        self.ran = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="omreview-desk", daemon=True)
        self._thread.start()

    def stop(self, seconds: float) -> bool:
        """Take no more runs; wait up to ``seconds`` for the one running. Whether the desk has stopped."""
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(seconds)
        return not self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._round()
            except Exception as exc:  # the server away for a moment: try again at the next poll
                message = f"omreview serve: cannot read the reviewers' runs from the Prefect server ({exc}); retrying"
                if message != self._trouble:
                    self._say(message)
                    self._trouble = message
            self._stop.wait(self.poll_seconds)

    def _round(self) -> None:
        with get_client(sync_client=True) as client:
            runs = due_runs(client, [self.deployment_id], dt.datetime.now(dt.UTC))
            self._trouble = None
            for run in runs:
                if self._stop.is_set():
                    return
                claimed: Any = client.set_flow_run_state(run.id, Pending())
                if claimed.state is None or claimed.state.type != StateType.PENDING:
                    continue  # cancelled, or taken by another desk meanwhile
                self._run(client.read_flow_run(run.id))

    def _run(self, run: FlowRun) -> None:
        try:
            run_flow_run(self.flow, run)
        except Exception as exc:  # the engine records the run's failure; the desk goes on
            self._say(f"omreview serve: run {run.name!r} ended with {type(exc).__name__}: {exc}")
        self.ran += 1
