"""A reviewer's whole day in a real browser (#17 point 10): signed in with the team's credentials, a filtered
queue from a bookmarked address, an applicant opened from the queue, a figure's evidence and its whole page, every
open item decided, the 评审结论 made, a reload that keeps the session, back to the queue (the applicant has left it,
the filter kept), and the overview's export carrying the conclusion.

Playwright drives Debian's chromium (``apt-get install chromium``; fonts-noto-cjk for Chinese in screenshots); the
test is skipped, saying so, where chromium is absent.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from omreview.dashboard.auth import add_reviewer
from tests.store_factory import build_store
from tests.test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS, serve

PASSWORD = "correct horse"
REVIEWER = "王评审"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is absent: apt-get install chromium to run the browser test")


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_a_reviewer_takes_an_applicant_from_the_queue_to_its_conclusion(tmp_path: Path) -> None:
    expect.set_options(timeout=60_000)
    store = build_store(tmp_path / "r.sqlite", ("app-01", "app-07"))
    creds = tmp_path / "reviewers.txt"
    add_reviewer(creds, REVIEWER, PASSWORD, iterations=1000)
    signed = ("--credentials", str(creds), "--session-secret", str(tmp_path / "dashboard.key"))
    with serve(store.url, tmp_path / "server.log", *signed) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1200}, locale="zh-CN", accept_downloads=True)
        context.set_default_timeout(60_000)
        page = context.new_page()

        # a bookmarked view of the queue: open applicants only
        page.goto(f"{base}/?state=open")
        page.get_by_label("评审人").fill(REVIEWER)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_text("运行维护能力评定 · 评审总览")).to_be_visible()
        expect(page.get_by_text(re.compile(r"^工作队列：待评审2家"))).to_be_visible()

        # the first open applicant, opened from the queue: the filter stays in the address
        page.get_by_role("button", name="打开第一家待评审：app-01").click()
        expect(page.get_by_text("评审状态：待评审 — 待人工判断：G4 资信与守法（人工判断）")).to_be_visible()
        assert _query(page) == {"state": ["open"], "applicant": ["app-01"]}

        # evidence: the source of a figure (its crop, shown at once), then its whole page
        crop = page.locator('img[alt^="来源图像"]').first
        expect(crop).to_be_visible()
        label = crop.get_attribute("alt").removeprefix("来源图像 ")
        page.get_by_text("查看整页（缩放、翻页）").locator("visible=true").first.click()
        whole = page.locator(f'img[alt="整页 {label}"]')
        expect(whole).to_be_visible()
        assert whole.evaluate("img => img.complete && img.naturalWidth > 500")
        # and a check's originals: B1 (运维收入) opened, its sources shown; it stays open through the rerun
        page.locator("summary").filter(has_text="B1 近三年运维收入").click()
        b1 = page.locator('[data-testid="stExpander"]').filter(has_text="B1 近三年运维收入")
        switch = b1.get_by_role("switch", name="显示来源原件")
        for _ in range(3):  # a click that lands while the page is still running its last rerun is dropped by it
            b1.get_by_text("显示来源原件").click()
            try:
                expect(switch).to_be_checked(timeout=10_000)
                break
            except AssertionError:
                continue
        expect(switch).to_be_checked()
        expect(b1.locator("img").locator("visible=true").first).to_be_visible()

        # every open item decided (the form moves on by itself), then the conclusion
        conclusion = page.locator('[data-testid="stForm"]').nth(1)
        for check in ("G4", "B3", "M1", "T3", "T4"):
            page.get_by_label("理由").fill(f"{check}已核对原件")
            page.get_by_role("button", name=f"以 {REVIEWER} 的名义记录").click()
            expect(page.get_by_text(f"已记录：{check} ").first).to_be_visible()
        conclusion.get_by_text("通过", exact=True).click()
        conclusion.get_by_label("评审意见").fill("符合运行维护能力评定条件")
        conclusion.get_by_role("button", name=f"以 {REVIEWER} 的名义作出评审结论").click()
        expect(page.get_by_text(f"评审状态：已结论（通过） — {REVIEWER}")).to_be_visible()

        # a reload keeps the session (the signed cookie) and shows the conclusion
        page.reload()
        expect(page.get_by_text(f"评审状态：已结论（通过） — {REVIEWER}")).to_be_visible()
        expect(page.get_by_text("omreview 评审 · 登录")).to_have_count(0)

        # back to the queue: the filter kept, the applicant has left it
        page.get_by_role("button", name="← 返回总览").click()
        expect(page.get_by_text(re.compile(r"^工作队列：待评审1家.*已结论1家"))).to_be_visible()
        assert _query(page) == {"state": ["open"]}
        expect(page.get_by_role("button", name="打开第一家待评审：app-07")).to_be_visible()

        # the concluded applicants' export carries the conclusion
        page.goto(f"{base}/?state=concluded")
        expect(page.get_by_text(re.compile(r"^工作队列："))).to_be_visible()
        with page.expect_download() as xlsx:
            page.get_by_role("button", name=re.compile(r"^下载 评审汇总\.xlsx")).click()
        path = tmp_path / "评审汇总.xlsx"
        xlsx.value.save_as(path)
        browser.close()

    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book["申报企业"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert [r[header.index("申报编号")] for r in body] == ["app-01"]
    assert (body[0][header.index("评审结论")], body[0][header.index("评审人")]) == ("通过", REVIEWER)
    [event] = store.conclusion_events()
    assert (event.conclusion, event.reviewer) == ("approved", REVIEWER)
