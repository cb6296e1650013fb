"""``omreview run`` handed to the warm runner of its output folder (``omreview.handoff``, ``omreview.runner``):
the first run starts it, the next is run by a fork of it with the same output, report and store, its
reading processes forked too; a command in another environment or with changed code is not taken (and
still runs); the runner stops when told, and a command killed outright has its run stopped."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from omreview import handoff
from omreview.flows import resident
from tests.conftest import SAMPLE_DOCS
from tests.process_tree import alive, descendants
from tests.test_run_fast import _store_rows

EXE = Path(sys.executable).with_name("omreview")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OMREVIEW_PREFECT"))}
    return {**env, handoff.IDLE_ENV: "120", "COLUMNS": "400", **extra}


def _run(folder: Path, out: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(EXE), "run", str(folder), "--out", str(out)], env=_env(**extra), capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done


def _runner(home: Path, seconds: float = 120.0) -> int:
    """The pid of the runner of ``home`` once it listens."""
    deadline = time.monotonic() + seconds
    while (pid := handoff.read_pid(home)) is None:
        assert time.monotonic() < deadline, "no warm runner listened after the first run"
        time.sleep(0.05)
    return pid


def _log(home: Path) -> list[str]:
    return (home / handoff.LOG).read_text(encoding="utf-8").splitlines()


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


@pytest.fixture
def out(tmp_path):
    out = tmp_path / "out"
    yield out
    home = (out / ".prefect").resolve()
    handoff.stop(home)
    resident.stop(home)


def test_the_next_run_is_the_runners_with_the_same_output_report_and_store(out, tmp_path):
    home = (out / ".prefect").resolve()
    first = _run(SAMPLE_DOCS / "app-01", out)
    report = (out / "app-01" / "report.json").read_bytes()
    rows = _store_rows(out / "omreview.sqlite")
    pid = _runner(home)
    assert _log(home)[-1].endswith(f"listens (pid {pid})")

    seen: dict[int, str] = {}
    command = [str(EXE), "run", str(SAMPLE_DOCS / "app-01"), "--out", str(out)]
    # ``with``: the command is waited for and its pipes closed even when an assertion fails while it runs
    with subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        while proc.poll() is None:
            for child in descendants(pid):  # its name as last seen: a fork is named after its parent until it renames
                if name := _comm(child):
                    seen[child] = name
            time.sleep(0.01)
        stdout, stderr = proc.communicate()
    assert proc.returncode == 0, stderr
    assert stdout == first.stdout and stdout.startswith("app-01: meets — 5 file(s) → ")
    assert stderr == first.stderr == ""
    assert (out / "app-01" / "report.json").read_bytes() == report
    assert _store_rows(out / "omreview.sqlite") == rows
    started = [line for line in _log(home) if " started" in line]
    assert len(started) == 1 and "ended: exit status 0" in _log(home)[-1]
    # the run and its reading processes were the runner's forks, not the command's
    assert "omreview run" in seen.values() and "omreview read" in seen.values(), seen
    assert not descendants(pid), "a run or reader outlived the command"


def test_a_run_in_another_environment_or_failing_is_still_the_commands_own(out, tmp_path):
    home = (out / ".prefect").resolve()
    _run(SAMPLE_DOCS / "app-01", out)
    _runner(home)
    other = _run(SAMPLE_DOCS / "app-04", out, OMREVIEW_STOP_SECONDS="7")  # read at import time, maybe: not taken
    assert other.stdout.startswith("app-04: ")
    assert any("not taken: another environment" in line for line in _log(home))
    assert not any(" started" in line for line in _log(home))
    # taken, and failing as the command itself fails: the user's mistake in one line, its exit status
    missing = subprocess.run([str(EXE), "run", str(tmp_path / "nowhere"), "--out", str(out)], env=_env(),
                             capture_output=True, text=True, timeout=120, check=False)
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.startswith("error: ") and "nowhere" in missing.stderr and "Traceback" not in missing.stderr
    assert "ended: exit status 2" in _log(home)[-1]


def test_a_runner_with_other_code_refuses_and_stops(out):
    home = (out / ".prefect").resolve()
    _run(SAMPLE_DOCS / "app-01", out)
    pid = _runner(home)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(handoff.address(home))
        env = _env()
        handoff.send_frame(sock, {"argv": ["omreview", "run", "x", "--out", str(out)], "cwd": os.getcwd(), "env": env,
                                  "stamp": "an older omreview", "fingerprint": handoff.env_fingerprint(env)},
                           fds=(0, 1, 2))
        reply, _ = handoff.recv_frame(sock)
    assert reply == {"refused": "the code changed since the runner started"}
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert handoff.read_pid(home) is None and not (home / handoff.STATE).exists()
    assert _log(home)[-1].endswith("the runner stops (stale code)")


def test_stop_stops_the_runner_and_a_killed_commands_run_is_stopped(out):
    home = (out / ".prefect").resolve()
    _run(SAMPLE_DOCS / "app-06", out)
    pid = _runner(home)
    proc = subprocess.Popen([str(EXE), "run", str(SAMPLE_DOCS / "app-06"), "--out", str(out)], env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (runs := [c for c in descendants(pid) if _comm(c) == "omreview run"]):
        assert time.monotonic() < deadline and proc.poll() is None, "the run was not handed over"
        time.sleep(0.01)
    proc.kill()  # SIGKILL: the command cannot forward anything
    proc.wait()
    deadline = time.monotonic() + 15
    while any(alive(c) for c in runs) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(c) for c in runs), "the run of a killed command went on"

    stopped = subprocess.run([sys.executable, "-m", resident.MODULE, "stop", str(out)], capture_output=True,
                             text=True, timeout=60, check=True)
    assert f"the warm runner of {home} stopped: pid {pid}" in stopped.stdout
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid) and not (home / handoff.STATE).exists()
    status = subprocess.run([sys.executable, "-m", resident.MODULE, "status", str(out)], capture_output=True,
                            text=True, timeout=60, check=True)
    assert f"no warm runner of {home} runs" in status.stdout


@pytest.mark.parametrize(("args", "out"), [
    (["a", "--out", "o"], "o"), (["a", "-o", "o"], "o"), (["--out=o", "a"], "o"), (["-oo", "a"], "o"),
    (["a"], None), (["a", "--out", "o", "--help"], None), (["a", "--out"], None),
])
def test_the_output_folder_is_found_as_the_command_line_gives_it(args, out):
    assert handoff.out_of(args) == out


def test_what_the_imports_may_read_tells_environments_apart():
    base = {"PATH": "/usr/bin", "PREFECT_API_URL": "", "TERM": "xterm"}
    same = handoff.env_fingerprint(base)
    assert handoff.env_fingerprint({**base, "TERM": "dumb", "COLUMNS": "80"}) == same  # read only when running
    for key, value in [("PREFECT_API_URL", "http://x"), ("OMREVIEW_DB_URL", "sqlite://"), ("TZ", "UTC"),
                       ("PYTHONPATH", "/x")]:
        assert handoff.env_fingerprint({**base, key: value}) != same, key


def test_no_runner_or_runs_turned_off_leave_the_command_its_own(tmp_path):
    argv = ["omreview", "run", "a", "--out", str(tmp_path / "out")]
    assert handoff.hand_over(argv, {handoff.IDLE_ENV: "120"}) is None  # none listens
    assert handoff.hand_over(argv, {handoff.IDLE_ENV: "0"}) is None
    assert handoff.hand_over(["omreview", "batch", "a", "--out", "o"], {}) is None


def test_a_runner_state_naming_another_process_is_no_runner(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / handoff.STATE).write_text(json.dumps({"pid": os.getpid()}))
    assert handoff.read_pid(home) is None
    assert handoff.stop(home) is None and alive(os.getpid())
