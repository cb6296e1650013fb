"""Results stores for the dashboard and export tests, filled with the committed sample applicants' reports.

The reports are committed fixtures (``tests/fixtures/reports/<id>.json``), not reviewed anew here, so
these tests stay in the fast tier; ``test_sample_reports`` checks in the slow tier that each fixture is
still what reviewing its sample gives (regenerate: ``OMREVIEW_REGEN=1 pytest tests/test_sample_reports.py``).
Every test gets its own store file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from omreview.model import Report
from omreview.packet import load_packet, packet_hash
from omreview.review import review_applicant
from omreview.store import ResultStore
from tests.conftest import ROOT, SAMPLE_DOCS

FIXTURES = ROOT / "tests" / "fixtures" / "reports"

# app-07: a masked 身份证号 discrepancy, PDF figures; app-03: a discrepancy with a PDF value;
# app-10: does_not_meet (M2b fails)
SAMPLES = ("app-03", "app-07", "app-10")
# the work queue's tests (tests/test_queue.py): app-01 meets every condition (manual checks only), app-04 is
# incomplete (G3, B1 missing), app-13 and app-16 need review (T2, B1)
QUEUE_SAMPLES = ("app-01", "app-04", "app-13", "app-16")
FIXTURED = SAMPLES + QUEUE_SAMPLES
# the projects beside their contracts (#18): app-23 bundles its contracts in one PDF, project 2 padded on the form
# (158.00万元 declared, 68.00万元 in its contract) and project 1's amount in words not its figures
CONTRACT_SAMPLES = ("app-23",)
ALL_FIXTURES = FIXTURED + CONTRACT_SAMPLES  # every committed report (tests/test_sample_reports.py keeps them fresh)


def fixture_path(name: str) -> Path:
    return FIXTURES / f"{name}.json"


def fresh_report_json(name: str) -> str:
    """The report of ``sample_docs/<name>`` as its fixture is written."""
    return review_applicant(SAMPLE_DOCS / name).model_dump_json(indent=1) + "\n"


@cache
def reviewed(name: str) -> tuple[Report, str]:
    """The committed report of sample ``name`` and its packet's digest."""
    report = Report.model_validate_json(fixture_path(name).read_text(encoding="utf-8"))
    return report, packet_hash(load_packet(SAMPLE_DOCS / name))


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
