"""A packet whose audit reports are all scans reaches the same outcome as its text-layer twin.

``sample_docs/app-21`` is a clean applicant whose three statements the generator scanned (``SCANNED_A``:
seals over the signatures and figures, a page turned a quarter, skew, 120-200 dpi, a dark cover, a blank
page). Its twin is the same applicant written with text-layer statements, generated here. Both are
reviewed; verdict, every check, every figure's value and the discrepancies must be equal, and the
scanned statements must be marked ``ocr`` with every figure read above the confidence floor (so the
validators' confidence rule leaves the verdict as it is).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from omreview.review import review_applicant
from omreview.rules import default_rules
from samplegen.generate import write_packet
from samplegen.scenarios import build_all
from tests.conftest import SAMPLE_DOCS

CASE = "app-21"
SEED = 2012

pytestmark = pytest.mark.skipif(not (SAMPLE_DOCS / CASE).is_dir(), reason="sample_docs/app-21 not generated")


@pytest.fixture(scope="module")
def twin(tmp_path_factory) -> dict:
    applicant = next(a for a in build_all(SEED) if a.id == CASE)
    assert applicant.layout.scans, "app-21 is the scanned scenario"
    folder = tmp_path_factory.mktemp("twin") / CASE
    write_packet(replace(applicant, layout=replace(applicant.layout, scans=())), folder)
    return review_applicant(folder).model_dump(mode="json")


def _outcome(report: dict) -> dict:
    return {
        "verdict": report["verdict"],
        "checks": {c["id"]: c["status"] for c in report["checks"]},
        "figures": {k: v["value"] for k, v in report["figures"].items()},
        "discrepancies": sorted(d["figure"] for d in report["discrepancies"]),
        "documents": {d["file"]: (d["kind"], d["fiscal_year"], d["status"]) for d in report["documents"]},
    }


def test_scanned_packet_reaches_the_outcome_of_its_text_layer_twin(sample_report, twin):
    scanned = sample_report(CASE)
    assert _outcome(scanned) == _outcome(twin)
    assert scanned["verdict"] == "meets"


def test_scanned_statements_are_marked_ocr_and_read_confidently(sample_report, twin):
    scanned = sample_report(CASE)
    statements = [d for d in scanned["documents"] if d["kind"] == "financial_statement"]
    assert len(statements) == 3 and all(d["ocr"] for d in statements)
    assert not any(d["ocr"] for d in twin["documents"])
    floor = default_rules().labels.statement_pdf.ocr.min_confidence
    ocr_files = {d["file"] for d in statements}
    read = {k: v for k, v in scanned["figures"].items() if v["source"] and v["source"]["file"] in ocr_files}
    assert len(read) >= 13  # revenue, O&M revenue, net profit, equity, auditor, opinion a year; paid-in capital
    for name, figure in read.items():
        source = figure["source"]
        assert source["page"] and source["bbox"], name
        assert Decimal(source["confidence"]) >= floor, (name, source)


def test_the_markdown_artifact_says_which_statements_were_read_by_ocr(sample_report, twin):
    from omreview.artifacts import applicant_markdown
    from omreview.model import Report

    scanned = Report.model_validate(sample_report(CASE))
    markdown = applicant_markdown(scanned)
    assert "## 经OCR识别的文件（扫描件）" in markdown
    for d in scanned.documents:
        assert (f"- {d.file}" in markdown) == d.ocr
    assert "识别置信度低的数值所涉检查项：无。" in markdown  # every figure of app-21 is read above the floor
    assert "OCR" not in applicant_markdown(Report.model_validate(twin))
