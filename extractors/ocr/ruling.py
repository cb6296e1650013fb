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

from typing import Any

import cv2
import numpy as np
from pdfplumber import table as plumber_table

from omreview.extractors.pdf.pages import BBox
from omreview.rules import OcrSettings

_ACROSS = 3  # pixels: the mask grown across a line's direction before the opening


def ruled_tables(image: np.ndarray, scale: float, settings: OcrSettings) -> list[list[BBox]]:
    """The cells (points: pixels / ``scale``) of each ruled table in a grayscale page image, tables top to
    bottom, cells in reading order."""
    ink = (image < settings.ruling_ink_level).astype(np.uint8)
    long = max(2, round(float(settings.ruling_min_inches) * 72 * scale))
    short = max(2, round(float(settings.ruling_row_inches) * 72 * scale))
    across = _runs(ink, long, horizontal=True)
    edges = _edges(across, scale, horizontal=True)
    down = _runs(ink, short, horizontal=False)
    edges += _edges(down, scale, horizontal=False, long=long, joins=across & ink)
    if not edges:
        return []
    tol = float(settings.ruling_tolerance)
    edges = plumber_table.merge_edges(edges, tol, tol, tol, tol)
    cells = plumber_table.intersections_to_cells(plumber_table.edges_to_intersections(edges, tol, tol))
    tables = plumber_table.cells_to_tables(cells)
    out = [sorted(((float(a), float(b), float(c), float(d)) for a, b, c, d in cells), key=lambda c: (c[1], c[0]))
           for cells in tables]
    return sorted(out, key=lambda cells: min(c[1] for c in cells))


def _runs(ink: np.ndarray, length: int, horizontal: bool) -> np.ndarray:
    """The mask of the runs of ink of one direction at least ``length`` pixels long."""
    grow = cv2.getStructuringElement(cv2.MORPH_RECT, (1, _ACROSS) if horizontal else (_ACROSS, 1))
    keep = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
    return cv2.morphologyEx(cv2.dilate(ink, grow), cv2.MORPH_OPEN, keep)


def _edges(runs: np.ndarray, scale: float, horizontal: bool, long: int = 0,
           joins: np.ndarray | None = None) -> list[dict[str, Any]]:
    """The line segments of a mask of runs, as pdfplumber's edge objects (points). With ``joins`` (the ink of the
    horizontal lines), a vertical run shorter than ``long`` is kept only where its ends run into a horizontal line:
    the border between two cells of a row, which a character's stroke never joins (a cell's padding lies
    between, a pixel of paper or more)."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    out: list[dict[str, Any]] = []
    for x, y, w, h, _area in stats[1:count]:
        if horizontal:
            at = (y + h / 2) / scale
            out.append({"x0": x / scale, "x1": (x + w) / scale, "top": at, "bottom": at, "width": w / scale,
                        "height": 0.0, "orientation": "h", "object_type": "line"})
            continue
        if h < long and joins is not None and not (
                joins[y:y + 2, x:x + w].any() and joins[max(0, y + h - 2):y + h, x:x + w].any()):
            continue
        at = (x + w / 2) / scale
        out.append({"x0": at, "x1": at, "top": y / scale, "bottom": (y + h) / scale, "width": 0.0,
                    "height": h / scale, "orientation": "v", "object_type": "line"})
    return out
