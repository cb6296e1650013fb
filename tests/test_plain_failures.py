"""Failures of set-up and environment end in one plain line (issue #15), as the operator sees them.

Each test gives a command one failure and checks what it prints: the exit status (2 for the user's
mistake, 1 for the environment), stderr exactly one line naming the path or URL (password masked)
and the log file it names, which holds the traceback and is owner-only. Most run the command in
this process (typer's CliRunner, through the same group wrapper as the console script); the ones
that must not meet this process's Prefect state run ``omreview`` as a subprocess.

What the simulations prove: a silent Prefect API is a socket that listens and never answers; a full
output folder is a 600 KB tmpfs and a read-only one a read-only bind mount (both need root, as CI
has; without it the read-only test uses a 0500 folder, which binds a non-root user only, and the
full-disk tests skip).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import os
import re
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omreview import cli, failures
from omreview import intake as intake_steps
from omreview.intake import BatchSummary, Outcome, Row

runner = CliRunner()
OMREVIEW = Path(sys.executable).with_name("omreview")
LOG = re.compile(r"\(traceback in (?P<log>\S+)\)$")


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """No setting of the machine leaks in; logs that fall back to the cache land in the test's folder."""
    for name in ("PREFECT_API_URL", "OMREVIEW_DB_URL", "OMREVIEW_PREFECT_HOME", failures.PREFECT_TIMEOUT_ENV,
                 failures.DB_TIMEOUT_ENV, failures.MIN_FREE_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(failures.CACHE_ENV, str(tmp_path / "cache"))


def _invoke(*args: object) -> object:
    return runner.invoke(cli.app, [str(a) for a in args])


def _one_line(stderr: str, code: int, exit_code: int, *names: str) -> Path:
    """The failure's one line: its exit status, the names it must hold; the log it names (0600, a traceback)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    line = lines[0]
    assert exit_code == code, stderr
    assert line.startswith("error: "), line
    for name in names:
        assert name in line, (name, line)
    assert "hunter2pw" not in line
    match = LOG.search(line)
    assert match, line
    log = Path(match["log"])
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "hunter2pw" not in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    return log


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _silent_server():
    """A socket that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def _garble(db: Path) -> None:
    """A store whose pages past the first are garbage: SQLite says 'database disk image is malformed'."""
    from omreview.store import check_store

    check_store(f"sqlite:///{db}")
    data = bytearray(db.read_bytes())
    for i in range(4096, len(data), 7):
        data[i] = (data[i] * 31 + 7) % 256
    db.write_bytes(bytes(data))


@contextlib.contextmanager
def _mounted(folder: Path, *commands: list[str]):
    """``folder`` mounted by ``commands`` (each ``mount`` arguments before the folder; root only), unmounted
    after; skips the test where the machine does not allow it."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = False
    try:
        for command in commands:
            done = subprocess.run(["mount", *command, str(folder)], capture_output=True, text=True)
            if done.returncode != 0:
                pytest.skip(f"cannot mount here ({done.stderr.strip()}): needs root, as CI has")
            mounted = True
        yield folder
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def _tmpfs(folder: Path, size: str = "600k"):
    return _mounted(folder, ["-t", "tmpfs", "-o", f"size={size}", "tmpfs"])


# --- the Prefect API -------------------------------------------------------------------------------


def test_unreachable_prefect_api_is_one_line_naming_the_url(small_packet, tmp_path, monkeypatch):
    url = f"http://omr:hunter2pw@127.0.0.1:{_closed_port()}/api"
    monkeypatch.setenv("PREFECT_API_URL", url)
    result = _invoke("run", small_packet, "--out", tmp_path / "out")
    log = _one_line(result.stderr, 1, result.exit_code, "cannot reach the Prefect API",
                    url.replace("hunter2pw", "***"), "PREFECT_API_URL")
    assert log == tmp_path / "out" / "omreview-error.log"


def test_silent_prefect_api_fails_within_its_timeout(small_packet, tmp_path, monkeypatch):
    monkeypatch.delenv(failures.PREFECT_TIMEOUT_ENV, raising=False)
    assert failures.prefect_timeout() <= 30  # the default bounds a silent API's wait
    monkeypatch.setenv(failures.PREFECT_TIMEOUT_ENV, "1")
    with _silent_server() as port:
        monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
        started = time.monotonic()
        result = _invoke("batch", small_packet.parent, "--out", tmp_path / "out")
        took = time.monotonic() - started
    _one_line(result.stderr, 1, result.exit_code, f"http://127.0.0.1:{port}/api", "did not answer within 1 s",
              failures.PREFECT_TIMEOUT_ENV)
    assert took < 10


def test_serve_with_an_unreachable_prefect_api_is_one_line(tmp_path, monkeypatch):
    url = f"http://127.0.0.1:{_closed_port()}/api"
    monkeypatch.setenv("PREFECT_API_URL", url)
    (tmp_path / "intake").mkdir()
    result = _invoke("serve", "--intake", tmp_path / "intake", "--out", tmp_path / "out")
    _one_line(result.stderr, 1, result.exit_code, "cannot reach the Prefect API", url)


# --- the results store -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "batch", "export", "dashboard"])
def test_corrupt_store_is_one_line_naming_the_file(command, small_packet, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    db = out / "omreview.sqlite"
    _garble(db)
    target = {"run": [small_packet], "batch": [small_packet.parent]}.get(command, [])
    result = _invoke(command, *target, "--out", out)
    _one_line(result.stderr, 1, result.exit_code, str(db), "damaged", "database disk image is malformed",
              "move it aside")


def test_unreachable_store_is_one_line_with_the_password_masked(small_packet, tmp_path, monkeypatch):
    pytest.importorskip("psycopg")
    url = f"postgresql+psycopg://omr:hunter2pw@127.0.0.1:{_closed_port()}/omreview"
    monkeypatch.setenv("OMREVIEW_DB_URL", url)
    result = _invoke("run", small_packet, "--out", tmp_path / "out")
    _one_line(result.stderr, 1, result.exit_code, "cannot reach the results store",
              url.replace("hunter2pw", "***"), "OMREVIEW_DB_URL")


@pytest.mark.parametrize(("args", "url"), [
    (["run", "{packet}", "--out", "{out}"], "postgresql+psycopg://omr:hunter2pw@dbhost:port/omreview"),
    (["export", "--db", "{url}", "--to", "{out}"], "postgresql+nosuchdriver://omr:hunter2pw@dbhost/omreview"),
])
def test_malformed_store_url_is_the_users_mistake(args, url, small_packet, tmp_path, monkeypatch):
    monkeypatch.setenv("OMREVIEW_DB_URL", url)
    subs = {"{packet}": str(small_packet), "{out}": str(tmp_path / "out"), "{url}": url}
    result = _invoke(*[subs.get(a, a) for a in args])
    _one_line(result.stderr, 2, result.exit_code, "is not valid", url.replace("hunter2pw", "***"))


# --- the output folder -----------------------------------------------------------------------------


def test_read_only_output_folder_is_one_line_before_any_server_starts(small_packet, tmp_path):
    out = tmp_path / "out"
    if os.geteuid() == 0:  # root writes through modes: a read-only bind mount
        (tmp_path / "disk").mkdir()
        context = _mounted(out, ["--bind", str(tmp_path / "disk")], ["-o", "remount,ro,bind"])
        expected = "read-only file system"
    else:
        out.mkdir()
        out.chmod(0o500)
        context = contextlib.nullcontext(out)
        expected = "no permission to write"
    with context:
        result = _invoke("run", small_packet, "--out", out)
        log = _one_line(result.stderr, 1, result.exit_code, str(out), expected, "choose another --out")
        assert out not in log.parents  # OUT cannot take it: the cache folder did
        assert not (out / ".prefect").exists()


def test_output_folder_without_room_is_one_line(small_packet, tmp_path):
    out = tmp_path / "out"
    with _tmpfs(out):
        result = _invoke("batch", small_packet.parent, "--out", out)
        _one_line(result.stderr, 1, result.exit_code, str(out), "free on the file system", "free some space",
                  failures.MIN_FREE_ENV)
        assert not (out / ".prefect").exists()


def test_error_log_on_a_full_disk_does_not_crash_the_batch(tmp_path, capsys):
    out = tmp_path / "out"
    with _tmpfs(out):
        with contextlib.suppress(OSError), open(out / "filler", "wb") as filler:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        try:
            raise ZeroDivisionError("a bug while assessing app-01")
        except ZeroDivisionError as exc:
            log = intake_steps.write_error_log(out, "app-01", exc)
        assert log is not None and out not in log.parents
        assert "ZeroDivisionError: a bug while assessing app-01" in log.read_text(encoding="utf-8")
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
        summary = BatchSummary(intake="intake", rules_version="v", application_date=dt.date(2012, 6, 1))
        summary.rows.append(Row("app-01", Outcome.FAILED, path=log, error="internal error",
                                error_type="ZeroDivisionError"))
        cli._print_batch(summary)
    line = next(x for x in capsys.readouterr().err.splitlines() if x.startswith("app-01"))
    assert f"details in {log}" in line and "could not be written" in line


# --- ports -----------------------------------------------------------------------------------------


def test_dashboard_port_in_use_is_one_line(tmp_path, monkeypatch):
    from omreview.store import check_store

    out = tmp_path / "out"
    check_store(f"sqlite:///{out / 'omreview.sqlite'}")
    started = []
    monkeypatch.setattr("omreview.dashboard.app.subprocess.Popen", lambda *a, **k: started.append(a))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        result = _invoke("dashboard", "--out", out, "--port", port)
    _one_line(result.stderr, 1, result.exit_code, f"port {port} on 127.0.0.1 is already in use", "--port")
    assert not started


# --- anything else ---------------------------------------------------------------------------------


def test_a_bug_is_one_line_and_its_traceback_in_the_log(small_packet, tmp_path, monkeypatch):
    def broken(out: Path) -> None:
        raise KeyError("no such thing")

    monkeypatch.setattr(cli, "_preflight", broken)
    result = _invoke("run", small_packet, "--out", tmp_path / "out")
    log = _one_line(result.stderr, 1, result.exit_code, "internal error (KeyError")
    assert "in broken" in log.read_text(encoding="utf-8")


# --- the local Prefect server's database and its cached template -----------------------------------


def test_damaged_prefect_database_of_the_output_folder_is_named(small_packet, tmp_path):
    out = tmp_path / "out"
    db = out / ".prefect" / "prefect.db"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a database" * 200)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = subprocess.run([str(OMREVIEW), "run", str(small_packet), "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=120)
    _one_line(done.stderr, 1, done.returncode, str(db), "damaged", f"move {db.parent} aside")


def test_damaged_cached_template_is_named_and_built_again(tmp_path, monkeypatch, capsys):
    from omreview.flows import local

    def build(template: Path) -> None:  # what _build_template leaves: a migrated database
        with sqlite3.connect(template) as conn:
            conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
            conn.execute("INSERT INTO alembic_version VALUES ('head')")
        conn.close()

    monkeypatch.setattr(local, "_build_template", build)
    cache = tmp_path / "cache"
    cache.mkdir(exist_ok=True)
    template = cache / f"prefect-{importlib.metadata.version('prefect')}.db"
    template.write_bytes(b"SQLite format 3\0" + b"\x07" * 8000)
    assert local.template_database() == template
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and str(template) in err[0] and "damaged" in err[0] and "building it again" in err[0]
    assert local.damaged(template) is None
    home = tmp_path / "home"
    home.mkdir()
    assert local._seed_database(home / "prefect.db") and local.damaged(home / "prefect.db") is None
