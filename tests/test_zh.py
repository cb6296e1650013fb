"""The Chinese label table (pipeline/zh.yaml) and the one way amounts, ratios and times are shown (omreview.zh)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from omreview import zh
from omreview.decisions import DecisionKind, TargetKind
from omreview.errors import InputError, RulesError
from omreview.intake import Outcome
from omreview.model import AuditOpinion, CertificateType, CheckStatus, DocStatus, DocumentKind, Verdict
from omreview.rules import default_rules
from tests.store_factory import FIXTURES

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "samples"

# Every form of name the validators write into figures, a check's values and discrepancies (grep `figure=`,
# `values` and `figures[` in validators/), and those REPORT.md reserves for the attachments' checks.
NAMES_WRITTEN = [
    "registered_capital", "paid_in_capital", "paid_in_capital_source", "founded_date", "om_start_date",
    "application_date", "total_revenue.2011", "om_revenue.2009", "net_profit.2010", "equity.2011", "auditor.2010",
    "audit_opinion.2010", "om_revenue_3y", "total_revenue_3y", "om_revenue_share", "om_staff_count",
    "college_or_above_count", "college_or_above_ratio", "unknown_education_count", "senior_title_count",
    "distinct_client_count", "projects_in_window", "qualifying_project_count", "project3.annualised",
    "projects_without_own_tool", "software_copyright_count", "used_in_projects", "principal_mgmt_years",
    "tech_lead_om_years", "tech_lead_title", "tech_lead_specialty", "finance_lead_title", "si_cert_number",
    "si_cert_level", "si_cert_valid_until", "itss_cert_number", "mis_description", "not_found", "relaxed",
    "relaxation_unclear",
    "ocr_low_confidence", "status_if_read_right", "roster.id_number.row35", "roster.duplicate.row70",
    "roster.education.row12", "roster.cross_applicant.row9", "relaxation_quota", "credit_code",
    "credit_code.registration_number", "credit_code.organization_code", "key_person.principal",
    "key_person.tech_lead", "key_person.finance_lead", "software_copyright.holder.item3",
    "software_copyright.number.item1", "contract.amount.project3", "contract.period.project1",
    "contract.client.project2", "contract.party.project2", "contract.nature.project4", "contract.words.project1",
    "contract.absent.project2", "contract.party.contract3", "contract.nature.contract2", "contract.words.contract1",
    "projects_form_only", "clients_form_only", "contracts_unlinked", "certificate.holder.itss",
    "certificate.expired.si_qualification", "certificate.number.software_copyright",
    "certificate.level.si_qualification", "license.name", "license.credit_code", "license.registration_number",
    "license.credit_code.invalid",
    "license.registration_number.invalid", "license.registered_capital", "license.founded_date", "license.expired",
    "registered_capital_source",
]


def _fixture_names() -> set[str]:
    names: set[str] = set()
    for path in FIXTURES.glob("*.json"):
        report = json.loads(path.read_text(encoding="utf-8"))
        names |= set(report["figures"]) | {d["figure"] for d in report["discrepancies"]}
        names |= {k for c in report["checks"] for k in c["values"]}
    return names


def test_every_code_a_reviewer_can_meet_has_a_chinese_label():
    t = zh.table()
    for group, enum in (("verdicts", Verdict), ("check_statuses", CheckStatus), ("document_kinds", DocumentKind),
                        ("certificate_types", CertificateType), ("document_statuses", DocStatus),
                        ("audit_opinions", AuditOpinion), ("decision_kinds", DecisionKind),
                        ("decision_targets", TargetKind), ("batch_outcomes", Outcome)):
        assert set(getattr(t, group)) == {m.value for m in enum}, group
    assert set(t.checks) == {c.id for c in default_rules().checks}
    assert set(t.thresholds) == set(type(default_rules().thresholds).model_fields)
    unlabelled = sorted(n for n in {*NAMES_WRITTEN, *_fixture_names()} if zh.name_label(n) == n)
    assert not unlabelled, f"names without a Chinese label in zh.yaml: {unlabelled}"
    for path in GOLDEN.glob("*.json"):  # the samples' figures, and their discrepancies' names without a suffix
        golden = json.loads(path.read_text(encoding="utf-8"))
        assert all(zh.name_label(n) != n for n in golden["figures"]), path.name
        for prefix in golden["discrepancies"]:
            labelled = zh.name_label(prefix) != prefix or any(key.startswith(prefix + ".") for key in t.names)
            assert labelled, (path.name, prefix)
    labels = [zh.name_label(n) for n in NAMES_WRITTEN]
    assert all(not any(ch.isascii() and ch.isalpha() for ch in label.replace("ITSS", "")) for label in labels), labels


def test_names_read_as_reviewers_write_them():
    assert zh.name_label("audit_opinion.2010") == "2010年度审计意见"
    assert zh.value_text("audit_opinion.2010", "unqualified_emphasis") == "带强调事项段的无保留意见"
    assert zh.name_label("roster.duplicate.row70") == "人员名册第70行身份证号重复"
    assert zh.name_label("certificate.expired.itss") == "ITSS运维符合性证书已过期"
    assert zh.name_label("net_profit.2010#2") == "2010年度净利润（第2处）"  # a decision's key for a repeated figure
    assert zh.check_label("B1") == "B1 运维收入" and zh.checks_text(["B1", "T2"]) == "B1 运维收入、T2 运维人员及学历"
    assert zh.verdict_label("needs_review") == "需复核" and zh.status_label(CheckStatus.MANUAL) == "人工判断"
    assert zh.document_kind_label("certificate", "itss") == "证书（ITSS运维符合性证书）"
    assert zh.value_text("relaxed", "true") == "是" and zh.value_text("status_if_read_right", "pass") == "通过"
    assert zh.value_text("principal_mgmt_years", 6) == "6年" and zh.value_text("om_staff_count", 64) == "64"


def test_money_is_wan_yuan_with_separators_rounded_half_up(monkeypatch):
    monkeypatch.delenv(zh.MONEY_UNIT_ENV, raising=False)
    assert zh.money(Decimal("66384172.25")) == "6,638.42万元"
    assert zh.money("18597451.51") == "1,859.75万元"
    assert zh.money(Decimal("50")) == "0.01万元" and zh.money(Decimal("49.99")) == "0.00万元"  # half up, not even
    assert zh.money(Decimal("-1234567")) == "-123.46万元"
    assert zh.yuan("66384172.25") == "66,384,172.25元"
    assert zh.money_detail("66384172.25") == "6,638.42万元（66,384,172.25元）"
    assert zh.percent("0.4125") == "41.25%" and zh.percent(Decimal("0.70")) == "70.00%"
    assert zh.percent(Decimal("0.123456")) == "12.35%"
    assert zh.value_text("om_revenue_3y", "66384172.25") == "6,638.42万元"
    assert zh.value_text("college_or_above_ratio", "0.8594") == "85.94%"
    assert zh.amounts_in_text("运维收入66384172.25元，要求100万元") == "运维收入6,638.42万元，要求100万元"


def test_money_unit_yuan_is_a_setting(monkeypatch):
    monkeypatch.setenv(zh.MONEY_UNIT_ENV, "元")
    assert zh.money("66384172.25") == "66,384,172.25元" and zh.money_detail("66384172.25") == "66,384,172.25元"
    assert zh.amounts_in_text("实收资本8000000.00元") == "实收资本8,000,000.00元"
    monkeypatch.setenv(zh.MONEY_UNIT_ENV, "千元")
    with pytest.raises(InputError, match="OMREVIEW_MONEY_UNIT='千元' is not a money unit; use 万元 or 元"):
        zh.money("1")


def test_times_are_the_review_bodys_wall_clock(monkeypatch):
    monkeypatch.delenv(zh.TIME_ZONE_ENV, raising=False)
    utc = dt.datetime(2026, 12, 5, 0, 41, 30, tzinfo=dt.UTC)
    assert zh.local_time(utc) == "2026-12-05 08:41"
    assert zh.local_time(utc.replace(tzinfo=None)) == "2026-12-05 08:41"  # a naive stored time is UTC
    assert zh.local_day(dt.datetime(2026, 12, 4, 20, 0, tzinfo=dt.UTC)) == dt.date(2026, 12, 5)
    monkeypatch.setenv(zh.TIME_ZONE_ENV, "Asia/Urumqi")
    assert zh.local_time(utc) == "2026-12-05 06:41"
    monkeypatch.setenv(zh.TIME_ZONE_ENV, "Mars/Olympus")
    with pytest.raises(InputError, match="OMREVIEW_TIME_ZONE: 'Mars/Olympus' is not a time zone"):
        zh.local_time(utc)


def test_a_table_missing_a_label_is_refused_naming_it(tmp_path):
    data = yaml.safe_load(zh.ZH_PATH.read_text(encoding="utf-8"))
    del data["verdicts"]["incomplete"]
    data["names"]["roster.duplicate.row{n}"]["label"] = "人员名册身份证号重复"
    broken = tmp_path / "zh.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError, match=r"verdicts: no label for \['incomplete'\]"):
        zh.load_table(broken)
    data["verdicts"]["incomplete"] = "材料不全"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError, match=r"names\.roster\.duplicate\.row\{n\}"):
        zh.load_table(broken)
    data["names"]["roster.duplicate.row{n}"]["label"] = "人员名册第{n}行身份证号重复"
    data["presentation"]["time_zone"] = "Beijing"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError, match=r"presentation\.time_zone: .*'Beijing' is not a time zone"):
        zh.load_table(broken)


def test_the_prefect_artifacts_read_in_chinese():
    """The applicant's markdown and the batch table say labels and formatted amounts, never the report's codes."""
    from omreview.artifacts import applicant_markdown, batch_markdown, batch_table
    from omreview.intake import BatchSummary, Row
    from omreview.model import Report

    report = Report.model_validate_json((FIXTURES / "app-07.json").read_text(encoding="utf-8"))
    markdown = applicant_markdown(report)
    assert markdown.startswith("# app-07：需复核\n") and "| 人员名册第70行身份证号重复 |" in markdown
    assert "- 申请日期：2012-06-01；审查年度：2009、2010、2011" in markdown
    assert not re.search(r"needs_review|roster\.|\bmanual\b|\bpass\b|company|fiscal", markdown)
    rules = default_rules()
    summary = BatchSummary(intake="i", rules_version=rules.version, application_date=rules.default_application_date,
                           rows=[Row("app-07", Outcome.REVIEWED, report=report),
                                 Row("gamma", Outcome.REJECTED, error="applicant folder is empty")])
    [row07, gamma] = batch_table(summary)
    assert (row07["结论"], row07["处理结果"], row07["近三年运维收入总额"]) == ("需复核", "已审查", "7,375.24万元")
    assert row07["运维收入占营业收入比例"] == "41.26%" and gamma["原因"] == "applicant folder is empty"
    assert batch_markdown(summary) == f"omreview 批次：2家申报企业（规则 {rules.version}）：已审查1家，未受理1家"
