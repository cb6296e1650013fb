"""OCR of image-only statement PDFs (extractors/ocr/engine.py, ocr_pages.py, pdf_layer.py).

The scanned statements are made by the sample generator (``samplegen.scan``): sample statements rendered
with pypdfium2, spoiled with seals, a quarter turn, skew, noise, a dark cover and a blank page, and wrapped
back into image-only PDFs. Their figures must equal those the text-layer originals give. Each scan is read
once per module (``scanned``); the packet twin (``sample_docs/app-21`` against its text-layer twin) is in
``test_ocr_packet.py``.
"""

from __future__ import annotations

import json
import multiprocessing
import socket
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest

from omreview.extractors.contract import ReadError, ReadStatus
from omreview.extractors.ocr.engine import Char, Engine, model_paths
from omreview.extractors.ocr.pages import _repaired, _straight, _unturn
from omreview.extractors.pdf import statement as statement_pdf
from omreview.extractors.pdf.layer import layer_for
from omreview.extractors.pdf.pages import read_texts
from omreview.extractors.registry import read_document
from omreview.model import DocStatus, DocumentKind
from omreview.packet import PacketFile, sha256_file
from omreview.records import record_values
from omreview.review import document_of
from omreview.rules import OcrSettings, Rules, default_rules
from omreview.validators.inputs import gather
from samplegen.params import ScanStyle
from samplegen.scan import scan_pdf
from tests.conftest import SAMPLE_DOCS
from tests.test_statement_pdf import FIRM, audit_page, balance_page, income_page, notes_page, write_pdf

# (sample statement, how it is scanned): between them every kind of damage the generator makes
VARIANTS = {
    "turned-seals-150dpi": ("app-19", 2009, ScanStyle(dpi=150, skew=1.6, seal_figures=True, turned=(5,))),
    "dark-cover-blank-200dpi": ("app-20", 2011, ScanStyle(dpi=200, skew=-2.2, dark_cover=True, blank_after=(2,),
                                                          seal_figures=True, noise=6.0)),
}


def packet_file(path: Path) -> PacketFile:
    return PacketFile(rel=path.name, path=path, size=path.stat().st_size, sha256=sha256_file(path))


def ocr_rules(**changes) -> Rules:
    rules = default_rules()
    cfg = rules.labels.statement_pdf
    pdf = cfg.model_copy(update={"ocr": cfg.ocr.model_copy(update=changes)})
    return rules.model_copy(update={"labels": rules.labels.model_copy(update={"statement_pdf": pdf})})


def _statement(app: str, year: int) -> Path:
    """The sample packet's statement PDF of ``year`` (found by its text: file names say nothing)."""
    for path in sorted((SAMPLE_DOCS / app).glob("*.pdf")):
        if f"{year}年度" in "".join(read_texts(path)[:2]):
            return path
    raise LookupError(f"{app} has no {year} statement")


def _fields(record) -> dict:
    out = {name: value.value for name, value in record_values(record)}
    out["fiscal_year"] = record.fiscal_year
    out["revenue_lines"] = [(r.name, r.amount.value, r.is_om) for r in record.revenue_lines]
    return out


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, cjk_font):
    """name -> (text-layer original's extraction, scan's extraction, the scan's path, page counts)."""
    folder = tmp_path_factory.mktemp("scans")
    rules = default_rules()
    out = {}
    for name, (app, year, style) in VARIANTS.items():
        original = _statement(app, year)
        path = folder / f"{name}.pdf"
        scan_pdf(original, path, style, seed=name)
        layer = layer_for(path, read_texts(path), rules)  # what statement_pdf.extract does, keeping the layer
        ex = statement_pdf._Reader(packet_file(path), rules, layer.triage(), layer).read()
        out[name] = (read_document(packet_file(original)), ex, path, dict(layer.pages.counts))
    return out


# --- the engine ---------------------------------------------------------------------------------------


def test_engine_runs_from_the_wheel_without_network(monkeypatch, capfd, tmp_path, cjk_font):
    """The models ship inside the rapidocr wheel: no socket is opened, nothing is logged to the terminal."""

    def refuse(*args, **kwargs):
        raise AssertionError("the OCR engine tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    paths = model_paths()
    assert all(p.is_file() and "rapidocr" in p.parts for p in paths.values())
    pdf_path = write_pdf(tmp_path / "one.pdf", [income_page()])
    pdf = pdfium.PdfDocument(pdf_path)
    image = np.asarray(pdf[0].render(scale=150 / 72).to_pil().convert("L"))
    pdf.close()
    words = Engine(default_rules().labels.statement_pdf.ocr).read(image)  # a fresh engine: models loaded here
    texts = [w.text for w in words]
    assert "利润表" in texts and "64,043,690.46" in texts
    assert all(0 <= c.score <= 1 for w in words for c in w.chars)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


# --- geometry -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_unturn_undoes_the_quarter_turn(turn):
    from PIL import Image

    width, height = 40, 60
    image = Image.new("L", (width, height), 255)
    image.putpixel((7, 11), 0)
    from omreview.extractors.ocr.pages import _turn

    turned = _turn(image, turn)
    (y, x), = np.argwhere(np.asarray(turned) == 0)
    back = _unturn((x + 0.5, y + 0.5), turn, width, height)
    assert back == pytest.approx((7.5, 11.5))


def test_straightening_rotates_like_pil():
    from PIL import Image

    image = Image.new("L", (200, 100), 255)
    image.putpixel((170, 20), 0)
    rotated = np.asarray(image.rotate(10, resample=Image.Resampling.NEAREST, fillcolor=255))
    (y, x), = np.argwhere(rotated == 0)[:1]
    assert _straight((170, 20), (100, 50), 10) == pytest.approx((x, y), abs=1.5)
    assert _straight(_straight((170, 20), (100, 50), 10), (100, 50), -10) == pytest.approx((170, 20))


# --- scanned statements -------------------------------------------------------------------------------


def _token(text: str, score: float = 0.99) -> tuple[Char, ...]:
    return tuple(Char(ch, (i, 0, i + 1, 1), score) for i, ch in enumerate(text))


def _read(chars: tuple[Char, ...]) -> tuple[str, float]:
    return "".join(c.text for c in chars), min(c.score for c in chars)


def test_an_amount_misread_by_a_seal_is_repaired_by_the_rules_look_alikes():
    table = str.maketrans(OcrSettings().digit_lookalikes)  # what the shipped rules.yaml gives
    assert _read(_repaired(_token("64.121,5l4.67"), table)) == ("64,121,514.67", 0.99)  # grouping is sure
    assert _read(_repaired(_token("(1，2O4.00)"), table)) == ("(1,204.00)", 0.99)
    assert _read(_repaired(_token("47006.647.38"), table)) == ("47006647.38", 0.5)  # a separator may be a digit
    assert _read(_repaired(_token("营业收入"), table)) == ("营业收入", 0.99)
    assert _read(_repaired(_token("Oil"), table)) == ("Oil", 0.99)  # not an amount once repaired: left alone
    # the table is the rules' to change: without l → 1 the token is not an amount and stays as read
    narrower = str.maketrans({k: v for k, v in OcrSettings().digit_lookalikes.items() if k != "l"})
    assert _read(_repaired(_token("64.121,5l4.67"), narrower)) == ("64.121,5l4.67", 0.99)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_scan_gives_the_figures_of_its_text_layer_original(scanned, name):
    original, ex, *_ = scanned[name]
    assert ex.error is None and ex.ocr and not original.ocr
    assert (ex.kind, ex.fiscal_year) == (original.kind, original.fiscal_year) == (DocumentKind.FINANCIAL_STATEMENT,
                                                                                 VARIANTS[name][1])
    assert _fields(ex.record) == _fields(original.record)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_ocr_sources_have_page_bbox_and_confidence(scanned, name):
    original, ex, path, _ = scanned[name]
    pdf = pdfium.PdfDocument(path)
    sizes = [pdf[i].get_size() for i in range(len(pdf))]
    pdf.close()
    turned = VARIANTS[name][2].turned
    for field, value in record_values(ex.record):
        src = value.source
        assert src.page and src.bbox and src.confidence is not None, field
        width, height = sizes[src.page - 1]
        x0, top, x1, bottom = src.bbox
        assert 0 <= x0 < x1 <= width and 0 <= top < bottom <= height, (field, src.bbox)
        if not field.startswith(("current.", "prior.")) or turned:
            continue
        # the scan keeps the page's geometry: the figure is where the text layer has it (skew aside)
        before = dict(record_values(original.record))[field].source.bbox
        center = ((x0 + x1) / 2, (top + bottom) / 2)
        assert center == pytest.approx(((before[0] + before[2]) / 2, (before[1] + before[3]) / 2), abs=20), field


def test_figure_on_a_page_turned_a_quarter_maps_back_onto_the_landscape_page(scanned):
    original, ex, path, _ = scanned["turned-seals-150dpi"]
    src = ex.record.current.total_revenue.source  # the income statement, page 5, turned onto a landscape page
    before = original.record.current.total_revenue.source
    assert src.page == before.page == 5
    pdf = pdfium.PdfDocument(path)
    width, height = pdf[4].get_size()
    pdf.close()
    assert width > height
    # ROTATE_90 (counter-clockwise): a point (x, y) of the portrait page lands at (y, portrait width - x)
    cx, cy = (before.bbox[0] + before.bbox[2]) / 2, (before.bbox[1] + before.bbox[3]) / 2
    assert ((src.bbox[0] + src.bbox[2]) / 2, (src.bbox[1] + src.bbox[3]) / 2) == pytest.approx((cy, height - cx),
                                                                                              abs=20)


def test_only_the_pages_that_matter_are_read_in_full(scanned):
    for name, (_, _, path, counts) in scanned.items():
        pages = len(read_texts(path))
        # every page in the low-resolution pass; in full only the report, the statements and the notes
        assert counts["quick"] == pages and counts["read"] <= 5, (name, counts)


def test_low_confidence_values_are_listed_with_a_warning(tmp_path, cjk_font):
    """With a confidence floor no reading reaches, every OCR'd value is listed as doubtful."""
    text = write_pdf(tmp_path / "text.pdf", [audit_page(2011), income_page(2011)])
    scan = tmp_path / "scan.pdf"
    scan_pdf(text, scan, ScanStyle(dpi=150, skew=0.5), seed="low")
    rules = ocr_rules(min_confidence=Decimal("1.0"), second_look_dpi=0)
    ex = statement_pdf.extract(packet_file(scan), rules)
    record = ex.record
    assert record.current.total_revenue.value == Decimal("64043690.46")
    doubtful = {name for name, value in record_values(record) if value.source.confidence < 1}
    assert doubtful and set(record.low_confidence) == doubtful
    assert sum("read by OCR with confidence" in w for w in record.warnings) == len(doubtful)
    clean = statement_pdf.extract(packet_file(text), rules).record
    assert clean.low_confidence == [] and all(v.source.confidence is None for _, v in record_values(clean))


def test_ocr_turned_off_keeps_the_plain_error(tmp_path):
    text = write_pdf(tmp_path / "text.pdf", [income_page(2011)])
    scan = tmp_path / "scan.pdf"
    scan_pdf(text, scan, replace(ScanStyle(), seal_signature=False), seed="off")
    ex = read_document(packet_file(scan), ocr_rules(enabled=False))
    assert ex.kind == DocumentKind.UNKNOWN and not ex.ocr
    assert ex.error == "scanned, no text layer; OCR is turned off in the rules"


def test_too_many_pages_to_ocr_is_a_plain_error(tmp_path):
    text = write_pdf(tmp_path / "text.pdf", [income_page(2011)] * 3)
    scan = tmp_path / "scan.pdf"
    scan_pdf(text, scan, replace(ScanStyle(dpi=72), seal_signature=False), seed="many")
    ex = read_document(packet_file(scan), ocr_rules(max_pages=2))
    assert "3 pages to OCR, more than the 2 pages" in ex.error


def _mixed_report(tmp_path: Path) -> Path:
    """A text-layer report whose auditor's report (page 1) was scanned in."""
    scan = tmp_path / "report-scan.pdf"
    scan_pdf(write_pdf(tmp_path / "report.pdf", [audit_page(2011)]), scan, ScanStyle(dpi=150, skew=1.0), seed="mix")
    text = write_pdf(tmp_path / "text.pdf", [balance_page(2011), income_page(2011), notes_page()])
    mixed = pdfium.PdfDocument.new()
    for part in (scan, text):
        source = pdfium.PdfDocument(part)
        mixed.import_pages(source)
        source.close()
    path = tmp_path / "mixed.pdf"
    mixed.save(path)
    mixed.close()
    return path


def test_only_the_image_pages_of_a_text_pdf_are_ocrd(tmp_path, cjk_font):
    """A text-layer report whose auditor's report was scanned in: that page is OCR'd, the others are not."""
    path = _mixed_report(tmp_path)
    layer = layer_for(path, read_texts(path), default_rules())
    assert layer.ocr and layer.scanned == {1}
    ex = read_document(packet_file(path))
    record = ex.record
    assert ex.ocr and ex.kind == DocumentKind.FINANCIAL_STATEMENT and ex.fiscal_year == 2011
    assert ex.status is ReadStatus.READ and ex.errors == ()
    assert record.auditor.value == FIRM and record.opinion.value == "unqualified"
    assert record.auditor.source.page == 1 and record.auditor.source.confidence is not None
    assert record.current.total_revenue.value == Decimal("64043690.46")
    assert record.current.total_revenue.source.confidence is None  # from the text layer


def test_a_report_read_in_part_is_partial_and_says_which_pages(tmp_path, cjk_font):
    """OCR off: the scanned page is not read, the text-layer statements are. The reading is PARTIAL, not failed:
    the report's document is ok, lists the page not read under ``problems`` and in the notes; no auditor is read."""
    path = _mixed_report(tmp_path)
    rules = ocr_rules(enabled=False)
    ex = read_document(packet_file(path), rules)
    reason = "pages 1 have no usable text layer and were not read (OCR is turned off in the rules)"
    assert ex.status is ReadStatus.PARTIAL and ex.errors == (ReadError(reason, (1,)),)
    assert ex.error is None and ex.problems == [reason]
    assert ex.record.current.total_revenue.value == Decimal("64043690.46") and ex.record.auditor is None
    doc, _ = document_of(packet_file(path), rules, read=read_document)
    assert doc.status == DocStatus.OK and doc.error is None and doc.problems == [reason]
    assert json.loads(doc.model_dump_json())["problems"] == [reason]
    assert gather([(doc, ex.record)]).notes[0] == f"mixed.pdf：{reason}"


# --- the same page reads the same, in any engine, in any process, under load ------------------------------


def _burn(seconds: float) -> subprocess.Popen:
    """A process keeping one core busy for ``seconds`` (the load a shared machine has)."""
    return subprocess.Popen([sys.executable, "-c", f"import time\nend = time.monotonic() + {seconds}\n"
                             "while time.monotonic() < end: pass"])


def test_a_scanned_page_reads_identically_in_two_engines_and_two_processes_under_load():
    """Words, boxes and every character's confidence are the same bits each time: the engines share no
    state, onnxruntime runs a fixed number of threads, and nothing depends on the machine's load."""
    from tests.ocr_worker import read_page

    scan = SAMPLE_DOCS / "app-21" / "scan0005.pdf"  # image-only: no font of this machine is involved
    first = read_page(str(scan), 4)  # the income statement: labels and amounts
    assert len(first) > 20 and "利润表" in [w.text for w in first]
    assert read_page(str(scan), 4) == first  # a second engine in this process
    burners = [_burn(120) for _ in range(2)]
    try:
        with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
            others = list(pool.map(read_page, [str(scan)] * 2, [4, 4]))
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert others == [first, first]
