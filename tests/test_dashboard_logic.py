"""The dashboard's logic without a browser: binding, credentials, filters, charts, source images, roster rows."""

import dataclasses
import datetime as dt
import io
import shutil

import pytest
from PIL import Image

from omreview import zh
from omreview.dashboard import present
from omreview.dashboard.app import main, prepare, store_url_for, streamlit_command
from omreview.dashboard.auth import add_reviewer, hash_password, load_credentials, verify
from omreview.dashboard.charts import charts
from omreview.dashboard.config import DashboardConfig, check_bind, is_loopback
from omreview.dashboard.sources import SourceUnavailable, applicant_folder, original, read_roster_row, render_region
from omreview.errors import InputError
from omreview.overview import ApplicantFilter, filter_entries, key_figure_rows, verdict_counts
from omreview.rules import default_rules
from tests.conftest import SAMPLE_DOCS
from tests.store_factory import build_store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("dash") / "r.sqlite")


@pytest.fixture(scope="module")
def entries(store):
    return {e.applicant_id: e for e in store.latest_applicants()}


@pytest.mark.parametrize(("host", "local"), [("127.0.0.1", True), ("127.8.0.1", True), ("::1", True),
                                             ("localhost", True), ("0.0.0.0", False), ("192.0.2.7", False),
                                             ("example.org", False)])
def test_only_loopback_counts_as_local(host, local):
    assert is_loopback(host) is local


def test_serving_other_machines_needs_a_credential(tmp_path):
    check_bind("127.0.0.1", None)
    with pytest.raises(InputError, match=r"refusing to serve the dashboard on 0\.0\.0\.0 without a credential"):
        check_bind("0.0.0.0", None)
    with pytest.raises(InputError, match="credential"):
        prepare(f"sqlite:///{tmp_path / 'r.sqlite'}", "0.0.0.0", None)
    creds = tmp_path / "reviewers.txt"
    add_reviewer(creds, "王评审", "correct horse", iterations=1000)
    config = prepare(f"sqlite:///{tmp_path / 'r.sqlite'}", "0.0.0.0", creds)
    assert DashboardConfig.from_env(config.to_env()) == dataclasses.replace(config, credentials=creds.resolve())


def test_local_servers_refuse_foreign_host_names():
    local = streamlit_command("127.0.0.1", 8600)
    assert local[local.index("--server.allowedHosts") + 1] == "localhost"
    assert "--browser.gatherUsageStats" in local and "false" in local
    assert "--server.allowedHosts" not in streamlit_command("0.0.0.0", 8600)


def test_credentials_file(tmp_path):
    path = tmp_path / "reviewers.txt"
    add_reviewer(path, "王评审", "correct horse", iterations=1000)
    add_reviewer(path, "李评审", "battery staple", iterations=1000)
    add_reviewer(path, "王评审", "new password", iterations=1000)  # replaces
    creds = load_credentials(path)
    assert set(creds) == {"王评审", "李评审"}
    assert verify(creds, "王评审", "new password") and not verify(creds, "王评审", "correct horse")
    assert not verify(creds, "nobody", "new password")
    assert "new password" not in path.read_text(encoding="utf-8")
    with pytest.raises(InputError, match="8 characters"):
        add_reviewer(path, "赵", "short")
    (tmp_path / "bad.txt").write_text("王评审 plain\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1"):
        load_credentials(tmp_path / "bad.txt")
    (tmp_path / "empty.txt").write_text("# nobody\n", encoding="utf-8")
    with pytest.raises(InputError, match="names no reviewer"):
        load_credentials(tmp_path / "empty.txt")
    assert hash_password("x", 1000, b"s" * 16) == hash_password("x", 1000, b"s" * 16)


def test_store_url_from_out_or_db(tmp_path, monkeypatch):
    monkeypatch.delenv("OMREVIEW_DB_URL", raising=False)
    assert store_url_for(None, "sqlite:///x.db") == "sqlite:///x.db"
    with pytest.raises(InputError, match="run `omreview batch` first"):
        store_url_for(tmp_path, None)
    (tmp_path / "omreview.sqlite").touch()
    assert store_url_for(tmp_path, None).endswith("omreview.sqlite")


def test_filters(entries):
    everyone = list(entries.values())
    assert verdict_counts(everyone) == {"meets": 0, "does_not_meet": 1, "needs_review": 2, "incomplete": 0}
    assert [e.applicant_id for e in filter_entries(everyone, ApplicantFilter(verdicts=frozenset({"needs_review"})))] \
        == ["app-03", "app-07"]
    failed = ApplicantFilter(checks=frozenset({"M2b"}), check_statuses=frozenset({"fail"}))
    assert [e.applicant_id for e in filter_entries(everyone, failed)] == ["app-10"]
    # no status preset: a check alone keeps everyone who has it, a status alone everyone with a check in it
    assert len(filter_entries(everyone, ApplicantFilter(checks=frozenset({"M2b"})))) == 3
    assert [e.applicant_id for e in filter_entries(everyone, ApplicantFilter(check_statuses=frozenset({"fail"})))] \
        == ["app-10"]
    manual = ApplicantFilter(checks=frozenset({"G4"}), check_statuses=frozenset({"manual"}))
    assert len(filter_entries(everyone, manual)) == 3
    batch = everyone[0].batch_id
    assert len(filter_entries(everyone, ApplicantFilter(batches=frozenset({batch})))) == 3
    assert filter_entries(everyone, ApplicantFilter(batches=frozenset({batch + 1}))) == []
    tomorrow = zh.local_day(dt.datetime.now(dt.UTC)) + dt.timedelta(days=1)  # the days of 审查时间 (Beijing)
    assert filter_entries(everyone, ApplicantFilter(reviewed_from=tomorrow)) == []


def test_charts_draw_thresholds_from_the_rules(entries):
    rules = default_rules()
    rows = key_figure_rows(entries.values(), rules)
    share = next(r for r in rows if r["applicant"] == "app-07" and r["figure"] == "om_revenue_share")
    assert share["threshold"] == float(rules.thresholds.om_revenue_share_min) and share["meets"]
    stricter = rules.model_copy(update={"thresholds": rules.thresholds.model_copy(update={"staff_min": 100})})
    staff = next(r for r in key_figure_rows(entries.values(), stricter) if r["figure"] == "om_staff_count")
    assert staff["threshold"] == 100 and not staff["meets"]
    drawn = {key.name: chart.to_dict() for key, chart in charts(rows, rules)}
    assert set(drawn) == {"om_revenue_share", "om_revenue_3y", "college_or_above_ratio", "om_staff_count"}
    # amounts, their axis and their thresholds all in 万元; the bar's tooltip has the exact 元
    revenue = next(r for r in rows if r["applicant"] == "app-07" and r["figure"] == "om_revenue_3y")
    assert (revenue["value"], revenue["shown"], revenue["exact"]) == (7375.24, "7,375.24万元", "73,752,403.71元")
    assert drawn["om_revenue_3y"]["layer"][0]["encoding"]["y"]["title"] == "近三年运维收入总额（万元）"
    tooltips = [t["field"] for t in drawn["om_revenue_3y"]["layer"][0]["encoding"]["tooltip"]]
    assert tooltips == ["applicant", "shown", "exact"]
    limits = drawn["om_revenue_3y"]["layer"][1]["data"]["values"]
    assert [x["threshold"] for x in limits] == [3000.0, 10000.0]
    # each threshold is named on the chart, outlined in white first so the name stays legible over a bar
    halo, label = drawn["om_revenue_3y"]["layer"][2:]
    assert halo["mark"]["stroke"] == "white" and "stroke" not in label["mark"]
    assert [layer["encoding"]["text"]["field"] for layer in (halo, label)] == ["label", "label"]
    assert [x["label"] for x in label["data"]["values"]] == ["下限（且占比达标） 3,000.00万元",
                                                              "无占比要求的标准 10,000.00万元"]
    share_limit = drawn["om_revenue_share"]["layer"][3]["data"]["values"]
    assert [x["label"] for x in share_limit] == ["运维收入占比下限 30.00%"]


def test_source_region_is_rendered_with_the_box_highlighted(entries):
    entry = entries["app-07"]
    src = entry.report["figures"]["om_revenue.2009"]["source"]
    path = original(applicant_folder(entry), src["file"], src["sha256"])
    image = Image.open(io.BytesIO(render_region(path, src["page"], tuple(src["bbox"]))))
    assert image.width > 1000 and 100 < image.height < 400  # a band of the page, not the page
    raw = image.convert("RGB").tobytes()
    red = sum(1 for i in range(0, len(raw), 3) if raw[i] > 200 and raw[i + 1] < 40 and raw[i + 2] < 40)
    assert red > 100  # the highlight's outline
    full = Image.open(io.BytesIO(render_region(path, src["page"], None)))
    assert full.height > 1500
    with pytest.raises(SourceUnavailable, match="第9页"):
        render_region(path, 9, None)


def test_originals_must_be_inside_the_folder_and_unchanged(entries, tmp_path):
    entry = entries["app-07"]
    with pytest.raises(SourceUnavailable, match="不在申报材料目录"):
        original(applicant_folder(entry), "../app-03/scan0007.pdf", None)
    copy = tmp_path / "app-07"
    shutil.copytree(SAMPLE_DOCS / "app-07", copy)
    (copy / "材料_1.pdf").write_bytes(b"%PDF-1.4 changed")
    moved = dataclasses.replace(entry, batch_intake=None)
    with pytest.raises(SourceUnavailable, match="找不到申报材料目录"):
        applicant_folder(moved)
    folder = applicant_folder(moved, intake=tmp_path)  # the configured intake folder wins
    assert folder == copy.resolve()
    src = entry.report["figures"]["om_revenue.2009"]["source"]
    with pytest.raises(SourceUnavailable, match="sha256"):
        original(folder, src["file"], src["sha256"])


def test_roster_rows_are_masked_unless_opened_on_purpose(entries):
    entry = entries["app-07"]
    [src] = [s for s in present.roster_cells(entry.report) if s["cell"] == "D35"]
    path = original(applicant_folder(entry), src["file"], src["sha256"])
    row = read_roster_row(path, src["file"], src["sheet"], src["cell"], default_rules())
    cells = dict(zip(row.headers, row.values, strict=True))
    masked = dict(zip(row.headers, row.masked().values, strict=True))
    assert cells["身份证号"] == "410121196909129697" and masked["身份证号"] == "4101**********9697"
    assert len(cells["姓名"]) > 1 and masked["姓名"] == cells["姓名"][0] + "*" * (len(cells["姓名"]) - 1)
    assert masked["学历"] == cells["学历"]


def test_a_damaged_roster_is_told_in_chinese(tmp_path):
    broken = tmp_path / "名册.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(SourceUnavailable) as told:
        read_roster_row(broken, "名册.xlsx", "Sheet1", "B3", default_rules())
    assert str(told.value) == "名册.xlsx：无法读取（文件已损坏，或不是有效的 Excel 工作簿）"


def test_page_helpers(entries):
    report = entries["app-03"].report
    views = present.discrepancy_views(report)
    revenue = next(v for v in views if v.key == "total_revenue.2010")
    assert [v["value"] for v in revenue.values] == ["6,129.66万元（61,296,562.86元）",
                                                    "5,629.66万元（56,296,562.86元）"]
    assert "申报表6,129.66万元" in revenue.message and "61296562.86" not in revenue.message
    assert present.is_pdf_region(revenue.values[1]["source"]) and not present.is_pdf_region(revenue.values[0]["source"])
    choices = present.figure_choices(report)
    assert present.is_pdf_region(report["figures"][choices[0]]["source"])
    targets = present.decision_targets(report, default_rules())
    assert len(targets) == 19 + len(report["discrepancies"])
    assert present.document_table(report)[0].keys() >= {"文件", "类型", "状态", "问题"}
    assert {row["状态"] for row in present.document_table(report)} == {"已读取"}
    assert "材料间不一致 2010年度营业收入" in targets
    b1 = {row["数值"]: row["内容"] for row in present.value_table(report["checks"][6]["values"])}
    assert b1["运维收入占营业收入比例"].endswith("%") and "万元（" in b1["近三年运维收入总额"]
    g3 = {row["数值"]: row["内容"] for row in present.value_table(report["checks"][3]["values"])}
    assert g3["2010年度审计意见"] == "标准无保留意见"
    assert present.figure_text("om_revenue_share", report["figures"]["om_revenue_share"]).startswith(
        "运维收入占营业收入比例 ")


def test_the_command_refuses_before_serving(tmp_path, capsys):
    assert main(["--db", f"sqlite:///{tmp_path / 'r.sqlite'}", "--host", "0.0.0.0"]) == 2
    assert "without a credential" in capsys.readouterr().err
    assert main(["--out", str(tmp_path / "nothing")]) == 2
    assert "run `omreview batch` first" in capsys.readouterr().err


def test_the_applicant_page_says_which_documents_were_read_by_ocr():
    report = {"documents": [{"file": "a.pdf", "ocr": True}, {"file": "form.docx", "ocr": False}],
              "checks": [{"id": "B1", "values": {"ocr_low_confidence": 1}}, {"id": "G2", "values": {}}]}
    note = present.ocr_note(report)
    assert "a.pdf" in note and "form.docx" not in note and "B1 运维收入" in note and "G2" not in note
    report["checks"][0]["values"] = {}
    assert "均达到" in present.ocr_note(report)
    assert present.ocr_note({"documents": [{"file": "form.docx"}], "checks": []}) is None
