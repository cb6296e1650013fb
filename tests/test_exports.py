"""Exports: the batch workbook and the 评审报告 drafts, opened and read back."""

import dataclasses
import re

import openpyxl
import pytest
from docx import Document

from omreview.decisions import make_decision
from omreview.errors import InputError
from omreview.exports import DOCX_NAME, WORKBOOK_NAME, batch_workbook, export_all, run_export, write_review_docx
from omreview.masking import ID_NUMBER_IN_TEXT
from omreview.review_docx import review_document
from omreview.rules import default_rules
from tests.store_factory import build_store

UNMASKED = re.compile(ID_NUMBER_IN_TEXT.pattern)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exports")
    store = build_store(tmp / "r.sqlite")
    e = next(x for x in store.latest_applicants() if x.applicant_id == "app-07")
    store.record_decision(make_decision(e.report, e.row_id, "discrepancy", "roster.id_number.row35", "accepted",
                                        "校验码确实错误", "王评审"))
    store.record_decision(make_decision(e.report, e.row_id, "check", "G4", "overridden", "信用中国无违法记录",
                                        "王评审", "pass"))
    return store, export_all(store, tmp / "out"), tmp / "out"


def _sheet(wb, title):
    rows = [[c.value for c in r] for r in wb[title].iter_rows()]
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_workbook_has_one_sheet_each_with_decisions_beside_the_results(exported):
    _, paths, out = exported
    assert paths[0] == out / WORKBOOK_NAME
    wb = openpyxl.load_workbook(paths[0])
    assert wb.sheetnames == ["申报企业", "检查项", "不一致", "评审决定", "评审结论"]
    applicants = _sheet(wb, "申报企业")
    assert [a["申报编号"] for a in applicants] == ["app-03", "app-07", "app-10"]
    app10 = applicants[2]
    assert app10["机器结论"] == "不符合" and app10["不通过"] == "M2b 运维技术负责人"
    assert isinstance(applicants[1]["运维人员数"], int | float) and applicants[1]["运维人员数"] == 64
    checks = _sheet(wb, "检查项")
    assert len(checks) == 3 * 19
    g4 = next(c for c in checks if c["申报编号"] == "app-07" and c["检查项"] == "G4 资信与守法")
    assert g4["状态"] == "人工判断" and g4["评审决定"].startswith("推翻（通过） — 王评审")
    b1 = next(c for c in checks if c["申报编号"] == "app-07" and c["检查项"] == "B1 运维收入")
    assert "近三年运维收入总额：7,375.24万元" in b1["数值"] and "材料_1.pdf 第5页" in b1["证据"]
    assert "运维收入占营业收入比例：41.26%" in b1["数值"] and "运维收入7,375.24万元" in b1["发现"]
    disc = _sheet(wb, "不一致")
    row35 = next(d for d in disc if d["数据项"] == "人员名册第35行身份证号无效")
    assert row35["值1"] == "4101**********9697" and row35["来源1"] == "材料_4.xlsx 人员名册!D35"
    assert row35["评审决定"].startswith("接受 — 王评审")
    revenue = next(d for d in disc if d["申报编号"] == "app-03")
    assert revenue["来源1"].endswith("表2 C2") and revenue["来源2"].endswith("第5页")  # side by side
    assert revenue["数据项"] == "2010年度营业收入" and revenue["值1"] == "6,129.66万元"
    history = _sheet(wb, "评审决定")
    assert [d["编号"] for d in history] == ["人员名册第35行身份证号无效", "G4 资信与守法"]
    assert [d["对象"] for d in history] == ["材料间不一致", "检查项"] and history[1]["机器结果"].startswith("人工判断 ")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", history[0]["时间"])  # the review body's clock, no "UTC"


def test_no_internal_code_in_any_export(exported):
    """What reviewers read carries labels, not the report's codes (verdicts, statuses, figure names, units)."""
    _, paths, _ = exported
    wb = openpyxl.load_workbook(paths[0])
    texts = [v for ws in wb for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    texts += [_docx_text(p) for p in paths[1:]]
    codes = re.compile(r"needs_review|does_not_meet|\bmeets\b|\bmanual\b|\bpass\b|\bfail\b|om_revenue|"
                       r"roster\.|audit_opinion|unqualified|\bCNY\b|\bUTC\b|\bok\b")
    assert not [t for t in texts if codes.search(t)][:3]


def test_no_unmasked_id_number_anywhere_in_the_exports(exported):
    _, paths, _ = exported
    wb = openpyxl.load_workbook(paths[0])
    for ws in wb:
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and UNMASKED.search(v) for v in row)
    for path in paths[1:]:
        assert not UNMASKED.search(_docx_text(path))


def _docx_text(path):
    doc = Document(str(path))
    cells = [cell.text for t in doc.tables for row in t.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_docx_draft_has_each_condition_finding_evidence_and_decision(exported):
    _, paths, out = exported
    path = out / "app-07" / DOCX_NAME
    assert path in paths
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for check in default_rules().checks:
        assert f"{check.id} {check.title}" in headings
    text = _docx_text(path)
    assert "机器审查结论：需复核。" in text and "北京博思运信息技术有限公司" in text
    assert "审查发现：近三年运维收入总额不低于1亿元" in text
    assert "材料_1.pdf 第5页　运维服务 19,768,424.98" in text  # evidence with its page
    assert "评审意见：推翻（通过） — 王评审" in text and "信用中国无违法记录" in text
    assert "评审意见：（待评审）" in text
    assert "4101**********9697" in text and "人员名册第35行身份证号无效" in headings
    assert "7,375.24万元（73,752,403.71元）" in text  # an amount as reviewers write it, the exact 元 beside it


def test_docx_is_a4_with_the_applicant_in_the_header_and_page_numbers_in_the_footer(exported):
    _, _, out = exported
    doc = Document(str(out / "app-07" / DOCX_NAME))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                     section.right_margin)]
    assert margins == [37, 35, 28, 26]
    assert section.header.paragraphs[0].text == "北京博思运信息技术有限公司　　申报编号：app-07"
    footer = section.footer.paragraphs[0]._p.xml
    assert [i.strip() for i in re.findall(r"<w:instrText[^>]*>([^<]*)</w:instrText>", footer)] == ["PAGE", "NUMPAGES"]
    shown = "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", footer))  # the text around the fields
    assert shown == "第 1 页 共 1 页"
    cover = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", cover["审查时间"]) and cover["机器审查结论"] == "需复核"


def test_docx_header_masks_an_id_number_in_the_applicant_id(exported, tmp_path):
    store, _, _ = exported
    entry = next(e for e in store.latest_applicants() if e.applicant_id == "app-10")
    report = {**entry.report, "applicant": {**entry.report["applicant"], "id": "张三410121196909129697"}}
    doc = review_document(dataclasses.replace(entry, report=report), [], default_rules())
    assert doc.sections[0].header.paragraphs[0].text.endswith("申报编号：张三4101**********9697")


def test_docx_conclusion_hook_writes_section_four(exported):
    store, _, _ = exported
    entry = next(e for e in store.latest_applicants() if e.applicant_id == "app-10")
    plain = [p.text for p in review_document(entry, [], default_rules()).paragraphs]
    assert any(t.startswith("评审结论：＿＿") for t in plain)
    doc = review_document(entry, [], default_rules(), conclusion=lambda d: d.add_paragraph("评审结论：不通过"))
    texts = [p.text for p in doc.paragraphs]
    assert texts[texts.index("四、评审结论") + 2] == "评审结论：不通过" and not any(t.startswith("评审结论：＿＿")
                                                                              for t in texts)


def test_one_docx_on_demand_and_unknown_applicants_refused(exported, tmp_path):
    store, _, _ = exported
    path = write_review_docx(store, "app-10", tmp_path / "x.docx")
    assert "M2b" in _docx_text(path)
    with pytest.raises(InputError, match="no applicant"):
        write_review_docx(store, "app-99", tmp_path / "y.docx")


def test_document_text_never_becomes_a_formula(exported, tmp_path):
    store, _, _ = exported
    entry = store.latest_applicants()[0]
    report = dict(entry.report)
    report["checks"] = [{**report["checks"][0], "message": '=HYPERLINK("http://x","y")'}, *report["checks"][1:]]
    path = batch_workbook([dataclasses.replace(entry, report=report)], [], default_rules(), tmp_path / "w.xlsx")
    ws = openpyxl.load_workbook(path)["检查项"]
    cell = next(c for r in ws.iter_rows() for c in r if c.value == '=HYPERLINK("http://x","y")')
    assert cell.data_type == "s"


def test_the_export_command_reads_the_store_beside_the_reports(tmp_path, monkeypatch):
    monkeypatch.delenv("OMREVIEW_DB_URL", raising=False)
    build_store(tmp_path / "omreview.sqlite", ("app-10",))
    dest, paths = run_export(tmp_path, None, batch_id=1)
    assert dest == tmp_path / "exports" and paths == [dest / WORKBOOK_NAME, dest / "app-10" / DOCX_NAME]
    with pytest.raises(InputError, match="--to DIR"):
        run_export(None, f"sqlite:///{tmp_path / 'omreview.sqlite'}")
    with pytest.raises(InputError, match="no applicants of batch 7"):
        run_export(tmp_path, None, batch_id=7)
    with pytest.raises(InputError, match="run `omreview batch` first"):
        run_export(tmp_path / "elsewhere", None)
