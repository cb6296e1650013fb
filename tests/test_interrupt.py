"""Ctrl-C and SIGTERM stop ``omreview batch`` and ``run`` within 10 s, in one line, and the next run resumes.

The signal goes where a terminal, ``timeout`` and systemd send it: to the whole process group (the
command, its local Prefect server and its reading processes at once), or to the command alone. It is
sent at several points of a batch (the server starting, documents being read, reports being stored),
one after the other into the same output folder, then the batch is run to its end.
"""

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from omreview import handoff, processes
from omreview.extractors.isolate import IsolatedReader
from omreview.packet import PacketFile
from omreview.processes import Interrupted
from tests.conftest import SAMPLE_DOCS
from tests.process_tree import alive, descendants

EXE = Path(sys.executable).with_name("omreview")
APPLICANTS = ("app-01", "app-04", "app-06", "app-17")
LINE = re.compile(r"interrupted: (\d+) of (\d+) applicants? reviewed and stored; run the same command again to resume")
STOP_BOUND = 10.0  # seconds from the signal to the exit


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OMREVIEW_PREFECT"))}
    return {**env, "COLUMNS": "400"}  # one line per applicant


def _reports(out: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in out.glob("*/report.json")}


def _stored(out: Path) -> set[str]:
    db = out / "omreview.sqlite"
    if not db.exists():
        return set()
    with sqlite3.connect(db) as c:
        return {r[0] for r in c.execute("select distinct applicant_id from applicants")}


def _below(proc: subprocess.Popen[str], runner: int | None) -> dict[int, str]:
    """The command's processes: its children's trees, and its run's if a warm runner (``runner``) took it."""
    return {**descendants(proc.pid), **(descendants(runner) if runner else {})}


def _reading(pid: int, cmd: str) -> bool:
    """Whether ``pid`` is a reading process (started afresh, or forked by a warm runner's run)."""
    if "omreview.extractors.isolate" in cmd:
        return True
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "omreview read"
    except OSError:
        return False


def _reached(point: str, proc: subprocess.Popen[str], out: Path, before: dict[Path, int],
             runner: int | None = None) -> bool:
    below = _below(proc, runner)
    if point == "start-up":  # the local Prefect server has been started, the flow not yet
        return bool(below)
    if point == "reading":  # a reading process reads the documents
        return any(_reading(pid, cmd) for pid, cmd in below.items())
    if point == "storing":  # a report has just been written; others are being assessed and stored
        return any(before.get(p) != m for p, m in _reports(out).items())
    raise ValueError(point)


def _interrupt(args: list[str], out: Path, sig: int, point: str, group: bool = True,
               server_too: bool = False, runner: int | None = None) -> tuple[int, str, set[str]]:
    """Run the command, send ``sig`` at ``point``; its exit status, the stderr line's count, the store's applicants.
    ``runner``: the warm runner expected to run it (``omreview.runner``)."""
    before = _reports(out) if out.exists() else {}
    proc = subprocess.Popen([str(EXE), *args], env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    deadline = time.monotonic() + 240
    while not _reached(point, proc, out, before, runner):
        assert proc.poll() is None, f"the command ended before {point}: {proc.communicate()}"
        assert time.monotonic() < deadline, f"{point} not reached"
        time.sleep(0.02)
    children = _below(proc, runner)
    sent = time.monotonic()
    if server_too:  # as systemd does, to every process of the service: the server (a session of its own) too
        for pid in [c for c, cmd in children.items() if "uvicorn.main" in cmd]:
            os.kill(pid, sig)
    if group:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    stdout, stderr = proc.communicate(timeout=60)
    took = time.monotonic() - sent
    assert took < STOP_BOUND, f"{took:.1f} s from {signal.Signals(sig).name} at {point} to the exit"
    assert proc.returncode == 128 + sig, (proc.returncode, stderr)
    assert stdout == ""
    match = LINE.fullmatch(stderr.strip())  # one line: no Prefect, httpx or traceback noise
    assert match is not None, stderr
    assert int(match[2]) == len(APPLICANTS) if args[0] == "batch" else 1
    # `run`'s resident Prefect server is meant to outlive the command (a session of its own, stopped when
    # idle, omreview.flows.resident); whether it is already a child when the signal comes is a matter of timing
    resident = {c for c, cmd in children.items() if "omreview.flows.resident" in cmd}
    for pid in resident:
        assert not alive(pid) or os.getsid(pid) == pid, "the resident server shares the command's session"
    children = {c: cmd for c, cmd in children.items() if c not in resident}
    left = time.monotonic() + 5
    while any(alive(c) for c in children) and time.monotonic() < left:
        time.sleep(0.05)
    assert not [cmd for c, cmd in children.items() if alive(c)], "a child of the stopped command is still running"
    assert not list(out.glob("*/error.log")), "an applicant got an error.log for the stop"
    return proc.returncode, match[1], _stored(out)


def _intake(tmp_path: Path) -> Path:
    intake = tmp_path / "intake"
    for name in APPLICANTS:
        shutil.copytree(SAMPLE_DOCS / name, intake / name)
    return intake


@pytest.mark.parametrize(("sig", "alone"), [(signal.SIGINT, ""), (signal.SIGTERM, "reading")],
                         ids=["SIGINT", "SIGTERM"])
def test_batch_stops_at_each_point_and_the_next_run_resumes(tmp_path, sig, alone):
    """At start-up, while reading and while storing (SIGTERM while reading: to the command alone; while
    storing: to the Prefect server too, which dies with the command and is not waited for)."""
    intake, out = _intake(tmp_path), tmp_path / "out"
    args = ["batch", str(intake), "--out", str(out)]
    stored: set[str] = set()
    for point in ("start-up", "reading", "storing"):
        _, told, stored = _interrupt(args, out, sig, point, group=point != alone,
                                     server_too=sig == signal.SIGTERM and point == "storing")
        assert int(told) == len(stored), (point, told, stored)  # the line counts what the store holds
    assert stored, "nothing was stored before the last signal"
    stale = out / min(stored) / "error.log"  # as the old code left beside a stored report
    stale.write_text("httpx.ConnectError: [Errno 111] Connection refused\n")

    done = subprocess.run([str(EXE), *args], env=_env(), capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert sorted(line.split(":")[0] for line in lines) == sorted(APPLICANTS)  # every applicant once
    assert {line.split(":")[0] for line in lines if "(unchanged)" in line} == stored  # not reviewed again
    assert not list(out.glob("*/error.log")), "a stale error.log beside a stored report"
    assert _stored(out) == set(APPLICANTS)


def test_run_stops_while_reading_and_runs_again(tmp_path):
    folder, out = SAMPLE_DOCS / "app-06", tmp_path / "out"
    args = ["run", str(folder), "--out", str(out)]
    _, told, stored = _interrupt(args, out, signal.SIGTERM, "reading")
    assert told == "0" and stored == set()
    done = subprocess.run([str(EXE), *args], env=_env(), capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("app-06: meets")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_run_the_warm_runner_took_stops_while_reading_and_runs_again(tmp_path, sig):
    """The command forwards the signal to its run, a fork of the runner: the same line and status, its run and
    reading processes gone, the runner still there for the next run."""
    folder, out = SAMPLE_DOCS / "app-06", tmp_path / "out"
    args = ["run", str(folder), "--out", str(out)]
    home = (out / ".prefect").resolve()
    try:
        first = subprocess.run([str(EXE), *args], env=_env(), capture_output=True, text=True, timeout=300,
                               check=False)
        assert first.returncode == 0, first.stderr
        deadline = time.monotonic() + 120
        while (runner := handoff.read_pid(home)) is None:
            assert time.monotonic() < deadline, "no warm runner after the first run"
            time.sleep(0.05)
        code, told, stored = _interrupt(args, out, sig, "reading", runner=runner)
        assert code == 128 + sig and told == "0" and stored == {"app-06"}  # none by this run; the first one's stands
        assert handoff.read_pid(home) == runner
        done = subprocess.run([str(EXE), *args], env=_env(), capture_output=True, text=True, timeout=300,
                              check=False)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("app-06: meets")
        assert f"ended: exit status {128 + sig}" in (home / handoff.LOG).read_text()
    finally:
        handoff.stop(home)


def test_a_reader_killed_by_the_groups_sigterm_abandons_its_document_instead_of_blaming_it(tmp_path):
    """The group's SIGTERM kills a reading process a moment before the command's handler runs: that is the
    stop, not the reader crashing on its file (a document in error, stored as the applicant's)."""
    from tests.isolation_readers import misbehaving_reader

    sleepy = tmp_path / "sleepy.pdf"
    sleepy.write_bytes(b"%PDF-1.4\n%%EOF\n")
    pf = PacketFile(rel="sleepy.pdf", path=sleepy, size=sleepy.stat().st_size, sha256="0" * 64)
    outcome: list[object] = []
    with processes.stop_on_signals(), IsolatedReader(misbehaving_reader) as reader:

        def read() -> None:
            try:
                outcome.append(reader.read(pf))
            except Interrupted as exc:
                outcome.append(exc)

        thread = threading.Thread(target=read)
        thread.start()
        deadline = time.monotonic() + 60
        while not (workers := [p for p, cmd in descendants(os.getpid()).items()
                               if "omreview.extractors.isolate" in cmd]):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(2)  # reading (sleeping on the file)
        os.kill(workers[0], signal.SIGTERM)
        time.sleep(0.2)
        processes.request_stop(signal.SIGTERM)  # what the command's handler does
        thread.join(10)
    assert not thread.is_alive()
    assert isinstance(outcome[0], Interrupted), outcome
    assert outcome[0].exit_code == 143
    processes.check_stop()  # leaving stop_on_signals, the process is no longer stopping


def test_a_wind_down_that_hangs_still_ends_the_process_after_the_deadline(tmp_path):
    """Whatever the wind-down waits for (a client, a child), the process ends a second after the deadline."""
    code = """
import os, signal, time
from omreview.processes import Interrupted, stop_on_signals
with stop_on_signals(last_words=lambda: "interrupted: stuck"):
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(60)
    except Interrupted:
        time.sleep(60)  # a wind-down stuck on something
"""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, processes.STOP_ENV: "1"},
                          capture_output=True, text=True, timeout=30, check=False,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 143 and done.stderr == "interrupted: stuck\n", done
    assert 1.5 < time.monotonic() - started < 5


def test_an_error_raised_once_the_command_is_stopping_ends_it_as_stopped(tmp_path):
    """A library that wraps the handler's ``Interrupted`` in its own error (pydantic, inside a serializer of
    Prefect's settings) does not make a stop an internal error: the command ends as stopped, in one line."""
    code = """
import signal, sys
from pathlib import Path
from omreview import cli
from omreview.processes import request_stop
with cli._one_at_a_time(Path(sys.argv[1]), "run", False, 1):
    request_stop(signal.SIGTERM)  # what the handler does before it raises Interrupted
    raise ValueError("Error calling function `_ser_model`: Interrupted: interrupted by SIGTERM")
"""
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "out")], capture_output=True, text=True,
                          timeout=60, check=False, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 143, done
    assert LINE.fullmatch(done.stderr.strip()) is not None, done.stderr
    assert not list((tmp_path / "out").glob("*error.log"))
