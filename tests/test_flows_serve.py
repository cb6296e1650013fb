"""``omreview serve``: the scheduled batch deployment and the reviewer's applicant deployment."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from prefect.client.orchestration import get_client

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
    assert applicant.entrypoint == "omreview.flows.applicant.reviewer_flow"


def test_the_cron_is_in_the_review_bodys_time_zone_unless_told(tmp_path, monkeypatch):
    monkeypatch.delenv("OMREVIEW_TIME_ZONE", raising=False)
    batch, _ = deployments(SAMPLE_DOCS, tmp_path / "out", cron="0 2 * * *")
    assert batch.schedules[0].schedule.timezone == "Asia/Shanghai"
    monkeypatch.setenv("OMREVIEW_TIME_ZONE", "Europe/Berlin")
    batch, _ = deployments(SAMPLE_DOCS, tmp_path / "out", cron="0 2 * * *")
    assert batch.schedules[0].schedule.timezone == "Europe/Berlin"


def test_the_reviewers_form_asks_for_the_applicant_and_the_date_only_each_described(tmp_path):
    """What the Custom run form shows: the applicant and the application date, each with a description and an
    example, the date a plain date (no None toggle) prefilled by the deployment; OUT, the store and the rules are
    not there to edit."""
    _, applicant = deployments(SAMPLE_DOCS, tmp_path / "out", cron="0 2 * * *", application_date=dt.date(2012, 6, 1))
    schema = applicant._parameter_openapi_schema
    assert set(schema.properties) == {"applicant", "application_date"}
    assert schema.required == ["applicant", "application_date"]
    assert "e.g. app-07" in schema.properties["applicant"]["description"]
    assert "e.g. 2012-06-01" in schema.properties["application_date"]["description"]
    assert schema.properties["application_date"]["format"] == "date"  # a date picker, not "date or None"
    assert "anyOf" not in schema.properties["application_date"]
    assert applicant.parameters == {"application_date": "2012-06-01"}
    assert str((tmp_path / "out").resolve()) in applicant.description


def test_serve_without_a_server_says_how_to_start_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "home")  # no profile naming a server
    done = subprocess.run([EXE, "serve", "--intake", str(SAMPLE_DOCS), "--out", str(tmp_path / "out")], env=env,
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 2
    message = " ".join(done.stderr.split())  # rich wraps lines
    assert "prefect server start" in message and "PREFECT_API_URL" in message and "Traceback" not in message


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
        assert "prefect deployment run omreview-applicant/reviewer --param applicant=app-07" in log.read_text()
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
