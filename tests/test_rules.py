"""The rules file loads once, and a typo fails loudly naming the rule."""

import datetime as dt

import pytest
import yaml

from omreview.errors import RulesError
from omreview.rules import RULES_PATH, default_rules, load_rules


def _write(tmp_path, data):
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _data():
    return yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))


def test_shipped_rules_load_and_list_every_check():
    rules = default_rules()
    assert [c.id for c in rules.checks] == [
        "P1", "G1", "G2", "G3", "G4", "G5", "B1", "B2a", "B2b", "B2c", "B3", "M1", "M2a", "M2b", "M2c",
        "T1", "T2", "T3", "T4",
    ]
    assert rules.fiscal_years(dt.date(2012, 6, 1)) == [2009, 2010, 2011]


def test_misspelt_threshold_is_refused_by_name(tmp_path):
    data = _data()
    data["thresholds"]["staf_min"] = data["thresholds"].pop("staff_min")
    with pytest.raises(RulesError, match="staf_min"):
        load_rules(_write(tmp_path, data))


def test_bad_value_is_refused_by_name(tmp_path):
    data = _data()
    data["thresholds"]["college_ratio_min"] = "seventy percent"
    with pytest.raises(RulesError, match="college_ratio_min"):
        load_rules(_write(tmp_path, data))


def test_duplicate_check_id_is_refused(tmp_path):
    data = _data()
    data["checks"].append(dict(data["checks"][0]))
    with pytest.raises(RulesError, match="P1"):
        load_rules(_write(tmp_path, data))


def test_fiscal_window_follows_the_rules(tmp_path):
    data = _data()
    data["fiscal_window_years"] = 2
    assert load_rules(_write(tmp_path, data)).fiscal_years(dt.date(2012, 6, 1)) == [2010, 2011]


def test_misspelt_label_key_is_refused_by_name(tmp_path):
    data = _data()
    data["labels"]["form_fields"]["compnay_name"] = data["labels"]["form_fields"].pop("company_name")
    with pytest.raises(RulesError, match="compnay_name"):
        load_rules(_write(tmp_path, data))


@pytest.mark.parametrize("table", [{"B": "8x"}, {"S": "s"}, {"OO": "0"}])
def test_an_ocr_digit_look_alike_must_map_one_character_to_a_digit_or_separator(tmp_path, table):
    data = _data()
    data["labels"]["statement_pdf"]["ocr"]["digit_lookalikes"] = table
    with pytest.raises(RulesError, match="digit_lookalikes"):
        load_rules(_write(tmp_path, data))
