"""Labels by meaning, not by exact text (extractors/labels.py): qualifiers, numbering, units, spacing."""

from decimal import Decimal

import pytest

from omreview.extractors.labels import is_label, label_text, match_label
from omreview.rules import default_rules
from omreview.text import norm

RULES = default_rules()
L = RULES.labels


@pytest.mark.parametrize(("text", "group", "key"), [
    ("姓名", "roster_columns", "name"),
    ("人员姓名", "roster_columns", "name"),
    ("*姓 名", "roster_columns", "name"),
    ("学历（最高）", "roster_columns", "education"),
    ("最高学历", "roster_columns", "education"),
    ("公民身份号码", "roster_columns", "id_number"),
    ("现任职称", "key_person_columns", "title"),
    ("任职年限（年）", "key_person_columns", "other_years"),
    ("运维工作年限（年）", "key_person_columns", "om_years"),  # the longer term wins over 工作年限/年限
    ("公司注册日期", "form_fields", "founded_date"),
    ("（二）成立日期：", "form_fields", "founded_date"),
    ("3. 注册资本", "form_fields", "registered_capital"),
    ("注 册 资 本", "form_fields", "registered_capital"),
    ("ＩＴＳＳ符合性评估证书编号", "form_fields", "itss_cert_number"),
    ("实收资本(或股本)", "statement_rows", "paid_in_capital"),
])
def test_a_label_is_matched_by_the_term_it_holds(text, group, key):
    assert match_label(text, getattr(L, group), RULES).key == key


@pytest.mark.parametrize(("text", "unit"), [
    ("注册资本（万元）", Decimal(10000)),
    ("注 册 资 本（万元）：", Decimal(10000)),
    ("注册资本(人民币万元)", Decimal(10000)),
    ("2011年营业收入（元）", Decimal(1)),
    ("注册资本", None),
])
def test_the_money_unit_written_in_a_label_is_kept(text, unit):
    found = match_label(text, {**L.form_fields, **L.declared_revenue}, RULES)
    assert found.key is not None and found.unit == unit


def test_count_and_span_units_are_taken_off_the_label():
    assert label_text("运维人员总数（人）", RULES)[0] == "运维人员总数"
    assert label_text("从事运维工作年限(年)", RULES)[0] == "从事运维工作年限"
    assert match_label("大专及以上学历占比（%）", L.form_fields, RULES).key == "declared_college_ratio"


def test_a_long_text_holding_a_term_is_not_a_label():
    # an address or a sentence that mentions a field is a value, not that field's label
    assert match_label("北京市海淀区中关村大街1号注册资本大厦", L.form_fields, RULES).key is None
    assert match_label("本公司注册资本已全部实缴到位并经验资", L.form_fields, RULES).key is None
    assert not is_label("北京睿服信息技术有限公司", [L.form_fields, L.roster_columns], RULES)
    assert is_label("住所（注册地址）", [{"address": ["住所", "注册地址"]}], RULES)


def test_two_fields_claiming_one_label_equally_is_an_ambiguity_not_a_guess():
    synonyms = {"total_revenue": ["营业收入"], "om_revenue": ["运维收入"]}
    found = match_label("运维收入/营业收入", synonyms, RULES)
    assert found.key is None and set(found.ambiguous) == {"total_revenue", "om_revenue"}


def test_the_allowed_qualifier_length_is_rules_data():
    matching = L.matching.model_copy(update={"max_extra_chars": 1})
    rules = RULES.model_copy(update={"labels": L.model_copy(update={"matching": matching})})
    assert match_label("人员姓名", L.roster_columns, rules).key is None
    assert match_label("现姓名", L.roster_columns, rules).key == "name"


def test_a_remark_in_brackets_too_long_to_be_a_qualifier_is_read_without():
    assert match_label("身份证号码（请以文本格式填写）", L.roster_columns, RULES).key == "id_number"
    assert match_label("注册资本（按营业执照所载填写）", L.form_fields, RULES).key == "registered_capital"
    assert match_label("北京睿服信息技术有限公司（盖章）", L.form_fields, RULES).key is None


def test_count_units_taken_off_are_those_of_the_rules_in_hand():
    # the bracketed units are normalised once per list of units (labels._unit_suffixes), not once per rules file
    matching = L.matching.model_copy(update={"plain_units": ["台"]})
    rules = RULES.model_copy(update={"labels": L.model_copy(update={"matching": matching})})
    assert label_text("服务器数量（台）", rules)[0] == "服务器数量"
    assert label_text("运维人员总数（人）", rules)[0] == "运维人员总数(人)"
    assert label_text("服务器数量（台）", RULES)[0] == "服务器数量(台)"
    assert label_text("运维人员总数（人）", RULES)[0] == "运维人员总数"


def test_norm_gives_each_value_its_own_text_whatever_was_normalised_before():
    # short strings are normalised once (text._norm_short); 1, 1.0 and True are equal keys to a cache
    assert [norm(1), norm(1.0), norm(True), norm("1"), norm(Decimal("1.0"))] == ["1", "1.0", "True", "1", "1.0"]
    long = "注 册 资 本：" * 40  # past the cached length
    assert norm(long) == "注册资本:" * 39 + "注册资本" and norm("注 册 资 本：") == "注册资本"
