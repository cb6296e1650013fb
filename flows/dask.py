"""A Dask task runner for large batches (the ``[dask]`` extra: prefect-dask)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from omreview.errors import InputError

WORKER_ENV = {"PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING"}
# a local cluster's own watchers, which cost CPU the documents' reading needs on a small machine and which no one
# looks at (it has no dashboard): the workers' statistical profiler (a stack sample every 10 ms), the system
# monitor's samples (every 0.5 s) and the memory monitor's (every 0.1 s; the worker's reading process is not in it)
LOCAL_CLUSTER_CONFIG = {"distributed.worker.profile.enabled": False,
                        "distributed.admin.system-monitor.interval": "5s",
                        "distributed.worker.memory.monitor-interval": "1s"}


def dask_runner(address: str, workers: int) -> Any:
    """``address`` is ``local`` (a local cluster of ``workers`` processes) or a scheduler's ``tcp://host:port``."""
    try:
        from prefect_dask.task_runners import DaskTaskRunner
    except ImportError as exc:
        raise InputError("--dask needs prefect-dask: pip install 'omreview[dask]'") from exc
    if address == "local":
        import dask

        dask.config.set(LOCAL_CLUSTER_CONFIG)  # before the cluster starts; its workers take the command's config
        # one thread per worker process: each reads one document at a time in its own reading process.
        # The workers share the command's terminal: their Prefect console shows warnings and errors only
        # (run logs go to the Prefect API, as in the command's own process)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None, "env": WORKER_ENV})
    return DaskTaskRunner(address=address)


@contextmanager
def priority(size: int) -> Iterator[None]:
    """Tasks submitted inside go before those of a lower ``size`` (the bytes a document's reading reads, its
    pages' files for a document photographed page by page) on the cluster.

    The largest documents first: a scanned report costs tens of CPU seconds where a form or a roster costs
    tenths, and a batch's last minutes are shortest when its long reads start early and short ones fill
    the gaps at the end (longest first; in submission order, the scans of a window's last applicant started
    when the other workers had nothing left to do). Bytes are the cost known before reading; Dask runs
    tasks of equal priority in the order they were submitted."""
    import dask

    with dask.annotate(priority=size // 1024):
        yield
