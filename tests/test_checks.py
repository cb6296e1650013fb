"""Every check's pass, fail and exact boundary, from small records built here; thresholds from the rules file."""

import datetime as dt
from decimal import Decimal

import pytest
import yaml

from omreview.model import AuditOpinion, Document, DocumentKind, Source, Verdict
from omreview.records import Count, DeclaredYear, Flag, KeyPerson, KeyRole, Money, SoftwareCopyright
from omreview.rules import RULES_PATH, default_rules, load_rules
from omreview.validators import evaluate
from tests import records_factory as f

D = dt.date(2012, 6, 1)
YEARS = [2009, 2010, 2011]


def run(form=None, statements=None, roster=None, rules=None, application_date=D):
    form = f.form() if form is None else form
    statements = {y: f.statement(y) for y in YEARS} if statements is None else statements
    roster = f.roster() if roster is None else roster
    pairs = [(Document(file="form.docx", sha256="0", kind=DocumentKind.APPLICATION_FORM), form),
             (Document(file="roster.xlsx", sha256="1", kind=DocumentKind.STAFF_ROSTER), roster)]
    pairs += [(Document(file=f"{y}.pdf", sha256=str(y), kind=DocumentKind.FINANCIAL_STATEMENT, fiscal_year=y), s)
              for y, s in statements.items()]
    return evaluate(pairs, YEARS, rules or default_rules(), application_date)


def status(result, check_id):
    return next(c.status.value for c in result.checks if c.id == check_id)


def none_at(*fields: str, cell: str = "B9") -> dict[str, Source]:
    """``stated_none`` for ``fields``: the applicant wrote each as 无 in a cell of the form."""
    return {name: Source(file="form.docx", table=0, cell=cell, text=f"{name} 无") for name in fields}


def test_the_base_applicant_meets():
    result = run()
    assert result.verdict is Verdict.MEETS, [(c.id, c.message) for c in result.checks if c.status.value != "pass"]
    assert result.discrepancies == []


# --- B1: 1亿, or 3000万 and 30% ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("om_each", "total_each", "expected"),
    [
        ("10000000", "40000000", "fail"),        # 3000万 exactly but a 25% share: neither route
        ("10000000", "33333333.33", "pass"),     # 3000万 and a share just over 30%
        ("10000000", "33333333.34", "fail"),     # 3000万 and a share just under 30%
        ("9999999.99", "30000000", "fail"),      # 2999.99999万: under 3000万 whatever the share
        ("33333333.34", "200000000", "pass"),    # 1亿 (and 2 cents) alone, share 16.7%
        ("33333333.33", "200000000", "fail"),    # 99,999,999.99: just under 1亿, share too low
    ],
)
def test_b1_boundaries(om_each, total_each, expected):
    statements = {y: f.statement(y, total=total_each, om=om_each) for y in YEARS}
    form = f.form(declared_years=[])
    assert status(run(form=form, statements=statements), "B1") == expected


def test_b1_at_exactly_30_percent_passes():
    statements = {y: f.statement(y, total="100000000", om="30000000") for y in YEARS}
    result = run(form=f.form(declared_years=[]), statements=statements)
    assert status(result, "B1") == "pass"
    assert result.figures["om_revenue_share"].value == "0.3000"


def test_b1_uses_the_form_when_notes_lack_om_and_asks_for_review():
    statements = {y: f.statement(y) for y in YEARS}
    statements[2010] = statements[2010].model_copy(update={"om_revenue": None})
    assert status(run(statements=statements), "B1") == "review"


# --- G2: 1000万 -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("paid_in", "expected"), [("10000000", "pass"), ("9999999.99", "fail")])
def test_g2_paid_in_boundary_from_the_latest_balance_sheet(paid_in, expected):
    statements = {y: f.statement(y, paid_in=paid_in) for y in YEARS}
    form = f.form(paid_in_capital=f.money(paid_in, f.FORM_SRC))
    assert status(run(form=form, statements=statements), "G2") == expected


@pytest.mark.parametrize(("registered", "expected"), [("10000000", "pass"), ("9999999", "fail")])
def test_g2_registered_boundary(registered, expected):
    assert status(run(form=f.form(registered_capital=f.money(registered, f.FORM_SRC))), "G2") == expected


# --- G1: 3 years ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "expected"), [((2009, 6, 1), "pass"), ((2009, 6, 2), "fail")])
def test_g1_three_years_to_the_day(start, expected):
    assert status(run(form=f.form(om_start_date=f.date(*start))), "G1") == expected


def test_g1_review_when_a_year_has_no_om_revenue():
    statements = {y: f.statement(y, om=0 if y == 2009 else 15_000_000) for y in YEARS}
    assert status(run(form=f.form(declared_years=[]), statements=statements), "G1") == "review"


# --- G3: audits -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("opinion", "expected"),
    [(AuditOpinion.UNQUALIFIED, "pass"), (AuditOpinion.UNQUALIFIED_EMPHASIS, "review"),
     (AuditOpinion.QUALIFIED, "review"), (AuditOpinion.ADVERSE, "fail"), (AuditOpinion.DISCLAIMER, "fail")],
)
def test_g3_opinions(opinion, expected):
    statements = {y: f.statement(y, opinion=opinion if y == 2010 else AuditOpinion.UNQUALIFIED) for y in YEARS}
    assert status(run(statements=statements), "G3") == expected


def test_g3_review_on_non_positive_equity_and_missing_year():
    statements = {y: f.statement(y, equity=0 if y == 2011 else 30_000_000) for y in YEARS}
    assert status(run(statements=statements), "G3") == "review"
    statements = {y: f.statement(y) for y in (2010, 2011)}
    result = run(statements=statements)
    assert status(result, "G3") == "missing" and result.verdict is Verdict.INCOMPLETE


# --- P1, G5 ---------------------------------------------------------------------------------------

def test_p1_and_g5():
    assert status(run(form=f.form(si_cert_number=None, stated_none=none_at("si_cert_number"))), "P1") == "fail"
    assert status(run(form=f.form(si_cert_number=None)), "P1") == "missing"  # not found: never a fail
    assert status(run(form=f.form(si_cert_valid_until=f.date(2012, 5, 31))), "P1") == "fail"
    assert status(run(form=f.form(si_cert_valid_until=f.date(2012, 6, 1))), "P1") == "pass"
    assert status(run(form=f.form(si_cert_level=None)), "P1") == "review"
    assert status(run(form=f.form(itss_cert_number=None, stated_none=none_at("itss_cert_number"))), "G5") == "fail"
    assert status(run(form=f.form(itss_cert_number=None)), "G5") == "missing"


# --- B2a, B2b, B2c, T1: projects ---------------------------------------------------------------

def test_b2b_annualised_boundary_and_b2a_clients():
    one_year = f.project("丙", "甲银行", 1_000_000, dt.date(2011, 1, 1), dt.date(2011, 12, 31))
    two_years_low = f.project("丁", "甲银行", "1999999.98", dt.date(2010, 1, 1), dt.date(2011, 12, 31))
    result = run(form=f.form(projects=[one_year, two_years_low]))
    assert status(result, "B2b") == "fail"  # 100万 exactly counts; 1,999,999.98 over 24 months does not
    assert result.figures["qualifying_project_count"].value == "1"
    assert status(result, "B2a") == "fail"  # one client (甲银行) only
    two_years = f.project("丁", "乙银行", 2_000_000, dt.date(2010, 1, 1), dt.date(2011, 12, 31))
    result = run(form=f.form(projects=[one_year, two_years]))
    assert status(result, "B2b") == "pass" and status(result, "B2a") == "pass"


def test_projects_outside_the_window_do_not_count():
    inside = f.project("甲", "甲银行", 3_000_000, dt.date(2011, 12, 1), dt.date(2012, 11, 30))
    outside = f.project("乙", "乙银行", 3_000_000, dt.date(2012, 1, 1), dt.date(2012, 12, 31))
    result = run(form=f.form(projects=[inside, outside]))
    assert result.figures["distinct_client_count"].value == "1"


def test_b2c_and_t1_need_the_applicants_own_registered_software():
    assert status(run(), "B2c") == "pass" and status(run(), "T1") == "pass"
    other = [SoftwareCopyright(name=f.text("智维运维监控平台"), number=f.text("2009SR012345"),
                               holder=f.text("别家集团有限公司"))]
    result = run(form=f.form(software=other))
    assert status(result, "T1") == "fail" and status(result, "B2c") == "review"
    assert any(d.figure.startswith("software_copyright.holder") for d in result.discrepancies)
    malformed = [SoftwareCopyright(name=f.text("智维运维监控平台"), number=f.text("2009-012345"),
                                   holder=f.text(f.COMPANY))]
    result = run(form=f.form(software=malformed))
    assert any(d.figure.startswith("software_copyright.number") for d in result.discrepancies)


# --- M2a, M2b, M2c: key persons (4 years) -------------------------------------------------------------

def _persons(principal_years=10, tech_title="高级工程师", tech_specialty="计算机应用", tech_years=8,
             finance_title="会计师"):
    t = f.text
    return [KeyPerson(role=KeyRole.PRINCIPAL, name=t("张三"),
                      mgmt_years=Count(value=principal_years, source=f.FORM_SRC)),
            KeyPerson(role=KeyRole.TECH_LEAD, name=t("李四"), title=t(tech_title), specialty=t(tech_specialty),
                      om_years=Count(value=tech_years, source=f.FORM_SRC)),
            KeyPerson(role=KeyRole.FINANCE_LEAD, name=t("王五"), title=t(finance_title))]


@pytest.mark.parametrize(("years", "expected"), [(4, "pass"), (3, "fail")])
def test_m2a_boundary(years, expected):
    assert status(run(form=f.form(key_persons=_persons(principal_years=years))), "M2a") == expected


@pytest.mark.parametrize(
    ("title", "specialty", "years", "expected"),
    [("高级工程师", "计算机应用", 4, "pass"), ("高级工程师", "计算机应用", 3, "fail"),
     ("工程师", "计算机应用", 8, "fail"), ("正高级工程师", "通信工程", 5, "pass"),
     ("高级工程师", "机械制造", 8, "review"), ("高级经济师", "计算机", 8, "fail")],
)
def test_m2b(title, specialty, years, expected):
    form = f.form(key_persons=_persons(tech_title=title, tech_specialty=specialty, tech_years=years))
    assert status(run(form=form), "M2b") == expected


@pytest.mark.parametrize(("title", "expected"), [("会计师", "pass"), ("高级会计师", "pass"), ("助理会计师", "fail"),
                                                 ("高级工程师", "fail")])
def test_m2c(title, expected):
    assert status(run(form=f.form(key_persons=_persons(finance_title=title))), "M2c") == expected


def test_key_persons_missing():
    result = run(form=f.form(key_persons=[]))
    assert {status(result, c) for c in ("M2a", "M2b", "M2c")} == {"missing"}
    assert result.verdict is Verdict.NEEDS_REVIEW


# --- T2: 50 people, 70% ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("staff", "college", "expected"),
    [(50, 35, "pass"), (49, 49, "fail"), (50, 34, "fail"), (100, 70, "pass"), (100, 69, "fail")],
)
def test_t2_boundaries(staff, college, expected):
    result = run(roster=f.roster(staff=staff, college=college), form=f.form(declared_staff_count=None))
    assert status(result, "T2") == expected


def test_t2_review_when_unknown_education_could_decide():
    result = run(roster=f.roster(staff=60, college=40, unknown=5), form=f.form(declared_staff_count=None))
    assert status(result, "T2") == "review"
    assert sum(d.figure.startswith("roster.education") for d in result.discrepancies) == 5


def test_t2_counts_distinct_valid_id_numbers():
    roster = f.roster(staff=51, college=51)
    rows = list(roster.rows)
    rows[0] = rows[0].model_copy(update={"id_number": rows[0].id_number[:-1] + ("0" if rows[0].id_number[-1] != "0"
                                                                                    else "1")})
    rows[1] = rows[1].model_copy(update={"id_number": rows[2].id_number})
    result = run(roster=roster.model_copy(update={"rows": rows}), form=f.form(declared_staff_count=None))
    assert result.figures["om_staff_count"].value == "49"
    assert status(result, "T2") == "fail"
    figures = sorted(d.figure for d in result.discrepancies)
    assert figures == ["roster.duplicate.row6", "roster.id_number.row4"]
    assert all("*" in d.values[0].value for d in result.discrepancies)  # 身份证号 masked


def test_t2_on_a_row_ocr_read_in_doubt_is_a_reviewers():
    """A roster read by OCR: a row whose 身份证号 fails its check digit there is a misreading as likely as a wrong
    number (the reader puts it below the floor); the 49 counted would fail, but the check is a reviewer's."""
    roster = f.roster(staff=50, college=50)
    rows = [r.model_copy(update={"source": r.source.model_copy(update={"page": 1, "confidence": Decimal("0.99")})})
            for r in roster.rows]
    wrong = "0" if rows[0].id_number[-1] != "0" else "1"
    rows[0] = rows[0].model_copy(update={"id_number": rows[0].id_number[:-1] + wrong, "source": rows[0].source
                                         .model_copy(update={"confidence": Decimal("0.5")})})
    result = run(roster=roster.model_copy(update={"rows": rows}), form=f.form(declared_staff_count=None))
    check = next(c for c in result.checks if c.id == "T2")
    assert check.status.value == "review" and check.values["status_if_read_right"] == "fail"
    assert "置信度0.5" in check.message
    confident = [r.model_copy(update={"source": r.source.model_copy(update={"confidence": Decimal("0.99")})})
                 for r in rows]
    assert status(run(roster=roster.model_copy(update={"rows": confident}),
                      form=f.form(declared_staff_count=None)), "T2") == "fail"


# --- discrepancies --------------------------------------------------------------------------------

def test_declared_vs_audited_uses_the_agree_rule():
    """4000万元 (precision 1万) agrees with audited yuan amounts within ±5000 元, not beyond."""
    wan = Money(value=Decimal("40000000"), precision=Decimal("10000"), source=f.FORM_SRC)  # 4000万元
    years = [DeclaredYear(year=y, total_revenue=wan, om_revenue=f.money(15_000_000, f.FORM_SRC)) for y in YEARS]
    statements = {y: f.statement(y, total="40004999.99") for y in YEARS}
    assert run(form=f.form(declared_years=years), statements=statements).discrepancies == []
    statements = {y: f.statement(y, total="40005000.01" if y == 2010 else "40000000") for y in YEARS}
    result = run(form=f.form(declared_years=years), statements=statements)
    declared_vs_audited = [d.figure for d in result.discrepancies if d.values[0].source == f.FORM_SRC]
    assert declared_vs_audited == ["total_revenue.2010"]
    assert result.verdict is Verdict.NEEDS_REVIEW


def test_paid_in_capital_staff_count_and_credit_code_discrepancies():
    result = run(form=f.form(paid_in_capital=f.money(30_000_000, f.FORM_SRC),
                             declared_staff_count=Count(value=61, source=f.FORM_SRC),
                             credit_code=f.text("91110108MA01ABCD01")))
    assert sorted(d.figure for d in result.discrepancies) == ["credit_code", "om_staff_count", "paid_in_capital"]


def test_restated_prior_year_column():
    statements = {y: f.statement(y) for y in YEARS}
    s = statements[2011]
    statements[2011] = s.model_copy(update={"prior": s.prior.model_copy(update={"net_profit": f.money(900_000)})})
    assert [d.figure for d in run(statements=statements).discrepancies] == ["net_profit.2010"]


def test_key_person_vs_roster_row():
    roster = f.roster()
    rows = list(roster.rows)
    rows[0] = rows[0].model_copy(update={"name": "李四", "title_raw": "工程师"})
    result = run(roster=roster.model_copy(update={"rows": rows}))
    assert [d.figure for d in result.discrepancies] == ["key_person.tech_lead"]
    assert "李*" in result.discrepancies[0].message and "李四" not in result.discrepancies[0].message


# --- relaxation and rules as data ---------------------------------------------------------------

def test_relaxation_turns_relaxable_failures_into_review_only():
    form = f.form(relaxation_requested=Flag(value=True, source=f.FORM_SRC), relaxation_reason=f.text("地方重点企业"),
                  itss_cert_number=None, stated_none=none_at("itss_cert_number"))
    result = run(form=form, roster=f.roster(staff=40, college=40))
    assert status(result, "T2") == "review" and "地方重点企业" in next(c.message for c in result.checks if c.id == "T2")
    assert status(result, "G5") == "fail"  # never relaxable
    assert result.verdict is Verdict.DOES_NOT_MEET


def _rules_with(tmp_path, **thresholds):
    data = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    data["thresholds"].update(thresholds)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_rules(path)


def test_a_changed_threshold_changes_the_outcome_without_code(tmp_path):
    roster = f.roster(staff=60, college=45)
    form = f.form(declared_staff_count=None)
    assert status(run(form=form, roster=roster), "T2") == "pass"
    stricter = _rules_with(tmp_path, staff_min=61)
    result = run(form=form, roster=roster, rules=stricter)
    assert status(result, "T2") == "fail" and "61" in next(c.message for c in result.checks if c.id == "T2")
    assert status(run(rules=_rules_with(tmp_path, om_revenue_share_min="0.40")), "B1") == "fail"


def test_relaxable_set_is_data(tmp_path):
    data = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    for check in data["checks"]:
        if check["id"] == "G5":
            check["relaxable"] = True
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    form = f.form(relaxation_requested=Flag(value=True, source=f.FORM_SRC), itss_cert_number=None,
                  stated_none=none_at("itss_cert_number"))
    assert status(run(form=form, rules=load_rules(path)), "G5") == "review"


@pytest.mark.parametrize(
    ("declared", "flagged"), [("0.75", False), ("0.7500", False), ("0.754", True), ("0.7501", True), ("0.76", True)]
)
def test_declared_ratio_agrees_within_its_written_precision(declared, flagged):
    from omreview.records import Ratio

    form = f.form(declared_college_ratio=Ratio(value=Decimal(declared), source=f.FORM_SRC))
    result = run(form=form, roster=f.roster(staff=60, college=45))  # 0.75 exactly
    assert ("college_or_above_ratio" in [d.figure for d in result.discrepancies]) is flagged


def test_a_ratio_that_disagrees_is_told_in_percent():
    from omreview.records import Ratio

    form = f.form(declared_college_ratio=Ratio(value=Decimal("0.8594"), source=f.FORM_SRC))
    result = run(form=form, roster=f.roster(staff=60, college=47))
    found = next(d for d in result.discrepancies if d.figure == "college_or_above_ratio")
    assert found.message == "大专及以上学历占比：申报表85.94%，人员名册78.33%。"
    assert [v.value for v in found.values] == ["0.8594", "0.7833"]  # report.json keeps the ratios


def test_what_a_reader_warned_of_reaches_the_reviewer_masked():
    warning = "第7行在表格结束之后，有身份证号110105194912310021，仍按人员读入"
    roster = f.roster().model_copy(update={"warnings": [warning]})
    result = run(roster=roster)
    note = next(n for n in result.notes if n.startswith("roster.xlsx："))
    assert "仍按人员读入" in note and "110105194912310021" not in note and "1101" in note


def test_of_two_rosters_the_larger_is_the_roster_whatever_the_files_order():
    key_persons = f.roster(staff=4, college=4)  # a table of key persons read as a roster (a Word document)
    pairs = [(Document(file="form.docx", sha256="0", kind=DocumentKind.APPLICATION_FORM), f.form()),
             (Document(file="a.docx", sha256="k", kind=DocumentKind.STAFF_ROSTER), key_persons),
             (Document(file="roster.xlsx", sha256="1", kind=DocumentKind.STAFF_ROSTER), f.roster())]
    pairs += [(Document(file=f"{y}.pdf", sha256=str(y), kind=DocumentKind.FINANCIAL_STATEMENT, fiscal_year=y),
               f.statement(y)) for y in YEARS]
    result = evaluate(pairs, YEARS, default_rules(), D)
    assert status(result, "T2") == "pass"  # 60 staff, not 4
    assert "a.docx：另一份人员名册（4行），人数较少，未采用" in result.notes
