"""The batch's scratch file (omreview.spill) and the reports a batch holds in it (intake.Kept)."""

import os
import pickle
import threading
import tracemalloc

from omreview import intake as steps
from omreview.review import review
from omreview.rules import default_rules
from omreview.spill import Spill, active, spilling
from tests.conftest import SAMPLE_DOCS

RULES = default_rules()


def test_what_is_put_comes_back_from_any_thread_and_the_file_has_no_name(tmp_path):
    scratch = Spill(tmp_path)
    assert list(tmp_path.iterdir()) == []  # unlinked at once: nothing is left behind, even by a killed batch
    places: dict[int, tuple[int, int]] = {}

    def put(i: int) -> None:
        places[i] = scratch.put(bytes([i % 256]) * (1000 + i))

    threads = [threading.Thread(target=put, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(scratch.get(*places[i]) == bytes([i % 256]) * (1000 + i) for i in range(64))
    assert scratch.size == sum(1000 + i for i in range(64))


def test_a_kept_report_in_a_scratch_file_holds_only_its_place(tmp_path):
    report = review(SAMPLE_DOCS / "app-07", None, RULES).report
    in_memory = steps.Kept.of(report)
    assert active() is None and not in_memory.spilled
    with spilling(tmp_path) as scratch:
        assert active() is scratch
        steps.Kept.of(report)  # the first one warms what pickling and writing cache
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        kept = steps.Kept.of(report)
        diff = tracemalloc.take_snapshot().compare_to(before, "filename")
        grown = sum(s.size_diff for s in diff if "omreview" in s.traceback[0].filename)  # what omreview holds
        tracemalloc.stop()
    assert active() is None
    assert kept.spilled and scratch.size > len(in_memory.data)
    assert grown < 500  # its place, not its ~5 KB (nor its glance's ~2 KB)
    # read back after the batch's block ended: the summary it returns still shows its reports
    assert kept.get() == report and kept.glance == in_memory.glance == steps.Glance.of(report)
    shipped = pickle.loads(pickle.dumps(kept))  # to another process: with its bytes, not a place in this one's file
    assert not shipped.spilled and shipped.get() == report


def test_the_scratch_file_closes_once_nothing_refers_to_it(tmp_path):
    with spilling(tmp_path) as scratch:
        fd = scratch._fd
        kept = steps.Kept.of(review(SAMPLE_DOCS / "app-07", None, RULES).report)
    del scratch
    os.fstat(fd)  # still open: the report refers to it
    del kept
    try:
        os.fstat(fd)
    except OSError:
        return
    raise AssertionError("the scratch file is still open")


def test_a_report_the_scratch_file_cannot_take_is_held_in_memory(tmp_path, monkeypatch):
    report = review(SAMPLE_DOCS / "app-07", None, RULES).report
    with spilling(tmp_path) as scratch:
        def full(_data: bytes) -> tuple[int, int]:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(scratch, "put", full)
        kept = steps.Kept.of(report)  # the batch goes on
    assert not kept.spilled and kept.get() == report
