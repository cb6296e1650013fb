"""The warm runner: a process with Prefect and omreview imported that runs each ``omreview run`` handed to it
in a forked copy of itself (the client's side, and why: ``omreview.handoff``).

``start`` launches it (``python -m omreview.runner HOME IDLE``, in a session of its own, its output in
``HOME/runner.log``) at the end of an ``omreview run`` that went without it; it imports what a run needs,
then listens on the abstract socket of its home and writes ``HOME/runner.json`` (its pid). For each
command handed over it checks the user, the code and the environment (``omreview.handoff``), forks, and
sends the command its run's pid and, when the run ends, its exit status. The forked run:

- takes the command's standard input, output and error, working directory and environment;
- starts its reading processes by forking too (``omreview.extractors.isolate.start_readers_by_fork``): they
  have the readers imported already, under the same memory and time limits;
- then runs ``omreview.cli`` with the command's arguments, as the command would have (the output folder's
  lock, the resident Prefect server, the flow, the report and the store), and exits as Python exits.

A command that goes away without its run's exit status (killed) has its run stopped (SIGTERM: the run winds
down as a stopped command does). The runner stops when it has run nothing for the idle time
(``$OMREVIEW_LOCAL_SERVER_IDLE``), when a command finds its code stale, on SIGTERM (its runs are sent
SIGTERM first) and when ``HOME/runner.json`` no longer names it (``python -m omreview.flows.resident stop OUT``
stops it with the server).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import selectors
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any, cast

from omreview import handoff
from omreview.processes import name_process

TICK = 0.25  # how often the runner reaps its runs and looks whether it is idle
# imported before the runner listens: what a run and its readers would import
_PRELOAD = ("omreview.cli", "omreview.flows.local", "omreview.flows.resident", "omreview.flows.tasks",
            "omreview.flows.applicant", "omreview.extractors.isolate", "omreview.extractors.office.container",
            "omreview.extractors.pdf.guard", "omreview.extractors.pdf.statement", "omreview.extractors.office.form",
            "omreview.extractors.office.roster", "omreview.store", "pdfplumber", "pypdfium2", "docx", "openpyxl",
            "fastapi.encoders")  # (Prefect's flow engine imports it for the parameters of each run)


class _Runner:
    def __init__(self, home: Path, idle: float, stamp: str, fingerprint: str) -> None:
        self.home, self.idle, self.pid = home, idle, os.getpid()
        self.stamp, self.fingerprint = stamp, fingerprint
        self.runs: dict[int, socket.socket] = {}  # run pid -> the command waiting for it
        self.last = time.monotonic()
        self.stale = False
        self.stopping = False
        self.selector = selectors.DefaultSelector()

    def names_me(self) -> bool:
        return handoff.read_pid(self.home) == self.pid

    def done(self) -> bool:
        if self.runs:
            return False
        return (self.stale or self.stopping or not self.names_me()
                or time.monotonic() - self.last >= self.idle)

    def serve(self, listener: socket.socket) -> int | None:
        """Hand-overs until done; in a forked run, the run's exit status (the runner itself: ``None``)."""
        self.selector.register(listener, selectors.EVENT_READ)
        while not self.done():
            for key, _ in self.selector.select(TICK):
                if key.fileobj is listener:
                    conn, _ = listener.accept()
                    code = self.take(conn, listener)
                    if code is not None:
                        return code
                else:
                    self.lost(key.fileobj)  # type: ignore[arg-type]  # a registered command's socket
            self.reap()
        return None

    def take(self, conn: socket.socket, listener: socket.socket) -> int | None:
        """One command handed over: refused, or forked (in the fork: the run's exit status)."""
        conn.settimeout(handoff.REPLY_SECONDS)
        fds: list[int] = []
        try:
            if handoff.peer_uid(conn) != os.getuid():
                conn.close()
                return None
            header, fds = handoff.recv_frame(conn, max_fds=3)
            refusal = self.refusal(header, fds)
            if refusal:
                handoff.send_frame(conn, {"refused": refusal})
                raise OSError(refusal)
            pid = os.fork()
            if pid == 0:
                self.selector.close()
                return _run(header, fds, [listener, conn, *self.runs.values()])
            self.runs[pid] = conn
            handoff.send_frame(conn, {"pid": pid})
            conn.settimeout(None)
            self.selector.register(conn, selectors.EVENT_READ)
            print(f"{_now()} run {pid} started", flush=True)
        except (OSError, EOFError, ValueError) as exc:
            print(f"{_now()} a command not taken: {exc}", flush=True)
            if conn not in self.runs.values():
                conn.close()
        finally:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
        return None

    def refusal(self, header: dict[str, Any], fds: list[int]) -> str:
        if len(fds) != 3 or not isinstance(header.get("argv"), list) or not isinstance(header.get("env"), dict):
            return "a malformed hand-over"
        if header.get("stamp") != self.stamp:
            self.stale = True
            return "the code changed since the runner started"
        if header.get("fingerprint") != self.fingerprint or handoff.env_fingerprint(header["env"]) != self.fingerprint:
            return "another environment"
        return ""

    def lost(self, conn: socket.socket) -> None:
        """A command's socket is readable: it went away (nothing else is sent); its run is stopped."""
        for pid, sock in self.runs.items():
            if sock is conn:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
        self.selector.unregister(conn)

    def reap(self) -> None:
        for pid in list(self.runs):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not ours to wait for any more: gone
                done, status = pid, 1 << 8
            if done != pid:
                continue
            conn = self.runs.pop(pid)
            code = os.waitstatus_to_exitcode(status)
            code = 128 - code if code < 0 else code  # killed by a signal: as a shell reports it
            with contextlib.suppress(OSError):
                handoff.send_frame(conn, {"exit": code})
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(conn)
            conn.close()
            self.last = time.monotonic()
            print(f"{_now()} run {pid} ended: exit status {code}", flush=True)

    def stop_runs(self, signum: int, _frame: object) -> None:
        self.stopping = True
        for pid in self.runs:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


def _run(header: dict[str, Any], fds: list[int], inherited: list[socket.socket]) -> int:
    """In the fork: become the command and run it; its exit status."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sock in inherited:  # the runner's: the listening socket, the commands' connections
        sock.close()
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    fds.clear()
    os.chdir(header["cwd"])
    os.environ.clear()
    os.environ.update(header["env"])
    time.tzset()
    sys.argv = list(header["argv"])
    cast(io.TextIOWrapper, sys.stdout).reconfigure(line_buffering=os.isatty(1))
    name_process("omreview run")
    from omreview import cli
    from omreview.extractors.isolate import start_readers_by_fork

    start_readers_by_fork()
    handoff.remember_env()
    cli.fresh_consoles()
    try:
        cli.app(prog_name="omreview")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def main(argv: list[str]) -> int:
    """``HOME IDLE``: import, listen, run what is handed over until done."""
    if len(argv) != 2:
        print("usage: python -m omreview.runner HOME IDLE", file=sys.stderr)
        return 2
    home, idle = Path(argv[0]).resolve(), float(argv[1])
    # what it will run: the code and environment before anything is imported (an import may set a variable)
    stamp, fingerprint = handoff.code_stamp(), handoff.env_fingerprint(os.environ)
    for name in _PRELOAD:
        importlib.import_module(name)
    from omreview.rules import default_rules

    default_rules()  # parsed once (the rules file is in the code stamp)
    runner = _Runner(home, idle, stamp, fingerprint)
    signal.signal(signal.SIGTERM, runner.stop_runs)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        try:
            listener.bind(handoff.address(home))
        except OSError:
            print(f"{_now()} another runner of {home} listens; this one ends", flush=True)
            return 0
        listener.listen(16)
        tmp = home / f".{handoff.STATE}.{os.getpid()}"
        tmp.write_text(json.dumps({"pid": os.getpid()}), encoding="utf-8")
        os.replace(tmp, home / handoff.STATE)
        print(f"{_now()} the runner of {home} listens (pid {os.getpid()})", flush=True)
        try:
            code = runner.serve(listener)
        finally:
            if os.getpid() == runner.pid and runner.names_me():
                with contextlib.suppress(FileNotFoundError):
                    (home / handoff.STATE).unlink()
    if code is not None:  # the forked run: it ends as the command would
        return code
    print(f"{_now()} the runner stops ({'stale code' if runner.stale else 'idle or told to'})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
