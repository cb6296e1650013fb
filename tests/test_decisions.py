"""Reviewer decisions: beside the machine result, appended, newest in force, kept across re-saves."""

import datetime as dt
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from omreview import store as store_module
from omreview.decisions import DecisionKind, TargetKind, describe, discrepancy_keys, in_force, make_decision
from omreview.errors import InputError
from omreview.store import ResultStore
from omreview.store_schema import metadata
from tests.store_factory import build_store, reviewed

T0 = dt.datetime(2012, 6, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path):
    return build_store(tmp_path / "r.sqlite", ("app-07",))


def _entry(store):
    return next(e for e in store.latest_applicants() if e.applicant_id == "app-07")


def test_revision_0002_adds_the_decision_tables(tmp_path):
    store = ResultStore(f"sqlite:///{tmp_path / 'r.sqlite'}")
    store.migrate()
    with store.engine.connect() as c:
        assert {"reviewer_decisions", "personal_data_views"} <= set(inspect(c).get_table_names())
        assert compare_metadata(MigrationContext.configure(c), metadata) == []
        newest = max(p.name[:4] for p in (Path(store_module.__file__).parent / "migrations" / "versions").glob("0*.py"))
        assert c.exec_driver_sql("select version_num from alembic_version").scalar() == newest >= "0002"


def test_a_decision_copies_the_machine_result_and_needs_a_reason(store):
    e = _entry(store)
    d = make_decision(e.report, e.row_id, "check", "G4", "overridden", " 信用中国无记录 ", "王评审", "pass", now=T0)
    assert (d.machine_status, d.reviewer_status.value, d.reason) == ("manual", "pass", "信用中国无记录")
    assert d.machine_message.startswith("良好资信")
    with pytest.raises(InputError, match=r"^请填写理由。$"):  # the reviewer is told in Chinese, not pydantic's words
        make_decision(e.report, e.row_id, "check", "G4", "accepted", "   ", "王评审")
    with pytest.raises(InputError, match=r"^请填写评审人。$"):
        make_decision(e.report, e.row_id, "check", "G4", "accepted", "理由", " ")
    with pytest.raises(InputError, match=r"^理由不能超过4000字。$"):
        make_decision(e.report, e.row_id, "check", "G4", "accepted", "长" * 4001, "王评审")
    with pytest.raises(InputError, match="没有检查项Z9"):
        make_decision(e.report, e.row_id, "check", "Z9", "accepted", "理由", "王评审")
    with pytest.raises(InputError, match=r"^只有推翻检查项时才能选择推翻后的状态。$"):
        make_decision(e.report, e.row_id, "check", "G4", "accepted", "理由", "王评审", "fail")
    with pytest.raises(InputError):
        make_decision(e.report, e.row_id, "check", "G4", "maybe", "理由", "王评审")


def test_decisions_are_appended_and_the_newest_is_in_force(store):
    e = _entry(store)
    key = discrepancy_keys(e.report)[0]
    first = make_decision(e.report, e.row_id, TargetKind.DISCREPANCY, key, DecisionKind.ACCEPTED, "确认", "甲", now=T0)
    later = make_decision(e.report, e.row_id, TargetKind.DISCREPANCY, key, DecisionKind.OVERRIDDEN, "复核后不成立",
                          "乙", now=T0 + dt.timedelta(hours=1))
    store.record_decision(later)
    store.record_decision(first)
    history = store.decisions([e.row_id])
    assert [d.reviewer for d in history] == ["甲", "乙"]
    assert history[0].decided_at == T0
    current = in_force(history)[(e.row_id, TargetKind.DISCREPANCY, key)]
    assert current.reviewer == "乙" and describe(current).startswith("推翻 — 乙 2012-06-03 18:00：复核后不成立")
    overridden = make_decision(e.report, e.row_id, "check", "G4", "overridden", "信用中国无记录", "王评审", "pass",
                               now=T0)
    assert describe(overridden) == "推翻（通过） — 王评审 2012-06-03 17:00：信用中国无记录"  # Beijing time, no codes
    # the machine result is untouched
    assert _entry(store).report["discrepancies"][0]["message"] == e.report["discrepancies"][0]["message"]


def test_decisions_survive_saving_the_same_packet_again(store):
    e = _entry(store)
    store.record_decision(make_decision(e.report, e.row_id, "check", "B1", "accepted", "核对无误", "甲", now=T0))
    report, digest = reviewed("app-07")
    assert store.save(report, digest) == e.row_id
    assert [d.target for d in store.decisions([e.row_id])] == ["B1"]


def test_repeated_discrepancy_figures_get_distinct_keys():
    report = {"discrepancies": [{"figure": "relaxation_quota"}, {"figure": "x"}, {"figure": "relaxation_quota"}]}
    assert discrepancy_keys(report) == ["relaxation_quota", "x", "relaxation_quota#2"]


def test_personal_data_views_are_logged(store):
    e = _entry(store)
    store.record_personal_data_view(e.row_id, "材料_4.xlsx", "人员名册", 35, "王评审")
    [view] = store.personal_data_views(e.row_id)
    assert (view["file"], view["row"], view["reviewer"]) == ("材料_4.xlsx", 35, "王评审")
