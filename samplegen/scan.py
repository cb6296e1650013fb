"""A statement PDF as a scanner would deliver it: every page an image, no text layer.

Each page of the text-layer PDF is rendered with pypdfium2 at the scan's dpi and spoiled with PIL and
numpy the way real scans are: red round seals (公章) stamped over the signature block and over figures,
a page turned a quarter onto a landscape page with no rotation flag, a skew of a few degrees, paper and
sensor noise, a dark photocopied cover, a blank page. The images are JPEG-compressed and wrapped back
into an image-only PDF (reportlab). Every random choice comes from the seed, so the bytes are stable.
"""

from __future__ import annotations

import io
import math
import random
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw
from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from .params import ScanStyle

SEAL_RED = (205, 32, 42)
SEAL_RADIUS_PT = 60.0  # 42 mm across, a company seal
PAPER = 250


# the company's seal over a figure: (the row's label, the statement's title on that page)
_FIGURES = (("营业收入", "利润表"), ("所有者权益合计", "资产负债表"))
_FIGURE_X = 0.62  # the seal's center, as a share of the page width: over the current-year column
_FIRM_OFFSET = 130  # points left of 中国注册会计师: the audit firm's name in the signature block


def scan_pdf(src: Path, dst: Path, style: ScanStyle, seed: str) -> None:
    """Write ``dst``: the image-only scan of the text-layer PDF ``src``."""
    _write(dst, scan_pages(src, style, seed))


def scan_pages(src: Path, style: ScanStyle, seed: str) -> list[tuple[bytes, float, float]]:
    """The scanned pages of the text-layer PDF ``src``: each a JPEG (at ``style.dpi``) and its size in points."""
    rng = random.Random(seed)
    noise = np.random.default_rng(rng.getrandbits(64))
    pdf = pdfium.PdfDocument(src)
    pages: list[tuple[bytes, float, float]] = []
    try:
        for index in range(len(pdf)):
            number = index + 1
            page = pdf[index]
            try:
                image = _render(page, style.dpi)
                text = page.get_textpage().get_text_range()
                if style.seal_signature:
                    for x, y in _anchors(page, "中国注册会计师")[:1]:
                        image = _seal(image, (x - _FIRM_OFFSET, y), style.dpi, rng, noise)
                if style.seal_figures:
                    for word, title in _FIGURES:
                        if title in text:
                            for _, y in _anchors(page, word)[:1]:
                                image = _seal(image, (page.get_width() * _FIGURE_X, y), style.dpi, rng, noise)
            finally:
                page.close()
            image = _spoil(image, style, rng, noise, dark=style.dark_cover and number == 1)
            if number in style.turned:
                image = image.transpose(Image.Transpose.ROTATE_90)
            pages.append(_page(image, style))
            if number in style.blank_after:
                blank = _spoil(Image.new("RGB", image.size if number not in style.turned else image.size[::-1],
                                         (PAPER,) * 3), style, rng, noise, dark=False)
                pages.append(_page(blank, style))
    finally:
        pdf.close()
    return pages


def _write(dst: Path, pages: list[tuple[bytes, float, float]]) -> None:
    """The JPEG pages as an image-only PDF (binary streams: no ASCII85, which only makes them larger)."""
    a85 = rl_config.useA85
    rl_config.useA85 = 0
    try:
        out = canvas.Canvas(str(dst), invariant=1)
        out.setCreator("samplegen scan")
        out.setProducer("samplegen scan")
        for data, width, height in pages:
            out.setPageSize((width, height))
            out.drawImage(ImageReader(io.BytesIO(data)), 0, 0, width, height)
            out.showPage()
        out.save()
    finally:
        rl_config.useA85 = a85


def _render(page: pdfium.PdfPage, dpi: int) -> Image.Image:
    bitmap = page.render(scale=dpi / 72)
    try:
        return bitmap.to_pil().convert("RGB")
    finally:
        bitmap.close()


def _anchors(page: pdfium.PdfPage, word: str) -> list[tuple[float, float]]:
    """The left end of each place where ``word`` is printed (points, top-left origin)."""
    textpage = page.get_textpage()
    try:
        searcher = textpage.search(word)
        hits = []
        while (hit := searcher.get_next()) is not None:
            index, count = hit
            rects = [textpage.get_rect(i) for i in range(textpage.count_rects(index, count))]
            if rects:
                left, bottom, _, top = rects[0]
                hits.append((left, page.get_height() - (top + bottom) / 2))
        searcher.close()
    finally:
        textpage.close()
    return hits


def _seal(image: Image.Image, center_pt: tuple[float, float], dpi: int, rng: random.Random,
          noise: np.random.Generator) -> Image.Image:
    """Stamp a red round seal (ring, star, a curved line of characters) in multiply mode, with uneven ink."""
    scale = dpi / 72
    r = SEAL_RADIUS_PT * scale * rng.uniform(0.92, 1.05)
    cx = center_pt[0] * scale + rng.uniform(-8, 8) * scale
    cy = center_pt[1] * scale + rng.uniform(-6, 6) * scale
    size = int(2 * r + 8)
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    c = size / 2
    ring = max(2, int(r * 0.05))
    draw.ellipse((c - r, c - r, c + r, c + r), outline=255, width=ring)
    star = [(c + (r * 0.26 if k % 2 == 0 else r * 0.1) * math.cos(math.radians(-90 + 36 * k)),
             c + (r * 0.26 if k % 2 == 0 else r * 0.1) * math.sin(math.radians(-90 + 36 * k))) for k in range(10)]
    draw.polygon(star, fill=255)
    glyph = r * 0.17
    for k in range(12):  # the seal's name along the upper arc: blocky strokes standing in for characters
        angle = math.radians(200 + k * 140 / 11)
        gx, gy = c + r * 0.72 * math.cos(angle), c + r * 0.72 * math.sin(angle)
        for _ in range(rng.randint(3, 5)):
            x0, y0 = gx + rng.uniform(-glyph, glyph) / 2, gy + rng.uniform(-glyph, glyph) / 2
            horizontal = rng.random() < 0.5
            x1 = x0 + (glyph * 0.8 if horizontal else ring * 0.8)
            y1 = y0 + (ring * 0.8 if horizontal else glyph * 0.8)
            draw.rectangle((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), fill=255)
    for k in range(5):  # 财务专用章 under the star
        gx = c - 2 * glyph * 1.1 + k * glyph * 1.1
        draw.rectangle((gx - glyph * 0.4, c + r * 0.42, gx + glyph * 0.4, c + r * 0.42 + glyph * 0.8), outline=255,
                       width=max(1, ring // 2))
    ink = np.asarray(mask, dtype=np.float32) / 255 * rng.uniform(0.75, 0.92)
    ink *= noise.uniform(0.6, 1.0, ink.shape).astype(np.float32)  # uneven ink
    base = np.asarray(image, dtype=np.float32)
    x0, y0 = int(cx - c), int(cy - c)
    sx0, sy0 = max(0, x0), max(0, y0)
    sx1, sy1 = min(base.shape[1], x0 + size), min(base.shape[0], y0 + size)
    if sx1 <= sx0 or sy1 <= sy0:
        return image
    part = ink[sy0 - y0: sy1 - y0, sx0 - x0: sx1 - x0, None]
    tint = 1 - part * (1 - np.array(SEAL_RED, dtype=np.float32) / 255)
    base[sy0:sy1, sx0:sx1] *= tint
    return Image.fromarray(base.clip(0, 255).astype(np.uint8))


def _spoil(image: Image.Image, style: ScanStyle, rng: random.Random, noise: np.random.Generator,
           dark: bool) -> Image.Image:
    """Skew, softness, paper tone, sensor noise; a dark photocopy when ``dark``."""
    skew = style.skew * rng.uniform(0.7, 1.3)
    if skew:
        image = image.rotate(skew, resample=Image.Resampling.BILINEAR, fillcolor=(PAPER,) * 3)
    arr = np.asarray(image, dtype=np.float32)
    if dark:
        arr = arr * 0.5 + 30  # a photocopy of a dark cover: paper at ~150, print at ~30
        arr += noise.normal(0, 16, arr.shape[:2])[..., None]
        specks = noise.random(arr.shape[:2]) < 0.004
        arr[specks] = 20
        edge = int(arr.shape[1] * 0.04)
        arr[:, :edge] *= 0.35
        arr[:, -edge:] *= 0.45
    else:
        arr = arr * (PAPER / 255)
    arr += noise.normal(0, style.noise, arr.shape[:2])[..., None]
    arr = arr.clip(0, 255).astype(np.uint8)
    out = Image.fromarray(arr)
    return out if style.color else out.convert("L")


def _page(image: Image.Image, style: ScanStyle) -> tuple[bytes, float, float]:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=style.quality, dpi=(style.dpi, style.dpi))
    return buffer.getvalue(), image.width * 72 / style.dpi, image.height * 72 / style.dpi
