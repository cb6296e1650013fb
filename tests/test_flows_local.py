"""``omreview batch`` in local mode as a user runs it: its own Prefect server, home in OUT/.prefect,
no traceback or ERROR line, every task run recorded before the server stops, none left running."""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import SAMPLE_DOCS
from tests.process_tree import alive

EXE = Path(sys.executable).with_name("omreview")


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def test_local_mode_batch_is_clean_and_leaves_nothing_behind(tmp_path):
    intake = tmp_path / "intake"
    for name in ("app-06", "app-17"):
        shutil.copytree(SAMPLE_DOCS / name, intake / name)
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OMREVIEW_PREFECT"))}

    # killed midway: its server notices and stops by itself
    proc = subprocess.Popen([EXE, "batch", str(intake), "--out", str(out), "--workers", "1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while not list(out.glob("*/report.json")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    children = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert children, "no Prefect server was started"
    deadline = time.monotonic() + 20
    while any(alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(c) for c in children), "a child of the killed command is still running"

    done = subprocess.run([EXE, "batch", str(intake), "--out", str(out)], env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "ERROR" not in done.stderr, done.stderr
    assert "app-06: meets" in done.stdout and "app-17: incomplete" in done.stdout
    with sqlite3.connect(out / ".prefect" / "prefect.db") as c:
        last = c.execute("select id from flow_run order by created desc limit 1").fetchone()[0]
        states = dict(c.execute("select state_type, count(*) from task_run where flow_run_id = ? group by state_type",
                                (last,)).fetchall())
        finished = c.execute("select state_type from flow_run where id = ?", (last,)).fetchone()[0]
    assert finished == "COMPLETED"
    assert set(states) == {"COMPLETED"} and states["COMPLETED"] >= 4, states
