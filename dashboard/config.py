"""The dashboard's settings, handed from the launcher to the Streamlit process in environment variables.

Binding: 127.0.0.1 by default. Any other address serves other machines, which requires a
credentials file (``omreview.dashboard.auth``); without one the dashboard refuses to start.
With credentials, a reviewer's sign-in is a signed cookie (``omreview.dashboard.cookie``): its secret
is a file (:func:`session_secret_path`), its lifetime ``session_hours``.
"""

from __future__ import annotations

import getpass
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from omreview.errors import InputError

ENV_DB = "OMREVIEW_DASHBOARD_DB"
ENV_INTAKE = "OMREVIEW_DASHBOARD_INTAKE"
ENV_CREDENTIALS = "OMREVIEW_DASHBOARD_CREDENTIALS"
ENV_REVIEWER = "OMREVIEW_REVIEWER"
ENV_SECRET = "OMREVIEW_DASHBOARD_SESSION_SECRET"
ENV_HOURS = "OMREVIEW_DASHBOARD_SESSION_HOURS"
ENV_COOKIE = "OMREVIEW_DASHBOARD_COOKIE"
SECRET_FILE = ".omreview-dashboard.key"
DEFAULT_SESSION_HOURS = 12.0
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501


def cookie_name(port: int) -> str:
    """The sign-in cookie's name: one per port, as browsers share cookies between the ports of a host."""
    return f"omreview_session_{port}"


@dataclass(frozen=True)
class DashboardConfig:
    store_url: str
    intake: Path | None = None
    credentials: Path | None = None
    session_secret: Path | None = None  # with credentials: the file of the cookie's signing secret
    session_hours: float = DEFAULT_SESSION_HOURS
    cookie: str = cookie_name(DEFAULT_PORT)

    def to_env(self) -> dict[str, str]:
        env = {ENV_DB: self.store_url, ENV_HOURS: repr(self.session_hours), ENV_COOKIE: self.cookie}
        if self.intake is not None:
            env[ENV_INTAKE] = str(Path(self.intake).resolve())
        if self.credentials is not None:
            env[ENV_CREDENTIALS] = str(Path(self.credentials).resolve())
        if self.session_secret is not None:
            env[ENV_SECRET] = str(Path(self.session_secret).resolve())
        return env

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> DashboardConfig:
        if not env.get(ENV_DB):
            raise InputError(f"{ENV_DB} is not set: start the dashboard with `omreview dashboard`")
        return cls(store_url=env[ENV_DB], intake=Path(env[ENV_INTAKE]) if env.get(ENV_INTAKE) else None,
                   credentials=Path(env[ENV_CREDENTIALS]) if env.get(ENV_CREDENTIALS) else None,
                   session_secret=Path(env[ENV_SECRET]) if env.get(ENV_SECRET) else None,
                   session_hours=float(env.get(ENV_HOURS) or DEFAULT_SESSION_HOURS),
                   cookie=env.get(ENV_COOKIE) or cookie_name(DEFAULT_PORT))


def session_secret_path(out: Path | None, credentials: Path) -> Path:
    """Where the cookie's secret lives by default: ``OUT/.omreview-dashboard.key``, else beside the credentials."""
    return Path(out) / SECRET_FILE if out is not None else Path(credentials).parent / SECRET_FILE


def is_loopback(host: str) -> bool:
    """True for an address only this machine reaches (127.0.0.0/8, ::1, ``localhost``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything, so it counts as serving others


def check_bind(host: str, credentials: Path | None) -> None:
    """Refuse to serve other machines without a credentials file (``InputError``, said plainly)."""
    if credentials is None and not is_loopback(host):
        raise InputError(
            f"refusing to serve the dashboard on {host} without a credential: reviewers on other machines must "
            "sign in. Create a credentials file (python -m omreview.dashboard.auth add FILE NAME) and pass it with "
            "--credentials FILE, or bind to 127.0.0.1."
        )


def plain_http_warning(host: str, tls: bool) -> str | None:
    """The warning line for serving other machines without TLS, or None."""
    if tls or is_loopback(host):
        return None
    return (f"warning: serving the dashboard on {host} over plain HTTP: passwords and the sign-in cookie cross the "
            "network unencrypted; pass --tls-cert FILE --tls-key FILE, or put it behind a TLS reverse proxy")


def local_reviewer(env: Mapping[str, str] = os.environ) -> str:
    """Who decides when nobody signs in (loopback, no credentials): ``$OMREVIEW_REVIEWER`` or the OS account."""
    name = env.get(ENV_REVIEWER, "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (getpass raises OSError or KeyError)
        return "local"
