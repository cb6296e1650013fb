"""Sign-in that holds: the signed, expiring cookie, its secret, its route, TLS, and a real browser.

The unit tests check the cookie (sign, verify, expiry, tampering), the owner-only secret, the
one-time hand-over and the route that sets and clears the cookie. The browser tests (Playwright on
Debian's chromium, marked ``browser`` in tests/conftest.py) sign in, reload, open a new tab and are
still signed in, then sign out and are out; a tampered or expired cookie signs out with its reason;
and the same over HTTPS with ``--tls-cert``/``--tls-key``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from starlette.applications import Starlette

from omreview.dashboard import cookie
from omreview.dashboard.app import check_tls, main, prepare, streamlit_command
from omreview.dashboard.auth import add_reviewer
from omreview.dashboard.config import DashboardConfig, plain_http_warning
from omreview.dashboard.session import ENDED_ELSEWHERE, EXPIRED, SIGNED_OUT, TAMPERED
from omreview.errors import InputError
from omreview.zh import time_zone
from tests.store_factory import build_store

SECRET = bytes(range(32))
CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct horse"


# -- the cookie ------------------------------------------------------------------------------------------

def test_a_signed_cookie_names_the_reviewer_until_it_expires():
    value, session = cookie.sign(SECRET, "王评审", 12, now=1_000_000)
    assert session.expires == 1_000_000 + 12 * 3600
    back = cookie.verify(SECRET, value, now=1_000_000 + 12 * 3600 - 1)
    assert (back.reviewer, back.sid, back.expires) == ("王评审", session.sid, session.expires)
    with pytest.raises(cookie.CookieRejected) as late:
        cookie.verify(SECRET, value, now=session.expires)
    assert late.value.reason == "expired"


def test_each_sign_in_is_its_own_session():
    first, second = cookie.sign(SECRET, "王评审", 1)[1], cookie.sign(SECRET, "王评审", 1)[1]
    assert first.sid != second.sid


@pytest.mark.parametrize("tamper", ["other reviewer", "later expiry", "other secret", "signature cut",
                                    "garbage", "empty", "no payload"])
def test_a_tampered_cookie_signs_nobody_in(tamper):
    value, _ = cookie.sign(SECRET, "王评审", 1, now=1_000_000)
    payload, mac = value.split(".")
    forged_other, _ = cookie.sign(b"x" * 32, "李评审", 1, now=1_000_000)
    forged_later, _ = cookie.sign(SECRET, "王评审", 1000, now=1_000_000)
    candidates = {
        "other reviewer": f"{forged_other.split('.')[0]}.{mac}",   # someone else's payload under this signature
        "later expiry": f"{forged_later.split('.')[0]}.{mac}",    # a longer life under the old signature
        "other secret": forged_other,                              # signed, but not by this server
        "signature cut": payload + "." + mac[:-2],
        "garbage": "not-a-cookie",
        "empty": "",
        "no payload": "." + mac,
    }
    with pytest.raises(cookie.CookieRejected) as rejected:
        cookie.verify(SECRET, candidates[tamper], now=1_000_001)
    assert rejected.value.reason == "tampered"


def test_the_secret_is_created_owner_only_and_kept(tmp_path):
    path = tmp_path / ".omreview-dashboard.key"
    secret = cookie.load_secret(path)
    assert len(secret) == cookie.SECRET_BYTES and oct(path.stat().st_mode & 0o777) == "0o600"
    assert cookie.load_secret(path) == secret


def test_a_secret_others_can_read_or_not_written_here_is_refused(tmp_path):
    path = tmp_path / "key"
    cookie.load_secret(path)
    path.chmod(0o644)
    with pytest.raises(InputError, match=f"readable by others: run chmod 600 {path}"):
        cookie.load_secret(path)
    path.write_text("short\n")
    path.chmod(0o600)
    with pytest.raises(InputError, match="not one omreview wrote"):
        cookie.load_secret(path)


def test_a_ticket_hands_the_cookie_over_once_and_only_for_a_minute():
    handoffs = cookie.Handoffs()
    ticket = handoffs.issue("value", 3600, now=100)
    assert handoffs.pending(ticket)
    assert handoffs.redeem(ticket, now=101) == ("value", 3600)
    assert handoffs.redeem(ticket, now=101) is None and not handoffs.pending(ticket)
    late = handoffs.issue("value", 3600, now=100)
    assert handoffs.redeem(late, now=100 + cookie.TICKET_SECONDS) is None


# -- the route that sets and clears it -------------------------------------------------------------------

class _Answer:
    def __init__(self, status: int, headers: dict[str, str]) -> None:
        self.status_code, self.headers = status, headers


class _Client:
    """Requests to the cookie routes as the ASGI server hands them on (no HTTP client needed)."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, content: str = "", headers: dict[str, str] | None = None) -> _Answer:
        raw = [(b"host", b"dash.example:8501"), *((k.encode(), v.encode()) for k, v in (headers or {}).items())]
        if self.cookies:
            raw.append((b"cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()).encode()))
        scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
                 "headers": raw, "scheme": "http", "server": ("dash.example", 8501), "client": ("127.0.0.1", 1),
                 "http_version": "1.1", "root_path": ""}
        sent: list[dict] = []

        async def receive():
            return {"type": "http.request", "body": content.encode(), "more_body": False}

        async def send(message):
            sent.append(message)

        asyncio.run(self.app(scope, receive, send))
        start = sent[0]
        return _Answer(start["status"], {k.decode(): v.decode() for k, v in start["headers"]})

    def post(self, path: str, content: str = "", headers: dict[str, str] | None = None) -> _Answer:
        return self.request("POST", path, content, headers)

    def get(self, path: str, headers: dict[str, str] | None = None) -> _Answer:
        return self.request("GET", path, "", headers)


@pytest.fixture
def client():
    settings = cookie.CookieSettings(secret=SECRET, name="omreview_session_8501")
    return _Client(Starlette(routes=cookie.cookie_routes(settings)))


ORIGIN = {"origin": "http://dash.example:8501"}


def test_the_route_sets_an_httponly_cookie_for_a_ticket_from_this_page(client):
    value, _ = cookie.sign(SECRET, "王评审", 12)
    ticket = cookie.HANDOFFS.issue(value, 12 * 3600)
    answer = client.post(cookie.SIGN_IN_PATH, content=ticket, headers=ORIGIN)
    assert answer.status_code == 204
    set_cookie = answer.headers["set-cookie"]
    assert set_cookie.startswith(f"omreview_session_8501={value};")
    assert "HttpOnly" in set_cookie and "SameSite=strict" in set_cookie and "Max-Age=43200" in set_cookie
    assert "Secure" not in set_cookie  # plain HTTP here; over HTTPS the cookie is Secure
    # the ticket is spent
    assert client.post(cookie.SIGN_IN_PATH, content=ticket, headers=ORIGIN).status_code == 403


def test_behind_a_proxy_the_route_takes_the_host_the_browser_asked_for(client):
    value, _ = cookie.sign(SECRET, "王评审", 12)
    ticket = cookie.HANDOFFS.issue(value, 12 * 3600)
    answer = client.post(cookie.SIGN_IN_PATH, content=ticket,
                         headers={"origin": "https://omreview.example", "x-forwarded-host": "omreview.example",
                                  "x-forwarded-proto": "https"})
    assert answer.status_code == 204 and "Secure" in answer.headers["set-cookie"]


@pytest.mark.parametrize("how", ["GET", "other origin", "no origin", "unknown ticket"])
def test_the_route_refuses_anything_but_a_ticket_posted_by_this_page(client, how):
    value, _ = cookie.sign(SECRET, "王评审", 12)
    ticket = cookie.HANDOFFS.issue(value, 12 * 3600)
    if how == "GET":
        answer = client.get(cookie.SIGN_IN_PATH, headers=ORIGIN)
    elif how == "other origin":
        answer = client.post(cookie.SIGN_IN_PATH, content=ticket, headers={"origin": "http://evil.example"})
    elif how == "no origin":
        answer = client.post(cookie.SIGN_IN_PATH, content=ticket)
    else:
        answer = client.post(cookie.SIGN_IN_PATH, content="forged", headers=ORIGIN)
    assert answer.status_code == 403 and "set-cookie" not in answer.headers


def test_signing_out_revokes_the_session_and_clears_the_cookie(client):
    value, session = cookie.sign(SECRET, "王评审", 12)
    client.cookies["omreview_session_8501"] = value
    answer = client.post(cookie.SIGN_OUT_PATH, headers=ORIGIN)
    assert answer.status_code == 204
    assert answer.headers["set-cookie"].startswith('omreview_session_8501="";') and "Max-Age=0" in \
        answer.headers["set-cookie"]
    assert session.sid in cookie.REVOKED


# -- the launcher: secret, lifetime, TLS -----------------------------------------------------------------

def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(__import__("ipaddress").ip_address(
                "127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_prepare_keeps_the_secret_owner_only_under_out_and_hands_its_path_and_lifetime_on(tmp_path):
    creds = tmp_path / "reviewers.txt"
    add_reviewer(creds, "王评审", PASSWORD, iterations=1000)
    out = tmp_path / "OUT"
    out.mkdir()
    config = prepare(f"sqlite:///{out / 'omreview.sqlite'}", "0.0.0.0", creds, out=out, port=8600, session_hours=8)
    secret = out / ".omreview-dashboard.key"
    assert config.session_secret == secret and oct(secret.stat().st_mode & 0o777) == "0o600"
    back = DashboardConfig.from_env(config.to_env())
    assert (back.session_secret, back.session_hours, back.cookie) == (secret, 8.0, "omreview_session_8600")
    # with --db and no OUT: beside the credentials file; or where --session-secret says
    assert prepare(f"sqlite:///{tmp_path / 'r.sqlite'}", "0.0.0.0", creds).session_secret == \
        tmp_path / ".omreview-dashboard.key"
    chosen = tmp_path / "keys" / "dash.key"
    chosen.parent.mkdir()
    config = prepare(f"sqlite:///{tmp_path / 'r.sqlite'}", "0.0.0.0", creds, session_secret=chosen)
    assert config.session_secret == chosen
    with pytest.raises(InputError, match="--session-hours must be more than 0"):
        prepare(f"sqlite:///{tmp_path / 'r.sqlite'}", "0.0.0.0", creds, session_hours=0)


def test_without_credentials_no_secret_is_made(tmp_path):
    config = prepare(f"sqlite:///{tmp_path / 'r.sqlite'}", "127.0.0.1", None, out=tmp_path)
    assert config.session_secret is None and not (tmp_path / ".omreview-dashboard.key").exists()


def test_tls_needs_a_matching_certificate_and_key(tmp_path):
    cert, key = _self_signed(tmp_path)
    assert check_tls(None, None) is None
    assert check_tls(cert, key) == (cert, key)
    command = streamlit_command("0.0.0.0", 8443, (cert, key))
    assert command[command.index("--server.sslCertFile") + 1] == str(cert.resolve())
    assert command[command.index("--server.sslKeyFile") + 1] == str(key.resolve())
    assert "--server.sslCertFile" not in streamlit_command("0.0.0.0", 8443)
    with pytest.raises(InputError, match="--tls-cert and --tls-key go together"):
        check_tls(cert, None)
    with pytest.raises(InputError, match=f"cannot serve HTTPS with the certificate {cert} and the key {cert}"):
        check_tls(cert, cert)
    with pytest.raises(InputError, match="No such file or directory"):
        check_tls(tmp_path / "missing.pem", key)


def test_serving_others_without_tls_warns_in_one_line():
    warning = plain_http_warning("0.0.0.0", tls=False)
    assert warning is not None and warning.startswith("warning: serving the dashboard on 0.0.0.0 over plain HTTP")
    assert "\n" not in warning and "--tls-cert" in warning
    assert plain_http_warning("0.0.0.0", tls=True) is None and plain_http_warning("127.0.0.1", tls=False) is None


def test_the_command_refuses_half_a_tls_setting(tmp_path, capsys):
    cert, _ = _self_signed(tmp_path)
    assert main(["--db", f"sqlite:///{tmp_path / 'r.sqlite'}", "--tls-cert", str(cert)]) == 2
    assert capsys.readouterr().err.startswith("error: --tls-cert and --tls-key go together")


def test_omreview_dashboard_passes_the_new_options_on(tmp_path):
    from typer.testing import CliRunner

    from omreview import cli

    cert, _ = _self_signed(tmp_path)
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    half = CliRunner().invoke(cli.app, ["dashboard", "--db", url, "--tls-cert", str(cert)])
    assert half.exit_code == 2 and "error: --tls-cert and --tls-key go together" in half.output
    creds = tmp_path / "reviewers.txt"
    add_reviewer(creds, "王评审", PASSWORD, iterations=1000)
    never = CliRunner().invoke(cli.app, ["dashboard", "--db", url, "--credentials", str(creds), "--session-hours", "0"])
    assert never.exit_code == 2 and "error: --session-hours must be more than 0" in never.output


# -- in a browser ----------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _serve(store_url: str, log: Path, *extra: str, tls: bool = False):
    """``python -m omreview.dashboard.app`` on a free loopback port (HTTPS with ``tls``), until the block ends."""
    port = _free_port()
    scheme = "https" if tls else "http"
    unverified = ssl._create_unverified_context() if tls else None
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "omreview.dashboard.app", "--db", store_url, "--port", str(port),
                                 *extra], env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"dashboard exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
            with contextlib.suppress(OSError), urllib.request.urlopen(
                    f"{scheme}://127.0.0.1:{port}/_stcore/health", timeout=2, context=unverified) as r:
                if r.status == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"dashboard did not start in 90s:\n{log.read_text(errors='replace')}")
            time.sleep(0.3)
        yield f"{scheme}://127.0.0.1:{port}", port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _browser(p):
    from tests.test_dashboard_browser import CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent: apt-get install chromium to run the browser test")
    return p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def _sign_in(page, base: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/")
    page.get_by_label("评审人").fill("王评审")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("运行维护能力评定 · 评审总览")).to_be_visible()


def _session_cookie(context, name: str, timeout: float = 20.0) -> dict | None:
    """The browser's sign-in cookie, waiting for the page's hand-over to land."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [c for c in context.cookies() if c["name"] == name]
        if found:
            return found[0]
        time.sleep(0.2)
    return None


def _signed_in(page) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_text("运行维护能力评定 · 评审总览")).to_be_visible()
    expect(page.get_by_text("评审人：王评审")).to_be_visible()
    expect(page.get_by_text("omreview 评审 · 登录")).to_have_count(0)


def _signed_out(page, notice: str | None) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_text("omreview 评审 · 登录")).to_be_visible()
    if notice:
        expect(page.get_by_text(notice)).to_be_visible()
    expect(page.get_by_text("运行维护能力评定 · 评审总览")).to_have_count(0)


@pytest.fixture
def team(tmp_path):
    store = build_store(tmp_path / "r.sqlite", ("app-07",))
    creds = tmp_path / "reviewers.txt"
    add_reviewer(creds, "王评审", PASSWORD, iterations=1000)
    return store.url, creds, tmp_path / "dashboard.key"


def test_a_sign_in_survives_a_reload_and_a_new_tab_until_signing_out(tmp_path, team):
    pytest.importorskip("playwright")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)
    url, creds, key = team
    signed_in = ("--credentials", str(creds), "--session-secret", str(key))
    with _serve(url, tmp_path / "server.log", *signed_in) as (base, port), sync_playwright() as p:
        browser = _browser(p)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        context.set_default_timeout(60_000)
        page = context.new_page()
        _sign_in(page, base)
        jar = _session_cookie(context, f"omreview_session_{port}")
        assert jar is not None and jar["httpOnly"] and jar["sameSite"] == "Strict" and not jar["secure"]
        assert cookie.verify(cookie.load_secret(key), jar["value"]).reviewer == "王评审"
        assert 11.9 * 3600 < jar["expires"] - time.time() <= 12 * 3600

        page.reload()
        _signed_in(page)
        expires = cookie.verify(cookie.load_secret(key), jar["value"]).expires
        until = dt.datetime.fromtimestamp(expires, time_zone()).strftime("%Y-%m-%d %H:%M")
        expect(page.get_by_text(f"登录有效至 {until}")).to_be_visible()  # the body's clock (Asia/Shanghai), not UTC
        page.goto(f"{base}/?applicant=app-07")
        expect(page.get_by_text("app-07").first).to_be_visible()
        expect(page.get_by_text("评审人：王评审")).to_be_visible()
        other = context.new_page()
        other.goto(f"{base}/")
        _signed_in(other)

        page.get_by_role("button", name="退出登录").click()
        _signed_out(page, SIGNED_OUT)
        deadline = time.monotonic() + 20
        while _session_cookie(context, f"omreview_session_{port}", timeout=0.2) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _session_cookie(context, f"omreview_session_{port}", timeout=0.2) is None
        # the other tab, still open, is out at its next step (the export download: nothing delivered);
        # a reload and a new tab are out too
        downloads: list[object] = []
        other.on("download", lambda d: downloads.append(d))
        other.get_by_role("button", name=re.compile(r"^下载 评审汇总")).click()
        _signed_out(other, ENDED_ELSEWHERE)
        other.wait_for_timeout(1500)
        assert downloads == []
        page.reload()
        _signed_out(page, None)
        third = context.new_page()
        third.goto(f"{base}/")
        _signed_out(third, None)

        # the cookie copied before signing out no longer signs anyone in
        context.add_cookies([{**jar, "expires": time.time() + 3600}])
        third.reload()
        _signed_out(third, ENDED_ELSEWHERE)
        browser.close()


@pytest.mark.parametrize("kind", ["tampered", "expired"])
def test_a_tampered_or_expired_cookie_signs_out_with_its_reason(tmp_path, team, kind):
    pytest.importorskip("playwright")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)
    url, creds, key = team
    secret = cookie.load_secret(key)
    if kind == "expired":
        value, _ = cookie.sign(secret, "王评审", 1, now=time.time() - 7200)
    else:
        other, _ = cookie.sign(secret, "李评审", 12)  # "李评审" is no reviewer: a forged name under a real signature
        value = other.split(".")[0] + "." + cookie.sign(secret, "王评审", 12)[0].split(".")[1]
    signed_in = ("--credentials", str(creds), "--session-secret", str(key))
    with _serve(url, tmp_path / "server.log", *signed_in) as (base, port), sync_playwright() as p:
        browser = _browser(p)
        context = browser.new_context(locale="zh-CN")
        context.set_default_timeout(60_000)
        context.add_cookies([{"name": f"omreview_session_{port}", "value": value, "url": base}])
        page = context.new_page()
        page.goto(f"{base}/?applicant=app-07")
        _signed_out(page, EXPIRED if kind == "expired" else TAMPERED)
        assert "app-07" not in page.inner_text("body")
        deadline = time.monotonic() + 20
        while _session_cookie(context, f"omreview_session_{port}", timeout=0.2) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _session_cookie(context, f"omreview_session_{port}", timeout=0.2) is None  # cleared
        browser.close()


def test_over_https_the_cookie_is_secure_and_the_sign_in_holds(tmp_path, team):
    pytest.importorskip("playwright")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)
    url, creds, key = team
    cert, tls_key = _self_signed(tmp_path)
    with _serve(url, tmp_path / "server.log", "--credentials", str(creds), "--session-secret", str(key),
                "--tls-cert", str(cert), "--tls-key", str(tls_key), tls=True) as (base, port), sync_playwright() as p:
        assert base.startswith("https://")
        browser = _browser(p)
        context = browser.new_context(locale="zh-CN", ignore_https_errors=True)
        context.set_default_timeout(60_000)
        page = context.new_page()
        _sign_in(page, base)
        jar = _session_cookie(context, f"omreview_session_{port}")
        assert jar is not None and jar["secure"] and jar["httpOnly"]
        page.reload()
        _signed_in(page)
        browser.close()
