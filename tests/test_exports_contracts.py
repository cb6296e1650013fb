"""项目与合同 in the 评审报告 draft (#18 point 6): each project beside its contract as a table, the doubts, and the
pictures of the contract's amount and parties when the originals are found; without them one line says so and the
values are listed with their file and page; a folder without contracts says its projects rest on the form."""

import io

from docx import Document

from omreview.exports import applicant_docx
from omreview.model import Discrepancy, DiscrepancyValue, ProjectContract
from omreview.review_docx import review_document
from omreview.rules import default_rules
from omreview.store import ResultStore
from tests.conftest import SAMPLE_DOCS
from tests.store_factory import build_store, reviewed

RULES = default_rules()
HEADER = ["项目", "申报表", "合同", "核对"]


def _entry(store):
    return store.latest_applicants()[0]


def _texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def _section(doc) -> list[str]:
    texts = _texts(doc)
    start = texts.index("项目与合同")
    return texts[start:texts.index("四、评审结论")]


def _project_tables(doc) -> list[list[list[str]]]:
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return [t for t in tables if t[0] == HEADER]


def _saved(doc):
    buffer = io.BytesIO()
    doc.save(buffer)
    return Document(io.BytesIO(buffer.getvalue()))


def test_the_draft_lists_each_project_with_its_contract_and_the_crops_of_amount_and_parties(tmp_path):
    doc = _saved(review_document(_entry(build_store(tmp_path / "r.sqlite", ("app-23",))), [], RULES))
    section = _section(doc)
    assert section[1:3] == ["项目1：南京电力公司信息通信分公司数据中心基础设施运维服务项目",
                            "合同：file40.pdf 第1–2页，合同编号 HT-2010-001"]
    assert "仅凭申报表计入：合同（file40.pdf第1–2页，编号HT-2010-001）金额大小写不一致" in section
    assert "合同金额：file40.pdf 第3页　68万元" in section
    assert "乙方：file40.pdf 第3页　南京恒运信息系统有限公司" in section
    tables = _project_tables(doc)
    assert len(tables) == 6
    assert tables[1][3] == ["合同金额（小写）", "158.00万元", "68.00万元", "⚠ 不一致"]
    assert tables[0][4] == ["合同金额（大写）", "", "16.80万元（人民币壹拾陆万捌仟元整）", "⚠ 不一致"]
    assert tables[1][6] == ["合同性质", "运维服务", "运维服务", ""]
    # the amount, 甲方 and 乙方 of each of the six contracts, as pictures the width of the text
    assert len(doc.inline_shapes) == 18
    assert "原件不可用，未附截图" not in "".join(section)


def test_without_the_originals_the_draft_says_so_and_still_lists_the_values(tmp_path):
    store = build_store(tmp_path / "r.sqlite", ("app-23",), intake=tmp_path / "nowhere")
    doc = _saved(review_document(_entry(store), [], RULES))
    section = _section(doc)
    assert section[1] == "原件不可用，未附截图（找不到申报材料目录）。"
    assert "合同金额：file40.pdf 第3页　68万元" in section
    assert "甲方：file40.pdf 第3页　南京市社会保险事业管理中心" in section
    assert len(_project_tables(doc)) == 6 and len(doc.inline_shapes) == 0


def test_the_dashboards_download_finds_the_originals_in_its_intake(tmp_path):
    store = build_store(tmp_path / "r.sqlite", ("app-23",), batch=False)  # `omreview run`: no batch intake recorded
    assert len(_saved(applicant_docx(store, _entry(store), RULES)).inline_shapes) == 0
    assert len(_saved(applicant_docx(store, _entry(store), RULES, intake=SAMPLE_DOCS)).inline_shapes) == 18


def test_a_folder_without_contracts_says_its_projects_rest_on_the_form(tmp_path):
    doc = review_document(_entry(build_store(tmp_path / "r.sqlite", ("app-07",))), [], RULES)
    assert _section(doc) == ["项目与合同", "未附合同：项目情况仅依据申报表填报。"]
    assert not _project_tables(doc) and len(doc.inline_shapes) == 0


def _store_with(path, report, digest):
    store = ResultStore(f"sqlite:///{path}")
    store.migrate()
    batch = store.start_batch(str(SAMPLE_DOCS), report.rules_version)
    store.save(report, digest, batch)
    store.finish_batch(batch, 1, 0, 0)
    return store


def test_amounts_apart_below_the_wan_shown_period_not_read_and_an_undeclared_contracts_own_fault(tmp_path):
    """Amounts that read alike in 万元 but differ are shown to the 元; a date not read says so; a contract no row
    declares is marked by its own discrepancy (contract.words.contractK), found by its file and pages."""
    report, digest = reviewed("app-23")
    first = report.projects[0]
    contract = first.contract.model_copy(update={
        "amount": first.contract.amount.model_copy(update={"value": "1679980.00"}),
        "period": first.contract.period.model_copy(update={"value": "2010-01-01至?"})})
    renewal = report.projects[3].contract
    words = Discrepancy(figure="contract.words.contract7", message="合同金额大小写不一致。", values=[
        DiscrepancyValue(value="500000.00", source=renewal.amount.source),
        DiscrepancyValue(value="50000.00", source=renewal.amount_words.source)])
    report = report.model_copy(update={
        "projects": [first.model_copy(update={"contract": contract}), *report.projects[1:],
                     ProjectContract(project=None, contract=renewal)],
        "discrepancies": [*report.discrepancies, Discrepancy(
            figure="contract.amount.project1", message="金额不一致。",
            values=[DiscrepancyValue(value="1680000.00", source=first.amount.source),
                    DiscrepancyValue(value="1679980.00", source=contract.amount.source)]), words]})
    doc = review_document(_entry(_store_with(tmp_path / "r.sqlite", report, digest)), [], RULES)
    tables = _project_tables(doc)
    assert tables[0][3] == ["合同金额（小写）", "168.00万元（1,680,000.00元）", "168.00万元（1,679,980.00元）",
                            "⚠ 不一致"]
    assert tables[0][5] == ["期限", "2010-01-01 至 2010-12-31", "2010-01-01 至 （未读出）", ""]
    assert tables[-1][4] == ["合同金额（大写）", "", "50.00万元（人民币伍拾万元整）", "⚠ 不一致"]
    assert [t[4][3] for t in tables[1:-1]] == [""] * 5  # project 4's contract itself: its own row is not marked
