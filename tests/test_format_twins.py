"""Issue #19's promise, held on the sample applicants sent in other forms (app-25 .doc/.xls, app-26 WPS files and a
statement photographed one JPEG a page, app-27 one .zip with GBK names): each gets the report its twin gets — the
same content written as .docx/.xlsx/PDF in a folder — in its verdict, every check's status and values, every
figure's value and every discrepancy with its values; only the file names in the sources differ."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from omreview.review import review_applicant
from samplegen.builder import file_names
from samplegen.generate import write_packet
from samplegen.scenarios import build_all

SEED = 2012
OTHER_FORMS = ("app-25", "app-26", "app-27")


def _modern(a):
    """The same applicant in .docx/.xlsx/PDF, loose in its folder (the same file names where they exist)."""
    layout = replace(a.layout, office="ooxml", photos=(), zipped=False)
    plain = file_names(random.Random(0), layout)
    files = replace(a.files, form=a.files.form.rsplit(".", 1)[0] + ".docx",
                    roster=a.files.roster.rsplit(".", 1)[0] + ".xlsx", archive=None,
                    statements={y: n if not n.endswith(".jpg") else plain.statements[y]
                                for y, n in a.files.statements.items()})
    return replace(a, layout=layout, files=files)


def _seen(report: dict) -> dict:
    return {"verdict": report["verdict"],
            "checks": {c["id"]: (c["status"], c["values"]) for c in report["checks"]},
            "figures": {k: v["value"] for k, v in report["figures"].items()},
            "discrepancies": sorted((d["figure"], tuple(v["value"] for v in d["values"]))
                                    for d in report["discrepancies"]),
            # a photographed statement is one document: its other pages are part_of the first
            "kinds": sorted((d["kind"], d["fiscal_year"]) for d in report["documents"] if "part_of" not in d)}


@pytest.mark.parametrize("case", OTHER_FORMS)
def test_an_applicant_in_other_forms_gets_its_modern_twins_report(case, sample_report, tmp_path):
    applicant = next(a for a in build_all(SEED) if a.id == case)
    twin = _modern(applicant)
    write_packet(twin, tmp_path / case)
    sent, modern = sample_report(case), review_applicant(tmp_path / case).model_dump(mode="json")
    assert _seen(sent) == _seen(modern)
    assert {d["file"] for d in sent["documents"]} != {d["file"] for d in modern["documents"]}
