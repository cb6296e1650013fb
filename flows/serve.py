"""The deployments ``omreview serve`` serves: the intake batch on a schedule, the applicant flow on demand.

- ``omreview-batch/intake``: runs on the cron schedule over the intake folder into OUT (and can be
  run at any time: ``prefect deployment run omreview-batch/intake``);
- ``omreview-applicant/reviewer``: no schedule; a reviewer runs it from the Prefect UI ("Run" →
  "Custom run", fill in ``folder``) or ``prefect deployment run omreview-applicant/reviewer
  --param folder=/intake/app-07``; its report lands in ``OUT/<id>/report.json``, in the results
  store and as a markdown artifact of the run.

Serving needs a Prefect server that outlives the command (``prefect server start``, or a team's
server backed by PostgreSQL), named by ``PREFECT_API_URL``: a temporary one would take the
schedule and the UI away with it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import serve
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron
from prefect.settings import get_current_settings

from flows.applicant import applicant_flow
from flows.batch import batch_flow

BATCH_DEPLOYMENT = "intake"
APPLICANT_DEPLOYMENT = "reviewer"


class MissingServer(Exception):
    """No Prefect server is configured to serve the deployments from."""


def deployments(intake: Path, out: Path, cron: str, timezone: str | None = None,
                application_date: dt.date | None = None, rules_version: str | None = None) -> list[RunnerDeployment]:
    intake, out = Path(intake).resolve(), Path(out).resolve()
    common = {"application_date": application_date.isoformat() if application_date else None,
              "rules_version": rules_version}
    batch = batch_flow.to_deployment(
        name=BATCH_DEPLOYMENT, schedule=Cron(cron, timezone=timezone or "UTC"),
        parameters={"intake_folder": str(intake), "out": str(out), **common},
        description=f"Review the new or changed applicant folders of {intake} into {out}.",
        tags=["omreview"], entrypoint_type=EntrypointType.MODULE_PATH,
    )
    applicant = applicant_flow.to_deployment(
        name=APPLICANT_DEPLOYMENT, parameters={"out": str(out), **common},
        description=f"Review one applicant folder (parameter 'folder') into {out}.",
        tags=["omreview"], entrypoint_type=EntrypointType.MODULE_PATH,
    )
    return [batch, applicant]


def serve_deployments(intake: Path, out: Path, cron: str, timezone: str | None = None,
                      application_date: dt.date | None = None, rules_version: str | None = None) -> None:
    """Serve both deployments until interrupted (runs execute in subprocesses of this one)."""
    if not get_current_settings().api.url:
        raise MissingServer("omreview serve needs a running Prefect server: start one (prefect server start) and "
                            "set PREFECT_API_URL, e.g. PREFECT_API_URL=http://127.0.0.1:4200/api")
    serve(*deployments(intake, out, cron, timezone, application_date, rules_version))
