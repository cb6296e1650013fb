"""A temporary local Prefect server for one command, with its home in ``OUT/.prefect``, stopped cleanly.

The command line runs its flows against ``PREFECT_API_URL`` when one is configured (a team's
server, ``prefect server start``); otherwise against a server of its own, started here and stopped
when the command ends. Prefect's own ephemeral mode (no API URL: ``get_client`` starts a
``SubprocessASGIServer``) is not used, for three reasons found in Prefect 3.9's source:

- *The CancelledError tracebacks at exit.* Task-run states reach the server as events (over a
  websocket, from the client's ``EventsWorker``); the server's ``TaskRunRecorder`` service writes
  them to its database one by one as they arrive. The ephemeral server is stopped by an ``atexit``
  hook (``SubprocessASGIServer.stop``: SIGTERM) while the last events of the run are still being
  written, and while the client's log and event queues still hold items: the recorder's write is
  cancelled mid-way (``Error flushing 1 events`` with a ``CancelledError`` traceback, the event
  lost, the task run left "Running"), and the client's log worker then fails to reach the server
  (``--- Error logging to API --- All connection attempts failed``). Here the client's event and
  log workers are drained first, then the server is asked until it has recorded a final state for
  every task run this process submitted, and only then stopped (SIGTERM, uvicorn's graceful
  shutdown). Nothing is silenced: whatever the server still prints goes to stderr.
- *Startup time.* A fresh Prefect database runs ~100 Alembic migrations (10-15 s here). The first
  server builds a migrated template once per Prefect version in the user's cache
  (``~/.cache/omreview``; ``$OMREVIEW_CACHE_DIR``), and each new ``OUT/.prefect`` starts from a copy.
  The server boots in the background while this process imports Prefect. Anonymous telemetry (a
  heartbeat sent to Prefect's servers, which also wrote to the SQLite database while it was being
  migrated: "database is locked") is switched off for it.
- *Where things go.* ``PREFECT_HOME`` (database, local result storage) is ``OUT/.prefect``, so
  runs into different output folders, and tests, never share a database; ``OUT/.prefect`` also
  keeps the run history: ``PREFECT_HOME=OUT/.prefect prefect server start`` shows it in the UI.

The server is a child of the command: it is stopped when the command exits (a process running
several sessions, such as the tests, reuses it), and it stops itself if the command is killed.
"""

from __future__ import annotations

import atexit
import fcntl
import importlib.metadata
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.processes import child_stdout

HOME_ENV = "OMREVIEW_PREFECT_HOME"
CACHE_ENV = "OMREVIEW_CACHE_DIR"
STARTUP_SECONDS = 180.0
SETTLE_SECONDS = 60.0
# the server's settings (also scripts/bench_flows.py's)
SERVER_SETTINGS = {
    "PREFECT_UI_ENABLED": "false",
    "PREFECT__SERVER_EPHEMERAL": "1",  # only the services a run needs (no scheduler, no UI)
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # task-run states arrive as events; written one transaction each (the default batch of 1) they
    # cost the server ~80 ms of CPU per task run here, in batches ~14 ms
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
    # nobody subscribes to a one-command server's event feed or defines automations on it
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
}
_DB_URL_ENVS = ("PREFECT_SERVER_DATABASE_CONNECTION_URL", "PREFECT_API_DATABASE_CONNECTION_URL")

# Runs uvicorn with Prefect's server app (what `prefect server start` and the ephemeral mode run),
# and stops it (gracefully, SIGTERM) if the process that started it goes away.
_LAUNCHER = """
import os, signal, sys, threading, time
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)
threading.Thread(target=watch, daemon=True).start()
from uvicorn.main import main
sys.argv = ["uvicorn", "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
            "--port", sys.argv[1], "--log-level", "error", "--lifespan", "on"]
main()
"""


def prefect_home(out: Path) -> Path:
    """Where the command's Prefect keeps its database: ``$OMREVIEW_PREFECT_HOME`` or ``OUT/.prefect``."""
    return Path(os.environ.get(HOME_ENV) or Path(out) / ".prefect").resolve()


def cache_dir() -> Path:
    base = os.environ.get(CACHE_ENV) or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "omreview"
    return Path(base)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalServer:
    """A Prefect API server (uvicorn subprocess) on 127.0.0.1 with its home in ``home``."""

    def __init__(self, home: Path, use_template: bool = True) -> None:
        self.home = Path(home)
        self.use_template = use_template and not any(os.environ.get(k) for k in _DB_URL_ENVS)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> None:
        """Start the server in the background (``wait_ready`` waits for it)."""
        self.home.mkdir(parents=True, exist_ok=True)
        _owner_only_home(self.home)  # run history and results: the reviewer's account only
        from_template = self.use_template and _seed_database(self.home / "prefect.db")
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        env.update({"PREFECT_HOME": str(self.home), "PREFECT__SERVER_FINAL": "1", **SERVER_SETTINGS})
        if from_template:
            env["PREFECT_API_BLOCKS_REGISTER_ON_START"] = "false"  # the template holds them already
        self.port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(self.port)], env=env, stdin=subprocess.DEVNULL,
            stdout=child_stdout(), umask=0o077,  # prefect.db, its -wal, results: created owner-only
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, seconds: float = STARTUP_SECONDS) -> str:
        """Wait until the server answers; its API URL."""
        assert self.process is not None, "server not started"
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the local Prefect server stopped at start-up (exit code {self.process.returncode})"
                                   "; its messages are above")
            with suppress(OSError, urllib.error.URLError), \
                    urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return self.api_url
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the local Prefect server did not start within {seconds:.0f} s")

    def stop(self, seconds: float = 30.0) -> int | None:
        """Stop the server gracefully (SIGTERM), killing it after ``seconds``; its exit code."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(seconds)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        code = process.returncode
        if code not in (0, -signal.SIGTERM):  # uvicorn re-raises the SIGTERM it handled
            print(f"warning: the local Prefect server exited with code {code}", file=sys.stderr)
        return code



# --- the migrated template database ---------------------------------------------------------------


def _owner_only_home(home: Path) -> None:
    """The home folder 0700 and its database files 0600, where they are ours and others could read them
    (a home made before they were owner-only; the server creates its files under umask 077)."""
    for path, mode in ((home, 0o700), *((home / f"prefect.db{s}", 0o600) for s in ("", "-wal", "-shm"))):
        with suppress(FileNotFoundError):
            st = path.stat()
            if st.st_uid == os.getuid() and st.st_mode & 0o077:
                path.chmod(mode)


def _seed_database(db: Path) -> bool:
    """Give a new home a copy of the migrated template database; whether ``db`` now comes from it."""
    if db.exists():
        return True
    template = template_database()
    if template is None:
        return False
    tmp = db.with_name(f".{db.name}.tmp")
    shutil.copyfile(template, tmp)
    os.chmod(tmp, 0o600)
    os.replace(tmp, db)
    return True


def template_database() -> Path | None:
    """A Prefect database migrated to this Prefect's schema, built once per version (``None`` if it cannot be)."""
    folder = cache_dir()
    template = folder / f"prefect-{importlib.metadata.version('prefect')}.db"
    if template.exists():
        return template
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".template.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another command may be building it
            if not template.exists():
                _build_template(template)
    except OSError as exc:
        print(f"note: no Prefect template database in {folder} ({exc}); the server migrates its own",
              file=sys.stderr)
        return None
    return template


def _build_template(template: Path) -> None:
    with tempfile.TemporaryDirectory(dir=template.parent) as tmp:
        server = LocalServer(Path(tmp), use_template=False)
        server.start()
        try:
            server.wait_ready()
        finally:
            server.stop()
        partial = template.with_name(f".{template.name}.tmp")
        with sqlite3.connect(Path(tmp) / "prefect.db") as src, sqlite3.connect(partial) as dst:
            src.backup(dst)
        os.replace(partial, template)


# --- the command's Prefect session ----------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    api_url: str
    local: bool  # a server of our own, stopped when the command ends
    home: Path | None


_server: LocalServer | None = None
_server_lock = threading.Lock()


def local_server(out: Path) -> LocalServer:
    """This process's local server: started on first use (home ``prefect_home(out)``), stopped at exit.

    A command runs one session and exits; a process that runs several (the tests, a notebook) reuses
    the server of its first one.
    """
    global _server
    with _server_lock:
        if _server is None or not _server.alive():
            _server = LocalServer(prefect_home(out))
            _server.start()
            atexit.register(stop_local_server)
        return _server


def stop_local_server() -> None:
    global _server
    with _server_lock:
        server, _server = _server, None
    if server is not None:
        server.stop()


@contextmanager
def prefect_session(out: Path) -> Iterator[Session]:
    """Run the block's flows against the configured Prefect API, or this process's local server.

    On leaving, the local server is left only once it has recorded every task run of the block.
    """
    server: LocalServer | None = None
    if "prefect" not in sys.modules and not os.environ.get("PREFECT_API_URL"):
        server = local_server(out)  # boots while Prefect is imported below
    from prefect.settings import PREFECT_API_URL, PREFECT_HOME, get_current_settings, temporary_settings

    import flows.tasks  # noqa: F401  (imports Prefect, which sets up its logging)

    configured = get_current_settings().api.url
    if configured and server is not None:  # a profile names a server: use it
        stop_local_server()
        server = None
    if not configured and server is None:
        server = local_server(out)
    if server is None:
        try:
            with quiet_console():
                yield Session(api_url=str(configured), local=False, home=None)
        finally:
            from flows.tasks import take_submitted

            take_submitted()  # that server records them in its own time
        return
    url = server.wait_ready()
    with temporary_settings(updates={PREFECT_API_URL: url, PREFECT_HOME: server.home}), quiet_console():
        ok = False
        try:
            yield Session(api_url=url, local=True, home=server.home)
            ok = True
        finally:
            settle(wait=ok)


def settle(wait: bool = True, seconds: float = SETTLE_SECONDS) -> None:
    """Deliver the client's queued events and logs; then wait until the current API's server recorded the
    task runs this process submitted to it."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    from flows.tasks import take_submitted

    EventsWorker.drain_all(timeout=seconds, at_exit=False)
    APILogWorker.drain_all(timeout=seconds, at_exit=False)
    submitted = take_submitted()
    if wait and submitted:
        missing = wait_recorded(submitted, seconds)
        if missing:
            print(f"warning: the Prefect server did not record the final state of {missing} task run(s) "
                  f"within {seconds:.0f} s", file=sys.stderr)


def wait_recorded(ids: set[Any], seconds: float) -> int:
    """Wait until every task run in ``ids`` has a final state on the server; how many still have none."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterId

    pending = list(ids)
    deadline = time.monotonic() + seconds
    with get_client(sync_client=True) as client:
        while pending and time.monotonic() < deadline:
            still: list[Any] = []
            for start in range(0, len(pending), 200):
                chunk = pending[start:start + 200]
                runs = client.read_task_runs(task_run_filter=TaskRunFilter(id=TaskRunFilterId(any_=chunk)),
                                             limit=len(chunk))
                final = {r.id for r in runs if r.state is not None and r.state.is_final()}
                still += [i for i in chunk if i not in final]
            pending = still
            if pending:
                time.sleep(0.1)
    return len(pending)


class _CommandLineFilter(logging.Filter):
    """On the console of a command: no run logs (they go to the Prefect API), warnings and errors of the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(("prefect.flow_runs", "prefect.task_runs")):
            return False
        return record.levelno >= logging.WARNING


@contextmanager
def quiet_console() -> Iterator[None]:
    from prefect.logging.handlers import PrefectConsoleHandler

    known = list(logging.root.manager.loggerDict.values())
    loggers = [logging.getLogger(), *(lg for lg in known if isinstance(lg, logging.Logger))]
    handlers = {id(h): h for lg in loggers for h in getattr(lg, "handlers", []) if isinstance(h, PrefectConsoleHandler)}
    quiet = _CommandLineFilter()
    for handler in handlers.values():
        handler.addFilter(quiet)
    try:
        yield
    finally:
        for handler in handlers.values():
            handler.removeFilter(quiet)
