"""What a batch decides from its tasks' results (``omreview.batching``), without Prefect: the batch flow only
submits tasks and hands their results to these functions."""

import datetime as dt
import json

import pytest

from omreview import batching, processes
from omreview import intake as steps
from omreview.intake import BatchSummary, Kept, Opened, Outcome, Row
from omreview.model import DocumentKind
from omreview.packet import load_packet
from omreview.processes import Interrupted
from omreview.records import Flag
from omreview.report import report_json
from omreview.rules import default_rules
from omreview.validators.batch import BatchEntry
from tests.conftest import SAMPLE_DOCS
from tests.records_factory import FORM_SRC, form, id_number, roster
from tests.store_factory import reviewed as stored_sample
from tests.test_batch_rules import _src
from tests.test_batch_whole_intake import BEIJING, _doc

RULES = default_rules()


def _summary() -> BatchSummary:
    return BatchSummary(intake="intake", rules_version=RULES.version, application_date=dt.date(2025, 3, 1))


def _opened(applicant_id: str, stored: bool = True, **changes) -> Opened:
    report, digest = stored_sample("app-03")
    report = report.model_copy(update={"applicant": report.applicant.model_copy(update={"id": applicant_id})})
    fields = {"packet": load_packet(SAMPLE_DOCS / "app-03"), "packet_hash": digest,
              "kept": Kept.of(report) if stored else None}
    return Opened(applicant_id=applicant_id, folder=SAMPLE_DOCS / "app-03", **{**fields, **changes})


class _Parcel:
    def __init__(self, value=None, taken=False):
        self.value, self.taken = value, taken

    def open(self):
        if self.taken:
            raise RuntimeError("taken")
        return self.value


def test_the_opened_intake_is_sorted_into_done_broken_and_to_review_in_id_order(tmp_path):
    out = tmp_path / "out"
    (out / "same").mkdir(parents=True)
    (out / "same" / "error.log").write_text("an old failure")
    folders = [tmp_path / n for n in ("bug", "empty", "copying", "same", "zz-new", "aa-new")]
    bug = ValueError("a bug while opening")
    results = [bug, Opened("empty", folders[1], error="no files"), Opened("copying", folders[2], deferred="wait"),
               _opened("same"), _opened("zz-new", stored=False), _opened("aa-new", stored=False)]
    summary = _summary()
    found = batching.sort_opened(folders, results, summary, out)
    assert found.broken == [("bug", bug)]
    assert found.done == [("empty", Outcome.REJECTED), ("copying", Outcome.DEFERRED), ("same", Outcome.UNCHANGED)]
    assert [o.applicant_id for o in found.to_review] == ["aa-new", "zz-new"]
    assert [o.applicant_id for o in found.unchanged] == ["same"]
    assert len(found.opened) == 5  # the rejected and deferred ones count in the batch's fingerprint
    assert [(r.applicant, r.outcome, r.error) for r in summary.rows] == [
        ("empty", Outcome.REJECTED, "no files"), ("copying", Outcome.DEFERRED, "wait")]
    assert not (out / "same" / "error.log").exists()  # its report is stored: the old failure is over


def test_a_failure_writes_its_traceback_and_a_row_unless_the_command_is_stopping(tmp_path, monkeypatch):
    summary = _summary()
    row = batching.fail(summary, "app-x", KeyError("field"), tmp_path)
    assert summary.rows == [row] and row.outcome is Outcome.FAILED and row.error_type == "KeyError"
    assert "KeyError: 'field'" in (tmp_path / "app-x" / "error.log").read_text()
    stopped = processes._StopState()
    stopped.signum = 15  # as a SIGTERM leaves it (without the signal handlers' watchdog)
    monkeypatch.setattr(processes, "_state", stopped)
    with pytest.raises(Interrupted):  # the error is the stop's, not the applicant's
        batching.fail(summary, "app-y", KeyError("field"), tmp_path)
    assert len(summary.rows) == 1 and not (tmp_path / "app-y").exists()


def test_a_broken_read_is_found_and_what_was_read_before_it_still_counts():
    relaxed = form(relaxation_requested=Flag(value=True, source=FORM_SRC))
    read = [_Parcel((_doc("form.docx", DocumentKind.APPLICATION_FORM), relaxed)),
            _Parcel((_doc("roster.xlsx", DocumentKind.STAFF_ROSTER), roster(staff=2, college=2)))]
    broken = OSError("reader crashed")
    assert batching.first_failure(read) is None
    assert batching.first_failure([read[0], broken, read[1]]) is broken
    whole = batching.failed_entry("a", read)
    assert whole.failed and whole.authority == BEIJING and whole.relaxation_requested
    assert list(whole.roster_ids) == [id_number(1), id_number(2)]
    form_only = batching.failed_entry("a", [read[0], broken, read[1]])
    assert form_only.form_known and not form_only.roster_known and not form_only.roster_ids
    taken = batching.failed_entry("a", [_Parcel(taken=True), *read])  # handed on already: not known here
    assert not taken.form_known and not taken.roster_known


def test_the_batch_rules_stand_only_when_nothing_they_depend_on_changed():
    summary = _summary()
    assert not batching.rules_stand([], summary, "fp", "other") and summary.inputs is None
    assert not batching.rules_stand([], summary, "fp", None)
    done = batching.Reviewed(_opened("a"), BatchEntry("a"), _opened("a").kept)
    assert not batching.rules_stand([done], summary, "fp", "fp")
    for outcome in (Outcome.FAILED, Outcome.DEFERRED):
        other = _summary()
        other.rows.append(Row("b", outcome))
        assert not batching.rules_stand([], other, "fp", "fp") and other.inputs is None
    assert batching.rules_stand([], summary, "fp", "fp") and summary.inputs == "fp"


def test_failed_and_deferred_applicants_hold_the_findings_back_and_the_fingerprint_is_not_kept():
    shared = id_number(1)
    summary = _summary()
    summary.rows += [Row("app-x", Outcome.FAILED), Row("app-y", Outcome.DEFERRED)]
    entries = [BatchEntry("a", roster_ids={shared: _src(5)}), BatchEntry("b", roster_ids={shared: _src(6)})]
    findings = batching.batch_findings(summary, entries, {}, RULES, "fp")
    assert set(findings) == {"a", "b"}  # the duplicate is a discrepancy whoever else is unknown
    assert summary.inputs is None
    assert any("app-x" in n for n in summary.notes) and any("app-y" in n for n in summary.notes)
    clean = _summary()
    assert not batching.batch_findings(clean, entries, {}, RULES, "fp").notes and clean.inputs == "fp"
    incomplete = _summary()
    batching.batch_findings(incomplete, entries, {}, RULES, "fp", complete=False)
    assert incomplete.inputs is None  # an unchanged applicant's roster could not be read again


def test_a_failed_applicant_counts_with_what_was_held_of_it():
    summary = _summary()
    summary.rows.append(Row("x", Outcome.FAILED))
    shared = id_number(3)
    held = {"x": BatchEntry("x", roster_ids={shared: _src(2)}, failed=True)}
    findings = batching.batch_findings(summary, [BatchEntry("a", roster_ids={shared: _src(5)})], held, RULES, "fp")
    assert [d.figure for d in findings["a"]] == ["roster.cross_applicant.row5"]


def test_final_reports_changed_by_the_batch_rules_or_missing_on_disk_are_written_and_counted(tmp_path):
    out = tmp_path / "out"
    new = _opened("new")
    reviewed = [batching.Reviewed(new, BatchEntry("new"), new.kept)]
    on_disk, missing, failed = _opened("on-disk"), _opened("missing"), _opened("failed")
    (out / "on-disk").mkdir(parents=True)
    (out / "on-disk" / "report.json").write_text(report_json(on_disk.stored), encoding="utf-8")
    summary = _summary()
    summary.rows.append(Row("failed", Outcome.FAILED))

    standing = batching.plan_finals(None, reviewed, [on_disk, missing, failed], summary, out)
    assert list(standing.reports) == ["missing", "new", "on-disk"] and not standing.changed
    assert [(a, d) for a, _, d in standing.to_write] == [("missing", missing.packet_hash)]

    shared = id_number(1)
    findings = steps.batch_discrepancies([BatchEntry("new", roster_ids={shared: _src(5)}),
                                          BatchEntry("on-disk", roster_ids={shared: _src(6)})], RULES)
    plan = batching.plan_finals(findings, reviewed, [on_disk, missing, failed], summary, out)
    assert [a for a, _, _ in plan.to_write] == ["missing", "new", "on-disk"]
    assert len(plan.changed) == 2 and all(k.get().discrepancies[-1].figure.startswith("roster.cross_applicant.")
                                          for k in plan.changed)

    changed = batching.settle_finals(plan, [out / "missing", out / "new", OSError("disk full")], summary, out)
    assert changed == [plan.reports["new"]]  # the one not recorded is not published either
    rows = {r.applicant: r.outcome for r in summary.rows}
    assert rows == {"failed": Outcome.FAILED, "missing": Outcome.UNCHANGED, "new": Outcome.REVIEWED,
                    "on-disk": Outcome.FAILED}
    assert "disk full" in (out / "on-disk" / "error.log").read_text() and summary.inputs is None
    assert json.loads(steps.batch_summary_json(summary))["counts"]["failed"] == 2


def test_a_reviewed_applicant_is_kept_with_the_hash_of_what_was_read_and_its_old_error_log_removed(tmp_path):
    report, _ = stored_sample("app-03")
    (tmp_path / report.applicant.id).mkdir()
    (tmp_path / report.applicant.id / "error.log").write_text("old")
    opened = _opened(report.applicant.id, stored=False, packet_hash="listed")
    review = type("R", (), {"report": report, "batch_entry": BatchEntry(report.applicant.id)})()
    done = batching.reviewed_applicant(opened, review, tmp_path)
    assert done.kept.get() == report and done.entry.applicant_id == report.applicant.id
    assert done.opened.packet_hash == steps.reviewed_hash(opened.packet, report) != "listed"
    assert not (tmp_path / report.applicant.id / "error.log").exists()
