"""Evidence whole on the applicant page (#17 point 4), through Streamlit's AppTest: one evidence of each kind
opened as a reviewer opens it (a roster cell, a .docx form cell, a PDF page whole with zoom and paging), the
OCR confidence beside a value read by OCR, and a changed original refused.
"""

import os
import re
import shutil
from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from omreview.masking import ID_NUMBER_IN_TEXT
from omreview.store import ResultStore
from tests.conftest import SAMPLE_DOCS
from tests.store_factory import build_store, reviewed

PAGE = os.path.join(os.path.dirname(__file__), "..", "dashboard", "page.py")
FIGURE = "figure-om_revenue.2009"  # the first figure the page offers: 材料_1.pdf page 5


def _page(monkeypatch, store: ResultStore, applicant: str = "app-07") -> AppTest:
    monkeypatch.setenv("OMREVIEW_DASHBOARD_DB", store.url)
    monkeypatch.setenv("OMREVIEW_REVIEWER", "测试评审")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["applicant"] = applicant
    at.run()
    assert not at.exception
    return at


def _html(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.get("html")]


def _images(at: AppTest) -> list[tuple[str, int, int]]:
    found = [re.search(r'alt="([^"]*)" width="(\d+)" height="(\d+)"', b) for b in _html(at) if "<img" in b]
    return [(m.group(1), int(m.group(2)), int(m.group(3))) for m in found if m]


def _cited(body: str) -> str:
    cell = body[body.index("data-cited"):]
    return re.sub(r"<[^>]+>", "", cell[cell.index(">") + 1:cell.index("</td>")])


def test_each_kind_of_evidence_opens_on_the_applicant_page(tmp_path, monkeypatch):
    at = _page(monkeypatch, build_store(tmp_path / "r.sqlite"))

    # the roster: the discrepancies' cells among their rows, the person cited by sheet row and 序号, masked
    rosters = [b for b in _html(at) if 'aria-label="来源名册' in b]
    assert len(rosters) == 3 and "第35行（序号31） D列" in rosters[0]
    assert _cited(rosters[0]) == "4101**********9697"
    cited = "来源：材料_4.xlsx 工作表 人员名册 第35行（序号31） D列：4101**********9697"
    assert any(cited in c.value for c in at.caption)
    assert "工作表 人员名册 第35行（序号31）" in [c.value for c in at.caption]  # the roster rows' section too
    assert not any(ID_NUMBER_IN_TEXT.search(b) for b in _html(at))

    # the .docx form: a check's evidence shown in its table, the cell highlighted
    at.toggle(key="pages-P1").set_value(True).run()
    forms = [b for b in _html(at) if 'aria-label="来源表格 材料_3.docx 表1（一、企业基本情况） B8"' in b]
    assert len(forms) == 1 and _cited(forms[0]) == "Z2110120110975" and "系统集成资质证书编号" in forms[0]

    # a PDF page: the band around the value, and on request the page whole, the cited page first, then zoom and
    # paging within the document
    assert [i.proto.imgs[0].caption for i in at.get("image")] == ["来源：材料_1.pdf 第5页　运维服务 19,768,424.98"]
    assert not _images(at)
    at.toggle(key=f"whole-{FIGURE}").set_value(True).run()
    assert _images(at) == [("整页 材料_1.pdf 第5页", 794, 1123)]
    assert any("红框为所引位置" in c.value for c in at.caption)
    assert at.button(key=f"next-{FIGURE}").disabled and not at.button(key=f"prev-{FIGURE}").disabled
    at.button_group(key=f"zoom-{FIGURE}").set_value(150).run()
    assert _images(at) == [("整页 材料_1.pdf 第5页", 1191, 1684)]
    at.button(key=f"prev-{FIGURE}").click().run()
    assert _images(at) == [("整页 材料_1.pdf 第4页", 1191, 1684)]
    assert not any("红框为所引位置" in c.value for c in at.caption)  # another page: nothing cited on it
    assert any(m.value.startswith("第4页 / 共5页") for m in at.markdown)


def test_a_value_read_by_ocr_shows_its_confidence_marked_when_low(tmp_path, monkeypatch):
    report, digest = reviewed("app-07")
    figures = dict(report.figures)
    fig = figures["om_revenue.2009"]
    figures["om_revenue.2009"] = fig.model_copy(
        update={"source": fig.source.model_copy(update={"confidence": Decimal("0.62")})})
    store = ResultStore(f"sqlite:///{tmp_path / 'r.sqlite'}")
    store.migrate()
    batch = store.start_batch(str(SAMPLE_DOCS), report.rules_version)
    store.save(report.model_copy(update={"figures": figures}), digest, batch)
    store.finish_batch(batch, 1, 0, 0)
    at = _page(monkeypatch, store)
    assert ":red[**⚠ OCR置信度 62.00%（低于90.00%，请核对原件）**]" in [m.value for m in at.markdown]


@pytest.mark.parametrize(("name", "where"), [("材料_4.xlsx", "discrepancy"), ("材料_1.pdf", "figure")])
def test_a_changed_original_is_not_shown(tmp_path, monkeypatch, name, where):
    intake = tmp_path / "intake"
    shutil.copytree(SAMPLE_DOCS / "app-07", intake / "app-07")
    with open(intake / "app-07" / name, "ab") as fh:
        fh.write(b"\0")
    at = _page(monkeypatch, build_store(tmp_path / "r.sqlite", ("app-07",), intake=intake))
    refused = f"原件自审查以来已改变（sha256 不同）：{name}"
    assert any(refused in c.value for c in at.caption)
    if where == "discrepancy":
        assert not [b for b in _html(at) if "来源名册" in b]
    else:  # no band of the page, and no page viewer to open
        assert not at.get("image") and f"whole-{FIGURE}" not in [t.key for t in at.toggle]
