"""What reviewers look at: the batch overview as one typed DataFrame (:func:`overview_frame`), the checks,
discrepancies and decisions as plain rows; shared by the dashboard and the exports.

Every text that leaves here is masked (:func:`omreview.masking.mask_any`); reviewer decisions are
joined beside the machine results they concern, never in place of them. Thresholds come from the
rules file, never from literals here. Applicants withdrawn from their intake (their folder gone at a
batch) are left out unless asked for (:func:`present`, ``ApplicantFilter.include_withdrawn``); a
withdrawn one's row says since when (``撤回时间``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from omreview.decisions import ReviewerDecision, TargetKind, describe, discrepancy_keys, in_force
from omreview.masking import mask_any, mask_text
from omreview.model import CheckStatus, Verdict
from omreview.rules import Rules
from omreview.store import StoredApplicant

REVIEWERS_TIME_ZONE = "Asia/Shanghai"  # times and days in the overview are the reviewers' wall clock and calendar
VERDICT_LABELS = {Verdict.MEETS: "符合", Verdict.DOES_NOT_MEET: "不符合", Verdict.NEEDS_REVIEW: "需复核",
                  Verdict.INCOMPLETE: "材料不全"}
STATUS_LABELS = {CheckStatus.PASS: "通过", CheckStatus.FAIL: "不通过", CheckStatus.REVIEW: "需复核",
                 CheckStatus.MANUAL: "人工判断", CheckStatus.MISSING: "缺材料"}
KIND_LABELS = {"application_form": "申报表", "financial_statement": "审计报告", "staff_roster": "人员名册",
               "project_list": "项目清单", "contract": "合同", "certificate": "证书", "business_license": "营业执照",
               "unknown": "未识别"}
CERTIFICATE_LABELS = {"software_copyright": "软件著作权登记证书", "itss": "ITSS运维符合性证书",
                      "si_qualification": "系统集成资质证书", "patent": "专利证书",
                      "management_system": "管理体系认证证书", "other": "其他证书"}


def kind_label(document: dict[str, Any]) -> str:
    """A report document's kind in Chinese; a certificate with its type: ``证书（软件著作权登记证书）``."""
    kind = document["kind"]
    label = KIND_LABELS.get(kind, kind)
    cert = document.get("certificate_type")
    return f"{label}（{CERTIFICATE_LABELS.get(cert, cert)}）" if kind == "certificate" and cert else label


def verdict_label(verdict: str) -> str:
    """``needs_review（需复核）``: the contract's word, which reviewers search for, and its Chinese."""
    label = {v.value: text for v, text in VERDICT_LABELS.items()}.get(verdict)
    return f"{verdict}（{label}）" if label else verdict


def status_label(status: str) -> str:
    label = {s.value: text for s, text in STATUS_LABELS.items()}.get(status)
    return f"{status}（{label}）" if label else status


@dataclass(frozen=True)
class KeyFigure:
    """A figure charted against thresholds; ``thresholds`` name fields of ``rules.thresholds``."""

    name: str
    label: str
    unit: str
    thresholds: tuple[str, ...]


KEY_FIGURES = (
    KeyFigure("om_revenue_share", "运维收入占营业收入比例", "ratio", ("om_revenue_share_min",)),
    KeyFigure("om_revenue_3y", "近三年运维收入总额（元）", "CNY", ("om_revenue_3y_low", "om_revenue_3y_high")),
    KeyFigure("college_or_above_ratio", "大专及以上学历人员比例", "ratio", ("college_ratio_min",)),
    KeyFigure("om_staff_count", "运维人员数", "count", ("staff_min",)),
)


def thresholds_of(key: KeyFigure, rules: Rules) -> list[tuple[str, Decimal]]:
    return [(name, Decimal(getattr(rules.thresholds, name))) for name in key.thresholds]


def key_figure_rows(entries: Iterable[StoredApplicant], rules: Rules) -> list[dict[str, Any]]:
    """One row per applicant and key figure that has a value: the value and its lowest threshold."""
    rows = []
    for e in entries:
        figures = e.report.get("figures", {})
        for key in KEY_FIGURES:
            fig = figures.get(key.name)
            if not fig:
                continue
            value = Decimal(fig["value"])
            lowest = min(t for _, t in thresholds_of(key, rules))
            rows.append({"applicant": e.applicant_id, "figure": key.name, "label": key.label,
                         "value": float(value), "threshold": float(lowest), "meets": value >= lowest})
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
    reviewed_from: dt.date | None = None  # days of 审查时间 in the reviewers' time zone
    reviewed_to: dt.date | None = None
    include_withdrawn: bool = False


def reviewers_day(moment: dt.datetime) -> dt.date:
    """The day a moment falls on for the reviewers (:data:`REVIEWERS_TIME_ZONE`), as 审查时间 shows it."""
    return moment.astimezone(ZoneInfo(REVIEWERS_TIME_ZONE)).date()


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
        day = reviewers_day(e.updated_at)
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


def _values_text(values: dict[str, Any]) -> str:
    return "；".join(f"{k}={'' if v is None else v}" for k, v in mask_any(values).items())


def _decided(decisions: dict[tuple[int, TargetKind, str], ReviewerDecision], row: int, kind: TargetKind,
             target: str) -> ReviewerDecision | None:
    return decisions.get((row, kind, target))


# The overview's column kinds: how a column is typed in the frame, formatted in the dashboard and the workbook
TEXT, VERDICT, COUNT, MONEY, RATIO, DATE, TIME = "text", "verdict", "count", "money", "ratio", "date", "time"
_UNIT_KINDS = {"CNY": MONEY, "ratio": RATIO, "count": COUNT}
WITHDRAWN_AT = "撤回时间"


@dataclass(frozen=True)
class Column:
    """One column of :func:`overview_frame`: its Chinese header (what reviewers see) and its kind."""

    name: str
    kind: str


OVERVIEW_COLUMNS: tuple[Column, ...] = (
    Column("申报编号", TEXT), Column("企业名称", TEXT), Column("统一社会信用代码", TEXT), Column("推荐单位", TEXT),
    Column("申请放宽", TEXT), Column("结论", VERDICT), Column("不通过", TEXT), Column("需复核", TEXT),
    Column("缺材料", TEXT), Column("不一致数", COUNT), Column("待评审项", COUNT),
    *(Column(key.label, _UNIT_KINDS[key.unit]) for key in KEY_FIGURES),
    Column("缺少材料", TEXT), Column("申请日期", DATE), Column("批次", COUNT), Column("审查时间", TIME),
    Column(WITHDRAWN_AT, TIME),
)


def column_kinds(frame: pd.DataFrame) -> dict[str, str]:
    """The kind of each column of an overview frame, by header."""
    kinds = {c.name: c.kind for c in OVERVIEW_COLUMNS}
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
    return float(number)


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
            "结论": verdict_label(e.verdict),
            "不通过": " ".join(by_status.get("fail", [])), "需复核": " ".join(by_status.get("review", [])),
            "缺材料": " ".join(by_status.get("missing", [])),
            "缺少材料": "、".join(r.get("missing_inputs", [])),
        }),
        "不一致数": len(r.get("discrepancies", [])), "待评审项": open_items,
        **{key.label: _figure_number(figures[key.name]["value"], _UNIT_KINDS[key.unit]) if key.name in figures
           else None for key in KEY_FIGURES},
        "申请日期": e.application_date, "批次": e.batch_id, "审查时间": e.updated_at, WITHDRAWN_AT: e.withdrawn_at,
    }


def _typed(values: pd.Series, kind: str) -> pd.Series:
    if kind == TEXT:
        return values.astype("str")
    if kind == VERDICT:
        known = [verdict_label(v.value) for v in Verdict]
        others = sorted(set(values) - set(known))
        return values.astype(pd.CategoricalDtype([*known, *others], ordered=True))
    if kind == COUNT:
        return values.astype("Int64")
    if kind in (MONEY, RATIO):
        return values.astype("float64")
    if kind == DATE:
        return pd.to_datetime(values).astype("datetime64[s]")
    return pd.to_datetime(values, utc=True).dt.tz_convert(REVIEWERS_TIME_ZONE).astype(
        f"datetime64[us, {REVIEWERS_TIME_ZONE}]")


def overview_frame(entries: Iterable[StoredApplicant], decisions: Iterable[ReviewerDecision],
                   applicant_filter: ApplicantFilter | None = None) -> pd.DataFrame:
    """The batch overview, one row per applicant (those ``applicant_filter`` keeps, when given), typed.

    Shared by the dashboard's grid and the workbook's 申报企业 sheet. Columns (:data:`OVERVIEW_COLUMNS`), by kind:

    - text (``str``, masked): 申报编号, 企业名称, 统一社会信用代码, 推荐单位, 申请放宽 (是/否), 不通过 / 需复核 /
      缺材料 (the check ids in that status, space-separated), 缺少材料 (missing documents, 、-separated);
    - 结论: an ordered ``category`` of ``needs_review（需复核）``-style labels, in the order of :class:`Verdict`;
    - counts (``Int64``): 不一致数, 待评审项 (checks not passed and discrepancies without a decision in force),
      运维人员数, 批次 (missing: no batch);
    - money (``float64``, in 元, exact to the fen for any amount under 10¹³ 元): 近三年运维收入总额（元）;
    - ratios (``float64``, 0.4125 is 41.25%): 运维收入占营业收入比例, 大专及以上学历人员比例;
    - 申请日期: ``datetime64[s]`` (a date, no time zone);
    - 审查时间, 撤回时间: ``datetime64[us, Asia/Shanghai]`` (:data:`REVIEWERS_TIME_ZONE`; stored in UTC).
      撤回时间 is there only when some applicant in the frame was withdrawn from its intake.

    A key figure the report lacks (or that is no number) is missing (NaN / ``<NA>``). The exact ``Decimal``
    amounts stay in the reports and the checks; this frame is for looking, sorting and summing.
    """
    current = in_force(decisions)
    chosen = filter_entries(entries, applicant_filter) if applicant_filter else list(entries)
    names = [c.name for c in OVERVIEW_COLUMNS]
    raw = pd.DataFrame.from_records([_applicant_record(e, current) for e in chosen], columns=names)
    frame = pd.DataFrame({c.name: _typed(raw[c.name], c.kind) for c in OVERVIEW_COLUMNS}, columns=names)
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
                "申报编号": e.applicant_id, "检查项": c["id"], "条件": titles.get(c["id"], ""),
                "状态": status_label(c["status"]), "发现": c["message"], "数值": _values_text(c["values"]),
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
            row = {"申报编号": e.applicant_id, "数据项": key, "说明": disc["message"]}
            for i, v in enumerate(disc["values"], start=1):
                row[f"值{i}"] = v["value"]
                row[f"来源{i}"] = source_label(v.get("source"))
            row.update({"评审决定": describe(d), "评审人": d.reviewer if d else ""})
            rows.append(mask_any(row))
    return rows


def decision_rows(entries: Sequence[StoredApplicant], decisions: Iterable[ReviewerDecision]) -> list[dict[str, Any]]:
    """Every decision (the history), oldest first, with the machine result it was made on."""
    ids = {e.row_id: e.applicant_id for e in entries}
    return [mask_any({
        "申报编号": ids[d.applicant_row], "对象": "检查项" if d.target_kind == TargetKind.CHECK else "不一致",
        "编号": d.target, "机器结果": f"{d.machine_status or ''} {d.machine_message}".strip(),
        "决定": describe(d), "评审人": d.reviewer, "时间": d.decided_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
    }) for d in sorted(decisions, key=lambda d: (d.decided_at, d.id or 0)) if d.applicant_row in ids]
