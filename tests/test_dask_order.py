"""On Dask a batch reads the largest documents first (``omreview.flows.batch._read_largest_first``): a scanned report
costs tens of CPU seconds, a form tenths, and the batch's end is shortest when the long reads start first."""

import subprocess
import sys

import pytest

from omreview.flows import batch
from omreview.intake import Opened
from omreview.packet import load_packet
from omreview.pages_group import grouped
from omreview.rules import default_rules
from tests.conftest import SAMPLE_DOCS

dask = pytest.importorskip("dask")


def test_a_dask_batch_submits_the_largest_documents_first_with_their_size_as_priority(monkeypatch):
    rules = default_rules()
    packets = [grouped(load_packet(SAMPLE_DOCS / name, rules), rules) for name in ("app-26", "app-21")]
    submitted: list[tuple[str, int]] = []

    def submit(_task, pf, _rules_version):
        submitted.append((pf.rel, dask.get_annotations().get("priority")))
        return f"future of {pf.rel}"

    monkeypatch.setattr(batch.tasks, "submit", submit)
    readings = [batch._Reading(Opened(p.applicant_id, p.root, packet=p)) for p in packets]
    batch._read_largest_first(readings, rules.version)

    order = [rel for rel, _ in submitted]
    assert order[:2] == ["scan0006.pdf", "scan0003.pdf"]  # app-21's scans: 1.6 MB and 0.6 MB
    # app-26's statement photographed on five pages (0.6 MB in all, its first page 81 KB) is read as one
    # document: it goes before the 0.5 MB scan, its first page's own size would put it after
    assert order.index("2010年度_1.jpg") < order.index("scan0005.pdf")
    priorities = [priority for _, priority in submitted]
    assert priorities == sorted(priorities, reverse=True) and priorities[0] == 1_672_340 // 1024
    # each applicant's reads in its files' order, as the assessment takes them
    for reading, packet in zip(readings, packets, strict=True):
        assert reading.documents == [f"future of {pf.rel}" for pf in packet.files]


def test_a_local_cluster_starts_at_once_and_its_workers_run_without_profiler_and_monitors():
    pytest.importorskip("distributed")  # its defaults are loaded into dask's config when imported
    from distributed import Client

    from omreview.flows.dask import LOCAL_CLUSTER_CONFIG, cluster

    # every key the cluster sets, set here first: leaving the block puts back what other tests see
    with dask.config.set({key: dask.config.get(key) for key in LOCAL_CLUSTER_CONFIG}):
        with cluster("tcp://scheduler.example:8786", 2) as scheduler:  # someone else's: its settings are theirs
            assert scheduler() == "tcp://scheduler.example:8786"
            assert dask.config.get("distributed.worker.profile.enabled") is True
        with cluster("local", 1) as scheduler:
            address = scheduler()  # started in a thread while the command goes on; this waits for it
            assert address.startswith("tcp://127.0.0.1:")
            with Client(address) as client:
                # a worker process: no stack sample every 10 ms, the monitors at their slower pace
                seen = client.run(lambda: (dask.config.get("distributed.worker.profile.enabled"),
                                           dask.config.get("distributed.admin.system-monitor.interval")))
                warm = client.run(_ready_for_a_first_task)
        assert list(seen.values()) == [(False, "5s")]
        # as it started, the worker started its reading process and imported what its first task unpickles
        assert list(warm.values()) == [(1, True, True)]
        with pytest.raises(OSError), Client(address, timeout=2):
            pass  # closed on leaving


def _ready_for_a_first_task() -> tuple[int, bool, bool]:
    import sys

    from omreview.extractors.isolate import reader_pool

    return reader_pool().size, "omreview.flows.tasks" in sys.modules, "prefect.task_engine" in sys.modules


def test_a_dask_batch_starts_its_local_cluster_without_importing_prefect():
    # the command starts its local Prefect server before it imports Prefect (flows.local.prefect_session), so that
    # the server boots meanwhile: asking for the extra and starting the cluster must not import it first
    pytest.importorskip("distributed")
    code = ("import sys\n"
            "from omreview.cli import _dask_cluster\n"
            "with _dask_cluster('local', 1) as scheduler:\n"
            "    scheduler()\n"
            "    print(sorted(m for m in ('prefect', 'prefect_dask') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_without_the_dask_extra_a_batch_is_told_what_to_install(monkeypatch):
    import importlib.util

    from omreview.errors import InputError
    from omreview.flows.dask import require

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "prefect_dask" else real(name))
    with pytest.raises(InputError, match=r"pip install 'omreview\[dask\]'"):
        require()
