"""Tests of the sample generator (``samplegen``) and its committed output.

The committed output is ``sample_docs/<id>/`` (the packets) and ``tests/golden/samples/<id>.json`` (their
expected outcomes, computed by ``samplegen/oracle.py`` from the scenario parameters). After changing
``samplegen``, regenerate both and review the diff:

    OMREVIEW_REGEN=1 .venv/bin/python -m pytest tests/test_samplegen.py

(``OMREVIEW_REGEN=1`` rewrites the committed output before the tests run; it is the same as
``python -m samplegen --out sample_docs --golden tests/golden/samples``.)
"""

from __future__ import annotations

import json
import os
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pdfplumber
import pytest
from stdnum.cn import ric

from samplegen.generate import expected_outcomes, write_all
from samplegen.layouts import ROSTER_WORDS
from samplegen.money import agree, exact, upper_cn, written
from samplegen.oracle import CHECK_IDS, expected_batch, in_window
from samplegen.params import Project
from samplegen.scenarios import SCENARIOS, build_all

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "sample_docs"
GOLDEN = ROOT / "tests" / "golden" / "samples"
SEED = 2012
STATUSES = {"pass", "fail", "review", "manual", "missing"}
VERDICTS = {"meets", "does_not_meet", "needs_review", "incomplete"}
ID_HEADERS = set(ROSTER_WORDS["id"])  # every 身份证号 heading the generator writes (its own and the fuzzer's)
_CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module", autouse=True)
def committed() -> None:
    if os.environ.get("OMREVIEW_REGEN") == "1":
        write_all(DOCS, GOLDEN, SEED)


@pytest.fixture(scope="module")
def goldens() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(GOLDEN.glob("*.json"))}


@pytest.fixture(scope="module")
def generated_twice(tmp_path_factory, cjk_font) -> tuple[Path, Path]:
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    for root in (first, second):
        write_all(root / "docs", root / "golden", SEED)
    return first, second


def _docs(golden: dict, kind: str) -> list[tuple[Path, dict]]:
    """The packet's documents of ``kind`` written as .docx/.xlsx/PDF and not inside a .zip (the other forms of the
    same content: test_other_forms_are_what_applicants_send)."""
    folder = DOCS / golden["applicant_id"]
    return [(folder / name, doc) for name, doc in golden["documents"].items()
            if doc["kind"] == kind and "!/" not in name and Path(name).suffix in (".pdf", ".docx", ".xlsx")]


def _kind(name: str) -> str:
    """A name without its year or row suffix: ``total_revenue.2010`` -> ``total_revenue``."""
    return re.sub(r"\.(\d{4}|row\d+)$", "", name)


def test_golden_files_equal_the_oracle_on_the_scenarios(goldens):
    fresh = expected_outcomes(SEED)
    assert sorted(fresh) == sorted(goldens)
    for ident, text in fresh.items():
        committed_text = (GOLDEN / f"{ident}.json").read_text(encoding="utf-8")
        assert text == committed_text, f"{ident}: regenerate (see the module docstring)"


def _outcome(result: dict) -> tuple[str, set[str]]:
    """The verdict, and every check that is not pass or manual plus every discrepancy."""
    checks = {f"{cid}={s}" for cid, s in result["checks"].items() if s not in ("pass", "manual")}
    return result["verdict"], checks | set(result["discrepancies"])


def _intended(expect: str) -> tuple[str, set[str]]:
    verdict, _, causes = expect.partition(":")
    return verdict, set(causes.split())


def test_golden_outcomes_are_the_ones_each_scenario_intends(goldens):
    for scenario in SCENARIOS:
        assert _outcome(goldens[scenario.id]) == _intended(scenario.expect), scenario.id


@pytest.mark.parametrize("seed", [1, 7, 99, 4242])
def test_only_the_intended_differences_appear_whatever_the_seed(seed):
    results = {r["applicant_id"]: r for r in expected_batch(build_all(seed))}
    for scenario in SCENARIOS:
        assert _outcome(results[scenario.id]) == _intended(scenario.expect), (seed, scenario.id)


def test_every_packet_has_a_golden_file_listing_exactly_its_files(goldens):
    folders = {p.name for p in DOCS.iterdir() if p.is_dir()}
    assert folders == set(goldens)
    for ident, golden in goldens.items():
        assert golden["applicant_id"] == ident
        # a packet sent as one .zip lists the files inside it (提交文件.zip!/附件1.pdf)
        assert {name.split("!/")[0] for name in golden["documents"]} == {p.name for p in (DOCS / ident).iterdir()}
    assert sum(p.stat().st_size for p in DOCS.rglob("*") if p.is_file()) < 10 * 1024 * 1024


def test_file_names_say_nothing_about_content(goldens):
    for golden in goldens.values():
        for name in golden["documents"]:
            assert not re.search(r"申报|审计|名册|roster|form|audit|statement|合同", name), name


def test_goldens_are_well_formed(goldens):
    for ident, golden in goldens.items():
        assert list(golden["checks"]) == list(CHECK_IDS), ident
        assert set(golden["checks"].values()) <= STATUSES
        assert golden["verdict"] in VERDICTS
        assert golden["discrepancies"] == sorted(set(golden["discrepancies"]))
        assert golden["purpose"].endswith(".")
        for name, value in golden["figures"].items():
            if _kind(name) in {"total_revenue", "om_revenue", "net_profit", "equity", "registered_capital",
                               "paid_in_capital", "om_revenue_3y", "total_revenue_3y"}:
                assert re.fullmatch(r"-?\d+\.\d\d", value), (ident, name, value)
            elif name.endswith(("_ratio", "_share")):
                assert re.fullmatch(r"[01]\.\d{4}", value), (ident, name, value)
            elif name.endswith("_count") or name.endswith("_years"):
                assert isinstance(value, int), (ident, name, value)


def test_the_samples_cover_every_verdict_and_many_causes(goldens):
    by_verdict: dict[str, list[dict]] = {}
    for golden in goldens.values():
        by_verdict.setdefault(golden["verdict"], []).append(golden)
    assert len(by_verdict.get("meets", [])) >= 2
    assert by_verdict.get("incomplete")
    failing = {cid for g in by_verdict["does_not_meet"] for cid, s in g["checks"].items() if s == "fail"}
    assert len(failing) >= 4, failing
    kinds = {_kind(d) for g in by_verdict["needs_review"] for d in g["discrepancies"]}
    assert len(kinds) >= 3, kinds
    for golden in by_verdict["meets"]:
        assert not golden["discrepancies"]
        assert set(golden["checks"].values()) <= {"pass", "manual"}


def test_statements_open_with_pdfplumber(goldens):
    scanned = {a.id for a in build_all(SEED) if a.layout.scans}
    for golden in goldens.values():
        if golden["applicant_id"] in scanned:
            continue  # image-only: test_scanned_statements_have_no_text_layer
        for path, doc in _docs(golden, "financial_statement"):
            with pdfplumber.open(path) as pdf:
                text = "\n".join(page.extract_text() or "" for page in pdf.pages)
                tables = [t for page in pdf.pages for t in page.extract_tables()]
            assert golden["name"] in text and "营业收入" in text, path
            assert f"{doc['fiscal_year']}年度" in text and "会计师事务所" in text, path
            assert any(row and row[0] == "一、营业收入" for t in tables for row in t), path


def test_scanned_statements_have_no_text_layer(goldens):
    scanned = {a.id: a for a in build_all(SEED) if a.layout.scans}
    assert scanned, "some scenario should scan its statements"
    for ident in scanned:
        docs = _docs(goldens[ident], "financial_statement")
        assert len(docs) == 3
        for path, _ in docs:
            with pdfplumber.open(path) as pdf:
                assert all(not page.chars and page.images for page in pdf.pages), path


def test_forms_open_with_python_docx(goldens):
    for golden in goldens.values():
        for path, _ in _docs(golden, "application_form"):  # one .docx; none where it is a .doc/.wps or zipped
            cells = {c.text for t in docx.Document(str(path)).tables for row in t.rows for c in row.cells}
            for value in (golden["name"], golden["credit_code"]):  # a cell of its own, or after its label
                assert any(re.fullmatch(rf"(.*[：:]\s*)?{re.escape(value)}", c) for c in cells), (path, value)


def test_rosters_have_a_header_row_and_valid_id_numbers(goldens):
    broken = {r.id_number for a in build_all(SEED) for r in a.roster if r.broken}
    assert broken, "some scenario should break a 身份证号"
    seen_broken = set()
    for golden in goldens.values():
        for path, _ in _docs(golden, "staff_roster"):
            # the roster's sheet: after a 说明 sheet, before a 汇总 sheet, as the layout has them
            ws, header = next((ws, row) for ws in openpyxl.load_workbook(path).worksheets
                              for row in ws.iter_rows() if ID_HEADERS & {c.value for c in row})
            column = next(c.column for c in header if c.value in ID_HEADERS)
            numbers = [ws.cell(r, column).value for r in range(header[0].row + 1, ws.max_row + 1)]
            # not the 合计 row, nor the footer's notes, signatures or date when they fall in this column
            numbers = [n for n in numbers if n and not (isinstance(n, str) and _CJK.search(n))]
            assert 40 <= len(numbers) <= 80, (path, len(numbers))  # 46 where a scenario has too few staff
            for number in numbers:
                assert isinstance(number, str) and len(number) == 18, (path, number)
                if number in broken:
                    seen_broken.add(number)
                else:
                    assert ric.is_valid(number), (path, number)
    assert seen_broken == broken


def test_generation_is_deterministic_and_matches_the_committed_packets(generated_twice):
    first, second = generated_twice
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    for rel in (r for r in files if r.parts[0] == "docs"):
        committed = DOCS.joinpath(*rel.parts[1:])
        assert committed.read_bytes() == (first / rel).read_bytes(), f"{committed} is stale: regenerate"


def test_agree_uses_half_a_unit_of_the_coarser_precision():
    wan = written(Decimal("12345600"), "万元")
    assert agree(wan, exact(Decimal("12345650"))) and agree(wan, exact(Decimal("12345550")))
    assert not agree(wan, exact(Decimal("12345650.01")))
    assert agree(written(Decimal("123000000"), "亿元", 2), exact(Decimal("123499999")))
    assert upper_cn(Decimal(50_000_000)) == "人民币伍仟万元整"
    assert upper_cn(Decimal(10_200_000)) == "人民币壹仟零贰拾万元整"


def test_project_window_needs_a_month_of_overlap():
    def project(start: date, end: date) -> Project:
        return Project("p", "c", Decimal(1), start, end, "")
    assert in_window(project(date(2011, 12, 1), date(2012, 5, 31)))
    assert not in_window(project(date(2011, 12, 15), date(2012, 5, 31)))
    assert not in_window(project(date(2012, 1, 1), date(2012, 12, 31)))
    assert in_window(project(date(2008, 1, 1), date(2009, 1, 31)))


def test_other_forms_are_what_applicants_send(goldens):
    """The .doc/.xls and WPS files are Word/Excel 97-2003 compound files, a photographed statement is one JPEG a
    page (one stored sideways with EXIF orientation 6), and a zipped packet names its entries in GBK bytes without
    the UTF-8 flag, each entry the .docx/.xlsx/PDF it would be loose."""
    import zipfile

    from PIL import Image

    applicants = {a.id: a for a in build_all(SEED)}
    legacy = [a for a in applicants.values() if a.layout.office != "ooxml"]
    photographed = [a for a in applicants.values() if a.layout.photos]
    zipped = [a for a in applicants.values() if a.layout.zipped]
    assert legacy and photographed and zipped
    for a in legacy:
        for name in (a.files.form, a.files.roster):
            assert (DOCS / a.id / name).read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1"), name
    for a in photographed:
        for year in a.layout.photos:
            pages = [DOCS / a.id / n for n in a.files.photo_pages(year, a.layout.statement.pages)]
            orientations = []
            for page in pages:
                with Image.open(page) as image:
                    assert image.format == "JPEG"
                    orientations.append(image.getexif().get(0x0112))
            assert orientations.count(6) == 1 and len(pages) == a.layout.statement.pages
    for a in zipped:
        assert a.files.archive is not None
        with zipfile.ZipFile(DOCS / a.id / a.files.archive) as zf:
            infos = zf.infolist()
            assert all(not info.flag_bits & 0x800 for info in infos)
            names = sorted(info.filename.encode("cp437").decode("gbk") for info in infos)
            assert names == sorted(n.split("!/")[1] for n in goldens[a.id]["documents"])
            heads = {n: zf.read(info)[:4] for n, info in zip(names, sorted(infos, key=lambda i: i.filename
                     .encode("cp437").decode("gbk")), strict=True)}
        assert {Path(n).suffix: h for n, h in heads.items()} == {".pdf": b"%PDF", ".docx": b"PK\x03\x04",
                                                                 ".xlsx": b"PK\x03\x04"}
