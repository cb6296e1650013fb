"""The dashboard in a real browser: Playwright drives Debian's chromium against a local server.

Playwright's own browser download is not used (it cannot be fetched here): the test launches
/usr/bin/chromium (``apt-get install chromium``) and is skipped, saying so, where it is absent.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from omreview.dashboard.auth import add_reviewer
from omreview.dashboard.sources import applicant_folder, original, read_roster_row
from omreview.rules import default_rules
from tests.store_factory import build_store

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STARTUP_SECONDS = 90
expect.set_options(timeout=60_000)  # a busy CI machine: a Streamlit rerun can take seconds
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is absent: apt-get install chromium to run the browser test")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(store_url: str, log: Path, *extra: str, reviewer: str = "测试评审"):
    """``python -m omreview.dashboard.app`` on a free loopback port, until the block ends."""
    port = _free_port()
    env = {**os.environ, "OMREVIEW_REVIEWER": reviewer}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "omreview.dashboard.app", "--db", store_url, "--port", str(port),
                                 *extra], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if proc.poll() is not None:
                pytest.fail(f"dashboard exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"dashboard did not start in {STARTUP_SECONDS}s:\n{log.read_text(errors='replace')}")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1200}, locale="zh-CN")
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()


def _wait_idle(page: Page) -> None:
    """Until Streamlit has finished the script run the last action started."""
    page.wait_for_timeout(300)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')")


def test_applicant_page_shows_verdict_checks_masked_values_and_the_source(tmp_path, page):
    store = build_store(tmp_path / "r.sqlite")
    entry = next(e for e in store.latest_applicants() if e.applicant_id == "app-07")
    src = next(s for s in entry.report["discrepancies"][0]["values"])["source"]
    row = read_roster_row(original(applicant_folder(entry), src["file"], src["sha256"]), src["file"], src["sheet"],
                          src["cell"], default_rules())
    name, id_number = dict(zip(row.headers, row.values, strict=True))["姓名"], row.values[row.keys.index("id_number")]

    with serve(store.url, tmp_path / "server.log") as base:
        page.goto(f"{base}/")
        expect(page.get_by_text("运行维护能力评定 · 评审总览")).to_be_visible()
        expect(page.locator('[data-testid="stMetric"]').first).to_contain_text("3")
        expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(4)

        page.goto(f"{base}/?applicant=app-07")
        expect(page.get_by_text("结论：需复核")).to_be_visible()
        b1 = page.locator('[data-testid="stTable"] tr', has_text="近三年运维收入总额不低于1亿元").first
        expect(b1).to_contain_text("通过")
        expect(page.get_by_text("needs_review")).to_have_count(0)  # labels, not the report's codes
        expect(page.get_by_text("4101**********9697").first).to_be_visible()
        image = page.locator('img[alt^="来源图像"]').first
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth > 1000 && img.naturalHeight > 100")
        expect(page.get_by_text("来源：材料_1.pdf 第5页").first).to_be_visible()
        _wait_idle(page)
        assert id_number not in page.inner_text("body") and name not in page.inner_text("body")

        # a roster row: masked until the reviewer asks for it, and that is logged
        page.get_by_text(f"{src['file']} {src['sheet']}!{src['cell']}", exact=True).click()
        masked_name = name[0] + "*" * (len(name) - 1)
        expect(page.locator('[data-testid="stExpander"]', has_text=masked_name).first).to_be_visible()
        page.get_by_role("button", name="显示个人信息（将被记录）").first.click()
        expect(page.get_by_text(name, exact=True).first).to_be_visible()
        assert [v["reviewer"] for v in store.personal_data_views(entry.row_id)] == ["测试评审"]

        # a decision beside the machine result, recorded under the local reviewer's name; the form opens on the
        # first open item (the roster's invalid 身份证号, 待核实), not on a passed check
        page.get_by_label("理由").fill("校验码确实错误")
        page.get_by_role("button", name="以 测试评审 的名义记录").click()
        expect(page.get_by_text("已记录：人员名册第35行身份证号无效 接受 — 测试评审").first).to_be_visible()
        [decision] = store.decisions([entry.row_id])
        assert (decision.target, decision.reviewer, decision.machine_status) == ("roster.id_number.row35", "测试评审",
                                                                                 None)
        expect(page.get_by_text("评审决定：接受 — 测试评审").first).to_be_visible()


def test_signed_in_reviewer_overrides_a_check(tmp_path, page):
    store = build_store(tmp_path / "r.sqlite", ("app-10",))
    creds = tmp_path / "reviewers.txt"
    add_reviewer(creds, "王评审", "correct horse", iterations=1000)
    with serve(store.url, tmp_path / "server.log", "--credentials", str(creds)) as base:
        page.goto(f"{base}/?applicant=app-10")
        expect(page.get_by_text("omreview 评审 · 登录")).to_be_visible()
        expect(page.get_by_text("结论")).to_have_count(0)
        page.get_by_label("评审人").fill("王评审")
        page.get_by_label("密码").fill("wrong password")
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_text("评审人或密码不正确。")).to_be_visible()
        page.get_by_label("密码").fill("correct horse")
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_text("结论：不符合")).to_be_visible()
        expect(page.get_by_text("评审人：王评审")).to_be_visible()

        form = page.locator('[data-testid="stForm"]').first  # the decision form (the 评审结论's follows)
        form.locator('[data-testid="stSelectbox"]').first.click()
        page.keyboard.type("M2b")  # the option list is virtualised: filter it to the one wanted
        page.get_by_role("option", name="检查项 M2b", exact=False).click()
        form.get_by_text("推翻", exact=True).click()
        form.locator('[data-testid="stSelectbox"]').nth(1).click()
        page.get_by_role("option", name="需复核", exact=True).click()
        form.get_by_label("理由").fill("职称证书另附，需核对")
        form.get_by_role("button", name="以 王评审 的名义记录").click()
        expect(page.get_by_text("已记录：M2b 运维技术负责人 推翻（需复核） — 王评审").first).to_be_visible()
    [decision] = store.decisions()
    assert (decision.target, decision.reviewer, decision.reviewer_status.value) == ("M2b", "王评审", "review")
    assert decision.machine_status == "fail"


def test_a_reviewer_decides_every_open_item_then_concludes(tmp_path, page):
    """app-01 meets every condition: its five manual checks decided one after the other (the form moves on by
    itself), then the 评审结论, and the header says it."""
    store = build_store(tmp_path / "r.sqlite", ("app-01",))
    with serve(store.url, tmp_path / "server.log") as base:
        page.goto(f"{base}/?applicant=app-01")
        expect(page.get_by_text("评审状态：待评审 — 待人工判断：G4 资信与守法（人工判断）")).to_be_visible()
        conclusion = page.locator('[data-testid="stForm"]').nth(1)
        expect(conclusion.get_by_role("button", name="以 测试评审 的名义作出评审结论")).to_be_disabled()
        for check in ("G4", "B3", "M1", "T3", "T4"):
            page.get_by_label("理由").fill(f"{check}已核对原件")
            page.get_by_role("button", name="以 测试评审 的名义记录").click()
            expect(page.get_by_text(f"已记录：{check} ").first).to_be_visible()
        expect(page.get_by_text("评审状态：待评审 — 各项均已处理，待作评审结论")).to_be_visible()
        conclusion.get_by_text("通过", exact=True).click()
        conclusion.get_by_label("评审意见").fill("符合运行维护能力评定条件")
        conclusion.get_by_role("button", name="以 测试评审 的名义作出评审结论").click()
        expect(page.get_by_text("评审状态：已结论（通过） — 测试评审")).to_be_visible()
        expect(page.get_by_text("通过 — 测试评审").first).to_be_visible()
    [event] = store.conclusion_events()
    assert (event.conclusion, event.opinion, event.reviewer) == ("approved", "符合运行维护能力评定条件", "测试评审")
    assert sorted(d.target for d in store.decisions()) == ["B3", "G4", "M1", "T3", "T4"]
