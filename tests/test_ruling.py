"""The ruled tables of a scanned page (``omreview.extractors.ocr.ruling``): cells from the lines in the image, a row's
short cell border kept, a character's stroke inside a cell never taken for one, a line broken by a speck whole."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from omreview.extractors.ocr.ruling import ruled_tables
from omreview.rules import default_rules

SETTINGS = default_rules().labels.statement_pdf.ocr
DPI = 150
SCALE = DPI / 72


def _px(points: float) -> int:
    return round(points * SCALE)


def _page(draw_table) -> np.ndarray:
    image = Image.new("L", (_px(595), _px(842)), 250)
    draw_table(ImageDraw.Draw(image))
    return np.asarray(image)


def _line(draw: ImageDraw.ImageDraw, x0: float, top: float, x1: float, bottom: float, gray: int = 90) -> None:
    draw.line([(_px(x0), _px(top)), (_px(x1), _px(bottom))], fill=gray, width=1)


def _table(draw: ImageDraw.ImageDraw, rows: list[float], columns: list[float], split_row: int | None = None,
           split_at: float | None = None) -> None:
    """Horizontal lines at ``rows``, vertical ones at ``columns`` from the first row to the last; one row split by a
    short border at ``split_at`` (points)."""
    for y in rows:
        _line(draw, columns[0], y, columns[-1], y)
    for x in columns:
        _line(draw, x, rows[0], x, rows[-1])
    if split_row is not None and split_at is not None:
        _line(draw, split_at, rows[split_row], split_at, rows[split_row + 1])


def _rounded(tables):
    return [[tuple(round(v) for v in cell) for cell in cells] for cells in tables]


def test_a_table_gives_its_cells_and_a_short_row_border_splits_its_row():
    def draw(d):
        _table(d, [100, 113, 126, 139], [80, 300, 520], split_row=1, split_at=410)
    tables = _rounded(ruled_tables(_page(draw), SCALE, SETTINGS).tables)
    assert len(tables) == 1
    cells = tables[0]
    assert len(cells) == 7  # 2 + 3 (the split row) + 2
    assert any(abs(c[0] - 300) <= 1 and abs(c[2] - 410) <= 1 and abs(c[1] - 113) <= 1 for c in cells)
    assert any(abs(c[0] - 410) <= 1 and abs(c[2] - 520) <= 1 for c in cells)


@pytest.mark.parametrize("gap", [1.5, 3.0])
def test_a_stroke_inside_a_cell_that_does_not_join_the_lines_is_no_border(gap):
    """A character's upright stroke (十, 中) spans nearly the row's height, the cell's padding apart from its lines."""
    def draw(d):
        _table(d, [100, 113, 126], [80, 300, 520])
        for x in (120.0, 150.0, 350.0):
            _line(d, x, 113 + gap, x, 126 - gap, gray=20)
    tables = _rounded(ruled_tables(_page(draw), SCALE, SETTINGS).tables)
    assert [len(t) for t in tables] == [4]


def test_a_line_broken_by_a_faint_spot_is_one_line():
    def draw(d):
        _table(d, [100, 140, 180], [80, 300, 520])
        d.rectangle([_px(200), _px(140) - 2, _px(201), _px(140) + 2], fill=250)  # a gap of about a point
    tables = _rounded(ruled_tables(_page(draw), SCALE, SETTINGS).tables)
    assert [len(t) for t in tables] == [4]


def test_long_character_strokes_and_underlines_make_no_table():
    def draw(d):
        _line(d, 100, 60, 180, 60)  # an underline to sign on
        for x in range(100, 400, 14):  # a title's strokes, short
            _line(d, x, 80, x + 10, 80, gray=20)
            _line(d, x + 5, 75, x + 5, 86, gray=20)
    assert ruled_tables(_page(draw), SCALE, SETTINGS).tables == []


def test_two_tables_apart_are_two_in_order():
    def draw(d):
        _table(d, [300, 320, 340], [80, 520])
        _table(d, [100, 120], [80, 200, 520])
    tables = _rounded(ruled_tables(_page(draw), SCALE, SETTINGS).tables)
    assert [len(t) for t in tables] == [2, 2]
    assert tables[0][0][1] < tables[1][0][1]
