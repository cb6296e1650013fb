"""Time the Prefect flows against the same plain functions in a loop; prints numbers, it is not a test.

``python scripts/bench_flows.py [--sizes 20 100] [--workers 2] [--no-latency] [--noop 400]``

``python scripts/bench_flows.py --batch 100 500 [--engine pdfium]`` (issue #20, points 2 and 4): the whole
``omreview batch`` command (its own local Prefect server, its reading processes: Prefect included) over N
text-layer applicants, against the floor, twice: copies of the text-layer samples (``TEXT_LAYER``), and N
distinct applicants that ``samplegen`` writes (``build_distinct``). The floor: pypdfium2's
text of every page, openpyxl's cells and python-docx's tables of the same files, in one process. Prints
wall and CPU seconds (the process and all its children, ``getrusage``, and any child that outlives it,
sampled) of each and both ratios, and the
peak RSS of every process of the command (the command, the Prefect server, each reading process); writes
the ``bench:batch`` section of docs/performance.md. ``--engine`` runs the command with another statement
position engine than rules.yaml's (``labels.statement_pdf.positions``), to compare.

``python scripts/bench_flows.py --dask 4 8`` (point 5): an OCR-heavy batch (copies of the scanned samples
app-21 and app-26) on a local Dask cluster of 1 worker, then of 2; prints the speed-up and what a
10,000-applicant intake with 30% scans would need; writes the ``bench:dask`` section.
``--dask-start 3``: what a Dask batch costs whatever its size (one text-layer applicant, 1 worker then 2, three
runs each in turns); writes the ``bench:dask-start`` section.

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
import math
import os
import shutil
import signal
import socket
import statistics
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
from perfdoc import write_section

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


# --- issue #20: the command against the floor, memory per process, Dask scale-out ---------------------

# the text-layer samples (app-21, app-24 and app-26 are scans, read by OCR; app-25's .doc/.xls need LibreOffice,
# which the floor cannot read without: left out of both sides)
TEXT_LAYER = [f"app-{i:02d}" for i in range(1, 21)] + ["app-22", "app-23", "app-27"]
SCANNED = ["app-21", "app-26"]  # OCR: app-21's three scanned reports, app-26's photographed one (and WPS files)


def child_floor(intake: Path, _out: Path) -> dict[str, Any]:
    """The floor: the text of every page, cell and table of the intake's files, in this one process."""
    import io
    import zipfile

    import docx
    import openpyxl
    import pypdfium2

    counts = {"pdf pages": 0, "xlsx cells": 0, "docx cells": 0}

    def read(name: str, data: bytes) -> None:
        suffix = Path(name).suffix.lower()
        if suffix == ".pdf":
            pdf = pypdfium2.PdfDocument(data)
            for page in pdf:
                page.get_textpage().get_text_range()
                counts["pdf pages"] += 1
            pdf.close()
        elif suffix == ".xlsx":
            book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
            for sheet in book.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    counts["xlsx cells"] += len(row)
        elif suffix == ".docx":
            document = docx.Document(io.BytesIO(data))
            "".join(p.text for p in document.paragraphs)
            for table in document.tables:
                for row in table.rows:
                    for cell in row.cells:
                        cell.text  # noqa: B018  (read, as the form's reader does)
                        counts["docx cells"] += 1
        elif suffix == ".zip":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.infolist():
                    if not member.is_dir():
                        read(member.filename, archive.read(member))

    for path in sorted(intake.rglob("*")):
        if path.is_file():
            read(path.name, path.read_bytes())
    return counts


def build_copies(root: Path, n: int, samples: list[str], name: str) -> Path:
    """An intake of ``n`` applicants, copies of ``samples`` in turn (each copy its own folder name)."""
    intake = root / f"{name}-{n}"
    for i in range(n):
        src = SAMPLES / samples[i % len(samples)]
        shutil.copytree(src, intake / f"{src.name}-c{i // len(samples):03d}")
    return intake


def build_distinct(root: Path, n: int, name: str = "distinct") -> Path:
    """An intake of ``n`` applicants that are all different: the text-layer scenarios of ``samplegen``
    (``TEXT_LAYER``), written again for seed after seed (each seed its own figures, people and fuzzed layouts).

    A copy intake (``build_copies``) puts every person on ``n / 23`` rosters: each copy's report lists the
    others as batch discrepancies, so a report, and what the command holds and writes, grows with ``n``. Here
    no two rosters share a 身份证号 within a seed, and across seeds only by chance, as in a real intake."""
    from samplegen.generate import write_packet
    from samplegen.scenarios import build_all

    intake, written, seed = root / f"{name}-{n}", 0, 0
    while written < n:
        for applicant in build_all(10_000 + seed):
            if applicant.id in TEXT_LAYER and written < n:
                write_packet(applicant, intake / f"s{seed:03d}-{applicant.id}")
                written += 1
        seed += 1
    return intake


_KINDS = (("_worker_main", "reading process"), ("uvicorn", "Prefect server"), ("soffice", "LibreOffice"),
          ("distributed", "Dask scheduler/worker"), ("multiprocessing", "Dask scheduler/worker"))


def _kind(proc: psutil.Process, command_pid: int) -> str:
    if proc.pid == command_pid:
        return "command"
    try:
        line = " ".join(proc.cmdline())
        if proc.name() == "omreview read":  # a reading process forked from the command (isolate._Forked)
            return "reading process"
    except psutil.Error:
        return "other"
    return next((label for needle, label in _KINDS if needle in line), "other")


def measure(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``argv``; its wall time, the CPU seconds of it and every child it waited for (``getrusage``), and the
    peak RSS of each of its processes (sampled with psutil every 0.05 s), grouped by kind."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peaks: dict[int, tuple[str, int]] = {}
    cpus: dict[int, float] = {}  # as last sampled: what each process's CPU was at least
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for p in tree(root):
                try:
                    rss = p.memory_info().rss
                    kind = peaks[p.pid][0] if p.pid in peaks else _kind(p, proc.pid)
                    times = p.cpu_times()
                except psutil.Error:
                    continue
                peaks[p.pid] = (kind, max(rss, peaks.get(p.pid, (kind, 0))[1]))
                cpus[p.pid] = times.user + times.system
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv[:3])} … failed ({proc.returncode}):\n{stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # a process of the command that outlives it (a resident local Prefect server) is not in getrusage: its CPU
    # while the command ran, as last sampled, is added
    cpu += sum(cpus.get(pid, 0.0) for pid in peaks if pid != proc.pid and psutil.pid_exists(pid))
    # a grandchild whose parent did not wait for it (Dask's worker processes) is not in getrusage either: then the
    # sum of what every process was last sampled at is the better (lower) bound
    cpu = max(cpu, sum(cpus.values()))
    by_kind: dict[str, list[float]] = {}
    cpu_by_kind: dict[str, float] = {}
    for pid, (kind, rss) in peaks.items():
        by_kind.setdefault(kind, []).append(rss / 1_048_576)
        cpu_by_kind[kind] = cpu_by_kind.get(kind, 0.0) + cpus.get(pid, 0.0)
    return {"wall": wall, "cpu": cpu, "peaks": by_kind, "cpu_by_kind": cpu_by_kind, "stdout": stdout}


_ENGINE_WRAPPER = """
import sys
from pathlib import Path
import omreview.rules as r
r.load_rules.__defaults__ = (Path(sys.argv.pop(1)),)
from omreview.cli import app
sys.argv[0] = "omreview"
app()
"""


def command_argv(root: Path, engine: str | None) -> list[str]:
    """``omreview``, or (``engine``) the same command with rules.yaml's statement position engine replaced."""
    if engine is None:
        return [str(Path(sys.executable).with_name("omreview"))]
    rules = root / f"rules-{engine}.yaml"
    text = (ROOT / "pipeline" / "rules.yaml").read_text(encoding="utf-8")
    import re

    text, count = re.subn(r"(?m)^(\s+positions:) \w+", rf"\1 {engine}", text)
    if count != 1:
        raise SystemExit("rules.yaml: no positions engine setting to replace")
    rules.write_text(text, encoding="utf-8")
    return [sys.executable, "-c", _ENGINE_WRAPPER, str(rules)]


def _machine() -> str:
    load = os.getloadavg()
    return (f"{os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min), "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


def _peaks_line(peaks: dict[str, list[float]]) -> str:
    return "; ".join(f"{kind} {max(v):.0f} MB" + (f" (of {len(v)})" if len(v) > 1 else "")
                     for kind, v in sorted(peaks.items(), key=lambda kv: -max(kv[1])))


_TEXT_CPU: list[float] = []  # CPU-s per text-layer applicant, whole command, distinct intake at the largest size

# the intakes of --batch: copies of the samples (as issue #20 measured its floor: points 2 and 4) and distinct
# generated applicants (point 4: what a real intake holds does not grow with N in a report)
INTAKES: dict[str, Callable[[Path, int], Path]] = {
    "copies": lambda root, n: build_copies(root, n, TEXT_LAYER, "text"),
    "distinct": build_distinct,
}


def bench_batch(sizes: list[int], engine: str | None, workers: int) -> None:
    """The ``omreview batch`` command against the floor at each size, on a copy intake and on a distinct one;
    the growth of each process's peak memory from the smallest size to the largest; the ``bench:batch``
    section."""
    lines = ["## A batch near the floor (issue #20, points 2 and 4)", "",
             f"`python scripts/bench_flows.py --batch {' '.join(map(str, sizes))}"
             + (f" --engine {engine}" if engine else "") + f"` — {_machine()}", "",
             "*copies*: N applicants copied from the 23 text-layer samples in turn (every person is then on N / 23 "
             "rosters, and every copy's report lists the others: reports grow with N); *distinct*: N different "
             "applicants, the same 23 scenarios written by `samplegen` for seed after seed (own figures, people and "
             "fuzzed layouts), as a real intake is.", "",
             "| intake | N | floor wall s | floor CPU s | batch wall s | batch CPU s | wall ratio (target ≤ 4) "
             "| CPU ratio (target ≤ 5) | peak RSS per process (target ≤ 400 MB each) |",
             "|---|---|---|---|---|---|---|---|---|"]
    print(f"machine: {_machine()}; engine: {engine or 'rules.yaml'}; workers: {workers}")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # the command's own local server
    peaks: dict[str, dict[int, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        root = Path(tmp)
        argv = command_argv(root, engine)
        for name, build in INTAKES.items():
            for n in sizes:
                intake = build(root, n)
                floor = measure([sys.executable, __file__, "--child", "floor", str(intake), str(root)], env)
                out = root / f"out-{name}-{n}"
                run = measure([*argv, "batch", str(intake), "--out", str(out), "--workers", str(workers)], env)
                reviewed = len(list(out.glob("*/report.json")))
                wall_ratio, cpu_ratio = run["wall"] / floor["wall"], run["cpu"] / floor["cpu"]
                worst = max(max(v) for v in run["peaks"].values())
                print(f"\n{name}, N = {n} ({reviewed} reports): floor {floor['wall']:.1f} s wall, "
                      f"{floor['cpu']:.1f} CPU-s ({json.loads(floor['stdout'].strip().splitlines()[-1])}); "
                      f"batch {run['wall']:.1f} s wall, {run['cpu']:.1f} CPU-s")
                print(f"  ratios: wall {wall_ratio:.1f}x (target <= 4), CPU {cpu_ratio:.1f}x (target <= 5)")
                print(f"  peak RSS: {_peaks_line(run['peaks'])}; the largest {worst:.0f} MB (target <= 400)")
                print("  CPU by process (as last sampled): " + _cpu_line(run["cpu_by_kind"]))
                lines.append(f"| {name} | {n} | {floor['wall']:.1f} | {floor['cpu']:.1f} | {run['wall']:.1f} | "
                             f"{run['cpu']:.1f} | **{wall_ratio:.1f}×** | **{cpu_ratio:.1f}×** | "
                             f"{_peaks_line(run['peaks'])} |")
                peaks.setdefault(name, {})[n] = {kind: max(v) for kind, v in run["peaks"].items()}
                shutil.rmtree(intake)
                shutil.rmtree(out)
                if name == "distinct":
                    _TEXT_CPU[:] = [run["cpu"] / n]
    if len(sizes) > 1:
        lines += ["", *_growth(peaks, min(sizes), max(sizes))]
        print("\n".join(lines[-len(peaks) - 1:]))
    write_section("batch", lines)


def _cpu_line(cpu_by_kind: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f} s" for k, v in sorted(cpu_by_kind.items(), key=lambda kv: -kv[1]))


def _growth(peaks: dict[str, dict[int, dict[str, float]]], small: int, large: int) -> list[str]:
    """Each intake's peak RSS per process at the largest size against the smallest (point 4: "the same at N =
    500"), and what an applicant more costs the process that grows most."""
    out = [f"Peak RSS at N = {large} against N = {small} (target: the same):"]
    for name, by_n in peaks.items():
        kinds = sorted(set(by_n[small]) & set(by_n[large]))
        ratios = {k: by_n[large][k] / by_n[small][k] for k in kinds}
        worst = max(kinds, key=lambda k: ratios[k])
        per = (by_n[large][worst] - by_n[small][worst]) * 1024 / (large - small)
        out.append(f"- {name}: " + "; ".join(f"{k} {by_n[small][k]:.0f} → {by_n[large][k]:.0f} MB "
                                            f"(**{ratios[k]:.2f}×**)" for k in kinds)
                   + f"; the {worst} grows by {per:.0f} KB an applicant")
    return out


def bench_dask(sizes: list[int]) -> None:
    """An OCR-heavy batch on a local Dask cluster of 1 worker, then 2, at each size; the ``bench:dask`` section.

    The command's start (its Prefect server, the cluster, the workers' imports) and its end are paid once a batch
    whatever the workers: the larger the batch, the nearer its speed-up to what the cores allow."""
    print(f"machine: {_machine()}")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    omreview = str(Path(sys.executable).with_name("omreview"))
    lines = ["## Scale-out on Dask (issue #20, point 5)", "",
             f"`python scripts/bench_flows.py --dask {' '.join(map(str, sizes))}` — N scanned applicants (copies of "
             f"{', '.join(SCANNED)}), {_machine()}", "",
             "| N | Dask local cluster | wall s | CPU s (command and children) | peak RSS per process |",
             "|---|---|---|---|---|"]
    results: dict[int, dict[int, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        root = Path(tmp)
        for n in sizes:
            intake = build_copies(root, n, SCANNED, "scans")
            for workers in (1, 2):
                out = root / f"out-{n}-{workers}"
                r = results.setdefault(n, {})[workers] = measure(
                    [omreview, "batch", str(intake), "--out", str(out), "--dask", "local", "--workers", str(workers)],
                    env)
                print(f"{n} scanned applicants, Dask local, {workers} worker(s): {r['wall']:.1f} s wall, "
                      f"{r['cpu']:.1f} CPU-s; peak RSS: {_peaks_line(r['peaks'])}")
                print("  CPU by process (as last sampled): " + _cpu_line(r["cpu_by_kind"]))
                lines.append(f"| {n} | {workers} worker{'s' if workers > 1 else ''} | {r['wall']:.1f} | "
                             f"{r['cpu']:.1f} | {_peaks_line(r['peaks'])} |")
            shutil.rmtree(intake)
    lines.append("")
    for n in sizes:
        one, two = results[n][1], results[n][2]
        speedup = one["wall"] / two["wall"]
        # what 2 workers can give at most here: the 1-worker wall against the 2-worker run's CPU spread over every
        # core (the command, the Prefect server and LibreOffice already run beside the one worker)
        ceiling = one["wall"] / (two["cpu"] / (os.cpu_count() or 1))
        print(f"N = {n}: speed-up, 2 workers over 1: {speedup:.2f}x (target >= 1.8); the most {os.cpu_count()} cores "
              f"allow: {ceiling:.2f}x (1 worker used {one['cpu'] / one['wall']:.2f} cores); "
              f"measured / ceiling {speedup / ceiling:.2f}")
        lines.append(
            f"- N = {n}: speed-up, 2 workers over 1: **{speedup:.2f}×** (target ≥ 1.8). The most {os.cpu_count()} "
            f"cores allow: {ceiling:.2f}× (the 1-worker run already used {one['cpu'] / one['wall']:.2f} cores: "
            f"the command, the Prefect server and LibreOffice beside the worker; ceiling = 1-worker wall / "
            f"(2-worker CPU / cores)); "
            f"measured / ceiling: **{speedup / ceiling:.2f}**. CPU per scanned applicant: {one['cpu'] / n:.1f} s "
            f"(1 worker), {two['cpu'] / n:.1f} s (2 workers).")
    n = max(sizes)
    if _TEXT_CPU:  # --batch ran too: what an intake of 10,000 with 30% scans needs
        scanned, text = results[n][2]["cpu"] / n, _TEXT_CPU[0]
        total = 3_000 * scanned + 7_000 * text
        efficiency = results[n][1]["wall"] / results[n][2]["wall"] / 2  # what a second worker gave of a whole core
        lines += ["", f"10,000 applicants, 30% scanned (from N = {n}): 3,000 × {scanned:.1f} CPU-s + 7,000 × "
                  f"{text:.2f} CPU-s = {total:,.0f} CPU-s = {total / 3600:,.1f} core-hours; at the measured parallel "
                  f"efficiency of {efficiency:.2f}: {total / 3600 / efficiency / 8:,.1f} h on 8 cores, or "
                  f"{math.ceil(total / 3600 / efficiency / 8)} cores for one 8-hour night"]
        print(lines[-1])
    write_section("dask", lines)


def bench_dask_start(repeat: int) -> None:
    """What a Dask batch costs whatever its size: ``omreview batch`` over one text-layer applicant on a local
    cluster (its Prefect server, the cluster, the workers made ready, the flow), 1 worker then 2, in turns,
    ``repeat`` times; the ``bench:dask-start`` section."""
    print(f"machine: {_machine()}")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    omreview = str(Path(sys.executable).with_name("omreview"))
    walls: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="bench-dask-start-") as tmp:
        root = Path(tmp)
        intake = build_copies(root, 1, ["app-06"], "one")
        for i in range(repeat):
            for workers in (1, 2):
                out = root / f"out-{i}-{workers}"
                r = measure([omreview, "batch", str(intake), "--out", str(out), "--dask", "local",
                             "--workers", str(workers)], env)
                walls[workers].append(r["wall"])
                print(f"run {i + 1}, {workers} worker(s): {r['wall']:.1f} s wall, {r['cpu']:.1f} CPU-s")
    lines = ["## A Dask batch's fixed cost (issue #20, point 5)", "",
             f"`python scripts/bench_flows.py --dask-start {repeat}` — `omreview batch` over one text-layer applicant "
             f"(app-06) on a local cluster, {repeat} runs each, in turns; {_machine()}", "",
             "| Dask local cluster | wall s, each run | median |", "|---|---|---|"]
    for workers, values in walls.items():
        line = f"| {workers} worker{'s' if workers > 1 else ''} | {', '.join(f'{v:.1f}' for v in values)} | "
        lines.append(line + f"{statistics.median(values):.1f} |")
        print(f"{workers} worker(s): median {statistics.median(values):.1f} s wall")
    write_section("dask-start", lines)


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
    parser.add_argument("--sizes", type=int, nargs="*", default=None,
                        help="sizes of the plain-vs-Prefect comparison (default 20 100; none with --batch/--dask)")
    parser.add_argument("--batch", type=int, nargs="+", metavar="N",
                        help="the omreview batch command over N text-layer applicants against the floor")
    parser.add_argument("--engine", choices=["pdfplumber", "pdfium"], help="with --batch: this position engine")
    parser.add_argument("--dask", type=int, nargs="+", metavar="N",
                        help="N scanned applicants on Dask, 1 worker then 2 (each N given)")
    parser.add_argument("--dask-start", type=int, metavar="REPEAT",
                        help="a Dask batch's fixed cost: one text-layer applicant, 1 worker then 2, REPEAT runs each")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--noop", type=int, default=400, metavar="N",
                        help="also time a flow of N no-op tasks: Prefect's own cost per task run (0: skip)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        children: dict[str, Callable[..., dict[str, Any]]] = {
            "plain": child_plain, "prefect": child_prefect, "latency": child_latency, "noop": child_noop,
            "floor": child_floor}
        fn = children[kind]
        print(json.dumps(fn(*[Path(rest[0]), Path(rest[1])], *([int(rest[2])] if len(rest) > 2 else []))))
        return
    if args.batch or args.dask or args.dask_start:
        if args.batch:
            bench_batch(args.batch, args.engine, args.workers)
        if args.dask:
            bench_dask(args.dask)
        if args.dask_start:
            bench_dask_start(args.dask_start)
        if args.sizes is None:
            return
    args.sizes = [20, 100] if args.sizes is None else args.sizes

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
