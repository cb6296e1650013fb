"""Evidence whole in a real browser (#17 point 4): the page viewer's image and the table windows are HTML the
front end sanitises, so what the reviewer sees is checked in chromium — the whole page drawn at its zoom, the
roster's and the form's cited cells highlighted, no 身份证号 unmasked. Same server and browser as
``test_dashboard_browser`` (skipped, saying so, without /usr/bin/chromium).
"""


import pytest
from playwright.sync_api import expect

from omreview.masking import ID_NUMBER_IN_TEXT
from tests.store_factory import build_store
from tests.test_dashboard_browser import CHROMIUM, _wait_idle, serve
from tests.test_dashboard_browser import browser as browser
from tests.test_dashboard_browser import page as page

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is absent: apt-get install chromium to run the browser test")


def _switch_on(page, toggle) -> None:
    """Turn a Streamlit toggle on (again if a rerun under way swallowed the click)."""
    box = toggle.locator('input[type="checkbox"]')
    for _ in range(3):
        if box.is_checked():
            return
        toggle.locator("label").click()
        _wait_idle(page)
    expect(box).to_be_checked()


def test_the_reviewer_sees_each_kind_of_evidence_whole(tmp_path, page):
    store = build_store(tmp_path / "r.sqlite", ("app-07",))
    with serve(store.url, tmp_path / "server.log") as base:
        page.goto(f"{base}/?applicant=app-07")
        expect(page.get_by_text("数据及其来源")).to_be_visible()

        # the roster: the cited cell highlighted among its rows, the person cited by row and 序号
        roster = page.locator('table[aria-label*="第35行（序号31）"]')
        expect(roster).to_be_visible()
        cited = roster.locator("td[data-cited]")
        expect(cited).to_have_text("4101**********9697")
        assert "rgb(255, 243, 160)" in cited.evaluate("td => getComputedStyle(td).backgroundColor")
        expect(roster.locator("tr")).to_have_count(1 + 1 + 1 + 7)  # letters, header, gap, 7 rows

        # the .docx form: a check's evidence in its table
        p1 = page.locator('[data-testid="stExpander"]').filter(has_text="P1 具有计算机信息系统集成企业资质")
        p1.locator("summary").click()
        _wait_idle(page)
        _switch_on(page, p1.locator('[data-testid="stCheckbox"]', has_text="显示来源原件"))
        form = page.locator('table[aria-label="来源表格 材料_3.docx 表1（一、企业基本情况） B8"]')
        expect(form.locator("td[data-cited]")).to_have_text("Z2110120110975")

        # a PDF page whole, drawn at its zoom, then the page before
        _wait_idle(page)
        _switch_on(page, page.locator('[data-testid="stCheckbox"]', has_text="查看整页（缩放、翻页）"))
        whole = page.locator('img[alt="整页 材料_1.pdf 第5页"]')
        expect(whole).to_be_visible()
        assert whole.evaluate("img => img.complete && img.naturalWidth") == 794
        page.get_by_text("200%", exact=True).click()
        expect(page.locator('img[alt="整页 材料_1.pdf 第5页"][width="1588"]')).to_be_visible()
        assert page.locator('img[alt="整页 材料_1.pdf 第5页"]').evaluate("img => img.naturalWidth") == 1588
        page.get_by_role("button", name="上一页").click()
        expect(page.locator('img[alt="整页 材料_1.pdf 第4页"]')).to_be_visible()
        _wait_idle(page)
        assert not ID_NUMBER_IN_TEXT.search(page.inner_text("body"))
