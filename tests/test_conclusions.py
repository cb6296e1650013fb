"""The 评审结论 per applicant: refused while items are open, closing the applicant, reopened with a reason,
an append-only audit trail, masked opinions, and a changed packet starting open (revision 0004)."""

import datetime as dt
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text

from omreview.conclusions import (
    Action,
    ConclusionRefused,
    conclude,
    current_conclusions,
    describe,
    find_applicant,
    make_conclusion,
    open_items,
    reopen,
)
from omreview.decisions import make_decision
from omreview.errors import InputError
from omreview.queue import load_queue
from omreview.store import ResultStore
from omreview.store_schema import metadata, review_conclusions
from tests.store_factory import build_store, reviewed

T0 = dt.datetime(2012, 6, 3, 9, 0, tzinfo=dt.UTC)
ID_NUMBER = "110105194912310021"  # a valid 身份证号 (check digit right); masked: 1101**********0021


def decide_everything(store, applicant_id, reviewer="王评审", now=T0):
    """Accept every open item of the applicant, as a reviewer would in the dashboard."""
    entry = find_applicant(store, applicant_id)
    for item in open_items(entry.report, store.decisions([entry.row_id])):
        store.record_decision(make_decision(entry.report, entry.row_id, item.kind, item.target, "accepted",
                                            "核对无误", reviewer, now=now))


@pytest.fixture
def store(tmp_path):
    return build_store(tmp_path / "r.sqlite", ("app-07", "app-16"))


def test_revision_0004_adds_the_conclusion_trail(tmp_path):
    store = ResultStore(f"sqlite:///{tmp_path / 'r.sqlite'}")
    store.migrate()
    with store.engine.connect() as c:
        assert "review_conclusions" in inspect(c).get_table_names()
        assert compare_metadata(MigrationContext.configure(c), metadata) == []
        assert c.exec_driver_sql("select version_num from alembic_version").scalar() >= "0004"


def test_a_conclusion_is_refused_while_items_are_open_naming_them(store):
    with pytest.raises(ConclusionRefused) as refused:
        conclude(store, "app-16", "通过", "符合条件", "王评审", now=T0)
    assert str(refused.value) == (
        "尚有未处理事项：G4 资信与守法（人工判断）、B1 运维收入（需复核）、B3 典型项目技术水平（人工判断）、"
        "M1 管理信息系统（人工判断）、T3 高级运维人才（人工判断）、T4 培训与考核制度（人工判断）。"
        "请逐项接受或推翻后再作评审结论。")
    assert refused.value.operator.startswith("app-16 has 6 open item(s) without a decision: G4 (manual), B1 (review),")
    # a discrepancy is named by its label, never its key
    with pytest.raises(ConclusionRefused, match="人员名册第70行身份证号重复（材料间不一致）"):
        conclude(store, "app-07", "通过", "符合条件", "王评审", now=T0)
    # one item left open is still refused, naming only it
    entry = find_applicant(store, "app-16")
    for check in ("G4", "B3", "M1", "T3", "T4"):
        store.record_decision(make_decision(entry.report, entry.row_id, "check", check, "accepted", "已核", "王评审"))
    with pytest.raises(ConclusionRefused, match=r"^尚有未处理事项：B1 运维收入（需复核）。"):
        conclude(store, "app-16", "通过", "符合条件", "王评审", now=T0)
    assert store.conclusion_events() == []


def test_deciding_every_item_then_concluding_closes_the_applicant(store):
    decide_everything(store, "app-07")
    event = conclude(store, "app-07", "通过", "  材料齐全，符合条件 ", "王评审", now=T0)
    assert (event.action, event.conclusion, event.opinion, event.machine_verdict) == (
        Action.CONCLUDED, "approved", "材料齐全，符合条件", "needs_review")
    [stored] = store.conclusion_events()
    assert stored == event and stored.acted_at == T0
    entry = find_applicant(store, "app-07")
    assert current_conclusions(store, [entry.row_id]) == {entry.row_id: event}
    assert describe(event) == "通过 — 王评审 2012-06-03 17:00：材料齐全，符合条件"  # the body's time, its wording
    queue = {e.applicant_id: e for e in load_queue(store)}
    assert not queue["app-07"].is_open and queue["app-07"].state_label() == "已结论（通过）"
    assert queue["app-16"].is_open and queue["app-16"].state_label() == "待评审"
    # concluding again is refused: reopen first
    with pytest.raises(ConclusionRefused, match=r"^app-07已作出评审结论（通过），如需更改请先重新打开。$"):
        conclude(store, "app-07", "不通过", "另有意见", "李评审")


def test_reopening_needs_a_reason_and_the_audit_trail_keeps_every_row(store):
    decide_everything(store, "app-07")
    with pytest.raises(ConclusionRefused, match=r"^app-07尚未作出评审结论，无需重新打开。$"):
        reopen(store, "app-07", "补充材料", "王评审")
    conclude(store, "app-07", "通过", "符合条件", "王评审", now=T0)
    with pytest.raises(ConclusionRefused, match=r"^请填写重新打开的理由。$"):
        reopen(store, "app-07", "  ", "王评审")
    reopen(store, "app-07", "申报单位补充了人员名册", "李评审", now=T0 + dt.timedelta(hours=1))
    entry = find_applicant(store, "app-07")
    assert current_conclusions(store, [entry.row_id]) == {}
    [queued] = [e for e in load_queue(store) if e.applicant_id == "app-07"]
    assert queued.is_open and queued.why_open() == "已重新打开，各项均已处理，待作评审结论"
    conclude(store, "app-07", "退回补正", "请补正2010年度审计报告", "李评审", now=T0 + dt.timedelta(hours=2))
    trail = store.conclusion_events([entry.row_id])
    assert [(e.action.value, e.conclusion, e.reviewer) for e in trail] == [
        ("concluded", "approved", "王评审"), ("reopened", None, "李评审"), ("concluded", "returned", "李评审")]
    assert describe(trail[1]) == "重新打开 — 李评审 2012-06-03 18:00：申报单位补充了人员名册"
    assert describe(current_conclusions(store, [entry.row_id])[entry.row_id]).startswith("退回补正 — 李评审")


def test_unknown_conclusions_and_blank_fields_are_refused_in_plain_words(store):
    decide_everything(store, "app-07")
    cases = [("批准", "符合", "王评审", "请选择评审结论（通过、不通过、退回补正）。", "unknown conclusion '批准'"),
             ("通过", " ", "王评审", "请填写评审意见。", "the opinion (--opinion) must not be blank"),
             ("通过", "符合", "", "请填写评审人。", "the reviewer (--reviewer) must not be blank"),
             ("通过", "长" * 4001, "王评审", "评审意见不能超过4000字。", "longer than 4000")]
    for conclusion, opinion, reviewer, zh_text, en_text in cases:
        with pytest.raises(ConclusionRefused) as refused:
            conclude(store, "app-07", conclusion, opinion, reviewer)
        assert str(refused.value) == zh_text and en_text in refused.value.operator
    assert isinstance(refused.value, InputError)  # the user's mistake: exit 2 on the command line
    assert conclude(store, "app-07", "rejected", "不符合", "王评审").conclusion == "rejected"  # a code is taken too
    with pytest.raises(ConclusionRefused, match="结果库中没有申报企业app-99"):
        conclude(store, "app-99", "通过", "符合", "王评审")


def test_an_id_number_in_an_opinion_or_reason_is_never_stored_raw(tmp_path):
    path = tmp_path / "r.sqlite"
    store = build_store(path, ("app-07",))
    decide_everything(store, "app-07")
    conclude(store, "app-07", "不通过", f"身份证号{ID_NUMBER}的人员重复", "王评审", now=T0)
    reopen(store, "app-07", f"复核{ID_NUMBER}", "王评审", now=T0 + dt.timedelta(hours=1))
    with store.engine.connect() as c:
        rows = c.execute(select(review_conclusions.c.opinion, review_conclusions.c.reason)).all()
    assert rows == [("身份证号1101**********0021的人员重复", None), (None, "复核1101**********0021")]
    store.close()
    for f in tmp_path.iterdir():  # the database, its WAL: nowhere raw
        assert ID_NUMBER.encode() not in f.read_bytes(), f.name


def test_a_changed_packet_starts_open_the_same_packet_stays_concluded(store):
    decide_everything(store, "app-07")
    conclude(store, "app-07", "通过", "符合条件", "王评审", now=T0)
    report, digest = reviewed("app-07")
    first = find_applicant(store, "app-07").row_id
    assert store.save(report, digest) == first  # the same packet reviewed again: still concluded
    assert not next(e for e in load_queue(store) if e.applicant_id == "app-07").is_open
    changed = store.save(report, "0" * 64)  # a new report hash: a changed packet
    assert changed != first and find_applicant(store, "app-07").row_id == changed
    [entry] = [e for e in load_queue(store) if e.applicant_id == "app-07"]
    assert entry.is_open and entry.open_count == 7  # its decisions and conclusion stay with the old packet
    assert current_conclusions(store, [changed]) == {} and len(current_conclusions(store, [first])) == 1


def test_two_reviewers_concluding_at_once_the_second_is_refused(store):
    decide_everything(store, "app-07")
    entry = find_applicant(store, "app-07")
    decisions = store.decisions([entry.row_id])
    mine = make_conclusion(entry.report, entry.row_id, "通过", "符合", "王评审", decisions, None, T0)
    theirs = make_conclusion(entry.report, entry.row_id, "不通过", "不符合", "李评审", decisions, None, T0)
    store.record_conclusion_event(mine, None)
    with pytest.raises(ConclusionRefused, match="刚被他人更改"):
        store.record_conclusion_event(theirs, None)
    assert [e.reviewer for e in store.conclusion_events()] == ["王评审"]


POSTGRES = os.environ.get("OMREVIEW_TEST_POSTGRES", "")


@pytest.mark.skipif(not POSTGRES, reason="OMREVIEW_TEST_POSTGRES is not set")
def test_the_conclusion_trail_round_trips_on_postgresql():
    pytest.importorskip("psycopg")
    credentials = POSTGRES.split("://", 1)[-1]
    name = f"omreview_test_{uuid.uuid4().hex[:8]}_conclusions"
    admin = create_engine(f"postgresql+psycopg://{credentials}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        store = ResultStore(f"postgresql+psycopg://{credentials}/{name}")
        store.migrate()
        report, digest = reviewed("app-07")
        store.save(report, digest)
        decide_everything(store, "app-07")
        with pytest.raises(ConclusionRefused):
            reopen(store, "app-07", "x", "王评审")
        conclude(store, "app-07", "通过", f"符合{ID_NUMBER}", "王评审", now=T0)
        reopen(store, "app-07", "补充材料", "李评审", now=T0 + dt.timedelta(hours=1))
        trail = store.conclusion_events()
        assert [(e.action.value, e.opinion, e.reason, e.acted_at) for e in trail] == [
            ("concluded", "符合1101**********0021", None, T0),
            ("reopened", None, "补充材料", T0 + dt.timedelta(hours=1))]
        assert next(e for e in load_queue(store) if e.applicant_id == "app-07").why_open().startswith("已重新打开")
        store.close()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()

