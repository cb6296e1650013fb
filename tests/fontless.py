"""What test_font_independence runs in its own processes: statement PDFs read with or without the machine's fonts.

    python -m tests.fontless hidden|installed pdfplumber|pdfium PDF ...

Prints one JSON object: whether pdfium drew a Chinese character of an unembedded font (``cjk_drawn``), and
for each PDF what the statement reader gave (kind, year, error, warnings, every value with its page and box).

pdfium does not ask fontconfig for fonts: on Linux it scans fixed folders (/usr/share/fonts,
/usr/local/share/fonts, /usr/share/X11/fonts/{Type1,TTF}) unless ``FPDF_InitLibraryWithConfig`` names
folders of its own (``m_pUserFontPaths``). ``hidden`` restarts pdfium with an empty folder as its only
font folder, so an unembedded font is drawn with pdfium's built-in fonts (no CJK glyph), as on a machine
without fonts-noto-cjk; ``FONTCONFIG_FILE`` would change nothing.
"""

from __future__ import annotations

import ctypes
import io
import json
import sys
import tempfile
from pathlib import Path
from typing import Any


def hide_system_fonts(folder: str) -> None:
    """Restart pdfium with ``folder`` (empty) as its only font folder."""
    import pypdfium2  # noqa: F401  (initialises pdfium with the system's folders)
    import pypdfium2.raw as pdfium_c
    from pypdfium2 import _library_scope
    from pypdfium2.internal import bases

    _library_scope.destroy_lib()
    name = ctypes.create_string_buffer(folder.encode())
    paths = (ctypes.POINTER(ctypes.c_char) * 2)()  # NULL-terminated
    paths[0] = ctypes.cast(name, ctypes.POINTER(ctypes.c_char))
    config = pdfium_c.FPDF_LIBRARY_CONFIG(version=2, m_pUserFontPaths=paths, m_pIsolate=None, m_v8EmbedderSlot=0)
    pdfium_c.FPDF_InitLibraryWithConfig(config)
    bases.LIBRARY_AVAILABLE = True
    _KEEP.extend([name, paths])


_KEEP: list[Any] = []


def cjk_drawn() -> bool:
    """Whether pdfium draws 表 in STSong-Light, unembedded (as tests/conftest.py's ``cjk_font`` asks)."""
    import numpy as np
    import pypdfium2 as pdfium
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(60, 60))
    page.setFont("STSong-Light", 40)
    page.drawString(10, 10, "表")
    page.save()
    pdf = pdfium.PdfDocument(buffer.getvalue())
    try:
        pixels = np.asarray(pdf[0].render(scale=1).to_pil().convert("L"))
    finally:
        pdf.close()
    return bool((pixels < 128).sum() > 20)


def read(path: Path, engine: str) -> dict[str, Any]:
    from omreview.extractors.pdf import statement as statement_pdf
    from omreview.packet import PacketFile, sha256_file
    from omreview.records import StatementRecord, record_values
    from omreview.rules import default_rules

    rules = default_rules()
    cfg = rules.labels.statement_pdf.model_copy(update={"positions": engine})
    rules = rules.model_copy(update={"labels": rules.labels.model_copy(update={"statement_pdf": cfg})})
    pf = PacketFile(rel=path.name, path=path, size=path.stat().st_size, sha256=sha256_file(path))
    got = statement_pdf.extract(pf, rules)
    record = got.record
    values = {}
    if isinstance(record, StatementRecord):
        for name, value in record_values(record):
            src = value.source
            values[name] = [str(value.value), src.page, src.bbox, src.text, str(src.confidence)]
    return {"kind": got.kind.value, "year": got.fiscal_year, "ocr": got.ocr, "error": got.error,
            "warnings": list(getattr(record, "warnings", [])), "values": values}


def main(argv: list[str]) -> int:
    mode, engine, *paths = argv
    with tempfile.TemporaryDirectory() as empty:
        if mode == "hidden":
            hide_system_fonts(empty)
        out = {"cjk_drawn": cjk_drawn(), "pdfs": {p: read(Path(p), engine) for p in paths}}
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
