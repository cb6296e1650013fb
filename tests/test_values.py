"""Value readers for form and roster cells, and education/title normalisation."""

import datetime as dt
from decimal import Decimal as D

import pytest

from omreview.extractors.values import find_year, parse_count, parse_date, parse_decimal, parse_period, parse_ratio
from omreview.people import education_of, is_it_specialty, title_of
from omreview.records import Education, TitleLevel, TitleSeries
from omreview.rules import default_rules

RULES = default_rules()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2008年3月1日", dt.date(2008, 3, 1)), ("2008-03-01", dt.date(2008, 3, 1)), ("2008.03.01", dt.date(2008, 3, 1)),
     ("2008/3/5", dt.date(2008, 3, 5)), ("2008年3月", dt.date(2008, 3, 1)), ("2008.03", dt.date(2008, 3, 1)),
     ("二〇〇八年三月二十日", dt.date(2008, 3, 20)), ("２００８年３月１日", dt.date(2008, 3, 1)),
     (dt.datetime(2008, 3, 1, 0, 0), dt.date(2008, 3, 1)), ("2008年13月1日", None), ("2008年2月30日", None),
     ("长期", None), ("", None)],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["2010.01-2011.12", "2010年1月至2011年12月", "2010-01-01～2011-12-31", "2010.01.01 - 2011.12.31"]
)
def test_parse_period(text):
    assert parse_period(text) == (dt.date(2010, 1, 1), dt.date(2011, 12, 31))


def test_numbers():
    assert parse_count("６５人") == 65 and parse_count(65) == 65 and parse_count("5年") == 5
    assert parse_count("约65人") is None and parse_count(6.5) is None
    assert parse_decimal("5.5年") == D("5.5") and parse_decimal("五年") is None
    assert parse_ratio("78.5%") == D("0.785") and parse_ratio("０.７８５") == D("0.785") and parse_ratio("120%") is None
    assert find_year("2011年度") == 2011 and find_year("2011") == 2011 and find_year("合计") is None


@pytest.mark.parametrize(
    ("raw", "level"),
    [("博士研究生", Education.DOCTORATE), ("硕士", Education.MASTER), ("研究生", Education.MASTER),
     ("大学本科", Education.BACHELOR), ("本科", Education.BACHELOR), ("大专", Education.COLLEGE),
     ("大学专科", Education.COLLEGE), ("专科", Education.COLLEGE), ("中专", Education.BELOW), ("高中", Education.BELOW),
     ("MBA", Education.UNKNOWN), ("", Education.UNKNOWN), (None, Education.UNKNOWN)],
)
def test_education(raw, level):
    assert education_of(raw, RULES) is level


@pytest.mark.parametrize(
    ("raw", "level", "series"),
    [("正高级工程师", TitleLevel.FULL_SENIOR, TitleSeries.ENGINEERING),
     ("教授级高级工程师", TitleLevel.FULL_SENIOR, TitleSeries.ENGINEERING),
     ("高级工程师", TitleLevel.SENIOR, TitleSeries.ENGINEERING),
     ("工程师", TitleLevel.INTERMEDIATE, TitleSeries.ENGINEERING),
     ("助理工程师", TitleLevel.JUNIOR, TitleSeries.ENGINEERING),
     ("会计师", TitleLevel.INTERMEDIATE, TitleSeries.ACCOUNTING),
     ("高级会计师", TitleLevel.SENIOR, TitleSeries.ACCOUNTING),
     ("助理会计师", TitleLevel.JUNIOR, TitleSeries.ACCOUNTING),
     ("无", TitleLevel.NONE, TitleSeries.OTHER), ("", TitleLevel.NONE, TitleSeries.OTHER)],
)
def test_titles(raw, level, series):
    assert title_of(raw, RULES) == (level, series)


def test_it_specialty():
    assert is_it_specialty("计算机科学与技术", RULES) and is_it_specialty("通信工程", RULES)
    assert not is_it_specialty("会计学", RULES)
