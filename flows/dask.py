"""A Dask task runner for large batches (the ``[dask]`` extra: prefect-dask)."""

from __future__ import annotations

from typing import Any

from omreview.errors import InputError

WORKER_ENV = {"PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING"}


def dask_runner(address: str, workers: int) -> Any:
    """``address`` is ``local`` (a local cluster of ``workers`` processes) or a scheduler's ``tcp://host:port``."""
    try:
        from prefect_dask.task_runners import DaskTaskRunner
    except ImportError as exc:
        raise InputError("--dask needs prefect-dask: pip install 'omreview[dask]'") from exc
    if address == "local":
        # one thread per worker process: each reads one document at a time in its own reading process.
        # The workers share the command's terminal: their Prefect console shows warnings and errors only
        # (run logs go to the Prefect API, as in the command's own process)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None, "env": WORKER_ENV})
    return DaskTaskRunner(address=address)
