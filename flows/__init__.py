"""Prefect orchestration only: the one package that imports prefect.

- ``flows.applicant``: the per-applicant flow (``omreview run``, and the reviewer's deployment);
- ``flows.batch``: the intake flow (``omreview batch``, and the scheduled deployment);
- ``flows.tasks``: one task per document and per applicant (a few per batch), each calling a plain function;
- ``flows.local``: a temporary local Prefect server for the command line, shut down cleanly;
- ``flows.serve``: the deployments served by ``omreview serve``;
- ``flows.dask``: the Dask task runner for large batches (the ``[dask]`` extra);
- ``flows.progress``: a progress hook for the command line (no Prefect import).

Importing this package imports nothing of Prefect; the modules above import it when used. It sets
one Prefect setting, before Prefect is imported: task runs send warnings and errors to the Prefect
API, not their INFO line ("Finished in state Completed()", which the task run's state already shows).
That line cost ~2-3 ms of the client's and as much of the server's CPU per task run here, about a
third of a task run's cost (``scripts/bench_flows.py --noop``). A failed task's error and traceback
are sent as before. ``PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL=INFO`` brings the line back.
"""

from __future__ import annotations

import logging
import os
from contextlib import suppress

TASK_RUN_LOG_LEVEL = "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL"  # Prefect's override of logging.yml


def _task_run_log_level() -> None:
    level = os.environ.setdefault(TASK_RUN_LOG_LEVEL, "WARNING")  # Prefect reads it when it sets up logging
    # and in case Prefect set up its logging already (imported before this package); not a level:
    # Prefect's own logging set-up reports it
    with suppress(ValueError):
        logging.getLogger("prefect.task_runs").setLevel(level.upper())


_task_run_log_level()
