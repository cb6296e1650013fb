"""The Prefect flows against a local Prefect server (one for the session: the ``prefect_api`` fixture).

A batch over a few samples, its re-run that repeats nothing, a full batch over all 20, a broken
applicant, a batch killed midway and run again, the artifacts and the Dask runner.
"""

import gc
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import weakref
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, LogFilter, LogFilterFlowRunId
from typer.testing import CliRunner

from omreview import cli
from omreview import intake as steps
from omreview.artifacts import artifact_key, batch_markdown
from omreview.errors import InputError
from omreview.flows.applicant import applicant_flow
from omreview.flows.batch import batch_flow
from omreview.flows.local import settle
from omreview.model import Report
from omreview.review import review_applicant
from tests.conftest import ROOT, SAMPLE_DOCS
from tests.test_flows_privacy import assert_no_personal_data, personal_data_of

GOLDEN = ROOT / "tests" / "golden" / "samples"
# app-01 twice (the same roster on two applicants: the batch rules flag every person on both)
SUBSET = {"app-01": "app-01", "app-01-copy": "app-01", "app-06": "app-06", "app-17": "app-17"}


def _intake(root: Path, members: dict[str, str]) -> Path:
    intake = root / "intake"
    for name, sample in members.items():
        shutil.copytree(SAMPLE_DOCS / sample, intake / name)
    return intake


def _rows(out: Path) -> dict[str, int]:
    with sqlite3.connect(out / "omreview.sqlite") as c:
        return {t: c.execute(f"select count(*) from {t}").fetchone()[0] for t in ("applicants", "batches", "checks")}


def _reports(out: Path) -> dict[str, str]:
    return {p.parent.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*/report.json"))}


def _artifact(key: str):
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    return max(found, key=lambda a: a.created) if found else None


def _task_run_logs(flow_run_id) -> list:
    settle(wait=False)  # the client's queued logs delivered
    with get_client(sync_client=True) as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
    return [log for log in logs if log.task_run_id is not None]


@pytest.fixture(scope="module")
def clean_batch(prefect_api, tmp_path_factory):
    """The subset reviewed by one uninterrupted batch: (intake, out, summary)."""
    root = tmp_path_factory.mktemp("clean")
    intake = _intake(root, SUBSET)
    summary = batch_flow(intake_folder=intake, out=root / "out")
    return intake, root / "out", summary


def test_batch_reviews_every_applicant_and_applies_the_batch_rules(clean_batch):
    _, out, summary = clean_batch
    assert {r.applicant: r.outcome for r in summary.rows} == dict.fromkeys(SUBSET, steps.Outcome.REVIEWED)
    reports = {k: json.loads(v) for k, v in _reports(out).items()}
    assert set(reports) == set(SUBSET)
    for name, sample in SUBSET.items():
        expected = json.loads((GOLDEN / f"{sample}.json").read_text(encoding="utf-8"))
        assert {c["id"]: c["status"] for c in reports[name]["checks"]} == expected["checks"]
    for name in ("app-01", "app-01-copy"):  # the same people on both rosters
        cross = [d for d in reports[name]["discrepancies"] if d["figure"].startswith("roster.cross_applicant.")]
        assert len(cross) == int(reports[name]["figures"]["om_staff_count"]["value"]) > 0
        assert reports[name]["verdict"] == "needs_review"
    assert reports["app-06"]["verdict"] == "meets" and reports["app-17"]["verdict"] == "incomplete"
    assert _rows(out)["applicants"] == 4 and _rows(out)["batches"] == 1
    batch = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert batch["counts"]["reviewed"] == 4 and batch["batch_inputs"]
    table = _artifact(artifact_key("batch", "intake"))
    assert table is not None and {row["申报编号"] for row in json.loads(table.data)} == set(SUBSET)


def test_a_batch_holds_its_reports_in_a_scratch_file_that_leaves_nothing_behind(clean_batch):
    # memory flat in the intake's size (issue #20 point 4): the reports wait on disk, not in memory
    _, out, summary = clean_batch
    for row in summary.rows:
        assert row.kept is not None and row.kept.spilled  # only its place in the scratch file is held
        assert row.kept.get() == Report.model_validate_json((out / row.applicant / "report.json").read_bytes())
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("omreview-batch-")) == []


def test_a_rerun_repeats_no_work_and_writes_no_row(clean_batch, monkeypatch):
    intake, out, _ = clean_batch
    before_rows, before_reports = _rows(out), _reports(out)
    mtimes = {p: p.stat().st_mtime_ns for p in out.glob("*/report.json")}

    def no_reading(*_a, **_kw):
        raise AssertionError("an unchanged batch read a document")

    monkeypatch.setattr(steps, "read_file", no_reading)
    summary = batch_flow(intake_folder=intake, out=out)
    assert {r.outcome for r in summary.rows} == {steps.Outcome.UNCHANGED}
    after = _rows(out)
    assert after["applicants"] == before_rows["applicants"] and after["checks"] == before_rows["checks"]
    assert after["batches"] == before_rows["batches"] + 1  # the run itself is recorded
    assert _reports(out) == before_reports
    assert {p: p.stat().st_mtime_ns for p in out.glob("*/report.json")} == mtimes


def test_a_batch_killed_midway_completes_on_the_next_run(clean_batch, prefect_api, tmp_path):
    intake, clean_out, _ = clean_batch
    out = tmp_path / "out"
    env = {**os.environ, "PREFECT_API_URL": prefect_api}
    exe = Path(sys.executable).with_name("omreview")
    proc = subprocess.Popen([exe, "batch", str(intake), "--out", str(out), "--workers", "1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while not list(out.glob("*/report.json")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    written = {p.parent.name for p in out.glob("*/report.json")}
    assert 0 < len(written) < len(SUBSET), "the batch was not killed midway"
    with sqlite3.connect(out / "omreview.sqlite") as c:  # a report is done once it is in the store
        stored = {row[0] for row in c.execute("select applicant_id from applicants")}
    summary = batch_flow(intake_folder=intake, out=out)
    outcomes = {r.applicant: r.outcome for r in summary.rows}
    assert {a for a, o in outcomes.items() if o is steps.Outcome.UNCHANGED} == stored
    assert {a for a, o in outcomes.items() if o is steps.Outcome.REVIEWED} == set(SUBSET) - stored
    assert _rows(out)["applicants"] == len(SUBSET)  # nothing twice, nothing lost
    assert _reports(out) == _reports(clean_out)  # as if it had never been interrupted


def test_one_broken_applicant_never_fails_the_batch(prefect_api, tmp_path, monkeypatch):
    intake = _intake(tmp_path, {"app-06": "app-06", "crashes": "app-19", "opens-badly": "app-02"})
    (intake / "unreadable").mkdir()
    (intake / "unreadable" / "scan.pdf").write_bytes(b"")  # its only file cannot be read
    (intake / "empty").mkdir()
    real, real_open = steps.review_documents, steps.open_applicant

    def crash(packet, *a, **kw):
        if packet.applicant_id == "crashes":
            raise RuntimeError("a bug in one applicant")
        return real(packet, *a, **kw)

    def crash_opening(folder, *a, **kw):
        if folder.name == "opens-badly":
            raise KeyError("a bug while opening one applicant")
        return real_open(folder, *a, **kw)

    monkeypatch.setattr(steps, "review_documents", crash)
    monkeypatch.setattr(steps, "open_applicant", crash_opening)
    out = tmp_path / "out"
    state = batch_flow(intake_folder=intake, out=out, return_state=True)
    assert state.is_completed()
    summary = state.result()
    assert state.message == batch_markdown(summary) and "5" in state.message  # the counts, beside the state
    outcomes = {r.applicant: r.outcome for r in summary.rows}
    assert outcomes == {"app-06": "reviewed", "crashes": "failed", "opens-badly": "failed", "unreadable": "reviewed",
                        "empty": "rejected"}
    assert "a bug in one applicant" in (out / "crashes" / "error.log").read_text()
    assert "a bug while opening one applicant" in (out / "opens-badly" / "error.log").read_text()
    assert not (out / "crashes" / "report.json").exists()
    broken = json.loads((out / "unreadable" / "report.json").read_text(encoding="utf-8"))
    assert broken["verdict"] == "incomplete" and broken["documents"][0]["status"] == "error"
    assert _rows(out)["applicants"] == 2  # the failed ones are not stored: the next run tries them again
    batch = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert batch["counts"] == {"reviewed": 2, "unchanged": 0, "rejected": 1, "failed": 2, "deferred": 0}
    assert batch["batch_inputs"] is None  # the batch rules missed one: worked out again next time
    # the failed task's error and traceback reach the Prefect API (the run's logs in the UI)
    logs = _task_run_logs(state.state_details.flow_run_id)
    assert any(log.level >= 40 and "a bug in one applicant" in log.message for log in logs)
    monkeypatch.setattr(steps, "review_documents", real)
    monkeypatch.setattr(steps, "open_applicant", real_open)
    again = {r.applicant: r.outcome for r in batch_flow(intake_folder=intake, out=out).rows}
    assert again["crashes"] == again["opens-badly"] == "reviewed"
    assert not (out / "crashes" / "error.log").exists() and not (out / "opens-badly" / "error.log").exists()


def test_a_batch_lets_go_of_each_applicants_records_once_assessed(prefect_api, tmp_path, monkeypatch):
    """Prefect keeps finished tasks (future, final state, result) in reference cycles that only the garbage
    collector frees. The records and reviews handed through them (``tasks.Parcel``) are released as soon as
    they are taken, so what a batch holds does not grow with its intake."""
    records, reports = [], []
    real_read, real_assess = steps.read_file, steps.assess

    def read(pf, rules):
        pair = real_read(pf, rules)
        if pair[1] is not None:
            records.append(weakref.ref(pair[1]))
        return pair

    def assess(*args, **kwargs):
        review = real_assess(*args, **kwargs)
        reports.append(weakref.ref(review.report))
        return review

    monkeypatch.setattr(steps, "read_file", read)
    monkeypatch.setattr(steps, "assess", assess)
    intake = _intake(tmp_path, {"app-06": "app-06", "app-17": "app-17"})
    gc.collect()
    gc.disable()  # only what reference counting frees
    try:
        summary = batch_flow(intake_folder=intake, out=tmp_path / "out")
        held_records = sum(r() is not None for r in records)
        held_reports = sum(r() is not None for r in reports)
    finally:
        gc.enable()
    assert summary.count(steps.Outcome.REVIEWED) == 2 and len(reports) == 2 and len(records) >= 6
    assert (held_records, held_reports) == (0, 0), \
        f"still held: {held_records} of {len(records)} records, {held_reports} of {len(reports)} reports"


def test_a_flow_run_keeps_nothing_of_a_task_run_whose_outcome_was_taken(prefect_api):
    """Prefect keeps a copy of each task run's state (by its result's id), its assets and a cancel event until
    the flow run ends (~3 KB a task run: a batch grew with its applicants); ``tasks.outcome`` lets go of them."""
    from prefect import flow, task
    from prefect.context import FlowRunContext
    from prefect.task_runners import ThreadPoolTaskRunner

    from omreview.flows import tasks as flow_tasks

    class Made:
        pass

    @task
    def make() -> Made:
        return Made()

    def kept(context, future, result) -> tuple[bool, bool, bool]:
        return (id(result) in context.run_results, future.task_run_id in context.task_runner._cancel_events,
                future.task_run_id in context.task_run_assets)

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=1))
    def run() -> tuple[tuple[bool, bool, bool], tuple[bool, bool, bool], bool]:
        context = FlowRunContext.get()
        plain = make.submit()
        taken = make.submit()
        result = flow_tasks.outcome(taken)
        return kept(context, plain, plain.result()), kept(context, taken, result), isinstance(result, Made)

    plain, taken, made = run()
    assert plain[:2] == (True, True)  # what Prefect keeps of a task run (what this test is about)
    assert taken == (False, False, False) and made


def test_applicant_flow_records_a_report_and_a_masked_artifact(prefect_api, tmp_path):
    out = tmp_path / "out"
    report = applicant_flow(folder=SAMPLE_DOCS / "app-07", out=out)
    assert report == review_applicant(SAMPLE_DOCS / "app-07")
    assert json.loads((out / "app-07" / "report.json").read_text(encoding="utf-8"))["verdict"] == "needs_review"
    assert _rows(out)["applicants"] == 1
    applicant_flow(folder=SAMPLE_DOCS / "app-07", out=out)  # a reviewer's second run: an upsert
    assert _rows(out)["applicants"] == 1
    artifact = _artifact("applicant-app-07")
    markdown = artifact.data
    assert artifact.description == "omreview：app-07 需复核"
    assert "# app-07：需复核" in markdown and "人员名册第70行身份证号重复" in markdown  # Chinese, no codes
    assert "needs_review" not in markdown and "roster.duplicate" not in markdown
    assert_no_personal_data(markdown, personal_data_of(SAMPLE_DOCS / "app-07"))


def test_applicant_flow_refuses_other_rules(prefect_api, tmp_path):
    with pytest.raises(InputError, match="rules version"):
        applicant_flow(folder=SAMPLE_DOCS / "app-07", rules_version="1999.1", out=tmp_path)


def test_full_batch_over_the_twenty_samples_through_the_command_line(prefect_api, tmp_path, monkeypatch):
    # app-01 … app-20 (text-layer PDFs); scanned samples after them have their own, slower, OCR tests
    cases = [f"app-{i:02d}" for i in range(1, 21)]
    intake = _intake(tmp_path, {case: case for case in cases})
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)  # the intake named relative to the working folder, as the README does
    result = CliRunner().invoke(cli.app, ["batch", "intake", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "ERROR" not in result.output
    reports = {k: json.loads(v) for k, v in _reports(out).items()}
    assert sorted(reports) == cases
    for case in cases:
        expected = json.loads((GOLDEN / f"{case}.json").read_text(encoding="utf-8"))
        assert reports[case]["verdict"] == expected["verdict"], case
    assert _rows(out)["applicants"] == len(cases)
    with sqlite3.connect(out / "omreview.sqlite") as c:  # absolute: the dashboard finds the originals from anywhere
        assert c.execute("select intake from batches").fetchall() == [(str(intake.resolve()),)]
    table = json.loads(_artifact(artifact_key("batch", "intake")).data)
    assert [row["申报编号"] for row in table] == cases
    for row in table:
        assert_no_personal_data(json.dumps(row, ensure_ascii=False), {})


def test_dask_runner_on_a_local_cluster(prefect_api, tmp_path):
    pytest.importorskip("prefect_dask")
    intake = _intake(tmp_path, {"app-06": "app-06", "app-17": "app-17"})
    out = tmp_path / "out"
    # the command, so that what its worker processes print on the terminal is seen too
    done = subprocess.run([Path(sys.executable).with_name("omreview"), "batch", str(intake), "--out", str(out),
                           "--dask", "local", "--workers", "2"], env={**os.environ, "PREFECT_API_URL": prefect_api},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    terminal = done.stdout + done.stderr
    assert "app-06: meets" in terminal and "app-17: incomplete" in terminal
    assert "INFO" not in terminal and "Traceback" not in terminal and "ERROR" not in terminal, terminal
    assert _reports(out)["app-06"] == json.dumps(
        review_applicant(SAMPLE_DOCS / "app-06").model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
    assert _rows(out)["applicants"] == 2


def test_only_io_is_retried(prefect_api, tmp_path, monkeypatch):
    real, calls = steps.record, []

    def flaky(report, *a, **kw):
        calls.append(report.applicant.id)
        if len(calls) == 1:
            raise OSError("disk busy")  # I/O: retried
        return real(report, *a, **kw)

    monkeypatch.setattr(steps, "record", flaky)
    applicant_flow(folder=SAMPLE_DOCS / "app-06", out=tmp_path / "a")
    assert calls == ["app-06", "app-06"]

    def buggy(*_a, **_kw):
        calls.append("bug")
        raise ValueError("a bug")  # not retried

    monkeypatch.setattr(steps, "record", buggy)
    with pytest.raises(ValueError, match="a bug"):
        applicant_flow(folder=SAMPLE_DOCS / "app-06", out=tmp_path / "b")
    assert calls.count("bug") == 1


def _task_runs(flow_run_id) -> list:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    settle()  # the server recorded every task run of this process
    with get_client(sync_client=True) as client:
        return client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))


def test_an_applicant_is_one_task_run_and_each_documents_error_is_a_line_of_its_log(prefect_api, tmp_path,
                                                                                   monkeypatch):
    intake = _intake(tmp_path, {"whole-06": "app-06", "reader-bug": "app-19"})
    (intake / "whole-06" / "blank.pdf").write_bytes(b"")  # cannot be read: a document in error, not a bug
    real = steps.read_file

    def buggy(pf, rules):
        if pf.path.parent.name == "reader-bug" and pf.rel.endswith(".xlsx"):
            raise RuntimeError("boom in the roster reader")
        return real(pf, rules)

    monkeypatch.setattr(steps, "read_file", buggy)
    out = tmp_path / "out"
    state = batch_flow(intake_folder=intake, out=out, return_state=True)
    summary = state.result()
    assert {r.applicant: r.outcome for r in summary.rows} == {"whole-06": "reviewed", "reader-bug": "failed"}
    assert "boom in the roster reader" in (out / "reader-bug" / "error.log").read_text()
    names = sorted(run.name for run in _task_runs(state.state_details.flow_run_id))
    assert "review-whole-06" in names and "review-reader-bug" in names
    assert not [n for n in names if n.startswith(("read-document", "assess-"))]  # no task run per document
    logs = _task_run_logs(state.state_details.flow_run_id)
    assert any(log.level == 30 and log.message.startswith("blank.pdf: not read") for log in logs)
    assert any(log.level == 40 and ".xlsx: not read, a bug in its reader: RuntimeError: boom in the roster reader"
               in log.message for log in logs)


def test_each_applicant_has_one_artifact_per_batch_with_its_final_report(prefect_api, tmp_path):
    # the same roster on both: the batch rules change both reports after they were assessed
    intake = _intake(tmp_path, {"once-a": "app-01", "once-b": "app-01"})
    batch_flow(intake_folder=intake, out=tmp_path / "out")
    settle(wait=False)
    with get_client(sync_client=True) as client:
        versions = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=[artifact_key("applicant", "once-a")])))
    assert len(versions) == 1
    final = json.loads((tmp_path / "out" / "once-a" / "report.json").read_text(encoding="utf-8"))
    assert "once-b" in json.dumps(final["discrepancies"], ensure_ascii=False)  # the batch rules' findings ...
    assert "once-b" in versions[0].data  # ... are in the one version of its artifact


def test_a_document_read_again_after_an_io_error_is_a_line_of_its_applicants_log(prefect_api, tmp_path, monkeypatch):
    intake = _intake(tmp_path, {"busy-disk": "app-06"})
    real, failures = steps.read_file, []

    def flaky(pf, rules):
        if pf.rel.endswith(".xlsx") and not failures:
            failures.append(pf.rel)
            raise OSError("disk busy")
        return real(pf, rules)

    monkeypatch.setattr(steps, "read_file", flaky)
    state = batch_flow(intake_folder=intake, out=tmp_path / "out", return_state=True)
    assert {r.applicant: r.outcome for r in state.result().rows} == {"busy-disk": "reviewed"}
    logs = _task_run_logs(state.state_details.flow_run_id)
    assert any(log.level == 30 and log.message == f"{failures[0]}: OSError: disk busy; read again in 1 s"
               for log in logs), [log.message for log in logs]
    report = json.loads((tmp_path / "out" / "busy-disk" / "report.json").read_text(encoding="utf-8"))
    assert [d["status"] for d in report["documents"] if d["file"] == failures[0]] == ["ok"]  # read the second time
