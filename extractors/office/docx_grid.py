"""A .docx read as a sequence of paragraphs and table grids, merged cells resolved.

Each table becomes a rectangular grid of ``GridCell``s, one per layout-grid position. A merged cell
(horizontal ``gridSpan`` or vertical ``vMerge``) is repeated at every position it covers with the
same ``key``, and ``Grid.span`` gives the rectangle it covers; positions a row leaves out
(``gridBefore``/``gridAfter``, short rows) are empty cells of their own. Cells are addressed A1-style
for provenance (``table`` 0-based, ``cell`` like ``B3``).

The grid is built from the XML, not from python-docx's ``row.cells``: those cell objects are created
anew on each access, so identities taken from them (``id()``) are reused across rows, and they leave
out the positions before a row's first cell. Text inside content controls (``w:sdt``) is read; a table
nested in a cell becomes a grid of its own (numbered after its parent, ``Grid.parent``), and its text
is not repeated in the cell that holds it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from lxml.etree import _Element
from openpyxl.utils import get_column_letter

from omreview.extractors.values import SYMBOL_GLYPHS
from omreview.rules import Rules, default_rules

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points (pdfplumber's)

_P, _TBL, _TR, _TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_SDT, _SDT_CONTENT, _CUSTOM_XML = qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")
_T, _TAB, _BR, _CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
# text that is not the document's: text boxes (read elsewhere), an alternate rendering, moved-away text
_SKIP = {qn("w:txbxContent"), "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback",
         qn("w:moveFrom"), qn("w:del")}
_SYM = qn("w:sym")
_UNIT = re.compile(r"(?:单位|计量单位)\s*(?:[:：]|为|是)?\s*(?:人民币)?\s*([千百万亿]*[元圆])")
_BRACKET_UNIT = re.compile(r"[(（]\s*(?:单位\s*[:：]?\s*)?(?:人民币)?\s*([千百万亿]*元)\s*[)）]")


@dataclass(frozen=True)
class GridCell:
    text: str
    key: int  # identity of the underlying cell: every grid position a merged cell covers shares it
    row: int  # 0-based
    col: int  # 0-based

    @property
    def address(self) -> str:
        return f"{get_column_letter(self.col + 1)}{self.row + 1}"


@dataclass(frozen=True)
class Span:
    """The rectangle a cell covers, inclusive, 0-based."""

    top: int
    left: int
    bottom: int
    right: int


@dataclass(frozen=True)
class Grid:
    index: int
    rows: list[list[GridCell]]
    caption: str  # the paragraphs just before the table (a title, 单位：万元)
    note: str = ""  # the paragraphs just after it (注：金额单位为万元)
    parent: int | None = None  # the grid whose cell holds this table, for a nested table
    context: str = field(default="")  # for a nested table: the text of the row that holds it
    preceding: int = 0  # body paragraphs before the table (of its top-level table, for a nested one)
    # a table read from a PDF's page (``pdf.form``): each cell's page and box, by its key (a .docx table: none)
    places: dict[int, tuple[int, BBox]] = field(default_factory=dict)
    # a table read by OCR from a scanned page: each cell's lowest character confidence, by its key
    confidence: dict[int, Decimal] = field(default_factory=dict)

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

    @cached_property
    def spans(self) -> dict[int, Span]:
        out: dict[int, Span] = {}
        for row in self.rows:
            for c in row:
                s = out.get(c.key)
                out[c.key] = Span(c.row, c.col, c.row, c.col) if s is None else Span(
                    min(s.top, c.row), min(s.left, c.col), max(s.bottom, c.row), max(s.right, c.col))
        return out

    def span(self, cell: GridCell) -> Span:
        return self.spans[cell.key]

    def origin(self, cell: GridCell) -> GridCell:
        """The top-left position of the (merged) cell, which provenance names."""
        s = self.span(cell)
        return self.rows[s.top][s.left]

    def is_origin(self, cell: GridCell) -> bool:
        s = self.span(cell)
        return (s.top, s.left) == (cell.row, cell.col)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def text(self) -> str:
        return "\n".join(c.text for row in self.rows for c in row)


def _text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _paragraph_text(p: _Element) -> str:
    parts: list[str] = []

    def walk(el: _Element) -> None:
        for child in el:
            tag = child.tag
            if tag in _SKIP or not isinstance(tag, str):
                continue
            if tag == _T:
                parts.append(child.text or "")
            elif tag == _TAB:
                parts.append("\t")
            elif tag in (_BR, _CR):
                parts.append("\n")
            elif tag == _SYM:
                parts.append(_symbol(child))
            else:
                walk(child)

    walk(p)
    return "".join(parts)


def _symbol(sym: _Element) -> str:
    """A character drawn from a symbol font (``w:sym``: Word's check boxes ☑ □): its Unicode look-alike, or ""."""
    font = (sym.get(qn("w:font")) or "").strip().lower()
    try:
        code = int(sym.get(qn("w:char")) or "", 16) & 0xFF  # F0FE and 00FE name the same glyph
    except ValueError:
        return ""
    return SYMBOL_GLYPHS.get(font, {}).get(code, "")


def _children(el: _Element, tag: str) -> Iterator[_Element]:
    """Children with ``tag``, looking through content controls and custom XML wrappers."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in (_SDT, _CUSTOM_XML):
            inner = child.find(_SDT_CONTENT) if child.tag == _SDT else child
            if inner is not None:
                yield from _children(inner, tag)


def _blocks(el: _Element) -> Iterator[_Element]:
    """Paragraphs and tables directly in ``el`` (body or cell), in order, through content controls."""
    for child in el:
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag in (_SDT, _CUSTOM_XML):
            inner = child.find(_SDT_CONTENT) if child.tag == _SDT else child
            if inner is not None:
                yield from _blocks(inner)


def _int_attr(el: _Element | None, path: str) -> int:
    node = el.find(path) if el is not None else None
    try:
        return int(node.get(qn("w:val"))) if node is not None else 0
    except (TypeError, ValueError):
        return 0


class _Builder:
    def __init__(self) -> None:
        self.grids: list[Grid] = []
        self.next_key = 0

    def key(self) -> int:
        self.next_key += 1
        return self.next_key

    def table(self, tbl: _Element, caption: str, parent: int | None = None, context: str = "") -> int:
        index = len(self.grids)
        self.grids.append(Grid(index=index, rows=[], caption=caption, parent=parent, context=context))
        rows: list[list[GridCell]] = []
        nested: list[tuple[_Element, str, str]] = []
        for r, tr in enumerate(_children(tbl, _TR)):
            row: list[GridCell] = []
            for _ in range(_int_attr(tr, f"{qn('w:trPr')}/{qn('w:gridBefore')}")):
                row.append(GridCell("", self.key(), r, len(row)))
            for tc in _children(tr, _TC):
                props = tc.find(qn("w:tcPr"))
                span = max(1, _int_attr(props, qn("w:gridSpan")))
                vmerge = props.find(qn("w:vMerge")) if props is not None else None
                above = rows[-1][len(row)] if rows and len(row) < len(rows[-1]) else None
                if vmerge is not None and vmerge.get(qn("w:val"), "continue") == "continue" and above is not None:
                    text, key = above.text, above.key
                else:
                    paras = [_paragraph_text(b) for b in _blocks(tc) if b.tag == _P]
                    text, key = _text("\n".join(paras)), self.key()
                    row_label = row[0].text if row else ""
                    for inner in (b for b in _blocks(tc) if b.tag == _TBL):
                        nested.append((inner, text, row_label))
                for _ in range(span):
                    row.append(GridCell(text, key, r, len(row)))
            rows.append(row)
        width = max((len(r) for r in rows), default=0)
        for r, row in enumerate(rows):
            while len(row) < width:
                row.append(GridCell("", self.key(), r, len(row)))
        self.grids[index] = Grid(index=index, rows=rows, caption=caption, parent=parent, context=context)
        for inner, cell_text, row_label in nested:
            self.table(inner, cell_text, parent=index, context="\n".join(t for t in (row_label, cell_text) if t))
        return index


def read_document(doc: DocxDocument) -> tuple[list[Grid], list[str]]:
    """Every table as a Grid (nested ones after their parent), and every body paragraph's text."""
    builder = _Builder()
    paragraphs: list[str] = []
    recent: list[str] = []
    last_tops: list[int] = []  # grids of the last top-level table, waiting for their note
    notes: dict[int, list[str]] = {}
    starts: dict[int, int] = {}
    for block in _blocks(doc.element.body):
        if block.tag == _P:
            text = _text(_paragraph_text(block))
            if text:
                paragraphs.append(text)
                recent = [*recent[-1:], text]
                for i in last_tops:
                    if len(notes.setdefault(i, [])) < 2:
                        notes[i].append(text)
            continue
        first = builder.table(block, "\n".join(recent))
        for grid in builder.grids[first:]:
            starts[grid.index] = len(paragraphs)
        last_tops = [first]
        recent = []
    grids_out = [Grid(index=g.index, rows=g.rows, caption=g.caption, note="\n".join(notes.get(g.index, [])),
                      parent=g.parent, context=g.context, preceding=starts.get(g.index, 0)) for g in builder.grids]
    return grids_out, paragraphs


_TXBX = qn("w:txbxContent")
_MARGIN_TITLES = 5  # the lines of a page header or of text boxes looked at for a title


def margin_texts(doc: DocxDocument) -> list[str]:
    """Where a title may stand outside the body's paragraphs: the first section's page headers (页眉, its first
    page's own included) and the document's text boxes (a title drawn in one), their first lines each."""
    out: list[str] = []
    if doc.sections:
        section = doc.sections[0]
        for header in (section.first_page_header, section.header):
            texts = [_text(_paragraph_text(p._p)) for p in header.paragraphs]
            out.extend([t for t in texts if t][:_MARGIN_TITLES])
    for box in doc.element.body.iter(_TXBX):
        texts = [_text(_paragraph_text(p)) for p in box.iter(_P)]
        out.extend([t for t in texts if t][:_MARGIN_TITLES])
        if len(out) > 4 * _MARGIN_TITLES:
            break
    return out


def grids(doc: DocxDocument) -> tuple[list[Grid], list[str]]:
    """Every table as a Grid, and every paragraph's text (see ``read_document``)."""
    return read_document(doc)


def stated_unit(text: str, rules: Rules | None = None) -> Decimal | None:
    """The money unit a caption, note or header states: ``单位：万元``, ``金额单位：千元``, ``（单位：元）``,
    ``注：以上金额单位为万元``, ``近三年经营情况（万元）``; ``None`` if it states none."""
    rules = rules or default_rules()
    s = unicodedata.normalize("NFKC", text or "")
    m = _UNIT.search(s) or _BRACKET_UNIT.search(s)
    return rules.amounts.units.get(m.group(1)) if m else None


_BACK_REFERENCE = re.compile(r"^[(（]?\s*(?:注|备注|说明|以上|上表|上述)")


def caption_unit(grid: Grid, rules: Rules | None = None) -> Decimal | None:
    """A unit stated by the caption above the table, by a 单位 cell inside it, or by a note under it.

    A line that refers back (注：…, 以上金额单位为万元) belongs to the table above it: it counts as a
    note of that table, never as the caption of the next one.
    """
    caption = [t for t in grid.caption.splitlines() if not _BACK_REFERENCE.match(t)]
    note = [t for t in grid.note.splitlines() if _BACK_REFERENCE.match(t)]
    texts = [*caption, grid.context, *(c.text for row in grid.rows for c in row if "单位" in c.text), *note]
    for text in texts:
        unit = stated_unit(text, rules)
        if unit is not None:
            return unit
    return None
