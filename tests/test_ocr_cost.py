"""What a scanned document costs to OCR (issue #20 points 3 and 4): each page through the engine once per reading,
text lines recognised one a call as the rules say, the models' working memory in one arena. The seconds and the
peak memory themselves are measured by scripts/bench_ocr.py, not here; the fields of app-21's scanned statements
are checked in test_ocr_packet.py and test_sample_reports.py."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from omreview.extractors.ocr import engine as ocr_engine
from omreview.extractors.ocr.engine import Engine, engine
from omreview.extractors.ocr.pages import OcrPages
from omreview.extractors.pdf import statement as statement_pdf
from omreview.extractors.pdf.pages import read_texts
from omreview.model import DocumentKind
from omreview.records import record_values
from omreview.rules import default_rules
from tests.conftest import SAMPLE_DOCS
from tests.test_ocr import ocr_rules, packet_file

BUNDLE = SAMPLE_DOCS / "app-24" / "附件42.pdf"  # a scanned bundle of contracts, four image-only pages


@pytest.fixture
def calls(monkeypatch):
    """Per kind of engine call, the pages it was made for (1-based, as ``OcrPages`` numbers them)."""
    seen: dict[str, Counter[int]] = {"detect": Counter(), "read": Counter()}
    quick_page, read_page = OcrPages._quick_page, OcrPages._read_page
    detect, read = Engine.detect_quads, Engine.read
    current: list[int] = []

    def quick_counted(self, pdf, number):
        current.append(number)
        try:
            return quick_page(self, pdf, number)
        finally:
            current.pop()

    def read_counted(self, pdf, page):
        current.append(page.number)
        try:
            return read_page(self, pdf, page)
        finally:
            current.pop()

    def detect_counted(self, image):
        seen["detect"][current[-1]] += 1
        return detect(self, image)

    def read_engine(self, image):
        seen["read"][current[-1]] += 1
        return read(self, image)

    monkeypatch.setattr(OcrPages, "_quick_page", quick_counted)
    monkeypatch.setattr(OcrPages, "_read_page", read_counted)
    monkeypatch.setattr(Engine, "detect_quads", detect_counted)
    monkeypatch.setattr(Engine, "read", read_engine)
    return seen


def test_each_page_of_a_scanned_attachment_goes_through_the_engine_once(calls):
    """The statement reader's triage, the attachments' classifier and the contracts' reader share one OCR of the
    scanned bundle: every page detected once at low resolution, each page read in full at most once."""
    pages = len(read_texts(BUNDLE))
    extraction = statement_pdf.extract(packet_file(BUNDLE), default_rules())
    assert extraction.kind is DocumentKind.CONTRACT and extraction.ocr is True
    assert extraction.record is not None and len(extraction.record.contracts) >= 2
    assert calls["detect"] == Counter(range(1, pages + 1))
    assert calls["read"] and set(calls["read"].values()) == {1}


def test_text_lines_are_recognised_one_a_call_as_the_rules_say():
    """``ocr.rec_batch`` (rules.yaml): one line a recognition call, so each line reads as it does alone (a batch pads
    every line to the widest of it, which costs time and moves confidences)."""
    settings = default_rules().labels.statement_pdf.ocr
    assert settings.rec_batch == 1
    eng = engine(settings)
    rng = np.random.default_rng(7)
    lines = [np.full((24, width), 255, dtype=np.uint8) for width in (60, 240, 900)]
    for line in lines:
        line[8:16, 4:-4] = rng.integers(0, 90, size=(8, line.shape[1] - 8))
    together = eng.recognize(lines)
    assert together == [eng.recognize([line])[0] for line in lines]
    assert eng._ocr.text_rec.rec_batch_num == 1  # the recogniser as RapidOCR runs it


def test_the_recognition_batch_comes_from_the_rules():
    rules = ocr_rules(rec_batch=4)
    eng = engine(rules.labels.statement_pdf.ocr)
    eng.recognize([np.full((24, 80), 255, dtype=np.uint8)])
    assert eng._ocr.text_rec.rec_batch_num == 4
    assert eng is not engine(default_rules().labels.statement_pdf.ocr)
    assert ocr_engine.MEMORY_ARENA is True


def test_the_models_work_in_one_shared_arena_without_memory_patterns():
    """The detector and the recogniser allocate from the process's one onnxruntime arena, and plan no memory pattern
    (one is kept for each input size, and the detector sees a new size nearly every page): a reading process peaked
    at ~730 MB with an arena of each model and patterns, ~455 MB so (docs/performance.md). Already loaded when the
    engine is built, under those options."""
    eng = engine(default_rules().labels.statement_pdf.ocr)
    for model in (eng._ocr.text_det, eng._ocr.text_rec):
        options = model.session.session.get_session_options()
        assert options.enable_mem_pattern is False
        assert options.enable_cpu_mem_arena is True
        assert options.get_session_config_entry("session.use_env_allocators") == "1"
    from rapidocr.inference_engine.onnxruntime.main import OrtInferSession

    plain = OrtInferSession._init_sess_opts(eng._ocr.cfg.Det.engine_cfg)  # RapidOCR's own, as it was before
    assert plain.enable_mem_pattern is True


@pytest.fixture(scope="module")
def watched_scan() -> dict:
    """app-21's scan0006.pdf read once, with default rules, while watching the engine: the boxes each call of the
    low-resolution pass recognised (``band``), the pages read in full (``full``) and the shape of every tensor the
    text detector saw (``seen``). The two tests below read the same watched reading (one OCR of five pages, not
    two)."""
    band: list[int] = []
    full: list[int] = []
    seen: list[tuple[int, ...]] = []
    recognize, band_of, read_page = Engine.recognize, OcrPages._band, OcrPages._read_page
    inside = [False]

    def counted(self, images):
        if inside[0]:
            band.append(len(images))
        return recognize(self, images)

    def in_band(self, *args):
        inside[0] = True
        try:
            return band_of(self, *args)
        finally:
            inside[0] = False

    def read_counted(self, pdf, page):
        full.append(page.number)
        return read_page(self, pdf, page)

    eng = engine(default_rules().labels.statement_pdf.ocr)
    detector = eng._ocr.text_det.session

    class Watched:
        def __call__(self, tensor):
            seen.append(tensor.shape)
            return detector(tensor)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Engine, "recognize", counted)
        patch.setattr(OcrPages, "_band", in_band)
        patch.setattr(OcrPages, "_read_page", read_counted)
        patch.setattr(eng._ocr.text_det, "session", Watched())
        extraction = statement_pdf.extract(packet_file(SAMPLE_DOCS / "app-21" / "scan0006.pdf"), default_rules())
    values = {name: str(value.value) for name, value in record_values(extraction.record)}
    return {"extraction": extraction, "values": values, "band": band, "full": full, "seen": seen}


def test_the_low_resolution_pass_recognises_the_top_twelve_boxes_of_a_page_and_still_finds_the_statements(
    watched_scan,
):
    """``ocr.triage_max_boxes`` (rules.yaml): the low-resolution pass recognises at most 12 boxes of a page's top band
    (24 before: ~0.7 CPU-s more for a five-page scan), and app-21's scan still reads as a statement with its
    figures, the same pages read in full."""
    extraction, values = watched_scan["extraction"], watched_scan["values"]
    assert extraction.kind is DocumentKind.FINANCIAL_STATEMENT and extraction.ocr is True
    assert extraction.record.fiscal_year == 2009
    assert watched_scan["full"] == [2, 3, 4, 5]  # the report and the three statements
    assert values["current.total_revenue"] == "46892158.87" and values["om_revenue"] == "18305616.34"
    assert len(watched_scan["band"]) == 5 and max(watched_scan["band"]) == 12


def test_the_detector_sees_a_full_page_at_the_rules_size_and_app21_still_reads(watched_scan):
    """``ocr.det_max_side`` (rules.yaml): the text detector sees a page read at 150 dpi as 960 x 672 pixels (1280 x 896
    before; its working memory grows with the pixels: a reading process peaked at 450-490 MB so, 350-370 MB now,
    the target 400 MB, docs/performance.md), and app-21's scan still gives its figures from the pages it did."""
    assert default_rules().labels.statement_pdf.ocr.det_max_side == 960
    values, seen = watched_scan["values"], watched_scan["seen"]
    assert values["current.total_revenue"] == "46892158.87" and values["om_revenue"] == "18305616.34"
    assert (1, 3, 960, 672) in seen  # the four pages read in full, A4 at 150 dpi (1755 x 1241)
    assert max(max(shape[2:]) for shape in seen) == 960


def test_a_page_is_rendered_to_its_red_channel_without_a_full_colour_copy(monkeypatch):
    """A page for OCR is its red channel (``ocr.drop_red``), copied once out of pdfium's buffer: the same pixels as
    through PIL's RGB image, without that image and its converted copy (23 MB at the second look's 200 dpi, the
    largest buffers of a reading process outside the detector)."""
    import pypdfium2 as pdfium

    from omreview.extractors.ocr import pages

    pdf = pdfium.PdfDocument(SAMPLE_DOCS / "app-21" / "scan0006.pdf")
    try:
        bitmap = pdf[2].render(scale=200 / 72)
        expected = bitmap.to_pil().convert("RGB").getchannel("R").point(pages._levels(215))
        bitmap.close()

        def no_copy(self):
            raise AssertionError("a full-colour copy of the page")

        monkeypatch.setattr(pdfium.PdfBitmap, "to_pil", no_copy)
        image, size = pages._render(pdf, 3, 200, True, 215)
    finally:
        pdf.close()
    assert image.mode == "L" and image.size == expected.size == (1655, 2339)  # A4 at 200 dpi
    assert image.tobytes() == expected.tobytes()
    assert (round(size[0]), round(size[1])) == (595, 842)  # the page in points
