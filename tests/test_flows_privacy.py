"""Artifacts carry no personal data: no roster or key-person name, no unmasked 身份证号; keys Prefect accepts."""

import re
from pathlib import Path

from omreview.artifacts import applicant_markdown, artifact_key, batch_table, scrub
from omreview.extractors.registry import read_document
from omreview.identifiers import is_valid_id_number, mask_id_number, normalize_id_number
from omreview.intake import BatchSummary, Outcome, Row
from omreview.model import Discrepancy
from omreview.packet import load_packet
from omreview.records import FormRecord, RosterRecord
from omreview.review import document_of, review_applicant
from omreview.rules import default_rules
from tests.conftest import SAMPLE_DOCS

KEY = re.compile(r"^[a-z0-9-]+$")
RULES = default_rules()


def personal_data_of(folder: Path) -> dict[str, set[str]]:
    """The names and 身份证号 in an applicant's roster and form (read here, never from a report)."""
    names: set[str] = set()
    ids: set[str] = set()
    for pf in load_packet(folder).files:
        _, record = document_of(pf, RULES, read_document)
        if isinstance(record, RosterRecord):
            names |= {r.name.strip() for r in record.rows if len(r.name.strip()) >= 2}
            ids |= {normalize_id_number(r.id_number) for r in record.rows if r.id_number}
        elif isinstance(record, FormRecord):
            names |= {p.name.value.strip() for p in record.key_persons if p.name and len(p.name.value.strip()) >= 2}
    return {"names": names, "ids": ids}


def assert_no_personal_data(text: str, data: dict[str, set[str]]) -> None:
    leaked_names = sorted(n for n in data.get("names", ()) if n in text)
    assert not leaked_names, f"names in an artifact: {leaked_names}"
    leaked_ids = sorted(i for i in data.get("ids", ()) if len(i) >= 8 and i in text)
    assert not leaked_ids, "身份证号 in an artifact"
    for token in re.findall(r"\d{17}[\dXx]", text):
        assert not is_valid_id_number(token), "an unmasked 身份证号 in an artifact"


def test_markdown_of_every_sample_names_no_one():
    for case in ("app-07", "app-09", "app-13", "app-16"):  # bad and duplicated 身份证号, key-person mismatches
        folder = SAMPLE_DOCS / case
        markdown = applicant_markdown(review_applicant(folder))
        assert markdown.startswith(f"# {case}：")
        personal = personal_data_of(folder)
        assert len(personal["names"]) > 20 and len(personal["ids"]) > 20
        assert_no_personal_data(markdown, personal)


def test_an_unmasked_id_number_in_a_message_is_masked():
    number = "11010519491231002X"
    assert is_valid_id_number(number)
    report = review_applicant(SAMPLE_DOCS / "app-07")
    leaky = report.model_copy(update={"discrepancies": [
        Discrepancy(figure="x", message=f"身份证号{number}出现两次", values=[])]})
    markdown = applicant_markdown(leaky)
    assert number not in markdown and mask_id_number(number) in markdown
    assert scrub("统一社会信用代码91110108991228902X") == "统一社会信用代码91110108991228902X"  # not an ID: kept
    summary = BatchSummary(intake="i", rules_version=RULES.version, application_date=RULES.default_application_date,
                           rows=[Row(number, Outcome.FAILED, error=f"internal error: {number}")])
    assert number not in str(batch_table(summary))


def test_table_has_one_row_per_applicant_with_key_figures():
    report = review_applicant(SAMPLE_DOCS / "app-01")
    summary = BatchSummary(intake="i", rules_version=RULES.version, application_date=RULES.default_application_date,
                           rows=[Row("app-01", Outcome.REVIEWED, report=report),
                                 Row("gamma", Outcome.REJECTED, error="applicant folder is empty")])
    table = batch_table(summary)
    assert [r["申报编号"] for r in table] == ["app-01", "gamma"]
    assert table[0]["结论"] == "符合" and table[0]["运维人员数"] == report.figures["om_staff_count"].value
    assert table[0]["处理结果"] == "已审查" and table[0]["近三年运维收入总额"].endswith("万元")
    assert table[0]["运维收入占营业收入比例"].endswith("%") and table[0]["原因"] == ""
    assert (table[1]["结论"], table[1]["处理结果"], table[1]["原因"]) == ("", "未受理", "applicant folder is empty")
    assert list(table[0]) == list(table[1])  # every column on every row: Prefect shows none of them blank
    assert_no_personal_data(str(table), personal_data_of(SAMPLE_DOCS / "app-01"))


def test_artifact_keys_are_what_prefect_accepts_and_distinct():
    names = ["app-07", "App_07", "app 07", "北京睿服信息技术有限公司", "北京睿服信息技术有限责任公司", "", "--",
             "a" * 300]
    keys = [artifact_key("applicant", n) for n in names]
    assert all(KEY.match(k) for k in keys), keys
    assert len(set(keys)) == len(keys)
    assert artifact_key("applicant", "app-07") == "applicant-app-07"
