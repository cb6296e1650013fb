"""The batch overview as the reviewers' work queue: the queue in one line, counts, every applicant in one grid (open
ones first, with why each is open), key figures against thresholds.

The filters live in the address (``?state=open&verdict=needs_review&check=B1&status=fail…``, see
:func:`omreview.overview.filter_query`): a view can be bookmarked and shared, and it survives opening an applicant
and coming back (the applicant page calls :func:`back_to_overview`, or links to :func:`overview_link`). When the
address changes under the page (a link opened, "back" in the browser), the address wins over the widgets.

Applicants withdrawn from their intake (their folder gone at a batch) are left out unless the sidebar's
toggle includes them."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

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
    QUERY_KEYS,
    RATIO,
    STATES,
    TIME,
    ApplicantFilter,
    batch_label,
    column_kinds,
    filter_entries,
    filter_from_query,
    filter_query,
    grid_columns,
    key_figure_rows,
    nothing_left,
    overview_frame,
    queue_of,
    verdict_counts,
)
from omreview.queue import QueueEntry, next_open, open_total
from omreview.store import StoredApplicant

_NUMBER_FORMATS = {MONEY: "%,.2f", RATIO: "%.2f%%", COUNT: "%d"}
COLUMNS_KEY = "cols"  # the grid's chosen columns in the address, when they are not the default ones
OVERVIEW_KEYS = (*QUERY_KEYS, COLUMNS_KEY)  # what of the address belongs to the overview
ALL_STATES = "all"

# the widgets' keys (their values are set from the address when it changed, see _from_address)
_STATE, _VERDICT, _CHECK, _STATUS, _BATCH, _DAYS, _WITHDRAWN, _COLS = (
    "f_state", "f_verdict", "f_check", "f_status", "f_batch", "f_days", "include_withdrawn", "f_cols")
_WIDGETS = (_STATE, _VERDICT, _CHECK, _STATUS, _BATCH, _DAYS, _WITHDRAWN, _COLS)
_SEEN = "overview_address"  # the address the widgets were last set from or wrote


# --- the address --------------------------------------------------------------------------------------------

def overview_query(params: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """The overview's part of a query (its filters and chosen columns), every other key (``applicant``, …) left
    out; ``params``: each key's values."""
    return {key: [str(v) for v in params[key]] for key in OVERVIEW_KEYS if key in params and list(params[key])}


def overview_link(params: Mapping[str, Iterable[str]] | None = None) -> str:
    """A relative link to the overview with the filters of ``params`` (default: the current address), for an
    ``<a href>`` or ``st.link_button``: ``?state=open&verdict=needs_review`` (``?`` with none)."""
    if params is None:
        params = {key: st.query_params.get_all(key) for key in OVERVIEW_KEYS}
    return "?" + urlencode(overview_query(params), doseq=True)


def back_to_overview() -> None:
    """Go from the applicant page to the overview in the same session, keeping the filters in the address: every
    key of the address but the overview's is dropped, then the page runs again (what "返回总览" should call)."""
    for key in [k for k in st.query_params if k not in OVERVIEW_KEYS]:
        del st.query_params[key]
    st.rerun()


def _address() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in OVERVIEW_KEYS}


def _canonical(query: Mapping[str, list[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((key, tuple(values)) for key, values in query.items() if values))


def _write_address(query: Mapping[str, list[str]]) -> None:
    """Put the overview's query in the address, leaving other keys alone; only what changed is written."""
    for key in OVERVIEW_KEYS:
        wanted = list(query.get(key, []))
        if st.query_params.get_all(key) == wanted:
            continue
        if wanted:
            st.query_params[key] = wanted
        else:
            del st.query_params[key]
    st.session_state[_SEEN] = _canonical(query)


# --- the filters ----------------------------------------------------------------------------------------------

def _span(entries: list[StoredApplicant]) -> tuple[dt.date, dt.date]:
    days = sorted(zh.local_day(e.updated_at) for e in entries)
    return days[0], days[-1]


def _from_address(ctx: Context, entries: list[StoredApplicant], columns: list[str]) -> None:
    """Set the widgets from the address when it is not what the page last wrote (opened from a link or a bookmark,
    "back" in the browser); else only those that are gone (not shown in the last run: back from an applicant page,
    the column chooser after an empty result)."""
    address = _address()
    changed = st.session_state.get(_SEEN) != _canonical(address)
    if not changed and all(k in st.session_state for k in _WIDGETS):
        return
    f = filter_from_query(address, ctx.rules)
    first, last = _span(entries)
    batches = {e.batch_id for e in entries}
    chosen = [c for c in address.get(COLUMNS_KEY, []) if c in columns]
    values: dict[str, Any] = {
        _STATE: next(iter(f.states)) if len(f.states) == 1 else ALL_STATES,
        _VERDICT: sorted(f.verdicts), _CHECK: [c.id for c in ctx.rules.checks if c.id in f.checks],
        _STATUS: [s.value for s in CheckStatus if s.value in f.check_statuses],
        _BATCH: sorted((b for b in f.batches if b in batches), key=lambda b: (b is None, b or 0)),
        _DAYS: (f.reviewed_from or first, f.reviewed_to or last), _WITHDRAWN: f.include_withdrawn,
        _COLS: chosen or [c for c in grid_columns() if c in columns],
    }
    for key, value in values.items():
        if changed or key not in st.session_state:
            st.session_state[key] = value


def _filters(ctx: Context, entries: list[StoredApplicant]) -> ApplicantFilter:
    sb = st.sidebar
    sb.header("筛选")
    states = ctx.rules.review.states
    state = sb.radio("状态", [ALL_STATES, *STATES], key=_STATE, horizontal=True,
                     format_func=lambda s: "全部" if s == ALL_STATES else states[s],
                     help="待评审：尚未作出评审结论；已结论：已作出评审结论（可重新打开）")
    verdicts = sb.multiselect("机器结论", list(verdict_counts(entries)), key=_VERDICT, format_func=zh.verdict_label,
                              placeholder="全部")
    checks = sb.multiselect("检查项", [c.id for c in ctx.rules.checks], key=_CHECK, format_func=zh.check_label,
                            placeholder="全部")
    statuses = sb.multiselect("检查项状态", [s.value for s in CheckStatus], key=_STATUS, format_func=zh.status_label,
                              placeholder="全部",
                              help="只选状态：保留有检查项处于这些状态的申报企业；同时选了检查项：保留所选检查项"
                                   "处于这些状态的申报企业")
    batch_ids = sorted({e.batch_id for e in entries}, key=lambda b: (b is None, b or 0))
    batches = sb.multiselect("批次", batch_ids, key=_BATCH, format_func=batch_label, placeholder="全部")
    first, last = _span(entries)
    span = sb.date_input("审查日期", key=_DAYS, format="YYYY-MM-DD")
    start, end = (span[0], span[-1]) if isinstance(span, tuple | list) and span else (None, None)
    withdrawn = sum(1 for e in entries if e.withdrawn_at is not None)
    include = sb.toggle(f"包括已撤回的申报企业（{withdrawn}家）", key=_WITHDRAWN,
                        help="申报材料目录中已不存在的申报企业（在之后的批次中撤回），默认不显示")
    return ApplicantFilter(states=frozenset() if state == ALL_STATES else frozenset({state}),
                           verdicts=frozenset(verdicts), checks=frozenset(checks), check_statuses=frozenset(statuses),
                           batches=frozenset(batches),
                           reviewed_from=None if start == first else start, reviewed_to=None if end == last else end,
                           include_withdrawn=include)


def _clear_filters() -> None:
    """The button's callback (before the page runs again): the filters out of the address and the widgets."""
    for key in QUERY_KEYS:
        if key in st.query_params:
            del st.query_params[key]
    for key in _WIDGETS:
        if key != _COLS:
            st.session_state.pop(key, None)
    st.session_state.pop(_SEEN, None)


# --- the grid -------------------------------------------------------------------------------------------------

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
    st.query_params["applicant"] = applicant_id  # in-app navigation keeps the session and the filters' keys
    st.rerun()


def _queue_line(queue: list[QueueEntry]) -> None:
    present = [q for q in queue if not q.withdrawn]
    st.markdown(f"**工作队列**：{open_total(present)}")
    following = next_open(present, None)
    if following is not None and st.button(f"打开第一家待评审：{following.applicant_id}", key="first_open"):
        _open(following.applicant_id)


def _metrics(chosen: list[StoredApplicant], queue: list[QueueEntry], ctx: Context) -> None:
    concluded = {q.row_id for q in queue if not q.is_open}
    done = sum(1 for e in chosen if e.row_id in concluded)
    counts = verdict_counts(chosen)
    states = ctx.rules.review.states
    cols = st.columns(len(counts) + 3)
    cols[0].metric("申报企业", len(chosen))
    cols[1].metric(states["open"], len(chosen) - done)
    cols[2].metric(states["concluded"], done)
    for col, (verdict, n) in zip(cols[3:], counts.items(), strict=True):
        col.metric(f"机器结论：{zh.verdict_label(verdict)}", n)


def _charts(ctx: Context, chosen: list[StoredApplicant]) -> None:
    st.subheader("关键数据与门槛")
    pairs = charts(key_figure_rows(chosen, ctx.rules), ctx.rules)
    for start in range(0, len(pairs), 2):
        for col, (key, chart) in zip(st.columns(2), pairs[start:start + 2], strict=False):
            col.markdown(f"**{key.column}**")
            col.altair_chart(chart, width="stretch")


def _grid(frame: pd.DataFrame) -> None:
    st.subheader("申报企业")
    with st.popover("选择显示的列"):
        shown = st.multiselect("显示的列", list(frame.columns), key=_COLS, placeholder="请选择列")
    shown = [c for c in shown if c in frame.columns] or grid_columns()
    st.caption(f"共{len(frame)}家，全部列出：待评审的在前（按申请日期）。点选一行打开该申报企业；点列名排序（数值按数值排序）；"
               "「选择显示的列」可加列。个人信息已遮盖。")
    picked = st.dataframe(grid_frame(frame), hide_index=True, on_select="rerun", selection_mode="single-row",
                          key="applicants", column_config=column_config(frame), column_order=shown, height="content")
    if picked is not None and picked.selection.rows:  # positions in the frame, whatever the grid's sort
        _open(str(frame["申报编号"].iloc[picked.selection.rows[0]]))
    choice = st.selectbox("打开申报企业", list(frame["申报编号"]), index=None, placeholder="请选择申报编号")
    if choice and st.button("打开", type="primary"):
        _open(choice)


def show(ctx: Context) -> None:
    st.title("运行维护能力评定 · 评审总览")
    entries = ctx.store.latest_applicants()
    if not entries:
        st.info("结果库中还没有申报企业：先运行 `omreview batch`。")
        return
    rows = [e.row_id for e in entries]
    decisions, trail = ctx.store.decisions(rows), ctx.store.conclusion_events(rows)
    queue = queue_of(entries, decisions, trail)
    columns = list(overview_frame(entries, decisions, conclusions=trail).columns)
    _from_address(ctx, entries, columns)
    applicant_filter = _filters(ctx, entries)
    _queue_line(queue)
    chosen = filter_entries(entries, applicant_filter, queue)
    frame = overview_frame(chosen, decisions, conclusions=trail)
    cols = st.session_state.get(_COLS) or []
    _write_address({**filter_query(applicant_filter),
                    **({COLUMNS_KEY: list(cols)} if list(cols) != [c for c in grid_columns() if c in columns]
                       else {})})
    if not chosen:
        st.warning(nothing_left(applicant_filter, ctx.rules))
        st.button("清除筛选条件", on_click=_clear_filters, key="clear_filters")
        return
    _metrics(chosen, queue, ctx)
    _grid(frame)  # the queue before the charts: what a reviewer works through
    _charts(ctx, chosen)

    st.subheader("导出")
    mine = {e.row_id for e in chosen}

    def workbook() -> bytes:  # built when clicked, not on every rerun
        with tempfile.TemporaryDirectory() as tmp:
            return batch_workbook(chosen, [d for d in decisions if d.applicant_row in mine], ctx.rules,
                                  Path(tmp) / WORKBOOK_NAME,
                                  [c for c in trail if c.applicant_row in mine]).read_bytes()

    download_button(f"下载 {WORKBOOK_NAME}（当前筛选，含评审结论，个人信息已遮盖）", workbook, file_name=WORKBOOK_NAME,
                    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="workbook")
