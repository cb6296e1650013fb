"""A statement PDF's pages: a fast text pass over all of them, positioned lines for the few that need it.

- ``read_texts``: every page's text with pypdfium2 (a few ms a page), for triage: which pages hold
  the audit report, the statements and the notes; also the scanned-document tests ``unreadable`` (the
  document) and ``page_unreadable`` (one page), which send pages to OCR (``pdf.layer``, ``ocr.pages``).
- ``positioned_lines``: for the pages triage picked only, ``Line`` objects that keep every character's
  box, so a value can be placed in its column by x-position and its ``bbox`` reported, read by the engine
  the rules name (``pdf.statement.positions``):
  ``pdfium_lines`` (the default) from pypdfium2's characters, measured as pdfminer measures them; a page
  pdfium cannot give as pdfminer does (``pdfium_pages`` says which and why: a rotated page, a character
  without a Unicode mapping, a ligature, a Type3 or vertical font, a font whose metrics pdfium rounds) is
  read by ``plumber_lines``, pdfplumber's characters (``dedupe_chars``). Both make lines the same way
  (``_lines``): a gap wider than ``X_TOLERANCE`` is a space, space characters are not read; labels are
  compared without spaces, so letter-spaced Han text (项  目) still matches. ``scripts/crosscheck_engines.py``
  compares the two engines on every page of the samples and of ../shared/realdocs.
- ``locate``: the box of a string on a page (pypdfium2 text search), for values read from the text pass.

Every box comes from the PDF's own metrics, never from the fonts of the machine that reads it: a
character spans its advance width (the font's /W or /Widths) from its origin, and the font size from
its descent (the font descriptor), as pdfminer measures it (``_MetricBoxes``). pdfium's own character
boxes (``FPDFText_GetCharBox``, ``GetLooseCharBox``, ``GetRect``) take in the glyph outline of the font
it draws with, which for a font the PDF does not embed (STSong-Light, common in Chinese statements) is
whatever CJK font the machine has: the same PDF gave other evidence boxes once fonts-noto-cjk was
installed (tests/test_font_independence.py).
"""

from __future__ import annotations

import ctypes
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.fontmetrics import FONT_METRICS
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdffont import PDFType1Font, PDFType3Font
from pdfminer.pdfinterp import LITERAL_FORM, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFStream, dict_value, resolve1
from pdfminer.psparser import PSLiteral, literal_name
from pdfplumber.page import Page

from omreview.errors import DocumentError
from omreview.extractors.pdf.guard import OpenPdf, current_budget, pdf_errors, shared
from omreview.rules import Rules

BBox = tuple[float, float, float, float]


def cell_text(text: str | None) -> str:
    """A printed table cell's text: the lines it wrapped over joined as one (a code broken at the edge,
    2009S|R084308, or a 身份证号 over four lines of a narrow column, is whole again; two words wrapped at their space
    lose it, which reading by normalised text does not mind)."""
    return unicodedata.normalize("NFKC", "".join(line.strip() for line in (text or "").split("\n"))).strip()


def grid_lines(values: Sequence[float], tolerance: float) -> list[float]:
    """The distinct lines of a table's grid among its cells' edges ``values`` (edges nearer than ``tolerance`` to the
    last line found are that line)."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tolerance:
            out.append(v)
    return out


def nearest_line(lines: Sequence[float], v: float) -> int:
    """The index of the grid line nearest ``v``."""
    return min(range(len(lines)), key=lambda i: abs(lines[i] - v))


def as_bbox(values: Sequence[float]) -> BBox:
    """A box as pdfplumber gives it (any four numbers: x0, top, x1, bottom) as floats."""
    x0, top, x1, bottom = values
    return float(x0), float(top), float(x1), float(bottom)

X_TOLERANCE = 3.0  # a wider horizontal gap between two characters separates them by a space (as pdfplumber)
Y_TOLERANCE = 3.0  # characters whose tops differ by less are on one line

_CID = re.compile(r"\(cid:\d+\)")
_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
_SPACE = re.compile(r"\s+")
# Han, digits, letters and the punctuation of statements (half- and full-width forms)
_READABLE = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\u3000-\u303f\uff01-\uff5e0-9A-Za-z,.;:()%/\-+“”‘’·]")


@dataclass(frozen=True)
class Line:
    """One printed line of a page: its text and the box of each character (``None`` for an inserted space)."""

    page: int
    text: str
    boxes: tuple[BBox | None, ...]

    @property
    def top(self) -> float:
        return min(b[1] for b in self.boxes if b)

    @property
    def bbox(self) -> BBox | None:
        return self.span_bbox(0, len(self.text))

    def span_bbox(self, start: int, end: int) -> BBox | None:
        boxes = [b for b in self.boxes[start:end] if b]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))

    def segments(self) -> Iterator[Segment]:
        """The runs of text between spaces, each with its box."""
        for m in re.finditer(r"\S+", self.text):
            box = self.span_bbox(m.start(), m.end())
            if box:
                yield Segment(m.group(), box)


@dataclass(frozen=True)
class Segment:
    text: str
    bbox: BBox

    @property
    def center(self) -> float:
        return (self.bbox[0] + self.bbox[2]) / 2


def open_pdfium(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise DocumentError(f"the PDF cannot be opened (password-protected, damaged or truncated): {exc}") from exc


@contextmanager
def opened(path: Path) -> Iterator[OpenPdf]:
    """The document at ``path``: the reading's own (``guard.shared``: its pages loaded once for all the
    stages, left open), else opened here and closed after."""
    doc = shared(path)
    if doc is not None:
        yield doc
        return
    doc = OpenPdf(path, open_pdfium(path))
    try:
        yield doc
    finally:
        doc.close()


def read_texts(path: Path) -> list[str]:
    """Every page's text (pypdfium2), lines separated by ``\\n``."""
    budget = current_budget()
    texts: list[str] = []
    with opened(path) as doc:
        for index in range(len(doc)):
            budget.check()
            try:
                textpage = doc.textpage(index)
            except pdfium.PdfiumError as exc:
                raise DocumentError(f"page {index + 1} of the PDF cannot be read (the file is damaged)") from exc
            texts.append(textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n"))
    return texts


def unreadable(texts: list[str], rules: Rules) -> str | None:
    """Why the document's text layer cannot be used (scanned pages, or glyphs without a Unicode mapping); else
    ``None``. Such pages are then read by OCR (``pdf.layer``)."""
    cfg = rules.labels.statement_pdf
    total = readable = 0
    for text in texts:
        t, r = _counts(text)
        total += t
        readable += r
    if readable < cfg.min_chars_per_page * max(len(texts), 1):
        return "scanned, no text layer"
    if Decimal(readable) < cfg.min_readable_share * total:
        return "scanned or unreadable text layer (characters without a Unicode mapping)"
    return None


def page_unreadable(text: str, rules: Rules) -> str | None:
    """``few`` (fewer readable characters than ``min_chars_per_page``), ``garbage`` (mostly unmapped glyphs)
    or ``None`` for one page's text."""
    cfg = rules.labels.statement_pdf
    total, readable = _counts(text)
    if readable < cfg.min_chars_per_page:
        return "garbage" if total >= cfg.min_chars_per_page else "few"
    if Decimal(readable) < cfg.min_readable_share * total:
        return "garbage"
    return None


def _counts(text: str) -> tuple[int, int]:
    """(characters, readable characters) of a page's text, spaces left out, ``(cid:n)`` counted as one."""
    cleaned = _SPACE.sub("", _CID.sub("\ufffd", text))
    return len(cleaned), _READABLE.subn("", cleaned)[1]


def positioned_lines(path: Path, pages: Iterable[int], rules: Rules) -> dict[int, list[Line]]:
    """The lines of the given 1-based pages, read by the engine the rules name (``pdf.statement.positions``)."""
    if rules.labels.statement_pdf.positions == "pdfium":
        return pdfium_lines(path, pages)
    return plumber_lines(path, pages)


def plumber_lines(path: Path, pages: Iterable[int]) -> dict[int, list[Line]]:
    """The lines of the given 1-based pages, read with pdfplumber (characters deduplicated)."""
    wanted = sorted(set(pages))
    if not wanted:
        return {}
    out: dict[int, list[Line]] = {}
    budget = current_budget()
    with pdf_errors(), pdfplumber.open(path) as pdf:
        # walk the page tree only as far as the last wanted page (pdf.pages would list every page)
        for number, page_obj in enumerate(PDFPage.create_pages(pdf.doc), start=1):
            if number > wanted[-1]:
                break
            if number not in wanted:
                continue
            budget.check()
            page = Page(pdf, page_obj, page_number=number)
            try:
                out[number] = _lines(number, page.dedupe_chars().chars)
            finally:
                page.close()
    return out


def pdfium_lines(path: Path, pages: Iterable[int]) -> dict[int, list[Line]]:
    """The same lines from pypdfium2's characters, measured as pdfminer measures them (``_MetricBoxes``).

    Some 25 times faster than pdfplumber. A page whose characters pdfium cannot give as pdfminer does
    is read by pdfplumber instead (``pdfium_pages`` says which and why).
    """
    lines, fallback = pdfium_pages(path, pages)
    return lines | plumber_lines(path, fallback)


def pdfium_pages(path: Path, pages: Iterable[int]) -> tuple[dict[int, list[Line]], dict[int, str]]:
    """The lines of the pages pdfium reads as pdfminer does, and why each other page cannot be (a rotated
    page, a character pdfium could not map to Unicode, a ligature, a Type3 or vertical font, a font with
    metrics pdfium rounds: ``_FontAudit``, ``_pdfium_chars``)."""
    wanted = sorted(set(pages))
    out: dict[int, list[Line]] = {}
    fallback: dict[int, str] = {}
    budget = current_budget()
    fonts = _FontAudit(path, wanted)
    with opened(path) as doc:
        for number in wanted:
            budget.check()
            page = doc.page(number - 1)
            profiles = fonts.pages.get(number)
            if page.get_rotation():
                fallback[number] = "rotated page"
            elif isinstance(profiles, str):
                fallback[number] = profiles
            else:
                chars = _pdfium_chars(doc.textpage(number - 1), page.get_mediabox(), profiles or {})
                if isinstance(chars, str):
                    fallback[number] = chars
                else:
                    out[number] = _lines(number, _dedupe(chars))
    return out, fallback


@dataclass(frozen=True)
class _Font:
    """pdfminer's view of one font: its name, descent (per unit of font size) and, for the 14 standard
    names (Helvetica, Arial, Times-Roman …), the AFM widths pdfminer uses instead of the PDF's."""

    fontname: str
    descent: float
    afm: Mapping[str, float] | None


class _FontAudit:
    """The fonts of each wanted page as pdfminer reads them (font dictionaries only, no content stream),
    by base font name; ``pages[n]`` is ``None`` for a page pdfium cannot read as pdfminer does.

    pdfium keeps a font's widths and descent as integers (a /Widths of 636.23 is 636 to it) and takes
    them from the PDF where pdfminer takes the 14 standard fonts' from its AFM tables: a page with a
    non-integer metric, a Type3 or vertical font, or two fonts of one name measured differently, goes
    to pdfplumber. Fonts of form XObjects count.
    """

    def __init__(self, path: Path, wanted: list[int]) -> None:
        self.pages: dict[int, dict[str, _Font] | str] = {}
        if not wanted:
            return
        self._rm = PDFResourceManager(caching=True)
        with pdf_errors(), path.open("rb") as fp:
            doc = PDFDocument(PDFParser(fp))
            for number, page in enumerate(PDFPage.create_pages(doc), start=1):
                if number > wanted[-1]:
                    break
                if number in wanted:
                    self.pages[number] = self._page(page.resources)

    def _page(self, resources: Any) -> dict[str, _Font] | str:
        """The page's fonts by base font name, or why pdfium cannot measure them as pdfminer does."""
        fonts: dict[str, _Font] = {}
        for spec in self._font_specs(resources, set(), 0):
            font = self._font(spec)
            if isinstance(font, str):
                return font
            name, profile = font
            if fonts.setdefault(_untagged(name), profile) != profile:
                return f"two fonts named {name} measured differently"
        return fonts

    def _font_specs(self, resources: Any, seen: set[int], depth: int) -> Iterator[tuple[Any, dict[str, Any]]]:
        """(object id, font dictionary) of every font of ``resources`` and of the form XObjects it uses."""
        resources = resolve1(resources)
        if not isinstance(resources, dict) or depth > 8:
            return
        for ref in dict_value(resources.get("Font", {})).values():
            spec = resolve1(ref)
            if isinstance(spec, dict):
                yield getattr(ref, "objid", None), spec
        for ref in dict_value(resources.get("XObject", {})).values():
            objid = getattr(ref, "objid", None)
            xobj = resolve1(ref)
            if objid in seen or not isinstance(xobj, PDFStream) or xobj.get("Subtype") is not LITERAL_FORM:
                continue
            if objid is not None:
                seen.add(objid)
            yield from self._font_specs(xobj.get("Resources"), seen, depth + 1)

    def _font(self, found: tuple[Any, dict[str, Any]]) -> tuple[str, _Font] | str:
        """(base font name, profile), or why pdfium's metrics of the font would differ from pdfminer's."""
        objid, spec = found
        font = self._rm.get_font(objid, spec)
        name = spec.get("BaseFont")
        basefont = literal_name(name) if isinstance(name, PSLiteral) else str(name)
        if isinstance(font, PDFType3Font) or font.is_vertical():
            return f"{'Type3' if isinstance(font, PDFType3Font) else 'vertical'} font {basefont}"
        afm = None
        if isinstance(font, PDFType1Font) and getattr(font, "basefont", None) in FONT_METRICS:
            afm = FONT_METRICS[font.basefont][1]  # pdfminer measures the standard names by its AFM tables
        else:
            numbers = [font.descent, font.default_width or 0, *font.widths.values()]
            if any(not isinstance(n, int | float) or n != int(n) for n in numbers):
                return f"font {basefont} has metrics that are not whole numbers (pdfium rounds them)"
        return basefont, _Font(str(font.fontname), font.get_descent(), afm)


def _untagged(basefont: str) -> str:
    """A base font name without its subset tag (ABCDEE+Calibri: Calibri), as pdfium gives it."""
    return _SUBSET_TAG.sub("", basefont)


class _NotLikePdfminer(Exception):
    """A character pdfium gives otherwise than pdfminer: the page is read by pdfplumber."""

class _MetricBoxes:
    """Character boxes of one text page from the PDF's metrics (pdfium's coordinates: bottom-left origin).

    A character spans its advance width (``FPDFFont_GetGlyphWidth``: the font's /W or /Widths, scaled by
    the font size) from its origin, and from its baseline's descent (the font descriptor's /Descent) up
    by the font size, both through the character's matrix (text matrix, horizontal scaling, CTM); this is
    pdfminer's box, so both position engines agree. pdfium's own boxes hold the drawn glyph's outline,
    which for an unembedded font depends on the fonts installed (module docstring). Given ``profiles``
    (``_FontAudit``), a font's descent is pdfminer's and a standard font's width its AFM width; a
    character of a font not in them, or whose AFM width is not the PDF's, raises ``_NotLikePdfminer``.
    """

    def __init__(self, textpage: pdfium.PdfTextPage, profiles: dict[str, _Font] | None = None) -> None:
        self.textpage = textpage
        self.raw = textpage.raw  # the handle itself, for the calls per character
        self.profiles = profiles
        # text object -> (font, size, descent, pdfminer's font or None, the font's address); the same by (font,
        # size), for pages that draw every character as a text object of its own
        self.fonts: dict[int | None, tuple[Any, float, float, _Font | None, int | None]] = {}
        self.sized: dict[tuple[int | None, float], tuple[Any, float, float, _Font | None, int | None]] = {}
        self.profile_of: dict[int | None, _Font | None] = {}
        self.widths: dict[tuple[int | None, float, int], float] = {}
        self._matrix = pdfium_c.FS_MATRIX()
        self._matrix_ref = ctypes.byref(self._matrix)
        self._x, self._y = ctypes.c_double(), ctypes.c_double()
        self._float = ctypes.c_float()
        self._name = ctypes.create_string_buffer(256)
        self._upright = False

    def _font(self, obj: Any) -> tuple[Any, float, float, _Font | None, int | None]:
        """The font of text object ``obj``: (pdfium font, size, descent in points, pdfminer's profile, its address)."""
        f = self._float
        font = pdfium_c.FPDFTextObj_GetFont(obj)
        size = f.value if pdfium_c.FPDFTextObj_GetFontSize(obj, ctypes.byref(f)) else 0.0
        key = (ctypes.cast(font, ctypes.c_void_p).value if font else None, size)
        if key not in self.sized:
            descent = f.value if font and pdfium_c.FPDFFont_GetDescent(font, size, ctypes.byref(f)) else 0.0
            if key[0] not in self.profile_of:
                self.profile_of[key[0]] = self._profile(font)
            profile = self.profile_of[key[0]]
            self.sized[key] = (font, size, descent if profile is None else profile.descent * size, profile, key[0])
        return self.sized[key]

    def _profile(self, font: Any) -> _Font | None:
        """pdfminer's view of pdfium's ``font`` (``None`` without profiles)."""
        profile = None
        if self.profiles is not None:
            length = pdfium_c.FPDFFont_GetBaseFontName(font, self._name, len(self._name)) if font else 0
            raw = self._name.raw[: max(length - 1, 0)]
            try:
                name = raw.decode()
            except UnicodeDecodeError:
                name = str(raw)  # as pdfminer's literal_name shows a name that is not UTF-8
            profile = self.profiles.get(_untagged(name))
            if profile is None or length > len(self._name):
                raise _NotLikePdfminer(f"font {name!r} not among the page's fonts")
        return profile

    def box(self, index: int, code: int) -> tuple[float, float, float, float] | None:
        """(left, bottom, right, top) of character ``index`` (its Unicode ``code``), or ``None``."""
        obj = pdfium_c.FPDFText_GetTextObject(self.raw, index)
        x, y = self._x, self._y
        at = pdfium_c.FPDFText_GetCharOrigin(self.raw, index, ctypes.byref(x), ctypes.byref(y))
        key = ctypes.cast(obj, ctypes.c_void_p).value if obj else None
        return self.placed(index, code, obj, key, (x.value, y.value) if at else None)

    def placed(self, index: int, code: int, obj: Any, key: int | None,
               origin: tuple[float, float] | None) -> tuple[float, float, float, float] | None:
        """``box`` of a character whose text object ``obj`` (at address ``key``) and origin (``None``: pdfium
        has none) the caller has already asked pdfium for."""
        if key is None:
            return None
        found = self.fonts.get(key)
        if found is None:
            found = self.fonts[key] = self._font(obj)
        font, size, descent, profile, font_key = found
        wkey = (font_key, size, code)
        width = self.widths.get(wkey)
        if width is None:
            f = self._float
            width = f.value if font and pdfium_c.FPDFFont_GetGlyphWidth(font, code, size, ctypes.byref(f)) else -1.0
            if profile is not None and profile.afm is not None:
                afm = profile.afm.get(chr(code), 0) * size / 1000
                if abs(afm - width) > 1e-3:  # pdfium places the next characters by the PDF's width
                    raise _NotLikePdfminer(f"{chr(code)!r} of {profile.fontname}: AFM width {afm}, PDF's {width}")
                width = afm
            self.widths[wkey] = width
        if not size or width < 0:
            return None
        m = self._matrix
        if not pdfium_c.FPDFText_GetMatrix(self.raw, index, self._matrix_ref) or origin is None:
            return None
        a, b, c, d = m.a, m.b, m.c, m.d
        self._upright = a * d > 0 and b * c <= 0
        ox, oy = origin
        high = descent + size
        x0, y0 = ox + a * 0.0 + c * descent, oy + b * 0.0 + d * descent
        x1, y1 = ox + a * width + c * high, oy + b * width + d * high
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)

    def upright(self) -> bool:
        """Whether the last character boxed is upright, as pdfminer says (``a·d > 0`` and ``b·c <= 0``)."""
        return bool(self._upright)

    def fontname(self, key: int | None) -> str:
        """pdfminer's name of the font of the text object at ``key`` (its profile's), for ``_dedupe``."""
        profile = self.fonts[key][3]
        return profile.fontname if profile else ""


def _pdfium_chars(
    textpage: pdfium.PdfTextPage, mediabox: tuple[float, float, float, float], profiles: dict[str, _Font]
) -> list[dict[str, Any]] | str:
    """The page's characters as pdfplumber's dicts (text, box, upright, fontname, size; spaces left out, as
    ``_lines`` leaves them), or why pdfium does not give them as pdfminer does: a character
    without a Unicode mapping (pdfminer shows ``(cid:n)``), a control character, a ligature (one glyph,
    several characters at one origin), a font the audit did not pass."""
    left, _, _, top = mediabox
    metrics = _MetricBoxes(textpage, profiles)
    tp = metrics.raw
    chars: list[dict[str, Any]] = []
    origin: tuple[Any, ...] | None = None
    x, y = ctypes.c_double(), ctypes.c_double()
    xref, yref = ctypes.byref(x), ctypes.byref(y)
    try:
        for i in range(textpage.count_chars()):
            code = pdfium_c.FPDFText_GetUnicode(tp, i)
            text = chr(code)
            if pdfium_c.FPDFText_IsGenerated(tp, i) == 1:
                continue
            if pdfium_c.FPDFText_HasUnicodeMapError(tp, i) or code in (0xFFFE, 0xFFFF) or (
                unicodedata.category(text) == "Cc"
            ):  # pdfium gives an unmapped code as itself (13: "\r"), pdfminer as (cid:13)
                return f"character {code:#x} without a Unicode mapping"
            if text.isspace():
                continue  # spaces are told by the gaps (``_lines``)
            at = pdfium_c.FPDFText_GetCharOrigin(tp, i, xref, yref)
            obj = pdfium_c.FPDFText_GetTextObject(tp, i)
            key = ctypes.cast(obj, ctypes.c_void_p).value if obj else None
            here = (key, x.value, y.value)
            if here == origin:
                return f"a ligature ({text!r} at the origin of the character before)"  # pdfminer: one box
            origin = here
            box = metrics.placed(i, code, obj, key, here[1:] if at else None)
            if box is None:
                return f"no width or size for {text!r}"
            chars.append({"text": text, "x0": box[0] - left, "x1": box[2] - left, "top": top - box[3],
                          "bottom": top - box[1], "upright": metrics.upright(), "fontname": metrics.fontname(key),
                          "size": round(box[3] - box[1], 3)})
    except _NotLikePdfminer as exc:
        return str(exc)
    return chars


def _dedupe(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pdfplumber's ``dedupe_chars`` (tolerance 1): of the characters with the same text, font and size whose
    tops, then left edges, chain within 1 pt of each other, the topmost-leftmost is kept; order unchanged."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for n, ch in enumerate(chars):
        groups.setdefault((ch["upright"], ch["text"], ch["fontname"], ch["size"]), []).append(n)
    keep: list[int] = []
    tops, lefts = [ch["top"] for ch in chars], [ch["x0"] for ch in chars]
    for members in groups.values():
        for y_cluster in _chain(members, tops):
            for x_cluster in _chain(y_cluster, lefts):
                keep.append(min(x_cluster, key=lambda n: (chars[n]["top"], chars[n]["x0"])))
    return [chars[n] for n in sorted(keep)]


def _chain(members: list[int], values: list[float]) -> Iterator[list[int]]:
    """``members`` in clusters of values each within 1 of the previous one (pdfplumber's ``cluster_list``)."""
    cluster: list[int] = []
    for n in sorted(members, key=lambda n: values[n]):
        if cluster and values[n] > values[cluster[-1]] + 1:
            yield cluster
            cluster = []
        cluster.append(n)
    if cluster:
        yield cluster


def _lines(page_number: int, chars: list[dict[str, Any]]) -> list[Line]:
    """The printed lines of a page's characters (either engine's), the same whichever engine gave them.

    The upright characters with ink are grouped into lines by their tops (within ``Y_TOLERANCE`` of the
    line's first) and ordered left to right; two neighbours are separated by one space (box ``None``)
    when the gap between them, to the thousandth of a point, is wider than ``X_TOLERANCE``. Space
    characters themselves are not read: pdfium collapses a run of spaces, drops a space at the end of
    a text object and puts spaces of its own between objects, so what was drawn as a space cannot be
    known from it; the gap can, from either engine. A glyph without a Unicode mapping (pdfminer's
    ``(cid:13)``; pdfium drops some of them) is not read either.
    """
    chars = sorted((c for c in chars if c.get("text", "").strip() and c.get("upright", True)
                    and not _CID.fullmatch(c["text"])), key=lambda c: (c["top"], c["x0"]))
    rows: list[list[dict[str, Any]]] = []
    for ch in chars:
        if rows and abs(ch["top"] - rows[-1][0]["top"]) <= Y_TOLERANCE:
            rows[-1].append(ch)
        else:
            rows.append([ch])
    lines = []
    for row in rows:
        row.sort(key=lambda c: c["x0"])
        text: list[str] = []
        boxes: list[BBox | None] = []
        prev = None
        for ch in row:
            if prev is not None and round(ch["x0"] - prev["x1"], 3) > X_TOLERANCE:
                text.append(" ")
                boxes.append(None)
            for piece in ch["text"]:
                text.append(piece)
                boxes.append((ch["x0"], ch["top"], ch["x1"], ch["bottom"]))
            prev = ch
        lines.append(Line(page_number, "".join(text), tuple(boxes)))
    return lines


def locate(path: Path, wanted: Iterable[tuple[int, str]]) -> dict[tuple[int, str], BBox]:
    """The box (top-left origin, as pdfplumber) of the first occurrence of each ``(page, text)`` that is found."""
    found: dict[tuple[int, str], BBox] = {}
    wanted = [(page, needle) for page, needle in wanted if needle]
    if not wanted:
        return found
    with opened(path) as doc:
        for page_number, needle in wanted:
            box = _search(doc.textpage(page_number - 1), needle, doc.page(page_number - 1).get_height())
            if box:
                found[(page_number, needle)] = box
    return found


def _search(textpage: pdfium.PdfTextPage, needle: str, height: float) -> BBox | None:
    searcher = textpage.search(needle)
    try:
        hit = searcher.get_next()
    finally:
        searcher.close()
    if not hit:
        return None
    index, count = hit
    metrics = _MetricBoxes(textpage)
    rects = []
    for i in range(index, index + count):
        code = pdfium_c.FPDFText_GetUnicode(textpage, i)
        if code and not chr(code).isspace() and pdfium_c.FPDFText_IsGenerated(textpage, i) != 1:
            box = metrics.box(i, code)
            if box:
                rects.append(box)
    if not rects:
        return None
    left, bottom = min(r[0] for r in rects), min(r[1] for r in rects)
    right, top = max(r[2] for r in rects), max(r[3] for r in rects)
    return (round(left, 2), round(height - top, 2), round(right, 2), round(height - bottom, 2))
