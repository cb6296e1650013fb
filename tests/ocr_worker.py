"""What the OCR determinism test runs in its own processes: one scanned page read by a fresh engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

from omreview.extractors.ocr.engine import Engine, Word
from omreview.rules import default_rules


def page_image(path: Path, index: int, dpi: int) -> np.ndarray:
    """Page ``index`` of an image-only PDF as a grayscale array (no font of the machine is involved)."""
    pdf = pdfium.PdfDocument(path)
    try:
        return np.asarray(pdf[index].render(scale=dpi / 72).to_pil().convert("L"))
    finally:
        pdf.close()


def read_page(path: str, index: int) -> list[Word]:
    settings = default_rules().labels.statement_pdf.ocr
    return Engine(settings).read(page_image(Path(path), index, settings.read_dpi))
