"""Results stores for the dashboard and export tests, filled from the committed sample applicants.

Each sample is reviewed once per test session (reviews take a second or two); every test gets
its own store file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pipeline.model import Report
from pipeline.packet import load_packet, packet_hash
from pipeline.review import review_applicant
from pipeline.store import ResultStore
from tests.conftest import SAMPLE_DOCS

# app-07: a masked 身份证号 discrepancy, PDF figures; app-03: a discrepancy with a PDF value;
# app-10: does_not_meet (M2b fails)
SAMPLES = ("app-03", "app-07", "app-10")


@cache
def reviewed(name: str) -> tuple[Report, str]:
    folder = SAMPLE_DOCS / name
    return review_applicant(folder), packet_hash(load_packet(folder))


def build_store(path: Path, names: tuple[str, ...] = SAMPLES, intake: Path | None = SAMPLE_DOCS,
                batch: bool = True) -> ResultStore:
    """A migrated store at ``path`` holding ``names``; in one batch whose intake is ``intake`` when ``batch``."""
    store = ResultStore(f"sqlite:///{path}")
    store.migrate()
    batch_id = store.start_batch(str(intake), reviewed(names[0])[0].rules_version) if batch else None
    for name in names:
        report, digest = reviewed(name)
        store.save(report, digest, batch_id)
    if batch_id is not None:
        store.finish_batch(batch_id, len(names), 0, 0)
    return store
