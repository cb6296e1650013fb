"""The intake is what is on disk: an applicant whose folder is gone at a batch of its intake folder is marked
withdrawn in the store (history kept), its OUT/<id> set aside, and it is left out of the exports and the
overview unless asked for; one that comes back is un-withdrawn (issue #15)."""

import json
import os
import shutil

import openpyxl
import pandas as pd
from typer.testing import CliRunner

from omreview import cli
from omreview import intake as steps
from omreview.exports import DOCX_NAME, WORKBOOK_NAME
from omreview.overview import ApplicantFilter, filter_entries, overview_frame
from omreview.report import write_report
from omreview.store import ResultStore
from tests.store_factory import reviewed

runner = CliRunner()


def _store(path, intakes):
    """A migrated store: for each intake path, a batch holding those applicants; ``None`` for rows of no batch.
    An applicant ``app-07b`` is sample app-07's report under that id."""
    store = ResultStore(f"sqlite:///{path}")
    store.migrate()
    for intake, names in intakes.items():
        batch_id = store.start_batch(intake, "x") if intake is not None else None
        for name in names:
            report, digest = reviewed(name[:6])
            applicant = report.applicant.model_copy(update={"id": name})
            store.save(report.model_copy(update={"applicant": applicant}), digest, batch_id)
    return store


def _withdrawn(store):
    return {e.applicant_id: e.withdrawn_at is not None for e in store.latest_applicants()}


def test_a_batch_withdraws_only_the_applicants_last_reviewed_from_its_own_intake_folder(tmp_path):
    a, b = str(tmp_path / "intake-a"), str(tmp_path / "intake-b")
    store = _store(tmp_path / "s.sqlite", {a: ("app-03", "app-07"), b: ("app-10",), None: ("app-07b",)})
    assert store.sync_withdrawn(a, ["app-03"]) == (["app-07"], [])
    assert _withdrawn(store) == {"app-03": False, "app-07": True, "app-10": False, "app-07b": False}
    assert store.sync_withdrawn(a, ["app-03"]) == ([], [])  # withdrawn once, its date kept
    assert store.sync_withdrawn(a, ["app-03", "app-07"]) == ([], ["app-07"])  # it came back
    assert not any(_withdrawn(store).values())
    store.sync_withdrawn(a, [])
    report, digest = reviewed("app-07")
    store.save(report, digest)  # reviewed again (omreview run): present
    assert _withdrawn(store) == {"app-03": True, "app-07": False, "app-10": False, "app-07b": False}


def test_a_withdrawn_applicants_output_folder_is_set_aside_and_its_rows_kept(tmp_path):
    intake = str(tmp_path / "intake")
    store = _store(tmp_path / "s.sqlite", {intake: ("app-03", "app-07")})
    out = tmp_path / "out"
    write_report(reviewed("app-07")[0], out)
    (out / ".withdrawn" / "app-07").mkdir(parents=True)  # withdrawn once before
    assert steps.withdraw_absent(store, intake, ["app-03"], out) == ["app-07"]
    assert not (out / "app-07").exists()
    assert json.loads((out / ".withdrawn" / "app-07.2" / "report.json").read_text())["applicant"]["id"] == "app-07"
    assert len(store.latest_applicants()) == 2  # kept in history


def test_the_overview_leaves_withdrawn_applicants_out_unless_asked(tmp_path):
    intake = str(tmp_path / "intake")
    store = _store(tmp_path / "s.sqlite", {intake: ("app-03", "app-07")})
    store.sync_withdrawn(intake, ["app-03"])
    entries = store.latest_applicants()
    assert [e.applicant_id for e in filter_entries(entries, ApplicantFilter())] == ["app-03"]
    everyone = filter_entries(entries, ApplicantFilter(include_withdrawn=True))
    rows = overview_frame(everyone, []).set_index("申报编号")
    assert pd.notna(rows.loc["app-07", "撤回时间"]) and pd.isna(rows.loc["app-03", "撤回时间"])
    assert "撤回时间" not in overview_frame(filter_entries(entries, ApplicantFilter()), [])


def _workbook_ids(dest):
    wb = openpyxl.load_workbook(dest / WORKBOOK_NAME)
    return [r[0] for r in wb["申报企业"].iter_rows(min_row=2, values_only=True)]


def test_the_export_command_leaves_withdrawn_applicants_out_unless_included(tmp_path, monkeypatch):
    monkeypatch.delenv("OMREVIEW_DB_URL", raising=False)
    intake = str(tmp_path / "intake")
    _store(tmp_path / "omreview.sqlite", {intake: ("app-03", "app-07")}).sync_withdrawn(intake, ["app-03"])
    result = runner.invoke(cli.app, ["export", "--out", str(tmp_path), "--to", str(tmp_path / "default")])
    assert result.exit_code == 0, result.output
    assert _workbook_ids(tmp_path / "default") == ["app-03"] and not (tmp_path / "default" / "app-07").exists()
    result = runner.invoke(cli.app, ["export", "--out", str(tmp_path), "--to", str(tmp_path / "all"),
                                     "--include-withdrawn"])
    assert result.exit_code == 0, result.output
    assert _workbook_ids(tmp_path / "all") == ["app-03", "app-07"]
    assert (tmp_path / "all" / "app-07" / DOCX_NAME).is_file()


def test_the_dashboard_overview_has_a_toggle_for_withdrawn_applicants(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    intake = str(tmp_path / "intake")
    store = _store(tmp_path / "s.sqlite", {intake: ("app-03", "app-07", "app-10")})
    store.sync_withdrawn(intake, ["app-03", "app-10"])
    monkeypatch.setenv("OMREVIEW_DASHBOARD_DB", store.url)
    monkeypatch.setenv("OMREVIEW_REVIEWER", "测试评审")
    page = os.path.join(os.path.dirname(__file__), "..", "dashboard", "page.py")
    at = AppTest.from_file(page, default_timeout=60).run()
    assert not at.exception
    assert at.metric[0].label == "申报企业" and at.metric[0].value == "2"
    assert at.toggle[0].label == "包括已撤回的申报企业（1家）" and at.toggle[0].value is False
    at.toggle[0].set_value(True).run()
    assert not at.exception and at.metric[0].value == "3"


# --- the batch command ---------------------------------------------------------------------------------------


def _tiny(folder):
    folder.mkdir(parents=True)
    (folder / "a.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")


def _batch(intake, out):
    result = runner.invoke(cli.app, ["batch", str(intake), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads((out / "batch.json").read_text(encoding="utf-8"))


def test_a_renamed_folder_is_one_withdrawn_and_one_new_and_one_back_is_unwithdrawn(tmp_path, monkeypatch,
                                                                                  prefect_api):
    monkeypatch.delenv("OMREVIEW_DB_URL", raising=False)
    intake, out = tmp_path / "intake", tmp_path / "out"
    _tiny(intake / "alpha")
    _tiny(intake / "beta")
    assert _batch(intake, out)["withdrawn"] == []
    (intake / "beta").rename(intake / "gamma")
    assert _batch(intake, out)["withdrawn"] == ["beta"]
    store = ResultStore(steps_url(out))
    assert _withdrawn(store) == {"alpha": False, "beta": True, "gamma": False}
    assert not (out / "beta").exists() and (out / ".withdrawn" / "beta" / "report.json").is_file()
    result = runner.invoke(cli.app, ["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert _workbook_ids(out / "exports") == ["alpha", "gamma"]
    (intake / "gamma").rename(intake / "beta")  # renamed back: unchanged, un-withdrawn, its report written again
    summary = _batch(intake, out)
    assert summary["withdrawn"] == ["gamma"]
    assert {r["applicant"]: r["status"] for r in summary["applicants"]} == {"alpha": "unchanged", "beta": "unchanged"}
    assert _withdrawn(store) == {"alpha": False, "beta": False, "gamma": True}
    assert (out / "beta" / "report.json").is_file()


def test_another_intake_folder_or_one_applicant_run_withdraws_no_one(tmp_path, monkeypatch, prefect_api):
    monkeypatch.delenv("OMREVIEW_DB_URL", raising=False)
    first, second, out = tmp_path / "first", tmp_path / "second", tmp_path / "out"
    _tiny(first / "alpha")
    _tiny(second / "delta")
    _batch(first, out)
    assert _batch(second, out)["withdrawn"] == []  # alpha is not of this intake folder
    result = runner.invoke(cli.app, ["run", str(second / "delta"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert _withdrawn(ResultStore(steps_url(out))) == {"alpha": False, "delta": False}
    shutil.rmtree(first / "alpha")
    _tiny(first / "beta")
    assert _batch(first, out)["withdrawn"] == ["alpha"]


def steps_url(out):
    return f"sqlite:///{out.resolve() / 'omreview.sqlite'}"


