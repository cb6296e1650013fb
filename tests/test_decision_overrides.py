"""An override of a check cannot be incomplete (#17 point 5): its new status and a reason, refused in Chinese
otherwise by the model itself (any path that makes a decision), and a reason masked before it is stored."""

import datetime as dt

import pytest
from sqlalchemy import select

from omreview.decisions import ReviewerDecision, describe, make_decision
from omreview.errors import InputError
from omreview.store_schema import reviewer_decisions
from tests.store_factory import build_store

T0 = dt.datetime(2012, 6, 3, 9, 0, tzinfo=dt.UTC)
ID_NUMBER = "110101199003077777"


@pytest.fixture
def entry(tmp_path):
    store = build_store(tmp_path / "r.sqlite", ("app-07",))
    return store, store.latest_applicants()[0]


def test_an_override_of_a_check_needs_its_new_status(entry):
    _, e = entry
    with pytest.raises(InputError, match=r"^推翻检查项须选择推翻后的状态。$"):
        make_decision(e.report, e.row_id, "check", "G4", "overridden", "信用中国无记录", "王评审")
    with pytest.raises(InputError, match=r"^推翻后的状态与机器结果相同：请选择另一状态，或选择接受。$"):
        make_decision(e.report, e.row_id, "check", "G4", "overridden", "信用中国无记录", "王评审", "manual")
    with pytest.raises(InputError, match=r"^请填写理由。$"):
        make_decision(e.report, e.row_id, "check", "G4", "overridden", " ", "王评审", "pass")
    # a discrepancy is overridden with a reason alone: it has no status
    key = "roster.id_number.row35"
    assert make_decision(e.report, e.row_id, "discrepancy", key, "overridden", "复核后不成立", "王评审").reason


def test_the_model_refuses_an_override_without_status_whatever_path_makes_it(entry):
    _, e = entry
    fields = dict(applicant_row=e.row_id, target_kind="check", target="G4", machine_status="manual",
                  machine_message="…", decision="overridden", reason="理由", reviewer="王评审", decided_at=T0)
    with pytest.raises(ValueError, match="needs the reviewer's status"):
        ReviewerDecision(**fields)
    # a row stored before the rule (it has the store's id) is still read back, as it was recorded
    assert ReviewerDecision(id=7, **fields).reviewer_status is None
    # but the store does not take it as a new decision: it is validated again as one
    store, _ = entry
    with pytest.raises(ValueError, match="needs the reviewer's status"):
        store.record_decision(ReviewerDecision(id=7, **fields))
    assert store.decisions() == []


def test_a_reason_is_masked_before_it_is_stored(entry):
    store, e = entry
    d = make_decision(e.report, e.row_id, "check", "G4", "overridden", f"法定代表人{ID_NUMBER}无违法记录", "王评审",
                      "pass", now=T0)
    store.record_decision(d)
    with store.engine.connect() as c:
        [raw] = c.execute(select(reviewer_decisions.c.reason)).scalars().all()
    assert raw == "法定代表人1101**********7777无违法记录"
    assert describe(store.decisions()[0]).endswith("：法定代表人1101**********7777无违法记录")
