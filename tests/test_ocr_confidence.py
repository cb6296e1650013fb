"""A figure read by OCR below the rules' confidence floor sends the checks resting on it to review.

Statements are built here with one value's source carrying an OCR confidence (or listed in
``low_confidence``); every other value is a text-layer reading. What a reviewer sees is asserted:
the check's status, the verdict, and a message naming the file, page and confidence.
"""

from decimal import Decimal

import pytest
import yaml

from omreview.model import Source, Verdict
from omreview.records import Money, RevenueLine, StatementYear
from omreview.rules import RULES_PATH, load_rules
from tests import records_factory as f
from tests.test_checks import YEARS, run, status


def _ocr(year: int, confidence: str, text: str = "63,295,788.13") -> Source:
    return Source(file=f"{year}.pdf", page=4, bbox=(300.0, 200.0, 380.0, 212.0), text=text,
                  confidence=Decimal(confidence))


def _with_current(year: int, field: str, confidence: str, **amounts) -> dict:
    """The base statements, with ``year``'s current ``field`` read by OCR at ``confidence``."""
    statements = {y: f.statement(y, **amounts) for y in YEARS}
    s = statements[year]
    money = getattr(s.current, field)
    current = s.current.model_copy(update={field: money.model_copy(update={"source": _ocr(year, confidence)})})
    statements[year] = s.model_copy(update={"current": current})
    return statements


def _check(result, check_id):
    return next(c for c in result.checks if c.id == check_id)


def test_a_doubtful_revenue_turns_a_pass_into_review():
    result = run(statements=_with_current(2010, "total_revenue", "0.62"))
    b1 = _check(result, "B1")
    assert b1.status.value == "review"
    assert b1.values["status_if_read_right"] == "pass"
    assert "2010.pdf第4页「63,295,788.13」置信度0.62" in b1.message
    assert result.verdict is Verdict.NEEDS_REVIEW


def test_a_doubtful_revenue_never_fails_on_its_own():
    # O&M share far below 30%: a fail if the figures were sure, a reviewer's call when one is doubtful
    statements = _with_current(2011, "total_revenue", "0.41", total=400_000_000, om=1_000_000)
    result = run(statements=statements, form=f.form(declared_years=[]))
    b1 = _check(result, "B1")
    assert b1.status.value == "review"
    assert b1.values["status_if_read_right"] == "fail"
    assert result.verdict is not Verdict.DOES_NOT_MEET


@pytest.mark.parametrize(("field", "check_id"), [("paid_in_capital", "G2"), ("equity", "G3")])
def test_doubtful_capital_and_equity(field, check_id):
    assert status(run(statements=_with_current(2011, field, "0.55")), check_id) == "review"


def test_a_confident_reading_and_the_floor_itself_still_pass():
    assert status(run(statements=_with_current(2010, "total_revenue", "0.97")), "B1") == "pass"
    assert status(run(statements=_with_current(2010, "total_revenue", "0.90")), "B1") == "pass"  # floor: < 0.90


@pytest.mark.parametrize("name", ["auditor", "opinion"])
def test_a_listed_auditor_or_opinion_turns_g3_into_review(name):
    statements = {y: f.statement(y) for y in YEARS}
    s = statements[2009]
    value = getattr(s, name)
    statements[2009] = s.model_copy(update={name: value.model_copy(update={"source": _ocr(2009, "0.7", "x")}),
                                            "low_confidence": [name]})
    result = run(statements=statements)
    assert status(result, "G3") == "review"
    assert status(result, "B1") == "pass"  # a check that does not use the doubtful value is left alone


def test_a_doubtful_om_line_makes_the_om_sum_doubtful():
    statements = {y: f.statement(y) for y in YEARS}
    s = statements[2011]
    line_source = _ocr(2011, "0.5", "运维服务 15,000,000.00")
    lines = [RevenueLine(name="运维服务", amount=Money(value=Decimal(15_000_000), precision=Decimal("0.01"),
                                                     source=line_source), is_om=True)]
    statements[2011] = s.model_copy(update={"revenue_lines": lines, "low_confidence": ["revenue_lines.0"]})
    result = run(statements=statements)
    assert status(result, "B1") == "review"
    assert status(result, "G1") == "review"  # G1 rests on each year's O&M revenue too


def test_a_doubtful_prior_year_column_does_not_touch_the_checks():
    statements = {y: f.statement(y) for y in YEARS}
    s = statements[2011]
    prior = StatementYear(year=2010, total_revenue=f.money(40_000_000, _ocr(2011, "0.3")))
    statements[2011] = s.model_copy(update={"prior": prior, "low_confidence": ["prior.total_revenue"]})
    assert run(statements=statements).verdict is Verdict.MEETS


def test_the_floor_comes_from_the_rules_file(tmp_path):
    data = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    data["labels"]["statement_pdf"]["ocr"]["min_confidence"] = "0.98"
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    statements = _with_current(2010, "total_revenue", "0.97")
    assert status(run(statements=statements, rules=load_rules(path)), "B1") == "review"
