"""The 评审报告 draft of one applicant (.docx): each condition, the finding, the evidence, the decisions.

A draft for the reviewer to complete, not a verdict: the machine's finding and the reviewer's
decision stand side by side. Every text is masked (personal data never reaches the document).

Fit to print as Chinese official documents are (GB/T 9704): A4, margins 37/35 mm top/bottom and 28/26 mm
left/right, 宋体 text and 黑体 headings in black; a header with the applicant and its 申报编号, and
``第 X 页 共 Y 页`` in the footer (Word fields, so the numbers are right however the pages fall). Every label,
amount and time as reviewers read it (:mod:`omreview.zh`): no codes, 万元 with the exact 元, local time.

Section 三 also holds 项目与合同 where the folder has contracts (#18): each project of the form beside its contract,
the disagreeing lines marked, why a project counts only on the form's word, and the pictures of the contract's
amount and parties cut from the originals (``omreview.crops``, found as the dashboard finds them); without the
originals it says ``原件不可用，未附截图`` and lists the values with their file and page.

Section 四 评审结论 is a hook: :func:`review_document` takes a :data:`ConclusionSection` that writes the
reviewers' conclusion there; without one the section holds the machine's verdict and lines to sign. The exports
pass :func:`conclusion_section`: the 评审结论 in force (conclusion, opinion masked, reviewer, local time) or
``评审结论：待评审``, then the reviewer's decisions in force as a table.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from docx import Document as new_document
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from omreview import zh
from omreview.conclusions import ConclusionEvent, conclusion_label
from omreview.crops import SourceUnavailable, applicant_folder, source_crop
from omreview.decisions import ReviewerDecision, TargetKind, describe, discrepancy_keys, in_force
from omreview.masking import mask_text
from omreview.overview import machine_result, source_label, target_text
from omreview.project_contracts import ProjectView, declared_only_note, project_views
from omreview.rules import Rules
from omreview.store import StoredApplicant

_FONT, _HEADING_FONT = "宋体", "黑体"
# GB/T 9704 (党政机关公文格式): A4, top 37 mm, bottom 35 mm, left 28 mm, right 26 mm
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}

ConclusionSection = Callable[[Document], None]
"""The hook for section 四 评审结论: writes the reviewers' conclusion (opinion, reviewer, time) under its heading."""


def _m(text: Any) -> str:
    return mask_text("" if text is None else str(text)) or ""


def _base_font(doc: Document) -> None:
    """宋体 五号 for the text; 黑体 in black for the title and headings (Word's default headings are blue)."""
    style = doc.styles["Normal"]
    style.font.name = _FONT
    style.font.size = Pt(10.5)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), _FONT)
    for name, size in (("Title", 18), ("Heading 1", 14), ("Heading 2", 12)):
        heading = doc.styles[name]
        heading.font.name, heading.font.size, heading.font.bold = _HEADING_FONT, Pt(size), True
        heading.font.color.rgb = RGBColor(0, 0, 0)
        heading.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), _HEADING_FONT)


def _page(doc: Document, report: dict[str, Any]) -> None:
    """A4 with the margins of official documents; the applicant in the header, the page numbers in the footer."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    applicant = report["applicant"]
    header = section.header.paragraphs[0]
    header.text = _m(f"{applicant.get('name') or '（企业名称未识别）'}　　申报编号：{applicant['id']}")
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    _field(footer, "PAGE")
    footer.add_run(" 页 共 ")
    _field(footer, "NUMPAGES")
    footer.add_run(" 页")


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (``PAGE``, ``NUMPAGES``) that Word fills in when it lays the pages out; 1 until then."""
    _field_char(paragraph, "begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    paragraph.add_run()._r.append(code)
    _field_char(paragraph, "separate")
    paragraph.add_run("1")
    _field_char(paragraph, "end")


def _field_char(paragraph: Paragraph, kind: str) -> None:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    paragraph.add_run()._r.append(char)


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


def review_document(entry: StoredApplicant, decisions: Sequence[ReviewerDecision], rules: Rules,
                    conclusion: ConclusionSection | None = None, intake: Path | None = None) -> Document:
    """Build the draft; the caller saves it. ``conclusion`` writes section 四 评审结论 (the reviewers' conclusion);
    without it the section holds the machine's verdict and blank lines to sign. ``intake``: where the applicant
    folders are (the dashboard's ``--intake``), else the batch's intake as the store recorded it; the contracts'
    crops are taken from the originals there (:func:`omreview.crops.applicant_folder`)."""
    report = entry.report
    by_target = _decisions_by_target(entry, decisions)
    doc = new_document()
    _base_font(doc)
    _page(doc, report)
    _cover(doc, entry)
    _checks_section(doc, report, rules, by_target)
    _discrepancies_section(doc, report, by_target)
    _documents_section(doc, report)
    _projects_section(doc, entry, intake)
    _conclusion_section(doc, report, conclusion)
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
        ["机器审查结论", zh.verdict_label(report["verdict"])], ["规则版本", report["rules_version"]],
        ["审查时间", zh.local_time(entry.updated_at)],
        ["缺少或无法读取的材料", "、".join(report.get("missing_inputs", [])) or "无"],
    ])


def _checks_section(doc: Document, report: dict[str, Any], rules: Rules, by_target: _ByTarget) -> None:
    """Section 一: per condition the machine's status and finding, its values and evidence, then the decisions."""
    doc.add_heading("一、评定条件逐项审查", level=1)
    titles = {c.id: c.title for c in rules.checks}
    for check in report["checks"]:
        doc.add_heading(f"{check['id']} {titles.get(check['id'], '')}", level=2)
        doc.add_paragraph(f"机器审查：{zh.status_label(check['status'])}")
        doc.add_paragraph(f"审查发现：{_m(zh.amounts_in_text(check['message']))}")
        if check["values"]:
            _table(doc, ["数值", "内容"],
                   [[zh.name_label(k), zh.value_detail(k, v)] for k, v in check["values"].items()])
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
        doc.add_heading(zh.name_label(key), level=2)
        doc.add_paragraph(_m(zh.amounts_in_text(disc["message"])))
        _table(doc, ["值", "来源", "原文"], [[zh.value_detail(key, v["value"]), source_label(v.get("source")),
                                          (v.get("source") or {}).get("text") or ""] for v in disc["values"]])
        _decisions(doc, by_target.get((TargetKind.DISCREPANCY, key), []))


def _documents_section(doc: Document, report: dict[str, Any]) -> None:
    """Section 三: one row per file of the application, with its kind, year, status and whether OCR read it."""
    doc.add_heading("三、申报材料", level=1)
    _table(doc, ["文件", "类型", "年度", "状态", "问题", "页数", "OCR识别"], [
        [d["file"], zh.document_kind_label(d["kind"], d.get("certificate_type")), d.get("fiscal_year") or "",
         zh.document_status_label(d["status"]),
         d.get("error") or "", d.get("pages") or "", "是" if d.get("ocr") else ""] for d in report["documents"]])


NO_ORIGINALS = "原件不可用，未附截图"
CROP_WIDTH_MM = 150  # a crop spans the page's width: the text block of the A4 page (210 − 28 − 26 mm), nearly


def _projects_section(doc: Document, entry: StoredApplicant, intake: Path | None) -> None:
    """项目与合同 (in section 三): each project of the form beside its contract, as the applicant page shows it
    (:mod:`omreview.project_contracts`), and the pictures of the contract's amount and parties, each value's own
    line, from the originals; without them, ``原件不可用，未附截图`` and the values with their file and page. A folder
    without contracts: one line when the form declares projects."""
    report = entry.report
    views = project_views(report)
    if views is None:
        note = declared_only_note(report)
        if note:
            doc.add_heading("项目与合同", level=2)
            doc.add_paragraph(note)
        return
    doc.add_heading("项目与合同", level=2)
    try:
        folder: Path | None = applicant_folder(entry, intake)
    except SourceUnavailable:
        folder = None
        doc.add_paragraph(f"{NO_ORIGINALS}（找不到申报材料目录）。")
    undeclared = [v for v in views if not v.declared]
    for view in (v for v in views if v.declared):
        _project(doc, view, folder)
    if undeclared:
        doc.add_paragraph().add_run("未与申报项目对应的合同").bold = True
        for view in undeclared:
            _project(doc, view, folder)


def _project(doc: Document, view: ProjectView, folder: Path | None) -> None:
    doc.add_paragraph().add_run(_m(view.title)).bold = True
    if view.declared:
        doc.add_paragraph(f"合同：{_m(view.contract)}")
    _table(doc, ["项目", "申报表", "合同", "核对"], [list(r.values()) for r in view.rows()])
    if view.doubts:
        doc.add_paragraph(_m(view.doubts_text))
    for label, src in view.crops:
        doc.add_paragraph(_m(f"{label}：{source_label(src)}　{src.get('text') or ''}".strip()))
        if folder is None or not (src.get("page") and str(src.get("file") or "").lower().endswith(".pdf")):
            continue  # a Word contract's value: its table and cell are named, there is no page to cut
        try:
            png = source_crop(folder, src)
        except SourceUnavailable as exc:
            doc.add_paragraph(f"{NO_ORIGINALS}：{_m(str(exc))}")
            continue
        doc.add_paragraph().add_run().add_picture(io.BytesIO(png), width=Mm(CROP_WIDTH_MM))


def _conclusion_section(doc: Document, report: dict[str, Any], conclusion: ConclusionSection | None) -> None:
    """Section 四: the machine's verdict, then the reviewers' conclusion (the hook) or the lines the reviewer signs;
    and the document's title and date."""
    doc.add_heading("四、评审结论", level=1)
    doc.add_paragraph(f"机器审查结论：{zh.verdict_label(report['verdict'])}。")
    if conclusion is not None:
        conclusion(doc)
    else:
        doc.add_paragraph("评审结论：＿＿＿＿＿＿＿＿　　评审人员（签字）：＿＿＿＿＿＿　　"
                          "日期：＿＿＿＿年＿＿月＿＿日")
    doc.core_properties.title = f"评审报告（草稿）{report['applicant']['id']}"
    doc.core_properties.created = dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _decision_text(d: ReviewerDecision) -> str:
    """``接受``, ``推翻（通过）``."""
    return zh.decision_label(d.decision) + (f"（{zh.status_label(d.reviewer_status)}）" if d.reviewer_status else "")


def conclusion_section(event: ConclusionEvent | None, decisions: Sequence[ReviewerDecision],
                       rules: Rules) -> ConclusionSection:
    """Section 四's hook for one applicant: its 评审结论 in force (``event``; None: ``评审结论：待评审`` and the lines
    to sign), then its reviewer decisions in force (``decisions``: the applicant row's) as a table."""
    review = rules.review

    def write(doc: Document) -> None:
        if event is None:
            doc.add_paragraph(f"评审结论：{review.states['open']}")
            doc.add_paragraph("评审人员（签字）：＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日")
        else:
            doc.add_paragraph(f"评审结论：{conclusion_label(event.conclusion or '', review)}")
            doc.add_paragraph(f"评审意见：{_m(event.opinion)}")
            doc.add_paragraph(f"评审人：{_m(event.reviewer)}　　时间：{zh.local_time(event.acted_at)}")
        current = sorted(in_force(decisions).values(), key=lambda d: (d.decided_at, d.id or 0))
        if not current:
            doc.add_paragraph("评审决定：无")
            return
        doc.add_paragraph("评审决定：")
        _table(doc, ["对象", "机器结果", "评审决定", "理由", "评审人", "时间"],
               [[f"{zh.target_label(d.target_kind)} {target_text(d)}", machine_result(d), _decision_text(d), d.reason,
                 d.reviewer, zh.local_time(d.decided_at)] for d in current])

    return write
