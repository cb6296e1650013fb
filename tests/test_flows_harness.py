"""The flows under Prefect's own test harness (``prefect_test_harness``), as Prefect documents for tests.

The other flow tests share one local server for the session (``prefect_api`` in conftest: it starts
from a migrated template database and stops only once every task run is recorded); this module checks
that nothing in the flows depends on that server: the applicant flow, a batch and its re-run that
skips everything, against the harness's own temporary database.
"""

import json
import shutil

import pytest
from prefect.settings import PREFECT_SERVER_ANALYTICS_ENABLED, temporary_settings

from omreview.flows.applicant import applicant_flow
from omreview.flows.batch import batch_flow
from omreview.intake import Outcome
from tests.conftest import ROOT, SAMPLE_DOCS

GOLDEN = ROOT / "tests" / "golden" / "samples"


@pytest.fixture(scope="module")
def harness():
    from prefect.testing.utilities import prefect_test_harness  # imports Prefect's server: 3 s, only when run

    # telemetry off, as on the command line's server: its heartbeat job otherwise races the harness's
    # SQLite database ("database is locked" tracebacks that are not the flows')
    with temporary_settings(updates={PREFECT_SERVER_ANALYTICS_ENABLED: False}), \
            prefect_test_harness(server_startup_timeout=120):
        yield


def test_applicant_flow_and_batch_under_the_test_harness(harness, tmp_path):
    report = applicant_flow(folder=SAMPLE_DOCS / "app-07", out=tmp_path / "one")
    assert report.verdict.value == json.loads((GOLDEN / "app-07.json").read_text(encoding="utf-8"))["verdict"]

    intake = tmp_path / "intake"
    for case in ("app-06", "app-17"):
        shutil.copytree(SAMPLE_DOCS / case, intake / case)
    first = batch_flow(intake_folder=intake, out=tmp_path / "out")
    assert {r.applicant: r.outcome for r in first.rows} == dict.fromkeys(("app-06", "app-17"), Outcome.REVIEWED)
    again = batch_flow(intake_folder=intake, out=tmp_path / "out")
    assert {r.outcome for r in again.rows} == {Outcome.UNCHANGED}
