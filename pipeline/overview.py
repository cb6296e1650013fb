"""What reviewers look at: the batch overview as one typed DataFrame (:func:`overview_frame`), the checks,
discrepancies and decisions as plain rows; shared by the dashboard and the exports.

Every text that leaves here is masked (:func:`omreview.masking.mask_any`); reviewer decisions are
joined beside the machine results they concern, never in place of them. Thresholds come from the
rules file, never from literals here. Applicants withdrawn from their intake (their folder gone at a
batch) are left out unless asked for (:func:`present`, ``ApplicantFilter.include_withdrawn``); a
withdrawn one's row says since when (``撤回时间``).

What people read is Chinese (:mod:`omreview.zh`): labels instead of codes, amounts in 万元 (or 元), ratios as
percentages, times on the review body's clock; the codes stay in report.json.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from omreview import zh
from omreview.decisions import ReviewerDecision, TargetKind, describe, discrepancy_keys, in_force
from omreview.masking import mask_any, mask_text
from omreview.model import CheckStatus, Verdict
from omreview.rules import Rules
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


@dataclass(frozen=True)
class ApplicantFilter:
    """Empty sets mean "any"; ``checks`` keeps applicants where any of them has a status in ``check_statuses``."""

    verdicts: frozenset[str] = frozenset()
    checks: frozenset[str] = frozenset()
    check_statuses: frozenset[str] = field(default_factory=lambda: frozenset({CheckStatus.FAIL.value}))
    batches: frozenset[int | None] = frozenset()
    reviewed_from: dt.date | None = None  # days of 审查时间 in the review body's time zone (omreview.zh)
    reviewed_to: dt.date | None = None
    include_withdrawn: bool = False


def present(entries: Iterable[StoredApplicant], include_withdrawn: bool = False) -> list[StoredApplicant]:
    """The applicants still in their intake (all of them with ``include_withdrawn``)."""
    return [e for e in entries if include_withdrawn or e.withdrawn_at is None]


def filter_entries(entries: Iterable[StoredApplicant], f: ApplicantFilter) -> list[StoredApplicant]:
    out = []
    for e in present(entries, f.include_withdrawn):
        if f.verdicts and e.verdict not in f.verdicts:
            continue
        if f.checks and not any(c["id"] in f.checks and c["status"] in f.check_statuses
                                for c in e.report.get("checks", [])):
            continue
        if f.batches and e.batch_id not in f.batches:
            continue
        day = zh.local_day(e.updated_at)
        if (f.reviewed_from and day < f.reviewed_from) or (f.reviewed_to and day > f.reviewed_to):
            continue
        out.append(e)
    return out


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
TEXT, VERDICT, COUNT, MONEY, RATIO, DATE, TIME = "text", "verdict", "count", "money", "ratio", "date", "time"
_UNIT_KINDS = {"CNY": MONEY, "ratio": RATIO, "count": COUNT, "years": COUNT}
WITHDRAWN_AT = "撤回时间"


@dataclass(frozen=True)
class Column:
    """One column of :func:`overview_frame`: its Chinese header (what reviewers see) and its kind."""

    name: str
    kind: str


# the columns listing the checks in a status: headed by the status's label (不通过, 需复核, 无法判断)
STATUS_COLUMNS = (CheckStatus.FAIL, CheckStatus.REVIEW, CheckStatus.MISSING)


def overview_columns() -> tuple[Column, ...]:
    """The columns of :func:`overview_frame`; an amount's header names the money unit set (``…（万元）``)."""
    return (
        Column("申报编号", TEXT), Column("企业名称", TEXT), Column("统一社会信用代码", TEXT), Column("推荐单位", TEXT),
        Column("申请放宽", TEXT), Column("结论", VERDICT), *(Column(zh.status_label(s), TEXT) for s in STATUS_COLUMNS),
        Column("不一致数", COUNT), Column("待评审项", COUNT),
        *(Column(key.column, _UNIT_KINDS[key.unit]) for key in KEY_FIGURES),
        Column("缺少材料", TEXT), Column("申请日期", DATE), Column("批次", COUNT), Column("审查时间", TIME),
        Column(WITHDRAWN_AT, TIME),
    )


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


def _applicant_record(e: StoredApplicant, current: dict[tuple[int, TargetKind, str], ReviewerDecision]
                      ) -> dict[str, Any]:
    r = e.report
    by_status: dict[str, list[str]] = {}
    for c in r["checks"]:
        by_status.setdefault(c["status"], []).append(c["id"])
    targets = [(TargetKind.CHECK, c["id"]) for c in r["checks"] if c["status"] != CheckStatus.PASS]
    targets += [(TargetKind.DISCREPANCY, k) for k in discrepancy_keys(r)]
    open_items = sum(1 for kind, t in targets if _decided(current, e.row_id, kind, t) is None)
    figures = r.get("figures", {})
    return {
        **mask_any({
            "申报编号": e.applicant_id, "企业名称": r["applicant"].get("name") or "",
            "统一社会信用代码": r["applicant"].get("credit_code") or "",
            "推荐单位": r["applicant"].get("recommending_authority") or "",
            "申请放宽": "是" if r["applicant"].get("relaxation_requested") else "否",
            "结论": zh.verdict_label(e.verdict),
            **{zh.status_label(s): zh.checks_text(by_status.get(s.value, [])) for s in STATUS_COLUMNS},
            "缺少材料": "、".join(r.get("missing_inputs", [])),
        }),
        "不一致数": len(r.get("discrepancies", [])), "待评审项": open_items,
        **{key.column: _figure_number(figures[key.name]["value"], _UNIT_KINDS[key.unit]) if key.name in figures
           else None for key in KEY_FIGURES},
        "申请日期": e.application_date, "批次": e.batch_id, "审查时间": e.updated_at, WITHDRAWN_AT: e.withdrawn_at,
    }


def _typed(values: pd.Series, kind: str) -> pd.Series:
    if kind == TEXT:
        return values.astype("str")
    if kind == VERDICT:
        known = [zh.verdict_label(v) for v in Verdict]
        others = sorted(set(values) - set(known))
        return values.astype(pd.CategoricalDtype([*known, *others], ordered=True))
    if kind == COUNT:
        return values.astype("Int64")
    if kind in (MONEY, RATIO):
        return values.astype("float64")
    if kind == DATE:
        return pd.to_datetime(values).astype("datetime64[s]")
    zone = zh.time_zone().key
    return pd.to_datetime(values, utc=True).dt.tz_convert(zone).astype(f"datetime64[us, {zone}]")


def overview_frame(entries: Iterable[StoredApplicant], decisions: Iterable[ReviewerDecision],
                   applicant_filter: ApplicantFilter | None = None) -> pd.DataFrame:
    """The batch overview, one row per applicant (those ``applicant_filter`` keeps, when given), typed.

    Shared by the dashboard's grid and the workbook's 申报企业 sheet. Columns (:func:`overview_columns`), by kind:

    - text (``str``, masked): 申报编号, 企业名称, 统一社会信用代码, 推荐单位, 申请放宽 (是/否), 不通过 / 需复核 /
      无法判断 (the checks in that status with their short names, ``B1 运维收入、T2 运维人员及学历``), 缺少材料
      (missing documents, 、-separated);
    - 结论: an ordered ``category`` of the verdicts' labels (符合, 不符合, 需复核, 材料不全), in that order;
    - counts (``Int64``): 不一致数, 待评审项 (checks not passed and discrepancies without a decision in force),
      运维人员数, 批次 (missing: no batch);
    - money (``float64``, in the money unit set, 万元 by default, rounded half up to two decimals):
      近三年运维收入总额（万元）; the exact 元 are in the reports (:func:`omreview.zh.yuan`);
    - ratios (``float64``, 0.4125 is 41.25%): 运维收入占营业收入比例, 大专及以上学历人员比例;
    - 申请日期: ``datetime64[s]`` (a date, no time zone);
    - 审查时间, 撤回时间: ``datetime64[us, Asia/Shanghai]`` (the review body's zone, :func:`omreview.zh.time_zone`;
      stored in UTC). 撤回时间 is there only when some applicant in the frame was withdrawn from its intake.

    A key figure the report lacks (or that is no number) is missing (NaN / ``<NA>``). The exact ``Decimal``
    amounts stay in the reports and the checks; this frame is for looking, sorting and summing.
    """
    current = in_force(decisions)
    chosen = filter_entries(entries, applicant_filter) if applicant_filter else list(entries)
    columns = overview_columns()
    names = [c.name for c in columns]
    raw = pd.DataFrame.from_records([_applicant_record(e, current) for e in chosen], columns=names)
    frame = pd.DataFrame({c.name: _typed(raw[c.name], c.kind) for c in columns}, columns=names)
    if not frame[WITHDRAWN_AT].notna().any():
        frame = frame.drop(columns=WITHDRAWN_AT)
    return frame


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
