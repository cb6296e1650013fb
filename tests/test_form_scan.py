"""A 申报表 sent scanned (an image-only PDF): its ruled tables found in the page images (``ocr.ruling``), its text read
by OCR into their cells, then read as a printed form is (``pdf.form``). What the reviewer sees must be what the
.docx gives: every value the same, or doubtful (a character read below the OCR confidence floor, which the review
shows as ``review``); never a wrong value read with confidence. Each value cites its page, its box on the page as
scanned and its confidence. An applicant whose form is scanned gets the report of the applicant whose form is the
.docx."""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from omreview.extractors import read_document
from omreview.model import DocumentKind
from omreview.packet import PacketFile, load_packet
from omreview.review import review_applicant
from omreview.rules import default_rules
from samplegen.params import ScanStyle
from samplegen.scan import scan_pdf
from tests.conftest import SAMPLE_DOCS
from tests.test_form_layouts import _values

RULES = default_rules()
FLOOR = RULES.labels.statement_pdf.ocr.min_confidence
# the sample forms scanned, each its own way: a skew the reader straightens, grey or colour, 150 or 200 dpi
STYLES = {
    "app-01": ScanStyle(dpi=150, skew=0.8, color=True, quality=50, noise=4.0, seal_signature=False),
    "app-05": ScanStyle(dpi=200, skew=-1.2, color=False, quality=40, noise=6.0, seal_signature=False),
    "app-08": ScanStyle(dpi=150, skew=0.3, color=False, quality=70, noise=2.0, seal_signature=False),
}


def _read(path: Path):
    found = read_document(PacketFile(rel=path.name, path=path, sha256="0" * 64, size=path.stat().st_size), RULES)
    assert found.error is None
    return found


def _form_of(folder: Path) -> Path:
    return next(pf.path for pf in load_packet(folder, RULES).files
                if pf.path.suffix == ".docx" and read_document(pf, RULES).kind is DocumentKind.APPLICATION_FORM)


def _scan(soffice: str, form: Path, out: Path, style: ScanStyle, seed: str) -> Path:
    subprocess.run([soffice, f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(out), str(form)], check=True, capture_output=True, timeout=300)
    scanned = out / f"{form.stem}-scan.pdf"
    scan_pdf(out / f"{form.stem}.pdf", scanned, style, seed)
    return scanned


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, soffice) -> dict[str, tuple[Path, Path]]:
    """Each sample's form (.docx) and its scan."""
    out = {}
    for case, style in STYLES.items():
        folder = tmp_path_factory.mktemp(f"scan-{case}")
        form = _form_of(SAMPLE_DOCS / case)
        out[case] = (form, _scan(soffice, form, folder, style, case))
    return out


def _confidences(data) -> list[Decimal]:
    if isinstance(data, dict):
        own = [Decimal(data["confidence"])] if data.get("confidence") is not None else []
        return own + [c for v in data.values() for c in _confidences(v)]
    if isinstance(data, list):
        return [c for v in data for c in _confidences(v)]
    return []


@pytest.mark.parametrize("case", sorted(STYLES))
def test_a_scanned_form_reads_what_its_docx_reads_or_says_it_doubts(scanned, case):
    form, scan = scanned[case]
    written, read = _read(form), _read(scan)
    assert read.kind is DocumentKind.APPLICATION_FORM and read.ocr
    want, got = _values(written.record), _values(read.record)
    dumped = json.loads(read.record.model_dump_json())
    same = 0
    for key, value in want.items():
        if key == "warnings" or value in (None, []):
            continue
        if got.get(key) == value:
            same += 1
        else:  # not read, or read differently: then its own reading says it is doubtful
            assert got.get(key) in (None, []) or any(c < FLOOR for c in _confidences(dumped.get(key))), (case, key)
    filled = sum(1 for k, v in want.items() if k != "warnings" and v not in (None, []))
    assert same >= filled - 1, (case, same, filled)


def test_a_scanned_forms_values_cite_page_box_and_confidence(scanned):
    _, scan = scanned["app-01"]
    record = _read(scan).record
    for name in ("company_name", "registered_capital", "declared_staff_count"):
        source = getattr(record, name).source
        assert source.page in (1, 2) and source.bbox is not None and source.cell is None
        assert source.confidence is not None and source.confidence >= FLOOR
        x0, top, x1, bottom = source.bbox
        assert 0 <= x0 < x1 <= 612 and 0 <= top < bottom <= 842  # on the page as scanned (A4 or Letter)
    assert all(p.amount is not None and p.amount.source.confidence is not None for p in record.projects)


def test_an_applicant_whose_form_is_scanned_gets_the_report_of_its_docx(scanned, sample_report, tmp_path):
    from tests.test_format_twins import _seen

    folder = tmp_path / "app-01"
    shutil.copytree(SAMPLE_DOCS / "app-01", folder)
    form, scan = scanned["app-01"]
    (folder / form.name).unlink()
    shutil.copy(scan, folder / f"{form.stem}.pdf")
    report = review_applicant(folder).model_dump(mode="json")
    assert _seen(report) == _seen(sample_report("app-01"))
    document = next(d for d in report["documents"] if d["kind"] == "application_form")
    assert document["file"].endswith(".pdf") and document["status"] == "ok" and document["ocr"]
