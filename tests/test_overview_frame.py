"""The batch overview as one typed DataFrame: its columns and dtypes, numeric sorting of money, the same frame in
the workbook's 申报企业 sheet (numbers stay numbers, with number formats) and in the dashboard's grid."""

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from omreview.exports import batch_workbook
from omreview.overview import ApplicantFilter, overview_frame
from omreview.rules import default_rules
from omreview.store import ResultStore
from tests.store_factory import build_store, reviewed

MONEY = "近三年运维收入总额（万元）"
ID = "410121196909129697"
SHANGHAI = "Asia/Shanghai"
SCHEMA = {  # the work queue's columns first (状态, the open items, why open), then the machine's, then the rest
    "申报编号": "str", "企业名称": "str", "状态": "category", "待核实": "Int64", "待人工判断": "Int64",
    "待处理事项": "str",
    "机器结论": "category", "不通过": "str", "需复核": "str", "无法判断": "str", "不一致数": "Int64",
    "运维收入占营业收入比例": "float64", MONEY: "float64", "大专及以上学历人员比例": "float64", "运维人员数": "Int64",
    "申请日期": "datetime64[s]", "评审结论": "str", "评审意见": "str", "评审人": "str",
    "结论时间": f"datetime64[us, {SHANGHAI}]", "统一社会信用代码": "str", "推荐单位": "str", "申请放宽": "str",
    "缺少材料": "str", "批次": "Int64", "审查时间": f"datetime64[us, {SHANGHAI}]",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("overview") / "r.sqlite")


def _money_store(path: Path) -> ResultStore:
    """app-03 with 9,000,000.00 元 and app-07 with 68,082,259.66 元 of O&M revenue (as text, 9… sorts after 6…);
    app-07's company name carries a 身份证号."""
    store = ResultStore(f"sqlite:///{path}")
    store.migrate()
    batch = store.start_batch("intake", "x")
    for name, amount in (("app-03", "9000000.00"), ("app-07", "68082259.66")):
        report, digest = reviewed(name)
        revenue = report.figures["om_revenue_3y"].model_copy(update={"value": amount})
        figures = {**report.figures, "om_revenue_3y": revenue}
        applicant = report.applicant
        if name == "app-07":
            applicant = applicant.model_copy(update={"name": f"张三{ID}运维公司"})
        store.save(report.model_copy(update={"figures": figures, "applicant": applicant}), digest, batch)
    return store


def test_the_overview_is_one_typed_frame(store):
    frame = overview_frame(store.latest_applicants(), store.decisions())
    assert {col: str(dtype) for col, dtype in frame.dtypes.items()} == SCHEMA
    assert list(frame["申报编号"]) == ["app-03", "app-07", "app-10"]
    app07 = frame.set_index("申报编号").loc["app-07"]
    # 73,752,403.71 元 in 万元, rounded half up to two decimals
    assert app07[MONEY] == 7375.24 and app07["运维人员数"] == 64 and app07["运维收入占营业收入比例"] < 1
    assert app07["机器结论"] == "需复核" and app07["申请日期"] == pd.Timestamp("2012-06-01")
    assert list(frame["机器结论"].cat.categories) == ["符合", "不符合", "需复核", "材料不全"]
    app10 = frame.set_index("申报编号").loc["app-10"]
    assert app10["不通过"] == "M2b 运维技术负责人"  # the check with its short name, not a bare id
    # the time a reviewer sees is Beijing time, the instant the store holds
    entry = next(e for e in store.latest_applicants() if e.applicant_id == "app-07")
    assert app07["审查时间"] == entry.updated_at and app07["审查时间"].utcoffset() == dt.timedelta(hours=8)
    # the filter is the overview's, and an empty overview keeps its columns and types
    needs = overview_frame(store.latest_applicants(), [], ApplicantFilter(verdicts=frozenset({"does_not_meet"})))
    assert list(needs["申报编号"]) == ["app-10"]
    empty = overview_frame([], [])
    assert {col: str(dtype) for col, dtype in empty.dtypes.items()} == SCHEMA and empty.empty


def test_sorting_the_overview_by_money_is_numeric_and_texts_stay_masked(tmp_path):
    store = _money_store(tmp_path / "r.sqlite")
    frame = overview_frame(store.latest_applicants(), [])
    ordered = frame.sort_values(MONEY)
    assert list(ordered["申报编号"]) == ["app-03", "app-07"]
    assert list(ordered[MONEY]) == [900.00, 6_808.23]  # 68,082,259.66 元 → 6,808.23万元
    assert frame[MONEY].sum() == pytest.approx(7_708.23)
    name = frame.set_index("申报编号").loc["app-07", "企业名称"]
    assert name == "张三4101**********9697运维公司" and not frame.map(lambda v: ID in str(v)).any().any()


def test_the_workbook_sheet_is_the_frame_with_numbers_as_numbers(tmp_path):
    store = _money_store(tmp_path / "r.sqlite")
    entries = store.latest_applicants()
    path = batch_workbook(entries, [], default_rules(), tmp_path / "w.xlsx")
    ws = openpyxl.load_workbook(path)["申报企业"]
    header = [c.value for c in ws[1]]
    assert header == list(SCHEMA)  # the Chinese headers as before, in order
    cells = {row[0].value: dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2)}
    money = cells["app-07"][MONEY]  # shown 6,808.23 under …（万元）; the exact 元 one hover away, in the cell's note
    assert money.value == 6808.23 and money.number_format == "#,##0.00"
    assert money.comment.text == "近三年运维收入总额：68,082,259.66元"
    assert sorted(cells, key=lambda a: cells[a][MONEY].value) == ["app-03", "app-07"]
    share = cells["app-07"]["运维收入占营业收入比例"]
    assert isinstance(share.value, float) and share.number_format == "0.00%"
    assert cells["app-07"]["运维人员数"].value == 64 and cells["app-07"]["批次"].value == 1
    assert cells["app-07"]["申请日期"].value == dt.datetime(2012, 6, 1)
    assert cells["app-07"]["申请日期"].number_format == "yyyy-mm-dd"
    reviewed_at = next(e for e in entries if e.applicant_id == "app-07").updated_at
    shown = cells["app-07"]["审查时间"]  # Excel has no time zones: Beijing's wall clock, to the minute on screen
    beijing = reviewed_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert shown.value == beijing.replace(tzinfo=None, microsecond=0)
    assert shown.number_format == "yyyy-mm-dd hh:mm"
    assert cells["app-07"]["企业名称"].value == "张三4101**********9697运维公司"


def test_the_dashboard_grid_sorts_money_as_numbers(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    store = _money_store(tmp_path / "r.sqlite")
    monkeypatch.setenv("OMREVIEW_DASHBOARD_DB", store.url)
    monkeypatch.setenv("OMREVIEW_REVIEWER", "测试评审")
    page = os.path.join(os.path.dirname(__file__), "..", "dashboard", "page.py")
    at = AppTest.from_file(page, default_timeout=60).run()
    assert not at.exception
    [grid] = at.dataframe
    shown = grid.value
    assert str(shown[MONEY].dtype) == "float64" and str(shown["待核实"].dtype) == "Int64"
    assert list(shown.sort_values(MONEY)["申报编号"]) == ["app-03", "app-07"]
    assert "张三4101**********9697运维公司" in list(shown["企业名称"])
    # the grid formats the numbers for reviewers: 万元 with separators, ratios as percentages, Beijing time
    config = json.dumps(json.loads(grid.proto.columns), ensure_ascii=False)
    assert '"format":"%,.2f"' in config.replace(" ", "") and '"format":"%.2f%%"' in config.replace(" ", "")
    assert SHANGHAI in config and "精确到元的金额见申报企业页面" in config  # the header's tooltip
    assert shown.set_index("申报编号").loc["app-07", MONEY] == 6808.23
    assert 0 < shown.set_index("申报编号").loc["app-07", "运维收入占营业收入比例"] <= 100  # a percentage


def test_the_review_day_filter_uses_the_day_the_table_shows(store):
    """Reviewed at 20:00 UTC is 04:00 the next day in Beijing: the 审查日期 filter takes that day, as 审查时间 shows."""
    late = dt.datetime(2026, 12, 4, 20, 0, tzinfo=dt.UTC)
    entries = [dataclasses.replace(e, updated_at=late) for e in store.latest_applicants()]
    assert overview_frame(entries, [])["审查时间"].iloc[0] == pd.Timestamp("2026-12-05 04:00", tz=SHANGHAI)
    next_day = ApplicantFilter(reviewed_from=dt.date(2026, 12, 5), reviewed_to=dt.date(2026, 12, 5))
    assert len(overview_frame(entries, [], next_day)) == 3
    assert overview_frame(entries, [], ApplicantFilter(reviewed_to=dt.date(2026, 12, 4))).empty


def test_amounts_in_yuan_when_the_setting_says_so(store, monkeypatch):
    """OMREVIEW_MONEY_UNIT=元: the column says （元） and holds the exact amount; charts and thresholds follow."""
    from omreview.overview import key_figure_rows

    monkeypatch.setenv("OMREVIEW_MONEY_UNIT", "元")
    frame = overview_frame(store.latest_applicants(), [])
    assert "近三年运维收入总额（元）" in frame.columns and MONEY not in frame.columns
    assert frame.set_index("申报编号").loc["app-07", "近三年运维收入总额（元）"] == 73752403.71
    rows = key_figure_rows(store.latest_applicants(), default_rules())
    revenue = next(r for r in rows if r["applicant"] == "app-07" and r["figure"] == "om_revenue_3y")
    assert (revenue["value"], revenue["threshold"], revenue["shown"]) == (73752403.71, 30000000.0, "73,752,403.71元")
