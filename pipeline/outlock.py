"""One command at a time writing to an output folder: an exclusive lock on ``OUT/.omreview.lock``.

Two batches into one folder would both review everything, race on each report and on the results
store, and the last ``batch.json`` would win. ``omreview run`` and ``batch`` hold this lock from
before their Prefect server starts until they exit; a second one into the same folder refuses at
once in one line naming the holder (pid, command, start time), or waits for it with ``--wait``.

The lock is ``flock`` on the file, held by an open file descriptor: the kernel releases it when the
process ends however it ends (a SIGKILL, a crash), so it never outlives its holder, and a lock file
left behind blocks nobody. The file is never deleted (another command may hold it open); its
contents only say who holds it. Its descriptor is not inherited by child processes (Python opens
files non-inheritable), so a reading process or a Prefect server cannot keep it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from omreview.errors import InputError

LOCK_NAME = ".omreview.lock"
WAIT_POLL_SECONDS = 0.5  # how often --wait tries again (a signal is handled at once meanwhile)
_HELD: dict[str, int] = {}  # lock files this process holds (resolved path -> depth): a flow run by a command
_HELD_GUARD = threading.Lock()  # that holds the lock takes it again without blocking on itself


class Busy(InputError):
    """Another omreview command is writing to the folder (a user's matter: exit status 2)."""


def lock_path(out: Path) -> Path:
    return Path(out) / LOCK_NAME


@contextmanager
def hold(out: Path, command: str, wait: bool = False, on_wait: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold the output folder's lock for the block (``out`` is created if needed); the lock file's path.

    Held by another process: ``Busy`` at once, or with ``wait`` a call of ``on_wait`` with the holder's
    description, then a new try every ``WAIT_POLL_SECONDS`` until it is free. Held by this process
    already (``omreview batch`` holds it, then runs the batch flow, which takes it too, as a scheduled
    run of ``omreview serve`` must): the block runs at once.
    """
    path = lock_path(out)
    key = str(path.resolve())
    with _HELD_GUARD:
        nested = key in _HELD
        if nested:
            _HELD[key] += 1
    if nested:
        try:
            yield path
        finally:
            with _HELD_GUARD:
                _HELD[key] -= 1
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise InputError(f"cannot create the lock file {path} ({exc.strerror}): make {path.parent} writable "
                         "or choose another --out") from exc
    try:
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(fd)
                if not wait:
                    raise Busy(f"another {holder} is writing to {out}; wait for it (or add --wait) or choose "
                               "another --out") from None
                if not told and on_wait is not None:
                    on_wait(f"another {holder} is writing to {out}; waiting for it to end")
                    told = True
                time.sleep(WAIT_POLL_SECONDS)
        _write_holder(fd, command)
        with _HELD_GUARD:
            _HELD[key] = 1
        try:
            yield path
        finally:
            with _HELD_GUARD:
                del _HELD[key]
            with suppress(OSError):
                os.ftruncate(fd, 0)  # nobody holds it now
    finally:
        os.close(fd)  # releases the lock


def _write_holder(fd: int, command: str) -> None:
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    text = json.dumps({"pid": os.getpid(), "command": command, "started": started})
    os.ftruncate(fd, 0)
    os.pwrite(fd, text.encode(), 0)


def _holder(fd: int) -> str:
    """Who holds the lock, for a message: ``omreview batch (pid 123, started 2012-06-01T02:00:00+08:00)``."""
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        info = {}
    if not isinstance(info, dict) or "pid" not in info:
        return "omreview command"  # it took the lock a moment ago and has not written its name yet
    return f"omreview {info.get('command', 'command')} (pid {info['pid']}, started {info.get('started', '?')})"
