"""The deployments ``omreview serve`` serves: the intake batch on a schedule, the applicant flow on demand.

- ``omreview-batch/intake``: runs on the cron schedule over the intake folder into OUT (and can be
  run at any time: ``prefect deployment run omreview-batch/intake``); it leaves an applicant folder
  changed within the settling time (``intake.settle_seconds`` of the rules, or ``--settle``) for its
  next run: a schedule meets folders that are still being copied, and nobody is there to wait;
- ``omreview-applicant/reviewer``: no schedule; a reviewer runs it from the Prefect UI ("Run" →
  "Custom run", fill in ``folder``) or ``prefect deployment run omreview-applicant/reviewer
  --param folder=/intake/app-07``; its report lands in ``OUT/<id>/report.json``, in the results
  store and as a markdown artifact of the run.

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

from prefect.deployments.runner import RunnerDeployment
from prefect.runner import Runner
from prefect.schedules import Cron
from prefect.settings import get_current_settings
from prefect.types.entrypoint import EntrypointType

from omreview.flows.applicant import applicant_flow
from omreview.flows.batch import batch_flow
from omreview.flows.local import check_api
from omreview.flows.prefect_internals import before_runner_sigterm, runner_started
from omreview.rules import default_rules

BATCH_DEPLOYMENT = "intake"
APPLICANT_DEPLOYMENT = "reviewer"


class MissingServer(Exception):
    """No Prefect server is configured to serve the deployments from."""


def deployments(intake: Path, out: Path, cron: str, timezone: str | None = None,
                application_date: dt.date | None = None, rules_version: str | None = None,
                settle_seconds: float | None = None) -> list[RunnerDeployment]:
    intake, out = Path(intake).resolve(), Path(out).resolve()
    settle = default_rules().intake.settle_seconds if settle_seconds is None else settle_seconds
    common = {"application_date": application_date.isoformat() if application_date else None,
              "rules_version": rules_version}
    batch = batch_flow.to_deployment(
        name=BATCH_DEPLOYMENT, schedule=Cron(cron, timezone=timezone or "UTC"),
        parameters={"intake_folder": str(intake), "out": str(out), "settle_seconds": settle, **common},
        description=f"Review the new or changed applicant folders of {intake} into {out}.",
        tags=["omreview"], entrypoint_type=EntrypointType.MODULE_PATH,
    )
    applicant = applicant_flow.to_deployment(
        name=APPLICANT_DEPLOYMENT, parameters={"out": str(out), **common},
        description=f"Review one applicant folder (parameter 'folder') into {out}.",
        tags=["omreview"], entrypoint_type=EntrypointType.MODULE_PATH,
    )
    # to_deployment answers a coroutine in an async context only; here (sync) it is the deployment itself
    return [cast(RunnerDeployment, batch), cast(RunnerDeployment, applicant)]


def serve_deployments(intake: Path, out: Path, cron: str, timezone: str | None = None,
                      application_date: dt.date | None = None, rules_version: str | None = None,
                      settle_seconds: float | None = None) -> None:
    """Serve both deployments until interrupted (runs execute in subprocesses of this one)."""
    # the environment first: Prefect's settings were read when it was imported (a test sets it later)
    url = os.environ.get("PREFECT_API_URL") or get_current_settings().api.url
    if not url:
        raise MissingServer("omreview serve needs a running Prefect server: start one (prefect server start) and "
                            "set PREFECT_API_URL, e.g. PREFECT_API_URL=http://127.0.0.1:4200/api")
    check_api(str(url))  # a server that is down or silent fails here in one line, not in the runner's retries
    served = deployments(intake, out, cron, timezone, application_date, rules_version, settle_seconds)
    runner = Runner(pause_on_shutdown=True)
    for deployment in served:
        runner.add_deployment(deployment)
    deadline = _StopDeadline(str(url))

    def on_sigint(*args: Any) -> None:
        deadline.start()
        signal.default_int_handler(*args)

    signal.signal(signal.SIGTERM, before_runner_sigterm(runner, deadline.start))
    signal.signal(signal.SIGINT, on_sigint)
    with suppress(KeyboardInterrupt):  # Ctrl-C: the runner has stopped (schedules paused) or the deadline exits
        asyncio.run(_run(runner, _starting_message(served, str(url))))


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


def _starting_message(served: list[RunnerDeployment], url: str) -> str:
    names = [f"{d.flow_name}/{d.name}" for d in served]
    lines = [f"Serving {', '.join(names)} from {url} (Ctrl-C or SIGTERM stops).",
             f"A reviewer runs one applicant: prefect deployment run {names[1]} --param folder=/path/to/applicant",
             f"The batch runs on its schedule, or now: prefect deployment run {names[0]}"]
    ui = url.removesuffix("/api")
    lines.append(f"Runs, logs and artifacts: {ui}/deployments (the Prefect UI)")
    return "\n".join(lines)
