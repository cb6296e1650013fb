"""Data stays behind the session: no route of the dashboard's server serves data to a request without one.

The browser test starts the real dashboard with a credentials file, signs in, opens an applicant's
page images and both downloads, collects every address the browser fetched and every image and link
address on the page, then fetches each with no cookie (and again after signing out): the data routes
answer 403, and the only addresses that answer are the front end's own files, which hold no data.
"""

from __future__ import annotations

import asyncio
import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from omreview.dashboard.auth import add_reviewer
from omreview.dashboard.guard import DataRouteGuard, refused
from tests.store_factory import build_store

# front-end files and the start-up routes: the same bytes for everyone, no reviewer data
_FRONT_END = ("/", "/index.html", "/_stcore/health", "/_stcore/host-config", "/favicon.png", "/manifest.json")
# the sign-in cookie's hand-over (omreview.dashboard.cookie): 403 to a GET, a cookie and no data to the page's POST
_COOKIE_ROUTES = {"/_omreview/session", "/_omreview/signout"}


@pytest.mark.parametrize("path", ["/media/0a1b2c.png", "/MEDIA/x.docx", "//media/x", "/_stcore/metrics",
                                  "/_stcore/upload_file/s/f", "/_stcore/agent/interact", "/_stcore/message",
                                  "/app/static/x.png", "/component/x/index.html", "/auth/login",
                                  "/oauth2callback", "/_stcore/stream/../metrics", "/base/media/x"])
def test_data_routes_are_refused(path):
    assert refused(path, base="base" if path.startswith("/base") else "")


@pytest.mark.parametrize("path", ["/", "/index.html", "/static/js/index.abc.js", "/_stcore/health",
                                  "/_stcore/host-config", "/_stcore/stream", "/favicon.png"])
def test_page_routes_are_served(path):
    assert not refused(path)


def test_guard_answers_403_without_calling_the_app():
    called: list[str] = []

    async def app(scope, receive, send):
        called.append(scope["path"])

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    guard = DataRouteGuard(app)
    asyncio.run(guard({"type": "http", "path": "/media/abc.png"}, receive, send))
    asyncio.run(guard({"type": "http", "path": "/_stcore/health"}, receive, send))
    assert sent[0]["status"] == 403 and b"signed-in page" in sent[1]["body"]
    assert called == ["/_stcore/health"]


def _fetch(url: str, method: str = "GET") -> tuple[int, bytes]:
    """``url`` with no cookie, no session: its status and body."""
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _is_front_end(path: str) -> bool:
    return path in _FRONT_END or path.startswith("/static/")


def _check_refused(base: str, urls: set[str]) -> list[str]:
    """The addresses among ``urls`` that gave data to a request without a session."""
    leaks = []
    for url in sorted(urls):
        status, body = _fetch(url)
        path = urlsplit(url).path
        if status in (401, 403, 404):
            continue
        if not _is_front_end(path) or (path.startswith("/static/") and b"app-07" in body):
            leaks.append(f"{status} {url}")
    return leaks


def test_signed_in_data_is_not_served_without_the_session(tmp_path):
    pytest.importorskip("playwright")
    from playwright.sync_api import expect, sync_playwright

    from tests.test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS, serve

    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent: apt-get install chromium to run the browser test")
    expect.set_options(timeout=60_000)
    store = build_store(tmp_path / "r.sqlite", ("app-07",))
    creds = tmp_path / "reviewers.txt"
    add_reviewer(creds, "王评审", "correct horse", iterations=1000)
    with serve(store.url, tmp_path / "server.log", "--credentials", str(creds)) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1200}, locale="zh-CN", accept_downloads=True)
        context.set_default_timeout(60_000)
        page = context.new_page()
        fetched: set[str] = set()
        page.on("request", lambda r: fetched.add(r.url) if r.url.startswith(base) else None)

        page.goto(f"{base}/?applicant=app-07")
        page.get_by_label("评审人").fill("王评审")
        page.get_by_label("密码").fill("correct horse")
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_text("结论：需复核")).to_be_visible()
        image = page.locator('img[alt^="来源图像"]').first
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth > 1000")
        with page.expect_download() as docx:
            page.get_by_role("button", name="下载 评审报告（草稿）.docx").click()
        assert Path(docx.value.path()).read_bytes().startswith(b"PK\x03\x04")
        assert docx.value.suggested_filename == "app-07-评审报告（草稿）.docx"

        page.get_by_role("button", name="← 返回总览").click()
        expect(page.get_by_text("运行维护能力评定 · 评审总览")).to_be_visible()
        with page.expect_download() as xlsx:
            page.get_by_role("button", name=re.compile(r"^下载 评审汇总\.xlsx（当前筛选")).click()
        assert Path(xlsx.value.path()).read_bytes().startswith(b"PK\x03\x04")

        page.goto(f"{base}/?applicant=app-07")  # a new page session: still signed in by the sign-in cookie
        expect(page.locator('img[alt^="来源图像"]').first).to_be_visible()
        expect(page.get_by_text("omreview 评审 · 登录")).to_have_count(0)
        sources = page.eval_on_selector_all("img, a[href], source, video, audio, iframe",
                                            "els => els.map(e => e.src || e.href || '')")
        addressed = {s for s in sources if s.startswith(base)}
        assert all(s.startswith(("data:image/png;base64,", base, "blob:")) or not s for s in sources), sources
        assert not any(urlsplit(s).path.startswith("/media") for s in addressed), addressed

        # what the browser fetched, the page's own addresses and Streamlit's data routes, without a cookie
        probes = fetched | addressed | {f"{base}/media/{'0' * 56}.png", f"{base}/_stcore/metrics",
                                        f"{base}/_stcore/upload_file/x/y", f"{base}/_stcore/agent/openapi.json"}
        assert _check_refused(base, probes) == []
        assert {urlsplit(u).path for u in fetched if not urlsplit(u).path.startswith("/static/")} <= \
            set(_FRONT_END) | _COOKIE_ROUTES
        assert _fetch(f"{base}/_stcore/metrics")[0] == 403

        page.get_by_role("button", name="退出登录").click()
        expect(page.get_by_text("omreview 评审 · 登录")).to_be_visible()
        assert _check_refused(base, probes) == []
        browser.close()
