"""One applicant: every check with values and evidence, discrepancies side by side, roster rows,
figures with their source image, documents, the reviewer's decisions and the 评审结论.

项目与合同 (#18): each project of the form beside the contract linked to it, the lines where they disagree marked and
why it counts only on the form's word, the contract's amount and parties in the original on request (「显示合同原件」,
each value's own line); then the contracts no project declares. A folder without contracts says in one line that
the projects rest on the form alone.

The header says where the applicant stands in the work queue (``omreview.queue``): 待评审 and why, or
已结论（通过） with the reviewer and the time. The decision form opens on the first open item (the
queue's order: 待核实, then 待人工判断); the 评审结论 can be made once nothing is open
(``omreview.conclusions``) and reopened with a reason. A submitted form is handled by its callback,
before the page runs again (Streamlit runs callbacks first): one run shows the decision recorded, its
confirmation and the next open item chosen, with no second run (``st.rerun``). "下一个待评审" opens the
next open applicant and "返回总览" the overview, both keeping every other query parameter (the overview's
filters)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from omreview import conclusions, zh
from omreview.conclusions import ConclusionEvent
from omreview.crops import LINE_MARGIN
from omreview.dashboard import present
from omreview.dashboard.download import download_button
from omreview.dashboard.evidence import evidence_table, show_evidence, showable
from omreview.dashboard.session import Context
from omreview.dashboard.sources import (
    RosterRow,
    SourceUnavailable,
    applicant_folder,
    original,
    read_roster_row,
)
from omreview.decisions import (
    DecisionKind,
    ReviewerDecision,
    TargetKind,
    describe,
    in_force,
    make_decision,
)
from omreview.errors import InputError
from omreview.exports import DOCX_NAME, applicant_docx
from omreview.masking import mask_text
from omreview.model import CheckStatus
from omreview.overview import machine_result, source_label, target_text
from omreview.project_contracts import ProjectView, declared_only_note, project_views
from omreview.queue import QueueEntry, entry_for, load_queue, next_open
from omreview.rules import Rules
from omreview.store import StoredApplicant

Decided = dict[tuple[TargetKind, str], ReviewerDecision]


def _header(entry: StoredApplicant, state: QueueEntry, rules: Rules) -> None:
    report, applicant = entry.report, entry.report["applicant"]
    st.title(applicant.get("name") or applicant["id"])
    st.markdown(f"### 机器审查结论：{zh.verdict_label(report['verdict'])}")
    st.markdown(f"**评审状态：{mask_text(state_text(state, rules))}**")
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


def state_text(state: QueueEntry, rules: Rules) -> str:
    """The applicant's state in the header: ``已结论（通过） — 王评审 2026-12-05 09:30``, or
    ``待评审 — 待核实：B1 运维收入（需复核）；…`` (why it is open)."""
    done = state.conclusion
    if done is not None:
        return f"{state.state_label(rules.review)} — {done.reviewer} {zh.local_time(done.acted_at)}"
    return f"{state.state_label(rules.review)} — {state.why_open(rules.review)}"


def _checks(ctx: Context, entry: StoredApplicant, decided: Decided) -> None:
    st.subheader("检查项")
    st.table(present.check_table(entry.report, decided, ctx.rules), hide_index=True)
    titles = {c.id: c.title for c in ctx.rules.checks}
    for check in entry.report["checks"]:
        shown_key = f"pages-{check['id']}"  # its originals shown: the expander stays open through the rerun
        with st.expander(f"{check['id']} {titles.get(check['id'], '')} — {zh.status_label(check['status'])}",
                         expanded=bool(st.session_state.get(shown_key))):
            st.write(mask_text(zh.amounts_in_text(check["message"])))
            if check["values"]:
                st.table(present.value_table(check["values"]), hide_index=True)
            if check["evidence"]:
                st.table(evidence_table(check["evidence"], ctx.rules), hide_index=True)
            shown = {(s["file"], s.get("page"), tuple(s.get("bbox") or ()), s.get("table"), s.get("sheet"),
                      s.get("cell")): s for s in check["evidence"] if showable(s)}
            if shown and st.toggle("显示来源原件", key=shown_key):
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


@st.cache_data(max_entries=256, show_spinner=False)
def _masked_roster_row(path: str, sha256: str | None, rel: str, sheet: str, cell: str, _rules: Rules) -> RosterRow:
    """A roster row as the page shows it (masked), read once per original: the roster's header is found anew
    at each read (a tenth of a second a row), which made every run of the page slow. Only the masked row is
    kept in memory; "显示个人信息" reads the row again."""
    return read_roster_row(Path(path), rel, sheet, cell, _rules).masked()


def _projects(ctx: Context, entry: StoredApplicant) -> None:
    """项目与合同: each project of the form beside its contract (``omreview.project_contracts``), the lines where
    they disagree marked, why it counts only on the form's word, and on request the contract's amount and parties
    in the original; then the contracts no project declares. Without contracts, one line when projects are
    declared."""
    views = project_views(entry.report)
    if views is None:
        note = declared_only_note(entry.report)
        if note:
            st.subheader("项目与合同")
            st.write(note)
        return
    st.subheader("项目与合同")
    declared = [v for v in views if v.declared]
    undeclared = [v for v in views if not v.declared]
    for i, view in enumerate(declared):
        _project(ctx, entry, view, f"project-{i}")
    if undeclared:
        st.markdown("**未与申报项目对应的合同**")
        for i, view in enumerate(undeclared):
            _project(ctx, entry, view, f"unlinked-{i}")


def _project(ctx: Context, entry: StoredApplicant, view: ProjectView, key: str) -> None:
    st.markdown(f"**{view.title}**  \n合同：{view.contract}" if view.declared else f"**{view.title}**")
    st.table(view.rows(), hide_index=True)
    if view.doubts:
        st.warning(view.doubts_text)
    if view.crops and st.toggle("显示合同原件", key=f"contract-{key}"):
        for j, (label, src) in enumerate(view.crops):
            st.caption(f"{label}：{source_label(src)}")
            if not showable(src):
                st.caption(f"原件不可用：{source_label(src)} 未记录位置，无法显示原件。")
                continue
            show_evidence(ctx, entry, src, key=f"{key}-{j}", margin=LINE_MARGIN)
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
                path = original(applicant_folder(entry, ctx.config.intake), src["file"], src.get("sha256"))
                shown = _masked_roster_row(str(path), src.get("sha256"), src["file"], src["sheet"], src["cell"],
                                           ctx.rules)
                reveal = st.button("显示个人信息（将被记录）",
                                   key=f"reveal-{src['file']}-{src['sheet']}-{src['cell']}")
                if reveal:
                    shown = read_roster_row(path, src["file"], src["sheet"], src["cell"], ctx.rules)
                    ctx.store.record_personal_data_view(entry.row_id, shown.file, shown.sheet, shown.row, reviewer)
            except SourceUnavailable as exc:
                st.caption(str(exc))
                continue
            st.caption(f"工作表 {shown.sheet} {shown.where}")
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


@dataclass(frozen=True)
class _Keys:
    """Session-state keys of one applicant's forms (each applicant's widgets are its own)."""

    applicant: str

    def __getattr__(self, name: str) -> str:  # keys.reason → "reason-decision-app-07"
        if name.startswith("_"):
            raise AttributeError(name)
        return f"{name}-{self.applicant}"


def _messages(keys: _Keys) -> None:
    """The confirmation or the refusal the last submission left (shown once)."""
    if flash := st.session_state.pop(keys.flash, None):
        st.success(flash)
    if problem := st.session_state.pop(keys.problem, None):
        st.error(problem)


def _decision_form(ctx: Context, entry: StoredApplicant, reviewer: str, history: list[ReviewerDecision],
                   state: QueueEntry) -> None:
    st.subheader("评审决定")
    keys = _Keys(f"decision-{entry.applicant_id}")
    _messages(keys)
    open_first = [*state.to_verify, *state.manual]
    choices = present.decision_choices(entry.report, ctx.rules, open_first)
    closed = state.conclusion is not None  # the conclusion rests on the decisions in force: reopen to change one
    if closed:
        st.info(f"已作出评审结论，决定不能再更改；如需更改，请先{ctx.rules.review.actions['reopened']}。")
    # enter_to_submit=False: no English "Press Ctrl+Enter to submit form" under the reason (Streamlit's own text)
    with st.form(keys.form, enter_to_submit=False):
        st.selectbox("对象", list(choices), format_func=choices.__getitem__, key=keys.target, placeholder="请选择",
                     disabled=closed)
        st.radio("决定", [k.value for k in DecisionKind], horizontal=True, format_func=zh.decision_label,
                 key=keys.kind, disabled=closed)
        st.selectbox("推翻后的状态（推翻检查项时必选）", ["", *(s.value for s in CheckStatus)],
                     format_func=lambda s: zh.status_label(s) if s else "—", key=keys.status, placeholder="请选择",
                     disabled=closed)
        st.text_area("理由", placeholder="请填写理由（身份证号会被遮盖）", key=keys.reason, disabled=closed)
        st.form_submit_button(f"以 {reviewer} 的名义记录", on_click=_record, disabled=closed,
                              args=(ctx, entry, reviewer, keys, [f"{i.kind.value}:{i.target}" for i in open_first]))
    if history:
        st.table([{"对象": target_text(d), "机器结果": mask_text(machine_result(d)), "决定": mask_text(describe(d))}
                  for d in reversed(history)], hide_index=True)


def _record(ctx: Context, entry: StoredApplicant, reviewer: str, keys: _Keys, open_options: list[str]) -> None:
    """The decision form's callback: record the decision (or say why not) and set the form on the next open item."""
    state = st.session_state
    option = state.get(keys.target)
    if not option:
        state[keys.problem] = "请选择对象。"
        return
    kind, target = present.choice_target(option)
    try:
        decision = make_decision(entry.report, entry.row_id, kind, target, state.get(keys.kind) or "",
                                 state.get(keys.reason) or "", reviewer, reviewer_status=state.get(keys.status) or None)
    except InputError as exc:
        state[keys.problem] = str(exc)
        return
    ctx.store.record_decision(decision)
    state[keys.flash] = mask_text(f"已记录：{target_text(decision)} {describe(decision)}")
    remaining = [o for o in open_options if o != option]
    state[keys.target] = remaining[0] if remaining else option
    state[keys.kind] = DecisionKind.ACCEPTED.value
    state[keys.status] = ""
    state[keys.reason] = ""


def _conclusion(ctx: Context, entry: StoredApplicant, reviewer: str, state: QueueEntry,
                trail: list[ConclusionEvent]) -> None:
    st.subheader("评审结论")
    keys = _Keys(f"conclusion-{entry.applicant_id}")
    _messages(keys)
    rules = ctx.rules.review
    if state.conclusion is not None:
        st.success(mask_text(f"{state.state_label(rules)}：{conclusions.describe(state.conclusion, rules)}"))
        with st.form(keys.reopen_form, enter_to_submit=False):
            st.text_area("重新打开的理由", placeholder="请填写理由（身份证号会被遮盖）", key=keys.reason)
            st.form_submit_button(f"以 {reviewer} 的名义{rules.actions['reopened']}", on_click=_reopen,
                                  args=(ctx, entry.applicant_id, reviewer, keys))
        _next_button(ctx, entry.applicant_id, key=keys.next)
    else:
        blocked = state.open_count > 0
        if blocked:
            st.warning(mask_text(f"尚有未处理事项，暂不能作评审结论。{state.why_open(rules)}。"))
        with st.form(keys.form, enter_to_submit=False):
            st.radio("评审结论", [c.label for c in rules.conclusions], index=None, horizontal=True,
                     key=keys.choice, disabled=blocked)
            st.text_area("评审意见", placeholder="请填写评审意见（身份证号会被遮盖）", key=keys.opinion,
                         disabled=blocked)
            st.form_submit_button(f"以 {reviewer} 的名义作出评审结论", on_click=_conclude,
                                  args=(ctx, entry.applicant_id, reviewer, keys), disabled=blocked)
    if trail:
        st.caption("评审结论记录")
        st.table([{"记录": mask_text(conclusions.describe(e, rules))} for e in reversed(trail)], hide_index=True)


def _conclude(ctx: Context, applicant_id: str, reviewer: str, keys: _Keys) -> None:
    state = st.session_state
    try:
        event = conclusions.conclude(ctx.store, applicant_id, state.get(keys.choice) or "",
                                     state.get(keys.opinion) or "", reviewer)
    except InputError as exc:  # ConclusionRefused: the reviewer's message
        state[keys.problem] = str(exc)
        return
    state[keys.flash] = mask_text(f"已记录评审结论：{conclusions.describe(event, ctx.rules.review)}")
    state[keys.opinion] = ""
    state[keys.choice] = None


def _reopen(ctx: Context, applicant_id: str, reviewer: str, keys: _Keys) -> None:
    state = st.session_state
    try:
        event = conclusions.reopen(ctx.store, applicant_id, state.get(keys.reason) or "", reviewer)
    except InputError as exc:
        state[keys.problem] = str(exc)
        return
    state[keys.flash] = mask_text(f"已{conclusions.describe(event, ctx.rules.review)}")
    state[keys.reason] = ""


def _next_button(ctx: Context, applicant_id: str, key: str) -> None:
    """"下一个待评审": the next open applicant after this one (``omreview.queue.next_open``), the other query
    parameters kept."""
    if st.button("下一个待评审 →", key=key):
        following = next_open(load_queue(ctx.store), applicant_id)
        if following is None:
            st.info("没有其他待评审的申报企业。")
            return
        st.query_params["applicant"] = following.applicant_id
        st.rerun()


def _navigation(ctx: Context, applicant_id: str) -> None:
    back, forward = st.columns([1, 5])
    with back:
        if st.button("← 返回总览"):
            del st.query_params["applicant"]  # the overview's own parameters (its filters) stay
            st.rerun()
    with forward:
        _next_button(ctx, applicant_id, key="next-top")


def show(ctx: Context, reviewer: str, applicant_id: str) -> None:
    _navigation(ctx, applicant_id)
    entry = next((e for e in ctx.store.latest_applicants() if e.applicant_id == applicant_id), None)
    if entry is None:
        st.error(f"结果库中没有申报企业 {applicant_id}。")
        return
    history = ctx.store.decisions([entry.row_id])
    trail = ctx.store.conclusion_events([entry.row_id])
    state = entry_for(entry, history, trail)
    decided = {(kind, target): d for (_, kind, target), d in in_force(history).items()}
    _header(entry, state, ctx.rules)
    _checks(ctx, entry, decided)
    _discrepancies(ctx, entry, decided)
    _projects(ctx, entry)
    _roster(ctx, entry, reviewer)
    _figures(ctx, entry)
    st.subheader("申报材料")
    st.table(present.document_table(entry.report), hide_index=True)
    _decision_form(ctx, entry, reviewer, history, state)
    _conclusion(ctx, entry, reviewer, state, trail)

    def docx() -> bytes:
        buffer = io.BytesIO()
        applicant_docx(ctx.store, entry, ctx.rules, intake=ctx.config.intake).save(buffer)
        return buffer.getvalue()

    download_button(f"下载 {DOCX_NAME}", docx, file_name=f"{applicant_id}-{DOCX_NAME}", key="docx",
                    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
