"""The reviewer's decisions and 评审结论 on the applicant page (#17 points 1 and 5), through Streamlit's AppTest:
the form opens on the first open item, an override without its status is refused in Chinese, a reason is masked in
the history and the confirmation, the 评审结论 waits until nothing is open (naming what is), concluding changes
the header, reopening needs a reason, and "下一个待评审" / "返回总览" keep the overview's query parameters.
"""

import os
import re

import pytest
from streamlit.testing.v1 import AppTest

from omreview.queue import load_queue, next_open
from omreview.store import ResultStore
from tests.store_factory import QUEUE_SAMPLES, build_store

PAGE = os.path.join(os.path.dirname(__file__), "..", "dashboard", "page.py")
ID_NUMBER = "110101199003077777"
LOCAL_TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d"


@pytest.fixture
def store(tmp_path) -> ResultStore:
    return build_store(tmp_path / "r.sqlite", QUEUE_SAMPLES)


def _page(monkeypatch, store: ResultStore, applicant: str, **params: str) -> AppTest:
    monkeypatch.setenv("OMREVIEW_DASHBOARD_DB", store.url)
    monkeypatch.setenv("OMREVIEW_REVIEWER", "测试评审")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params.update(applicant=applicant, **params)
    at.run()
    assert not at.exception
    return at


def _button(at: AppTest, starts: str):
    return next(b for b in at.button if b.label.startswith(starts))


def _decide(at: AppTest, applicant: str, reason: str, kind: str = "accepted", status: str = "",
            target: str | None = None) -> AppTest:
    if target is not None:
        at.selectbox(key=f"target-decision-{applicant}").set_value(target)
    at.radio(key=f"kind-decision-{applicant}").set_value(kind)
    at.selectbox(key=f"status-decision-{applicant}").set_value(status)
    at.text_area(key=f"reason-decision-{applicant}").set_value(reason)
    _button(at, "以 测试评审 的名义记录").click().run()
    assert not at.exception
    return at


def _state(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**评审状态："))


def _page_text(at: AppTest) -> str:
    """Everything the page sends the browser, as text (element protos, tables' Arrow bytes decoded loosely)."""
    parts = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(proto.SerializeToString().decode("utf-8", "replace"))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def test_the_decision_form_opens_on_the_first_open_item(store, monkeypatch):
    at = _page(monkeypatch, store, "app-16")
    target = at.selectbox(key="target-decision-app-16")
    # B1 needs review (待核实) and comes first, before the manual checks; the passed P1 is still there, later
    assert target.value == "check:B1"
    labels = target.options  # as the reviewer reads them
    assert labels[0].startswith("检查项 B1 近三年运维收入总额") and labels[0].endswith("（需复核） · 待核实")
    assert labels[1].startswith("检查项 G4 ") and labels[1].endswith(" · 待人工判断")
    assert labels.index(next(x for x in labels if x.startswith("检查项 P1 "))) > 5
    # deciding it moves the form to the next open item, cleared
    _decide(at, "app-16", "附注核实无误")
    assert at.selectbox(key="target-decision-app-16").value == "check:G4"
    assert at.text_area(key="reason-decision-app-16").value == ""

    # an applicant with manual checks only opens on its first manual check
    at = _page(monkeypatch, store, "app-01")
    assert at.selectbox(key="target-decision-app-01").value == "check:G4"


def test_an_override_without_its_new_status_is_refused_in_chinese(store, monkeypatch):
    at = _decide(_page(monkeypatch, store, "app-16"), "app-16", "附注另有说明", kind="overridden")
    assert [e.value for e in at.error] == ["推翻检查项须选择推翻后的状态。"]
    assert store.decisions() == [] and not at.success
    assert at.text_area(key="reason-decision-app-16").value == "附注另有说明"  # kept to be corrected
    _decide(at, "app-16", "附注另有说明", kind="overridden", status="pass")
    assert not at.error and at.success[0].value.startswith("已记录：B1 运维收入 推翻（通过） — 测试评审 ")
    [decision] = store.decisions()
    assert (decision.target, decision.reviewer_status.value) == ("B1", "pass")


def test_a_reason_is_masked_in_the_confirmation_and_the_history(store, monkeypatch):
    at = _decide(_page(monkeypatch, store, "app-16"), "app-16", f"法定代表人身份证{ID_NUMBER}核对无误")
    masked = "法定代表人身份证1101**********7777核对无误"
    [confirmation] = at.success
    assert re.fullmatch(rf"已记录：B1 运维收入 接受 — 测试评审 {LOCAL_TIME}：{re.escape(masked)}", confirmation.value)
    newest = at.table[-1].value["决定"].iloc[0]  # the history, newest first
    assert newest.endswith(masked)
    assert ID_NUMBER not in _page_text(at)  # anywhere on the page
    at.run()  # the history, on the next visit too
    assert at.table[-1].value["决定"].iloc[0].endswith(masked) and ID_NUMBER not in _page_text(at)


def test_the_conclusion_form_is_disabled_naming_the_open_items(store, monkeypatch):
    at = _page(monkeypatch, store, "app-16")
    [warning] = at.warning
    assert warning.value == ("尚有未处理事项，暂不能作评审结论。待核实：B1 运维收入（需复核）；"
                             "待人工判断：G4 资信与守法（人工判断）、B3 典型项目技术水平（人工判断）、M1 管理信息系统"
                             "（人工判断）、T3 高级运维人才（人工判断）、T4 培训与考核制度（人工判断）。")
    assert at.radio(key="choice-conclusion-app-16").disabled
    assert at.text_area(key="opinion-conclusion-app-16").disabled
    assert _button(at, "以 测试评审 的名义作出评审结论").disabled
    assert _state(at).startswith("**评审状态：待评审 — 待核实：B1 运维收入（需复核）；")


def test_concluding_app_01_after_deciding_its_manual_checks_then_reopening(store, monkeypatch):
    at = _page(monkeypatch, store, "app-01")
    for check in ("G4", "B3", "M1", "T3", "T4"):  # the form goes from one open item to the next by itself
        assert at.selectbox(key="target-decision-app-01").value == f"check:{check}"
        _decide(at, "app-01", f"{check}已核")
    assert not at.warning and not at.radio(key="choice-conclusion-app-01").disabled
    assert _state(at) == "**评审状态：待评审 — 各项均已处理，待作评审结论**"

    # no conclusion chosen: refused, nothing stored
    at.text_area(key="opinion-conclusion-app-01").set_value("符合评定条件")
    _button(at, "以 测试评审 的名义作出评审结论").click().run()
    assert [e.value for e in at.error] == ["请选择评审结论（通过、不通过、退回补正）。"]
    assert store.conclusion_events() == []

    at.radio(key="choice-conclusion-app-01").set_value("通过")
    at.text_area(key="opinion-conclusion-app-01").set_value(f"符合评定条件，联系人{ID_NUMBER}")
    _button(at, "以 测试评审 的名义作出评审结论").click().run()
    assert not at.exception
    assert re.fullmatch(rf"\*\*评审状态：已结论（通过） — 测试评审 {LOCAL_TIME}\*\*", _state(at))
    assert re.fullmatch(rf"已结论（通过）：通过 — 测试评审 {LOCAL_TIME}：符合评定条件，联系人1101\*+7777",
                        at.success[-1].value)
    assert [e.conclusion for e in store.conclusion_events()] == ["approved"]
    assert not at.warning  # nor Streamlit's about widget values set by the callback
    # the conclusion rests on the decisions in force: they cannot change until it is reopened
    assert _button(at, "以 测试评审 的名义记录").disabled
    assert [i.value for i in at.info] == ["已作出评审结论，决定不能再更改；如需更改，请先重新打开。"]

    # reopening needs a reason
    _button(at, "以 测试评审 的名义重新打开").click().run()
    assert [e.value for e in at.error] == ["请填写重新打开的理由。"]
    at.text_area(key="reason-conclusion-app-01").set_value(f"补充材料，经办人{ID_NUMBER}")
    _button(at, "以 测试评审 的名义重新打开").click().run()
    assert _state(at) == "**评审状态：待评审 — 已重新打开，各项均已处理，待作评审结论**"
    assert not at.warning and at.radio(key="choice-conclusion-app-01").value is None  # to be chosen anew
    assert not _button(at, "以 测试评审 的名义记录").disabled
    trail = list(at.table[-1].value["记录"])
    assert re.fullmatch(rf"重新打开 — 测试评审 {LOCAL_TIME}：补充材料，经办人1101\*+7777", trail[0])
    assert trail[1].startswith("通过 — 测试评审 ") and len(trail) == 2
    assert ID_NUMBER not in _page_text(at)


def test_next_open_applicant_and_back_keep_the_overview_parameters(store, monkeypatch):
    at = _page(monkeypatch, store, "app-01", verdict="needs_review", status="review")
    _button(at, "下一个待评审").click().run()
    assert not at.exception
    following = next_open(load_queue(store), "app-01").applicant_id
    assert following == "app-04"
    assert at.query_params == {"applicant": "app-04", "verdict": "needs_review", "status": "review"}
    assert at.title[0].value == next(e.report["applicant"]["name"] for e in store.latest_applicants()
                                     if e.applicant_id == "app-04")
    _button(at, "← 返回总览").click().run()
    assert at.query_params == {"verdict": "needs_review", "status": "review"}
    assert at.title[0].value == "运行维护能力评定 · 评审总览"
