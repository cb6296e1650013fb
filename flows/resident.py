"""The local Prefect server that outlives one command: started by the first ``omreview run``, found by the next,
stopped by itself once idle.

A temporary server (``omreview.flows.local``) costs every command its start-up, ~4-5 s of the ~6 s
``omreview run`` took on one applicant whose review is ~1 s. The resident server is the same server
(``LocalServer``: Prefect's API app under uvicorn, its home ``OUT/.prefect``, the migrated template), started
in a session of its own with its output in ``HOME/server.log``, and left running when the command ends:

- ``HOME/server.json`` (its state: pid, port, API URL, Prefect version) is how later commands find it. It is
  written by the server itself once it has its port, and removed by it when it stops. A state file whose
  process is gone, is not this module's server for this home, runs another Prefect version or does not
  answer its health check is stale: it is ignored (a hung server of ours is stopped) and a new server started.
- ``HOME/server.lock`` (exclusive, ``flock``) is held while a command finds or starts the server, until it
  answers, and by the server while it decides to stop: two commands never start two servers, and a command
  never finds a server that is about to stop.
- ``HOME/server.users`` is held shared by every command for as long as it uses the server; the server stops
  only when it can take it exclusively (no command), no request or websocket is open and none came for
  ``$OMREVIEW_LOCAL_SERVER_IDLE`` seconds (default 900; ``0``: no resident server, a temporary one per command
  as before). A lock held by a killed command is released by the kernel.

It also stops when its state file is removed or names another process, and on SIGTERM
(``python -m omreview.flows.resident stop OUT`` sends it). Run history stays in ``HOME/prefect.db`` as before.

Importing this module imports nothing of Prefect (the command imports Prefect while the server boots).
"""

from __future__ import annotations

import fcntl
import importlib
import importlib.metadata
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from omreview import handoff
from omreview.errors import EnvironmentFailure, InputError
from omreview.failures import check_writable, prefect_timeout
from omreview.flows.local import STARTUP_SECONDS, LocalServer
from omreview.flows.prefect_internals import SERVER_APP
from omreview.handoff import HOME_ENV, IDLE_ENV
from omreview.processes import runs_module

DEFAULT_IDLE_SECONDS = 900.0
STATE = "server.json"
LOCK = "server.lock"
USERS = "server.users"
LOG = "server.log"
MODULE = "omreview.flows.resident"
WATCH_SECONDS = 0.5  # how often the server looks whether it is idle


def idle_seconds() -> float:
    """Seconds an unused resident server waits before it stops: ``$OMREVIEW_LOCAL_SERVER_IDLE`` (0: none)."""
    raw = os.environ.get(IDLE_ENV, "").strip()
    if not raw:
        return DEFAULT_IDLE_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also NaN
        raise InputError(f"{IDLE_ENV}={raw!r} is not a number of seconds: give e.g. 900, or 0 for a temporary "
                         "Prefect server per command")
    return value


@dataclass(frozen=True)
class State:
    pid: int
    port: int
    prefect: str
    home: str

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"


def _prefect_version() -> str:
    return importlib.metadata.version("prefect")


def read_state(home: Path) -> State | None:
    """The state file of ``home`` as written (``None`` if there is none or it cannot be read)."""
    try:
        data = json.loads((Path(home) / STATE).read_text(encoding="utf-8"))
        return State(pid=int(data["pid"]), port=int(data["port"]), prefect=str(data["prefect"]),
                     home=str(data["home"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_state(home: Path, state: State) -> None:
    tmp = Path(home) / f".{STATE}.{os.getpid()}"
    tmp.write_text(json.dumps(state.__dict__), encoding="utf-8")
    os.replace(tmp, Path(home) / STATE)


def _ours(pid: int, home: Path) -> bool:
    """Whether process ``pid`` is a resident server of this module for ``home``."""
    return runs_module(pid, MODULE, home)


def _answers(url: str, seconds: float | None = None) -> bool:
    """Whether the server at ``url`` answers its health check within ``$OMREVIEW_PREFECT_TIMEOUT`` seconds (a
    loaded machine is not a hung server)."""
    wait = prefect_timeout() if seconds is None else seconds
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=wait) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _stop_pid(pid: int, seconds: float = 30.0) -> None:
    """SIGTERM ``pid`` (uvicorn's graceful shutdown), SIGKILL after ``seconds``; returns once it is gone."""
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + seconds
    while _alive(pid):
        if time.monotonic() > deadline:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie child of ours, reaped here, does not)."""
    with suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return status != "Z"


def live(home: Path) -> State | None:
    """The resident server of ``home`` if it runs and answers (a stale state file: ``None``)."""
    state = read_state(home)
    if state is None or state.prefect != _prefect_version() or not _ours(state.pid, home):
        return None
    return state if _answers(state.api_url) else None


def _discard_stale(home: Path) -> None:
    """Stop a server of ours the state file names that is not usable (hung, another Prefect); forget the file."""
    state = read_state(home)
    if state is not None and _ours(state.pid, home):
        _stop_pid(state.pid)
    with suppress(FileNotFoundError):
        (Path(home) / STATE).unlink()


def _open_lock(path: Path, mode: int) -> IO[str]:
    """``path`` (created owner-only) opened and locked with ``flock`` ``mode``; closing it releases the lock."""
    handle = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a", encoding="utf-8")
    try:
        fcntl.flock(handle, mode)
    except BaseException:
        handle.close()
        raise
    return handle


@contextmanager
def _flock(path: Path, mode: int) -> Iterator[IO[str]]:
    with _open_lock(path, mode) as handle:
        yield handle


class ResidentServer(LocalServer):
    """A ``LocalServer`` launched as this module's ``serve`` (it outlives the command; its output goes to the log)."""

    def __init__(self, home: Path, idle: float) -> None:
        super().__init__(home)
        self.idle = idle

    def _launch(self) -> None:
        from omreview.flows.local import _free_port

        self._attempts += 1
        self.port = _free_port()
        # the latest server's output only, owner-only
        with os.fdopen(os.open(self.home / LOG, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", MODULE, "serve", str(self.home.resolve()), str(self.port), repr(self.idle)],
                env=self._env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=self.home, umask=0o077,
                start_new_session=True,  # neither the command's Ctrl-C nor its end stop it
            )


    def wait_ready(self, seconds: float = STARTUP_SECONDS) -> str:
        """As ``LocalServer.wait_ready``; a server that failed has the end of its log shown first."""
        try:
            return super().wait_ready(seconds)
        except EnvironmentFailure:
            with suppress(OSError):
                tail = (self.home / LOG).read_text(encoding="utf-8", errors="replace").splitlines()[-20:]
                print("\n".join(tail), file=sys.stderr)
            raise


_launched: list[subprocess.Popen[bytes]] = []


@dataclass
class Claim:
    """A command's use of the resident server of ``home``: ``ready()`` gives its API URL."""

    home: Path
    server: ResidentServer | None  # started by this command (still booting)
    state: State | None  # found running
    _lock: IO[str] | None
    _users: IO[str]

    def ready(self) -> str:
        """Wait until the server answers (a new one: booting while the command imported Prefect); its API URL."""
        try:
            if self.server is not None:
                url = self.server.wait_ready()
                if self.server.process is not None:  # not ours to stop: it outlives the command
                    _launched.append(self.server.process)  # (kept: Popen warns if dropped while running)
                    self.server.process = None
                return url
            assert self.state is not None
            return self.state.api_url
        finally:
            self._unlock()

    def _unlock(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.close()

    def release(self) -> None:
        """The command is done with the server (its idle time starts once no command uses it)."""
        self._unlock()
        self._users.close()


def claim(home: Path, idle: float) -> Claim:
    """Find the resident server of ``home`` or start one (holding ``server.lock`` until it answers), and
    hold ``server.users`` shared until ``Claim.release``."""
    home = Path(home).resolve()
    check_writable(home, f"make it writable, choose another --out, or set {HOME_ENV}")
    lock = _open_lock(home / LOCK, fcntl.LOCK_EX)  # held until ready(): see Claim
    try:
        users = _open_lock(home / USERS, fcntl.LOCK_SH)  # held until release()
        state = live(home)
        if state is not None:
            lock.close()
            return Claim(home, None, state, None, users)
        _discard_stale(home)
        server = ResidentServer(home, idle)
        server.start()
    except BaseException:
        lock.close()
        raise
    return Claim(home, server, None, lock, users)


def attach(home: Path) -> Claim | None:
    """The resident server of ``home`` if one runs (a command that starts none, ``omreview batch``: it must not
    start a second server on the same database)."""
    home = Path(home).resolve()
    if not (home / STATE).exists():
        return None
    with _flock(home / LOCK, fcntl.LOCK_EX):
        users = _open_lock(home / USERS, fcntl.LOCK_SH)  # held until release()
        state = live(home)
        if state is None:
            users.close()
            return None
    return Claim(home, None, state, None, users)


def stop(home: Path) -> State | None:
    """Stop the resident server of ``home`` now (the one stopped, ``None`` if none ran)."""
    home = Path(home).resolve()
    if not (home / LOCK).exists():
        return None
    with _flock(home / LOCK, fcntl.LOCK_EX):
        state = read_state(home)
        if state is None or not _ours(state.pid, home):
            return None
        _stop_pid(state.pid)
        with suppress(FileNotFoundError):
            (home / STATE).unlink()
    return state


# --- the server's side -----------------------------------------------------------------------------------------

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


class Activity:
    """ASGI middleware: how many requests and websockets are open, and when the last one came or ended."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.open = 0
        self.last = time.monotonic()

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        self.open += 1
        self.last = time.monotonic()
        try:
            await self.app(scope, receive, send)
        finally:
            self.open -= 1
            self.last = time.monotonic()

    def idle_for(self) -> float:
        return 0.0 if self.open else time.monotonic() - self.last


_activity: list[Activity] = []


def app() -> ASGIApp:
    """The ASGI app uvicorn runs: Prefect's API server, its activity watched."""
    module, _, name = SERVER_APP.partition(":")
    watched = Activity(getattr(importlib.import_module(module), name)())
    _activity[:] = [watched]
    return watched


def _names_me(home: Path) -> bool:
    state = read_state(home)
    return state is not None and state.pid == os.getpid()


def _try_lock(path: Path) -> IO[str] | None:
    try:
        return _open_lock(path, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return None


def _time_to_stop(home: Path, idle: float) -> bool:
    """Whether to stop now: idle with no command using it (the state file then removed, the locks kept until
    exit: a command waits and starts a new server), or no longer findable."""
    activity = _activity[0] if _activity else None
    if activity is None or activity.open:
        return False
    if not _names_me(home):
        return True
    if activity.idle_for() < idle:
        return False
    lock = _try_lock(home / LOCK)
    if lock is None:
        return False
    users = _try_lock(home / USERS)
    if users is None or activity.idle_for() < idle:
        lock.close()
        if users is not None:
            users.close()
        return False
    with suppress(FileNotFoundError):
        (home / STATE).unlink()
    _held.extend([lock, users])  # released when the process exits
    return True


_held: list[IO[str]] = []


def _watch(home: Path, idle: float) -> None:
    while not _time_to_stop(home, idle):
        time.sleep(WATCH_SECONDS)
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} omreview: the resident Prefect server stops (idle)", flush=True)
    os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's graceful shutdown


def serve(home: Path, port: int, idle: float) -> None:
    """Run the server (what ``ResidentServer`` launches); remove the state file when it ends."""
    import uvicorn

    _write_state(home, State(pid=os.getpid(), port=port, prefect=_prefect_version(), home=str(home)))
    threading.Thread(target=_watch, args=(home, idle), daemon=True, name="idle-watch").start()
    try:
        # the app itself, not an import string: this module runs as __main__, whose watcher reads _activity
        uvicorn.run(app(), host="127.0.0.1", port=port, log_level="error", lifespan="on")
    finally:
        if _names_me(home):
            with suppress(FileNotFoundError):
                (home / STATE).unlink()


def _home_of(given: str) -> Path:
    """A Prefect home given as itself or as the output folder holding ``.prefect``."""
    path = Path(given)
    return path / ".prefect" if (path / ".prefect").is_dir() else path


def main(argv: list[str]) -> int:
    """``serve HOME PORT IDLE`` (the server), ``stop OUT`` or ``status OUT`` (OUT: the output folder or the home)."""
    if len(argv) == 4 and argv[0] == "serve":
        serve(Path(argv[1]), int(argv[2]), float(argv[3]))
        return 0
    if len(argv) == 2 and argv[0] in ("stop", "status"):
        home = _home_of(argv[1])
        state = stop(home) if argv[0] == "stop" else live(home)
        runner = handoff.stop(home) if argv[0] == "stop" else handoff.read_pid(home)
        verb = "stopped" if argv[0] == "stop" else "runs"
        print(f"the local Prefect server of {home} {verb}: pid {state.pid}, {state.api_url}" if state else
              f"no local Prefect server of {home} runs")
        print(f"the warm runner of {home} {verb}: pid {runner}" if runner else f"no warm runner of {home} runs")
        return 0
    print("usage: python -m omreview.flows.resident stop|status OUT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
