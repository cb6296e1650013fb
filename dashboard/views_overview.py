"""The batch overview: verdict counts, key figures against thresholds, the filtered applicant table.

Applicants withdrawn from their intake (their folder gone at a batch) are left out unless the sidebar's
toggle includes them."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from omreview import zh
from omreview.dashboard.charts import charts
from omreview.dashboard.download import download_button
from omreview.dashboard.session import Context
from omreview.exports import WORKBOOK_NAME, batch_workbook
from omreview.model import CheckStatus
from omreview.overview import (
    COUNT,
    DATE,
    MONEY,
    RATIO,
    TIME,
    ApplicantFilter,
    column_kinds,
    filter_entries,
    key_figure_rows,
    overview_frame,
    verdict_counts,
)
from omreview.store import StoredApplicant

_NUMBER_FORMATS = {MONEY: "%,.2f", RATIO: "%.2f%%", COUNT: "%d"}


def _filters(ctx: Context, entries: list[StoredApplicant]) -> ApplicantFilter:
    sb = st.sidebar
    sb.header("筛选")
    verdicts = sb.multiselect("结论", list(verdict_counts(entries)), format_func=zh.verdict_label, placeholder="全部")
    checks = sb.multiselect("检查项", [c.id for c in ctx.rules.checks], format_func=zh.check_label, placeholder="全部")
    statuses = sb.multiselect("检查项状态", [s.value for s in CheckStatus], default=[CheckStatus.FAIL.value],
                              format_func=zh.status_label, help="保留所选检查项处于这些状态的申报企业",
                              placeholder="全部")
    batch_ids = sorted({e.batch_id for e in entries}, key=lambda b: (b is None, b or 0))
    batches = sb.multiselect("批次", batch_ids, format_func=lambda b: "（无批次）" if b is None else f"第{b}批",
                             placeholder="全部")
    days = sorted(zh.local_day(e.updated_at) for e in entries)
    span = sb.date_input("审查日期", value=(days[0], days[-1]), format="YYYY-MM-DD") if days else ()
    start, end = (span[0], span[-1]) if isinstance(span, tuple | list) and span else (None, None)
    withdrawn = sum(1 for e in entries if e.withdrawn_at is not None)
    include = sb.toggle(f"包括已撤回的申报企业（{withdrawn}家）", value=False, key="include_withdrawn",
                        help="申报材料目录中已不存在的申报企业（在之后的批次中撤回），默认不显示")
    return ApplicantFilter(verdicts=frozenset(verdicts), checks=frozenset(checks),
                           check_statuses=frozenset(statuses or [s.value for s in CheckStatus]),
                           batches=frozenset(batches), reviewed_from=start, reviewed_to=end,
                           include_withdrawn=include)


_HELP = {MONEY: "单位{unit}，保留两位小数（四舍五入）；精确到元的金额见申报企业页面（点选该行）",
         RATIO: "百分比，保留两位小数"}


def grid_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The overview frame as the grid takes it: ratios as percentages (41.25, shown ``41.25%``), so the grid's
    format needs no scaling; everything else as it is (numbers stay numbers and sort as numbers)."""
    ratios = [name for name, kind in column_kinds(frame).items() if kind == RATIO]
    return frame.assign(**{name: (frame[name] * 100).round(2) for name in ratios})


def column_config(frame: pd.DataFrame) -> dict[str, Any]:
    """How the grid shows the overview's numbers and times: amounts in the money unit set (万元) with separators
    and two decimals, ratios as percentages, times on the review body's clock (:mod:`omreview.zh`). The values stay
    numbers, so a click on a header sorts them as numbers."""
    configs: dict[str, Any] = {}
    for name, kind in column_kinds(frame).items():
        if kind in _NUMBER_FORMATS:
            help_text = _HELP.get(kind, "").format(unit=zh.money_unit()) or None
            configs[name] = st.column_config.NumberColumn(name, format=_NUMBER_FORMATS[kind], help=help_text)
        elif kind == DATE:
            configs[name] = st.column_config.DateColumn(name, format="YYYY-MM-DD")
        elif kind == TIME:
            configs[name] = st.column_config.DatetimeColumn(name, format="YYYY-MM-DD HH:mm",
                                                            timezone=zh.time_zone().key)
    return configs


def _open(applicant_id: str) -> None:
    st.query_params["applicant"] = applicant_id  # in-app navigation keeps the signed-in session
    st.rerun()


def show(ctx: Context) -> None:
    st.title("运行维护能力评定 · 评审总览")
    entries = ctx.store.latest_applicants()
    if not entries:
        st.info("结果库中还没有申报企业：先运行 `omreview batch`。")
        return
    chosen = filter_entries(entries, _filters(ctx, entries))
    counts = verdict_counts(chosen)
    cols = st.columns(len(counts) + 1)
    cols[0].metric("申报企业", len(chosen))
    for col, (verdict, n) in zip(cols[1:], counts.items(), strict=True):
        col.metric(zh.verdict_label(verdict), n)

    st.subheader("关键数据与门槛")
    figure_rows = key_figure_rows(chosen, ctx.rules)
    pairs = charts(figure_rows, ctx.rules)
    for start in range(0, len(pairs), 2):
        for col, (key, chart) in zip(st.columns(2), pairs[start:start + 2], strict=False):
            col.markdown(f"**{key.column}**")
            col.altair_chart(chart, width="stretch")

    st.subheader("申报企业")
    decisions = ctx.store.decisions([e.row_id for e in chosen])
    frame = overview_frame(chosen, decisions)
    st.caption("点选一行打开该申报企业（个人信息已遮盖）；点列名排序。")
    picked = st.dataframe(grid_frame(frame), hide_index=True, on_select="rerun", selection_mode="single-row",
                          key="applicants", column_config=column_config(frame))
    if picked is not None and picked.selection.rows:  # positions in the frame, whatever the grid's sort
        _open(str(frame["申报编号"].iloc[picked.selection.rows[0]]))
    choice = st.selectbox("打开申报企业", [e.applicant_id for e in chosen], index=None, placeholder="请选择申报编号")
    if choice and st.button("打开", type="primary"):
        _open(choice)

    st.subheader("导出")

    def workbook() -> bytes:  # built when clicked, not on every rerun
        with tempfile.TemporaryDirectory() as tmp:
            return batch_workbook(chosen, decisions, ctx.rules, Path(tmp) / WORKBOOK_NAME).read_bytes()

    download_button(f"下载 {WORKBOOK_NAME}（当前筛选，个人信息已遮盖）", workbook, file_name=WORKBOOK_NAME,
                    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="workbook")
