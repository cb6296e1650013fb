"""A reviewer's run from Prefect on ``omreview serve`` (issue #17 point 9): what the reviewer sees in the run's
name, state and logs, and what ``serve`` says. Against a Prefect server of the module's own (serve is stopped
and started again)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.concurrency.sync import concurrency
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Completed, Running

from omreview.flows.applicant import SLOT_PREFIX, reviewer_flow
from tests.conftest import SAMPLE_DOCS

EXE = Path(sys.executable).with_name("omreview")
REVIEWER = "omreview-applicant/reviewer"


class Serving:
    def __init__(self, url: str, out: Path, logs: Path) -> None:
        self.url, self.out, self.logs, self.count = url, out, logs, 0
        self.process: subprocess.Popen | None = None
        self.log: Path | None = None

    def start(self) -> str:
        """Start omreview serve; what it printed once it serves."""
        self.count += 1
        self.log = self.logs / f"serve-{self.count}.log"
        env = {**os.environ, "PREFECT_API_URL": self.url}
        env.pop("PREFECT_RUNNER_POLL_FREQUENCY", None)
        with open(self.log, "w") as sink:
            self.process = subprocess.Popen([EXE, "serve", "--intake", str(SAMPLE_DOCS), "--out", str(self.out)],
                                            env=env, stdout=sink, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while "Serving omreview-batch" not in self.log.read_text():
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.2)
        return self.log.read_text()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from omreview.flows.local import LocalServer

    root = tmp_path_factory.mktemp("serve-reviewer")
    server = LocalServer(root / "home")
    server.start()
    url = server.wait_ready()
    serving = Serving(url, root / "out", root)
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            serving.start()
            yield serving
    finally:
        serving.stop()
        server.stop()


def _trigger(applicant: str, wait: float = 120):
    return run_deployment(REVIEWER, parameters={"applicant": applicant}, timeout=wait)


def _logs(run_id, until: str | None = None, seconds: float = 30) -> list[tuple[int, str]]:
    """The flow run's own log lines (level, message; its tasks' aside), once one contains ``until`` (they arrive a
    moment after the run)."""
    deadline = time.monotonic() + seconds
    with get_client(sync_client=True) as client:
        while True:
            logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
            lines = [(log.level, log.message) for log in sorted(logs, key=lambda log: log.timestamp)
                     if log.task_run_id is None]
            if until is None or any(until in m for _, m in lines) or time.monotonic() > deadline:
                return lines
            time.sleep(0.3)


def test_a_reviewers_run_is_named_after_the_applicant_and_ends_with_its_verdict_in_chinese(served):
    run = _trigger("app-07")
    assert run.state.is_completed(), (run.state, served.log.read_text())
    assert run.name == "app-07"
    report_path = (served.out / "app-07" / "report.json").resolve()
    assert json.loads(report_path.read_text(encoding="utf-8"))["verdict"] == "needs_review"
    lines = _logs(run.id, until="Finished in state")
    verdict = [m for _, m in lines if m.startswith("app-07：")]
    assert verdict == [f"app-07：需复核，报告 {report_path}"], lines
    finished = next(i for i, (_, m) in enumerate(lines) if m.startswith("Finished in state"))
    assert lines.index((20, verdict[0])) == finished - 1  # the run's last line before Prefect's own


@pytest.mark.parametrize("mistake", ["app-99", "empty", "missing"])
def test_a_reviewers_mistake_ends_the_run_with_one_plain_error_line(served, tmp_path, mistake):
    empty = tmp_path / "app-empty"
    empty.mkdir()
    (empty / "Thumbs.db").write_bytes(b"")  # debris only: nothing to review
    given = {"app-99": "app-99", "empty": str(empty), "missing": str(tmp_path / "app-gone")}[mistake]
    reason = {"app-99": f"受理目录 {SAMPLE_DOCS} 中没有 app-99：请填写其中的子目录名（如 app-07）",
              "empty": f"申报材料目录 {empty} 中没有文件：请先放入申报材料，再运行",
              "missing": f"找不到申报材料目录 {tmp_path / 'app-gone'}：请填写本机可见目录的完整路径"}[mistake]
    run = _trigger(given)
    assert run.state.is_failed(), run.state
    assert run.state.message.startswith(reason), run.state.message
    lines = _logs(run.id, until="Finished in state")
    errors = [m for level, m in lines if level >= 40]
    assert len(errors) == 1 and errors[0].startswith(reason), lines
    assert not any("Traceback" in m for _, m in lines), lines


def _final(run_id, seconds: float = 60):
    with get_client(sync_client=True) as client:
        deadline = time.monotonic() + seconds
        while not (state := client.read_flow_run(run_id).state).is_final() and time.monotonic() < deadline:
            time.sleep(0.2)
    return state


def test_a_second_run_for_the_same_applicant_waits_for_the_first(served):
    """One run per applicant at a time: the applicant's concurrency slot on the Prefect server. Held here by a
    run of app-07 that is Running (as one in another process would be), a reviewer's run says it waits, and goes
    on once the slot is free."""
    _trigger("app-07")  # the slot exists from the applicant's first run
    with get_client(sync_client=True) as client:
        other = client.create_flow_run(reviewer_flow, name="app-07", state=Running())
    try:
        with concurrency(SLOT_PREFIX + "app-07", occupy=1, strict=True):
            run = _trigger("app-07", wait=0)
            lines = _logs(run.id, until="等它结束")
            waits = "app-07 的另一次审查正在进行，本次运行等它结束后开始"
            assert waits in [m for _, m in lines], lines
            with get_client(sync_client=True) as client:
                assert client.read_flow_run(run.id).state.is_running()
    finally:
        with get_client(sync_client=True) as client:
            client.set_flow_run_state(other.id, Completed(), force=True)
    assert _final(run.id).is_completed()


def test_a_slot_left_by_a_run_that_never_ended_is_freed_not_waited_for(served):
    """A slot counted as held while no run of the applicant is Running (its process was killed, or the server
    restarted and forgot the lease): the run frees it, says so, and goes on."""
    _trigger("app-07")
    with concurrency(SLOT_PREFIX + "app-07", occupy=1, strict=True):  # nobody Running holds it
        run = _trigger("app-07")
    assert run.state.is_completed(), run.state
    messages = [m for _, m in _logs(run.id, until="Finished in state")]
    assert "app-07 的审查名额被一次未正常结束的运行占用，已释放" in messages, messages


def test_runs_triggered_while_serve_was_stopped_are_said_and_run_when_it_starts(served):
    served.stop()
    run = _trigger("app-07", wait=0)
    time.sleep(1)
    printed = served.start()
    assert (f"waited while omreview serve was stopped: a run of {REVIEWER} (applicant=app-07), due "
            in printed), printed
    assert "running it now" in printed
    assert _final(run.id).is_completed()
