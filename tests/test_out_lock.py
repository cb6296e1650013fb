"""One omreview command at a time writes to an output folder (``omreview.outlock``): a second one refuses at
once in one line naming the first, or waits with ``--wait``; a lock left by a killed command blocks nobody."""

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omreview import cli, outlock
from tests.conftest import SAMPLE_DOCS

EXE = Path(sys.executable).with_name("omreview")
ROOT = Path(__file__).resolve().parents[1]
BUSY = re.compile(r"error: another omreview (batch|run) \(pid (\d+), started [0-9T:+-]+\) is writing to (\S+); "
                  r"wait for it \(or add --wait\) or choose another --out")


def _holder(out: Path, seconds: float = 60.0) -> subprocess.Popen[str]:
    """Another process holding OUT's lock as a batch does, for ``seconds``."""
    code = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from omreview.outlock import hold
        with hold(Path({str(out)!r}), "batch"):
            print("held", flush=True)
            time.sleep({seconds})
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None and proc.stdout.readline() == "held\n"
    proc.stdout.close()
    return proc


@pytest.mark.parametrize("command", ["batch", "run"])
def test_a_second_command_into_the_same_out_refuses_at_once_naming_the_first(command, small_packet, tmp_path):
    out = tmp_path / "out"
    holder = _holder(out)
    try:
        target = small_packet.parent if command == "batch" else small_packet
        started = time.monotonic()
        result = CliRunner().invoke(cli.app, [command, str(target), "--out", str(out)])
        took = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2, result.output
    match = BUSY.fullmatch(result.stderr.strip().replace("\n", " "))
    assert match is not None, result.stderr
    assert match[1] == "batch" and int(match[2]) == holder.pid and match[3] == str(out)
    assert took < 5, took
    assert not (out / ".prefect").exists() and not (out / "acme").exists()  # nothing was started or written


def test_a_lock_left_by_a_killed_command_blocks_nobody(tmp_path):
    out = tmp_path / "out"
    holder = _holder(out)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert str(holder.pid) in outlock.lock_path(out).read_text()  # the file is still there, naming the dead holder
    started = time.monotonic()
    with outlock.hold(out, "batch") as path:
        assert time.monotonic() - started < 1
        assert f'"pid": {os.getpid()}' in path.read_text()
    assert path.read_text() == ""  # released: it names nobody


def test_wait_waits_for_the_first_to_end(tmp_path):
    out = tmp_path / "out"
    holder = _holder(out, seconds=1.5)
    told: list[str] = []
    started = time.monotonic()
    with outlock.hold(out, "batch", wait=True, on_wait=told.append):
        waited = time.monotonic() - started
    holder.wait()
    assert waited > 0.5, waited
    assert len(told) == 1 and f"(pid {holder.pid}, started" in told[0] and told[0].endswith("waiting for it to end")


def test_two_batches_into_one_out(tmp_path):
    """Two real commands: the second refuses while the first runs; the first completes, alone."""
    intake, out = tmp_path / "intake", tmp_path / "out"
    for name in ("app-01", "app-04"):
        shutil.copytree(SAMPLE_DOCS / name, intake / name)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OMREVIEW_PREFECT"))},
           "COLUMNS": "400"}
    first = subprocess.Popen([str(EXE), "batch", str(intake), "--out", str(out)], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    lock = outlock.lock_path(out)
    deadline = time.monotonic() + 60
    while not (lock.exists() and f'"pid": {first.pid}' in lock.read_text()):
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    second = subprocess.run([str(EXE), "batch", str(intake), "--out", str(out)], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert first.poll() is None, "the first batch ended before the second was refused"
    assert second.returncode == 2 and second.stdout == ""
    match = BUSY.fullmatch(second.stderr.strip())
    assert match is not None and int(match[2]) == first.pid, second.stderr
    stdout, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    assert sorted(line.split(":")[0] for line in stdout.splitlines()) == ["app-01", "app-04"]


def test_the_holder_takes_its_own_lock_again_at_once(tmp_path):
    """``omreview batch`` holds the lock, then runs the batch flow, which takes it too: no wait on itself."""
    out = tmp_path / "out"
    with outlock.hold(out, "batch"):
        started = time.monotonic()
        with outlock.hold(out, "batch (flow run)", wait=True):
            assert time.monotonic() - started < 0.2
        assert '"command": "batch"' in outlock.lock_path(out).read_text()  # still held by the outer block
    with outlock.hold(out, "batch"):  # released by the outer block only
        pass


def test_a_flow_run_waits_for_a_command_writing_to_its_out(prefect_api, tmp_path):
    """A reviewer's (or a scheduled) run of a deployment takes OUT's lock too, waiting for the batch in it."""
    from omreview.flows.applicant import applicant_flow

    out = tmp_path / "out"
    holder = _holder(out, seconds=3)
    started = time.monotonic()
    applicant_flow(folder=SAMPLE_DOCS / "app-07", out=out)
    waited = time.monotonic() - started
    holder.wait()
    assert waited > 2, waited  # it began its review only once the other had let go
    assert (out / "app-07" / "report.json").exists()
