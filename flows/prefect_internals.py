"""Every use omreview makes of Prefect's internals (private names, undocumented modules and settings), in one place.

Prefect's public API does not cover a few things the command line and ``omreview serve`` need; each is
here with what it is for and what omreview relies on, and ``tests/test_prefect_internals.py`` checks
each against the installed Prefect (the name exists, with the signature or attributes used here) and
fails naming the one that changed. After upgrading Prefect, run that test first.

- the local server (``omreview.flows.local``): ``SERVER_APP``, the ASGI factory ``prefect server start`` runs;
  ``SERVER_PRIVATE_ENV`` and ``SERVER_FINAL_ENV``, the undocumented environment variables that factory
  reads (only the services a run needs; this server is the final one, not a launcher of another);
  ``SCHEMA_VERSION_TABLE``, the table of Prefect's database whose row says it is migrated (alembic's);
- the client's queues (``omreview.flows.local``): ``client_queues``, the ``drain_all`` of the client's events
  worker (task-run states travel as events) and its API log worker, so nothing queued is lost when the
  command's server stops; ``console_handler_class``, Prefect's console handler, quietened on a command line;
- the flow run (``omreview.flows.tasks``): ``on_thread_pool``, whether the current flow run's task runner is a
  thread pool (the run context's ``task_runner``); ``forget_task_run``, what the flow run and its thread pool
  keep of each task run until the flow ends (``FlowRunContext.run_results``, a copy of its final state by its
  result's ``id``; ``task_run_assets``; the thread pool's ``_cancel_events``), let go of once its result was taken;
- the runner (``omreview.flows.serve``): ``runner_started``, the ``Runner.started`` flag, and
  ``before_runner_sigterm``, a hook before the runner's own SIGTERM handling (``Runner.start`` installs
  ``self.handle_sigterm`` as the SIGTERM handler);
- the reviewer's desk (``omreview.flows.desk``): ``run_flow_run``, Prefect's flow engine run on a flow run
  this process claimed (``prefect.flow_engine.run_flow``, what ``python -m prefect.engine`` calls in the
  process Prefect's runner starts), its final state returned, nothing raised for a failed run.

Importing this module imports nothing of Prefect (``omreview.flows.local`` starts its server before Prefect is
imported); each function imports what it uses.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable
from typing import Any

# the ASGI app factory of Prefect's API server (what `prefect server start` and Prefect's ephemeral mode run)
SERVER_APP = "prefect.server.api.server:create_app"
# read by that factory from the environment (not Prefect settings): only the services a run needs, no UI,
# no scheduler; and this process is the server itself (not one that starts another)
SERVER_PRIVATE_ENV = {"PREFECT__SERVER_EPHEMERAL": "1"}
SERVER_FINAL_ENV = {"PREFECT__SERVER_FINAL": "1"}
# the table whose row says a Prefect database is migrated (Prefect migrates with alembic's defaults)
SCHEMA_VERSION_TABLE = "alembic_version"
# the client's background queues: (module, class); each class has drain_all(timeout=..., at_exit=...)
CLIENT_QUEUES = (("prefect.events.worker", "EventsWorker"), ("prefect.logging.handlers", "APILogWorker"))


def client_queues(loaded_only: bool = False) -> list[Callable[[float], object]]:
    """A function per client queue that delivers what it holds within a number of seconds (events, then logs).

    ``loaded_only``: only the queues of modules imported already (a stopping command imports nothing)."""
    drains: list[Callable[[float], object]] = []
    for module_name, class_name in CLIENT_QUEUES:
        module = sys.modules.get(module_name) if loaded_only else importlib.import_module(module_name)
        if module is None:
            continue
        drains.append(_drain(getattr(module, class_name)))
    return drains


def _drain(worker: Any) -> Callable[[float], object]:
    def drain(seconds: float) -> object:
        return worker.drain_all(timeout=seconds, at_exit=False)

    return drain


def console_handler_class() -> type[logging.Handler]:
    """The handler Prefect's logging configuration puts on the console."""
    from prefect.logging.handlers import PrefectConsoleHandler

    return PrefectConsoleHandler


def on_thread_pool() -> bool:
    """Whether the current flow run's tasks run on a thread pool (``False`` outside a flow run, or on Dask)."""
    from prefect.context import FlowRunContext
    from prefect.task_runners import ThreadPoolTaskRunner

    context = FlowRunContext.get()
    return context is not None and isinstance(context.task_runner, ThreadPoolTaskRunner)


def forget_task_run(task_run_id: Any, result: object) -> None:
    """Let go of what the current flow run keeps of a finished task run, ``result`` its result (taken already).

    Prefect keeps, until the flow run ends, a copy of each task run's final state (to link a result passed to
    another task to the run that made it), the assets it saw and, on a thread pool, an event to cancel it:
    ~3 KB a task run, so a batch's memory grew with its applicants. omreview hands results on itself
    (``tasks.Parcel``, ``tasks.handoff``): nothing links them, nothing cancels a finished run."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    if context is None:
        return
    entry = context.run_results.get(id(result))
    if entry is not None and (entry[2] is None or entry[2]() is result):  # its own entry, not a reused id's
        del context.run_results[id(result)]
    context.task_run_assets.pop(task_run_id, None)
    cancel_events = getattr(context.task_runner, "_cancel_events", None)
    if isinstance(cancel_events, dict):
        cancel_events.pop(task_run_id, None)


def runner_started(runner: Any) -> bool:
    """Whether a ``prefect.runner.Runner`` is serving (set once its ``start`` has set everything up)."""
    return bool(runner.started)


def before_runner_sigterm(runner: Any, hook: Callable[[], None]) -> Callable[..., None]:
    """Have ``hook`` called before ``runner``'s own SIGTERM handling; the handler, to install for SIGTERM now
    (``Runner.start`` installs it again: it installs ``self.handle_sigterm``, replaced here)."""
    prefect_sigterm = runner.handle_sigterm

    def on_sigterm(*args: Any) -> None:
        hook()
        prefect_sigterm(*args)

    runner.handle_sigterm = on_sigterm
    return on_sigterm


def run_flow_run(flow: Any, flow_run: Any) -> Any:
    """Run ``flow`` for the existing ``flow_run`` (claimed, Pending) in this process; its final state."""
    from prefect.flow_engine import run_flow

    return run_flow(flow, flow_run=flow_run, return_type="state")
