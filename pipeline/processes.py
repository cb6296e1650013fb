"""Small helpers for the child processes omreview starts (document workers, the local Prefect server),
and how a command is stopped (Ctrl-C, SIGTERM).

Stopping. ``omreview run`` and ``batch`` run their flow in a thread of their own (``run_stoppable``) while
the main thread only waits, with handlers for SIGINT and SIGTERM (``stop_on_signals``). A terminal's
Ctrl-C, ``timeout`` and systemd signal the whole process group: the command, its local Prefect server
and its reading processes at once. On the first signal the handler marks the command as stopping,
kills the reading processes (what they were reading is abandoned: nothing of it is stored) and raises
``Interrupted`` in the main thread; the command then winds down within ``stop_seconds()``: the flow
notices (``check_stop``) and ends without writing an ``error.log``, a report being stored is left to
finish, and whatever is still running when the time is up is abandoned (the process exits with
``os._exit``: no Prefect client is left waiting for a server that died with the signal). A second
signal exits at once. Reading processes ignore SIGINT (Ctrl-C is for the command); a SIGTERM that
kills one while the command stops is the stop, not a crash of the reader on its file
(``ended_by_stop``).
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn, Protocol, TypeVar

STOP_ENV = "OMREVIEW_STOP_SECONDS"
STOP_SECONDS = 8.0  # from the signal to the exit (the bound is 10 s)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# a child that died of one of these while the command stops died of the stop (the group's signal)
_TERMINATING = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
_ORPHAN_GRACE = 1.0  # how long a reader killed by a group signal waits for the command's own handler

T = TypeVar("T")


class Child(Protocol):
    """A child process as ``kill_on_stop`` uses it (a ``subprocess.Popen``, or a forked reading process)."""

    pid: int

    def kill(self) -> None: ...


def name_process(title: str) -> None:
    """This process's name in ``ps``/``top`` (``/proc/PID/comm``, at most 15 bytes), e.g. a forked one's."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(15, title.encode()[:15], 0, 0, 0)  # PR_SET_NAME


def runs_module(pid: int, module: str, home: Path) -> bool:
    """Whether process ``pid`` is ``python -m module`` started for ``home`` (both on its command line)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return module.encode() in argv and os.fsencode(str(Path(home).resolve())) in argv


def child_stdout() -> int:
    """Where a child's stdout goes: our stderr when it has a file descriptor (keeps our stdout clean), else nowhere."""
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return subprocess.DEVNULL


@contextlib.contextmanager
def start_with_sigint_blocked() -> Iterator[None]:
    """Children started in the block (from this thread) begin with SIGINT blocked, until they ignore it
    (``ignore_sigint``): a Ctrl-C that reaches them while their interpreter starts is not theirs either."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def ignore_sigint() -> None:
    """In a child: Ctrl-C is for the command, which stops its children (a pending one is dropped)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


# --- stopping --------------------------------------------------------------------------------------


class Interrupted(BaseException):
    """The command was asked to stop (SIGINT or SIGTERM). A BaseException, like KeyboardInterrupt: no
    ``except Exception`` takes it for an applicant's failure."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # what a shell reports for a process killed by the signal: 130, 143


class _StopState:
    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum: int | None = None
        self.at = 0.0  # time.monotonic() of the first signal
        self.children: dict[int, Child] = {}  # killed on the first signal
        self.last_words: Callable[[], str] | None = None  # the line printed if a second signal forces the exit
        self.flow_thread: threading.Thread | None = None  # the thread of run_stoppable that was interrupted
        self.over = threading.Event()  # the command's stop_on_signals was left: no watchdog is to fire


_state = _StopState()


def stopping() -> bool:
    """Whether the command was asked to stop."""
    return _state.event.is_set()


def stop_signal() -> int | None:
    """The signal the command was asked to stop by (``None``: it was not)."""
    return _state.signum


def check_stop() -> None:
    """Raise ``Interrupted`` if the command was asked to stop (at a point where stopping is clean)."""
    if _state.signum is not None:
        raise Interrupted(_state.signum)


def stop_seconds() -> float:
    """How long a stop may take, from the signal to the exit (``$OMREVIEW_STOP_SECONDS``, default 8)."""
    try:
        return max(1.0, float(os.environ.get(STOP_ENV) or STOP_SECONDS))
    except ValueError:
        return STOP_SECONDS


def stop_deadline() -> float:
    """The ``time.monotonic()`` by which a stopping command exits."""
    return _state.at + stop_seconds()


def kill_on_stop(proc: Child) -> None:
    """Kill ``proc`` (a reading process) as soon as the command is asked to stop."""
    _state.children[proc.pid] = proc
    if stopping():
        _kill(proc)


def forget_child(proc: Child) -> None:
    _state.children.pop(proc.pid, None)


def _kill(proc: Child) -> None:
    with contextlib.suppress(OSError):
        proc.kill()  # nothing if it was reaped already (Popen.send_signal polls first)


def ended_by_stop(returncode: int | None) -> bool:
    """Whether a child that ended with ``returncode`` ended because the command is stopping.

    The group's signal reaches a child and the command at once; the command's handler may run a
    moment later than the child dies, so a child killed by a terminating signal waits for it briefly.
    """
    if stopping():
        return True
    if returncode is not None and returncode < 0 and -returncode in _TERMINATING:
        return _state.event.wait(_ORPHAN_GRACE)
    return False


def request_stop(signum: int) -> None:
    """Mark the command as stopping, kill the processes registered with ``kill_on_stop`` and log nothing more.

    The command ends in one line of its own: what its threads still log while they wind down (task
    runs finishing, Prefect's clients failing to reach a server the signal stopped, for minutes) is
    of no use to the person who stopped it.
    """
    # quiet first: a thread that sees the stop (check_stop, from signum on) and ends logs nothing of it
    logging.disable(logging.CRITICAL)
    logging.raiseExceptions = False  # Prefect's API log worker writes its failures to stderr unless this is off
    if _state.signum is None:
        _state.signum, _state.at = signum, time.monotonic()
        state = _state
        threading.Thread(target=_watchdog, args=(state,), name="omreview-stop-watchdog", daemon=True).start()
    _state.event.set()
    for proc in list(_state.children.values()):
        _kill(proc)


def _watchdog(state: _StopState) -> None:
    """Whatever the wind-down is stuck in, the process ends a second after the stop deadline."""
    if not state.over.wait(max(0.0, state.at + stop_seconds() + 1.0 - time.monotonic())):
        exit_now(128 + (state.signum or signal.SIGTERM), state.last_words() if state.last_words else "interrupted")


def _handle(signum: int, _frame: FrameType | None) -> None:
    if _state.signum is not None:  # a second signal: at once
        exit_now(128 + _state.signum, _state.last_words() if _state.last_words else "interrupted")
    request_stop(signum)
    raise Interrupted(signum)


@contextlib.contextmanager
def stop_on_signals(last_words: Callable[[], str] | None = None) -> Iterator[None]:
    """SIGINT and SIGTERM raise ``Interrupted`` in the main thread (see the module's docstring).

    ``last_words`` gives the line printed if a second signal forces the exit. Outside the main thread
    (no signal can be handled there) this does nothing.
    """
    global _state
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _state = _StopState()
    _state.last_words = last_words
    previous = {signum: signal.signal(signum, _handle) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _state.over.set()
        if _state.event.is_set():  # a process running several commands (the tests) starts the next one afresh
            logging.disable(logging.NOTSET)
            logging.raiseExceptions = True
        _state = _StopState()


def run_stoppable(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in a thread of its own (with this thread's context), this thread waiting.

    So a signal is handled by a thread that is only waiting, never in the middle of the flow's or
    Prefect's code. After ``Interrupted`` the command gives the thread some time to end
    (``wait_for_flow``); it is a daemon thread, abandoned if it does not.
    """
    context = contextvars.copy_context()
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(context.run(fn, *args, **kwargs))
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target, name="omreview-flow", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.2)
    except Interrupted:
        _state.flow_thread = thread
        raise
    if error:
        raise error[0]
    return result[0]


def wait_for_flow(deadline: float, give_up: Callable[[], bool] = lambda: False) -> bool:
    """After ``Interrupted``: wait until the flow's thread ended, ``deadline`` passed or ``give_up()``;
    whether it ended."""
    thread = _state.flow_thread
    while thread is not None and thread.is_alive() and time.monotonic() < deadline and not give_up():
        thread.join(0.05)
    return thread is None or not thread.is_alive()


def exit_now(code: int, line: str) -> NoReturn:
    """Print ``line`` on stderr and end the process at once (no exit hooks: nothing is left to wait for)."""
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    with contextlib.suppress(OSError):
        os.write(2, f"{line}\n".encode())
    os._exit(code)
