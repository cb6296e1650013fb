"""A 人员名册 sent scanned (an image-only PDF): its ruled table found in the page images, OCR's text put into the cells,
the rows read by the roster's own rules (``pdf.roster``). Every person as the print gives them, each citing page,
box and OCR confidence; a 身份证号 that fails its check digit, read by OCR, is doubtful (below the floor), so T2
goes to a reviewer rather than failing on a misreading."""

from __future__ import annotations

from pathlib import Path

import pytest

from omreview.extractors import read_document
from omreview.model import DocumentKind
from omreview.packet import PacketFile
from omreview.rules import default_rules
from samplegen.params import ScanStyle
from samplegen.scan import scan_pdf
from tests.test_roster_pdf import PEOPLE, _print_sheet

RULES = default_rules()
FLOOR = RULES.labels.statement_pdf.ocr.min_confidence
BAD = 7  # this person's 身份证号 has a wrong check digit on the sheet itself


def _read(path: Path):
    found = read_document(PacketFile(rel=path.name, path=path, sha256="0" * 64, size=path.stat().st_size), RULES)
    assert found.error is None
    return found


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, soffice) -> tuple[Path, Path]:
    """A bordered roster sheet printed, and that print scanned skewed, in colour, at 150 dpi."""
    people = list(PEOPLE)
    name, number, education = people[BAD]
    people[BAD] = (name, number[:-1] + ("1" if number[-1] != "1" else "2"), education)
    rows = [[str(i), n, idn, e, "工程师"] for i, (n, idn, e) in enumerate(people, 1)]
    folder = tmp_path_factory.mktemp("roster-scan")
    pdf = _print_sheet(folder / "sheet", soffice, ["序号", "姓名", "身份证号码", "学历", "职称"], rows,
                       {"A": 6, "B": 10, "C": 22, "D": 12, "E": 10})
    scan = folder / "名册扫描.pdf"
    scan_pdf(pdf, scan, ScanStyle(dpi=150, skew=0.6, color=True, noise=4.0, seal_signature=False), "roster-scan")
    return pdf, scan


def test_a_scanned_roster_gives_every_person_of_its_print_or_says_it_doubts(scanned):
    printed, scan = scanned
    want, got = _read(printed), _read(scan)
    assert got.kind is DocumentKind.STAFF_ROSTER and got.ocr
    assert len(got.record.rows) == len(want.record.rows) == len(PEOPLE)
    same = 0
    for read, as_printed in zip(got.record.rows, want.record.rows, strict=True):
        if (read.name, read.id_number, read.education) == (as_printed.name, as_printed.id_number,
                                                            as_printed.education):
            same += 1
        else:  # a person read differently is a doubtful row: T2 then goes to a reviewer
            assert read.source.confidence < FLOOR, (read.name, as_printed.name)
    assert same >= len(PEOPLE) - 2
    for row in got.record.rows:
        assert row.source.page == 1 and row.source.bbox is not None and row.source.sheet is None
        assert row.source.confidence is not None


def test_a_number_failing_its_check_digit_read_by_ocr_is_doubtful(scanned):
    printed, scan = scanned
    rows, as_printed = _read(scan).record.rows, _read(printed).record.rows
    assert rows[BAD].id_number == as_printed[BAD].id_number  # read right: the sheet's own number is wrong
    assert rows[BAD].source.confidence < FLOOR
