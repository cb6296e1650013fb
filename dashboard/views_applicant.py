"""One applicant: every check with values and evidence, discrepancies side by side, roster rows,
figures with their source image, documents, and the reviewer's decisions."""

from __future__ import annotations

import io

import streamlit as st

from omreview import zh
from omreview.dashboard import present
from omreview.dashboard.download import download_button
from omreview.dashboard.evidence import evidence_table, show_evidence, showable
from omreview.dashboard.session import Context
from omreview.dashboard.sources import SourceUnavailable, applicant_folder, original, read_roster_row
from omreview.decisions import (
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
from omreview.overview import machine_result, source_label, target_text
from omreview.review_docx import review_document
from omreview.store import StoredApplicant

Decided = dict[tuple[TargetKind, str], ReviewerDecision]


def _header(entry: StoredApplicant) -> None:
    report, applicant = entry.report, entry.report["applicant"]
    st.title(applicant.get("name") or applicant["id"])
    st.markdown(f"### 结论：{zh.verdict_label(report['verdict'])}")
    st.caption(f"申报编号 {applicant['id']} · 统一社会信用代码 {applicant.get('credit_code') or '—'} · "
               f"推荐单位 {applicant.get('recommending_authority') or '—'} · "
               f"申请放宽 {'是' if applicant.get('relaxation_requested') else '否'} · 申请日期 "
               f"{report['application_date']} · 审查年度 {'、'.join(map(str, report['fiscal_years']))} · "
               f"规则 {report['rules_version']} · 审查时间 {zh.local_time(entry.updated_at)}")
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
        with st.expander(f"{check['id']} {titles.get(check['id'], '')} — {zh.status_label(check['status'])}"):
            st.write(mask_text(zh.amounts_in_text(check["message"])))
            if check["values"]:
                st.table(present.value_table(check["values"]), hide_index=True)
            if check["evidence"]:
                st.table(evidence_table(check["evidence"], ctx.rules), hide_index=True)
            shown = {(s["file"], s.get("page"), tuple(s.get("bbox") or ()), s.get("table"), s.get("sheet"),
                      s.get("cell")): s for s in check["evidence"] if showable(s)}
            if shown and st.toggle("显示来源原件", key=f"pages-{check['id']}"):
                for i, src in enumerate(shown.values()):
                    show_evidence(ctx, entry, src, key=f"check-{check['id']}-{i}")


def _discrepancies(ctx: Context, entry: StoredApplicant, decided: Decided) -> None:
    st.subheader("材料间不一致")
    views = present.discrepancy_views(entry.report)
    if not views:
        st.write("未发现材料间不一致。")
    for view in views:
        st.markdown(f"**{zh.name_label(view.key)}** — {view.message}")
        for i, (col, value) in enumerate(zip(st.columns(max(1, len(view.values))), view.values, strict=False)):
            with col:
                st.markdown(f"**{value['value']}**  \n{value['label']}  \n{value['text']}")
                show_evidence(ctx, entry, value["source"], key=f"discrepancy-{view.key}-{i}")
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
    name = st.selectbox("数据项", choices, format_func=lambda n: present.figure_text(n, figures[n]))
    fig = figures[name]
    st.markdown(f"**{present.figure_text(name, fig)}** · 来源 {source_label(fig['source'])}")
    show_evidence(ctx, entry, fig["source"], key=f"figure-{name}")


def _decision_form(ctx: Context, entry: StoredApplicant, reviewer: str, history: list[ReviewerDecision]) -> None:
    st.subheader("评审决定")
    if flash := st.session_state.pop("flash", None):
        st.success(flash)
    choices = present.decision_targets(entry.report, ctx.rules)
    # enter_to_submit=False: no English "Press Ctrl+Enter to submit form" under the reason (Streamlit's own text)
    with st.form("decision", clear_on_submit=True, enter_to_submit=False):
        label = st.selectbox("对象", list(choices), placeholder="请选择")
        kind = st.radio("决定", [k.value for k in DecisionKind], horizontal=True, format_func=zh.decision_label)
        status = st.selectbox("推翻后的状态（仅检查项）", ["", *(s.value for s in CheckStatus)],
                              format_func=lambda s: zh.status_label(s) if s else "—", placeholder="请选择")
        reason = st.text_area("理由", placeholder="请填写理由（身份证号会被遮盖）")
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
            st.session_state["flash"] = f"已记录：{target_text(decision)} {describe(decision)}"
            st.rerun()
    if history:
        st.table([{"对象": target_text(d), "机器结果": mask_text(machine_result(d)), "决定": describe(d)}
                  for d in reversed(history)], hide_index=True)


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
