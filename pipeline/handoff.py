"""``omreview run`` handed to the warm runner of its Prefect home: the client's side, and the runner's start
and stop (``omreview.runner`` is the runner).

A review of one text-layer applicant takes well under a second; a fresh ``omreview run`` spent most
of its time importing Prefect and omreview and starting its reading processes. The warm runner is a
process that has done all that once: the first ``omreview run`` of an output folder starts it (beside
the resident Prefect server, and with the same idle time, ``$OMREVIEW_LOCAL_SERVER_IDLE``), and a
later ``omreview run`` into the same folder hands it its command line. The runner forks a copy of
itself that runs exactly what the command would have run (the same code of ``omreview.cli``: the
output folder's lock, the flow, the report, the store), with the command's working directory,
environment, standard input, output and error (passed over the socket), and the client waits for its
exit status and forwards Ctrl-C and SIGTERM to it. What a person sees is the same, sooner.

Nothing here imports more than the standard library (and omreview.processes, which does no more): this runs
before anything else is imported.
The runner is used only when it is certain to behave as a fresh command would:

- it listens on an abstract Unix socket named after the Prefect home, and each side checks that the
  other runs as the same user (``SO_PEERCRED``);
- its code must be the installed code as it is now (``code_stamp``: the package's files, their sizes
  and times), else it refuses and stops;
- the environment it imported Prefect and omreview with must equal the command's in what those read
  at import time (``env_fingerprint``: ``PREFECT_*``, ``OMREVIEW_*``, locale, time zone, paths),
  else it refuses and the command runs as before.

Any refusal, or no runner, and the command runs by itself as before (``omreview.cli``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from omreview.processes import runs_module

HOME_ENV = "OMREVIEW_PREFECT_HOME"  # where a command's Prefect keeps its database (default OUT/.prefect)
IDLE_ENV = "OMREVIEW_LOCAL_SERVER_IDLE"  # the resident server's and the runner's idle time (0: neither)
STATE = "runner.json"  # in the Prefect home: the runner's pid, written once it listens
LOG = "runner.log"  # in the Prefect home: the runner's output
MODULE = "omreview.runner"
REPLY_SECONDS = 10.0  # a runner that does not answer the hand-over within this is passed by
_ENV_PREFIXES = ("PREFECT_", "OMREVIEW_", "LC_", "PYTHON")
_ENV_KEYS = ("TZ", "LANG", "LANGUAGE", "HOME", "PATH", "TMPDIR")
_CODE_SUFFIXES = (".py", ".yaml", ".json")
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_started_env: dict[str, str] | None = None


def remember_env() -> None:
    """Keep the environment the command started with (what a runner it starts is to import with)."""
    global _started_env
    if _started_env is None:
        _started_env = dict(os.environ)


def started_env() -> dict[str, str] | None:
    """The environment ``omreview`` started with, if it was started as the console command (else ``None``:
    a command run in-process, by a test, starts no runner)."""
    return None if _started_env is None else dict(_started_env)


def address(home: Path) -> str:
    """The abstract socket name of the runner of Prefect home ``home`` (resolved)."""
    return "\0omreview-run-" + hashlib.sha256(os.fsencode(str(home))).hexdigest()[:40]


def env_fingerprint(env: Mapping[str, str]) -> str:
    """What of ``env`` the runner's imports may have read, and the interpreter, as one digest."""
    digest = hashlib.sha256(f"{sys.executable}\0{sys.version}\0".encode())
    for key in sorted(k for k in env if k.startswith(_ENV_PREFIXES) or k in _ENV_KEYS):
        digest.update(f"{key}={env[key]}\0".encode(errors="surrogateescape"))
    return digest.hexdigest()


def code_stamp() -> str:
    """The package's code and data files as installed now (relative path, size, modification time), as one
    digest: a runner started before a file changed is stale."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    todo = [root]
    while todo:
        folder = todo.pop()
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.is_dir() and entry.name != "__pycache__":
                    todo.append(Path(entry.path))
                elif entry.name.endswith(_CODE_SUFFIXES):
                    with contextlib.suppress(OSError):
                        st = os.stat(entry.path)  # through the editable install's links
                        rel = os.path.relpath(entry.path, root)
                        digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0".encode(errors="surrogateescape"))
    return digest.hexdigest()


def prefect_home(out: Path, env: Mapping[str, str]) -> Path:
    """Where the command's Prefect keeps its database: ``$OMREVIEW_PREFECT_HOME`` or ``OUT/.prefect``."""
    return Path(env.get(HOME_ENV) or Path(out) / ".prefect").resolve()


def out_of(args: Sequence[str]) -> str | None:
    """The ``--out`` of ``omreview run``'s arguments (``None``: not given, or help asked for)."""
    out = None
    for i, arg in enumerate(args):
        if arg in ("--help", "-h") or arg == "--":
            return None
        if arg in ("--out", "-o") and i + 1 < len(args):
            out = args[i + 1]
        elif arg.startswith("--out="):
            out = arg.split("=", 1)[1]
        elif arg.startswith("-o") and len(arg) > 2 and not arg.startswith("--"):
            out = arg[2:]
    return out or None


# --- the runner's start and stop (its code: omreview.runner) --------------------------------------------------


def read_pid(home: Path) -> int | None:
    """The pid ``HOME/runner.json`` names, if that process is a runner of this home."""
    try:
        pid = int(json.loads((Path(home) / STATE).read_text(encoding="utf-8"))["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return pid if runs_module(pid, MODULE, home) else None


def start(home: Path, env: dict[str, str], idle: float) -> None:
    """Launch the runner of ``home`` unless one runs (it outlives the command; a second one started at the same
    moment finds the socket taken and ends)."""
    home = Path(home).resolve()
    if idle <= 0 or read_pid(home) is not None:
        return
    with os.fdopen(os.open(home / LOG, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", MODULE, str(home), repr(idle)], env=env, cwd=home,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log, umask=0o077,
                                start_new_session=True)
    _launched.append(proc)  # not ours to wait for (kept: Popen warns if dropped while it runs)


_launched: list[subprocess.Popen[bytes]] = []


def stop(home: Path) -> int | None:
    """Stop the runner of ``home`` (SIGTERM: its runs are stopped first); its pid, ``None`` if none ran."""
    pid = read_pid(home)
    if pid is None:
        return None
    with contextlib.suppress(FileNotFoundError):
        (Path(home) / STATE).unlink()
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    return pid


# --- frames: a 4-byte length, then JSON --------------------------------------------------------------------------


def send_frame(sock: socket.socket, message: Mapping[str, Any], fds: Sequence[int] = ()) -> None:
    payload = json.dumps(message).encode()
    head = struct.pack("!I", len(payload))
    if fds:
        socket.send_fds(sock, [head], list(fds))
    else:
        sock.sendall(head)
    sock.sendall(payload)


def _exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError("the other side closed the connection")
        data += chunk
    return data


def recv_frame(sock: socket.socket, max_fds: int = 0) -> tuple[dict[str, Any], list[int]]:
    """The next frame and the file descriptors sent with it (raises ``EOFError`` at the end)."""
    if max_fds:
        head, fds, _flags, _addr = socket.recv_fds(sock, 4, max_fds)
        if not head:
            raise EOFError("the other side closed the connection")
        head += _exactly(sock, 4 - len(head))
    else:
        head, fds = _exactly(sock, 4), []
    (size,) = struct.unpack("!I", head)
    message = json.loads(_exactly(sock, size))
    if not isinstance(message, dict):
        raise ValueError("not a message")
    return message, list(fds)


def peer_uid(sock: socket.socket) -> int:
    _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    return int(uid)


# --- the client ----------------------------------------------------------------------------------------------


def _connect(home: Path) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(address(home))
        if peer_uid(sock) == os.getuid():
            return sock
    except OSError:
        pass
    sock.close()
    return None


def hand_over(argv: Sequence[str], env: Mapping[str, str]) -> int | None:
    """Run ``omreview run …`` (``argv``) in the warm runner of its output folder; its exit status, or ``None``
    if no runner takes it (the command then runs by itself)."""
    if len(argv) < 2 or argv[1] != "run" or env.get(IDLE_ENV, "").strip() in ("0", "0.0"):
        return None
    out = out_of(argv[2:])
    if out is None:
        return None
    sock = _connect(prefect_home(Path(out), env))
    if sock is None:
        return None
    pending: list[int] = []  # a stop signal that comes before the run has a pid: forwarded to it, or ours again
    run: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        if not run:
            pending.append(signum)
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(run[0], signum)

    previous = {sig: signal.signal(sig, forward) for sig in _FORWARDED}
    with sock:
        sock.settimeout(REPLY_SECONDS)
        try:
            send_frame(sock, {"argv": list(argv), "cwd": os.getcwd(), "env": dict(env), "stamp": code_stamp(),
                              "fingerprint": env_fingerprint(env)}, fds=(0, 1, 2))
            reply, _ = recv_frame(sock)
        except (OSError, EOFError, ValueError):
            reply = {}
        pid = reply.get("pid")
        if not isinstance(pid, int):  # refused (stale code, another environment) or no answer: run by itself
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for late in pending:
                os.kill(os.getpid(), late)
            return None
        run.append(pid)
        for late in pending:
            forward(late, None)
        sock.settimeout(None)
        return _wait(sock, pid)


def _wait(sock: socket.socket, pid: int) -> int:
    """The exit status of the run ``pid``, as the runner sends it."""
    try:
        reply, _ = recv_frame(sock)
        code = reply.get("exit")
        if isinstance(code, int):
            return code
    except (OSError, EOFError, ValueError):
        pass
    while Path(f"/proc/{pid}").exists():  # the runner died: wait for its run to end
        time.sleep(0.1)
    os.write(2, b"error: the warm runner stopped during the review; run the same command again\n")
    return 1
