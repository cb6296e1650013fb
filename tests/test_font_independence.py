"""The same PDF gives the same report on every machine: evidence boxes come from the PDF's own metrics,
not from the fonts installed where it is read (issue #15, point 8).

The sample statements write Chinese in STSong-Light without embedding it, as many real statements do.
pdfium's character boxes are those of the glyph it draws, and for an unembedded font that is a font of
the machine: before the fix, the auditor's and the opinion's boxes (pdfium text search) and, with
``positions: pdfium``, every figure's box changed once fonts-noto-cjk was installed. Each PDF is read
in two processes (``tests/fontless.py``): one with pdfium's font folders as the machine has them, one
with pdfium restarted on an empty font folder; the two must agree on every value, page and box.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from omreview.extractors.pdf.layer import layer_for
from omreview.extractors.pdf.pages import read_texts
from omreview.rules import default_rules
from tests.conftest import ROOT, SAMPLE_DOCS

TEXT_LAYER = SAMPLE_DOCS / "app-03" / "scan0005.pdf"  # audited statements, text layer, STSong-Light unembedded
SCANNED = SAMPLE_DOCS / "app-21" / "scan0006.pdf"  # image-only pages, read by OCR


def _read(mode: str, engine: str, *pdfs: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "tests.fontless", mode, engine, *pdfs], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def _differences(one: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """What two readings of the same PDFs disagree on: ``{pdf name: {field or value: (one, other)}}``."""
    out: dict[str, Any] = {}
    for pdf, got in one["pdfs"].items():
        theirs = other["pdfs"][pdf]
        fields = {k: (got[k], theirs[k]) for k in got if k != "values" and got[k] != theirs[k]}
        values = {k: (got["values"].get(k), theirs["values"].get(k)) for k in got["values"].keys() | theirs["values"]
                  if got["values"].get(k) != theirs["values"].get(k)}
        if fields or values:
            out[pdf.rsplit("/", 1)[-1]] = fields | values
    return out


def _both(engine: str, *pdfs: str) -> tuple[dict[str, Any], dict[str, Any]]:
    with ThreadPoolExecutor(2) as pool:
        installed, hidden = pool.map(lambda mode: _read(mode, engine, *pdfs), ("installed", "hidden"))
    assert installed["cjk_drawn"], "this machine's pdfium draws no CJK glyph: the comparison would prove nothing"
    assert not hidden["cjk_drawn"], "the machine's fonts were not hidden from pdfium"
    return installed, hidden


@pytest.mark.parametrize("engine", ["pdfplumber", "pdfium"])
def test_a_text_layer_statement_reads_the_same_boxes_with_and_without_the_machines_fonts(engine, cjk_font):
    installed, hidden = _both(engine, str(TEXT_LAYER))
    got = installed["pdfs"][str(TEXT_LAYER)]
    assert got["kind"] == "financial_statement" and not got["error"]
    assert {"auditor", "opinion", "current.total_revenue", "current.equity"} <= set(got["values"])
    assert all(v[2] for v in got["values"].values()), "every value has a box"
    assert _differences(installed, hidden) == {}


def test_the_two_position_engines_give_the_same_boxes(cjk_font):
    """With the boxes from the PDF's metrics, pdfium's boxes are pdfminer's: the engine is no setting of the
    report."""
    plumber = _read("installed", "pdfplumber", str(TEXT_LAYER))
    pdfium = _read("installed", "pdfium", str(TEXT_LAYER))
    assert _differences(plumber, pdfium) == {}


def test_a_scanned_statement_reads_the_same_with_and_without_the_machines_fonts(cjk_font):
    """Image-only pages are rendered for OCR without any font: the same words, boxes and confidences."""
    installed, hidden = _both("pdfplumber", str(SCANNED))
    got = installed["pdfs"][str(SCANNED)]
    assert got["ocr"] and got["values"]
    assert _differences(installed, hidden) == {}


def _scan_with_caption(path: Path, render_mode: int) -> Path:
    """A page-sized scan image and a short line of Chinese in STSong-Light (not embedded) drawn over it."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    image = io.BytesIO()
    Image.new("L", (200, 280), 235).save(image, format="PNG")
    c = canvas.Canvas(str(path), pagesize=(595, 842), invariant=1)
    c.drawImage(ImageReader(io.BytesIO(image.getvalue())), 0, 0, 595, 842)
    text = c.beginText(60, 800)
    text.setFont("STSong-Light", 12)
    text.setTextRenderMode(render_mode)
    text.textOut("第一页")
    c.drawText(text)
    c.showPage()
    c.save()
    return path


def test_a_page_ocr_reads_with_unembedded_visible_text_is_named_in_a_warning(tmp_path):
    """Rendered for OCR, visible text of a font the PDF does not embed is drawn with the machine's fonts:
    that cannot be made the PDF's own, so the reader says which pages; an invisible text layer (render
    mode 3, as scanners write it) is not drawn and is not named."""
    rules = default_rules()
    visible = _scan_with_caption(tmp_path / "visible.pdf", 0)
    invisible = _scan_with_caption(tmp_path / "invisible.pdf", 3)
    warned = [w for w in layer_for(visible, read_texts(visible), rules).warnings if "this machine's fonts" in w]
    assert warned == ["pages 1 were read by OCR with text in fonts the PDF does not embed, drawn with this "
                      "machine's fonts: what OCR read there may differ on another machine"]
    assert not [w for w in layer_for(invisible, read_texts(invisible), rules).warnings if "fonts" in w]
