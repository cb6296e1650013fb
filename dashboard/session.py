"""Streamlit plumbing shared by the views: settings, the store, sign-in, cached source images."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from omreview.dashboard.auth import load_credentials, verify
from omreview.dashboard.config import DashboardConfig, local_reviewer
from omreview.dashboard.present import is_pdf_region
from omreview.dashboard.sources import SourceUnavailable, applicant_folder, original, render_region
from omreview.rules import Rules, default_rules
from omreview.store import ResultStore, StoredApplicant


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
    """The reviewer's name: signed in with the credentials file, or this machine's user when there is none."""
    if ctx.config.credentials is None:
        name = local_reviewer()
        st.sidebar.caption(f"评审人：{name}（本机，仅 127.0.0.1 可访问）")
        return name
    if st.session_state.get("reviewer"):
        st.sidebar.caption(f"评审人：{st.session_state['reviewer']}")
        if st.sidebar.button("退出登录"):
            del st.session_state["reviewer"]
            st.rerun()
        return str(st.session_state["reviewer"])
    st.title("omreview 评审 · 登录")
    with st.form("sign-in"):
        name = st.text_input("评审人")
        password = st.text_input("密码", type="password")
        submitted = st.form_submit_button("登录")
    if submitted:
        if verify(load_credentials(ctx.config.credentials), name, password):
            st.session_state["reviewer"] = name.strip()
            st.rerun()
        time.sleep(1.0)  # slows down guessing
        st.error("评审人或密码不正确。")
    st.stop()
    raise AssertionError("unreachable: st.stop() ends the run")


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
