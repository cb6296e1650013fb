"""What ``omreview batch`` holds per applicant until its batch rules run; prints numbers, it is not a test.

``python scripts/trace_batch.py [--sizes 40 240] [--top 20] [--keep DIR]``

For each size, a fresh process runs ``omreview batch`` in-process over that many distinct text-layer
applicants (``bench_flows.build_distinct``: samplegen's scenarios, seed after seed) under ``tracemalloc``
and takes a snapshot of the command's heap, after a garbage collection, just before the batch rules
(``omreview.flows.batch._batch_rules``), when every applicant has been reviewed and what the batch keeps of
each is held. The difference between the two sizes, divided by the difference in applicants, is what an
applicant costs the command (issue #20, point 4: memory flat in N); the lines that hold most of it are
listed. tracemalloc slows the batch ~2×: 40 and 240 applicants take ~12 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import pickle
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def child(n: int, work: Path) -> None:
    """One batch of ``n`` applicants under tracemalloc; its snapshot pickled to ``work/snap-n.pkl``."""
    from bench_flows import build_distinct

    intake = work / f"distinct-{n}"
    if not intake.exists():
        build_distinct(work, n)
    tracemalloc.start(1)
    from omreview.cli import app
    from omreview.flows import batch as batch_module

    rules = batch_module._batch_rules

    def snapshot_first(*args: object, **kwargs: object) -> object:
        gc.collect()
        snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        (work / f"snap-{n}.pkl").write_bytes(pickle.dumps(snap))
        return rules(*args, **kwargs)  # type: ignore[arg-type]

    batch_module._batch_rules = snapshot_first  # type: ignore[assignment]
    sys.argv = ["omreview", "batch", str(intake), "--out", str(work / f"out-{n}"), "--workers", "2"]
    with contextlib.suppress(SystemExit):  # the command line ends with sys.exit
        app()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[40, 240], metavar="N")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="the intakes, outputs and snapshots here (kept)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(int(args.child[0]), Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory(prefix="omreview-trace-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        for n in args.sizes:
            subprocess.run([sys.executable, __file__, "--child", str(n), str(work)], check=True,
                           stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        small, large = (pickle.loads((work / f"snap-{n}.pkl").read_bytes()) for n in args.sizes)
    more = args.sizes[1] - args.sizes[0]
    stats = large.compare_to(small, "lineno")
    total = sum(s.size_diff for s in stats)
    print(f"omreview batch, distinct applicants, {args.sizes[0]} against {args.sizes[1]}: the command holds "
          f"{total / more / 1000:.1f} KB more per applicant before the batch rules")
    for s in stats[:args.top]:
        frame = s.traceback[0]
        print(f"{s.size_diff / more:8.0f} B {s.count_diff / more:6.1f} objects  {frame.filename}:{frame.lineno}")


if __name__ == "__main__":
    main()
