"""Time a reviewer's run on a served deployment: from the trigger to the report; prints seconds, it is not a test.

``python scripts/bench_trigger.py [--runs 5] [--poll 1] [--api URL] [--applicant app-07]``

What a reviewer does: ``omreview serve`` is running against a Prefect server; the reviewer triggers
``omreview-applicant/reviewer`` for one applicant (``prefect deployment run``, or Run in the UI). Here:

- a Prefect server is started (``prefect server start`` on 127.0.0.1, its database a copy of the
  command line's migrated template), unless ``--api`` names a running one;
- ``omreview serve --intake sample_docs --out TMP --poll-seconds POLL`` is started against it and
  waited for ("Serving ...");
- ``--runs`` times: a flow run of the reviewer's deployment is created through the API (what
  ``prefect deployment run`` does, without the seconds the ``prefect`` command takes to import), and
  the seconds until the runner picked it up (Running), until ``OUT/<id>/report.json`` was written and
  until the run is Completed are printed; then the median of each.

The first run pays for what the serving process had not yet imported; the median is the figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_flows  # scripts/ is on the path of a script run from it

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_docs"
EXE = Path(sys.executable).with_name("omreview")


def start_server(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``prefect server start`` (no UI) on a free port, its database seeded from the migrated template."""
    from omreview.flows.local import template_database

    home.mkdir(parents=True, exist_ok=True)
    template = template_database()
    if template is not None:
        shutil.copyfile(template, home / "prefect.db")
    return bench_flows.start_server(home)


def start_serve(url: str, out: Path, poll: float, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PREFECT_API_URL": url}
    with open(log, "w") as sink:
        proc = subprocess.Popen([str(EXE), "serve", "--intake", str(SAMPLES), "--out", str(out),
                                 "--poll-seconds", str(poll)], env=env, stdout=sink, stderr=subprocess.STDOUT,
                                start_new_session=True)
    deadline = time.monotonic() + 180
    while "Serving omreview-batch" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"omreview serve did not start:\n{log.read_text()}")
        time.sleep(0.1)
    return proc


def one_run(applicant: str, out: Path) -> tuple[float, float, float]:
    """Seconds from the trigger to Running, to report.json written, to Completed."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment

    report = out / applicant / "report.json"
    before = report.stat().st_mtime_ns if report.exists() else 0
    start = time.monotonic()
    run = run_deployment("omreview-applicant/reviewer", parameters={"applicant": applicant}, timeout=0)
    assert isinstance(run, FlowRun)  # called from sync code: run_deployment answers the run, not a coroutine
    running = written = done = None
    with get_client(sync_client=True) as client:
        while done is None and time.monotonic() - start < 120:
            now = time.monotonic() - start
            if written is None and report.exists() and report.stat().st_mtime_ns != before:
                written = now
            state = client.read_flow_run(run.id).state
            if running is None and state is not None and (state.is_running() or state.is_final()):
                running = now
            if state is not None and state.is_final():
                if not state.is_completed():
                    raise SystemExit(f"the run ended {state.name}: {state.message}")
                done = now
            time.sleep(0.05)
    if running is None or written is None or done is None:
        raise SystemExit("the run did not complete within 120 s")
    return running, written, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--poll", type=float, default=1.0, help="omreview serve --poll-seconds")
    parser.add_argument("--api", help="a running Prefect server's API URL (default: start one)")
    parser.add_argument("--applicant", default="app-07")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = None
        url = args.api
        if url is None:
            server, url = start_server(root / "prefect-home")
        os.environ["PREFECT_API_URL"] = url
        serving = start_serve(url, root / "out", args.poll, root / "serve.log")
        rows = []
        try:
            print(f"poll {args.poll:g} s; seconds from the trigger to: running, report.json, completed")
            for i in range(args.runs):
                row = one_run(args.applicant, root / "out")
                rows.append(row)
                print(f"run {i + 1}: {row[0]:.2f} {row[1]:.2f} {row[2]:.2f}", flush=True)
            medians = [statistics.median(col) for col in zip(*rows, strict=True)]
            print(f"median: {medians[0]:.2f} {medians[1]:.2f} {medians[2]:.2f}")
        finally:
            os.killpg(serving.pid, signal.SIGTERM)
            serving.wait(60)
            if server is not None:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(30)


if __name__ == "__main__":
    main()
