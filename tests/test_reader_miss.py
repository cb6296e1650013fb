"""A reader's miss is never a fail (CONDITIONS.md, "Judging from which source"; issue #14).

For every judged check: the input it needs is taken away (the reader did not find it) and the check must
not fail; it is ``missing`` (or ``review``) and its message names the labels looked for (from the rules
file) and the document searched. Where the applicant itself wrote the value as none (``stated_none``:
无, —, an empty cell of a filled row), the check fails where the condition demands it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from omreview.model import Check, Verdict
from omreview.records import (
    Count,
    DeclaredYear,
    Flag,
    FormRecord,
    KeyPerson,
    KeyRole,
    Project,
    SoftwareCopyright,
    StatementRecord,
)
from omreview.rules import default_rules
from omreview.validators.evaluate import Evaluation
from tests import records_factory as f
from tests.test_checks import YEARS, none_at, run

RULES = default_rules()
LABELS = RULES.labels
JUDGED = {r.id for r in RULES.checks if r.judged}
FORM_PLACE = "申报表（form.docx"


def check(result: Evaluation, check_id: str) -> Check:
    return next(c for c in result.checks if c.id == check_id)


def statements(**changes) -> dict[int, StatementRecord]:
    return {y: f.statement(y).model_copy(update=changes) for y in YEARS}


def persons(**changes: dict) -> list[KeyPerson]:
    """The base key persons, each role's fields changed as given (``tech_lead={"title": None}``)."""
    out = []
    for p in f.form().key_persons:
        update = changes.get(p.role.value, {})
        out.append(KeyPerson.model_validate({**p.model_dump(), **update}))
    return out


def projects(**changes) -> list[Project]:
    """The base projects with the same fields changed in each (validated: ``stated_none`` is checked)."""
    return [Project.model_validate({**p.model_dump(), **changes}) for p in f.form().projects]


def software(**changes) -> list[SoftwareCopyright]:
    return [SoftwareCopyright.model_validate({**s.model_dump(), **changes}) for s in f.form().software]


@dataclass
class Miss:
    """One value taken away from the base applicant (who meets every condition)."""

    check_id: str
    what: str
    inputs: Callable[[], dict]
    labels: list[str]  # every one of these must be named in the message
    places: list[str] = field(default_factory=lambda: [FORM_PLACE])
    status: str = "missing"


def _form(**changes) -> Callable[[], dict]:
    return lambda: {"form": f.form(**changes)}


MISSES = [
    Miss("P1", "SI certificate number", _form(si_cert_number=None), LABELS.form_fields["si_cert_number"]),
    Miss("P1", "SI certificate level", _form(si_cert_level=None), LABELS.form_fields["si_cert_level"], status="review"),
    Miss("G1", "O&M start date", _form(om_start_date=None), LABELS.form_fields["om_start_date"]),
    Miss("G1", "O&M revenue, notes and form", lambda: {"form": f.form(declared_years=[]),
                                                        "statements": statements(om_revenue=None)},
         LABELS.om_revenue_lines + LABELS.declared_revenue["om_revenue"],
         ["2009、2010、2011年度审计报告（2009.pdf、2010.pdf、2011.pdf）附注", FORM_PLACE]),
    Miss("G2", "registered capital", _form(registered_capital=None), LABELS.form_fields["registered_capital"]),
    Miss("G2", "paid-in capital, statements and form",
         lambda: {"form": f.form(paid_in_capital=None),
                  "statements": {y: s.model_copy(update={"current": s.current.model_copy(
                      update={"paid_in_capital": None})}) for y, s in statements().items()}},
         LABELS.statement_rows["paid_in_capital"] + LABELS.form_fields["paid_in_capital"],
         ["2011年度审计报告（2011.pdf）"]),
    Miss("G2", "paid-in capital in the statements (the form stands in)",
         lambda: {"statements": {y: s.model_copy(update={"current": s.current.model_copy(
             update={"paid_in_capital": None})}) for y, s in statements().items()}},
         LABELS.statement_rows["paid_in_capital"], ["2011年度审计报告（2011.pdf）"], status="review"),
    Miss("G3", "auditor", lambda: {"statements": statements(auditor=None)}, LABELS.statement_pdf.audit_firm,
         ["2009、2010、2011年度审计报告"], status="review"),
    Miss("G3", "opinion", lambda: {"statements": statements(opinion=None)},
         [w for words in LABELS.audit_opinions.values() for w in words], ["2009、2010、2011年度审计报告"],
         status="review"),
    Miss("G3", "equity", lambda: {"statements": {y: s.model_copy(update={"current": s.current.model_copy(
        update={"equity": None})}) for y, s in statements().items()}},
         LABELS.statement_rows["equity"], ["2009、2010、2011年度审计报告（2009.pdf、2010.pdf、2011.pdf）的资产负债表"],
         status="review"),
    Miss("G5", "ITSS certificate number", _form(itss_cert_number=None), LABELS.form_fields["itss_cert_number"]),
    Miss("B1", "O&M revenue", lambda: {"form": f.form(declared_years=[]), "statements": statements(om_revenue=None)},
         LABELS.om_revenue_lines + LABELS.declared_revenue["om_revenue"]),
    Miss("B1", "total revenue (the share decides)",
         lambda: {"statements": {y: s.model_copy(update={"current": s.current.model_copy(
             update={"total_revenue": None})}) for y, s in statements().items()}},
         LABELS.statement_rows["total_revenue"],
         ["2009、2010、2011年度审计报告（2009.pdf、2010.pdf、2011.pdf）的利润表"]),
    Miss("B2a", "project table", _form(projects=[]), LABELS.project_columns["name"] + LABELS.project_columns["amount"]),
    Miss("B2a", "clients", _form(projects=projects(client=None)), LABELS.project_columns["client"]),
    Miss("B2a", "contract periods", _form(projects=projects(start=None, end=None)),
         LABELS.project_columns["period"] + LABELS.project_columns["start"] + LABELS.project_columns["end"]),
    Miss("B2b", "project table", _form(projects=[]), LABELS.project_columns["name"] + LABELS.project_columns["amount"]),
    Miss("B2b", "contract amounts", _form(projects=projects(amount=None)), LABELS.project_columns["amount"]),
    Miss("B2b", "contract periods", _form(projects=projects(start=None, end=None)),
         LABELS.project_columns["period"] + LABELS.project_columns["start"] + LABELS.project_columns["end"]),
    Miss("B2c", "project table", _form(projects=[]), LABELS.project_columns["name"] + LABELS.project_columns["amount"]),
    Miss("B2c", "tools", _form(projects=projects(tool=None)), LABELS.project_columns["tool"], status="review"),
    Miss("M2a", "principal", _form(key_persons=persons()[1:]), LABELS.key_person_roles["principal"]),
    Miss("M2a", "management years", _form(key_persons=persons(principal={"mgmt_years": None})),
         LABELS.key_person_columns["mgmt_years"], [f"{FORM_PLACE}）的主要负责人一栏"]),
    Miss("M2b", "tech lead", _form(key_persons=[persons()[0], persons()[2]]), LABELS.key_person_roles["tech_lead"]),
    Miss("M2b", "tech lead's title", _form(key_persons=persons(tech_lead={"title": None})),
         LABELS.key_person_columns["title"], [f"{FORM_PLACE}）的运维技术负责人一栏"]),
    Miss("M2b", "tech lead's O&M years", _form(key_persons=persons(tech_lead={"om_years": None})),
         LABELS.key_person_columns["om_years"]),
    Miss("M2b", "tech lead's specialty", _form(key_persons=persons(tech_lead={"specialty": None})),
         LABELS.key_person_columns["specialty"], status="review"),
    Miss("M2c", "finance lead", _form(key_persons=persons()[:2]), LABELS.key_person_roles["finance_lead"]),
    Miss("M2c", "finance lead's title", _form(key_persons=persons(finance_lead={"title": None})),
         LABELS.key_person_columns["title"], [f"{FORM_PLACE}）的财务负责人一栏"]),
    Miss("T1", "software table", _form(software=[]),
         LABELS.software_columns["name"] + LABELS.software_columns["number"]),
    Miss("T1", "holders", _form(software=software(holder=None)), LABELS.software_columns["holder"]),
    Miss("T1", "registration numbers", _form(software=software(number=None)), LABELS.software_columns["number"]),
    Miss("T1", "the applicant's name (to compare holders)", _form(company_name=None),
         LABELS.form_fields["company_name"]),
    Miss("T2", "roster rows", lambda: {"roster": f.roster().model_copy(update={"rows": []})},
         LABELS.roster_columns["name"] + LABELS.roster_columns["id_number"], ["人员名册（roster.xlsx）"]),
]


def test_every_judged_check_has_a_reader_miss_case():
    assert {m.check_id for m in MISSES} == JUDGED


@pytest.mark.parametrize("miss", MISSES, ids=[f"{m.check_id}: {m.what}" for m in MISSES])
def test_a_value_not_found_is_never_a_fail(miss):
    result = run(**miss.inputs())
    c = check(result, miss.check_id)
    assert c.status.value == miss.status, c.message
    assert result.verdict is not Verdict.DOES_NOT_MEET, [(x.id, x.message) for x in result.checks]
    for label in miss.labels:
        assert f"「{label}」" in c.message, (label, c.message)
    for place in miss.places:
        assert place in c.message, (place, c.message)
    assert "未找到" in c.message
    if miss.status == "missing":
        assert c.values["not_found"]


def test_the_place_names_the_forms_tables_when_the_reader_counted_them():
    form = f.form(itss_cert_number=None).model_copy(update={"table_count": 6})
    assert "申报表（form.docx，表1–表6）" in check(run(form=form), "G5").message


# --- what the applicant wrote as none is a value: a fail where the condition needs it -------------------------

def _declared_none(*years: int) -> FormRecord:
    declared = [DeclaredYear(year=y, total_revenue=f.money(40_000_000, f.FORM_SRC),
                             om_revenue=None if y in years else f.money(15_000_000, f.FORM_SRC)) for y in YEARS]
    return f.form(declared_years=declared,
                  stated_none=none_at(*(f"declared_years.{y}.om_revenue" for y in years)))


def _no_om_notes():
    return statements(om_revenue=None)


STATED = [
    ("P1", lambda: {"form": f.form(si_cert_number=None, stated_none=none_at("si_cert_number"))}, "fail"),
    ("G1", lambda: {"form": f.form(om_start_date=None, stated_none=none_at("om_start_date"))}, "fail"),
    ("G1", lambda: {"form": _declared_none(2009), "statements": _no_om_notes()}, "review"),  # review by the annex
    ("G2", lambda: {"form": f.form(registered_capital=None, stated_none=none_at("registered_capital"))}, "fail"),
    ("G5", lambda: {"form": f.form(itss_cert_number=None, stated_none=none_at("itss_cert_number"))}, "fail"),
    ("B1", lambda: {"form": _declared_none(*YEARS), "statements": _no_om_notes()}, "fail"),
    ("B2a", lambda: {"form": f.form(projects=[], stated_none=none_at("projects"))}, "fail"),
    ("B2a", lambda: {"form": f.form(projects=projects(client=None, stated_none=none_at("client")))}, "fail"),
    ("B2b", lambda: {"form": f.form(projects=[], stated_none=none_at("projects"))}, "fail"),
    ("B2b", lambda: {"form": f.form(projects=projects(amount=None, stated_none=none_at("amount")))}, "fail"),
    ("B2b", lambda: {"form": f.form(projects=projects(start=None, end=None, stated_none=none_at("start", "end")))},
     "fail"),
    ("M2a", lambda: {"form": f.form(key_persons=persons(principal={"mgmt_years": None,
                                                                   "stated_none": none_at("mgmt_years")}))}, "fail"),
    ("M2a", lambda: {"form": f.form(key_persons=[], stated_none=none_at("key_persons"))}, "fail"),
    ("M2b", lambda: {"form": f.form(key_persons=persons(tech_lead={"title": None, "stated_none": none_at("title")}))},
     "fail"),
    ("M2b", lambda: {"form": f.form(key_persons=persons(tech_lead={"om_years": None,
                                                                   "stated_none": none_at("om_years")}))}, "fail"),
    ("M2c", lambda: {"form": f.form(key_persons=persons(finance_lead={"title": None,
                                                                      "stated_none": none_at("title")}))}, "fail"),
    ("T1", lambda: {"form": f.form(software=[], stated_none=none_at("software"))}, "fail"),
    ("T1", lambda: {"form": f.form(software=software(holder=None, stated_none=none_at("holder")))}, "fail"),
]


@pytest.mark.parametrize(("check_id", "inputs", "expected"), STATED,
                         ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(STATED)])
def test_a_none_written_by_the_applicant_is_a_value(check_id, inputs, expected):
    c = check(run(**inputs()), check_id)
    assert c.status.value == expected, c.message
    assert "为无" in c.message and "表1 B9" in c.message, c.message  # the applicant's cell is shown
    assert "not_found" not in c.values


def test_g1_says_no_om_revenue_only_when_it_was_read():
    zero = {y: f.statement(y, om=0 if y == 2009 else 15_000_000) for y in YEARS}
    read = check(run(form=f.form(declared_years=[]), statements=zero), "G1")
    assert read.status.value == "review" and "2009年无运维收入" in read.message
    unread = check(run(form=f.form(declared_years=[]), statements=_no_om_notes()), "G1")
    assert unread.status.value == "missing" and "无运维收入" not in unread.message


# --- counts: a fail only when the values not found could not change it ------------------------------------------

def test_a_project_whose_client_was_not_found_could_still_be_a_second_client():
    one_client = projects()
    one_client[1] = one_client[1].model_copy(update={"client": f.text("甲银行")})
    assert check(run(form=f.form(projects=one_client)), "B2a").status.value == "fail"  # read, and short
    one_client[1] = one_client[1].model_copy(update={"client": None})
    assert check(run(form=f.form(projects=one_client)), "B2a").status.value == "missing"


def test_a_project_whose_amount_was_read_below_the_bar_cannot_qualify_whatever_its_period():
    small = [p.model_copy(update={"amount": f.money(900_000, f.FORM_SRC), "start": None, "end": None})
             for p in projects()]
    assert check(run(form=f.form(projects=small)), "B2b").status.value == "fail"


def test_a_project_outside_the_window_by_its_known_start_cannot_count():
    later = [p.model_copy(update={"start": f.date(2012, 2, 1), "end": None}) for p in projects()]
    assert check(run(form=f.form(projects=later)), "B2b").status.value == "fail"


def test_a_copyright_held_by_another_company_as_read_still_fails_t1():
    other = software(holder=f.text("别家集团有限公司"))
    assert check(run(form=f.form(software=other)), "T1").status.value == "fail"
    malformed = software(number=f.text("2009-012345"))
    assert check(run(form=f.form(software=malformed)), "T1").status.value == "fail"


@pytest.mark.parametrize(("role", "title", "check_id"), [("tech_lead", "高级职称", "M2b"),
                                                         ("finance_lead", "注册税务师", "M2c")])
def test_a_title_read_but_not_in_the_rules_goes_to_a_reviewer(role, title, check_id):
    c = check(run(form=f.form(key_persons=persons(**{role: {"title": f.text(title)}}))), check_id)
    assert c.status.value == "review" and title in c.message


def test_a_title_written_as_none_fails():
    c = check(run(form=f.form(key_persons=persons(finance_lead={"title": f.text("无")}))), "M2c")
    assert c.status.value == "fail"


# --- the figures and the relaxation --------------------------------------------------------------------------

def test_counts_of_a_table_not_found_are_not_reported_as_zero():
    result = run(form=f.form(projects=[], software=[]))
    assert not {"distinct_client_count", "qualifying_project_count", "software_copyright_count"} & set(result.figures)
    result = run(form=f.form(projects=[], stated_none=none_at("projects")))
    assert result.figures["distinct_client_count"].value == "0"


def test_a_relaxation_request_turns_a_relaxable_value_not_found_into_review():
    flag = Flag(value=True, source=f.FORM_SRC)
    result = run(form=f.form(registered_capital=None, itss_cert_number=None, relaxation_requested=flag))
    g2 = check(result, "G2")
    assert g2.status.value == "review" and "「注册资本」" in g2.message and g2.values["relaxed"] == "true"
    assert check(result, "G5").status.value == "missing"  # never relaxable


def test_a_relaxation_request_that_cannot_be_told_makes_a_relaxable_failure_a_review_not_a_fail():
    low = f.money(5_000_000, f.FORM_SRC)  # 注册资本 500万元 < 1000万元: G2 fails, unless relaxed
    assert check(run(form=f.form(registered_capital=low)), "G2").status.value == "fail"
    unclear = f.text("☑是 ☑否")
    result = run(form=f.form(registered_capital=low, relaxation_requested=None, relaxation_unclear=unclear))
    g2 = check(result, "G2")
    assert g2.status.value == "review" and "无法判断是否申请" in g2.message and "☑是 ☑否" in g2.message
    assert g2.values["relaxation_unclear"] == "☑是 ☑否" and "relaxed" not in g2.values
    assert result.verdict is not Verdict.DOES_NOT_MEET
    # a request read as 否 stands: the failure stays a failure
    told = run(form=f.form(registered_capital=low, relaxation_requested=Flag(value=False, source=f.FORM_SRC)))
    assert check(told, "G2").status.value == "fail"


def test_a_missing_document_is_still_missing_not_reviewed_under_relaxation():
    flag = Flag(value=True, source=f.FORM_SRC)
    result = run(form=f.form(relaxation_requested=flag), statements={y: f.statement(y) for y in (2010, 2011)})
    assert check(result, "G3").status.value == "missing" and result.verdict is Verdict.INCOMPLETE


# --- the hook on the records -----------------------------------------------------------------------------------

def test_stated_none_names_a_field_without_a_value():
    with pytest.raises(ValueError, match="itss_cert_numbr"):
        FormRecord(stated_none=none_at("itss_cert_numbr"))
    with pytest.raises(ValueError, match="has a value"):
        FormRecord(itss_cert_number=f.text("ITSS-1"), stated_none=none_at("itss_cert_number"))
    with pytest.raises(ValueError, match="has a value"):
        f.form(stated_none=none_at("declared_years.2009.om_revenue"))
    with pytest.raises(ValueError, match=r"declared_years\.2009\.year"):
        FormRecord(stated_none=none_at("declared_years.2009.year"))
    assert FormRecord(stated_none=none_at("declared_years.2009.om_revenue")).none_written(
        "declared_years.2009.om_revenue") is not None
    person = KeyPerson(role=KeyRole.TECH_LEAD, stated_none=none_at("title"))
    assert person.none_written("title") is not None and person.none_written("om_years") is None
    with pytest.raises(ValueError, match="has a value"):
        KeyPerson(role=KeyRole.TECH_LEAD, om_years=Count(value=3, source=f.FORM_SRC), stated_none=none_at("om_years"))


def test_a_record_without_stated_none_reads_as_before():
    """Records written before the hook (cached, pickled) have no ``stated_none``: every empty field is unknown."""
    data = f.form().model_dump(mode="json")
    data.pop("stated_none")
    assert FormRecord.model_validate(data).stated_none == {}
