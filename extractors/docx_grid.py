"""A .docx read as a sequence of paragraphs and table grids, merged cells resolved.

Each table becomes a grid of ``GridCell``s (one per grid column, a horizontally merged cell
repeated with the same ``key``), addressed A1-style for provenance (``table`` 0-based, ``cell``
like ``B3``). Label matching strips a unit written in brackets: ``注册资本（万元）`` → (``注册资本``, 10000).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl.utils import get_column_letter

from pipeline.amounts import parse_unit


@dataclass(frozen=True)
class GridCell:
    text: str
    key: int  # identity of the underlying cell: merged grid positions share it
    row: int  # 0-based
    col: int  # 0-based

    @property
    def address(self) -> str:
        return f"{get_column_letter(self.col + 1)}{self.row + 1}"


@dataclass(frozen=True)
class Grid:
    index: int
    rows: list[list[GridCell]]
    caption: str  # the paragraphs just before the table (for a 单位：万元 caption)

    def cell(self, r: int, c: int) -> GridCell | None:
        if 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r]):
            return self.rows[r][c]
        return None

    def distinct(self, r: int) -> list[GridCell]:
        """The row's cells with merged repeats removed, in order."""
        seen: set[int] = set()
        out = []
        for cell in self.rows[r]:
            if cell.key not in seen:
                seen.add(cell.key)
                out.append(cell)
        return out

    def text(self) -> str:
        return "\n".join(c.text for row in self.rows for c in row)


def _text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def iter_blocks(doc: DocxDocument) -> Iterator[Paragraph | Table]:
    """Paragraphs and tables of the body in document order."""
    body = doc.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, doc)
        elif tag == "tbl":
            yield Table(child, doc)


def grids(doc: DocxDocument) -> tuple[list[Grid], list[str]]:
    """Every top-level table as a Grid, and every paragraph's text."""
    out: list[Grid] = []
    paragraphs: list[str] = []
    recent: list[str] = []
    for block in iter_blocks(doc):
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if text:
                paragraphs.append(text)
                recent = [*recent[-1:], text]
            continue
        rows = []
        for r, row in enumerate(block.rows):
            rows.append([GridCell(_text(cell.text), id(cell._tc), r, c) for c, cell in enumerate(row.cells)])
        out.append(Grid(index=len(out), rows=rows, caption="\n".join(recent)))
        recent = []
    return out, paragraphs


def caption_unit(grid: Grid) -> Decimal | None:
    """A unit stated by the caption above the table or by a 单位 cell inside it."""
    for text in (grid.caption, *(c.text for row in grid.rows for c in row if "单位" in c.text)):
        unit = parse_unit(text)
        if unit is not None:
            return unit
    return None
