"""The 评审结论 in the exports (#17 points 1 and 8): the workbook's 申报企业 sheet as the work queue with each
applicant's conclusion, the conclusions' trail as a sheet, and section 四 of each .docx 评审报告, with and without a
conclusion (待评审)."""

import datetime as dt
import re

import openpyxl
import pytest
from docx import Document

from omreview.conclusions import conclude, reopen
from omreview.decisions import make_decision
from omreview.exports import export_all, write_review_docx
from omreview.rules import default_rules
from tests.store_factory import build_store
from tests.test_conclusions import ID_NUMBER, T0, decide_everything

MASKED = "1101**********0021"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """app-03, app-07, app-10: app-10 concluded 不通过 (its items decided, one overridden), app-03 concluded and
    reopened, app-07 open with one decision."""
    tmp = tmp_path_factory.mktemp("conclusion")
    store = build_store(tmp / "r.sqlite")
    entry = next(e for e in store.latest_applicants() if e.applicant_id == "app-10")
    store.record_decision(make_decision(entry.report, entry.row_id, "check", "G4", "overridden",
                                        "有行政处罚记录", "王评审", "fail", now=T0))
    decide_everything(store, "app-10")
    conclude(store, "app-10", "不通过", f"技术负责人职称不符，经办人{ID_NUMBER}", "王评审", now=T0)
    decide_everything(store, "app-03")
    conclude(store, "app-03", "通过", "符合条件", "王评审", now=T0)
    reopen(store, "app-03", "收到更正后的审计报告", "李评审", now=T0 + dt.timedelta(hours=2))
    app07 = next(e for e in store.latest_applicants() if e.applicant_id == "app-07")
    store.record_decision(make_decision(app07.report, app07.row_id, "discrepancy", "roster.id_number.row35",
                                        "accepted", "校验码确实错误", "王评审", now=T0))
    return store, export_all(store, tmp / "out"), tmp / "out"


def _sheet(path, title):
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(path)[title].iter_rows()]
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def _section_four(path):
    texts = [p.text for p in Document(str(path)).paragraphs]
    return texts[texts.index("四、评审结论"):]


def _last_table(path):
    return [[c.text for c in row.cells] for row in Document(str(path)).tables[-1].rows]


def test_the_workbook_lists_the_queue_with_each_conclusion(exported):
    _, paths, _ = exported
    rows = _sheet(paths[0], "申报企业")
    assert [(r["申报编号"], r["状态"]) for r in rows] == [("app-03", "待评审"), ("app-07", "待评审"),
                                                       ("app-10", "已结论（不通过）")]
    app10 = rows[2]
    assert (app10["评审结论"], app10["评审意见"], app10["评审人"]) == ("不通过", f"技术负责人职称不符，经办人{MASKED}",
                                                                "王评审")
    assert app10["结论时间"] == dt.datetime(2012, 6, 3, 17, 0)  # Beijing's wall clock
    assert [r["评审结论"] for r in rows[:2]] == ["待评审", "待评审"]
    assert rows[0]["待处理事项"] == "已重新打开，各项均已处理，待作评审结论"
    assert (rows[1]["待核实"], rows[1]["待人工判断"]) == (1, 5)
    assert rows[1]["待处理事项"].startswith("待核实：人员名册第70行身份证号重复（材料间不一致）；待人工判断：")
    # the exact 元 of an amount is still the note of its own applicant's cell, in the queue's order
    header = list(rows[0])
    ws = openpyxl.load_workbook(paths[0])["申报企业"]
    note = ws.cell(row=4, column=header.index("近三年运维收入总额（万元）") + 1).comment.text
    assert ws.cell(row=4, column=1).value == "app-10" and note.startswith("近三年运维收入总额：")
    assert note == f"近三年运维收入总额：{_yuan(exported, 'app-10')}"


def _yuan(exported, applicant):
    from omreview import zh

    store = exported[0]
    entry = next(e for e in store.latest_applicants() if e.applicant_id == applicant)
    return zh.yuan(entry.report["figures"]["om_revenue_3y"]["value"])


def test_the_workbook_keeps_the_conclusions_trail(exported):
    _, paths, _ = exported
    trail = _sheet(paths[0], "评审结论")
    assert [(t["申报编号"], t["操作"], t["评审结论"], t["评审人"]) for t in trail] == [
        ("app-10", "作出评审结论", "不通过", "王评审"), ("app-03", "作出评审结论", "通过", "王评审"),
        ("app-03", "重新打开", None, "李评审")]  # an empty cell
    assert trail[0]["意见或理由"] == f"技术负责人职称不符，经办人{MASKED}"
    assert trail[2]["意见或理由"] == "收到更正后的审计报告"
    assert trail[0]["时间"] == "2012-06-03 17:00" and trail[2]["时间"] == "2012-06-03 19:00"
    assert not [v for r in trail for v in r.values() if ID_NUMBER in str(v)]


def test_the_docx_of_a_concluded_applicant_says_its_conclusion_and_decisions(exported):
    _, _, out = exported
    path = out / "app-10" / "评审报告（草稿）.docx"
    section = _section_four(path)
    assert section[1:5] == ["机器审查结论：不符合。", "评审结论：不通过",
                            f"评审意见：技术负责人职称不符，经办人{MASKED}", "评审人：王评审　　时间：2012-06-03 17:00"]
    assert "评审决定：" in section and not any(t.startswith("评审结论：＿＿") for t in section)
    table = _last_table(path)
    assert table[0] == ["对象", "机器结果", "评审决定", "理由", "评审人", "时间"]
    g4 = next(r for r in table if r[0] == "检查项 G4 资信与守法")
    assert g4[1].startswith("人工判断") and g4[2:] == ["推翻（不通过）", "有行政处罚记录", "王评审", "2012-06-03 17:00"]
    assert len(table) == 1 + 5  # its five manual checks, each decided once (the newest in force)
    assert ID_NUMBER not in "".join(section)


def test_the_docx_of_an_open_applicant_says_pending(exported, tmp_path):
    store, _, out = exported
    reopened = _section_four(out / "app-03" / "评审报告（草稿）.docx")
    assert reopened[1:3] == ["机器审查结论：需复核。", "评审结论：待评审"]  # reopened: no conclusion in force
    section = _section_four(out / "app-07" / "评审报告（草稿）.docx")
    assert section[2] == "评审结论：待评审" and section[3].startswith("评审人员（签字）：＿＿")
    assert _last_table(out / "app-07" / "评审报告（草稿）.docx")[1][0] == "材料间不一致 人员名册第35行身份证号无效"
    # the one-applicant export is the same document
    single = write_review_docx(store, "app-10", tmp_path / "x.docx", default_rules())
    assert _section_four(single)[2] == "评审结论：不通过"
    assert not re.search(r"\bconcluded\b|\brejected\b|\bapproved\b", "".join(_section_four(single)))
