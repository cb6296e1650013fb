"""Dask for large batches (the ``[dask]`` extra: prefect-dask): the task runner, a local cluster, the order of reads."""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from omreview.errors import InputError

WORKER_ENV = {"PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING"}
# a local cluster's own watchers, which cost CPU the documents' reading needs on a small machine and which no one
# looks at (it has no dashboard): the workers' statistical profiler (a stack sample every 10 ms), the system
# monitor's samples (every 0.5 s), the memory monitor's (every 0.1 s; the worker's reading process is not in it) and
# the event loops' health ticks (every 20 ms in the scheduler, in the command, and in each worker: their idle CPU
# while a worker waits on its reading process, per minute, command 2.9 -> 0.6 s, worker 2.1 -> 0.8 s)
LOCAL_CLUSTER_CONFIG = {"distributed.worker.profile.enabled": False,
                        "distributed.admin.system-monitor.interval": "5s",
                        "distributed.admin.tick.interval": "500ms",
                        "distributed.admin.tick.cycle": "5s",
                        "distributed.worker.memory.monitor-interval": "1s"}


def require() -> None:
    """``InputError`` in plain words if the ``[dask]`` extra is not installed.

    Looked up, not imported: prefect-dask imports Prefect, and a command that has not imported Prefect yet starts
    its local Prefect server first, so that the server boots while the command imports Prefect
    (``omreview.flows.local.prefect_session``; on a 2-core machine the batch's flow started 2-3 s later when
    ``--dask`` imported it here)."""
    if any(importlib.util.find_spec(name) is None for name in ("distributed", "prefect_dask")):
        raise InputError("--dask needs prefect-dask: pip install 'omreview[dask]'")


def dask_runner(address: str) -> Any:
    """A task runner on the Dask scheduler at ``address`` (``tcp://host:port``; a local cluster: ``cluster``)."""
    require()
    from prefect_dask.task_runners import DaskTaskRunner

    return DaskTaskRunner(address=address)


@contextmanager
def cluster(address: str, workers: int) -> Iterator[Callable[[], str]]:
    """The scheduler address of a batch's Dask cluster, as a function: ``address`` itself, or for ``local`` a local
    cluster of ``workers`` processes, started at once in a thread and closed on leaving.

    Started at once, it starts while the command starts its Prefect server (both take seconds, on different
    cores); the function waits for it. One thread per worker process: each reads one document at a time in its
    own reading process. The workers share the command's terminal: their Prefect console shows warnings and
    errors only (run logs go to the Prefect API, as in the command's own process). Each worker of a local cluster
    is made ready for its first task as it starts (``dask_setup``)."""
    if address != "local":
        yield lambda: address
        return
    require()
    import dask
    from distributed import LocalCluster

    dask.config.set(LOCAL_CLUSTER_CONFIG)  # before the cluster starts: its workers take the command's config
    # the scheduler runs in this process: on the command's console, as on its workers', warnings and errors only
    # (its INFO lines at start and close: workers retired, comms closed)
    console = logging.getLogger("distributed")
    level = console.level
    console.setLevel(logging.WARNING)
    started: dict[str, Any] = {}

    def start() -> None:
        try:
            started["cluster"] = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                              dashboard_address=None, env=WORKER_ENV,
                                              preload=[__name__])  # type: ignore[no-untyped-call]
        except BaseException as exc:  # handed to the thread that waits for the cluster
            started["error"] = exc

    starting = threading.Thread(target=start, name="omreview-dask-cluster", daemon=True)
    starting.start()

    def scheduler() -> str:
        starting.join()
        if "error" in started:
            raise started["error"]
        return str(started["cluster"].scheduler_address)

    try:
        yield scheduler
    finally:
        starting.join()
        if "cluster" in started:
            started["cluster"].close()
        console.setLevel(level)


def dask_setup(worker: Any) -> None:
    """Dask's hook in a preloaded module, run in each worker of a local cluster as it starts (``cluster``): its
    reading process is started, and the task machinery its first task unpickles is imported, before the worker
    says it is ready.

    Otherwise the first task on each worker paid both: its reading process booting inside the task (2-3 s on a
    2-core machine) and, before it ran, the imports of Prefect and of the tasks' module (3-4 s). Here they are
    paid while the command's Prefect server starts, which the batch waits for anyway. The reading process starts
    with the default rules' memory limit (a batch under other limits replaces it on its first read). A worker
    of a cluster that runs already (``--dask tcp://…``) is not preloaded: its first task pays as before."""
    from omreview.extractors.isolate import reader_pool

    reader_pool().prestart(1)  # not waited for: it boots in its own process while the imports below run
    import prefect.task_engine  # noqa: F401

    import omreview.flows.tasks  # noqa: F401


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
