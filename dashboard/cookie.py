"""The sign-in cookie: a reviewer's session that survives a reload and a new tab, signed and expiring.

The cookie's value is ``<payload>.<signature>``: the payload names the reviewer, a random session id,
when it was issued and when it expires (base64url of JSON); the signature is an HMAC-SHA256 of the
payload with the server's secret (a file only its owner reads, see :func:`load_secret`). Nothing
else is stored per session: the server trusts a cookie it signed and that has not expired, and
forgets the sessions signed out (:data:`REVOKED`, kept while the server runs).

The cookie is ``HttpOnly`` (no script of the page reads it), ``SameSite=Strict`` and, over HTTPS,
``Secure``. A Streamlit page cannot set a cookie itself, so the page script and one route of the
server (:func:`cookie_endpoint`, ``POST /_omreview/session`` and ``/_omreview/signout``) hand it over:
after a correct password the page issues a one-time ticket (:data:`HANDOFFS`, valid one minute),
a small component of the page posts it to the route, and the route answers with the cookie.
Signing out posts to the second route, which revokes the session and clears the cookie.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from omreview.errors import InputError

SECRET_BYTES = 32
SIGN_IN_PATH = "/_omreview/session"
SIGN_OUT_PATH = "/_omreview/signout"
TICKET_SECONDS = 60.0


@dataclass(frozen=True)
class Session:
    reviewer: str
    sid: str
    issued: float
    expires: float


class CookieRejected(Exception):
    """A cookie that does not sign anyone in; ``reason`` is ``tampered`` or ``expired``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest())


def sign(secret: bytes, reviewer: str, lifetime_hours: float, now: float | None = None) -> tuple[str, Session]:
    """A new session for ``reviewer`` and the cookie value carrying it."""
    issued = time.time() if now is None else now
    session = Session(reviewer=reviewer, sid=secrets.token_urlsafe(16), issued=issued,
                      expires=issued + lifetime_hours * 3600)
    payload = _b64(json.dumps({"r": session.reviewer, "s": session.sid, "i": int(session.issued),
                               "e": int(session.expires)}, separators=(",", ":")).encode("ascii"))
    return f"{payload}.{_mac(secret, payload)}", session


def verify(secret: bytes, value: str, now: float | None = None) -> Session:
    """The session a cookie value carries; :class:`CookieRejected` when it was not signed here or has expired."""
    payload, _, mac = value.partition(".")
    try:
        if not mac or not hmac.compare_digest(mac.encode("ascii"), _mac(secret, payload).encode("ascii")):
            raise CookieRejected("tampered")
        fields = json.loads(_unb64(payload))
        session = Session(reviewer=str(fields["r"]), sid=str(fields["s"]), issued=float(fields["i"]),
                          expires=float(fields["e"]))
    except (UnicodeError, binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise CookieRejected("tampered") from exc
    if (time.time() if now is None else now) >= session.expires:
        raise CookieRejected("expired")
    return session


def load_secret(path: Path) -> bytes:
    """The server's signing secret from ``path``, created (owner-only, random) when missing.

    ``InputError`` when the file is readable by others or is not a secret written here. Deleting the
    file signs every reviewer out at the next start.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise InputError(f"cannot create the dashboard's session secret {path}: {exc.strerror or exc}") from exc
    else:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(SECRET_BYTES) + "\n")
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeError) as exc:
        raise InputError(f"cannot read the dashboard's session secret {path}: {exc}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InputError(f"the dashboard's session secret {path} is readable by others: run chmod 600 {path}")
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) < SECRET_BYTES:
        raise InputError(f"the dashboard's session secret {path} is not one omreview wrote: delete it "
                         "(every reviewer signs in again) and start the dashboard again")
    return secret


class Handoffs:
    """One-time tickets: the page script leaves a cookie value here, the route picks it up (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tickets: dict[str, tuple[str, float, float]] = {}

    def issue(self, value: str, max_age: float, now: float | None = None) -> str:
        moment = time.time() if now is None else now
        ticket = secrets.token_urlsafe(24)
        with self._lock:
            self._tickets = {t: v for t, v in self._tickets.items() if v[2] > moment}
            self._tickets[ticket] = (value, max_age, moment + TICKET_SECONDS)
        return ticket

    def redeem(self, ticket: str, now: float | None = None) -> tuple[str, float] | None:
        with self._lock:
            found = self._tickets.pop(ticket, None)
        if found is None or found[2] <= (time.time() if now is None else now):
            return None
        return found[0], found[1]

    def pending(self, ticket: str) -> bool:
        with self._lock:
            return ticket in self._tickets


class Revoked:
    """Session ids signed out while this server runs, forgotten once their cookie would have expired anyway."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: dict[str, float] = {}

    def add(self, session: Session) -> None:
        with self._lock:
            now = time.time()
            self._ids = {s: e for s, e in self._ids.items() if e > now}
            self._ids[session.sid] = session.expires

    def __contains__(self, sid: object) -> bool:
        with self._lock:
            return sid in self._ids


HANDOFFS = Handoffs()
REVOKED = Revoked()


@dataclass(frozen=True)
class CookieSettings:
    """What the route needs: the secret, the cookie's name and the path it is sent to."""

    secret: bytes
    name: str
    path: str = "/"


def _same_origin(request: Request) -> bool:
    """The request comes from a page of this server: ``Origin`` (set by the browser, which a page of another
    site cannot change) names the host the browser asked for (``Host``, or a reverse proxy's ``X-Forwarded-Host``)."""
    origin = request.headers.get("origin")
    if not origin:
        return False
    asked = {request.headers.get("host", ""), request.headers.get("x-forwarded-host", "").split(",")[0].strip()}
    return urlsplit(origin).netloc.lower() in {h.lower() for h in asked if h}


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


def _refuse() -> Response:
    return Response("403: not a sign-in request of this dashboard's page.\n", status_code=403,
                    media_type="text/plain", headers={"cache-control": "no-store"})


async def cookie_endpoint(request: Request, settings: CookieSettings) -> Response:
    """``POST`` a ticket to sign in (the cookie is set), or to sign out (the session revoked, the cookie cleared)."""
    if request.method != "POST" or not _same_origin(request):
        return _refuse()
    response = Response(status_code=204, headers={"cache-control": "no-store"})
    if request.url.path.endswith(SIGN_OUT_PATH):
        value = request.cookies.get(settings.name)
        if value:
            with contextlib.suppress(CookieRejected):  # a cookie not signed here: only cleared
                REVOKED.add(verify(settings.secret, value))
        response.delete_cookie(settings.name, path=settings.path, secure=_secure(request), httponly=True,
                               samesite="strict")
        return response
    handed = HANDOFFS.redeem((await request.body()).decode("ascii", "replace").strip())
    if handed is None:
        return _refuse()
    value, max_age = handed
    response.set_cookie(settings.name, value, max_age=int(max_age), path=settings.path, secure=_secure(request),
                        httponly=True, samesite="strict")
    return response


def cookie_routes(settings: CookieSettings) -> list[Route]:
    """The two routes of :func:`cookie_endpoint` below the server's base path ``settings.path``."""

    async def endpoint(request: Request) -> Response:
        return await cookie_endpoint(request, settings)

    base = settings.path.rstrip("/")
    return [Route(base + path, endpoint, methods=["GET", "POST"]) for path in (SIGN_IN_PATH, SIGN_OUT_PATH)]
