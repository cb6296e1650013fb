"""The pdfium position engine reads a page as pdfplumber does (issue #20, point 2).

Each test writes a page in tmp_path that once read differently by the two engines (a decimal point drawn
as its own text object, a standard font measured by AFM, word spacing and spaces drawn apart, a glyph
printed twice, a rotated page, text turned sideways, a character without a Unicode mapping, a ligature,
a font with fractional widths) and asserts that ``pdfium_lines`` gives exactly pdfplumber's lines, the
text the reader sees included; where pdfium itself cannot give them (it rounds widths, it maps no
Unicode), that it hands the page to pdfplumber and says why.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from omreview.extractors.pdf.pages import pdfium_lines, pdfium_pages, plumber_lines, read_texts
from omreview.extractors.pdf.statement import extract
from omreview.packet import PacketFile, sha256_file
from omreview.rules import Rules, default_rules
from tests.conftest import SAMPLE_DOCS

VERA = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"  # fractional widths, embedded by reportlab


def _page(path: Path, draw, rotate: int = 0) -> Path:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=(595, 842), invariant=1)
    if rotate:
        c.setPageRotation(rotate)
    draw(c)
    c.showPage()
    c.save()
    return path


def _text(c, x: float, y: float, text: str, font: str = "STSong-Light", size: float = 10, **state) -> None:
    t = c.beginText()
    t.setTextOrigin(x, y)
    t.setFont(font, size)
    for name, value in state.items():
        getattr(t, name)(value)
    t.textOut(text)
    c.drawText(t)


def _same(path: Path) -> list[str]:
    """Both engines' line texts of page 1, asserted equal, boxes included."""
    plumber, pdfium = plumber_lines(path, [1])[1], pdfium_lines(path, [1])[1]
    assert [(line.text, line.boxes) for line in pdfium] == [(line.text, line.boxes) for line in plumber] or _close(
        plumber, pdfium)
    return [line.text for line in pdfium]


def _close(plumber, pdfium, tolerance: float = 1e-3) -> bool:
    """Equal text, boxes within ``tolerance`` points (pdfium computes in single precision)."""
    assert [line.text for line in pdfium] == [line.text for line in plumber]
    for a, b in zip(plumber, pdfium, strict=True):
        for x, y in zip(a.boxes, b.boxes, strict=True):
            assert (x is None) == (y is None)
            if x and y:
                assert max(abs(u - v) for u, v in zip(x, y, strict=True)) <= tolerance, (a.text, x, y)
    return True


def _handed(path: Path) -> dict[int, str]:
    return pdfium_pages(path, [1])[1]


def test_an_amount_drawn_piece_by_piece_keeps_its_decimal_point_and_separators(tmp_path):
    """96,993,682.77 drawn as digits in one font and the separators in another, each its own text object in
    a scaled text matrix (font size 1), as some statement generators write figures: one token, in its
    place, read by pdfium itself."""
    def draw(c):
        _text(c, 50, 700, "营业收入")
        x = 300.0
        for piece, font in (("96", "Helvetica"), (",", "Times-Roman"), ("993", "Helvetica"), (",", "Times-Roman"),
                            ("682", "Helvetica"), (".", "Times-Roman"), ("77", "Helvetica")):
            t = c.beginText()
            t.setTextTransform(9, 0, 0, 9, x, 700)
            t.setFont(font, 1)
            t.textOut(piece)
            c.drawText(t)
            x += pdfmetrics.stringWidth(piece, font, 9)

    path = _page(tmp_path / "split.pdf", draw)
    assert _same(path) == ["营业收入 96,993,682.77"]
    assert _handed(path) == {}


def test_a_standard_font_is_measured_by_its_afm_metrics_as_pdfminer_does(tmp_path):
    """Helvetica's box runs from its AFM descent (-207/1000), not pdfium's built-in font's."""
    path = _page(tmp_path / "helvetica.pdf", lambda c: _text(c, 300, 700, "1,234.50", "Helvetica", 9))
    assert _same(path) == ["1,234.50"]
    line = pdfium_lines(path, [1])[1][0]
    assert line.boxes[0] == pytest.approx((300.0, 842 - 700 - 9 + 9 * 0.207, 305.004, 842 - 700 + 9 * 0.207), abs=1e-3)
    assert _handed(path) == {}


def test_spaces_are_the_same_whether_drawn_stretched_repeated_or_apart(tmp_path):
    """Word spacing, a run of spaces, and spaces drawn as text objects of their own (which pdfium drops or
    collapses): both engines put one space where the gap between two characters is wider than 3 pt, and
    none for a narrower space (Helvetica's at 9 pt is 2.5 pt)."""
    def draw(c):
        _text(c, 50, 700, "a b  c", "Helvetica", 9, setWordSpace=5)
        x = 50.0
        for piece in ("1", " ", "/", " ", "195"):
            _text(c, x, 680, piece, "Helvetica", 9)
            x += pdfmetrics.stringWidth(piece, "Helvetica", 9)
        _text(c, 50, 660, "第一节  释义      4 ")

    path = _page(tmp_path / "spaces.pdf", draw)
    assert _same(path) == ["a b c", "1/195", "第一节 释义 4"]
    assert _handed(path) == {}


def test_a_glyph_printed_twice_is_read_once_keeping_the_one_pdfplumber_keeps(tmp_path):
    """Simulated bold (the text drawn three times 0.3 pt apart) and a digit printed again 0.9 pt right and
    0.5 pt up: pdfplumber keeps the topmost, then leftmost, copy, and so does pdfium's reader."""
    def draw(c):
        for dx in (0, 0.3, 0.6):
            _text(c, 50 + dx, 700, "资产负债表    123.45")
        _text(c, 50, 680, "11", "Helvetica")
        _text(c, 50.9, 680.5, "1", "Helvetica")

    path = _page(tmp_path / "bold.pdf", draw)
    assert _same(path) == ["资产负债表 123.45", "11"]
    line = pdfium_lines(path, [1])[1][1]
    assert line.boxes[0][:2] == pytest.approx((50.9, 842 - 680.5 - 10 + 2.07), abs=1e-3)
    assert _handed(path) == {}


def test_text_turned_sideways_is_left_out_by_both(tmp_path):
    def draw(c):
        _text(c, 50, 700, "营业收入    1,234.56")
        c.saveState()
        c.translate(300, 500)
        c.rotate(90)
        _text(c, 0, 0, "9,876.54", "Helvetica")
        c.restoreState()

    path = _page(tmp_path / "sideways.pdf", draw)
    assert _same(path) == ["营业收入 1,234.56"]
    assert _handed(path) == {}


def test_a_rotated_page_is_read_by_pdfplumber(tmp_path):
    """A page shown turned (/Rotate 90) with its text drawn turned back, upright to the reader: pdfminer
    turns the page, pdfium's characters are in the page's own space (sideways)."""
    def draw(c):
        c.translate(100, 100)
        c.rotate(90)
        _text(c, 0, 0, "营业收入    1,234.56")

    path = _page(tmp_path / "rotated.pdf", draw, rotate=90)
    assert _same(path) == ["营业收入 1,234.56"]
    assert _handed(path) == {1: "rotated page"}


def test_a_font_with_fractional_widths_is_read_by_pdfplumber(tmp_path):
    """pdfium keeps widths as whole numbers (636.23 is 636): every later character would drift."""
    pdfmetrics.registerFont(TTFont("Vera", str(VERA)))
    path = _page(tmp_path / "vera.pdf", lambda c: _text(c, 50, 700, "8,000,000.00", "Vera", 9, setHorizScale=80))
    assert _same(path) == ["8,000,000.00"]
    assert _handed(path) == {1: "font AAAAAA+BitstreamVeraSans-Roman has metrics that are not whole numbers "
                                "(pdfium rounds them)"}


def _raw_pdf(path: Path, content: bytes, font: bytes, *extra: bytes) -> Path:
    """A one-page PDF drawing ``content`` with font /F1 (object 4); ``extra`` objects are 5, 6 …"""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
               b"/Contents %d 0 R >>" % (5 + len(extra)),
               font, *extra,
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def test_arial_from_word_is_measured_as_pdfminer_measures_it(tmp_path):
    """Word names unembedded Arial with its own descriptor (descent -210); pdfminer measures it by its AFM
    table (-207), and now so does the pdfium reader."""
    widths = b" ".join(b"%d" % pdfmetrics.getFont("Helvetica").face.getCharWidth(c) if False else b"556"
                       for c in range(48, 58))
    font = (b"<< /Type /Font /Subtype /TrueType /BaseFont /Arial /FirstChar 44 /LastChar 57 /Widths [278 333 278 278 "
            + widths + b"] /FontDescriptor 5 0 R /Encoding /WinAnsiEncoding >>")
    descriptor = (b"<< /Type /FontDescriptor /FontName /Arial /Flags 32 /ItalicAngle 0 /Ascent 905 /Descent -210 "
                  b"/CapHeight 728 /StemV 44 /FontBBox [-665 -210 2000 728] >>")
    path = _raw_pdf(tmp_path / "arial.pdf", b"BT /F1 9 Tf 300 700 Td (1,234.50) Tj ET", font, descriptor)
    assert _same(path) == ["1,234.50"]
    assert pdfium_lines(path, [1])[1][0].boxes[0][1] == pytest.approx(842 - 700 - 9 + 9 * 0.207, abs=1e-3)
    assert _handed(path) == {}


def test_a_character_without_a_unicode_mapping_is_read_by_pdfplumber(tmp_path):
    """A code whose glyph name means nothing (pdfminer: ``(cid:2)``; pdfium: U+0002 and a mapping error) is
    no character of the line in either engine."""
    font = (b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding << /Type /Encoding /Differences "
            b"[2 /g2] >> >>")
    path = _raw_pdf(tmp_path / "unmapped.pdf", b"BT /F1 10 Tf 50 700 Td (Re\\002 1.5) Tj ET", font)
    assert _same(path) == ["Re 1.5"]
    assert _handed(path) == {1: "character 0x2 without a Unicode mapping"}


def test_a_ligature_is_read_by_pdfplumber(tmp_path):
    """One glyph whose ToUnicode is two letters: pdfminer boxes "fi" as one character, pdfium gives two at
    one origin."""
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /L def "
            b"1 begincodespacerange <00> <FF> endcodespacerange 2 beginbfchar <01> <00660069> <41> <0041> endbfchar "
            b"endcmap CMapName currentdict /CMap defineresource pop end end")
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /ToUnicode 5 0 R >>"
    stream = b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream"
    path = _raw_pdf(tmp_path / "ligature.pdf", b"BT /F1 10 Tf 50 700 Td (A\\001A) Tj ET", font, stream)
    assert _same(path) == ["AfiA"]
    assert _handed(path) == {1: "a ligature ('i' at the origin of the character before)"}


def _positions(engine: str) -> Rules:
    rules = default_rules()
    pdf = rules.labels.statement_pdf.model_copy(update={"positions": engine})
    return rules.model_copy(update={"labels": rules.labels.model_copy(update={"statement_pdf": pdf})})


def _has_text_layer(path: Path) -> bool:
    """Some page of the PDF has text (the readers' own ``read_texts``): the position engine has something to read.
    An image-only PDF is read by OCR whichever the engine, so comparing the engines on it would OCR it twice and
    prove nothing."""
    return any(text.strip() for text in read_texts(path))


TEXT_LAYER_STATEMENTS = sorted(p for p in SAMPLE_DOCS.glob("app-*/*.pdf") if _has_text_layer(p))


@pytest.mark.parametrize("pdf", TEXT_LAYER_STATEMENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_both_engines_give_the_same_record_for_every_sample_statement(pdf):
    """Every value, its page, text and box: the engine is no setting of the report."""
    pf = PacketFile(rel=pdf.name, path=pdf, size=pdf.stat().st_size, sha256=sha256_file(pdf))
    plumber, pdfium = (extract(pf, _positions(engine)) for engine in ("pdfplumber", "pdfium"))
    assert plumber.record is not None
    assert pdfium.record == plumber.record
    assert (pdfium.kind, pdfium.fiscal_year, pdfium.errors) == (plumber.kind, plumber.fiscal_year, plumber.errors)
