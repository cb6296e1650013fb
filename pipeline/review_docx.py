"""The 评审报告 draft of one applicant (.docx): each condition, the finding, the evidence, the decisions.

A draft for the reviewer to complete, not a verdict: the machine's finding and the reviewer's
decision stand side by side. Every text is masked (personal data never reaches the document).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from docx import Document as new_document
from docx.document import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from omreview.decisions import ReviewerDecision, TargetKind, describe, discrepancy_keys
from omreview.masking import mask_text
from omreview.overview import kind_label, source_label, status_label, verdict_label
from omreview.rules import Rules
from omreview.store import StoredApplicant

_FONT = "宋体"


def _m(text: Any) -> str:
    return mask_text("" if text is None else str(text)) or ""


def _base_font(doc: Document) -> None:
    style = doc.styles["Normal"]
    style.font.name = _FONT
    style.font.size = Pt(10.5)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), _FONT)


def _table(doc: Document, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = _m(text)


def _decisions(doc: Document, history: list[ReviewerDecision]) -> None:
    if not history:
        doc.add_paragraph("评审意见：（待评审）")
        return
    doc.add_paragraph(f"评审意见：{_m(describe(history[-1]))}")
    for d in history[:-1]:
        doc.add_paragraph(f"此前：{_m(describe(d))}", style="List Bullet")


def review_document(entry: StoredApplicant, decisions: Sequence[ReviewerDecision], rules: Rules) -> Document:
    """Build the draft; the caller saves it."""
    report = entry.report
    by_target = _decisions_by_target(entry, decisions)
    doc = new_document()
    _base_font(doc)
    _cover(doc, entry)
    _checks_section(doc, report, rules, by_target)
    _discrepancies_section(doc, report, by_target)
    _documents_section(doc, report)
    _conclusion_section(doc, report)
    return doc


_ByTarget = dict[tuple[TargetKind, str], list[ReviewerDecision]]


def _decisions_by_target(entry: StoredApplicant, decisions: Sequence[ReviewerDecision]) -> _ByTarget:
    """This applicant's decisions per check or discrepancy, oldest first (the last one is the standing one)."""
    by_target: _ByTarget = {}
    for d in sorted((d for d in decisions if d.applicant_row == entry.row_id), key=lambda d: (d.decided_at, d.id or 0)):
        by_target.setdefault((d.target_kind, d.target), []).append(d)
    return by_target


def _cover(doc: Document, entry: StoredApplicant) -> None:
    """The title, the note that this is a draft, and the applicant's facts table."""
    report = entry.report
    applicant = report["applicant"]
    doc.add_heading("计算机信息系统集成企业资质运行维护能力评定 评审报告（草稿）", level=0)
    doc.add_paragraph("本稿由 omreview 根据申报材料自动生成，供评审人员核对、修改后签署；机器审查结果与评审意见分列。")
    _table(doc, ["项目", "内容"], [
        ["申报企业", applicant.get("name") or "（未识别）"], ["申报编号", applicant["id"]],
        ["统一社会信用代码", applicant.get("credit_code") or ""],
        ["推荐单位", applicant.get("recommending_authority") or ""],
        ["申请放宽条件", "是" if applicant.get("relaxation_requested") else "否"],
        ["申请日期", report["application_date"]], ["审查年度", "、".join(str(y) for y in report["fiscal_years"])],
        ["机器审查结论", verdict_label(report["verdict"])], ["规则版本", report["rules_version"]],
        ["审查时间", entry.updated_at.strftime("%Y-%m-%d %H:%M UTC")],
        ["缺少或无法读取的材料", "、".join(report.get("missing_inputs", [])) or "无"],
    ])


def _checks_section(doc: Document, report: dict[str, Any], rules: Rules, by_target: _ByTarget) -> None:
    """Section 一: per condition the machine's status and finding, its values and evidence, then the decisions."""
    doc.add_heading("一、评定条件逐项审查", level=1)
    titles = {c.id: c.title for c in rules.checks}
    for check in report["checks"]:
        doc.add_heading(f"{check['id']} {titles.get(check['id'], '')}", level=2)
        doc.add_paragraph(f"机器审查：{status_label(check['status'])}")
        doc.add_paragraph(f"审查发现：{_m(check['message'])}")
        if check["values"]:
            _table(doc, ["数值", "内容"], [[k, "" if v is None else v] for k, v in check["values"].items()])
        if check["evidence"]:
            doc.add_paragraph("证据：")
            for src in check["evidence"]:
                doc.add_paragraph(_m(f"{source_label(src)}　{src.get('text') or ''}".strip()), style="List Bullet")
        _decisions(doc, by_target.get((TargetKind.CHECK, check["id"]), []))


def _discrepancies_section(doc: Document, report: dict[str, Any], by_target: _ByTarget) -> None:
    """Section 二: each discrepancy between documents with the values and where they were read, then the decisions."""
    doc.add_heading("二、材料间不一致", level=1)
    if not report.get("discrepancies"):
        doc.add_paragraph("未发现材料间不一致。")
    for key, disc in zip(discrepancy_keys(report), report.get("discrepancies", []), strict=True):
        doc.add_heading(key, level=2)
        doc.add_paragraph(_m(disc["message"]))
        _table(doc, ["值", "来源", "原文"], [[v["value"], source_label(v.get("source")),
                                          (v.get("source") or {}).get("text") or ""] for v in disc["values"]])
        _decisions(doc, by_target.get((TargetKind.DISCREPANCY, key), []))


def _documents_section(doc: Document, report: dict[str, Any]) -> None:
    """Section 三: one row per file of the application, with its kind, year, status and whether OCR read it."""
    doc.add_heading("三、申报材料", level=1)
    _table(doc, ["文件", "类型", "年度", "状态", "问题", "页数", "OCR识别"], [
        [d["file"], kind_label(d), d.get("fiscal_year") or "", d["status"],
         d.get("error") or "", d.get("pages") or "", "是" if d.get("ocr") else ""] for d in report["documents"]])


def _conclusion_section(doc: Document, report: dict[str, Any]) -> None:
    """Section 四: the machine's verdict, the lines the reviewer signs, and the document's title and date."""
    doc.add_heading("四、评审结论", level=1)
    doc.add_paragraph(f"机器审查结论：{verdict_label(report['verdict'])}。")
    doc.add_paragraph("评审结论：＿＿＿＿＿＿＿＿　　评审人员（签字）：＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日")
    doc.core_properties.title = f"评审报告（草稿）{report['applicant']['id']}"
    doc.core_properties.created = dt.datetime.now(dt.UTC).replace(tzinfo=None)
