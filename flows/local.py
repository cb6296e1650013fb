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

Failures are told in one plain line (``omreview.failures``): a configured Prefect API must answer its
health check within ``$OMREVIEW_PREFECT_TIMEOUT`` seconds (connect and read; ``check_api``) before any
flow starts; an unwritable Prefect home or a damaged database in it is named; a damaged cached template
is rebuilt (and said so); a server whose port was taken between choosing it and binding it is started
again on another.

Stopping (Ctrl-C, SIGTERM; ``omreview.processes``): the server runs in a session of its own, so the
signal a terminal, ``timeout`` or ``kill -- -PGID`` sends the command's process group is left to the
command, which stops its server once it has wound down (``wind_down``: what it still can record in a
second or two, then SIGTERM, SIGKILL at the deadline). A server that died all the same (systemd
signals every process of the service) is not waited for nor talked to any more.
"""

from __future__ import annotations

import atexit
import base64
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
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omreview.errors import EnvironmentFailure, InputError
from omreview.failures import cache_dir, check_writable, mask_url, prefect_timeout
from omreview.flows.prefect_internals import (
    SCHEMA_VERSION_TABLE,
    SERVER_APP,
    SERVER_FINAL_ENV,
    SERVER_PRIVATE_ENV,
    client_queues,
    console_handler_class,
)
from omreview.handoff import HOME_ENV
from omreview.handoff import prefect_home as handoff_home
from omreview.processes import child_stdout, stopping, wait_for_flow

if TYPE_CHECKING:
    from omreview.flows.resident import Claim

EPHEMERAL_ENV = "PREFECT_SERVER_EPHEMERAL_ENABLED"  # Prefect's own ephemeral server: off in a command
PORT_ATTEMPTS = 3  # a port taken between _free_port and the server's bind: start again on another
STARTUP_SECONDS = 180.0
SETTLE_SECONDS = 60.0
DELIVER_SECONDS = 10.0  # what the client still holds for a local server being stopped, delivered first (per queue)
STOP_RESERVE = 3.0  # of a stopping command's time: for delivering the client's queues and stopping the server
# the server's settings (also scripts/bench_flows.py's)
SERVER_SETTINGS = {
    "PREFECT_UI_ENABLED": "false",
    **SERVER_PRIVATE_ENV,  # only the services a run needs (no scheduler, no UI)
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
# and stops it (gracefully, SIGTERM) if the process that started it goes away, also before it got here (the
# starter's pid is given: os.getppid() at this point would already be 1 for an orphan, which would then run on).
_LAUNCHER = """
import os, signal, sys, threading, time
parent = int(sys.argv[3])
def watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)
threading.Thread(target=watch, daemon=True).start()
from uvicorn.main import main
sys.argv = ["uvicorn", "--factory", sys.argv[2], "--host", "127.0.0.1",
            "--port", sys.argv[1], "--log-level", "error", "--lifespan", "on"]
main()
"""


def run_workers() -> int:
    """Documents an applicant flow reads at once (its thread pool): the CPUs, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def prefect_home(out: Path) -> Path:
    """Where the command's Prefect keeps its database: ``$OMREVIEW_PREFECT_HOME`` or ``OUT/.prefect``."""
    return handoff_home(out, os.environ)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_taken(port: int) -> bool:
    """Whether something listens on 127.0.0.1:``port``."""
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def check_api(url: str, timeout: float | None = None) -> None:
    """Fail in one line unless the Prefect API at ``url`` answers its health check within ``timeout`` seconds.

    Connect and read are each bounded (``$OMREVIEW_PREFECT_TIMEOUT``, 20 s): a server that accepts the
    connection and never answers fails here instead of hanging the command. Any HTTP answer under 500
    counts as alive (authentication is the Prefect client's business).
    """
    seconds = prefect_timeout() if timeout is None else timeout
    shown = mask_url(url)
    remedy = "fix or unset PREFECT_API_URL (unset: the command runs a temporary local server)"
    try:
        parts = urllib.parse.urlsplit(url.rstrip("/") + "/health")
        bare = parts._replace(netloc=parts.netloc.rpartition("@")[2])
        request = urllib.request.Request(urllib.parse.urlunsplit(bare))
        if parts.username is not None:  # user:password@ in the URL: urllib sends it only as a header
            basic = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
            request.add_header("Authorization", "Basic " + base64.b64encode(basic.encode()).decode())
        with urllib.request.urlopen(request, timeout=seconds):
            return
    except urllib.error.HTTPError as exc:
        if exc.code < 500:
            return
        raise EnvironmentFailure(f"the Prefect API at {shown} answered {exc.code} to its health check: the cause is "
                                 "in the Prefect server's log; fix the server and run again") from exc
    except ValueError as exc:  # not a URL urllib can use
        raise InputError(f"PREFECT_API_URL {shown!r} is not a valid URL ({exc}): give one such as "
                         "http://127.0.0.1:4200/api, or unset it") from exc
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, TimeoutError):
            raise EnvironmentFailure(
                f"the Prefect API at {shown} did not answer within {seconds:g} s: check that its server is up and not "
                f"stuck, or {remedy} (OMREVIEW_PREFECT_TIMEOUT sets the wait)") from exc
        raise EnvironmentFailure(f"cannot reach the Prefect API at {shown} ({reason}): start its server "
                                 f"(prefect server start), or {remedy}") from exc


def damaged(db: Path, thorough: bool = True) -> str | None:
    """Why the SQLite database ``db`` is unusable as a Prefect database (``None`` if it looks sound).

    ``thorough`` runs SQLite's quick_check over every page (milliseconds for a template); otherwise only
    its header and schema are read.
    """
    try:
        # read-only and immutable: leaves no -wal/-shm beside it; as_uri escapes any ? or # in the path
        conn = sqlite3.connect(f"{Path(db).resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        if thorough:
            result = conn.execute("PRAGMA quick_check").fetchone()
            if result is None or result[0] != "ok":
                return f"integrity check: {result[0] if result else 'no answer'}"
        if conn.execute(f"SELECT version_num FROM {SCHEMA_VERSION_TABLE}").fetchone() is None:
            return "no schema version"
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()
    return None


class LocalServer:
    """A Prefect API server (uvicorn subprocess) on 127.0.0.1 with its home in ``home``."""

    def __init__(self, home: Path, use_template: bool = True) -> None:
        self.home = Path(home)
        self.use_template = use_template and not any(os.environ.get(k) for k in _DB_URL_ENVS)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._env: dict[str, str] = {}
        self._attempts = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def database(self) -> Path:
        return self.home / "prefect.db"

    def start(self) -> None:
        """Start the server in the background (``wait_ready`` waits for it).

        An unwritable home, or a database in it that cannot be read, fails here in one line.
        """
        remedy = f"make it writable, choose another --out, or set {HOME_ENV}"
        check_writable(self.home, remedy)
        _owner_only_home(self.home)  # run history and results: the reviewer's account only
        db = self.database
        if db.exists():
            if not os.access(db, os.W_OK):
                raise EnvironmentFailure(f"the local Prefect database {db} cannot be written: {remedy}")
            reason = damaged(db, thorough=False)
            if reason is not None:
                raise _damaged_home(db, reason)
        from_template = self.use_template and _seed_database(db)
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        env.update({"PREFECT_HOME": str(self.home), **SERVER_FINAL_ENV, **SERVER_SETTINGS})
        if from_template:
            env["PREFECT_API_BLOCKS_REGISTER_ON_START"] = "false"  # the template holds them already
        self._env, self._attempts = env, 0
        self._launch()

    def _launch(self) -> None:
        self._attempts += 1
        self.port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(self.port), SERVER_APP, str(os.getpid())], env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=child_stdout(), umask=0o077,  # prefect.db, its -wal, results: created owner-only
            start_new_session=True,  # the group's Ctrl-C or SIGTERM is the command's: it stops its server
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, seconds: float = STARTUP_SECONDS) -> str:
        """Wait until the server answers; its API URL."""
        assert self.process is not None, "server not started"
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if self._attempts < PORT_ATTEMPTS and _port_taken(self.port):  # taken since _free_port chose it
                    print(f"note: port {self.port} was taken before the local Prefect server could use it; "
                          "starting it on another", file=sys.stderr)
                    self._launch()
                    continue
                reason = damaged(self.database) if self.database.exists() else None
                if reason is not None:
                    raise _damaged_home(self.database, reason)
                raise EnvironmentFailure(
                    f"the local Prefect server (home {self.home}) stopped at start-up with exit code "
                    f"{self.process.returncode}: its messages are above; fix what they name, or move {self.home} "
                    "aside (it holds only the run history) and run again")
            with suppress(OSError, urllib.error.URLError), \
                    urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return self.api_url
            time.sleep(0.1)
        self.stop()
        raise EnvironmentFailure(f"the local Prefect server (home {self.home}) did not start within {seconds:.0f} s: "
                                 "the machine may be overloaded; run again, or set PREFECT_API_URL to a running server")

    def stop(self, seconds: float = 30.0, quiet: bool = False, deliver: float = DELIVER_SECONDS) -> int | None:
        """Stop the server gracefully (SIGTERM), killing it after ``seconds``; its exit code (an unusual one
        said on stderr unless ``quiet``).

        First, for up to ``deliver`` seconds a queue, what this process's Prefect client still holds (events,
        logs) is delivered while the server is there: once it is gone, Prefect's exit hook would try to deliver
        it to nobody, item by item, and print a traceback per attempt (a process that stopped a server of its
        own, as the tests do, took minutes to exit). ``wind_down`` delivers within its own deadline (0 here).
        """
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            if deliver > 0:
                for drain in client_queues(loaded_only=True):
                    with suppress(Exception):
                        drain(deliver)
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(seconds)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        code = process.returncode
        if code not in (0, -signal.SIGTERM) and not quiet:  # uvicorn re-raises the SIGTERM it handled
            print(f"warning: the local Prefect server exited with code {code}", file=sys.stderr)
        return code



def _damaged_home(db: Path, reason: str) -> EnvironmentFailure:
    return EnvironmentFailure(f"the local Prefect database {db} is damaged ({reason}): move {db.parent} aside (it "
                              "holds only the Prefect run history of this output folder) and run again")


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
    """A Prefect database migrated to this Prefect's schema, built once per version (``None`` if it cannot be).

    A template that does not pass SQLite's quick check (a garbled or truncated cache file) is said so,
    by name, and built again; if that fails, the server migrates its own database.
    """
    folder = cache_dir()
    template = folder / f"prefect-{importlib.metadata.version('prefect')}.db"
    if template.exists() and damaged(template) is None:
        return template
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".template.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another command may be building it
            reason = damaged(template) if template.exists() else None
            if reason is not None:
                print(f"note: the cached Prefect template database {template} is damaged ({reason}); "
                      "building it again (10-15 s)", file=sys.stderr)
                template.unlink()
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
def prefect_session(out: Path, resident: bool = False) -> Iterator[Session]:
    """Run the block's flows against the configured Prefect API, or a local server.

    ``resident`` (``omreview run``): the resident local server of ``prefect_home(out)``, found or started
    (``omreview.flows.resident``) and left running when the block ends, unless
    ``$OMREVIEW_LOCAL_SERVER_IDLE`` is 0. Otherwise a resident server of that home that runs already is used
    (two servers never share a database), else this process's temporary server: on leaving, it is left only
    once it has recorded every task run of the block. A configured API that does not answer its health check
    in time fails before any flow starts.
    """
    server: LocalServer | None = None
    claimed: Claim | None = None
    # Prefect's default profile allows its own ephemeral server: any client made without an API URL (a thread
    # outside the session's settings, the wind-down of a stopped command) would start one, a child that the
    # command's os._exit leaves running. A command's flows always have a URL; without one, fail instead.
    os.environ.setdefault(EPHEMERAL_ENV, "false")
    checked = os.environ.get("PREFECT_API_URL")
    if checked:
        check_api(checked)  # before importing Prefect: an API that is down is told in a second
    elif "prefect" not in sys.modules:
        claimed = _resident(out, resident)  # a new one boots while Prefect is imported below
        server = None if claimed is not None else local_server(out)
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_HOME,
        get_current_settings,
        temporary_settings,
    )

    # Flow-run heartbeats are events for an automation that marks crashed runs; a local server neither stores nor
    # watches events (SERVER_SETTINGS: no event persister, no triggers), and the heartbeat thread cost each flow
    # run up to a second at its end (the engine joins it, and it sleeps in steps of 1 s).
    _LOCAL_ONLY = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}

    import omreview.flows.tasks  # noqa: F401  (imports Prefect, which sets up its logging)

    configured = get_current_settings().api.url
    if configured and (server is not None or claimed is not None):  # a profile names a server: use it
        if claimed is not None:
            claimed.release()
        stop_local_server()
        server, claimed = None, None
    if not configured and server is None and claimed is None:
        claimed = _resident(out, resident)
        server = None if claimed is not None else local_server(out)
    if server is None and claimed is None:
        if str(configured) != checked:
            check_api(str(configured))
        try:
            with quiet_console():
                yield Session(api_url=str(configured), local=False, home=None)
        finally:
            from omreview.flows.tasks import take_submitted

            take_submitted()  # that server records them in its own time
        return
    if claimed is not None:
        try:
            url = claimed.ready()
            with temporary_settings(updates={PREFECT_API_URL: url, PREFECT_HOME: claimed.home, **_LOCAL_ONLY}), \
                    quiet_console():
                try:
                    yield Session(api_url=url, local=True, home=claimed.home)
                finally:
                    settle(wait=False)  # delivered; the server, still running, records them in its own time
        finally:
            claimed.release()
        return
    assert server is not None
    url = server.wait_ready()
    with temporary_settings(updates={PREFECT_API_URL: url, PREFECT_HOME: server.home, **_LOCAL_ONLY}), quiet_console():
        ok = False
        try:
            yield Session(api_url=url, local=True, home=server.home)
            ok = True
        finally:
            settle(wait=ok)


def _resident(out: Path, wanted: bool) -> Claim | None:
    """The resident server's ``Claim`` for ``out``'s Prefect home: found or started if ``wanted``, else found
    only if it runs; ``None`` for a temporary server."""
    from omreview.flows import resident

    home = prefect_home(out)
    if wanted and resident.idle_seconds() > 0:
        return resident.claim(home, resident.idle_seconds())
    return resident.attach(home)


def settle(wait: bool = True, seconds: float = SETTLE_SECONDS) -> None:
    """Deliver the client's queued events and logs; then wait until the current API's server recorded the
    task runs this process submitted to it. Not when the command is stopping: ``wind_down`` does that."""
    if stopping():
        return
    from omreview.flows.tasks import take_submitted

    for drain in client_queues():  # the client's events (task-run states), then its logs
        drain(seconds)
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


# --- stopping (Ctrl-C, SIGTERM; omreview.processes) ----------------------------------------------------


def wind_down(deadline: float) -> set[str]:
    """End a command that was asked to stop by ``deadline`` (``time.monotonic()``); the applicants it stored.

    Nothing is logged any more (``processes.request_stop``). The flow's thread is given until
    ``STOP_RESERVE`` seconds before the deadline to end; a report
    being stored is waited for, but the rest is not once the local server is gone. Then, only if the
    server still answers, the client's queued events and logs are delivered and the server is given
    a moment to record the task runs (a second or so each), and the local server is stopped, killed
    at the deadline. Never waits for a server that died.
    """
    global _server
    server = _server

    def server_gone() -> bool:
        return server is not None and not server.alive()

    def give_up() -> bool:
        tasks = sys.modules.get("omreview.flows.tasks")
        return server_gone() and not (tasks is not None and tasks.storing())

    wait_for_flow(deadline - STOP_RESERVE, give_up)
    if not server_gone() and _answers(server):

        def left(most: float) -> float:
            return min(most, max(0.0, deadline - time.monotonic() - 1.0))

        for drain in client_queues(loaded_only=True):
            with suppress(Exception):
                drain(left(1.0))
        tasks = sys.modules.get("omreview.flows.tasks")
        submitted = tasks.take_submitted(server.api_url) if server is not None and tasks is not None else set()
        if server is not None and submitted:  # recorded before the server stops (see the module's docstring)
            from prefect.settings import PREFECT_API_URL, temporary_settings

            # the session's settings are gone: without its URL, a Prefect client would start a server of its own
            with suppress(Exception), temporary_settings(updates={PREFECT_API_URL: server.api_url}):
                wait_recorded(submitted, left(1.5))
    with _server_lock:
        _server = None
    if server is not None:
        server.stop(seconds=max(0.2, deadline - time.monotonic()), quiet=True, deliver=0)
    tasks = sys.modules.get("omreview.flows.tasks")
    return tasks.stored_applicants() if tasks is not None else set()


def _answers(server: LocalServer | None) -> bool:
    """Whether the local server (or a configured API: ``None``) is there to be talked to."""
    if server is None:
        return True  # a configured API is not stopped by our signal; the drain is bounded anyway
    try:
        with urllib.request.urlopen(f"{server.api_url}/health", timeout=0.5) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


# what Prefect's background clients (its events and log queues) log when they lose the server: a stopped command's
# server may go first (systemd signals every process of the service at once), and the client's line then comes
# before the command's own signal handler has run. Shown this much later, unless the command is stopping by then
BACKGROUND_LOGGER = "prefect._internal.concurrency"
BACKGROUND_DELAY = 0.5


class _CommandLineFilter(logging.Filter):
    """On the console of a command: no run logs (they go to the Prefect API), warnings and errors of the rest; a
    failure of Prefect's background clients ``BACKGROUND_DELAY`` late, not at all if the command is stopping."""

    def __init__(self, handler: logging.Handler) -> None:
        super().__init__()
        self.handler = handler

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(("prefect.flow_runs", "prefect.task_runs")) or record.levelno < logging.WARNING:
            return False
        if record.name != BACKGROUND_LOGGER:
            return True
        if stopping():
            return False
        if getattr(record, "omreview_late", False):
            return True
        record.omreview_late = True
        later = threading.Timer(BACKGROUND_DELAY, self._late, args=(record,))
        later.daemon = True
        later.start()
        return False

    def _late(self, record: logging.LogRecord) -> None:
        if not stopping():
            self.handler.handle(record)


@contextmanager
def quiet_console() -> Iterator[None]:
    console = console_handler_class()
    known = list(logging.root.manager.loggerDict.values())
    loggers = [logging.getLogger(), *(lg for lg in known if isinstance(lg, logging.Logger))]
    handlers = {id(h): h for lg in loggers for h in getattr(lg, "handlers", []) if isinstance(h, console)}
    quiet = {key: _CommandLineFilter(handler) for key, handler in handlers.items()}
    for key, handler in handlers.items():
        handler.addFilter(quiet[key])
    try:
        yield
    finally:
        for key, handler in handlers.items():
            handler.removeFilter(quiet[key])
