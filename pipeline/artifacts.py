"""The content of the flows' artifacts: a markdown page per applicant, a table per batch (no Prefect here).

Artifacts are shown to everyone with access to the Prefect UI, so they carry no personal data:
only the report's own texts (which mask 身份证号 and people's names) and figures, and every text
passes through ``scrub``, which masks anything that still reads as a valid 身份证号. Evidence
sources (the text printed in a document) are left out.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from omreview.identifiers import is_valid_id_number, mask_id_number
from omreview.intake import BatchSummary, Outcome, Row
from omreview.model import CheckStatus, Report

# key figures of the batch table: (figure name, column)
KEY_FIGURES = (
    ("om_revenue_3y", "om_revenue_3y"),
    ("om_revenue_share", "om_revenue_share"),
    ("om_staff_count", "om_staff"),
    ("college_or_above_ratio", "college_ratio"),
)
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
    """Verdict, failing and review checks, discrepancies and missing inputs of one report."""
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
    lines = [f"# {_cell(a.id)}: {report.verdict.value}", ""]
    if a.name:
        lines.append(f"- company: {_cell(a.name)}")
    lines += [f"- application date: {report.application_date.isoformat()}; fiscal years: "
              f"{', '.join(map(str, report.fiscal_years))}",
              f"- rules {report.rules_version}, omreview {report.omreview_version}",
              f"- files: {len(report.documents)}, unreadable: "
              f"{sum(1 for d in report.documents if d.status == 'error')}", ""]
    return lines


def _missing_lines(report: Report) -> list[str]:
    """The missing inputs as a list, or nothing when none is missing."""
    if not report.missing_inputs:
        return []
    return ["## Missing inputs", "", *[f"- {_cell(m)}" for m in report.missing_inputs], ""]


def _check_lines(report: Report) -> list[str]:
    """A table per status a reviewer must look at (fail, review, missing); a status no check has gets none."""
    lines: list[str] = []
    for title, status in (("Failing checks", CheckStatus.FAIL), ("Checks for review", CheckStatus.REVIEW),
                          ("Checks that could not be judged", CheckStatus.MISSING)):
        checks = [c for c in report.checks if c.status is status]
        if checks:
            lines += [f"## {title}", "", "| check | message |", "|---|---|",
                      *[f"| {c.id} | {_cell(c.message)} |" for c in checks], ""]
    return lines


def _discrepancy_lines(report: Report) -> list[str]:
    """The discrepancies between documents as a table, or nothing when there are none."""
    if not report.discrepancies:
        return []
    return ["## Discrepancies", "", "| figure | message |", "|---|---|",
            *[f"| {_cell(d.figure)} | {_cell(d.message)} |" for d in report.discrepancies], ""]


def _ocr_lines(report: Report) -> list[str]:
    """The documents read by OCR and the checks resting on a low-confidence value, or nothing without OCR."""
    scanned = [d for d in report.documents if d.ocr]
    if not scanned:
        return []
    doubtful = [c.id for c in report.checks if "ocr_low_confidence" in c.values]
    return ["## Read by OCR (scanned pages)", "",
            *[f"- {_cell(d.file)}" + (f" ({d.pages} pages)" if d.pages else "") for d in scanned], "",
            "Checks resting on a value read with low confidence: "
            + (", ".join(doubtful) if doubtful else "none") + ".", ""]


def _unreadable_lines(report: Report) -> list[str]:
    """The files that could not be read and why, or nothing when every file was read."""
    errors = [d for d in report.documents if d.status == "error"]
    if not errors:
        return []
    return ["## Unreadable files", "", "| file | reason |", "|---|---|",
            *[f"| {_cell(d.file)} | {_cell(d.error or '')} |" for d in errors], ""]


def batch_table(summary: BatchSummary) -> list[dict[str, Any]]:
    """One row per applicant: outcome, verdict, check counts and key figures."""
    return [_table_row(row) for row in sorted(summary.rows, key=lambda r: r.applicant)]


def _table_row(row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {"applicant": scrub(row.applicant), "status": row.outcome.value, "verdict": None,
                           "failing": "", "review": "", "discrepancies": None}
    report = row.report
    if report is not None:
        out.update(
            verdict=report.verdict.value,
            failing=" ".join(c.id for c in report.checks if c.status is CheckStatus.FAIL),
            review=" ".join(c.id for c in report.checks if c.status in (CheckStatus.REVIEW, CheckStatus.MISSING)),
            discrepancies=len(report.discrepancies),
        )
    for name, column in KEY_FIGURES:
        figure = report.figures.get(name) if report is not None else None
        out[column] = figure.value if figure is not None else None
    if row.error is not None:
        out["error"] = scrub(row.error)
    return out


def batch_markdown(summary: BatchSummary) -> str:
    """A short description for the batch table artifact."""
    counts = ", ".join(f"{summary.count(o)} {o.value}" for o in Outcome if summary.count(o))
    return f"omreview batch of {len(summary.rows)} applicant(s), rules {summary.rules_version}: {counts}"
