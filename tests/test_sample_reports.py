"""Every sample packet's report matches its expected outcome (computed by samplegen's oracle from
the generator's parameters, never from the files): verdict, every check status, every expected
figure, the discrepancies by figure name, and each document's kind and fiscal year."""

import json
import os
import re
from decimal import Decimal

import pytest

from tests.conftest import ROOT
from tests.store_factory import ALL_FIXTURES, fixture_path, fresh_report_json

GOLDEN = ROOT / "tests" / "golden" / "samples"
CASES = sorted(p.stem for p in GOLDEN.glob("*.json"))


def _same(got: str | None, expected) -> bool:
    if got is None:
        return False
    if isinstance(expected, int) or re.fullmatch(r"-?\d+(\.\d+)?", str(expected)):
        return Decimal(got) == Decimal(str(expected))
    return got == expected


def _base(name: str) -> str:
    """Discrepancy names carry a row or item suffix in reports (roster.duplicate.row17); goldens do not."""
    return re.sub(r"\.(row|item)\d+$", "", name)


@pytest.mark.parametrize("case", CASES)
def test_report_matches_expected_outcome(case, sample_report):
    expected = json.loads((GOLDEN / f"{case}.json").read_text(encoding="utf-8"))
    report = sample_report(case)
    assert report["applicant"]["name"] == expected["name"]
    documents = {d["file"]: {"kind": d["kind"], "fiscal_year": d["fiscal_year"]} for d in report["documents"]}
    assert documents == expected["documents"]
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses == expected["checks"], {c["id"]: c["message"] for c in report["checks"]
                                            if statuses[c["id"]] != expected["checks"][c["id"]]}
    figures = {k: v["value"] for k, v in report["figures"].items()}
    wrong = {k: (figures.get(k), v) for k, v in expected["figures"].items() if not _same(figures.get(k), v)}
    assert not wrong
    assert set(figures) == set(expected["figures"])
    assert sorted(_base(d["figure"]) for d in report["discrepancies"]) == sorted(expected["discrepancies"])
    assert report["verdict"] == expected["verdict"]


@pytest.mark.parametrize("case", ALL_FIXTURES)
def test_committed_report_fixtures_are_what_reviewing_their_sample_gives(case):
    """The dashboard, export and decision tests read committed reports (tests/store_factory.py) instead of
    reviewing the samples; a fixture that no longer matches its review is stale."""
    fresh = fresh_report_json(case)
    if os.environ.get("OMREVIEW_REGEN") == "1":
        fixture_path(case).write_text(fresh, encoding="utf-8")
    assert fixture_path(case).read_text(encoding="utf-8") == fresh, (
        f"tests/fixtures/reports/{case}.json is stale: OMREVIEW_REGEN=1 pytest tests/test_sample_reports.py")
