"""Read each document in a worker process with hard limits on memory and wall-clock time.

``IsolatedReader(reader).read(pf, rules)`` behaves like ``read_document`` but runs it in a worker
process whose address space is capped (``RLIMIT_AS`` = ``limits.max_document_memory_mb``) and
which is stopped after ``limits.max_document_seconds``. Running out of memory, overrunning the
time or the worker dying (a crash in a C library) become ``Extraction.failed(...)``; the worker is
replaced at once and the next document reads normally. A bug (any other exception) is raised in
the caller as it would be in-process, with the worker's traceback attached as a note.

The worker is a fresh interpreter (``subprocess`` + a socket pair carrying pickles), reused
across documents: the per-document cost is one pickled round trip; a (re)start costs about one
second of imports, overlapped with the caller's work. Unlike ``multiprocessing``'s spawn and
forkserver children, it never re-imports the caller's ``__main__`` (a script without the
``if __name__ == "__main__"`` guard would re-run itself in every worker), and starting it is safe
in a threaded caller. One ``IsolatedReader`` reads one document at a time (a lock serialises
callers). ``reader_pool()`` is the process's one pool of them, which every caller reads through:
each concurrent read gets a reader of its own, and idle readers are reused.

``start_readers_by_fork`` (``omreview run`` and ``batch``, the warm runner's runs) starts workers as forks of
the caller instead, while it has one thread: the readers are imported there already, so a worker is ready at
once; it then closes every file of the caller's but its socket and takes the same limits.

When the command is stopped (``omreview.processes``: Ctrl-C, SIGTERM) its workers are killed and a
reading in progress raises ``Interrupted``: the document is abandoned, never reported as a reader
crash on its file (which a worker killed by the process group's SIGTERM would otherwise look like).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import os
import pickle
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, cast

from omreview.extractors.contract import Extraction
from omreview.extractors.registry import read_document
from omreview.packet import PacketFile
from omreview.processes import (
    Interrupted,
    check_stop,
    child_stdout,
    ended_by_stop,
    forget_child,
    ignore_sigint,
    kill_on_stop,
    name_process,
    start_with_sigint_blocked,
)
from omreview.rules import Rules, default_rules

Reader = Callable[[PacketFile, Rules], Extraction]

# imported by the worker before it reports ready, so the first document does not pay for them
_PRELOAD = ("omreview.extractors.registry", "omreview.extractors.office.container", "omreview.extractors.pdf.guard",
            "omreview.extractors.pdf.statement", "omreview.extractors.office.form", "omreview.extractors.office.roster",
            "pdfplumber", "pypdfium2", "docx", "openpyxl")
_START_SECONDS = 60.0  # a worker that cannot start within this is broken
_STOP_SECONDS = 5.0
_WORKER_CODE = "import sys; from omreview.extractors.isolate import _worker_main; _worker_main(*map(int, sys.argv[1:]))"


class IsolatedReader:
    """A reusable worker process reading one document at a time under memory and time limits."""

    def __init__(self, reader: Reader = read_document) -> None:
        self._reader = reader
        self._lock = threading.Lock()
        self._worker: _Worker | None = None

    def read(self, pf: PacketFile, rules: Rules | None = None) -> Extraction:
        rules = rules or default_rules()
        check_stop()  # the command is stopping: no new reading
        if pf.error:  # nothing to open: no need for a process
            return Extraction.failed(pf.error)
        limits = rules.limits
        with self._lock:
            worker = self._worker
            if worker is None or worker.memory_mb != limits.max_document_memory_mb or not worker.alive():
                self.close()
                worker = self._worker = _Worker(limits.max_document_memory_mb)
            try:
                return worker.read(pf, rules, self._reader, limits.max_document_seconds)
            except _WorkerLost as lost:
                self.close(kill=True)
                self._worker = _Worker(limits.max_document_memory_mb)  # starts while the caller goes on
                return Extraction.failed(lost.reason)

    def start(self, memory_mb: int) -> None:
        """Start the worker now (if none runs) without waiting for it: its imports overlap the caller's work."""
        with self._lock:
            if self._worker is None:
                self._worker = _Worker(memory_mb)

    def close(self, kill: bool = False) -> None:
        """Stop the worker; a new one starts on the next read."""
        if self._worker is not None:
            self._worker.stop(kill)
            self._worker = None

    def __enter__(self) -> IsolatedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ReaderPool:
    """Reading processes shared by threads: each read takes an idle ``IsolatedReader`` (starting one
    only when all are busy) and gives it back, so a reader serves one thread at a time, there are
    never more readers than concurrent reads, and they stay warm from one read (or flow run) to the next.
    With ``limits.isolate_documents`` off, ``read`` is ``read_document`` in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[IsolatedReader] = []
        self._readers: list[IsolatedReader] = []

    def read(self, pf: PacketFile, rules: Rules | None = None) -> Extraction:
        rules = rules or default_rules()
        if not rules.limits.isolate_documents:
            return read_document(pf, rules)
        with self._lock:
            reader = self._idle.pop() if self._idle else None
            if reader is None:
                reader = IsolatedReader()
                self._readers.append(reader)
        try:
            return reader.read(pf, rules)
        finally:
            with self._lock:
                if reader in self._readers:  # not closed meanwhile
                    self._idle.append(reader)

    def prestart(self, count: int, rules: Rules | None = None) -> None:
        """Start reading processes until the pool holds ``count``, idle, without waiting for them: their imports
        overlap the caller's (``omreview run`` importing Prefect). Nothing if documents are read in-process."""
        rules = rules or default_rules()
        if not rules.limits.isolate_documents:
            return
        with self._lock:
            while len(self._readers) < count:
                reader = IsolatedReader()
                reader.start(rules.limits.max_document_memory_mb)
                self._readers.append(reader)
                self._idle.append(reader)

    @property
    def size(self) -> int:
        """How many reading processes the pool holds (busy or idle)."""
        return len(self._readers)

    def close(self) -> None:
        """Stop every reading process (a later read starts a new one)."""
        with self._lock:
            readers, self._readers, self._idle = self._readers, [], []
        for reader in readers:
            reader.close()


_POOL = ReaderPool()
atexit.register(_POOL.close)


def reader_pool() -> ReaderPool:
    """The process's one pool of reading processes: ``reader_pool().read(pf, rules)`` reads a document
    under ``limits.max_document_*`` (the plain review, the flows' tasks, the benchmarks);
    ``reader_pool().close()`` stops its processes."""
    return _POOL


class _WorkerLost(Exception):
    """The worker ran out of memory, overran its time or died; ``reason`` is for the report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Worker:
    """The parent's side of one worker process."""

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self._rules: Rules | None = None  # the rules the worker holds; sent only when they change
        ours, theirs = socket.socketpair()
        self._proc: subprocess.Popen[bytes] | _Forked
        with theirs, start_with_sigint_blocked():
            if _may_fork():
                self._proc = _Forked.start(theirs.fileno(), memory_mb)
            else:
                self._proc = subprocess.Popen(
                    [sys.executable, "-c", _WORKER_CODE, str(theirs.fileno()), str(memory_mb)],
                    pass_fds=(theirs.fileno(),),
                    stdin=subprocess.DEVNULL,
                    stdout=child_stdout(),
                )
        kill_on_stop(self._proc)  # what it reads when the command is stopped is abandoned
        self._conn = Connection(ours.detach())
        self._conn.send(list(sys.path))  # so the worker can import what the caller can (e.g. a test's reader)
        self._ready = False

    def alive(self) -> bool:
        return self._proc.poll() is None

    def read(self, pf: PacketFile, rules: Rules, reader: Reader, seconds: float) -> Extraction:
        if not self._ready:
            self._receive(_START_SECONDS, starting=True)
            self._ready = True
        try:
            self._conn.send((pf, None if rules is self._rules else rules, reader))
        except OSError:  # the worker died while idle
            raise self._lost(self._reap()) from None
        self._rules = rules
        status, payload = self._receive(seconds, starting=False)
        if status == "ok":
            return cast(Extraction, payload)  # unpickled from the pipe (typed Any): the worker's Extraction
        if status == "memory":
            raise _WorkerLost(f"reading needed more than the {self.memory_mb:,} MB memory limit; not read")
        raise payload  # a bug in the reader, raised as it would be in-process

    def _receive(self, seconds: float, starting: bool) -> tuple[str, Any]:
        try:
            if self._conn.poll(seconds):
                return cast(tuple[str, Any], self._conn.recv())  # recv() is Any: the worker sends (status, payload)
        except (EOFError, OSError):
            returncode = self._reap()
            if ended_by_stop(returncode):  # killed by the command's stop (or the group's signal): not the file's fault
                raise _stopped() from None
            if starting:
                raise RuntimeError(f"the reading process failed to start (exit code {returncode})") from None
            raise _WorkerLost(_death_reason(returncode)) from None
        if starting:
            raise RuntimeError(f"the reading process did not start within {seconds:.0f} s")
        raise _WorkerLost(f"reading took longer than the {seconds:,g} s limit; the reading was stopped")

    def _lost(self, returncode: int) -> BaseException:
        return _stopped() if ended_by_stop(returncode) else _WorkerLost(_death_reason(returncode))

    def stop(self, kill: bool) -> None:
        if not kill:
            with contextlib.suppress(OSError, ValueError):  # the worker may be gone already
                self._conn.send(None)
        self._conn.close()
        self._reap(0 if kill else _STOP_SECONDS)

    def _reap(self, seconds: float = _STOP_SECONDS) -> int:
        """Wait for the worker to exit (killing it after ``seconds``); its return code."""
        try:
            return self._proc.wait(seconds)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            return self._proc.wait()
        finally:
            if self._proc.returncode is not None:
                forget_child(self._proc)


_by_fork = False
_FORK_BLOCKED = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def start_readers_by_fork() -> None:
    """Start reading processes by forking this one (the warm runner's run, ``omreview.flows.warm``: the readers
    are imported already, so a reader is ready at once instead of after a second of imports). Only while this
    process has one thread (forking a threaded process is unsafe): later, a fresh interpreter as usual."""
    global _by_fork
    _by_fork = True


def _may_fork() -> bool:
    return _by_fork and threading.active_count() == 1


class _Forked:
    """A reading process forked from this one: what ``_Worker`` and ``omreview.processes`` use of ``Popen``."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    @classmethod
    def start(cls, fd: int, memory_mb: int) -> _Forked:
        # no stop signal is handled while forking: the command's handler raising in the middle of the interpreter's
        # fork hooks (logging's lock) would leave them half done; a signal that comes meanwhile is handled after
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _FORK_BLOCKED)
        pid = os.fork()
        if pid != 0:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            return cls(pid)
        code = 1  # the reader: the command's stop handlers and files are not its own
        try:
            gc.freeze()  # the command's objects are never collected here (their files are closed below)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGHUP, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGHUP})  # SIGINT: ignore_sigint
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(child_stdout(), 1)
            os.closerange(3, fd)
            os.closerange(fd + 1, os.sysconf("SC_OPEN_MAX"))
            name_process("omreview read")
            _worker_main(fd, memory_mb)
            code = 0
        finally:
            os._exit(code)

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                done, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                done, status = self.pid, 0
            if done == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"reader {self.pid}", timeout or 0.0)
            time.sleep(0.005)
        return cast(int, self.returncode)

    def kill(self) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)


def _stopped() -> Interrupted:
    """The reading abandoned because the command is stopping."""
    try:
        check_stop()
    except Interrupted as exc:
        return exc
    return Interrupted(signal.SIGTERM)  # a child killed by the group's signal, the command's handler not run yet


def _death_reason(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        if -returncode == signal.SIGKILL:
            return "the reading process was killed (probably for using too much memory); not read"
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"the reader crashed on this file ({name}); not read"
    return f"the reading process stopped unexpectedly (exit code {returncode}); not read"


# --- the worker's side ---------------------------------------------------------------------------


def _worker_main(fd: int, memory_mb: int) -> None:
    """Cap the address space, preload the readers, then read documents until told to stop."""
    limit = memory_mb * 1_048_576
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    ignore_sigint()  # Ctrl-C is for the caller, which then stops the worker
    conn = Connection(fd)
    with contextlib.suppress(EOFError, BrokenPipeError, ConnectionResetError):  # the caller has gone: just stop
        sys.path[:] = conn.recv()
        for name in _PRELOAD:
            with contextlib.suppress(ImportError):  # a broken reader module fails when it is used, as a bug
                importlib.import_module(name)
        conn.send(("ready", None))
        _serve(conn)


def _serve(conn: Connection) -> None:
    rules: Rules | None = None
    while True:
        raw = conn.recv_bytes()
        out_of_memory = False
        try:
            message = pickle.loads(raw)
            if message is None:
                return
            pf, new_rules, reader = message
            if new_rules is not None:
                rules = new_rules
            conn.send(("ok", reader(pf, rules)))
        except MemoryError:
            out_of_memory = True  # reported below, once the frames holding the memory are gone
        except Exception as exc:
            conn.send(("bug", _portable(exc)))
        if out_of_memory:
            conn.send(("memory", None))
            return  # the heap may be fragmented or half-built: start afresh


def _portable(exc: Exception) -> Exception:
    """``exc`` with the worker's traceback as a note, or a ``RuntimeError`` carrying it if it cannot be pickled."""
    tb = "".join(traceback.format_exception(exc))
    try:
        exc.add_note(f"raised in the reading process:\n{tb}")
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"the reader failed in the reading process:\n{tb}")
