"""What ``streamlit run`` starts: the page script (``page.py``) as an ``st.App`` behind :class:`DataRouteGuard`.

Streamlit finds the ``app`` below and serves it with uvicorn; the guard refuses every route that
could serve data outside the signed-in page's WebSocket (see ``omreview.dashboard.guard``).
"""

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from omreview.dashboard.guard import DataRouteGuard

app = st.App(str(Path(__file__).with_name("page.py")), middleware=[Middleware(DataRouteGuard)])
