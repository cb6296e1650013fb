"""Data stays behind the session: which of the Streamlit server's routes answer, and the middleware enforcing it.

The dashboard sends a reviewer's data over one channel only: the page's WebSocket (``/_stcore/stream``).
Each browser tab opens its own, the page script (``page.py``) answers it only after sign-in, and it
ends when the reviewer signs out or leaves. Nothing the page shows has an address of its own:
page images are ``data:`` URIs inside the page's messages and downloads are handed to the browser
over the same WebSocket (``omreview.dashboard.download``), never through Streamlit's media store, whose
``/media/<hash>`` addresses answer anyone holding them, with or without a session, and outlive it.

So :class:`DataRouteGuard` lets through only what the page needs to load and talk: the front-end
files, the health check and host configuration, and the WebSocket. Every other Streamlit route that
can carry data (``/media``, file uploads, ``/_stcore/metrics``, the agent API, app static files,
components' files, sign-in callbacks) is refused with 403 to every caller, signed in or not, so no
address that could hold a reviewer's data is ever served. Applied in every mode, with or without
credentials.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# /_stcore/<name>: what the front end needs to start and talk to the server
OPEN_CORE = frozenset({"health", "host-config", "stream"})
# first path segments of routes that serve data, files or sign-in flows the dashboard does not use
REFUSED_ROOTS = frozenset({"media", "app", "component", "auth", "oauth2callback"})
REFUSAL = b"403: omreview serves no data at this address; reviewers' data is shown only on the signed-in page.\n"


def _segments(path: str, base: str = "") -> list[str]:
    parts = [p for p in re.split(r"/+", path) if p]
    prefix = [p for p in base.split("/") if p]
    if prefix and [p.lower() for p in parts[:len(prefix)]] == [p.lower() for p in prefix]:
        parts = parts[len(prefix):]
    return [p.lower() for p in parts]


def refused(path: str, base: str = "") -> bool:
    """True when ``path`` (below the server's base URL path ``base``) is a route that may serve data."""
    parts = _segments(path, base)
    if not parts:
        return False
    if parts[0] == "_stcore":
        return len(parts) != 2 or parts[1] not in OPEN_CORE
    return parts[0] in REFUSED_ROOTS or any(p in (".", "..") for p in parts)


def _base_url_path() -> str:
    from streamlit import config

    return str(config.get_option("server.baseUrlPath") or "")


class DataRouteGuard:
    """ASGI middleware: 403 for every route :func:`refused` names, over HTTP and WebSocket alike."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and refused(scope.get("path", ""), _base_url_path()):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(REFUSAL)).encode()),
                                    (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": REFUSAL})
            return
        await self.app(scope, receive, send)
