"""On Dask a batch reads the largest documents first (``omreview.flows.batch._read_largest_first``): a scanned report
costs tens of CPU seconds, a form tenths, and the batch's end is shortest when the long reads start first."""

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


def test_a_local_cluster_runs_without_its_profiler_and_monitors_an_existing_one_as_its_admin_set_it():
    pytest.importorskip("distributed")  # its defaults are loaded into dask's config when imported
    from omreview.flows.dask import LOCAL_CLUSTER_CONFIG, dask_runner

    # every key the runner sets, set here first: leaving the block puts back what other tests see
    with dask.config.set({**{key: dask.config.get(key) for key in LOCAL_CLUSTER_CONFIG},
                          "distributed.worker.profile.enabled": True}):
        dask_runner("tcp://scheduler.example:8786", 2)  # someone else's cluster: its settings are theirs
        assert dask.config.get("distributed.worker.profile.enabled") is True
        dask_runner("local", 2)  # ours: a stack sample every 10 ms of each worker is CPU the reading needs
        assert dask.config.get("distributed.worker.profile.enabled") is False
        assert dask.config.get("distributed.admin.system-monitor.interval") == "5s"
