"""The work queue on the sample reports: 待人工判断 / 待核实, why each applicant is open, the order, "next"."""

import dataclasses
import datetime as dt

import pytest

from omreview.conclusions import conclude, find_applicant, reopen
from omreview.decisions import make_decision
from omreview.queue import build_queue, load_queue, next_open, open_total
from tests.store_factory import FIXTURED, build_store
from tests.test_conclusions import T0, decide_everything

MANUAL = ["G4", "B3", "M1", "T3", "T4"]  # the conditions a person judges (rules.yaml: judged: false)


@pytest.fixture
def store(tmp_path):
    return build_store(tmp_path / "r.sqlite", FIXTURED)


def _queue(store):
    return {e.applicant_id: e for e in load_queue(store)}


def test_an_applicant_meeting_every_condition_has_only_its_manual_checks_open(store):
    app01 = _queue(store)["app-01"]
    assert app01.verdict == "meets"
    assert app01.to_verify == [] and [i.target for i in app01.manual] == MANUAL
    assert app01.why_open() == ("待人工判断：G4 资信与守法（人工判断）、B3 典型项目技术水平（人工判断）、"
                                "M1 管理信息系统（人工判断）、T3 高级运维人才（人工判断）、"
                                "T4 培训与考核制度（人工判断）")


def test_what_the_pipeline_could_not_settle_is_to_verify_in_words(store):
    queue = _queue(store)
    split = {a: ([i.target for i in e.to_verify], [i.target for i in e.manual]) for a, e in queue.items()}
    assert split == {
        "app-01": ([], MANUAL),
        "app-03": (["total_revenue.2010"], MANUAL),
        "app-04": (["G3", "B1"], MANUAL),  # incomplete: missing
        "app-07": (["roster.id_number.row35", "roster.duplicate.row70"], MANUAL),
        "app-10": ([], MANUAL),  # a failed check is settled: nothing to verify
        "app-13": (["T2"], MANUAL),
        "app-16": (["B1"], MANUAL),
    }
    assert queue["app-16"].why_open().startswith(
        "待核实：B1 运维收入（需复核）；待人工判断：G4 资信与守法（人工判断）、")
    assert queue["app-04"].why_open().startswith("待核实：G3 审计与财务状况（无法判断）、B1 运维收入（无法判断）；")
    assert queue["app-07"].why_open().startswith(
        "待核实：人员名册第35行身份证号无效（材料间不一致）、人员名册第70行身份证号重复（材料间不一致）；待人工判断：")
    assert open_total(queue.values()) == "待评审7家（待核实7项，待人工判断35项），已结论0家"


def test_a_decision_takes_its_item_out_of_the_queue(store):
    entry = find_applicant(store, "app-16")
    store.record_decision(make_decision(entry.report, entry.row_id, "check", "B1", "overridden", "附注核实无误",
                                        "王评审", "pass", now=T0))
    store.record_decision(make_decision(entry.report, entry.row_id, "check", "G4", "accepted", "信用中国无记录",
                                        "王评审", now=T0))
    app16 = _queue(store)["app-16"]
    assert app16.to_verify == [] and [i.target for i in app16.manual] == MANUAL[1:]
    assert app16.why_open().startswith("待人工判断：B3 典型项目技术水平（人工判断）、")


def test_open_applicants_first_in_application_order_and_next_open_walks_them(store):
    decide_everything(store, "app-03")
    conclude(store, "app-03", "通过", "符合条件", "王评审", now=T0)
    decide_everything(store, "app-10")
    conclude(store, "app-10", "不通过", "技术负责人职称不符", "王评审", now=T0)
    queue = load_queue(store)
    assert [(e.applicant_id, e.state_label()) for e in queue] == [
        ("app-01", "待评审"), ("app-04", "待评审"), ("app-07", "待评审"), ("app-13", "待评审"), ("app-16", "待评审"),
        ("app-03", "已结论（通过）"), ("app-10", "已结论（不通过）")]
    assert queue[-1].why_open() == "" and queue[-1].open_count == 0
    # next: the following open applicant in application order, a concluded one skipped, wrapping round
    assert next_open(queue, "app-01").applicant_id == "app-04"
    assert next_open(queue, "app-03").applicant_id == "app-04"  # just concluded: on from where it stood
    assert next_open(queue, "app-16").applicant_id == "app-01"
    assert next_open(queue, None).applicant_id == "app-01"
    assert open_total(queue) == "待评审5家（待核实6项，待人工判断25项），已结论2家"
    for applicant in ("app-01", "app-04", "app-07", "app-13"):
        decide_everything(store, applicant)
        conclude(store, applicant, "通过", "符合条件", "王评审", now=T0)
    queue = load_queue(store)
    assert next_open(queue, "app-16") is None  # the last open one: no other
    assert next_open(queue, "app-01").applicant_id == "app-16"
    decide_everything(store, "app-16")
    conclude(store, "app-16", "退回补正", "请补正审计报告", "王评审", now=T0)
    assert next_open(load_queue(store), None) is None
    reopen(store, "app-04", "申报单位补交了审计报告", "李评审", now=T0 + dt.timedelta(hours=1))
    queue = load_queue(store)
    assert queue[0].applicant_id == "app-04" and queue[0].why_open() == "已重新打开，各项均已处理，待作评审结论"
    assert open_total(queue) == "待评审1家（待核实0项，待人工判断0项），已结论6家"


def test_the_order_is_by_application_date_then_the_id_with_numbers_as_numbers(store):
    stored = {a.applicant_id: a for a in store.latest_applicants()}
    later = dt.date(2012, 7, 1)
    applicants = [dataclasses.replace(stored["app-01"], applicant_id="app-10x", application_date=later),
                  dataclasses.replace(stored["app-03"], applicant_id="app-9"),
                  dataclasses.replace(stored["app-04"], applicant_id="app-10"),
                  dataclasses.replace(stored["app-07"], applicant_id="app-2", withdrawn_at=dt.datetime.now(dt.UTC))]
    queue = build_queue(applicants, [], [])
    assert [e.applicant_id for e in queue] == ["app-9", "app-10", "app-10x"]  # withdrawn left out
    assert [e.applicant_id for e in build_queue(applicants, [], [], include_withdrawn=True)][:2] == ["app-2", "app-9"]
