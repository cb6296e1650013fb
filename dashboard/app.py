"""Start the dashboard: ``launch(store_url, host, port, credential)``, or ``main(argv)`` as a command.

The launcher checks everything it can before serving (the bind address against the credential,
the credentials file, the store's schema), then runs the Streamlit script ``dashboard/page.py``
in a child process with the settings in its environment. Streamlit is imported only there.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from omreview.dashboard.auth import load_credentials
from omreview.dashboard.config import DEFAULT_HOST, DEFAULT_PORT, DashboardConfig, check_bind, is_loopback
from omreview.errors import EnvironmentFailure, InputError
from omreview.failures import check_port
from omreview.store import ResultStore, existing_url

PAGE = Path(__file__).with_name("page.py")
SERVED = Path(__file__).with_name("serve_app.py")  # page.py as an st.App behind omreview.dashboard.guard
_LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]", "::1")


def streamlit_command(host: str, port: int) -> list[str]:
    """The ``streamlit run`` command line: no telemetry, no file watching, no developer menu."""
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
    return cmd


def prepare(store_url: str, host: str, credential: Path | None, intake: Path | None = None) -> DashboardConfig:
    """Check the settings and bring the store's schema up to date; ``InputError`` says what is wrong."""
    check_bind(host, credential)
    if credential is not None:
        load_credentials(credential)
    if intake is not None and not Path(intake).is_dir():
        raise InputError(f"intake folder not found: {intake}")
    store = ResultStore(store_url)
    try:
        store.migrate()  # reviewer decisions need revision 0002
    finally:
        store.close()
    return DashboardConfig(store_url=store_url, intake=intake, credentials=credential)


def launch(store_url: str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, credential: Path | None = None,
           intake: Path | None = None) -> int:
    """Serve the dashboard until it is stopped; returns Streamlit's exit status. Raises ``InputError`` first."""
    config = prepare(store_url, host, credential, intake)
    check_port(host, port, "stop that program (another dashboard?) or choose another --port")
    child = subprocess.Popen(streamlit_command(host, port), env={**os.environ, **config.to_env()})

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
    args = parser.parse_args(argv)
    try:
        return launch(store_url_for(args.out, args.db), args.host, args.port, args.credentials, args.intake)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except EnvironmentFailure as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
