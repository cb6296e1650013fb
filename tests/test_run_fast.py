"""``omreview run`` on the resident local Prefect server (``omreview.flows.resident``): found again by the next
command, started once by two at a time, a stale state file ignored, stopped when idle; the report and the
store are the plain review's, and the run is a flow run on that server with its task runs."""

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from omreview import handoff
from omreview.flows import resident
from tests.conftest import SAMPLE_DOCS

EXE = Path(sys.executable).with_name("omreview")


def _env(idle: str = "120") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OMREVIEW_PREFECT"))}
    env[resident.IDLE_ENV] = idle
    return env


def _run(folder: Path, out: Path, idle: str = "120") -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(EXE), "run", str(folder), "--out", str(out)], env=_env(idle), capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done


def _gone(pid: int, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while resident._alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _servers_of(home: Path) -> list[int]:
    """The resident servers of ``home`` running on this machine."""
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and resident._ours(int(p.name), home)
            and resident._alive(int(p.name))]


@pytest.fixture
def cleanup():
    homes: list[Path] = []
    yield homes
    for home in homes:
        resident.stop(home)
        handoff.stop(home)  # the warm runner the first run started (omreview.runner)


def _plain(folder: Path, out: Path) -> None:
    """The same review as plain function calls: what the flow's tasks call, in order, in this process."""
    from omreview import intake
    from omreview.store import default_url

    rules = intake.rules_for(None)
    when = rules.default_application_date
    store = intake.store_for(default_url(out))
    store.migrate()
    opened = intake.open_applicant(folder, rules, when, None)
    assert opened.packet is not None
    pairs = [intake.read_file(pf, rules) for pf in opened.packet.files]
    intake.assess(opened, pairs, when, rules, out, store, None)


def _store_rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the results store, without row ids and times (which differ between any two runs)."""
    with sqlite3.connect(db) as c:
        tables = [r[0] for r in c.execute("select name from sqlite_master where type = 'table'")]
        rows = {}
        for table in tables:
            names = [r[1] for r in c.execute(f"pragma table_info({table})")]
            keep = [n for n in names if n not in ("id", "applicant_row") and not n.endswith("_at")]
            if keep:
                rows[table] = sorted(map(repr, c.execute(f"select {', '.join(keep)} from {table}").fetchall()))
    return rows


def _flow_runs(url: str, name: str, runs: int, seconds: float = 60.0) -> list[tuple[str, list[str]]]:
    """The server's ``omreview-applicant`` runs named ``name`` (state, task runs' states), once ``runs`` of them
    have every task run in a final state."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName, TaskRunFilter, TaskRunFilterFlowRunId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    deadline = time.monotonic() + seconds
    with temporary_settings(updates={PREFECT_API_URL: url}), get_client(sync_client=True) as client:
        while True:
            found = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name])))
            seen = []
            for run in found:
                tasks = client.read_task_runs(task_run_filter=TaskRunFilter(
                    flow_run_id=TaskRunFilterFlowRunId(any_=[run.id])))
                seen.append((run.state_type.value if run.state_type else "", sorted(
                    t.state_type.value if t.state_type else "" for t in tasks)))
            done = [s for s in seen if s[1] and all(t in ("COMPLETED", "FAILED") for t in s[1])]
            if len(done) >= runs or time.monotonic() > deadline:
                return seen
            time.sleep(0.2)


def test_a_second_run_reuses_the_server_and_both_are_flow_runs_on_it(tmp_path, cleanup):
    out = tmp_path / "out"
    home = (out / ".prefect").resolve()
    cleanup.append(home)
    first = _run(SAMPLE_DOCS / "app-01", out)
    state = resident.read_state(home)
    assert state is not None and resident._ours(state.pid, home)
    report = (out / "app-01" / "report.json").read_bytes()
    second = _run(SAMPLE_DOCS / "app-01", out)
    assert resident.read_state(home) == state, "the second command started another server"
    assert _servers_of(home) == [state.pid]
    assert first.stdout == second.stdout and first.stdout.startswith("app-01: meets")
    assert (out / "app-01" / "report.json").read_bytes() == report

    runs = _flow_runs(state.api_url, "app-01", 2)
    assert [r[0] for r in runs] == ["COMPLETED", "COMPLETED"]
    # prepare-store, open, five documents read, assess: every one recorded, each its own task run
    assert all(r[1] == ["COMPLETED"] * 8 for r in runs), runs

    status = subprocess.run([sys.executable, "-m", resident.MODULE, "stop", str(out)], capture_output=True,
                            text=True, timeout=60, check=True)
    assert status.stdout.startswith(f"the local Prefect server of {home} stopped: pid {state.pid}")
    assert _gone(state.pid) and not (home / resident.STATE).exists()


def test_the_report_and_store_are_the_plain_reviews(tmp_path, cleanup):
    flow_out, plain_out = tmp_path / "flow", tmp_path / "plain"
    cleanup.append((flow_out / ".prefect").resolve())
    _run(SAMPLE_DOCS / "app-01", flow_out)
    _plain(SAMPLE_DOCS / "app-01", plain_out)
    assert (flow_out / "app-01" / "report.json").read_bytes() == (plain_out / "app-01" / "report.json").read_bytes()
    flow_rows, plain_rows = _store_rows(flow_out / "omreview.sqlite"), _store_rows(plain_out / "omreview.sqlite")
    assert flow_rows["applicants"] and flow_rows["documents"]
    assert flow_rows == plain_rows


def test_an_idle_server_stops_and_removes_its_state(tmp_path):
    home = (tmp_path / "home").resolve()
    claim = resident.claim(home, idle=1.0)
    url = claim.ready()
    state = resident.read_state(home)
    assert state is not None and state.api_url == url
    time.sleep(2.5)
    assert resident._alive(state.pid), "stopped while a command used it"
    claim.release()
    assert _gone(state.pid), "an idle server did not stop"
    assert not (home / resident.STATE).exists()
    assert "stops (idle)" in (home / resident.LOG).read_text()


def test_a_stale_state_file_is_ignored(tmp_path, cleanup):
    home = (tmp_path / "home").resolve()
    home.mkdir(mode=0o700)
    cleanup.append(home)
    # a process that is alive but not a server of this home (this test), on a port nobody listens on
    stale = {"pid": os.getpid(), "port": 9, "prefect": resident._prefect_version(), "home": str(home)}
    (home / resident.STATE).write_text(json.dumps(stale))
    assert resident.live(home) is None
    claim = resident.claim(home, idle=120.0)
    try:
        url = claim.ready()
    finally:
        claim.release()
    state = resident.read_state(home)
    assert state is not None and state.pid != os.getpid() and state.api_url == url
    assert resident.live(home) == state


def test_two_commands_at_once_start_one_server(tmp_path, cleanup):
    home = (tmp_path / "home").resolve()
    cleanup.append(home)
    urls: list[str] = []
    claims: list[resident.Claim] = []
    lock = threading.Lock()

    def command() -> None:
        claim = resident.claim(home, idle=120.0)
        url = claim.ready()
        with lock:
            urls.append(url)
            claims.append(claim)

    threads = [threading.Thread(target=command) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(240)
    for claim in claims:
        claim.release()
    assert len(urls) == 2 and urls[0] == urls[1]
    assert len(_servers_of(home)) == 1


def test_idle_zero_keeps_a_temporary_server_per_command(tmp_path):
    out = tmp_path / "out"
    _run(SAMPLE_DOCS / "app-01", out, idle="0")
    assert not (out / ".prefect" / resident.STATE).exists()
    assert _servers_of((out / ".prefect").resolve()) == []


def test_an_idle_time_that_is_not_seconds_is_a_plain_error(monkeypatch):
    from omreview.errors import InputError

    monkeypatch.setenv(resident.IDLE_ENV, "soon")
    with pytest.raises(InputError, match="OMREVIEW_LOCAL_SERVER_IDLE='soon' is not a number of seconds"):
        resident.idle_seconds()
