"""Image-only PDF pages read by OCR: a low-resolution pass over each, a full read of the few that matter.

- ``quick``: each page rendered at ``ocr.triage_dpi``: blank pages are told by their ink alone; the text
  detector's boxes say whether the page was turned a quarter (a landscape scan on a portrait page, no
  rotation flag) and how far it is skewed; only the boxes in the top ``ocr.triage_band`` of the page
  (statement titles, the report's title and first sentence, table headers) are recognised. A page read
  with a low mean confidence is tried the other way up too. This gives triage its text.
- ``read``: a page rendered again at ``ocr.read_dpi``, turned and straightened, every box recognised with
  per-character boxes and confidences, grouped into ``pdf.pages.Line`` objects: rows by vertical position,
  a space between boxes and inside a box where its characters stand far apart. These lines feed the same
  table parser as the text-layer engines (the third position engine); their coordinates are points of the
  straightened page.
- ``page_box`` maps a box of those lines back to the PDF page as stored (points, top-left origin), and
  ``confidence`` gives the lowest character confidence inside a box.

With ``ocr.drop_red`` a page is read from its red channel only: red seals (公章) stamped over figures
and signatures fade to paper white, black print stays black.
"""

from __future__ import annotations

import math
import re
import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from omreview.extractors.ocr.engine import Char, Engine, PixelBox, Word, engine
from omreview.extractors.ocr.ruling import ruled_tables
from omreview.extractors.pdf.guard import current_budget
from omreview.extractors.pdf.pages import BBox, Line, open_pdfium
from omreview.rules import OcrSettings

_INK = 128  # a pixel darker than this is ink
_BLANK_INK_SHARE = 0.002  # a page with less ink than this is blank (paper noise, a stray dot)
_TURNS = {0: None, 90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}
_MIN_SKEW = 0.15  # degrees: straightening less than this is not worth a resampling
_ORIENTATION_SAMPLE = 6  # the longest boxes, read both ways up to tell which way is up
_PROFILE_WIDTH = 400  # the skew is measured on the page reduced to about this width (pixels)
_RAMP = 24  # grays within this much below the white level are lightened gradually
_WORD_GAP = 0.9  # a gap inside one box wider than this many character heights is a space
_CELL_INSET = 3  # pixels: a cell's ink is looked at this far inside its borders (the ruling lines and their blur)
_CELL_MARGIN = 4.0  # points of paper added around a cell read on its own


@dataclass(frozen=True)
class View:
    """How a page image is made upright: a clockwise quarter ``turn`` then a ``skew`` rotation (degrees,
    counter-clockwise, as PIL's ``rotate``); ``blank`` pages have no text."""

    turn: int = 0
    skew: float = 0.0
    blank: bool = False


@dataclass
class OcrPage:
    number: int  # 1-based
    size: tuple[float, float]  # page width, height in points (as rendered: rotation flag applied)
    view: View = field(default_factory=View)
    band: list[str] = field(default_factory=list)  # quick pass: the lines of the top band
    band_score: float = 0.0
    lines: list[Line] | None = None  # full read
    chars: list[tuple[BBox, float, str]] = field(default_factory=list)  # full read: each character's box, confidence

    @property
    def text(self) -> str:
        """The full read's lines when the page was read, else the top band's."""
        if self.lines is not None:
            return "\n".join(line.text for line in self.lines)
        return "\n".join(self.band)


@dataclass(frozen=True)
class OcrCell:
    """A cell of a ruled table on a scanned page: its box (points of the straightened page), its text (its
    characters in rows, a space where two stand apart, the rows joined) and the lowest confidence of its letters
    and digits."""

    bbox: BBox
    text: str
    confidence: Decimal | None


@dataclass(frozen=True)
class _Band:
    view: View
    lines: list[str]
    score: float
    sample: list[np.ndarray]  # boxes of the page as rendered (not turned), read to tell which way is up
    sample_score: float


class OcrPages:
    """The OCR'd pages of one PDF, read lazily: ``quick`` for triage, ``read`` for the pages that matter."""

    def __init__(self, path: Path, settings: OcrSettings, vocabulary: Iterable[str] = ()) -> None:
        self.path, self.settings = path, settings
        self.lexicon = Lexicon(vocabulary, settings.confusions)
        self.lookalikes = str.maketrans(settings.digit_lookalikes)
        self.pages: dict[int, OcrPage] = {}
        self._engine: Engine | None = None
        self.seconds: dict[str, float] = {"quick": 0.0, "read": 0.0}
        self.counts: dict[str, int] = {"quick": 0, "read": 0}

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = engine(self.settings)
        return self._engine

    def is_read(self, number: int) -> bool:
        page = self.pages.get(number)
        return page is not None and page.lines is not None

    # --- the low-resolution pass -------------------------------------------------------------------

    def quick(self, numbers: list[int]) -> None:
        budget = current_budget()
        pdf = open_pdfium(self.path)
        try:
            for number in numbers:
                if number in self.pages:
                    continue
                budget.check()
                started = time.perf_counter()
                self.pages[number] = self._quick_page(pdf, number)
                self.seconds["quick"] += time.perf_counter() - started
                self.counts["quick"] += 1
        finally:
            pdf.close()

    def _quick_page(self, pdf: pdfium.PdfDocument, number: int) -> OcrPage:
        image, size = _render(pdf, number, self.settings.triage_dpi, self.settings.drop_red, self.settings.white_level)
        page = OcrPage(number, size)
        if _ink_share(image) < _BLANK_INK_SHARE:
            page.view = View(blank=True)
            return page
        boxes = self.engine.detect_quads(np.asarray(image))
        if not boxes:
            page.view = View(blank=True)
            return page
        first, other = (90, 270) if _vertical(boxes) else (0, 180)
        band = self._band(image, boxes, first)
        if band.score < float(self.settings.orientation_min_score) and band.sample:
            # a poor reading: is the page the other way up? its top boxes read both ways tell
            turned = np.asarray(_turn(image, other))
            quads = [_turn_quad(q, other, image.width, image.height) for q in band.sample]
            reads = self.engine.recognize([_crop(turned, q) for q in quads])
            if statistics.fmean(r[1] for r in reads) > band.sample_score:
                band = self._band(image, boxes, other)
        page.band, page.band_score, page.view = band.lines, band.score, band.view
        return page

    def _band(self, image: Image.Image, boxes: list[np.ndarray], turn: int) -> _Band:
        """The page turned by ``turn``: its skew, and the boxes of its top band recognised (lines top to bottom,
        mean confidence, and the first ``_ORIENTATION_SAMPLE`` boxes with their mean confidence)."""
        quads = [_turn_quad(q, turn, image.width, image.height) for q in boxes]
        turned = _turn(image, turn)
        skew = _skew(turned, float(self.settings.max_skew_degrees))
        pixels = np.asarray(turned)
        limit = float(self.settings.triage_band) * pixels.shape[0]
        center = (pixels.shape[1] / 2, pixels.shape[0] / 2)
        tops = sorted((_straight(q.mean(axis=0), center, skew)[1], i) for i, q in enumerate(quads))
        chosen = [i for y, i in tops[: self.settings.triage_max_boxes] if y <= limit]
        reads = self.engine.recognize([_crop(pixels, quads[i]) for i in chosen])
        words = []
        for i, (text, score, _) in zip(chosen, reads, strict=True):
            if text.strip():
                xs, ys = zip(*(_straight(p, center, skew) for p in quads[i]), strict=True)
                words.append((text, score, (min(xs), min(ys), max(xs), max(ys))))
        view = View(turn=turn, skew=skew)
        sample = [boxes[i] for i in chosen[:_ORIENTATION_SAMPLE]]
        sample_score = statistics.fmean(r[1] for r in reads[:_ORIENTATION_SAMPLE]) if reads else 0.0
        if not words:
            return _Band(view, [], 0.0, sample, sample_score)
        rows = _rows([(w[2], w) for w in words])
        lines = [" ".join(w[0] for w in sorted(row, key=lambda w: w[2][0])) for row in rows]
        return _Band(view, lines, statistics.fmean(w[1] for w in words), sample, sample_score)

    # --- the full read -----------------------------------------------------------------------------

    def read(self, numbers: list[int]) -> None:
        """Read the given 1-based pages at full resolution (those already read are skipped)."""
        todo = [n for n in numbers if not self.is_read(n)]
        if not todo:
            return
        self.quick(todo)
        budget = current_budget()
        pdf = open_pdfium(self.path)
        try:
            for number in todo:
                budget.check()
                self._read_page(pdf, self.pages[number])
        finally:
            pdf.close()

    def _read_page(self, pdf: pdfium.PdfDocument, page: OcrPage) -> None:
        started = time.perf_counter()
        page.lines, page.chars = [], []
        if page.view.blank:
            return
        cfg = self.settings
        scale = cfg.read_dpi / 72
        image = self._upright(pdf, page, cfg.read_dpi, cfg.white_level)
        words = self.engine.read(np.asarray(image))
        doubtful = [i for i, w in enumerate(words) if _doubt(w.chars) < float(cfg.min_confidence)]
        if doubtful and cfg.second_look_dpi:
            words = self._second_look(pdf, page, words, doubtful, scale)
        page.lines, page.chars = _lines(page.number, words, scale, self.lookalikes)
        page.lines = [self.lexicon.correct(line) for line in page.lines]
        self.seconds["read"] += time.perf_counter() - started
        self.counts["read"] += 1

    def _upright(self, pdf: pdfium.PdfDocument, page: OcrPage, dpi: int, white: int) -> Image.Image:
        image, _ = _render(pdf, page.number, dpi, self.settings.drop_red, white)
        image = _turn(image, page.view.turn)
        if page.view.skew:
            image = image.rotate(page.view.skew, resample=Image.Resampling.BICUBIC, fillcolor=255)
        return image

    def _second_look(
        self, pdf: pdfium.PdfDocument, page: OcrPage, words: list[Word], doubtful: list[int], scale: float
    ) -> list[Word]:
        """Read the doubtful words again from a finer rendering with a higher white level (fainter seal ink
        goes): a word read the same way twice takes the better confidence of each character; a word read
        differently keeps its first reading and its doubt."""
        cfg = self.settings
        image = np.asarray(self._upright(pdf, page, cfg.second_look_dpi, cfg.second_look_white_level))
        ratio = cfg.second_look_dpi / cfg.read_dpi
        crops = []
        for i in doubtful:
            x0, top, x1, bottom = words[i].box
            pad = 0.15 * (bottom - top)
            box = [round(v * ratio) for v in (x0 - pad, top - pad, x1 + pad, bottom + pad)]
            crops.append(image[max(0, box[1]) : box[3], max(0, box[0]) : box[2]])
        out = list(words)
        for i, (text, _, confs) in zip(doubtful, self.engine.recognize(crops), strict=True):
            word = words[i]
            if _same_reading(text, word.text, self.lookalikes) and len(confs) == len(word.chars):
                chars = tuple(Char(c.text, c.box, max(c.score, s)) for c, s in zip(word.chars, confs, strict=True))
                out[i] = Word(word.text, word.score, word.box, chars)
        return out

    def lines(self, numbers: list[int]) -> dict[int, list[Line]]:
        self.read(numbers)
        return {n: list(self.pages[n].lines or []) for n in numbers}

    def tables(self, number: int) -> list[list[OcrCell]]:
        """The ruled tables of a page (``ocr.ruling``), read in full first: each its cells, holding the
        characters whose centers lie in them.

        The text detector sees the page reduced (``det_max_side``) and may miss a line of small print in a narrow
        cell: a cell with more ink than its characters read cover (``ruling_missed_ink`` square points, its
        borders left out) is read again on its own at full resolution, its characters replaced by that reading."""
        self.read([number])
        page = self.pages[number]
        if page.view.blank:
            return []
        pdf = open_pdfium(self.path)
        try:
            image = np.asarray(self._upright(pdf, page, self.settings.read_dpi, self.settings.white_level))
        finally:
            pdf.close()
        scale = self.settings.read_dpi / 72
        ink = image < self.settings.ruling_ink_level
        out = []
        for cells in ruled_tables(image, scale, self.settings).tables:
            for box in cells:
                if self._missed(page, ink, box, scale):
                    self._read_cell(page, image, box, scale)
            out.append([self._cell(page, box) for box in cells])
        return out

    def _missed(self, page: OcrPage, ink: np.ndarray, box: BBox, scale: float) -> bool:
        """Whether a cell holds ink its characters read do not cover (the lines around it left out)."""
        inset = _CELL_INSET
        x0, top = round(box[0] * scale) + inset, round(box[1] * scale) + inset
        x1, bottom = round(box[2] * scale) - inset, round(box[3] * scale) - inset
        if x1 <= x0 or bottom <= top:
            return False
        left = ink[top:bottom, x0:x1].copy()
        for b, _, _ in page.chars:
            if box[0] <= (b[0] + b[2]) / 2 <= box[2] and box[1] <= (b[1] + b[3]) / 2 <= box[3]:
                c0, c1 = max(0, round(b[0] * scale) - x0 - inset), max(0, round(b[2] * scale) - x0 + inset)
                r0, r1 = max(0, round(b[1] * scale) - top - inset), max(0, round(b[3] * scale) - top + inset)
                left[r0:r1, c0:c1] = False
        return int(left.sum()) > float(self.settings.ruling_missed_ink) * scale * scale

    def _read_cell(self, page: OcrPage, image: np.ndarray, box: BBox, scale: float) -> None:
        """Read a cell's image on its own; its characters replace those read from the whole page."""
        x0, top = max(0, round(box[0] * scale) + 1), max(0, round(box[1] * scale) + 1)
        x1, bottom = round(box[2] * scale) - 1, round(box[3] * scale) - 1
        pad = round(_CELL_MARGIN * scale)  # paper around the crop: text touching its edge is read whole
        crop = np.pad(image[top:bottom, x0:x1], pad, constant_values=255)
        words = self.engine.read(np.ascontiguousarray(crop))
        dx, dy = x0 - pad, top - pad
        moved = [Word(w.text, w.score, _moved(w.box, dx, dy),
                      tuple(Char(c.text, _moved(c.box, dx, dy), c.score) for c in w.chars)) for w in words]
        _, chars = _lines(page.number, moved, scale, self.lookalikes)
        page.chars = [c for c in page.chars if not (box[0] <= (c[0][0] + c[0][2]) / 2 <= box[2]
                                                    and box[1] <= (c[0][1] + c[0][3]) / 2 <= box[3])] + chars

    def _cell(self, page: OcrPage, box: BBox) -> OcrCell:
        x0, top, x1, bottom = box
        inside = [(b, t) for b, _, t in page.chars
                  if x0 <= (b[0] + b[2]) / 2 <= x1 and top <= (b[1] + b[3]) / 2 <= bottom]
        lines = []
        for row in _rows([(b, (b, t)) for b, t in inside]):
            row.sort(key=lambda item: item[0][0])
            height = statistics.median(b[3] - b[1] for b, _ in row)
            text, previous = "", None
            for b, t in row:
                if previous is not None and b[0] - previous[2] > _WORD_GAP * height:
                    text += " "
                text, previous = text + t, b
            lines.append(text)
        return OcrCell(box, _cell_text(lines), self.confidence(page.number, box))

    # --- from the straightened page back to the PDF page -------------------------------------------

    def page_box(self, number: int, bbox: BBox) -> BBox:
        """A box of the page's lines (points of the straightened page) as a box of the PDF page."""
        page = self.pages[number]
        width, height = page.size
        turned = (height, width) if page.view.turn in (90, 270) else (width, height)
        center = (turned[0] / 2, turned[1] / 2)
        corners = [(bbox[0], bbox[1]), (bbox[2], bbox[1]), (bbox[2], bbox[3]), (bbox[0], bbox[3])]
        points = [_unturn(_straight(c, center, -page.view.skew), page.view.turn, width, height) for c in corners]
        xs, ys = zip(*points, strict=True)
        return (
            round(max(0.0, min(xs)), 2),
            round(max(0.0, min(ys)), 2),
            round(min(width, max(xs)), 2),
            round(min(height, max(ys)), 2),
        )

    def confidence(self, number: int, bbox: BBox) -> Decimal | None:
        """The lowest confidence of the characters whose centers lie in ``bbox``; ``None`` if there are none.

        Only letters, digits and Han characters count: punctuation is normalised before a value is used
        (（ or (), and a well-formed amount (``1,234,567.89``) places its commas and point by their positions,
        so only its digits can be misread without the format showing it."""
        page = self.pages.get(number)
        if page is None:
            return None
        x0, top, x1, bottom = bbox
        inside = [
            (s, t) for (a, b, c, d), s, t in page.chars
            if x0 - 0.5 <= (a + c) / 2 <= x1 + 0.5 and top - 0.5 <= (b + d) / 2 <= bottom + 0.5
        ]
        inside = [(s, t) for s, t in inside if t.isalnum()] or inside
        return Decimal(str(round(min(s for s, _ in inside), 3))) if inside else None


# --- images ---------------------------------------------------------------------------------------------


def _render(
    pdf: pdfium.PdfDocument, number: int, dpi: int, drop_red: bool, white: int
) -> tuple[Image.Image, tuple[float, float]]:
    """The page as a grayscale image (its red channel with ``drop_red``, levels up to ``white``), its size in
    points."""
    page = pdf[number - 1]
    try:
        bitmap = page.render(scale=dpi / 72)
        try:
            gray = _gray(bitmap, drop_red)
        finally:
            bitmap.close()
        width, height = page.get_width(), page.get_height()
        if page.get_rotation() in (90, 270):
            width, height = height, width
    finally:
        page.close()
    return gray.point(_levels(white)), (width, height)


def _gray(bitmap: pdfium.PdfBitmap, drop_red: bool) -> Image.Image:
    """The rendered page's red channel (``drop_red``) or its luminance. The red channel is copied out of pdfium's
    buffer directly: the two full-colour copies PIL made on the way (its RGB image, then a converted one) were
    the largest buffers of a reading process outside the detector (23 MB at the second look's 200 dpi)."""
    mode = bitmap.mode
    if drop_red and "R" in mode:
        return Image.fromarray(np.ascontiguousarray(bitmap.to_numpy()[:, :, mode.index("R")]))
    image: Image.Image = bitmap.to_pil().convert("RGB")
    return image.getchannel("R") if drop_red else image.convert("L")


def _levels(white: int) -> list[int]:
    """Every gray at or above ``white`` becomes paper white (faded seal ink, paper tone); darker grays stay, with
    a short ramp up to ``white``."""
    ramp = max(1, _RAMP)
    return [v if v < white - ramp else 255 if v >= white else round(v + (255 - v) * (v - white + ramp) / ramp)
            for v in range(256)]


def _ink_share(image: Image.Image) -> float:
    histogram = image.histogram()
    return sum(histogram[:_INK]) / max(1, image.width * image.height)


def _turn(image: Image.Image, turn: int) -> Image.Image:
    op = _TURNS[turn]
    return image if op is None else image.transpose(op)


def _turn_quad(quad: np.ndarray, turn: int, width: int, height: int) -> np.ndarray:
    """A box of the image as it lies on the image turned by ``turn`` (``_turn``), its corners again clockwise
    from the top left."""
    x, y = quad[:, 0], quad[:, 1]
    if turn == 90:
        points = np.stack([height - y, x], axis=1)
    elif turn == 180:
        points = np.stack([width - x, height - y], axis=1)
    elif turn == 270:
        points = np.stack([y, width - x], axis=1)
    else:
        return quad
    start = int(np.argmin(points.sum(axis=1)))
    center = points.mean(axis=0)
    order = np.argsort(np.arctan2(points[:, 1] - center[1], points[:, 0] - center[0]))  # clockwise (y down)
    order = np.roll(order, -int(np.where(order == start)[0][0]))
    return points[order]


def _vertical(quads: list[np.ndarray]) -> bool:
    """Most text boxes are much taller than wide: the page was turned a quarter."""
    tall = wide = 0
    for quad in quads:
        w = float(quad[:, 0].max() - quad[:, 0].min())
        h = float(quad[:, 1].max() - quad[:, 1].min())
        if h > 1.5 * w:
            tall += 1
        elif w > 1.5 * h:
            wide += 1
    return tall > wide


def _skew(image: Image.Image, limit: float) -> float:
    """The rotation (degrees, as PIL's ``rotate``) that makes the printed lines level: the angle whose
    horizontal ink profile is sharpest (text lines and table rules become narrow peaks), searched in
    0.5° steps within ``limit``, then in 0.1° steps; 0 when it is under ``_MIN_SKEW``. Small rotations are
    taken as shears of the ink pixels' rows, so each angle costs one histogram."""
    factor = max(1, round(image.width / _PROFILE_WIDTH))
    small = np.asarray(image.reduce(factor) if factor > 1 else image)
    ys, xs = np.nonzero(small < _INK)
    if len(ys) < 50:
        return 0.0
    dx = xs - small.shape[1] / 2

    def sharpness(angle: float) -> float:
        rows = np.round(ys - dx * math.tan(math.radians(angle))).astype(np.int64)
        counts = np.bincount(rows - rows.min()).astype(np.float64)
        return float(np.square(counts).sum())

    coarse = max(np.arange(-limit, limit + 0.01, 0.5), key=sharpness)
    fine = max(np.arange(coarse - 0.4, coarse + 0.41, 0.1), key=sharpness)
    angle = round(float(fine), 2)
    return angle if abs(angle) >= _MIN_SKEW else 0.0


def _straight(point: Sequence[float] | np.ndarray, center: tuple[float, float], skew: float) -> tuple[float, float]:
    """Where ``point`` lands when the image is rotated by ``skew`` degrees (PIL ``rotate``) about ``center``."""
    if not skew:
        return float(point[0]), float(point[1])
    a = math.radians(skew)
    dx, dy = float(point[0]) - center[0], float(point[1]) - center[1]
    return center[0] + dx * math.cos(a) + dy * math.sin(a), center[1] - dx * math.sin(a) + dy * math.cos(a)


def _unturn(point: tuple[float, float], turn: int, width: float, height: float) -> tuple[float, float]:
    """A point of the turned page back on the page as stored (``width`` x ``height``)."""
    x, y = point
    if turn == 90:  # turned clockwise: (x, y) -> (height - y, x)
        return y, height - x
    if turn == 180:
        return width - x, height - y
    if turn == 270:  # turned counter-clockwise: (x, y) -> (y, width - x)
        return width - y, x
    return x, y


def _crop(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The text line inside ``quad``, straightened (perspective crop, as the OCR engine does)."""
    import cv2

    quad = quad.astype(np.float32)
    width = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    height = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    width, height = max(width, 1), max(height, 1)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad, target)
    return cv2.warpPerspective(image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)


# --- lines ----------------------------------------------------------------------------------------------

_Item = TypeVar("_Item")


def _rows(items: list[tuple[BBox, _Item]]) -> list[list[_Item]]:
    """Items grouped into rows by the vertical center of their boxes, top to bottom."""
    ordered = sorted(items, key=lambda it: (it[0][1] + it[0][3]) / 2)
    rows: list[tuple[float, float, list[_Item]]] = []  # (center, height, members)
    for box, item in ordered:
        center, height = (box[1] + box[3]) / 2, box[3] - box[1]
        if rows:
            row_center, row_height, members = rows[-1]
            if abs(center - row_center) <= 0.5 * min(height, row_height) + 0.5:
                members.append(item)
                n = len(members)
                rows[-1] = ((row_center * (n - 1) + center) / n, max(row_height, height), members)
                continue
        rows.append((center, height, [item]))
    return [members for _, _, members in rows]


def _moved(box: PixelBox, dx: int, dy: int) -> PixelBox:
    x0, top, x1, bottom = box
    return x0 + dx, top + dy, x1 + dx, bottom + dy


def _scaled(box: PixelBox, scale: float) -> BBox:
    """Image pixels to points."""
    x0, top, x1, bottom = box
    return x0 / scale, top / scale, x1 / scale, bottom / scale


def _lines(number: int, words: list[Word], scale: float,
           lookalikes: dict[int, str]) -> tuple[list[Line], list[tuple[BBox, float, str]]]:
    """Words (image pixels) as ``Line`` objects in points, and every character's box, confidence and text;
    amounts repaired with ``lookalikes`` (a ``str.maketrans`` table of the rules' ``digit_lookalikes``)."""
    chars: list[tuple[BBox, float, str]] = []
    items: list[tuple[BBox, list[tuple[str, BBox, float]]]] = []
    for word in words:
        boxes = [(ch.text, _scaled(ch.box, scale), ch.score) for ch in _repaired(word.chars, lookalikes)]
        if not boxes:
            continue
        chars.extend((box, score, text) for text, box, score in boxes)
        items.append((_scaled(word.box, scale), boxes))
    lines = []
    for row in _rows(items):
        row.sort(key=lambda boxes: boxes[0][1][0])
        text: list[str] = []
        out: list[BBox | None] = []
        for boxes in row:
            if text:
                text.append(" ")
                out.append(None)
            height = statistics.median(b[3] - b[1] for _, b, _ in boxes)
            previous = None
            for ch, box, _ in boxes:
                if previous is not None and box[0] - previous[2] > _WORD_GAP * height:
                    text.append(" ")
                    out.append(None)
                text.append(ch)
                out.append(box)
                previous = box
        lines.append(Line(number, "".join(text), tuple(out)))
    return lines, chars


_GROUPED = re.compile(r"^[(（]?[-−－]?\d{1,3}(?:[.,]\d{3})+[.,]\d{2}[)）]?$")
_BROKEN = re.compile(r"^[(（]?[-−－]?\d{4,}(?:[.,]\d{3})+[.,]\d{2}[)）]?$")  # a separator lost in the first group
_REPAIRED = 0.5


def _repaired(chars: tuple[Char, ...], lookalikes: dict[int, str]) -> tuple[Char, ...]:
    """An amount misread in the ways a seal or a speck causes: letters for digits (O, l), full-width or wrong
    separators. A token that is then a well-formed grouped amount (``64.121,514.67`` → ``64,121,514.67``)
    keeps the confidence of its digits: the positions of its separators leave no doubt. A token with two
    decimals but a broken grouping (``47006.647.38``) loses its inner separators and becomes doubtful
    (``_REPAIRED`` confidence): its digits may be right, but a separator may have been a digit."""
    text = "".join(ch.text for ch in chars)
    fixed = text.translate(lookalikes)
    if _GROUPED.match(fixed):
        fixed = _regrouped(fixed)
        if fixed == text:
            return chars
        return tuple(Char(new, ch.box, ch.score) for new, ch in zip(fixed, chars, strict=True))
    if not _BROKEN.match(fixed):
        return chars
    cut = len(fixed.rstrip(")）")) - 3
    out = []
    for i, (new, ch) in enumerate(zip(fixed, chars, strict=True)):
        if new in ".," and i != cut:
            continue
        out.append(Char("." if i == cut else new, ch.box, min(ch.score, _REPAIRED)))
    return tuple(out)


def _regrouped(amount: str) -> str:
    """A grouped amount (``_GROUPED``) with its separators put right: commas between groups, a point before the
    cents."""
    cut = len(amount.rstrip(")）")) - 3  # the decimal point
    return "".join("," if ch in ".," and i < cut else "." if i == cut else ch for i, ch in enumerate(amount))


_BORDER_MARKS = "|丨│｜"  # a cell's border line read as a character at the start or end of its text
_AMOUNT_RUN = re.compile(r"[(（]?[-−－]?\d[\d.,]*\d[)）]?")


def _cell_text(lines: list[str]) -> str:
    """A cell's lines as one text, as ``pdf.pages.cell_text`` joins a printed cell's, without a border line read as
    a character at either end of a line (``|任勇秀``); an amount wrapped over two
    lines is one token only now, and its separators are put right then (``1,520.00`` + ``0.00元``: the second
    comma read as a point, ``1,520,000.00元``)."""
    text = "".join(line.strip().strip(_BORDER_MARKS).strip() for line in lines)
    return _AMOUNT_RUN.sub(lambda m: _regrouped(m.group()) if _GROUPED.match(m.group()) else m.group(), text)


def _doubt(chars: tuple[Char, ...]) -> float:
    """The confidence a word's value rests on: its letters', digits' and Han characters' (punctuation and an
    amount's separators are normalised or checked by the format), as ``OcrPages.confidence``."""
    scores = [c.score for c in chars if c.text.isalnum()] or [c.score for c in chars]
    return min(scores, default=1.0)


def _same_reading(a: str, b: str, lookalikes: dict[int, str]) -> bool:
    return "".join(a.split()).translate(lookalikes) == "".join(b.split()).translate(lookalikes)


class Lexicon:
    """Puts back the label words OCR confuses one character of (营业收人 → 营业收入): a run of a line that
    differs from a vocabulary word (the rules' labels and titles) in one character only, and there by a
    known confusable pair (``ocr.confusions``), takes the word's character. Values are never touched:
    only Han characters are replaced."""

    def __init__(self, vocabulary: Iterable[str], confusions: Iterable[str]) -> None:
        self.pairs = {(a, b) for pair in confusions for a in pair for b in pair if a != b}
        self.words = sorted({w for w in ("".join(v.split()) for v in vocabulary) if len(w) >= 3}, key=len,
                            reverse=True)
        self.quick = {ch for a, _ in self.pairs for ch in a}

    def correct(self, line: Line) -> Line:
        if not self.pairs or not any(ch in self.quick for ch in line.text):
            return line
        chars = list(line.text)
        index = [i for i, ch in enumerate(chars) if not ch.isspace()]
        squeezed = [chars[i] for i in index]
        for word in self.words:
            n = len(word)
            for start in range(len(squeezed) - n + 1):
                diff = [k for k in range(n) if squeezed[start + k] != word[k]]
                if len(diff) == 1 and (squeezed[start + diff[0]], word[diff[0]]) in self.pairs:
                    squeezed[start + diff[0]] = word[diff[0]]
        for i, ch in zip(index, squeezed, strict=True):
            chars[i] = ch
        text = "".join(chars)
        return line if text == line.text else replace(line, text=text)
