"""Time the Prefect flows against the same plain functions in a loop; prints numbers, it is not a test.

``python scripts/bench_flows.py [--sizes 20 100] [--workers 2] [--no-latency] [--noop 400]``

For each size N, an intake folder of N applicants (copies of the samples app-01 … app-20) is reviewed:

- ``plain``: ``omreview.review.review`` in a loop, the batch rules, report.json and the results store
  (what ``omreview batch`` did before the flows);
- ``plain-threads``: the same functions on a pool of ``--workers`` threads, each with its own reading
  process (the flows' concurrency without Prefect);
- ``prefect``: the batch flow against a Prefect server started here in the background
  (``prefect server start`` on 127.0.0.1, with the settings of the command line's local server);
- ``prefect-rerun``: the batch flow again over the unchanged intake (everything skipped).

Each run is a fresh process. Reported: wall seconds, applicants per minute, CPU seconds of the
process and its reading processes, the server's CPU seconds during the run, and the peak RSS of the
process tree (the process and its reading processes, sampled with psutil every 0.1 s) and of the
process alone. Prefect's share compares the Prefect batch with the plain threads (the same
concurrency): in wall time, and in the CPU of Prefect's own processes (flow process and server,
together and each alone).

First, unless ``--noop 0``, a flow of N no-op tasks: what one task run costs Prefect itself (client and
server CPU per task run). Then the latency of one applicant: the plain call, the applicant flow
against the running server (``PREFECT_API_URL`` set, as a reviewer's run would be), each timed inside
a process that already imported everything, plus the whole ``omreview run`` command in local mode
(its own temporary server).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_docs"
sys.path.insert(0, str(ROOT))


# --- children: one measured run each ---------------------------------------------------------------


def child_plain(intake: Path, out: Path, workers: int) -> dict[str, Any]:
    from concurrent.futures import ThreadPoolExecutor

    from omreview import intake as steps
    from omreview.extractors.isolate import reader_pool
    from omreview.packet import applicant_folders, load_packet, packet_hash
    from omreview.review import review, review_documents
    from omreview.rules import default_rules
    from omreview.store import ResultStore, default_url

    rules = default_rules()
    when = rules.default_application_date
    store = ResultStore(default_url(out))
    store.migrate()
    folders, _ = applicant_folders(intake)
    setup = time.process_time()
    start = time.perf_counter()

    def one(folder: Path) -> Any:
        if workers == 0:
            return review(folder, when, rules), packet_hash(load_packet(folder, rules))
        packet = load_packet(folder, rules)
        pairs = [steps.read_file(pf, rules) for pf in packet.files]
        return review_documents(packet, pairs, when, rules), packet_hash(packet)

    if workers == 0:
        results = [one(f) for f in folders]
    else:
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(one, folders))
    for result, digest in results:
        steps.record(result.report, digest, out, store)
    finals = steps.with_batch_rules({r.report.applicant.id: r.report for r, _ in results},
                                    [r.batch_entry for r, _ in results], rules)
    digests = {r.report.applicant.id: d for r, d in results}
    for applicant_id, report in finals.items():
        steps.record(report, digests[applicant_id], out, store)
    wall = time.perf_counter() - start
    reader_pool().close()
    return {"wall": wall, "cpu_setup": setup}


def child_prefect(intake: Path, out: Path, workers: int) -> dict[str, Any]:
    from omreview.extractors.isolate import reader_pool
    from omreview.flows.batch import batch_flow, with_runner
    from omreview.flows.local import quiet_console, settle

    with quiet_console():
        setup = time.process_time()
        start = time.perf_counter()
        summary = with_runner(batch_flow, workers=workers)(intake_folder=intake, out=out)
        wall = time.perf_counter() - start
        settle()
    reader_pool().close()
    return {"wall": wall, "settled": time.perf_counter() - start, "cpu_setup": setup,
            "counts": {o: summary.count(o) for o in type(summary.rows[0].outcome)}}


def child_latency(folder: Path, out: Path) -> dict[str, Any]:
    from omreview import intake as steps
    from omreview.extractors.isolate import reader_pool
    from omreview.flows.applicant import applicant_flow
    from omreview.flows.local import quiet_console, settle
    from omreview.packet import load_packet, packet_hash
    from omreview.review import review
    from omreview.rules import default_rules
    from omreview.store import ResultStore, default_url

    rules = default_rules()
    timings: dict[str, list[float]] = {"plain": [], "flow": []}
    with quiet_console():
        for _ in range(3):
            start = time.perf_counter()
            result = review(folder, None, rules)
            store = ResultStore(default_url(out / "plain"))
            store.migrate()
            steps.record(result.report, packet_hash(load_packet(folder, rules)), out / "plain", store)
            timings["plain"].append(time.perf_counter() - start)
            start = time.perf_counter()
            applicant_flow(folder=folder, out=out / "flow")
            timings["flow"].append(time.perf_counter() - start)
        settle()
    reader_pool().close()
    return {k: sorted(v) for k, v in timings.items()}


def child_noop(n: Path, _out: Path) -> dict[str, Any]:
    from noop_flow import noop_flow

    from omreview.flows.local import quiet_console, settle

    count = int(str(n))
    with quiet_console():
        noop_flow(5)  # warm: imports, the first calls' set-up
        cpu, start = time.process_time(), time.perf_counter()
        noop_flow(count)
        result = {"n": count, "client_cpu": time.process_time() - cpu, "wall": time.perf_counter() - start}
        settle()  # the server has recorded every task run: its CPU for them is in
    return result


# --- the parent: build intakes, run children, sample memory ---------------------------------------


def build_intake(root: Path, n: int) -> Path:
    intake = root / f"intake-{n}"
    samples = sorted(p for p in SAMPLES.iterdir() if p.is_dir())[:20]  # app-01 … app-20
    for i in range(n):
        src = samples[i % len(samples)]
        shutil.copytree(src, intake / f"{src.name}-c{i // len(samples):02d}")
    return intake


def tree(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_of(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def run_child(args: list[str], env: dict[str, str], server: psutil.Process | None) -> dict[str, Any]:
    """Run this script as a child; its JSON result plus peak tree RSS, tree CPU and the server's CPU."""
    server_cpu0 = cpu_of(tree(server)) if server else 0.0
    proc = subprocess.Popen([sys.executable, __file__, "--child", *args], env=env, stdout=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak, peak_main, cpu = 0, 0, {}
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_main
        while not stop.is_set():
            procs = tree(ps)
            rss = 0
            for p in procs:
                try:
                    one = p.memory_info().rss
                    rss += one
                    if p.pid == proc.pid:
                        peak_main = max(peak_main, one)
                    t = p.cpu_times()
                    cpu[p.pid] = t.user + t.system
                except psutil.NoSuchProcess:
                    pass
            peak = max(peak, rss)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"child {args[0]} failed ({proc.returncode})")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["peak_rss_mb"] = peak / 1_048_576
    result["peak_main_mb"] = peak_main / 1_048_576  # the flow's own process (the tree adds its reading processes)
    result["cpu"] = sum(cpu.values())
    result["cpu_main"] = cpu.get(proc.pid, 0.0)  # the flow's own process; the rest is its reading processes
    if server:
        result["server_cpu"] = cpu_of(tree(server)) - server_cpu0
    return result


def start_server(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    from omreview.flows.local import SERVER_SETTINGS

    # the settings of the command line's local server (flows/local.py), its private flag aside
    env = {**os.environ, "PREFECT_HOME": str(home),
           **{k: v for k, v in SERVER_SETTINGS.items() if not k.startswith("PREFECT__")}}
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen([str(Path(sys.executable).with_name("prefect")), "server", "start", "--host", "127.0.0.1",
                             "--port", str(port), "--no-ui"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the Prefect server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[20, 100])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--noop", type=int, default=400, metavar="N",
                        help="also time a flow of N no-op tasks: Prefect's own cost per task run (0: skip)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        children: dict[str, Callable[..., dict[str, Any]]] = {
            "plain": child_plain, "prefect": child_prefect, "latency": child_latency, "noop": child_noop}
        fn = children[kind]
        print(json.dumps(fn(*[Path(rest[0]), Path(rest[1])], *([int(rest[2])] if len(rest) > 2 else []))))
        return

    with tempfile.TemporaryDirectory(prefix="bench-flows-") as tmp:
        root = Path(tmp)
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; workers: {args.workers}")
        t0 = time.perf_counter()
        server_proc, url = start_server(root / "prefect-home")
        print(f"prefect server start: ready in {time.perf_counter() - t0:.1f} s at {url}")
        server = psutil.Process(server_proc.pid)
        env = {**os.environ, "PREFECT_API_URL": url, "PYTHONPATH": str(ROOT)}
        try:
            if args.noop:
                _noop(args.noop, root, env, server)
            for n in args.sizes:
                intake = build_intake(root, n)
                rows = {}
                for name, kind, workers in (("plain", "plain", 0), ("plain-threads", "plain", args.workers),
                                            ("prefect", "prefect", args.workers),
                                            ("prefect-rerun", "prefect", args.workers)):
                    out = root / f"out-{n}-{kind}-{workers}"
                    rows[name] = run_child([kind, str(intake), str(out), str(workers)], env,
                                           server if kind == "prefect" else None)
                _print_size(n, rows)
            if not args.no_latency:
                _latency(root, env, server)
        finally:
            os.killpg(server_proc.pid, signal.SIGTERM)
            server_proc.wait(30)


def _noop(n: int, root: Path, env: dict[str, str], server: psutil.Process) -> None:
    r = run_child(["noop", str(n), str(root / "noop")], env, server)
    print(f"\n{n} no-op tasks: {r['wall']:.1f} s wall; per task run {r['client_cpu'] / n * 1000:.1f} ms of client CPU "
          f"and {r['server_cpu'] / n * 1000:.1f} ms of server CPU (Prefect's own floor under every task)")


def _print_size(n: int, rows: dict[str, dict[str, Any]]) -> None:
    print(f"\nN = {n} applicants")
    print(f"  {'run':<14}{'wall s':>8}{'apps/min':>10}{'cpu s':>8}{'of which main':>15}{'server cpu s':>14}"
          f"{'peak RSS MB':>13}{'of which main':>15}")
    for name, r in rows.items():
        print(f"  {name:<14}{r['wall']:>8.1f}{n / r['wall'] * 60:>10.1f}{r['cpu']:>8.1f}{r['cpu_main']:>15.1f}"
              f"{r.get('server_cpu', 0.0):>14.1f}{r['peak_rss_mb']:>13.0f}{r['peak_main_mb']:>15.0f}")
    plain, threads, pf = rows["plain"], rows["plain-threads"], rows["prefect"]
    # Prefect's share: the Prefect batch against the same functions at the same concurrency (plain
    # threads), as a share of that plain run. Wall time on this machine's 2 cores, where the server
    # shares the cores with the work; CPU of Prefect's own processes (the flow's process and the
    # server) over the plain run's own process: the reading processes do the same work in both, and
    # their CPU varies by a few seconds from run to run with how many of them were started.
    print(f"  prefect / plain loop, 1 thread (wall): {pf['wall'] / plain['wall']:.2f}; "
          f"prefect / plain threads (wall): {pf['wall'] / threads['wall']:.2f}")
    print(f"  Prefect's share, wall: {(pf['wall'] - threads['wall']) / threads['wall'] * 100:.0f}% of the plain "
          f"threads' wall time; re-run with everything unchanged: {rows['prefect-rerun']['wall']:.1f} s")
    server = pf.get("server_cpu", 0.0)
    extra = pf["cpu_main"] + server - threads["cpu_main"]
    print(f"  Prefect's share, CPU: flow process + server - plain threads' process = {extra:.1f} s = "
          f"{extra / threads['cpu'] * 100:.0f}% of the plain threads' CPU ({extra / n * 1000:.0f} ms an applicant)")
    # where it is spent: the batch's own process, and the server (which, with a team's server on its own
    # machine, would not be on the batch's cores at all)
    client = pf["cpu_main"] - threads["cpu_main"]
    print(f"  of which the flow's process: {client / threads['cpu'] * 100:.0f}% ({client / n * 1000:.0f} ms an "
          f"applicant); the server: {server / threads['cpu'] * 100:.0f}% ({server / n * 1000:.0f} ms an applicant)")
    setup = pf.get("cpu_setup", 0.0) - threads.get("cpu_setup", 0.0)
    print(f"  of which importing Prefect and the flows, once per process: {setup:.1f} s; the rest "
          f"{(extra - setup) / threads['cpu'] * 100:.0f}%")


def _latency(root: Path, env: dict[str, str], server: psutil.Process) -> None:
    folder = SAMPLES / "app-07"
    r = run_child(["latency", str(folder), str(root / "latency")], env, server)
    plain, flow = r["plain"], r["flow"]
    print("\nOne applicant (app-07), in a process that imported everything (3 runs each, sorted):")
    print(f"  plain call:                      {', '.join(f'{x:.2f}' for x in plain)} s")
    print(f"  applicant flow, running server:  {', '.join(f'{x:.2f}' for x in flow)} s "
          f"(median {flow[1] - plain[1]:+.2f} s over the plain call)")
    local_env = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    for label, home in (("new OUT (copy of the template DB)", root / "cli-new"), ("same OUT again", root / "cli-new")):
        start = time.perf_counter()
        subprocess.run([str(Path(sys.executable).with_name("omreview")), "run", str(folder), "--out", str(home)],
                       env=local_env, check=True, capture_output=True)
        print(f"  omreview run, local mode, {label}: {time.perf_counter() - start:.1f} s (whole command)")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from omreview.review import review;"
                    f" review(Path({str(folder)!r}))"], env=local_env, check=True, capture_output=True)
    print(f"  plain review in a new process (for comparison): {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
