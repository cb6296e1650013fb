"""Batch rules over the whole intake: an applicant that fails still counts with what is known of it, and a
finding its unknown parts could change is held back with a note, never a false discrepancy (issue #15)."""

import json
import shutil

from typer.testing import CliRunner

from omreview import cli
from omreview import intake as steps
from omreview.extractors.isolate import reader_pool
from omreview.model import DocStatus, Document, DocumentKind, Report
from omreview.records import Flag
from omreview.rules import default_rules
from omreview.validators.batch import BATCH_NOTE_PREFIX, BatchEntry, batch_discrepancies
from tests.conftest import SAMPLE_DOCS
from tests.records_factory import FORM_SRC, form, id_number, roster
from tests.test_batch_rules import _src

RULES = default_rules()
FIXTURES = SAMPLE_DOCS.parent / "tests" / "fixtures" / "reports"
BEIJING = "北京市经济和信息化委员会"


def _group(relaxed: int, plain: int, authority: str = BEIJING) -> list[BatchEntry]:
    return ([BatchEntry(f"r{i}", authority=authority, relaxation_requested=True) for i in range(relaxed)]
            + [BatchEntry(f"p{i}", authority=authority) for i in range(plain)])


def test_a_failed_applicant_of_unknown_form_holds_the_quota_back_with_a_note():
    failed = steps.failed_batch_entry("app-x")  # failed before anything was read
    assert not failed.form_known and not failed.roster_known
    survivors = _group(1, 1)
    assert [d.figure for d in batch_discrepancies(survivors, RULES)["r0"]] == ["relaxation_quota"]  # 1 of 2: 50%
    found = batch_discrepancies([*_group(1, 2), failed], RULES)  # 1 of 3 known, 1 of 4 or 2 of 4 with app-x
    assert "r0" not in found and dict(found) == {}
    held = [n for n in found.notes if "未判定" in n]
    assert held == [f"推荐单位{BEIJING}的放宽比例未判定：申报企业app-x审查出错，其推荐单位和放宽申请不明；"
                    "已知的3家企业中1家申请放宽条件，计入后在25.0%至50.0%之间（上限30%）。"]
    assert found.notes_for("r0") == [BATCH_NOTE_PREFIX + held[0]]
    assert found.notes_for("p0") == []  # no finding of theirs was held back (no roster: nothing to compare)
    assert "申报企业app-x审查出错：其推荐单位和放宽申请、人员名册的身份证号不明，未计入批次规则。" in found.notes


def test_a_quota_exceeded_whatever_the_failed_applicant_holds_is_still_a_discrepancy():
    found = batch_discrepancies([*_group(2, 1), steps.failed_batch_entry("app-x")], RULES)  # 2 of 4 at the least
    assert sorted(found) == ["r0", "r1"]
    assert "另有1家企业推荐单位不明（申报企业app-x审查出错），计入后仍超过上限" in found["r0"][0].message
    assert not any("未判定" in n for n in found.notes)
    # and within the quota whatever it holds: nothing to hold back
    quiet = batch_discrepancies([*_group(1, 5), steps.failed_batch_entry("app-x")], RULES)  # 1/7 .. 2/7
    assert dict(quiet) == {} and not any("未判定" in n for n in quiet.notes)


def test_a_folder_left_for_the_next_run_is_unknown_too():
    found = batch_discrepancies([*_group(1, 2), steps.deferred_batch_entry("app-y")], RULES)
    assert dict(found) == {}  # not 1 of 3 (33.3%)
    assert found.notes_for("r0") == [
        f"{BATCH_NOTE_PREFIX}推荐单位{BEIJING}的放宽比例未判定：申报企业app-y材料仍在变动、留待下次审查，"
        "其推荐单位和放宽申请不明；已知的3家企业中1家申请放宽条件，计入后在25.0%至50.0%之间（上限30%）。"]
    both = batch_discrepancies([*_group(1, 5), steps.deferred_batch_entry("app-y"), steps.failed_batch_entry("x")],
                               RULES)
    assert any("申报企业app-y材料仍在变动、留待下次审查，申报企业x审查出错，其推荐单位和放宽申请不明" in n
               for n in both.notes)


def test_a_failed_applicant_counts_with_its_stored_reports_form():
    stored = Report.model_validate_json((FIXTURES / "app-10.json").read_text(encoding="utf-8"))
    entry = steps.failed_batch_entry("app-10", stored=stored)
    assert entry.form_known and not entry.roster_known and entry.authority == BEIJING
    found = batch_discrepancies([*_group(1, 2), entry], RULES)  # 1 of 4: 25%
    assert dict(found) == {} and not any("未判定" in n for n in found.notes)
    assert ("申报企业app-10审查出错：其推荐单位和放宽申请取自已存储的本份材料的审查报告，已计入批次规则；"
            "其人员名册的身份证号不明，未计入批次规则。") in found.notes


def _doc(name: str, kind: DocumentKind) -> Document:
    return Document(file=name, sha256="0" * 64, size=1, kind=kind, status=DocStatus.OK)


def test_what_was_read_before_the_failure_counts_and_what_a_failed_read_might_have_been_does_not():
    relaxed = form(relaxation_requested=Flag(value=True, source=FORM_SRC))
    pairs = [(_doc("form.docx", DocumentKind.APPLICATION_FORM), relaxed),
             (_doc("roster.xlsx", DocumentKind.STAFF_ROSTER), roster(staff=3, college=3))]
    whole = steps.failed_batch_entry("a", pairs)  # every document read: the bug was in assessing it
    assert whole.form_known and whole.roster_known and whole.relaxation_requested
    assert whole.authority == BEIJING and list(whole.roster_ids) == [id_number(1), id_number(2), id_number(3)]
    form_only = steps.failed_batch_entry("a", [pairs[0], None, pairs[1]])  # the second file failed to read
    assert form_only.form_known and form_only.relaxation_requested
    assert not form_only.roster_known and not form_only.roster_ids  # that file might have been the roster
    nothing = steps.failed_batch_entry("a", [None, *pairs])
    assert not nothing.form_known and not nothing.roster_known


def test_an_unknown_roster_makes_the_duplicate_check_incomplete_not_passed():
    shared = id_number(1)
    entries = [BatchEntry("a", roster_ids={shared: _src(5)}), BatchEntry("b", roster_ids={id_number(2): _src(6)}),
               steps.failed_batch_entry("app-x")]
    found = batch_discrepancies(entries, RULES)
    incomplete = ("跨企业人员重复核查不完整：申报企业app-x审查出错，其人员名册的身份证号未能计入，"
                  "与其名册重复的人员未能查出。")
    assert incomplete in found.notes
    assert found.notes_for("a") == found.notes_for("b") == [BATCH_NOTE_PREFIX + incomplete]
    # a duplicate between known rosters is still found
    both = batch_discrepancies([*entries, BatchEntry("c", roster_ids={shared: _src(9)})], RULES)
    assert [d.figure for d in both["a"]] == ["roster.cross_applicant.row5"]


def test_the_batch_notes_are_taken_off_again_with_the_discrepancies():
    stored = Report.model_validate_json((FIXTURES / "app-03.json").read_text(encoding="utf-8"))
    noted = steps.final_report(stored, [], [BATCH_NOTE_PREFIX + "测试"])
    assert noted.notes[-1] == BATCH_NOTE_PREFIX + "测试" and noted.verdict == stored.verdict
    assert steps.base_report(noted) == stored
    assert steps.final_report(noted, []) == stored


# --- the batch command, one applicant made to fail ---------------------------------------------------------

FOUR = ("app-01", "app-03", "app-10", "app-13")  # all recommended by BEIJING; app-13 asks for relaxation


def _intake(tmp_path, names=FOUR):
    intake = tmp_path / "intake"
    for name in names:
        shutil.copytree(SAMPLE_DOCS / name, intake / name)
    return intake


def _batch(intake, out):
    return CliRunner().invoke(cli.app, ["batch", str(intake), "--out", str(out)])


def _report(out, name):
    return json.loads((out / name / "report.json").read_text(encoding="utf-8"))


def _quota(report):
    return [d for d in report["discrepancies"] if d["figure"] == "relaxation_quota"]


def _fail_reading(monkeypatch, applicant: str, suffix: str):
    real = steps.read_file

    def broken(pf, rules):
        if pf.path.parent.name == applicant and pf.rel.endswith(suffix):
            raise RuntimeError(f"boom reading {pf.rel}")
        return real(pf, rules)

    monkeypatch.setattr(steps, "read_file", broken)


def test_batch_with_an_applicant_failing_before_its_form_is_read_holds_the_quota_back(tmp_path, monkeypatch,
                                                                                     prefect_api):
    intake, out = _intake(tmp_path), tmp_path / "out"
    _fail_reading(monkeypatch, "app-10", ".docx")  # app-10's form: its authority and request unknown
    result = _batch(intake, out)
    assert result.exit_code == 1, result.output
    relaxed = _report(out, "app-13")
    assert _quota(relaxed) == []  # not "1 of 3 (33.3%)" over the survivors
    assert any(n.startswith(BATCH_NOTE_PREFIX) and "放宽比例未判定" in n and "app-10" in n for n in relaxed["notes"])
    summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert any("放宽比例未判定" in n and "25.0%至50.0%" in n for n in summary["batch_notes"])
    assert any("跨企业人员重复核查不完整" in n and "app-10" in n for n in summary["batch_notes"])
    assert any("跨企业人员重复核查不完整" in n for n in _report(out, "app-01")["notes"])
    assert summary["batch_inputs"] is None  # worked out again next time
    monkeypatch.undo()  # fixed: the next run reviews app-10 and the notes go
    again = _batch(intake, out)
    assert again.exit_code == 0, again.output
    assert not any(n.startswith(BATCH_NOTE_PREFIX) for n in _report(out, "app-13").get("notes", []))
    assert json.loads((out / "batch.json").read_text(encoding="utf-8"))["batch_notes"] == []
    reader_pool().close()


def test_batch_with_an_unchanged_applicant_failing_counts_its_stored_form(tmp_path, monkeypatch, prefect_api):
    intake, out = _intake(tmp_path, ("app-01", "app-03", "app-10")), tmp_path / "out"
    assert _batch(intake, out).exit_code == 0
    shutil.copytree(SAMPLE_DOCS / "app-13", intake / "app-13")  # the batch changed: rosters read again
    _fail_reading(monkeypatch, "app-10", ".xlsx")  # app-10 unchanged, its roster fails to read again
    result = _batch(intake, out)
    assert result.exit_code == 1, result.output
    assert _quota(_report(out, "app-13")) == []  # 1 of 4: app-10's authority from its stored report
    summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert not any("未判定" in n for n in summary["batch_notes"])
    assert any("app-10" in n and "已存储的本份材料的审查报告" in n for n in summary["batch_notes"])
    assert any("跨企业人员重复核查不完整" in n for n in _report(out, "app-13")["notes"])
    reader_pool().close()
