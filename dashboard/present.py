"""Plain functions that shape one report for the applicant page (no Streamlit here); every label, amount and
time as reviewers read it (:mod:`omreview.zh`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from omreview import zh
from omreview.conclusions import OpenItem
from omreview.decisions import ReviewerDecision, TargetKind, describe, discrepancy_keys
from omreview.masking import mask_any, mask_text
from omreview.overview import source_label
from omreview.rules import Rules


def is_pdf_region(src: dict[str, Any] | None) -> bool:
    """A source the page can show as an image: a PDF page (with or without a box)."""
    return bool(src and src.get("page") and str(src.get("file", "")).lower().endswith(".pdf"))


# documents whose pages carry people's names (a roster's 身份证号, a form's key persons): their pages are not drawn
PERSONAL_KINDS = ("staff_roster", "application_form")


def personal_page(report: dict[str, Any], src: dict[str, Any] | None) -> str | None:
    """The kind of document (as reviewers read it) when ``src`` is a page of a 人员名册 or 申报表 printed to PDF:
    names (and 身份证号) on it, so the page is not drawn (its values are cited by page and box; the page shows a
    caption naming the page instead); ``None`` for any other source."""
    if not (src and src.get("page")):
        return None
    kinds = [d.get("kind") for d in report.get("documents", []) if d.get("file") == src.get("file")]
    return next((zh.document_kind_label(k) for k in kinds if k in PERSONAL_KINDS), None)


def is_roster_cell(src: dict[str, Any] | None) -> bool:
    return bool(src and src.get("sheet") and src.get("cell") and str(src.get("file", "")).lower().endswith(".xlsx"))


def check_table(report: dict[str, Any], decisions: dict[tuple[TargetKind, str], ReviewerDecision],
                rules: Rules) -> list[dict[str, str]]:
    titles = {c.id: c.title for c in rules.checks}
    return [mask_any({"检查项": zh.check_label(c["id"]), "条件": titles.get(c["id"], ""),
                      "状态": zh.status_label(c["status"]), "发现": zh.amounts_in_text(c["message"]),
                      "评审决定": describe(decisions.get((TargetKind.CHECK, c["id"])))})
            for c in report["checks"]]


def value_table(values: dict[str, Any]) -> list[dict[str, str]]:
    """A check's values: ``近三年运维收入总额 | 6,638.42万元``, amounts with their exact 元 beside them."""
    return [{"数值": zh.name_label(k), "内容": mask_text(zh.value_detail(k, v)) or ""} for k, v in values.items()]


def figure_text(name: str, figure: dict[str, Any]) -> str:
    """A figure as the page shows it: ``近三年运维收入总额 6,638.42万元（66,384,172.25元）``."""
    shown = zh.value_detail(name, figure["value"], figure.get("unit"))
    return f"{zh.name_label(name)} {mask_text(shown) or ''}"


@dataclass(frozen=True)
class DiscrepancyView:
    key: str
    message: str
    values: list[dict[str, Any]]  # value (masked), label, text, source


def discrepancy_views(report: dict[str, Any]) -> list[DiscrepancyView]:
    return [DiscrepancyView(key=key, message=mask_text(zh.amounts_in_text(d["message"])) or "",
                            values=[{"value": mask_text(zh.value_detail(key, v["value"])),
                                     "label": source_label(v.get("source")),
                                     "text": mask_text((v.get("source") or {}).get("text") or ""),
                                     "source": v.get("source")} for v in d["values"]])
            for key, d in zip(discrepancy_keys(report), report.get("discrepancies", []), strict=True)]


def roster_cells(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The roster rows the discrepancies point at (each once, in order), in this applicant's own files."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    sources = [v.get("source") for d in report.get("discrepancies", []) for v in d["values"]]
    for src in sources:
        if is_roster_cell(src) and src.get("file") in {d["file"] for d in report["documents"]}:
            key = (src["file"], src["sheet"], src["cell"])
            if key not in seen:
                seen.add(key)
                out.append(src)
    return out


def figure_choices(report: dict[str, Any]) -> list[str]:
    """Figure names with a source, those read from a PDF page first (they have a picture)."""
    named = [(name, fig) for name, fig in report.get("figures", {}).items() if fig.get("source")]
    return [n for n, f in named if is_pdf_region(f["source"])] + [n for n, f in named if not is_pdf_region(f["source"])]


def ocr_note(report: dict[str, Any]) -> str | None:
    """What the applicant page says when documents were read by OCR, and which checks rest on doubtful values."""
    scanned = [d["file"] for d in report["documents"] if d.get("ocr")]
    if not scanned:
        return None
    doubtful = [zh.check_label(c["id"]) for c in report["checks"] if "ocr_low_confidence" in c.get("values", {})]
    note = f"以下文件为扫描件，数据经OCR识别：{'、'.join(scanned)}。"
    if doubtful:
        return note + f"识别置信度低的数值所涉检查项已转为需复核：{'、'.join(doubtful)}，请对照原件核实。"
    return note + "所有采用的数值识别置信度均达到规则要求；来源图像可对照核实。"


def document_table(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [mask_any({"文件": d["file"], "类型": zh.document_kind_label(d["kind"], d.get("certificate_type")),
                      "年度": str(d.get("fiscal_year") or ""), "状态": zh.document_status_label(d["status"]),
                      "问题": d.get("error") or "",
                      "页数": str(d.get("pages") or ""), "OCR": "是" if d.get("ocr") else ""})
            for d in report["documents"]]


def decision_targets(report: dict[str, Any], rules: Rules) -> dict[str, tuple[TargetKind, str]]:
    """Choices for the decision form: a label → (kind, target). Checks first, then discrepancies."""
    titles = {c.id: c.title for c in rules.checks}
    choices = {f"检查项 {c['id']} {titles.get(c['id'], '')}（{zh.status_label(c['status'])}）":
               (TargetKind.CHECK, c["id"]) for c in report["checks"]}
    for key in discrepancy_keys(report):
        choices[f"材料间不一致 {zh.name_label(key)}"] = (TargetKind.DISCREPANCY, key)
    return choices


def decision_choices(report: dict[str, Any], rules: Rules, open_first: Iterable[OpenItem]) -> dict[str, str]:
    """The decision form's choices, option (``check:B1``, ``discrepancy:roster.id_number.row35``; see
    :func:`choice_target`) → label. The open items come first, in the order given (the work queue's: 待核实,
    then 待人工判断), each marked with its group; then every other check and discrepancy in report order
    (passed, failed or decided already: still selectable, never first)."""
    titles = {c.id: c.title for c in rules.checks}
    labels = {f"{TargetKind.CHECK.value}:{c['id']}": f"检查项 {c['id']} {titles.get(c['id'], '')}（"
              f"{zh.status_label(c['status'])}）" for c in report["checks"]}
    labels |= {f"{TargetKind.DISCREPANCY.value}:{key}": f"材料间不一致 {zh.name_label(key)}"
               for key in discrepancy_keys(report)}
    groups = rules.review.open_items
    first = {f"{i.kind.value}:{i.target}": groups[i.group] for i in open_first}
    ordered = {option: f"{labels[option]} · {group}" for option, group in first.items() if option in labels}
    return ordered | {option: label for option, label in labels.items() if option not in ordered}


def choice_target(option: str) -> tuple[TargetKind, str]:
    """The target of a :func:`decision_choices` option: ``check:B1`` → (check, ``B1``)."""
    kind, target = option.split(":", 1)
    return TargetKind(kind), target
