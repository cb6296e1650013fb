"""What reviewers look at: the batch overview as one typed DataFrame (:func:`overview_frame`), the checks,
discrepancies and decisions as plain rows; shared by the dashboard and the exports.

Every text that leaves here is masked (:func:`omreview.masking.mask_any`); reviewer decisions are
joined beside the machine results they concern, never in place of them. Thresholds come from the
rules file, never from literals here. Applicants withdrawn from their intake (their folder gone at a
batch) are left out unless asked for (:func:`present`, ``ApplicantFilter.include_withdrawn``); a
withdrawn one's row says since when (``撤回时间``).

What people read is Chinese (:mod:`omreview.zh`): labels instead of codes, amounts in 万元 (or 元), ratios as
percentages, times on the review body's clock; the codes stay in report.json.

The overview is the reviewers' work queue (:mod:`omreview.queue`): open applicants (待评审) first, each with why
it is open in words and its open items counted apart as 待核实 and 待人工判断, then the concluded ones with their
评审结论. Its filters (:class:`ApplicantFilter`) travel as a URL query string (:func:`filter_query`,
:func:`filter_from_query`) so that a view can be bookmarked, shared and returned to.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from omreview import zh
from omreview.conclusions import ConclusionEvent, conclusion_label
from omreview.decisions import ReviewerDecision, TargetKind, describe, discrepancy_keys, in_force
from omreview.masking import mask_any, mask_text
from omreview.model import CheckStatus, Verdict
from omreview.queue import QueueEntry, build_queue
from omreview.rules import ReviewRules, Rules, default_rules
from omreview.store import StoredApplicant


@dataclass(frozen=True)
class KeyFigure:
    """A figure charted against thresholds; ``thresholds`` name fields of ``rules.thresholds``. Its label and unit
    are the label table's (:mod:`omreview.zh`)."""

    name: str
    thresholds: tuple[str, ...]

    @property
    def label(self) -> str:
        return zh.name_label(self.name)

    @property
    def unit(self) -> str:
        return zh.name_unit(self.name)

    @property
    def column(self) -> str:
        """The header of its column and axis: ``近三年运维收入总额（万元）`` (amounts in the money unit set)."""
        return f"{self.label}（{zh.money_unit()}）" if self.unit == "CNY" else self.label


KEY_FIGURES = (
    KeyFigure("om_revenue_share", ("om_revenue_share_min",)),
    KeyFigure("om_revenue_3y", ("om_revenue_3y_low", "om_revenue_3y_high")),
    KeyFigure("college_or_above_ratio", ("college_ratio_min",)),
    KeyFigure("om_staff_count", ("staff_min",)),
)


def thresholds_of(key: KeyFigure, rules: Rules) -> list[tuple[str, Decimal]]:
    return [(name, Decimal(getattr(rules.thresholds, name))) for name in key.thresholds]


def shown_number(value: Decimal, unit: str) -> float:
    """A number as a chart or a grid plots it: an amount in the money unit set (rounded to the fen of that unit),
    a ratio as a fraction (0.4125, shown 41.25%), a count as it is."""
    return float(zh.money_value(value)) if unit == "CNY" else float(value)


def shown_text(value: Decimal, unit: str) -> str:
    """A key figure's value as reviewers read it: ``6,638.42万元``, ``41.25%``, ``64``."""
    if unit == "CNY":
        return zh.money(value)
    return zh.percent(value) if unit == "ratio" else f"{value:f}"


def key_figure_rows(entries: Iterable[StoredApplicant], rules: Rules) -> list[dict[str, Any]]:
    """One row per applicant and key figure that has a value: the value and its lowest threshold, both in the unit
    shown (:func:`shown_number`), the value as text (``shown``) and, for an amount, exact in 元 (``exact``)."""
    rows = []
    for e in entries:
        figures = e.report.get("figures", {})
        for key in KEY_FIGURES:
            fig = figures.get(key.name)
            if not fig:
                continue
            value = Decimal(fig["value"])
            lowest = min(t for _, t in thresholds_of(key, rules))
            rows.append({"applicant": e.applicant_id, "figure": key.name, "label": key.column,
                         "value": shown_number(value, key.unit), "threshold": shown_number(lowest, key.unit),
                         "meets": value >= lowest, "shown": shown_text(value, key.unit),
                         "exact": zh.yuan(value) if key.unit == "CNY" else shown_text(value, key.unit)})
    return rows


def verdict_counts(entries: Iterable[StoredApplicant]) -> dict[str, int]:
    counts = Counter(e.verdict for e in entries)
    return {v.value: counts.get(v.value, 0) for v in Verdict}


STATES = ("open", "concluded")  # the work queue's states (rules.yaml review.states: 待评审, 已结论)


@dataclass(frozen=True)
class ApplicantFilter:
    """Empty sets mean "any". ``check_statuses`` alone keeps applicants with any check in one of them; with
    ``checks``, applicants where one of those checks is in one of them (in any status when no status is chosen).
    ``states``: the work queue's (``open``, ``concluded``); filtering on them needs the queue (:func:`filter_entries`).
    """

    verdicts: frozenset[str] = frozenset()
    checks: frozenset[str] = frozenset()
    check_statuses: frozenset[str] = frozenset()
    batches: frozenset[int | None] = frozenset()
    reviewed_from: dt.date | None = None  # days of 审查时间 in the review body's time zone (omreview.zh)
    reviewed_to: dt.date | None = None
    include_withdrawn: bool = False
    states: frozenset[str] = frozenset()

    @property
    def active(self) -> bool:
        """Whether it leaves out any applicant still in its intake."""
        return bool(self.verdicts or self.checks or self.check_statuses or self.batches or self.reviewed_from
                    or self.reviewed_to or self.states)


def present(entries: Iterable[StoredApplicant], include_withdrawn: bool = False) -> list[StoredApplicant]:
    """The applicants still in their intake (all of them with ``include_withdrawn``)."""
    return [e for e in entries if include_withdrawn or e.withdrawn_at is None]


def _checks_match(report: dict[str, Any], f: ApplicantFilter) -> bool:
    if not f.checks and not f.check_statuses:
        return True
    return any((not f.checks or c["id"] in f.checks) and (not f.check_statuses or c["status"] in f.check_statuses)
               for c in report.get("checks", []))


def filter_entries(entries: Iterable[StoredApplicant], f: ApplicantFilter,
                   queue: Iterable[QueueEntry] | None = None) -> list[StoredApplicant]:
    """The applicants ``f`` keeps; ``queue`` (:func:`omreview.queue.build_queue` of them) says which are open,
    needed when ``f.states`` is set (an applicant missing from the queue counts as open)."""
    if f.states and queue is None:
        raise ValueError("filtering on the work queue's state needs the queue")
    concluded = {q.row_id for q in queue or () if not q.is_open}
    out = []
    for e in present(entries, f.include_withdrawn):
        if f.verdicts and e.verdict not in f.verdicts:
            continue
        if not _checks_match(e.report, f):
            continue
        if f.batches and e.batch_id not in f.batches:
            continue
        day = zh.local_day(e.updated_at)
        if (f.reviewed_from and day < f.reviewed_from) or (f.reviewed_to and day > f.reviewed_to):
            continue
        if f.states and ("concluded" if e.row_id in concluded else "open") not in f.states:
            continue
        out.append(e)
    return out


# --- the filter as a URL query string (the dashboard keeps it in the address, so a view can be bookmarked) ------

NO_BATCH = "none"  # the query value of "no batch"
QUERY_KEYS = ("state", "verdict", "check", "status", "batch", "from", "to", "withdrawn")


def filter_query(f: ApplicantFilter) -> dict[str, list[str]]:
    """The filter as query parameters (codes, not labels; sorted; only what is set): ``{"verdict": ["needs_review"],
    "check": ["B1"], "status": ["fail"], "state": ["open"], "from": ["2026-12-01"], ...}``."""
    query = {
        "state": sorted(f.states), "verdict": sorted(f.verdicts), "check": sorted(f.checks),
        "status": sorted(f.check_statuses),
        "batch": sorted(NO_BATCH if b is None else str(b) for b in f.batches),
        "from": [f.reviewed_from.isoformat()] if f.reviewed_from else [],
        "to": [f.reviewed_to.isoformat()] if f.reviewed_to else [],
        "withdrawn": ["1"] if f.include_withdrawn else [],
    }
    return {key: values for key, values in query.items() if values}


def _day(values: Sequence[str]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(values[-1]) if values else None
    except ValueError:
        return None


def _batch(value: str) -> int | str | None:
    if value == NO_BATCH:
        return None
    return int(value) if value.isdigit() else value  # a value that is no batch is left out below


def filter_from_query(query: Mapping[str, Sequence[str]], rules: Rules | None = None) -> ApplicantFilter:
    """The filter of a query string (each key's values, as ``st.query_params.get_all`` gives them). Values that
    name nothing (an unknown verdict, check, status, state, batch or a date that is none) are left out, so a link
    edited by hand or from older rules still opens."""
    rules = rules or default_rules()
    checks = {c.id for c in rules.checks}
    batches = {b for b in (_batch(v) for v in query.get("batch", ())) if b is None or isinstance(b, int)}
    return ApplicantFilter(
        states=frozenset(v for v in query.get("state", ()) if v in STATES),
        verdicts=frozenset(v for v in query.get("verdict", ()) if v in {x.value for x in Verdict}),
        checks=frozenset(v for v in query.get("check", ()) if v in checks),
        check_statuses=frozenset(v for v in query.get("status", ()) if v in {x.value for x in CheckStatus}),
        batches=frozenset(batches),
        reviewed_from=_day(query.get("from", ())), reviewed_to=_day(query.get("to", ())),
        include_withdrawn=list(query.get("withdrawn", ()))[-1:] == ["1"],
    )


def batch_label(batch: int | None) -> str:
    return "（无批次）" if batch is None else f"第{batch}批"


def describe_filter(f: ApplicantFilter, rules: Rules | None = None) -> list[str]:
    """Each filter that leaves applicants out, in words: ``状态：待评审``, ``机器结论：需复核``,
    ``检查项：B1 运维收入（不通过）``, ``检查项状态：需复核``, ``批次：第1批``,
    ``审查日期：2026-12-01 至 2026-12-05``."""
    review = (rules or default_rules()).review
    parts = []
    if f.states:
        parts.append(f"状态：{'、'.join(word for key, word in review.states.items() if key in f.states)}")
    if f.verdicts:
        parts.append(f"机器结论：{'、'.join(zh.verdict_label(v.value) for v in Verdict if v.value in f.verdicts)}")
    statuses = "、".join(zh.status_label(s.value) for s in CheckStatus if s.value in f.check_statuses)
    if f.checks:
        parts.append(f"检查项：{'、'.join(zh.check_label(c) for c in sorted(f.checks))}"
                     + (f"（{statuses}）" if statuses else ""))
    elif statuses:
        parts.append(f"检查项状态：{statuses}")
    if f.batches:
        parts.append(f"批次：{'、'.join(batch_label(b) for b in sorted(f.batches, key=lambda b: (b is None, b or 0)))}")
    if f.reviewed_from or f.reviewed_to:
        parts.append(f"审查日期：{f.reviewed_from or '…'} 至 {f.reviewed_to or '…'}")
    return parts


def nothing_left(f: ApplicantFilter, rules: Rules | None = None) -> str:
    """What the overview says when its filters leave no applicant: the filters named, and what to do."""
    return (f"没有申报企业符合当前筛选条件（{'；'.join(describe_filter(f, rules))}）。"
            "请放宽或清除筛选条件。")


def source_label(src: dict[str, Any] | None) -> str:
    """``材料_1.pdf 第5页`` · ``名册.xlsx 人员名册!D35`` · ``申报表.docx 表1 B8``."""
    if not src:
        return "（计算得出）"
    where = ""
    if src.get("page"):
        where = f"第{src['page']}页"
    elif src.get("sheet"):
        where = f"{src['sheet']}!{src.get('cell') or ''}"
    elif src.get("table") is not None:
        where = f"表{src['table'] + 1} {src.get('cell') or ''}".strip()
    elif src.get("cell"):
        where = src["cell"]
    return mask_text(f"{src['file']} {where}".strip()) or ""


def values_text(values: dict[str, Any]) -> str:
    """A check's values as reviewers read them: ``近三年运维收入总额：6,638.42万元；运维收入占营业收入比例：41.25%``."""
    return "；".join(f"{zh.name_label(k)}：{zh.value_text(k, v)}" for k, v in mask_any(values).items())


def _decided(decisions: dict[tuple[int, TargetKind, str], ReviewerDecision], row: int, kind: TargetKind,
             target: str) -> ReviewerDecision | None:
    return decisions.get((row, kind, target))


# The overview's column kinds: how a column is typed in the frame, formatted in the dashboard and the workbook
TEXT, VERDICT, STATE, COUNT, MONEY, RATIO, DATE, TIME = "text", "verdict", "state", "count", "money", "ratio", "date", \
    "time"
_UNIT_KINDS = {"CNY": MONEY, "ratio": RATIO, "count": COUNT, "years": COUNT}
WITHDRAWN_AT = "撤回时间"
ID, NAME, STATE_COLUMN, WHY_OPEN, VERDICT_COLUMN = "申报编号", "企业名称", "状态", "待处理事项", "机器结论"
CONCLUSION, OPINION, REVIEWER, CONCLUDED_AT = "评审结论", "评审意见", "评审人", "结论时间"


@dataclass(frozen=True)
class Column:
    """One column of :func:`overview_frame`: its Chinese header (what reviewers see) and its kind."""

    name: str
    kind: str


# the columns listing the checks in a status: headed by the status's label (不通过, 需复核, 无法判断)
STATUS_COLUMNS = (CheckStatus.FAIL, CheckStatus.REVIEW, CheckStatus.MISSING)


def open_item_columns(rules: ReviewRules | None = None) -> tuple[str, str]:
    """The headers of the open items' counts: the work queue's words (rules.yaml ``review.open_items``),
    ``待核实`` (review/missing checks and discrepancies) and ``待人工判断`` (manual checks)."""
    words = (rules or default_rules().review).open_items
    return words["to_verify"], words["manual"]


def overview_columns() -> tuple[Column, ...]:
    """The columns of :func:`overview_frame`, those a reviewer works by first; an amount's header names the money
    unit set (``…（万元）``)."""
    to_verify, manual = open_item_columns()
    return (
        Column(ID, TEXT), Column(NAME, TEXT), Column(STATE_COLUMN, STATE), Column(to_verify, COUNT),
        Column(manual, COUNT), Column(WHY_OPEN, TEXT), Column(VERDICT_COLUMN, VERDICT),
        *(Column(zh.status_label(s), TEXT) for s in STATUS_COLUMNS), Column("不一致数", COUNT),
        *(Column(key.column, _UNIT_KINDS[key.unit]) for key in KEY_FIGURES),
        Column("申请日期", DATE), Column(CONCLUSION, TEXT), Column(OPINION, TEXT), Column(REVIEWER, TEXT),
        Column(CONCLUDED_AT, TIME),
        Column("统一社会信用代码", TEXT), Column("推荐单位", TEXT), Column("申请放宽", TEXT), Column("缺少材料", TEXT),
        Column("批次", COUNT), Column("审查时间", TIME), Column(WITHDRAWN_AT, TIME),
    )


def grid_columns() -> list[str]:
    """The columns the dashboard's grid shows unless the reviewer chooses others: what a reviewer sorts the work
    queue by (the rest are one click away in its column chooser, and all of them on the applicant page)."""
    to_verify, manual = open_item_columns()
    money = next(key.column for key in KEY_FIGURES if key.unit == "CNY")
    share = next(key.column for key in KEY_FIGURES if key.name == "om_revenue_share")
    return [ID, NAME, STATE_COLUMN, to_verify, manual, WHY_OPEN, VERDICT_COLUMN, money, share, "申请日期"]


def column_kinds(frame: pd.DataFrame) -> dict[str, str]:
    """The kind of each column of an overview frame, by header."""
    kinds = {c.name: c.kind for c in overview_columns()}
    return {name: kinds[name] for name in frame.columns}


def _figure_number(value: Any, kind: str) -> float | int | None:
    """A key figure's value (a decimal string in the report) as a number; a value that is no number is missing."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    if kind == COUNT:
        return int(number) if number == number.to_integral_value() else None
    return shown_number(number, "CNY" if kind == MONEY else "ratio")


def _queue_record(q: QueueEntry, review: ReviewRules) -> dict[str, Any]:
    """The work queue's columns of one applicant: its state, its open items, its 评审结论 (待评审 while open)."""
    to_verify, manual = open_item_columns(review)
    c = q.conclusion
    return {
        STATE_COLUMN: q.state_label(review), to_verify: len(q.to_verify), manual: len(q.manual),
        WHY_OPEN: mask_text(q.why_open(review)) or "",
        CONCLUSION: conclusion_label(c.conclusion or "", review) if c else review.states["open"],
        OPINION: mask_text(c.opinion) or "" if c else "", REVIEWER: c.reviewer if c else "",
        CONCLUDED_AT: c.acted_at if c else None,
    }


def _applicant_record(e: StoredApplicant, q: QueueEntry, review: ReviewRules) -> dict[str, Any]:
    r = e.report
    by_status: dict[str, list[str]] = {}
    for c in r["checks"]:
        by_status.setdefault(c["status"], []).append(c["id"])
    figures = r.get("figures", {})
    return {
        **mask_any({
            ID: e.applicant_id, NAME: r["applicant"].get("name") or "",
            "统一社会信用代码": r["applicant"].get("credit_code") or "",
            "推荐单位": r["applicant"].get("recommending_authority") or "",
            "申请放宽": "是" if r["applicant"].get("relaxation_requested") else "否",
            VERDICT_COLUMN: zh.verdict_label(e.verdict),
            **{zh.status_label(s): zh.checks_text(by_status.get(s.value, [])) for s in STATUS_COLUMNS},
            "缺少材料": "、".join(r.get("missing_inputs", [])),
        }),
        **_queue_record(q, review),
        "不一致数": len(r.get("discrepancies", [])),
        **{key.column: _figure_number(figures[key.name]["value"], _UNIT_KINDS[key.unit]) if key.name in figures
           else None for key in KEY_FIGURES},
        "申请日期": e.application_date, "批次": e.batch_id, "审查时间": e.updated_at, WITHDRAWN_AT: e.withdrawn_at,
    }


def state_labels(review: ReviewRules | None = None) -> list[str]:
    """The states as the 状态 column says them, in the queue's order: 待评审, 已结论（通过）, 已结论（不通过）, …"""
    review = review or default_rules().review
    return [review.states["open"], *(f"{review.states['concluded']}（{c.label}）" for c in review.conclusions)]


def _category(values: pd.Series, known: list[str]) -> pd.Series:
    others = sorted(set(values) - set(known))
    return values.astype(pd.CategoricalDtype([*known, *others], ordered=True))


def _typed(values: pd.Series, kind: str) -> pd.Series:
    if kind == TEXT:
        return values.astype("str")
    if kind == VERDICT:
        return _category(values, [zh.verdict_label(v) for v in Verdict])
    if kind == STATE:
        return _category(values, state_labels())
    if kind == COUNT:
        return values.astype("Int64")
    if kind in (MONEY, RATIO):
        return values.astype("float64")
    if kind == DATE:
        return pd.to_datetime(values).astype("datetime64[s]")
    zone = zh.time_zone().key
    return pd.to_datetime(values, utc=True).dt.tz_convert(zone).astype(f"datetime64[us, {zone}]")


def queue_of(entries: Iterable[StoredApplicant], decisions: Iterable[ReviewerDecision],
             conclusions: Iterable[ConclusionEvent] = ()) -> list[QueueEntry]:
    """The work queue of ``entries`` (withdrawn ones included when given): :func:`omreview.queue.build_queue`."""
    return build_queue(entries, decisions, conclusions, include_withdrawn=True)


def overview_frame(entries: Iterable[StoredApplicant], decisions: Iterable[ReviewerDecision],
                   applicant_filter: ApplicantFilter | None = None,
                   conclusions: Iterable[ConclusionEvent] = ()) -> pd.DataFrame:
    """The batch overview as the reviewers' work queue, one row per applicant (those ``applicant_filter`` keeps,
    when given), typed; ``conclusions``: the conclusion trail of those applicants (``store.conclusion_events``).

    Rows in the work queue's order (:func:`omreview.queue.build_queue`): open applicants (待评审) first, then the
    concluded ones; each part by application date, then applicant id.

    Shared by the dashboard's grid and the workbook's 申报企业 sheet. Columns (:func:`overview_columns`), by kind:

    - text (``str``, masked): 申报编号, 企业名称, 待处理事项 (why it is open in words: ``待核实：B1 运维收入（需复核）；
      待人工判断：G4 资信与守法（人工判断）、…``; empty once concluded), 不通过 / 需复核 / 无法判断 (the checks in that
      status with their short names, ``B1 运维收入、T2 运维人员及学历``), 评审结论 (``通过``; ``待评审`` while open),
      评审意见, 评审人, 统一社会信用代码, 推荐单位, 申请放宽 (是/否), 缺少材料 (missing documents, 、-separated);
    - 状态: an ordered ``category``: 待评审, then 已结论（通过）, 已结论（不通过）, … (rules.yaml ``review``);
    - 机器结论: an ordered ``category`` of the verdicts' labels (符合, 不符合, 需复核, 材料不全), in that order;
    - counts (``Int64``): 待核实 (checks in review or missing and discrepancies without a decision in force),
      待人工判断 (manual checks without one), 不一致数, 运维人员数, 批次 (missing: no batch);
    - money (``float64``, in the money unit set, 万元 by default, rounded half up to two decimals):
      近三年运维收入总额（万元）; the exact 元 are in the reports (:func:`omreview.zh.yuan`);
    - ratios (``float64``, 0.4125 is 41.25%): 运维收入占营业收入比例, 大专及以上学历人员比例;
    - 申请日期: ``datetime64[s]`` (a date, no time zone);
    - 结论时间, 审查时间, 撤回时间: ``datetime64[us, Asia/Shanghai]`` (the review body's zone,
      :func:`omreview.zh.time_zone`; stored in UTC). 撤回时间 is there only when some applicant in the frame was
      withdrawn from its intake.

    A key figure the report lacks (or that is no number) is missing (NaN / ``<NA>``). The exact ``Decimal``
    amounts stay in the reports and the checks; this frame is for looking, sorting and summing.
    """
    entries, decisions, conclusions = list(entries), list(decisions), list(conclusions)
    queue = queue_of(entries, decisions, conclusions)
    chosen = {e.row_id: e for e in (filter_entries(entries, applicant_filter, queue) if applicant_filter
                                    else entries)}
    review = default_rules().review
    columns = overview_columns()
    names = [c.name for c in columns]
    records = [_applicant_record(chosen[q.row_id], q, review) for q in queue if q.row_id in chosen]
    raw = pd.DataFrame.from_records(records, columns=names)
    frame = pd.DataFrame({c.name: _typed(raw[c.name], c.kind) for c in columns}, columns=names)
    if not frame[WITHDRAWN_AT].notna().any():
        frame = frame.drop(columns=WITHDRAWN_AT)
    return frame


def conclusion_rows(entries: Sequence[StoredApplicant], conclusions: Iterable[ConclusionEvent],
                    rules: ReviewRules | None = None) -> list[dict[str, Any]]:
    """The 评审结论 trail (conclusions and reopenings, oldest first; the newest of an applicant is in force), masked."""
    review = rules or default_rules().review
    ids = {e.row_id: e.applicant_id for e in entries}
    return [mask_any({
        ID: ids[c.applicant_row], "操作": review.actions[c.action.value],
        CONCLUSION: conclusion_label(c.conclusion, review) if c.conclusion else "",
        "意见或理由": c.opinion or c.reason or "", "机器结论": zh.verdict_label(c.machine_verdict),
        REVIEWER: c.reviewer, "时间": zh.local_time(c.acted_at),
    }) for c in sorted(conclusions, key=lambda c: (c.id is None, c.id or 0, c.acted_at)) if c.applicant_row in ids]


def check_rows(entries: Sequence[StoredApplicant], decisions: Iterable[ReviewerDecision],
               rules: Rules) -> list[dict[str, Any]]:
    """One row per applicant and check, with its values, evidence and the decision in force."""
    current = in_force(decisions)
    titles = {c.id: c.title for c in rules.checks}
    rows = []
    for e in entries:
        for c in e.report["checks"]:
            d = _decided(current, e.row_id, TargetKind.CHECK, c["id"])
            rows.append(mask_any({
                "申报编号": e.applicant_id, "检查项": zh.check_label(c["id"]), "条件": titles.get(c["id"], ""),
                "状态": zh.status_label(c["status"]), "发现": zh.amounts_in_text(c["message"]),
                "数值": values_text(c["values"]),
                "证据": "；".join(f"{source_label(s)} {s.get('text') or ''}".strip() for s in c["evidence"]),
                "评审决定": describe(d), "评审人": d.reviewer if d else "",
            }))
    return rows


def discrepancy_rows(entries: Sequence[StoredApplicant], decisions: Iterable[ReviewerDecision]
                     ) -> list[dict[str, Any]]:
    """One row per discrepancy; its values side by side as 值1/来源1, 值2/来源2, …."""
    current = in_force(decisions)
    rows = []
    for e in entries:
        r = e.report
        for key, disc in zip(discrepancy_keys(r), r.get("discrepancies", []), strict=True):
            d = _decided(current, e.row_id, TargetKind.DISCREPANCY, key)
            row = {"申报编号": e.applicant_id, "数据项": zh.name_label(key),
                   "说明": zh.amounts_in_text(disc["message"])}
            for i, v in enumerate(disc["values"], start=1):
                row[f"值{i}"] = zh.value_text(key, v["value"])
                row[f"来源{i}"] = source_label(v.get("source"))
            row.update({"评审决定": describe(d), "评审人": d.reviewer if d else ""})
            rows.append(mask_any(row))
    return rows


def decision_rows(entries: Sequence[StoredApplicant], decisions: Iterable[ReviewerDecision]) -> list[dict[str, Any]]:
    """Every decision (the history), oldest first, with the machine result it was made on."""
    ids = {e.row_id: e.applicant_id for e in entries}
    return [mask_any({
        "申报编号": ids[d.applicant_row], "对象": zh.target_label(d.target_kind), "编号": target_text(d),
        "机器结果": machine_result(d), "决定": describe(d), "评审人": d.reviewer, "时间": zh.local_time(d.decided_at),
    }) for d in sorted(decisions, key=lambda d: (d.decided_at, d.id or 0)) if d.applicant_row in ids]


def target_text(d: ReviewerDecision) -> str:
    """What a decision is on, in words: ``B1 运维收入`` or ``人员名册第70行身份证号重复``."""
    return zh.check_label(d.target) if d.target_kind == TargetKind.CHECK else zh.name_label(d.target)


def machine_result(d: ReviewerDecision) -> str:
    """The machine's result a decision was made on: ``需复核 近三年运维收入总额…`` (its status, then its message)."""
    status = zh.status_label(d.machine_status) if d.machine_status else ""
    return f"{status} {zh.amounts_in_text(d.machine_message)}".strip()
