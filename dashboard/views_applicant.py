"""One applicant: every check with values and evidence, discrepancies side by side, roster rows,
figures with their source image, documents, and the reviewer's decisions."""

from __future__ import annotations

import io
from typing import Any

import streamlit as st

from omreview.dashboard import present
from omreview.dashboard.download import download_button
from omreview.dashboard.session import Context, data_uri, source_image
from omreview.dashboard.sources import SourceUnavailable, applicant_folder, original, read_roster_row
from omreview.decisions import (
    DECISION_LABELS,
    DecisionKind,
    ReviewerDecision,
    TargetKind,
    describe,
    in_force,
    make_decision,
)
from omreview.errors import InputError
from omreview.exports import DOCX_NAME
from omreview.masking import mask_text
from omreview.model import CheckStatus
from omreview.overview import source_label, status_label, verdict_label
from omreview.review_docx import review_document
from omreview.store import StoredApplicant

Decided = dict[tuple[TargetKind, str], ReviewerDecision]


def _image(ctx: Context, entry: StoredApplicant, src: dict[str, Any]) -> None:
    png, why = source_image(ctx, entry, src)
    if png is None:
        st.caption(why)
    else:
        label = source_label(src)
        st.image(data_uri(png), caption=f"来源：{label}　{mask_text(src.get('text') or '')}", alt=f"来源图像 {label}")


def _header(entry: StoredApplicant) -> None:
    report, applicant = entry.report, entry.report["applicant"]
    st.title(applicant.get("name") or applicant["id"])
    st.markdown(f"### 结论：{verdict_label(report['verdict'])}")
    st.caption(f"申报编号 {applicant['id']} · 统一社会信用代码 {applicant.get('credit_code') or '—'} · "
               f"推荐单位 {applicant.get('recommending_authority') or '—'} · "
               f"申请放宽 {'是' if applicant.get('relaxation_requested') else '否'} · 申请日期 "
               f"{report['application_date']} · 审查年度 {'、'.join(map(str, report['fiscal_years']))} · "
               f"规则 {report['rules_version']}")
    if report.get("missing_inputs"):
        st.warning("缺少或无法读取的材料：" + "、".join(report["missing_inputs"]))
    ocr = present.ocr_note(report)
    if ocr:
        st.info(mask_text(ocr))


def _checks(ctx: Context, entry: StoredApplicant, decided: Decided) -> None:
    st.subheader("检查项")
    st.table(present.check_table(entry.report, decided, ctx.rules), hide_index=True)
    titles = {c.id: c.title for c in ctx.rules.checks}
    for check in entry.report["checks"]:
        with st.expander(f"{check['id']} {titles.get(check['id'], '')} — {status_label(check['status'])}"):
            st.write(mask_text(check["message"]))
            if check["values"]:
                st.table(present.value_table(check["values"]), hide_index=True)
            if check["evidence"]:
                st.table(present.evidence_table(check["evidence"]), hide_index=True)
            pdfs = {(s["file"], s["page"], tuple(s.get("bbox") or ())): s for s in check["evidence"]
                    if present.is_pdf_region(s)}
            if pdfs and st.toggle("显示来源页面", key=f"pages-{check['id']}"):
                for src in pdfs.values():
                    _image(ctx, entry, src)


def _discrepancies(ctx: Context, entry: StoredApplicant, decided: Decided) -> None:
    st.subheader("材料间不一致")
    views = present.discrepancy_views(entry.report)
    if not views:
        st.write("未发现材料间不一致。")
    for view in views:
        st.markdown(f"**{view.key}** — {view.message}")
        for col, value in zip(st.columns(max(1, len(view.values))), view.values, strict=False):
            with col:
                st.markdown(f"**{value['value']}**  \n{value['label']}  \n{value['text']}")
                if present.is_pdf_region(value["source"]):
                    _image(ctx, entry, value["source"])
        decision = decided.get((TargetKind.DISCREPANCY, view.key))
        st.caption(f"评审决定：{describe(decision) if decision else '（待评审）'}")
        st.divider()


def _roster(ctx: Context, entry: StoredApplicant, reviewer: str) -> None:
    cells = present.roster_cells(entry.report)
    if not cells:
        return
    st.subheader("人员名册中被引用的行")
    st.caption("姓名和身份证号默认遮盖；点击“显示个人信息”会记录查看人和时间。")
    for src in cells:
        with st.expander(f"{src['file']} {src['sheet']}!{src['cell']}"):
            try:
                folder = applicant_folder(entry, ctx.config.intake)
                row = read_roster_row(original(folder, src["file"], src.get("sha256")), src["file"], src["sheet"],
                                      src["cell"], ctx.rules)
            except SourceUnavailable as exc:
                st.caption(str(exc))
                continue
            reveal = st.button("显示个人信息（将被记录）", key=f"reveal-{src['file']}-{src['sheet']}-{src['cell']}")
            if reveal:
                ctx.store.record_personal_data_view(entry.row_id, row.file, row.sheet, row.row, reviewer)
            shown = row if reveal else row.masked()
            st.table([dict(zip(shown.headers, shown.values, strict=True))], hide_index=True)


def _figures(ctx: Context, entry: StoredApplicant) -> None:
    figures = entry.report.get("figures", {})
    choices = present.figure_choices(entry.report)
    st.subheader("数据及其来源")
    if not choices:
        st.write("没有带来源的数据。")
        return
    name = st.selectbox("数据项", choices, format_func=lambda n: f"{n} = {mask_text(figures[n]['value'])}")
    fig = figures[name]
    st.markdown(f"**{name}** = {mask_text(fig['value'])} {fig['unit']} · 来源 {source_label(fig['source'])}")
    if present.is_pdf_region(fig["source"]):
        _image(ctx, entry, fig["source"])
    else:
        st.caption(mask_text(fig["source"].get("text") or ""))


def _decision_form(ctx: Context, entry: StoredApplicant, reviewer: str, history: list[ReviewerDecision]) -> None:
    st.subheader("评审决定")
    if flash := st.session_state.pop("flash", None):
        st.success(flash)
    choices = present.decision_targets(entry.report, ctx.rules)
    with st.form("decision", clear_on_submit=True):
        label = st.selectbox("对象", list(choices))
        kind = st.radio("决定", [k.value for k in DecisionKind], horizontal=True,
                        format_func=lambda k: DECISION_LABELS[DecisionKind(k)])
        status = st.selectbox("推翻后的状态（仅检查项）", ["", *(s.value for s in CheckStatus)],
                              format_func=lambda s: status_label(s) if s else "—")
        reason = st.text_area("理由")
        submitted = st.form_submit_button(f"以 {reviewer} 的名义记录")
    if submitted:
        target_kind, target = choices[label]
        overriding_check = target_kind == TargetKind.CHECK and kind == DecisionKind.OVERRIDDEN
        try:
            decision = make_decision(entry.report, entry.row_id, target_kind, target, kind, reason, reviewer,
                                     reviewer_status=status if overriding_check and status else None)
        except InputError as exc:
            st.error(str(exc))
        else:
            ctx.store.record_decision(decision)
            st.session_state["flash"] = f"已记录：{target} {describe(decision)}"
            st.rerun()
    if history:
        st.table([{"对象": d.target, "机器结果": mask_text(f"{d.machine_status or ''} {d.machine_message}".strip()),
                   "决定": describe(d)} for d in reversed(history)], hide_index=True)


def show(ctx: Context, reviewer: str, applicant_id: str) -> None:
    if st.button("← 返回总览"):
        st.query_params.clear()
        st.rerun()
    entry = next((e for e in ctx.store.latest_applicants() if e.applicant_id == applicant_id), None)
    if entry is None:
        st.error(f"结果库中没有申报企业 {applicant_id}。")
        return
    history = ctx.store.decisions([entry.row_id])
    decided = {(kind, target): d for (_, kind, target), d in in_force(history).items()}
    _header(entry)
    _checks(ctx, entry, decided)
    _discrepancies(ctx, entry, decided)
    _roster(ctx, entry, reviewer)
    _figures(ctx, entry)
    st.subheader("申报材料")
    st.table(present.document_table(entry.report), hide_index=True)
    _decision_form(ctx, entry, reviewer, history)

    def docx() -> bytes:
        buffer = io.BytesIO()
        review_document(entry, ctx.store.decisions([entry.row_id]), ctx.rules).save(buffer)
        return buffer.getvalue()

    download_button(f"下载 {DOCX_NAME}", docx, file_name=f"{applicant_id}-{DOCX_NAME}", key="docx",
                    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
