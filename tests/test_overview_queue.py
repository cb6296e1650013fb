"""The overview as the reviewers' work queue (#17 points 1 and 7), without a browser: the frame's queue columns and
order on the sample reports with some applicants concluded, the state filter, the filters as a URL query string,
and what the overview says when its filters leave nothing."""

import datetime as dt

import pandas as pd
import pytest

from omreview.conclusions import conclude, reopen
from omreview.overview import (
    ApplicantFilter,
    describe_filter,
    filter_entries,
    filter_from_query,
    filter_query,
    grid_columns,
    nothing_left,
    overview_frame,
    queue_of,
)
from tests.store_factory import FIXTURED, build_store
from tests.test_conclusions import ID_NUMBER, T0, decide_everything

QUEUE_COLUMNS = ["申报编号", "企业名称", "状态", "待核实", "待人工判断", "待处理事项", "机器结论"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The seven sample reports; app-03 concluded 通过 (an opinion with a 身份证号), app-10 不通过, app-13 concluded
    and reopened."""
    store = build_store(tmp_path_factory.mktemp("queue") / "r.sqlite", FIXTURED)
    for applicant, conclusion in (("app-03", "通过"), ("app-10", "不通过"), ("app-13", "通过")):
        decide_everything(store, applicant)
        conclude(store, applicant, conclusion, f"核对无误，联系人{ID_NUMBER}", "王评审", now=T0)
    reopen(store, "app-13", "补充材料到达", "李评审", now=T0 + dt.timedelta(hours=1))
    return store


def _frame(store, applicant_filter=None):
    return overview_frame(store.latest_applicants(), store.decisions(), applicant_filter, store.conclusion_events())


def test_open_applicants_come_first_with_why_they_are_open(store):
    frame = _frame(store)
    assert list(frame.columns[:7]) == QUEUE_COLUMNS
    assert list(frame["申报编号"]) == ["app-01", "app-04", "app-07", "app-13", "app-16", "app-03", "app-10"]
    assert list(frame["状态"]) == ["待评审"] * 5 + ["已结论（通过）", "已结论（不通过）"]
    rows = frame.set_index("申报编号")
    # the open items counted apart: what the pipeline could not settle, and the conditions a person judges
    assert (rows.loc["app-16", "待核实"], rows.loc["app-16", "待人工判断"]) == (1, 5)
    assert (rows.loc["app-01", "待核实"], rows.loc["app-01", "待人工判断"]) == (0, 5)  # meets every condition
    assert (rows.loc["app-04", "待核实"], rows.loc["app-07", "待核实"]) == (2, 2)
    assert rows.loc["app-16", "待处理事项"].startswith(
        "待核实：B1 运维收入（需复核）；待人工判断：G4 资信与守法（人工判断）")
    assert rows.loc["app-07", "待处理事项"].startswith("待核实：人员名册第35行身份证号无效（材料间不一致）")
    assert rows.loc["app-13", "待处理事项"] == "已重新打开，各项均已处理，待作评审结论"
    assert rows.loc["app-03", "待处理事项"] == "" and rows.loc["app-03", "待人工判断"] == 0
    # the 评审结论: conclusion, opinion masked, reviewer, the time on the review body's clock; 待评审 while open
    assert rows.loc["app-03", "评审结论"] == "通过" and rows.loc["app-10", "评审结论"] == "不通过"
    assert rows.loc["app-03", "评审意见"] == "核对无误，联系人1101**********0021"
    assert rows.loc["app-03", "评审人"] == "王评审"
    assert rows.loc["app-03", "结论时间"] == pd.Timestamp("2012-06-03 17:00", tz="Asia/Shanghai")
    assert set(rows.loc[["app-01", "app-13"], "评审结论"]) == {"待评审"} and pd.isna(rows.loc["app-13", "结论时间"])
    assert not frame.map(lambda v: ID_NUMBER in str(v)).any().any()
    # typed: the state sorts open first, the counts and the time as numbers and times
    assert list(frame["状态"].cat.categories[:3]) == ["待评审", "已结论（通过）", "已结论（不通过）"]
    assert str(frame["待核实"].dtype) == "Int64" and str(frame["结论时间"].dtype) == "datetime64[us, Asia/Shanghai]"
    assert list(frame.sort_values("状态", kind="stable")["申报编号"])[-2:] == ["app-03", "app-10"]
    assert "待评审项" not in frame.columns  # the count that mixed manual and unsettled items is gone


def test_the_grid_starts_with_the_columns_a_reviewer_sorts_by(store):
    columns = grid_columns()
    assert 8 <= len(columns) <= 10 and columns[:7] == QUEUE_COLUMNS
    assert set(columns) <= set(_frame(store).columns)


def test_the_state_filter_needs_the_queue_and_keeps_that_state(store):
    entries = store.latest_applicants()
    queue = queue_of(entries, store.decisions(), store.conclusion_events())
    concluded = ApplicantFilter(states=frozenset({"concluded"}))
    assert [e.applicant_id for e in filter_entries(entries, concluded, queue)] == ["app-03", "app-10"]
    assert len(filter_entries(entries, ApplicantFilter(states=frozenset({"open"})), queue)) == 5
    assert list(_frame(store, concluded)["申报编号"]) == ["app-03", "app-10"]
    with pytest.raises(ValueError, match="needs the queue"):
        filter_entries(entries, concluded)


def test_filters_round_trip_through_the_query_string():
    f = ApplicantFilter(states=frozenset({"open"}), verdicts=frozenset({"needs_review", "incomplete"}),
                        checks=frozenset({"B1"}), check_statuses=frozenset({"review"}), batches=frozenset({1, None}),
                        reviewed_from=dt.date(2026, 12, 1), reviewed_to=dt.date(2026, 12, 5), include_withdrawn=True)
    query = filter_query(f)
    assert query == {"state": ["open"], "verdict": ["incomplete", "needs_review"], "check": ["B1"],
                     "status": ["review"], "batch": ["1", "none"], "from": ["2026-12-01"], "to": ["2026-12-05"],
                     "withdrawn": ["1"]}
    assert filter_from_query(query) == f
    assert filter_query(ApplicantFilter()) == {}  # nothing preset: the address of the whole queue is bare
    assert filter_from_query({}) == ApplicantFilter() and not ApplicantFilter().active
    # a link edited by hand or made under other rules still opens: what names nothing is left out
    odd = filter_from_query({"state": ["closed"], "verdict": ["meets", "bogus"], "check": ["Z9"],
                             "status": ["fail", "nope"], "batch": ["x", "2"], "from": ["2026-13-40"]})
    assert odd == ApplicantFilter(verdicts=frozenset({"meets"}), check_statuses=frozenset({"fail"}),
                                  batches=frozenset({2}))


def test_an_empty_result_names_the_filters_in_chinese():
    f = ApplicantFilter(states=frozenset({"concluded"}), checks=frozenset({"B1"}),
                        check_statuses=frozenset({"fail"}), verdicts=frozenset({"meets"}))
    assert describe_filter(f) == ["状态：已结论", "机器结论：符合", "检查项：B1 运维收入（不通过）"]
    assert nothing_left(f) == ("没有申报企业符合当前筛选条件（状态：已结论；机器结论：符合；"
                               "检查项：B1 运维收入（不通过））。请放宽或清除筛选条件。")
    alone = ApplicantFilter(check_statuses=frozenset({"review", "missing"}), batches=frozenset({3}),
                            reviewed_from=dt.date(2026, 12, 1))
    assert describe_filter(alone) == ["检查项状态：需复核、无法判断", "批次：第3批", "审查日期：2026-12-01 至 …"]
