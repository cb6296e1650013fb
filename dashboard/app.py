"""Start the dashboard: ``launch(store_url, host, port, credential)``, or ``main(argv)`` as a command.

The launcher checks everything it can before serving (the bind address against the credential,
the credentials file, the session secret, the TLS certificate and key, the store's schema), then
runs the Streamlit script ``dashboard/page.py`` in a child process with the settings in its
environment. Streamlit is imported only there.
"""

from __future__ import annotations

import argparse
import os
import signal
import ssl
import subprocess
import sys
from pathlib import Path

from omreview.dashboard.auth import load_credentials
from omreview.dashboard.config import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_SESSION_HOURS,
    DashboardConfig,
    check_bind,
    cookie_name,
    is_loopback,
    plain_http_warning,
    session_secret_path,
)
from omreview.dashboard.cookie import load_secret
from omreview.errors import EnvironmentFailure, InputError
from omreview.failures import check_port
from omreview.store import ResultStore, existing_url

PAGE = Path(__file__).with_name("page.py")
SERVED = Path(__file__).with_name("serve_app.py")  # page.py as an st.App behind omreview.dashboard.guard
_LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]", "::1")


MAX_SESSION_HOURS = 24.0 * 30
TLS = tuple[Path, Path]  # a PEM certificate (chain) and its private key


def streamlit_command(host: str, port: int, tls: TLS | None = None) -> list[str]:
    """The ``streamlit run`` command line: no telemetry, no file watching, no developer menu; HTTPS with ``tls``."""
    local = is_loopback(host)
    cmd = [sys.executable, "-m", "streamlit", "run", str(SERVED),
           "--server.address", host, "--server.port", str(port), "--server.headless", "true",
           "--server.fileWatcherType", "none", "--server.runOnSave", "false",
           "--server.enableXsrfProtection", "true", "--server.enableCORS", "true",
           "--server.enableStaticServing", "false", "--server.enableAgentApi", "false",
           "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
           "--client.toolbarMode", "viewer", "--client.showErrorDetails", "full" if local else "none",
           "--theme.base", "light"]
    if local:  # only local names reach a loopback server: refuse others (DNS rebinding)
        for name in _LOCAL_NAMES:
            cmd += ["--server.allowedHosts", name]
    if tls is not None:
        cmd += ["--server.sslCertFile", str(tls[0].resolve()), "--server.sslKeyFile", str(tls[1].resolve())]
    return cmd


def check_tls(cert: Path | None, key: Path | None) -> TLS | None:
    """The certificate and key when both are given and fit together, None when neither; else ``InputError``."""
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise InputError("--tls-cert and --tls-key go together: pass a PEM certificate and its private key, or neither")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"cannot serve HTTPS with the certificate {cert} and the key {key} ({reason}): "
                         "give a PEM certificate and its unencrypted PEM private key") from exc
    return Path(cert), Path(key)


def prepare(store_url: str, host: str, credential: Path | None, intake: Path | None = None, *,
            port: int = DEFAULT_PORT, out: Path | None = None, session_secret: Path | None = None,
            session_hours: float = DEFAULT_SESSION_HOURS) -> DashboardConfig:
    """Check the settings and bring the store's schema up to date; ``InputError`` says what is wrong.

    With a credentials file, the sign-in cookie's secret is read from ``session_secret`` (default
    ``OUT/.omreview-dashboard.key``, or beside the credentials file), created there when missing.
    """
    check_bind(host, credential)
    if not 0 < session_hours <= MAX_SESSION_HOURS:
        raise InputError(f"--session-hours must be more than 0 and at most {MAX_SESSION_HOURS:g} "
                         f"(got {session_hours:g})")
    secret = None
    if credential is not None:
        load_credentials(credential)
        secret = session_secret or session_secret_path(out, credential)
        load_secret(secret)
    if intake is not None and not Path(intake).is_dir():
        raise InputError(f"intake folder not found: {intake}")
    store = ResultStore(store_url)
    try:
        store.migrate()  # reviewer decisions need revision 0002
    finally:
        store.close()
    return DashboardConfig(store_url=store_url, intake=intake, credentials=credential, session_secret=secret,
                           session_hours=session_hours, cookie=cookie_name(port))


def launch(store_url: str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, credential: Path | None = None,
           intake: Path | None = None, *, out: Path | None = None, session_secret: Path | None = None,
           session_hours: float | None = None, tls_cert: Path | None = None,
           tls_key: Path | None = None) -> int:
    """Serve the dashboard until it is stopped; returns Streamlit's exit status. Raises ``InputError`` first."""
    tls = check_tls(tls_cert, tls_key)
    config = prepare(store_url, host, credential, intake, port=port, out=out, session_secret=session_secret,
                     session_hours=DEFAULT_SESSION_HOURS if session_hours is None else session_hours)
    check_port(host, port, "stop that program (another dashboard?) or choose another --port")
    warning = plain_http_warning(host, tls is not None)
    if warning:
        print(warning, file=sys.stderr)
    child = subprocess.Popen(streamlit_command(host, port, tls), env={**os.environ, **config.to_env()})

    def stop(signum: int, _frame: object) -> None:
        child.terminate()

    previous = signal.signal(signal.SIGTERM, stop)  # stopping the launcher stops the server with it
    try:
        return child.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def store_url_for(out: Path | None, db: str | None) -> str:
    """``--db URL`` as given, else the store beside the reports of ``--out OUT`` (which must exist)."""
    return existing_url(out, db)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="omreview dashboard", description="Serve the reviewers' dashboard.")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, help="a batch's reports folder (its store OUT/omreview.sqlite)")
    where.add_argument("--db", help="a results store URL (sqlite:///… or postgresql+psycopg://…)")
    parser.add_argument("--host", default=DEFAULT_HOST, help="bind address (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--credentials", type=Path, help="reviewers' credentials file (needed off 127.0.0.1)")
    parser.add_argument("--intake", type=Path, help="intake folder of the applicant folders (for source images)")
    parser.add_argument("--tls-cert", type=Path, help="PEM certificate: serve HTTPS (with --tls-key)")
    parser.add_argument("--tls-key", type=Path, help="the certificate's PEM private key")
    parser.add_argument("--session-secret", type=Path,
                        help="file of the sign-in cookie's secret (default OUT/.omreview-dashboard.key, "
                             "or beside the credentials file)")
    parser.add_argument("--session-hours", type=float, default=DEFAULT_SESSION_HOURS,
                        help=f"how long a sign-in lasts (default {DEFAULT_SESSION_HOURS:g})")
    args = parser.parse_args(argv)
    try:
        return launch(store_url_for(args.out, args.db), args.host, args.port, args.credentials, args.intake,
                      out=args.out, session_secret=args.session_secret, session_hours=args.session_hours,
                      tls_cert=args.tls_cert, tls_key=args.tls_key)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except EnvironmentFailure as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
