"""``omreview run`` on one text-layer applicant against the 2 s target (issue #20 point 1), in one run.

    python scripts/bench_run.py [--folder sample_docs/app-01] [--repeat 5] [--no-write]

Measures, in this order and interleaved so the machine's load weighs on all alike:

- *cold*: the first ``omreview run`` into a new output folder, no local Prefect server running (it starts the
  resident server, ``omreview.flows.resident``);
- *warm*: ``--repeat`` more runs into the same folder, once the warm runner the cold run started listens (the
  server found running, each run handed to the runner and forked from it, ``omreview.handoff``);
- *plain*: the same review as plain function calls in a fresh interpreter, imports included (what the flow's
  tasks call: open the folder, read each document in the reading processes, assess, write report.json and the
  results store), once per warm run;
- *temporary*: the run as before the resident server (``OMREVIEW_LOCAL_SERVER_IDLE=0``: a server per command),
  twice.

Every time is the wall clock of a whole process, from its start to its exit. Prints each figure, the medians and
the ratios (warm against the 2 s target and against plain), checks the reports are byte-identical to the plain
review's, and writes its section of docs/performance.md (between ``<!-- bench:run -->`` and ``<!-- /bench:run -->``)
with the machine's cores and load and the date, unless ``--no-write``. The resident server is stopped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from perfdoc import write_section

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).with_name("omreview")
TARGET = 2.0
QUIET_PLAIN = 1.2  # s: the plain review of one applicant on this machine, quiet (the measure)
IDLE_ENV = "OMREVIEW_LOCAL_SERVER_IDLE"  # omreview.flows.resident.IDLE_ENV (not imported: no omreview import here)

PLAIN = """
import sys
from pathlib import Path
from omreview import intake
from omreview.extractors.isolate import reader_pool
from omreview.store import default_url
folder, out = Path(sys.argv[1]), Path(sys.argv[2])
rules = intake.rules_for(None)
when = rules.default_application_date
store = intake.store_for(default_url(out))
store.migrate()
opened = intake.open_applicant(folder, rules, when, None)
pairs = [intake.read_file(pf, rules) for pf in opened.packet.files]
intake.assess(opened, pairs, when, rules, out, store, None)
reader_pool().close()
"""


def _env(idle: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OMREVIEW_PREFECT"))}
    env[IDLE_ENV] = idle
    return env


READY: list[float] = []  # seconds from the cold run's exit until the warm runner listened
CPU: dict[str, list[float]] = {}  # CPU seconds of each run: the command and its children, and the resident server's


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _server_cpu(out: Path) -> float:
    """CPU seconds the resident server and the warm runner of ``out`` have used so far, the runner's finished runs
    (its children) included (0 for one that does not run)."""
    total = 0.0
    for state in ("server.json", "runner.json"):
        try:
            pid = json.loads((out / ".prefect" / state).read_text())["pid"]
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, ValueError, KeyError):
            continue
        total += sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime
    return total


def _wait_for_runner(out: Path, seconds: float = 120.0) -> float:
    """Seconds until the warm runner of ``out`` listens (it writes runner.json then), from now."""
    started = time.perf_counter()
    while not (out / ".prefect" / "runner.json").exists():
        if time.perf_counter() - started > seconds:
            sys.exit(f"error: no warm runner listened within {seconds:.0f} s of the cold run (see "
                     f"{out / '.prefect' / 'runner.log'})")
        time.sleep(0.05)
    return time.perf_counter() - started


def _timed(kind: str, args: list[str], env: dict[str, str], out: Path) -> float:
    cpu, server = _children_cpu(), _server_cpu(out)
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"error: {' '.join(args[:2])} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    CPU.setdefault(kind, []).append(_children_cpu() - cpu + _server_cpu(out) - server)
    return seconds


def _run(kind: str, folder: Path, out: Path, idle: str = "600") -> float:
    return _timed(kind, [str(EXE), "run", str(folder), "--out", str(out)], _env(idle), out)


def _plain(folder: Path, out: Path) -> float:
    return _timed("plain", [sys.executable, "-c", PLAIN, str(folder), str(out)], _env("0"), out)


def _stop(out: Path) -> None:
    subprocess.run([sys.executable, "-m", "omreview.flows.resident", "stop", str(out)], capture_output=True,
                   check=False)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min)"


def measure(folder: Path, repeat: int, work: Path) -> dict[str, list[float]]:
    """The wall times of every kind of run (seconds)."""
    out, plain_out = work / "out", work / "plain"
    times: dict[str, list[float]] = {"cold": [], "warm": [], "plain": [], "temporary": []}
    try:
        times["cold"].append(_run("cold", folder, out))
        READY.append(_wait_for_runner(out))
        for i in range(repeat):
            times["warm"].append(_run("warm", folder, out))
            times["plain"].append(_plain(folder, plain_out / str(i)))
    finally:
        _stop(out)
    for i in range(2):
        times["temporary"].append(_run("temporary", folder, work / f"temporary{i}", idle="0"))
    report = (out / folder.name / "report.json").read_bytes()
    for i in range(repeat):
        if (plain_out / str(i) / folder.name / "report.json").read_bytes() != report:
            sys.exit(f"error: the report of omreview run differs from the plain review's (plain run {i})")
    return times


def section(folder: Path, times: dict[str, list[float]], load_before: str, load_after: str) -> str:
    """The markdown of this benchmark's section of docs/performance.md."""
    med = {k: statistics.median(v) for k, v in times.items()}
    cpu = {k: statistics.median(v) for k, v in CPU.items()}
    rows = "\n".join(f"| {name} | {len(v)} | {med[name]:.2f} | {min(v):.2f} | {max(v):.2f} | "
                     f"{med[name] / TARGET:.2f} | {med[name] / med['plain']:.2f} | {cpu[name]:.2f} | "
                     f"{cpu[name] / cpu['plain']:.2f} |"
                     for name, v in times.items())
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    verdict = "met" if med["warm"] <= TARGET else "not met"
    shown = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
    cold, temporary = med["cold"] / med["warm"], med["temporary"] / med["warm"]
    return f"""## One applicant: `omreview run` against 2 s

`python scripts/bench_run.py --repeat {len(times['warm'])}` on `{shown}`,
{when}, {os.cpu_count()} cores, load {load_before} at the start and {load_after} at the end (other helpers'
work: compare the ratios, measured in one run). Wall clock of whole processes, imports included. *cold*: the
first command, which starts the resident local Prefect server and, as it ends, the warm runner (listening
{READY[0]:.1f} s after the cold command's exit); *warm*: the next ones, which find the server and are handed to the
runner (a forked run with Prefect and omreview imported, its reading processes forked too); *plain*: the same
review as plain function calls in a fresh interpreter; *temporary*: a Prefect server per command and no runner,
as before (`OMREVIEW_LOCAL_SERVER_IDLE=0`). CPU: the command and its children (reading processes, a temporary
server) plus what the resident server and the runner (its runs included) spent meanwhile; less moved by the load
than the wall clock. Every report byte-identical to the plain review's.

| run | n | median s | min s | max s | median / 2 s target | median / plain | CPU s (median) | CPU / plain |
|---|---|---|---|---|---|---|---|---|
{rows}

Warm target (≤ 2 s): **{verdict}** ({med['warm']:.2f} s, {med['warm'] / TARGET:.2f}× the target,
{med['warm'] / med['plain']:.2f}× the plain review; the target is 2 s for a plain review of ~1.2 s on a quiet
machine, i.e. ~1.7× plain: at that plain review, this run's ratio is {med['warm'] / med['plain'] * QUIET_PLAIN:.2f} s).
Cold: {cold:.1f}× warm; temporary: {temporary:.1f}× warm."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--folder", type=Path, default=ROOT / "sample_docs" / "app-01")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    folder = args.folder.resolve()
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        times = measure(folder, args.repeat, Path(tmp))
    load_after = _load()
    for name, values in times.items():
        print(f"{name:9} wall " + " ".join(f"{v:.2f}" for v in values) + "   CPU " +
              " ".join(f"{v:.2f}" for v in CPU[name]))
    text = section(folder, times, load_before, load_after)
    print(text)
    if not args.no_write:
        write_section("run", text.split("\n"))


if __name__ == "__main__":
    main()
