"""One plain line per failure of set-up or environment; the full traceback in a log file that line names.

Every command of the CLI ends a failure in one line on stderr (``omreview.cli`` wraps them all)::

    error: <the cause, the path or URL (password masked), what to do> (traceback in <log>)

and exits with status 2 for the user's mistake (``InputError``: a malformed store URL…) or 1 for an
environment failure (``EnvironmentFailure``, raised where the failure is met: the results store in
``omreview.store``, the Prefect API and the local Prefect server in ``omreview.flows.local``, the output folder
here), and for what :func:`classify` recognises in an exception chain that reached the top unwrapped
(a full disk, a read-only file, a Prefect API that cannot be reached or answers 5xx, a database
error). Anything else is a bug: ``internal error (...)``, status 1.

The traceback goes to ``OUT/omreview-error.log``, or, when there is no OUT or it cannot be written,
to ``omreview-error.log`` in the cache folder (``~/.cache/omreview``, ``$OMREVIEW_CACHE_DIR``) or the
temporary folder; it is created owner-only (0600), with URL passwords and 身份证号 masked.

Settings (environment variables):

- ``OMREVIEW_PREFECT_TIMEOUT`` (seconds, default 20): a Prefect API must answer its health check
  within this (connect and read) before any flow starts;
- ``OMREVIEW_DB_TIMEOUT`` (seconds, default 20): connecting to a PostgreSQL results store;
- ``OMREVIEW_MIN_FREE_MB`` (default 50): the free space a run or batch needs on its output folder's
  file system before it starts.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import socket
import sys
import tempfile
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from omreview.errors import EnvironmentFailure, InputError, OmreviewError
from omreview.masking import mask_text

LOG_NAME = "omreview-error.log"
CACHE_ENV = "OMREVIEW_CACHE_DIR"
PREFECT_TIMEOUT_ENV = "OMREVIEW_PREFECT_TIMEOUT"
DB_TIMEOUT_ENV = "OMREVIEW_DB_TIMEOUT"
MIN_FREE_ENV = "OMREVIEW_MIN_FREE_MB"
DEFAULT_TIMEOUT = 20.0
DEFAULT_MIN_FREE_MB = 50.0

USER_MISTAKE = 2
ENVIRONMENT = 1

_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:)[^\s@]*@")
_FULL = (errno.ENOSPC, errno.EDQUOT)
_READ_ONLY = (errno.EROFS,)
_DENIED = (errno.EACCES, errno.EPERM)


@dataclass(frozen=True)
class Failure:
    """What the command prints (``line``, one line without the ``error:`` prefix) and its exit status."""

    line: str
    code: int


# --- settings --------------------------------------------------------------------------------------


def _number_setting(name: str, default: float, unit: str) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise InputError(f"{name} must be a positive number of {unit}, got {text!r}: fix or unset it")
    return value


def prefect_timeout() -> float:
    """Seconds a Prefect API has to answer its health check (connect and read): ``$OMREVIEW_PREFECT_TIMEOUT``."""
    return _number_setting(PREFECT_TIMEOUT_ENV, DEFAULT_TIMEOUT, "seconds")


def db_timeout() -> float:
    """Seconds to connect to a PostgreSQL results store: ``$OMREVIEW_DB_TIMEOUT``."""
    return _number_setting(DB_TIMEOUT_ENV, DEFAULT_TIMEOUT, "seconds")


def min_free_bytes() -> int:
    """Free space a run or batch needs on the output folder's file system: ``$OMREVIEW_MIN_FREE_MB``."""
    return int(_number_setting(MIN_FREE_ENV, DEFAULT_MIN_FREE_MB, "megabytes") * 1024 * 1024)


def cache_dir() -> Path:
    """omreview's cache folder: ``$OMREVIEW_CACHE_DIR``, else ``$XDG_CACHE_HOME/omreview`` or ``~/.cache/omreview``."""
    base = os.environ.get(CACHE_ENV) or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "omreview"
    return Path(base)


# --- masking ---------------------------------------------------------------------------------------


def mask_url(text: str) -> str:
    """``text`` with the password of every URL in it masked: ``postgresql://u:secret@h/db`` → ``postgresql://u:***@h/db``."""
    return _URL_PASSWORD.sub(r"\g<head>***@", text)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return mask_url(text.splitlines()[0].strip())


# --- the output folder -----------------------------------------------------------------------------


def write_failure(path: Path | str, exc: OSError, remedy: str = "choose another --out",
                  name_file: bool = True) -> EnvironmentFailure:
    """The plain failure of writing ``path`` (or the file the error names, when ``name_file``): full, read-only,
    no permission, or another OS error."""
    where = (exc.filename if name_file else None) or path
    if exc.errno in _FULL:
        return EnvironmentFailure(f"no space left on the device of {where}: free some space or {remedy}")
    if exc.errno in _READ_ONLY:
        return EnvironmentFailure(f"{where} is on a read-only file system: {remedy}")
    if exc.errno in _DENIED:
        return EnvironmentFailure(f"no permission to write {where}: make it writable or {remedy}")
    return EnvironmentFailure(f"cannot write {where} ({exc.strerror or exc}): {remedy}")


def check_writable(folder: Path, remedy: str = "choose another --out") -> None:
    """Create ``folder`` if needed and write (and remove) a small file in it; ``EnvironmentFailure`` if that fails.

    A real write, not ``os.access`` on the mode bits: root may write into a 0500 folder, nobody into a
    read-only mount or a full disk.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_failure(folder, exc, remedy) from exc
    probe = folder / f".omreview-probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"omreview")
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise write_failure(folder, exc, remedy, name_file=False) from exc
    finally:
        with contextlib.suppress(OSError):
            probe.unlink(missing_ok=True)


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


def check_output_folder(out: Path) -> None:
    """Before a run or batch starts: the output folder can be created and written, with enough free space."""
    out = Path(out)
    check_writable(out)
    needed = min_free_bytes()
    free = shutil.disk_usage(out).free
    if free < needed:
        raise EnvironmentFailure(
            f"only {_size(free)} free on the file system of the output folder {out} (a run needs {_size(needed)}): "
            f"free some space or choose another --out ({MIN_FREE_ENV} sets the minimum)")


def check_port(host: str, port: int, remedy: str = "stop that program or choose another --port") -> None:
    """``EnvironmentFailure`` when ``host:port`` cannot be listened on (another program holds it), before serving.

    The probe binds as servers do (``SO_REUSEADDR``: a port left in TIME_WAIT by a stopped server is free).
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return  # the server names what it cannot resolve
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise EnvironmentFailure(f"port {port} on {host} is already in use: {remedy}") from exc
            raise EnvironmentFailure(f"cannot listen on {host}:{port} ({exc.strerror or exc}): {remedy}") from exc


# --- classifying an exception chain ----------------------------------------------------------------


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, its causes and contexts, and the members of exception groups, breadth first."""
    todo, seen = [exc], set()
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        if isinstance(e, BaseExceptionGroup):
            todo.extend(e.exceptions)
        if e.__cause__ is not None:
            todo.append(e.__cause__)
        elif e.__context__ is not None and not e.__suppress_context__:
            todo.append(e.__context__)


def _http_failure(e: BaseException) -> Failure | None:
    httpx = sys.modules.get("httpx")
    if httpx is None:
        return None
    if isinstance(e, httpx.HTTPStatusError) and e.response.status_code >= 500:
        url = mask_url(str(e.request.url))
        return Failure(f"the Prefect API answered {e.response.status_code} to {url}: the cause is in the Prefect "
                       "server's log (for the command's own server, its messages above); fix it and run again",
                       ENVIRONMENT)
    if isinstance(e, httpx.TransportError):
        try:
            url = mask_url(str(e.request.url))
        except RuntimeError:
            url = "the Prefect API"
        kind = "did not answer in time" if isinstance(e, httpx.TimeoutException) else "could not be reached"
        return Failure(f"the Prefect API {kind} ({url}: {_first_line(e)}): check that the server is running and "
                       "PREFECT_API_URL, then run again", ENVIRONMENT)
    return None


def classify(exc: BaseException, store_url: str | None = None) -> Failure:
    """The one line and exit status of a failure that reached the top of a command.

    Errors raised on purpose come first (anywhere in the chain: they were raised at the source and
    know the path or URL), then what is recognised of the chain's other errors; else an internal error.
    """
    chain = list(_chain(exc))
    for e in chain:
        if isinstance(e, InputError):
            return Failure(mask_url(str(e)), USER_MISTAKE)
        if isinstance(e, EnvironmentFailure):
            return Failure(mask_url(str(e)), ENVIRONMENT)
    for e in chain:
        if isinstance(e, OSError) and e.errno in (*_FULL, *_READ_ONLY, *_DENIED):
            return Failure(str(write_failure(e.filename or "a file", e)), ENVIRONMENT)
        if "sqlalchemy" in sys.modules:
            from omreview.store import store_failure

            failure = store_failure(e, store_url)
            if failure is not None:
                return classify(failure)
        http = _http_failure(e)
        if http is not None:
            return http
        if isinstance(e, RuntimeError) and str(e).startswith("Failed to reach API at"):  # Prefect's client
            return Failure(f"the Prefect API could not be reached ({_first_line(e)}): check that the server is "
                           "running and PREFECT_API_URL, then run again", ENVIRONMENT)
    if isinstance(exc, OmreviewError):
        return Failure(mask_url(str(exc)), ENVIRONMENT)
    return Failure(f"internal error ({type(exc).__name__}: {_first_line(exc)}); please report it with the log",
                   ENVIRONMENT)


# --- the log ---------------------------------------------------------------------------------------


def log_text(exc: BaseException) -> str:
    """The traceback of ``exc`` (its whole chain), URL passwords and 身份证号 masked."""
    return mask_text(mask_url("".join(traceback.format_exception(exc))))


def _log_places(out: Path | None) -> Iterator[Path]:
    if out is not None and Path(out).is_dir():
        yield Path(out) / LOG_NAME
    yield cache_dir() / LOG_NAME
    yield Path(tempfile.gettempdir()) / f"omreview-{os.getuid() if hasattr(os, 'getuid') else 'user'}-error.log"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, owner-only (0600) even if it existed with other modes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.fchmod(fd, 0o600)
        data = text.encode("utf-8")
        while data:
            data = data[os.write(fd, data):]
    finally:
        os.close(fd)


def write_log(exc: BaseException, out: Path | None = None) -> Path | None:
    """Write the traceback to the first place that takes it (OUT, the cache folder, the temporary folder).

    Returns that path, or ``None`` when none could be written.
    """
    text = log_text(exc)
    for place in _log_places(out):
        try:
            write_private(place, text)
        except OSError:
            continue
        return place
    return None


def write_fallback(name: str, text: str) -> Path | None:
    """Write ``text`` as ``name`` in the cache folder, else the temporary folder (owner-only); ``None`` if neither."""
    for folder in (cache_dir(), Path(tempfile.gettempdir())):
        try:
            write_private(folder / name, text)
        except OSError:
            continue
        return folder / name
    return None


def report(exc: BaseException, out: Path | None = None, store_url: str | None = None) -> Failure:
    """Classify ``exc`` and write its traceback; the line names the log (or says none could be written)."""
    failure = classify(exc, store_url)
    log = write_log(exc, out)
    where = f"traceback in {log}" if log is not None else "the traceback could not be written anywhere"
    return Failure(f"{failure.line} ({where})", failure.code)
