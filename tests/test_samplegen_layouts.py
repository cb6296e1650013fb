"""The layout fuzzer (``samplegen/layouts.py``): one content, many layouts, the same reading.

For a few sample applicants (their books rounded to whole 100 元, so that 元 and 万元 write the same
values), each document kind is written in ``N`` seeded layouts drawn by the fuzzer: label/value pairing,
wording, numbering and spacing of labels, yearly-table orientation and year notation, the unit's place and
unit, date notation, key-person table shapes, column order, 序号 columns, extra columns and sheets, title
and footer rows, the revenue note's title, caption, period headers, income/cost pairs and line numbering.
Each must read to the record its scenario's own layout gives (values compared, not where they were read),
and a packet of fuzzed documents must be reviewed to the oracle's verdict and check statuses.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, replace
from decimal import Decimal
from pathlib import Path

import pytest

from omreview.extractors.office import form as form_docx
from omreview.extractors.office import roster as roster_xlsx
from omreview.extractors.pdf import statement as statement_pdf
from omreview.packet import PacketFile
from omreview.review import review_applicant
from omreview.rules import default_rules
from samplegen import layouts
from samplegen.form_docx import write_form
from samplegen.generate import write_packet
from samplegen.oracle import expected_batch
from samplegen.params import Applicant, Layout
from samplegen.roster_xlsx import write_roster
from samplegen.scenarios import build_all
from samplegen.statement_pdf import write_statement

RULES = default_rules()
N = 12                                   # layouts per kind and scenario
SCENARIOS = ("app-01", "app-07", "app-13")  # clean; a roster with a broken and a doubled 身份证号; relaxed, 46 staff
YEAR = 2011
_PROVENANCE = {"source", "row", "seq", "sheet", "table_count", "header_row", "skipped_rows"}
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


@pytest.fixture(scope="module")
def applicants() -> dict[str, Applicant]:
    return {a.id: layouts.round_books(a, Decimal(10_000)) for a in build_all(2012) if a.id in SCENARIOS}


def _values(record) -> object:
    """The record without where its values were read: no sources, rows or 序号; amounts and dates by value,
    not by the precision they were written in (元 and 万元 write the same rounded books; a project's period
    is written as months or as days). Key persons without the cells that said none and without the finance
    lead's years: which of them a layout has depends on its table's shape (a years column per kind with —
    in the others, or one column for everyone), and no check reads them."""
    def strip(o: object, key: str = "") -> object:
        if isinstance(o, dict):
            if "stated_none" in o:  # which fields the applicant answered with 无 (where: provenance)
                o = {**o, "stated_none": sorted(o["stated_none"])}
            if key == "revenue_lines" and o.get("is_om"):  # the O&M line's wording is the layout's
                o = {**o, "name": "O&M"}
            if key == "key_persons":
                o = {k: v for k, v in o.items() if k not in ("stated_none", "other_years")}
            return {k: strip(v, k) for k, v in o.items() if k not in _PROVENANCE and k != "precision"}
        if isinstance(o, list):
            return [strip(v, key) for v in o]
        if key == "value" and isinstance(o, str) and _NUMBER.fullmatch(o):
            return Decimal(o).normalize()
        return o
    return strip(json.loads(record.model_dump_json()))


def _pf(path: Path) -> PacketFile:
    return PacketFile(path=path, rel=path.name, sha256="0" * 64, size=path.stat().st_size)


def _read_form(a: Applicant, path: Path) -> object:
    write_form(a, path)
    result = form_docx.extract(_pf(path), RULES)
    assert result.error is None, result.error
    return _values(result.record)


def _read_roster(a: Applicant, path: Path) -> object:
    write_roster(a, path)
    result = roster_xlsx.extract(_pf(path), RULES)
    assert result.error is None, result.error
    return _values(result.record)


def _read_statement(a: Applicant, path: Path) -> object:
    write_statement(a, YEAR, path)
    result = statement_pdf.extract(_pf(path), RULES)
    assert result.error is None, result.error
    return _values(result.record)


def _fuzzed(a: Applicant, kind: str, i: int) -> Applicant:
    rng = random.Random(f"layouts:{a.id}:{kind}:{i}")
    lay = a.layout
    if kind == "form":
        lay = replace(lay, form=layouts.form_layout(rng, lay.form, units=True))
    elif kind == "roster":
        lay = replace(lay, roster=layouts.roster_layout(rng, lay.roster))
    else:
        lay = replace(lay, statement=layouts.statement_layout(rng, lay.statement, units=True))
    return replace(a, layout=lay)


READERS = {"form": (_read_form, "docx"), "roster": (_read_roster, "xlsx"), "statement": (_read_statement, "pdf")}


@pytest.mark.parametrize("kind", list(READERS))
@pytest.mark.parametrize("ident", SCENARIOS)
def test_every_fuzzed_layout_reads_to_the_same_record(tmp_path, applicants, ident, kind):
    read, ext = READERS[kind]
    a = applicants[ident]
    want = read(a, tmp_path / f"canonical.{ext}")
    differing = {}
    seen: set[object] = set()
    for i in range(N):
        fuzzed = _fuzzed(a, kind, i)
        seen.add(getattr(fuzzed.layout, kind))
        got = read(fuzzed, tmp_path / f"fuzzed{i}.{ext}")
        if got != want:
            assert isinstance(got, dict) and isinstance(want, dict)
            differing[i] = ({k: v for k, v in got.items() if v != want.get(k)},
                            asdict(getattr(fuzzed.layout, kind)))
    assert len(seen) == N, "the fuzzer drew the same layout twice"
    assert not differing, differing


def test_fuzzed_packets_get_the_oracles_verdict_and_check_statuses(tmp_path, applicants):
    """Every document kind fuzzed at once (text-layer statements), the whole packet reviewed."""
    rules = default_rules()
    rules = rules.model_copy(update={"limits": rules.limits.model_copy(update={"isolate_documents": False})})
    for ident in ("app-01", "app-13"):
        a = applicants[ident]
        expected = expected_batch([a])[0]
        for i in range(4):
            fuzzed = replace(a, layout=layouts.fuzz(random.Random(f"packet:{ident}:{i}"), a.layout, units=True))
            folder = tmp_path / f"{ident}-{i}"
            write_packet(fuzzed, folder)
            report = review_applicant(folder, rules=rules)
            statuses = {c.id: c.status.value for c in report.checks}
            assert (report.verdict.value, statuses) == (expected["verdict"], expected["checks"]), (
                ident, i, asdict(fuzzed.layout), {c.id: c.message for c in report.checks
                                                  if statuses[c.id] != expected["checks"][c.id]})


def test_the_default_layout_is_the_samples_layout():
    assert layouts.fuzz(random.Random(1)) != Layout()
    assert Layout().form.words is None and Layout().roster.words is None
