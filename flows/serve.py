"""The deployments ``omreview serve`` serves: the intake batch on a schedule, the applicant flow on demand.

- ``omreview-batch/intake``: runs on the cron schedule over the intake folder into OUT (and can be
  run at any time: ``prefect deployment run omreview-batch/intake``); it leaves an applicant folder
  changed within the settling time (``intake.settle_seconds`` of the rules, or ``--settle``) for its
  next run: a schedule meets folders that are still being copied, and nobody is there to wait;
- ``omreview-applicant/reviewer``: no schedule; a reviewer runs it from the Prefect UI ("Run" →
  "Custom run", fill in ``applicant``) or ``prefect deployment run omreview-applicant/reviewer
  --param applicant=app-07``; its report lands in ``OUT/<id>/report.json``, in the results store and as
  a markdown artifact of the run. The intake, OUT, the store and the rules are this command's
  (``omreview.flows.applicant.Served``), not the form's. Its runs are run by this process itself
  (``omreview.flows.desk``: about 1.5 s from the trigger to the report), one at a time.

Both look for new runs every ``--poll-seconds`` (default 1 s; ``PREFECT_RUNNER_POLL_FREQUENCY`` when
set and the option is not). The cron schedule is in ``--timezone``, by default the review body's
(``omreview.zh.time_zone``: Asia/Shanghai unless configured). Runs triggered while ``serve`` was
stopped are said, one line each, when it starts, and run (``omreview.flows.desk``).

Serving needs a Prefect server that outlives the command (``prefect server start``, or a team's
server backed by PostgreSQL), named by ``PREFECT_API_URL``: a temporary one would take the
schedule and the UI away with it.

Stopping (SIGTERM, Ctrl-C) pauses both deployments' schedules on the server, so nobody's scheduled
runs pile up while nothing serves them. If the server is gone by then, Prefect's runner would retry
that forever; after ``STOP_SECONDS`` the command gives up, says so, and exits with status 1.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
import threading
from contextlib import suppress
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from prefect.deployments.runner import RunnerDeployment
from prefect.runner import Runner
from prefect.schedules import Cron
from prefect.settings import get_current_settings
from prefect.types.entrypoint import EntrypointType

from omreview import intake as intake_steps
from omreview import zh
from omreview.flows.applicant import Served, reviewer_flow, serve_as
from omreview.flows.batch import batch_flow
from omreview.flows.desk import DEFAULT_POLL_SECONDS, Desk, late_runs
from omreview.flows.local import check_api
from omreview.flows.prefect_internals import before_runner_sigterm, runner_started
from omreview.rules import default_rules

BATCH_DEPLOYMENT = "intake"
APPLICANT_DEPLOYMENT = "reviewer"


class MissingServer(Exception):
    """No Prefect server is configured to serve the deployments from."""


def schedule_time_zone(timezone: str | None = None) -> str:
    """The time zone of the batch's cron: ``timezone`` if given, else the review body's (``omreview.zh``)."""
    return zh.zone(timezone).key if timezone else zh.time_zone().key


def poll_seconds(seconds: float | None = None) -> float:
    """How often the deployments look for new runs: ``seconds``, else ``PREFECT_RUNNER_POLL_FREQUENCY`` if set in
    the environment, else ``DEFAULT_POLL_SECONDS``."""
    if seconds is not None:
        return seconds
    configured = os.environ.get("PREFECT_RUNNER_POLL_FREQUENCY")
    return float(configured) if configured else DEFAULT_POLL_SECONDS


def deployments(intake: Path, out: Path, cron: str, timezone: str | None = None,
                application_date: dt.date | None = None, rules_version: str | None = None,
                settle_seconds: float | None = None) -> list[RunnerDeployment]:
    intake, out = Path(intake).resolve(), Path(out).resolve()
    settle = default_rules().intake.settle_seconds if settle_seconds is None else settle_seconds
    rules = intake_steps.rules_for(rules_version)
    zone = schedule_time_zone(timezone)
    batch = batch_flow.to_deployment(
        name=BATCH_DEPLOYMENT, schedule=Cron(cron, timezone=zone),
        parameters={"intake_folder": str(intake), "out": str(out), "settle_seconds": settle,
                    "application_date": application_date.isoformat() if application_date else None,
                    "rules_version": rules.version},
        description=f"Review the new or changed applicant folders of {intake} into {out} ({cron}, {zone}).",
        tags=["omreview"], entrypoint_type=EntrypointType.MODULE_PATH,
    )
    when = application_date or rules.default_application_date
    applicant = reviewer_flow.to_deployment(
        name=APPLICANT_DEPLOYMENT, parameters={"application_date": when.isoformat()}, paused=False,
        description=f"Review one applicant of {intake} (its id, e.g. app-07, or a folder's full path) into {out}, "
                    f"rules {rules.version}. Output folder, results store and rules are fixed by omreview serve.",
        tags=["omreview"], entrypoint_type=EntrypointType.MODULE_PATH,
    )
    # to_deployment answers a coroutine in an async context only; here (sync) it is the deployment itself
    return [cast(RunnerDeployment, batch), cast(RunnerDeployment, applicant)]


def serve_deployments(intake: Path, out: Path, cron: str, timezone: str | None = None,
                      application_date: dt.date | None = None, rules_version: str | None = None,
                      settle_seconds: float | None = None, poll: float | None = None) -> None:
    """Serve both deployments until interrupted: the batch's runs in subprocesses (Prefect's runner), the
    reviewer's in this process (``omreview.flows.desk``)."""
    # the environment first: Prefect's settings were read when it was imported (a test sets it later)
    url = os.environ.get("PREFECT_API_URL") or get_current_settings().api.url
    if not url:
        raise MissingServer("omreview serve needs a running Prefect server: start one (prefect server start) and "
                            "set PREFECT_API_URL, e.g. PREFECT_API_URL=http://127.0.0.1:4200/api")
    check_api(str(url))  # a server that is down or silent fails here in one line, not in the runner's retries
    seconds = poll_seconds(poll)
    started = dt.datetime.now(dt.UTC)
    batch, applicant = deployments(intake, out, cron, timezone, application_date, rules_version, settle_seconds)
    runner = Runner(pause_on_shutdown=True, query_seconds=seconds)
    batch_id = cast(UUID, runner.add_deployment(batch))
    reviewer_id = cast(UUID, applicant.apply())
    serve_as(Served(intake=Path(intake).resolve(), out=Path(out).resolve(),
                    rules_version=intake_steps.rules_for(rules_version).version))
    names = {batch_id: f"{batch.flow_name}/{batch.name}", reviewer_id: f"{applicant.flow_name}/{applicant.name}"}
    for line in late_runs(names, started):
        print(line, flush=True)
    desk = Desk(reviewer_id, reviewer_flow, seconds)
    deadline = _StopDeadline(str(url))

    def on_sigint(*args: Any) -> None:
        deadline.start()
        signal.default_int_handler(*args)

    signal.signal(signal.SIGTERM, before_runner_sigterm(runner, deadline.start))
    signal.signal(signal.SIGINT, on_sigint)
    desk.start()
    try:
        with suppress(KeyboardInterrupt):  # Ctrl-C: the runner has stopped (schedules paused) or the deadline exits
            asyncio.run(_run(runner, _starting_message([batch, applicant], str(url), seconds, cron,
                                                          schedule_time_zone(timezone))))
    finally:
        desk.stop(STOP_SECONDS / 2)  # a reviewer's run takes a second or two
        serve_as(None)


async def _run(runner: Runner, message: str) -> None:
    """Run the runner; say what is served once it is serving (a stop before then pauses nothing)."""

    async def announce() -> None:
        while not runner_started(runner):
            await asyncio.sleep(0.1)
        print(message, flush=True)

    announcer = asyncio.create_task(announce())
    try:
        await runner.start()
    finally:
        announcer.cancel()


STOP_SECONDS = 20.0  # a reachable server has the schedules paused in about a second


class _StopDeadline:
    """Once stopping began: exit with a plain message if the runner has not stopped within ``STOP_SECONDS``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._timer: threading.Timer | None = None

    def start(self) -> None:
        if self._timer is None:
            self._timer = threading.Timer(STOP_SECONDS, self._give_up)
            self._timer.daemon = True
            self._timer.start()

    def _give_up(self) -> None:
        print(f"omreview serve: the Prefect server at {self.url} did not answer within {STOP_SECONDS:.0f} s while "
              "stopping; stopped without pausing the deployments' schedules (pause them in the Prefect UI or with "
              "'prefect deployment pause' once the server is back)", file=sys.stderr, flush=True)
        os._exit(1)


def _starting_message(served: list[RunnerDeployment], url: str, poll: float, cron: str, zone: str) -> str:
    names = [f"{d.flow_name}/{d.name}" for d in served]
    lines = [f"Serving {', '.join(names)} from {url}, new runs looked for every {poll:g} s (Ctrl-C or SIGTERM stops).",
             f"A reviewer runs one applicant: prefect deployment run {names[1]} --param applicant=app-07",
             f"The batch runs on its schedule ({cron}, {zone}), or now: "
             f"prefect deployment run {names[0]}"]
    ui = url.removesuffix("/api")
    lines.append(f"Runs, logs and artifacts: {ui}/deployments (the Prefect UI)")
    return "\n".join(lines)
