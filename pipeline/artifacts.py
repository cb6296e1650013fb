"""The content of the flows' artifacts: a markdown page per applicant, a table per batch (no Prefect here).

Artifacts are read by reviewers in the Prefect UI, so they are in Chinese (:mod:`omreview.zh`: labels, no
codes; amounts in 万元). They are shown to everyone with access to the Prefect UI, so they carry no personal data:
only the report's own texts (which mask 身份证号 and people's names) and figures, and every text
passes through ``scrub``, which masks anything that still reads as a valid 身份证号. Evidence
sources (the text printed in a document) are left out.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from omreview import zh
from omreview.identifiers import is_valid_id_number, mask_id_number
from omreview.intake import BatchSummary, Outcome, Row
from omreview.model import CheckStatus, Report

# key figures of the batch table, in this order (their columns are headed by their labels in omreview.zh)
KEY_FIGURES = ("om_revenue_3y", "om_revenue_share", "om_staff_count", "college_or_above_ratio")
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def scrub(text: str) -> str:
    """``text`` with every valid 身份证号 masked (1101**********1234)."""
    return _ID_LIKE.sub(lambda m: mask_id_number(m.group()) if is_valid_id_number(m.group()) else m.group(), text)


def artifact_key(prefix: str, name: str) -> str:
    """A key Prefect accepts (lowercase letters, digits, dashes), distinct for distinct names.

    ``app-07`` → ``applicant-app-07``; a name that is not already such a slug (``北京某公司``,
    ``App_07``) or is very long gets a short hash of itself, so two names do not share a key.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if slug != name or not slug or len(slug) > 60:
        slug = "-".join(filter(None, [slug[:40].strip("-"), hashlib.sha256(name.encode()).hexdigest()[:8]]))
    return f"{prefix}-{slug}"


def _cell(text: str) -> str:
    return scrub(text).replace("|", "\\|").replace("\n", " ")


def applicant_markdown(report: Report) -> str:
    """Verdict, failing and review checks, discrepancies and missing inputs of one report, in Chinese."""
    return "\n".join([
        *_heading_lines(report),
        *_missing_lines(report),
        *_check_lines(report),
        *_discrepancy_lines(report),
        *_ocr_lines(report),
        *_unreadable_lines(report),
    ])


def _heading_lines(report: Report) -> list[str]:
    """The title (applicant and verdict) and the facts under it: company, dates, rules, file counts."""
    a = report.applicant
    lines = [f"# {_cell(a.id)}：{zh.verdict_label(report.verdict)}", ""]
    if a.name:
        lines.append(f"- 企业名称：{_cell(a.name)}")
    unreadable = sum(1 for d in report.documents if d.status == "error")
    years = "、".join(map(str, report.fiscal_years))
    lines += [f"- 申请日期：{report.application_date.isoformat()}；审查年度：{years}",
              f"- 规则版本：{report.rules_version}；omreview {report.omreview_version}",
              f"- 文件：{len(report.documents)}个，无法读取：{unreadable}个", ""]
    return lines


def _missing_lines(report: Report) -> list[str]:
    """The missing inputs as a list, or nothing when none is missing."""
    if not report.missing_inputs:
        return []
    return ["## 缺少或无法读取的材料", "", *[f"- {_cell(m)}" for m in report.missing_inputs], ""]


def _check_lines(report: Report) -> list[str]:
    """A table per status a reviewer must look at (fail, review, missing); a status no check has gets none."""
    lines: list[str] = []
    for status in (CheckStatus.FAIL, CheckStatus.REVIEW, CheckStatus.MISSING):
        checks = [c for c in report.checks if c.status is status]
        if checks:
            lines += [f"## 检查项：{zh.status_label(status)}", "", "| 检查项 | 审查发现 |", "|---|---|",
                      *[f"| {zh.check_label(c.id)} | {_cell(zh.amounts_in_text(c.message))} |" for c in checks], ""]
    return lines


def _discrepancy_lines(report: Report) -> list[str]:
    """The discrepancies between documents as a table, or nothing when there are none."""
    if not report.discrepancies:
        return []
    return ["## 材料间不一致", "", "| 数据项 | 说明 |", "|---|---|",
            *[f"| {_cell(zh.name_label(d.figure))} | {_cell(zh.amounts_in_text(d.message))} |"
              for d in report.discrepancies], ""]


def _ocr_lines(report: Report) -> list[str]:
    """The documents read by OCR and the checks resting on a low-confidence value, or nothing without OCR."""
    scanned = [d for d in report.documents if d.ocr]
    if not scanned:
        return []
    doubtful = [zh.check_label(c.id) for c in report.checks if "ocr_low_confidence" in c.values]
    return ["## 经OCR识别的文件（扫描件）", "",
            *[f"- {_cell(d.file)}" + (f"（{d.pages}页）" if d.pages else "") for d in scanned], "",
            "识别置信度低的数值所涉检查项：" + ("、".join(doubtful) if doubtful else "无") + "。", ""]


def _unreadable_lines(report: Report) -> list[str]:
    """The files that could not be read and why, or nothing when every file was read."""
    errors = [d for d in report.documents if d.status == "error"]
    if not errors:
        return []
    return ["## 无法读取的文件", "", "| 文件 | 原因 |", "|---|---|",
            *[f"| {_cell(d.file)} | {_cell(d.error or '')} |" for d in errors], ""]


def batch_table(summary: BatchSummary) -> list[dict[str, Any]]:
    """One row per applicant, headed in Chinese: outcome, verdict, checks, key figures (as reviewers write them)
    and the reason of an applicant not reviewed; every column on every row, empty where it does not apply."""
    return [_table_row(row) for row in sorted(summary.rows, key=lambda r: r.applicant)]


def _table_row(row: Row) -> dict[str, Any]:
    glance = row.glance
    out: dict[str, Any] = {"申报编号": scrub(row.applicant), "处理结果": zh.outcome_label(row.outcome),
                           "结论": "", "不通过": "", "需复核或无法判断": "", "材料间不一致": ""}
    if glance is not None:
        out.update({
            "结论": zh.verdict_label(glance.verdict),
            "不通过": zh.checks_text(list(glance.failing)),
            "需复核或无法判断": zh.checks_text(list(glance.unsure)),
            "材料间不一致": str(glance.discrepancies),
        })
    figures = dict(glance.figures) if glance is not None else {}
    for name in KEY_FIGURES:
        out[zh.name_label(name)] = zh.value_text(name, figures[name]) if name in figures else ""
    out["原因"] = scrub(row.error) if row.error is not None else ""
    return out


def batch_markdown(summary: BatchSummary) -> str:
    """The batch table artifact's description: ``omreview 批次：21家申报企业（规则 2012.6）：已审查19家，…``."""
    counts = "，".join(f"{zh.outcome_label(o)}{summary.count(o)}家" for o in Outcome if summary.count(o))
    return f"omreview 批次：{len(summary.rows)}家申报企业（规则 {summary.rules_version}）：{counts}"
