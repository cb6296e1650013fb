"""Streamlit plumbing shared by the views: settings, the store, sign-in (a signed cookie), cached source images."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from omreview.dashboard import cookie
from omreview.dashboard.auth import load_credentials, verify
from omreview.dashboard.config import DashboardConfig, local_reviewer
from omreview.dashboard.present import is_pdf_region
from omreview.dashboard.sources import SourceUnavailable, applicant_folder, original, render_region
from omreview.errors import InputError
from omreview.rules import Rules, default_rules
from omreview.store import ResultStore, StoredApplicant
from omreview.zh import local_time


@dataclass(frozen=True)
class Context:
    config: DashboardConfig
    store: ResultStore
    rules: Rules


@st.cache_resource
def _store(url: str) -> ResultStore:
    return ResultStore(url)


def context() -> Context:
    config = DashboardConfig.from_env()
    return Context(config=config, store=_store(config.store_url), rules=default_rules())


def sign_in(ctx: Context) -> str:
    """The reviewer's name: signed in with the credentials file, or this machine's user when there is none.

    A sign-in lasts until the reviewer signs out or its cookie expires (``omreview.dashboard.cookie``):
    a reload or a new tab of the same browser finds the cookie and is signed in without the form.
    """
    if ctx.config.credentials is None:
        name = local_reviewer()
        st.sidebar.caption(f"评审人：{name}（本机，仅 127.0.0.1 可访问）")
        return name
    current = _current(ctx)
    _hand_over()
    if current is not None:
        st.sidebar.caption(f"评审人：{current.reviewer}")
        st.sidebar.caption(f"登录有效至 {local_time(dt.datetime.fromtimestamp(current.expires, dt.UTC))}")
        if st.sidebar.button("退出登录"):
            _sign_out(current, SIGNED_OUT)
            st.rerun()
        return current.reviewer
    _sign_in_form(ctx)
    raise AssertionError("unreachable: st.stop() ends the run")


# what the sign-in form says after a session ended
SIGNED_OUT = "已退出登录。"
EXPIRED = "登录已过期，请重新登录。"
TAMPERED = "登录凭据无效（可能已被改动），已退出，请重新登录。"
ENDED_ELSEWHERE = "已在其他窗口退出登录，请重新登录。"
NOT_LISTED = "该评审人已不在评审人名单中，请联系管理员。"
_SESSION, _TICKET, _CLEAR, _SEEN, _NOTICE = ("signin", "signin_ticket", "signin_clear", "signin_seen", "signin_notice")

# posts a one-time ticket (sign-in) or nothing (sign-out) to the dashboard's cookie route; the answer
# sets or clears the HttpOnly cookie, which no script of the page can read
_HANDOFF_JS = """
const sent = new Set();
export default function (component) {
  const { data } = component;
  if (!data || !data.nonce || sent.has(data.nonce)) return;
  sent.add(data.nonce);
  fetch(data.url, { method: "POST", body: data.body, credentials: "same-origin", cache: "no-store",
                    headers: { "content-type": "text/plain" } }).catch(() => sent.delete(data.nonce));
}
"""
_handoff = st.components.v2.component("omreview_signin", js=_HANDOFF_JS)


@st.cache_resource
def _secret(path: str) -> bytes:
    return cookie.load_secret(Path(path))


def _secret_of(ctx: Context) -> bytes:
    if ctx.config.session_secret is None:
        raise InputError("the dashboard was started without a session secret: start it with `omreview dashboard`")
    return _secret(str(ctx.config.session_secret))


def _route(path: str) -> str:
    base = "/".join(p for p in str(st.get_option("server.baseUrlPath") or "").split("/") if p)
    return f"/{base}{path}" if base else path


def _current(ctx: Context) -> cookie.Session | None:
    """This tab's session while it holds (not signed out anywhere, not expired), else the browser's cookie's."""
    session: cookie.Session | None = st.session_state.get(_SESSION)
    if session is None:
        return _from_cookie(ctx)
    if session.sid in cookie.REVOKED:
        _sign_out(session, ENDED_ELSEWHERE)
        return None
    if time.time() >= session.expires:
        _sign_out(session, EXPIRED)
        return None
    return session


def _from_cookie(ctx: Context) -> cookie.Session | None:
    """The session of the cookie the browser sent when this tab connected (read once per tab)."""
    value = st.context.cookies.get(ctx.config.cookie)
    if not value or st.session_state.get(_SEEN) == value:
        return None
    st.session_state[_SEEN] = value
    try:
        session = cookie.verify(_secret_of(ctx), value)
    except cookie.CookieRejected as exc:
        _end(EXPIRED if exc.reason == "expired" else TAMPERED)
        return None
    if session.sid in cookie.REVOKED:
        _end(ENDED_ELSEWHERE)
        return None
    if ctx.config.credentials is None or session.reviewer not in load_credentials(ctx.config.credentials):
        _end(NOT_LISTED)
        return None
    st.session_state[_SESSION] = session
    return session


def _end(notice: str) -> None:
    """Sign this tab out, say why on the sign-in form, and have the browser drop its cookie."""
    st.session_state.pop(_SESSION, None)
    st.session_state.pop(_TICKET, None)
    st.session_state[_NOTICE] = notice
    st.session_state[_CLEAR] = secrets.token_hex(8)


def _sign_out(session: cookie.Session, notice: str) -> None:
    cookie.REVOKED.add(session)
    _end(notice)


def _hand_over() -> None:
    """Have the browser pick up the cookie of a new sign-in, or drop the cookie of one that ended."""
    ticket = st.session_state.get(_TICKET)
    if ticket and cookie.HANDOFFS.pending(ticket):
        _handoff(key="omreview-signin", height=0,
                 data={"nonce": ticket, "url": _route(cookie.SIGN_IN_PATH), "body": ticket})
    elif ticket:
        del st.session_state[_TICKET]
    clear = st.session_state.pop(_CLEAR, None)
    if clear:
        _handoff(key="omreview-signout", height=0,
                 data={"nonce": clear, "url": _route(cookie.SIGN_OUT_PATH), "body": ""})


def _start(ctx: Context, name: str) -> None:
    value, session = cookie.sign(_secret_of(ctx), name, ctx.config.session_hours)
    st.session_state[_SESSION] = session
    st.session_state[_TICKET] = cookie.HANDOFFS.issue(value, session.expires - session.issued)


def _sign_in_form(ctx: Context) -> None:
    st.title("omreview 评审 · 登录")
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        (st.info if notice == SIGNED_OUT else st.warning)(notice)
    with st.form("sign-in"):
        name = st.text_input("评审人")
        password = st.text_input("密码", type="password")
        submitted = st.form_submit_button("登录")
    if submitted:
        if ctx.config.credentials is not None and verify(load_credentials(ctx.config.credentials), name, password):
            _start(ctx, name.strip())
            st.rerun()
        time.sleep(1.0)  # slows down guessing
        st.error("评审人或密码不正确。")
    st.stop()


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI: the image travels inside the page's messages, with no address of its own
    (``st.image`` of bytes would serve it from ``/media/…`` to anyone holding the link; see
    ``omreview.dashboard.guard``)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@st.cache_data(max_entries=256, show_spinner=False)
def _region_png(path: str, sha256: str | None, page: int, bbox: tuple[float, float, float, float] | None) -> bytes:
    return render_region(Path(path), page, bbox)


def _bbox(value: Any) -> tuple[float, float, float, float] | None:
    """A stored source's ``bbox`` (four numbers in the report's JSON) as a tuple, or None without one."""
    if not value:
        return None
    x0, top, x1, bottom = value
    return x0, top, x1, bottom


def source_image(ctx: Context, entry: StoredApplicant, src: dict[str, Any]) -> tuple[bytes | None, str]:
    """The highlighted page region of a PDF source, or ``None`` and why it cannot be shown."""
    if not is_pdf_region(src):
        return None, "（非 PDF 来源，无页面图像）"
    try:
        path = original(applicant_folder(entry, ctx.config.intake), src["file"], src.get("sha256"))
        bbox = _bbox(src.get("bbox"))
        return _region_png(str(path), src.get("sha256"), int(src["page"]), bbox), ""
    except SourceUnavailable as exc:
        return None, str(exc)
