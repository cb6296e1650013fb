"""The ruled tables of a scanned page: their cells, found from the lines printed in the page image.

A table printed with ruling lines and scanned keeps its lines as long thin runs of ink. An opening of the ink
mask with a long flat (or tall thin) kernel keeps only runs at least ``ocr.ruling_min_inches`` long: the
strokes of characters are far shorter and go. The mask is first grown by a pixel across the line's direction,
so that a line falling between two rows of pixels (two light rows, not one dark) or drifting by a pixel over
its length (a skew left after straightening) stays one run. Each run left is a line segment; segments in one
line are joined across small gaps (a line broken by a speck or by faint toner) and their crossings give the
cells, by pdfplumber's own table finder (``merge_edges``, ``edges_to_intersections``, ``intersections_to_cells``,
``cells_to_tables``): the cells of a scanned table are found by the same rule as those of a PDF's drawn table.

The page given is the straightened page OCR read (``ocr.pages.OcrPages``); the cells are in its points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from pdfplumber import table as plumber_table

from omreview.extractors.pdf.pages import BBox
from omreview.rules import OcrSettings

_ACROSS = 3  # pixels: the mask grown across a line's direction before the opening


@dataclass(frozen=True)
class Ruling:
    """A page's ruled tables (each its cells, in points) and the mask of the ruling lines' pixels (what a cell read
    on its own is cleaned of: a line's remnant would be read as 一 or |)."""

    tables: list[list[BBox]]
    lines: np.ndarray


def ruled_tables(image: np.ndarray, scale: float, settings: OcrSettings) -> Ruling:
    """The cells (points: pixels / ``scale``) of each ruled table in a grayscale page image, tables top to
    bottom, cells in reading order; and the ruling lines' pixels."""
    ink = (image < settings.ruling_ink_level).astype(np.uint8)
    long = max(2, round(float(settings.ruling_min_inches) * 72 * scale))
    short = max(2, round(float(settings.ruling_row_inches) * 72 * scale))
    across = _runs(ink, long, horizontal=True)
    edges = _across(across, scale)
    down = _runs(ink, short, horizontal=False)
    upright, kept = _upright(down, scale, long, across & ink)
    lines = (across > 0) | kept
    edges += upright
    if not edges:
        return Ruling([], lines)
    tol = float(settings.ruling_tolerance)
    edges = plumber_table.merge_edges(edges, tol, tol, tol, tol)
    cells = plumber_table.intersections_to_cells(plumber_table.edges_to_intersections(edges, tol, tol))
    tables = plumber_table.cells_to_tables(cells)
    out = [sorted(((float(a), float(b), float(c), float(d)) for a, b, c, d in cells), key=lambda c: (c[1], c[0]))
           for cells in tables]
    return Ruling(sorted(out, key=lambda cells: min(c[1] for c in cells)), lines)


def _runs(ink: np.ndarray, length: int, horizontal: bool) -> np.ndarray:
    """The mask of the runs of ink of one direction at least ``length`` pixels long."""
    grow = cv2.getStructuringElement(cv2.MORPH_RECT, (1, _ACROSS) if horizontal else (_ACROSS, 1))
    keep = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
    return cv2.morphologyEx(cv2.dilate(ink, grow), cv2.MORPH_OPEN, keep)


def _across(runs: np.ndarray, scale: float) -> list[dict[str, Any]]:
    """The horizontal line segments of a mask of runs, as pdfplumber's edge objects (points)."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    out = []
    for x, y, w, h, _area in stats[1:count]:
        at = (y + h / 2) / scale
        out.append({"x0": x / scale, "x1": (x + w) / scale, "top": at, "bottom": at, "width": w / scale,
                    "height": 0.0, "orientation": "h", "object_type": "line"})
    return out


def _upright(runs: np.ndarray, scale: float, long: int, joins: np.ndarray) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The vertical line segments of a mask of runs (pdfplumber's edge objects, points) and the mask of those kept.
    A run shorter than ``long`` is kept only where its ends run into a horizontal line (``joins``: their ink): the
    border between two cells of a row, which a character's stroke never joins (a cell's padding lies between, a
    pixel of paper or more)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    out = []
    kept = []
    for label, (x, y, w, h, _area) in enumerate(stats[1:count], start=1):
        if h < long and not (joins[y:y + 2, x:x + w].any() and joins[max(0, y + h - 2):y + h, x:x + w].any()):
            continue
        kept.append(label)
        at = (x + w / 2) / scale
        out.append({"x0": at, "x1": at, "top": y / scale, "bottom": (y + h) / scale, "width": 0.0,
                    "height": h / scale, "orientation": "v", "object_type": "line"})
    return out, np.isin(labels, kept)
