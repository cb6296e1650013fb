"""``omreview serve``: the scheduled batch deployment and the reviewer's applicant deployment."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment

from omreview.flows.serve import APPLICANT_DEPLOYMENT, BATCH_DEPLOYMENT, deployments
from tests.conftest import SAMPLE_DOCS

EXE = Path(sys.executable).with_name("omreview")


def test_deployments_schedule_the_batch_and_wait_for_reviewers(tmp_path):
    batch, applicant = deployments(SAMPLE_DOCS, tmp_path / "out", cron="30 1 * * *", timezone="Asia/Shanghai")
    assert (batch.name, applicant.name) == (BATCH_DEPLOYMENT, APPLICANT_DEPLOYMENT)
    [schedule] = batch.schedules
    assert schedule.schedule.cron == "30 1 * * *" and schedule.schedule.timezone == "Asia/Shanghai"
    assert batch.parameters["intake_folder"] == str(SAMPLE_DOCS.resolve())
    assert not applicant.schedules
    assert applicant.parameters["out"] == str((tmp_path / "out").resolve())
    assert "folder" in applicant._parameter_openapi_schema.required
    assert applicant.entrypoint == "omreview.flows.applicant.applicant_flow"


def test_serve_without_a_server_says_how_to_start_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "home")  # no profile naming a server
    done = subprocess.run([EXE, "serve", "--intake", str(SAMPLE_DOCS), "--out", str(tmp_path / "out")], env=env,
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 2
    message = " ".join(done.stderr.split())  # rich wraps lines
    assert "prefect server start" in message and "PREFECT_API_URL" in message and "Traceback" not in message


def test_a_reviewer_triggers_one_applicant_on_the_served_deployment(prefect_api, tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
    log = tmp_path / "serve.log"
    with open(log, "w") as sink:
        serving = subprocess.Popen([EXE, "serve", "--intake", str(SAMPLE_DOCS), "--out", str(out), "--cron",
                                    "0 2 * * *"], env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        name = f"omreview-applicant/{APPLICANT_DEPLOYMENT}"
        deadline = time.monotonic() + 120
        with get_client(sync_client=True) as client:
            while time.monotonic() < deadline:
                try:
                    client.read_deployment_by_name(name)
                    break
                except Exception:
                    assert serving.poll() is None, log.read_text()
                    time.sleep(0.5)
            scheduled = client.read_deployment_by_name(f"omreview-batch/{BATCH_DEPLOYMENT}")
        assert [s.schedule.cron for s in scheduled.schedules] == ["0 2 * * *"]
        run = run_deployment(name, parameters={"folder": str(SAMPLE_DOCS / "app-07")}, timeout=180)
        assert run.state.is_completed(), (run.state, log.read_text())
        report = json.loads((out / "app-07" / "report.json").read_text(encoding="utf-8"))
        assert report["verdict"] == "needs_review"
    finally:
        serving.send_signal(signal.SIGINT)
        try:
            serving.wait(30)
        except subprocess.TimeoutExpired:
            serving.kill()
            serving.wait()


def _serve(url: str, out: Path, log: Path) -> subprocess.Popen:
    """``omreview serve`` against ``url``, once it serves (both deployments registered there)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    env = {**os.environ, "PREFECT_API_URL": url}
    with open(log, "w") as sink:
        serving = subprocess.Popen([EXE, "serve", "--intake", str(SAMPLE_DOCS), "--out", str(out)], env=env,
                                   stdout=sink, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while "Serving omreview-batch" not in log.read_text():  # said once the runner serves
        assert serving.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
    with temporary_settings(updates={PREFECT_API_URL: url}), get_client(sync_client=True) as client:
        assert not client.read_deployment_by_name(f"omreview-batch/{BATCH_DEPLOYMENT}").paused
    return serving


def _stopped(serving: subprocess.Popen, seconds: float) -> tuple[int, float]:
    start = time.monotonic()
    serving.send_signal(signal.SIGTERM)
    try:
        return serving.wait(seconds), time.monotonic() - start
    except subprocess.TimeoutExpired:
        serving.kill()
        serving.wait()
        raise AssertionError(f"omreview serve still running {seconds:.0f} s after SIGTERM") from None


def test_serve_stops_on_sigterm_and_pauses_its_schedule_or_says_why_not(tmp_path):
    """Stopping pauses the batch's schedule on the server; with the server gone it gives up after
    ``STOP_SECONDS`` with a plain message (Prefect's runner alone retries forever)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from omreview.flows.local import LocalServer
    from omreview.flows.serve import STOP_SECONDS

    server = LocalServer(tmp_path / "home")
    server.start()
    url = server.wait_ready()
    try:
        log = tmp_path / "serve-1.log"
        code, took = _stopped(_serve(url, tmp_path / "out", log), 60)
        assert code == 0 and "Traceback" not in log.read_text(), log.read_text()
        assert "prefect deployment run omreview-applicant/reviewer --param folder=" in log.read_text()
        with temporary_settings(updates={PREFECT_API_URL: url}), get_client(sync_client=True) as client:
            assert client.read_deployment_by_name(f"omreview-batch/{BATCH_DEPLOYMENT}").paused

        log = tmp_path / "serve-2.log"
        serving = _serve(url, tmp_path / "out", log)
        server.process.kill()  # the server goes away under a running serve
        server.process.wait()
        code, took = _stopped(serving, STOP_SECONDS + 40)
        text = " ".join(log.read_text().split())
        assert code == 1 and took >= STOP_SECONDS - 1, text
        assert f"the Prefect server at {url} did not answer" in text and "prefect deployment pause" in text
    finally:
        server.stop()
