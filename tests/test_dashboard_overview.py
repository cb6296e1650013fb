"""The dashboard's overview as a work queue with filters that stay (#17 points 1 and 7), through Streamlit's
AppTest: a bookmarked address opens the view it names, a changed filter goes into the address, coming back from an
applicant keeps it, a status filter alone filters, an empty result names its filters, every applicant is listed."""

import os

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from omreview.conclusions import conclude
from omreview.overview import grid_columns, nothing_left
from omreview.store import ResultStore
from tests.store_factory import FIXTURED, build_store, reviewed
from tests.test_conclusions import T0, decide_everything

PAGE = os.path.join(os.path.dirname(__file__), "..", "dashboard", "page.py")


@pytest.fixture
def store(tmp_path):
    """The seven sample reports, app-03 concluded 通过 and app-10 不通过."""
    store = build_store(tmp_path / "r.sqlite", FIXTURED)
    for applicant, conclusion in (("app-03", "通过"), ("app-10", "不通过")):
        decide_everything(store, applicant)
        conclude(store, applicant, conclusion, "核对无误", "王评审", now=T0)
    return store


def _app(monkeypatch, store: ResultStore, **query) -> AppTest:
    monkeypatch.setenv("OMREVIEW_DASHBOARD_DB", store.url)
    monkeypatch.setenv("OMREVIEW_REVIEWER", "测试评审")
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return _run(at)


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception
    return at


def _ids(at: AppTest) -> list[str]:
    [grid] = at.dataframe
    return list(grid.value["申报编号"])


def test_a_bookmarked_address_opens_the_view_it_names(monkeypatch, store):
    at = _app(monkeypatch, store, state="open", verdict="needs_review", status="review")
    assert at.radio(key="f_state").value == "open"
    assert at.multiselect(key="f_verdict").value == ["needs_review"]
    assert at.multiselect(key="f_status").value == ["review"]
    assert _ids(at) == ["app-13", "app-16"]  # open, needing review, with a check in 需复核
    assert "**工作队列**：待评审5家（待核实6项，待人工判断25项），已结论2家" in [m.value for m in at.markdown]
    shown = at.dataframe[0].value.set_index("申报编号")
    assert shown.loc["app-16", "状态"] == "待评审" and shown.loc["app-16", "待核实"] == 1
    assert shown.loc["app-16", "待处理事项"].startswith("待核实：B1 运维收入（需复核）")
    # the address is kept as it was (nothing to normalise)
    assert at.query_params == {"state": "open", "verdict": "needs_review", "status": "review"}


def test_a_changed_filter_goes_into_the_address_and_survives_an_applicant_page(monkeypatch, store):
    at = _app(monkeypatch, store)
    assert _ids(at) == ["app-01", "app-04", "app-07", "app-13", "app-16", "app-03", "app-10"]  # open ones first
    assert at.query_params == {}
    at.radio(key="f_state").set_value("concluded")
    _run(at)
    assert _ids(at) == ["app-03", "app-10"] and at.query_params == {"state": "concluded"}
    assert list(at.dataframe[0].value["评审结论"]) == ["通过", "不通过"]
    at.multiselect(key="f_verdict").set_value(["does_not_meet", "needs_review"])
    _run(at)
    assert at.query_params == {"state": "concluded", "verdict": ["does_not_meet", "needs_review"]}

    # open an applicant: the filters stay in the address beside it
    at.selectbox[0].set_value("app-10")
    _run(at)
    at.button[[b.label for b in at.button].index("打开")].click()
    _run(at)
    assert at.query_params == {"state": "concluded", "verdict": ["does_not_meet", "needs_review"],
                               "applicant": "app-10"}
    # back to the overview (the address without the applicant): the widgets come back from the address
    del at.query_params["applicant"]
    _run(at)
    assert at.radio(key="f_state").value == "concluded"
    assert at.multiselect(key="f_verdict").value == ["does_not_meet", "needs_review"]
    assert _ids(at) == ["app-03", "app-10"]

    # a link to the view: a new session opened with that address shows the same
    again = _app(monkeypatch, store, **at.query_params)
    assert _ids(again) == ["app-03", "app-10"] and again.radio(key="f_state").value == "concluded"


def test_the_link_back_keeps_only_the_overviews_keys():
    from omreview.dashboard.views_overview import overview_link, overview_query

    params = {"applicant": ["app-07"], "state": ["open"], "verdict": ["incomplete", "needs_review"], "zoom": ["2"]}
    assert overview_query(params) == {"state": ["open"], "verdict": ["incomplete", "needs_review"]}
    assert overview_link(params) == "?state=open&verdict=incomplete&verdict=needs_review"
    assert overview_link({"applicant": ["app-07"]}) == "?"


def test_a_status_filter_alone_filters_and_an_empty_result_says_which_filters(monkeypatch, store):
    at = _app(monkeypatch, store)
    assert at.multiselect(key="f_status").value == []  # no preset
    at.multiselect(key="f_status").set_value(["fail"])
    _run(at)
    assert _ids(at) == ["app-10"]  # its M2b fails: the status alone is never inert
    at.multiselect(key="f_check").set_value(["B1"])
    _run(at)
    assert not at.dataframe
    from omreview.overview import ApplicantFilter

    expected = nothing_left(ApplicantFilter(checks=frozenset({"B1"}), check_statuses=frozenset({"fail"})))
    assert [w.value for w in at.warning] == [expected]
    assert "检查项：B1 运维收入（不通过）" in expected
    assert at.query_params == {"check": "B1", "status": "fail"}
    at.button(key="clear_filters").click()
    _run(at)
    assert len(_ids(at)) == 7 and at.query_params == {} and at.multiselect(key="f_status").value == []


def _store_of_21(path) -> ResultStore:
    """21 applicants (the sample batch's size): the seven fixture reports three times, as app-01 … app-21."""
    store = ResultStore(f"sqlite:///{path}")
    store.migrate()
    batch = store.start_batch("intake", "x")
    for i in range(21):
        report, digest = reviewed(FIXTURED[i % len(FIXTURED)])
        applicant = report.applicant.model_copy(update={"id": f"app-{i + 1:02d}"})
        store.save(report.model_copy(update={"applicant": applicant}), f"{digest[:-2]}{i:02d}", batch)
    return store


def test_the_grid_lists_all_21_applicants_with_the_columns_a_reviewer_sorts_by(monkeypatch, tmp_path):
    calls = []
    original = streamlit.dataframe

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(streamlit, "dataframe", spy)
    at = _app(monkeypatch, _store_of_21(tmp_path / "r.sqlite"))
    assert _ids(at) == [f"app-{i:02d}" for i in range(1, 22)]
    assert calls[-1]["height"] == "content"  # as tall as its rows: all 21 shown, none scrolled away
    assert list(at.dataframe[0].proto.column_order) == grid_columns()
    assert any("共21家，全部列出" in c.value for c in at.caption)
    # a column more, from the column chooser: shown, and kept in the address
    at.multiselect(key="f_cols").set_value([*grid_columns(), "评审结论"])
    _run(at)
    assert list(at.dataframe[0].proto.column_order)[-1] == "评审结论"
    assert at.query_params["cols"][-1] == "评审结论"
