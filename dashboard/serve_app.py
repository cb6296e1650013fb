"""What ``streamlit run`` starts: the page script (``page.py``) as an ``st.App`` behind :class:`DataRouteGuard`.

Streamlit finds the ``app`` below and serves it with uvicorn; the guard refuses every route that
could serve data outside the signed-in page's WebSocket (see ``omreview.dashboard.guard``). With a
credentials file, two routes more hand the sign-in cookie over (``omreview.dashboard.cookie``).
"""

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware
from starlette.routing import Route
from streamlit import config as st_config

from omreview.dashboard.config import DashboardConfig
from omreview.dashboard.cookie import CookieSettings, cookie_routes, load_secret
from omreview.dashboard.guard import DataRouteGuard


def _routes(config: DashboardConfig) -> list[Route]:
    if config.credentials is None or config.session_secret is None:
        return []
    base = "/".join(p for p in str(st_config.get_option("server.baseUrlPath") or "").split("/") if p)
    path = f"/{base}/" if base else "/"
    return cookie_routes(CookieSettings(secret=load_secret(config.session_secret), name=config.cookie, path=path))


app = st.App(str(Path(__file__).with_name("page.py")), routes=_routes(DashboardConfig.from_env()),
             middleware=[Middleware(DataRouteGuard)])
