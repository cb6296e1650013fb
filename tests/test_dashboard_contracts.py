"""项目与合同 on the applicant page (#18 point 6), through Streamlit's AppTest: each project of the form beside its
contract, the disagreeing lines marked, why a project counts only on the form's word, the contracts no project
declares, the contract's amount and parties in the original on request, and the one line of a folder without
contracts."""

import base64
import io
import os
import re

from PIL import Image
from streamlit.testing.v1 import AppTest

from omreview.model import ProjectContract
from omreview.store import ResultStore
from tests.conftest import SAMPLE_DOCS
from tests.store_factory import build_store, reviewed

PAGE = os.path.join(os.path.dirname(__file__), "..", "dashboard", "page.py")
PROJECT1 = "项目1：南京电力公司信息通信分公司数据中心基础设施运维服务项目"
CODES = re.compile(r"\bproject\d|\bcontract\d|\b(om|equipment|software_development|other)\b")


def _page(monkeypatch, store: ResultStore, applicant: str) -> AppTest:
    monkeypatch.setenv("OMREVIEW_DASHBOARD_DB", store.url)
    monkeypatch.setenv("OMREVIEW_REVIEWER", "测试评审")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["applicant"] = applicant
    at.run()
    assert not at.exception
    return at


def _with_unlinked(path, intake=SAMPLE_DOCS) -> ResultStore:
    """app-23's report and one more contract that no project declares (a renewal of project 4's, as app-24 has)."""
    report, digest = reviewed("app-23")
    renewal = report.projects[3].contract.model_copy(update={"number": report.projects[3].contract.number.model_copy(
        update={"value": "YW-2012-611"})})
    projects = [*report.projects, ProjectContract(project=None, contract=renewal)]
    store = ResultStore(f"sqlite:///{path}")
    store.migrate()
    batch = store.start_batch(str(intake), report.rules_version)
    store.save(report.model_copy(update={"projects": projects}), digest, batch)
    store.finish_batch(batch, 1, 0, 0)
    return store


def _section(at: AppTest) -> list[str]:
    """The markdown of 项目与合同, from its heading to the next section's."""
    heads = [h.value for h in at.subheader]
    assert "项目与合同" in heads
    texts = [m.value for m in at.markdown]
    return [t for t in texts if "**  \n合同：" in t or t.startswith("**合同：") or t == "**未与申报项目对应的合同**"]


def _tables(at: AppTest) -> dict[str, list[dict[str, str]]]:
    """The section's tables by the project title above them (a table per project, in the page's order)."""
    titles = [t.split("**")[1] for t in _section(at) if not t.startswith("**未与")]
    ours = [t.value for t in at.table if list(t.value.columns) == ["项目", "申报表", "合同", "核对"]]
    assert len(ours) == len(titles)
    return {title: table.to_dict("records") for title, table in zip(titles, ours, strict=True)}


def _row(rows: list[dict[str, str]], label: str) -> dict[str, str]:
    return next(r for r in rows if r["项目"] == label)


def test_each_project_is_shown_beside_its_contract_with_the_disagreements_marked(tmp_path, monkeypatch):
    at = _page(monkeypatch, _with_unlinked(tmp_path / "r.sqlite"), "app-23")
    section = _section(at)
    assert section[1] == ("**项目2：南京市社会保险事业管理中心信息系统运行维护服务项目**  \n"
                          "合同：file40.pdf 第3–4页，合同编号 BJYW-2011-002")
    tables = _tables(at)
    padded = tables["项目2：南京市社会保险事业管理中心信息系统运行维护服务项目"]
    assert _row(padded, "合同金额（小写）") == {"项目": "合同金额（小写）", "申报表": "158.00万元", "合同": "68.00万元",
                                             "核对": "⚠ 不一致"}
    assert _row(padded, "甲方（客户）")["核对"] == "" and _row(padded, "合同性质")["合同"] == "运维服务"
    assert _row(padded, "期限")["合同"] == "2011-03-01 至 2012-02-29"
    assert _row(padded, "乙方（服务方）") == {
        "项目": "乙方（服务方）", "申报表": "南京恒运信息系统有限公司（申报企业）", "合同": "南京恒运信息系统有限公司",
        "核对": ""}
    words = _row(tables[PROJECT1], "合同金额（大写）")
    assert words == {
        "项目": "合同金额（大写）", "申报表": "", "合同": "16.80万元（人民币壹拾陆万捌仟元整）", "核对": "⚠ 不一致"}
    # why project 1 counts only on the form's word; project 2's contract is what counts (no doubt)
    assert [w.value for w in at.warning if w.value.startswith("仅凭申报表计入")] == [
        "仅凭申报表计入：合同（file40.pdf第1–2页，编号HT-2010-001）金额大小写不一致"]
    # the contract no project declares, after the projects
    assert section[-2:] == ["**未与申报项目对应的合同**", "**合同：file40.pdf 第7–8页，合同编号 YW-2012-611**"]
    unlinked = tables["合同：file40.pdf 第7–8页，合同编号 YW-2012-611"]
    assert _row(unlinked, "合同金额（小写）") == {
        "项目": "合同金额（小写）", "申报表": "", "合同": "50.00万元", "核对": ""}
    # no codes of the report anywhere in the section
    shown = [*section, *(str(v) for rows in tables.values() for r in rows for v in r.values())]
    assert not [t for t in shown if CODES.search(t)]


def _png_size(url: str) -> tuple[int, int]:
    data = base64.b64decode(url.split(",", 1)[1])
    return Image.open(io.BytesIO(data)).size


def test_the_contracts_amount_and_parties_are_shown_in_the_original_on_request(tmp_path, monkeypatch):
    at = _page(monkeypatch, build_store(tmp_path / "r.sqlite", ("app-23",)), "app-23")
    before = len(at.get("image"))  # the discrepancies' values, already shown
    at.toggle(key="contract-project-1").set_value(True).run()
    assert not at.exception
    images = [i.proto.imgs[0] for i in at.get("image")]
    assert len(images) == before + 3
    crops = images[3:6]  # after the discrepancies' three values, before the figures' one
    assert [c.caption for c in crops] == ["来源：file40.pdf 第3页　68万元",
                                          "来源：file40.pdf 第3页　南京市社会保险事业管理中心",
                                          "来源：file40.pdf 第3页　南京恒运信息系统有限公司"]
    # each value's own line only (never the lines around it: a signature block, a person's name)
    width, height = _png_size(crops[0].url)
    assert width > 1000 and height < 60
    assert _png_size(images[0].url)[1] > 150  # the same value among the discrepancies: the band around it
    assert [c.value for c in at.caption if c.value.startswith(("合同金额：", "甲方：", "乙方："))] == [
        "合同金额：file40.pdf 第3页", "甲方：file40.pdf 第3页", "乙方：file40.pdf 第3页"]


def test_without_the_originals_the_page_says_why(tmp_path, monkeypatch):
    at = _page(monkeypatch, build_store(tmp_path / "r.sqlite", ("app-23",), intake=tmp_path / "nowhere"), "app-23")
    missing = f"找不到申报材料目录：{tmp_path / 'nowhere' / 'app-23'}"
    before = sum(missing == c.value for c in at.caption)  # the discrepancies' values say it already
    at.toggle(key="contract-project-0").set_value(True).run()
    assert not at.exception
    assert sum(missing == c.value for c in at.caption) == before + 3 and not at.get("image")
    assert _row(_tables(at)[PROJECT1], "合同金额（小写）")["合同"] == "168.00万元"


def test_a_folder_without_contracts_says_its_projects_rest_on_the_form(tmp_path, monkeypatch):
    at = _page(monkeypatch, build_store(tmp_path / "r.sqlite", ("app-07",)), "app-07")
    assert "项目与合同" in [h.value for h in at.subheader]
    assert "未附合同：项目情况仅依据申报表填报。" in [m.value for m in at.markdown]
    assert not at.toggle or not [t for t in at.toggle if t.key and t.key.startswith("contract-")]
