"""The header-row tables of the 申报表 (projects, software copyrights; key persons and declared
revenue have modules of their own), found anywhere in any table and read by their columns.

A header row is a row naming at least two columns of one vocabulary (a cell counts for the vocabulary
that reads it best, so 企业名称 is never a software 名称), or two rows whose cells name them together
(合同期限 over 开始 | 结束). Its body runs down to a section row (one cell across the table), a row
that is itself a header, or a row whose cells no longer line up with the header's columns. A table
may sit inside a larger one: the rows around it are read as labelled cells.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from pydantic import BaseModel

from omreview.extractors.office.docx_grid import Grid, GridCell, caption_unit
from omreview.extractors.office.form_labels import Lexicon
from omreview.extractors.values import parse_period, read_date, try_amount
from omreview.model import Source
from omreview.packet import PacketFile
from omreview.records import DateValue, Money, Project, SoftwareCopyright, Text

M = TypeVar("M", bound=BaseModel)
_DAYS = re.compile(r"\d{1,2}\s*日|[-./]\d{1,2}[-./]\d{1,2}")


@dataclass(frozen=True)
class Column:
    key: str
    col: int  # grid column of the header cell's left edge: the values sit under it
    unit: Decimal | None
    header: str


@dataclass(frozen=True)
class Table:
    grid: Grid
    top: int  # first header row
    head: int  # last header row
    body: list[int]
    columns: dict[str, list[Column]] = field(default_factory=dict)

    def rows(self) -> set[int]:
        return {*range(self.top, self.head + 1), *self.body}


@dataclass
class Context:
    """What one reading of a form shares: the file, the vocabularies, the warnings, the units."""

    pf: PacketFile
    lex: Lexicon
    doc_unit: Decimal | None = None  # stated before the first table (金额单位：万元 under the title)
    paragraph_units: list[Decimal | None] = field(default_factory=list)  # the unit in force at each paragraph
    warnings: list[str] = field(default_factory=list)
    paragraph_pages: list[int] = field(default_factory=list)  # a PDF's: the page each paragraph is printed on
    # a scanned PDF's: each paragraph's lowest character confidence (OCR)
    paragraph_confidence: list[Decimal | None] = field(default_factory=list)

    def paragraph_unit(self, i: int | None) -> Decimal | None:
        if i is not None and 0 <= i < len(self.paragraph_units) and self.paragraph_units[i] is not None:
            return self.paragraph_units[i]
        return self.doc_unit

    def src(self, grid: Grid, cell: GridCell, label: str = "") -> Source:
        """Where a cell's value was read: a .docx table and cell, or a PDF's page and the cell's box."""
        text = f"{label} {cell.text}".strip()
        origin = grid.origin(cell)
        place = grid.places.get(origin.key)
        if place is not None:
            page, (x0, top, x1, bottom) = place
            return Source(file=self.pf.rel, sha256=self.pf.sha256, page=page,
                          bbox=(round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2)), text=text,
                          confidence=grid.confidence.get(origin.key))
        return Source(file=self.pf.rel, sha256=self.pf.sha256, table=grid.index, cell=origin.address, text=text)

    def paragraph_src(self, i: int | None, text: str) -> tuple[Source, str]:
        """(the source, where for a warning) of a value read from body paragraph ``i`` (0-based)."""
        page = self.paragraph_pages[i] if i is not None and 0 <= i < len(self.paragraph_pages) else None
        known = i is not None and 0 <= i < len(self.paragraph_confidence)
        confidence = self.paragraph_confidence[i] if known and i is not None else None
        where = f"第{page}页正文" if page is not None else f"正文第{(i or 0) + 1}段"
        return Source(file=self.pf.rel, sha256=self.pf.sha256, page=page, text=text, confidence=confidence), where

    def table_unit(self, grid: Grid) -> Decimal | None:
        unit = caption_unit(grid, self.lex.rules)
        return unit if unit is not None else self.doc_unit

    def where(self, grid: Grid, cell: GridCell) -> str:
        origin = grid.origin(cell)
        place = grid.places.get(origin.key)
        page = f"第{place[0]}页" if place is not None else ""
        return f"{page}表{grid.index + 1} {origin.address}"


# --- finding header rows ------------------------------------------------------------------------


def _columns(grid: Grid, lex: Lexicon, group: str, r: int) -> dict[str, list[Column]]:
    out: dict[str, list[Column]] = {}
    for cell in grid.distinct(r):
        found = lex.column(cell.text, group)
        if found:
            left = grid.span(cell).left
            out.setdefault(found[0], []).append(Column(found[0], left, found[1], cell.text))
    return out


def _two_row_columns(grid: Grid, lex: Lexicon, group: str, r: int) -> dict[str, list[Column]]:
    out: dict[str, list[Column]] = {}
    for cell in grid.distinct(r + 1):
        span = grid.span(cell)
        parent = grid.cell(r, span.left)
        texts = [cell.text] if span.top <= r or parent is None else [
            cell.text, parent.text + cell.text, cell.text + parent.text]
        if parent is not None and span.top > r and grid.span(parent).left == span.left \
                and grid.span(parent).right == span.right:
            texts.append(parent.text)
        for text in texts:
            found = lex.column(text, group)
            if found:
                out.setdefault(found[0], []).append(Column(found[0], span.left, found[1], text))
                break
    return out


def is_section_row(grid: Grid, lex: Lexicon, r: int) -> bool:
    cells = [c for c in grid.distinct(r) if not lex.is_blank(c.text)]
    if len(cells) != 1 or grid.width < 2:
        return False
    s = grid.span(cells[0])
    return s.right - s.left + 1 > grid.width / 2


def _lines_up(grid: Grid, r: int, columns: dict[str, list[Column]]) -> bool:
    starts = {c.col for cols in columns.values() for c in cols}
    broken = sum(1 for col in starts if (cell := grid.cell(r, col)) is None or grid.span(cell).left != col)
    return broken * 2 <= len(starts)


def is_header_row(grid: Grid, lex: Lexicon, r: int) -> bool:
    labels = [c for c in grid.distinct(r) if lex.read(c.text).group not in (None, "key_person_roles", "known")]
    first = next((c for c in grid.distinct(r) if not lex.is_blank(c.text)), None)
    return len(labels) >= 2 or (first is not None and lex.read(first.text).group == "form_fields"
                                and lex.read(first.text).exact)


def find_tables(grid: Grid, lex: Lexicon, group: str, required: set[str], min_keys: int = 2) -> list[Table]:
    """Every header-row table of ``group`` in the grid (see the module's docstring)."""
    out: list[Table] = []
    r = 0
    while r < len(grid.rows):
        columns, head = _columns(grid, lex, group, r), r
        if r + 1 < len(grid.rows) and (columns or _columns(grid, lex, group, r + 1)):
            two = _two_row_columns(grid, lex, group, r)
            if len(two) > len(columns) and required <= set(two):
                columns, head = two, r + 1
        if not (required <= set(columns) and len(columns) >= min_keys and _mostly_labels(grid, lex, r)):
            r += 1
            continue
        body = []
        for b in range(head + 1, len(grid.rows)):
            if is_section_row(grid, lex, b) or is_header_row(grid, lex, b) or not _lines_up(grid, b, columns):
                break
            body.append(b)
        if not body:  # a header over nothing: labelled cells (主要负责人姓名 | 王五 | 职称 | 工程师), not a table
            r += 1
            continue
        out.append(Table(grid, r, head, body, columns))
        r = body[-1] + 1
    return out


def _mostly_labels(grid: Grid, lex: Lexicon, r: int) -> bool:
    """A header row names columns: fewer of its cells are values than labels."""
    cells = [c for c in grid.distinct(r) if not lex.is_blank(c.text)]
    labels = sum(1 for c in cells if lex.is_label(c.text))
    return len(cells) - labels < labels


def _filled_cells(ctx: Context, table: Table, r: int, key: str,
                  stated: dict[str, Source]) -> Iterator[tuple[Column, GridCell]]:
    """The row's cells of ``key``'s columns that hold something; an explicit none (无, —) or an empty cell of
    a filled row is noted in ``stated`` instead (and taken off again once a cell yields a value)."""
    for column in table.columns.get(key, []):
        cell = table.grid.cell(r, column.col)
        if cell is None:
            continue
        if ctx.lex.is_blank(cell.text) or ctx.lex.is_none(cell.text):
            stated.setdefault(key, ctx.src(table.grid, cell))
            continue
        yield column, cell


def row_text(ctx: Context, table: Table, r: int, key: str, stated: dict[str, Source]) -> Text | None:
    """A text cell of the row (see ``_filled_cells`` for an explicit none)."""
    for _, cell in _filled_cells(ctx, table, r, key, stated):
        stated.pop(key, None)
        return Text(value=cell.text, source=ctx.src(table.grid, cell))
    return None


def row_money(ctx: Context, table: Table, r: int, key: str, stated: dict[str, Source]) -> Money | None:
    for column, cell in _filled_cells(ctx, table, r, key, stated):
        unit = column.unit if column.unit is not None else ctx.table_unit(table.grid)
        amount = try_amount(cell.text, unit)
        if amount is None:
            ctx.warnings.append(f"{ctx.where(table.grid, cell)}：无法识别金额「{cell.text}」")
            return None
        stated.pop(key, None)
        return Money.of(amount, ctx.src(table.grid, cell))
    return None


def _date(ctx: Context, table: Table, r: int, key: str, end: bool) -> DateValue | None:
    for column in table.columns.get(key, []):
        cell = table.grid.cell(r, column.col)
        found = read_date(cell.text, end_of_month=end, allow_year=True) if cell is not None else None
        if cell is not None and found is not None:
            return DateValue(value=found.value, precision=found.precision, source=ctx.src(table.grid, cell))
    return None


def _period(ctx: Context, table: Table, r: int) -> tuple[DateValue | None, DateValue | None]:
    start, end = _date(ctx, table, r, "start", False), _date(ctx, table, r, "end", True)
    for column in table.columns.get("period", []):
        cell = table.grid.cell(r, column.col)
        if cell is None or (start and end):
            continue
        first, last = parse_period(cell.text)
        src = ctx.src(table.grid, cell)
        if first and start is None:
            found = read_date(cell.text)
            start = DateValue(value=first, precision=found.precision if found else "day", source=src)
        if last and end is None:
            end = DateValue(value=last, source=src, precision="day" if _has_day_end(cell.text) else "month")
    return start, end


def _has_day_end(text: str) -> bool:
    return len(_DAYS.findall(text)) >= 2


def record(model: type[M], data: Mapping[str, object], stated: dict[str, Source]) -> M:
    """``model.model_validate(data)`` with the explicit nones, where the record has a place for them."""
    if stated and "stated_none" in model.model_fields:
        data = {**data, "stated_none": stated}
    return model.model_validate(data)  # the fields found are known only at run time: validated by pydantic


# --- projects and software ------------------------------------------------------------------------


def _named_rows(ctx: Context, tables: list[Table]) -> Iterator[tuple[Table, int, Text, dict[str, Source]]]:
    """The body rows that name an item (not a 合计 row, not a label), with a fresh ``stated`` for its nones."""
    for table in tables:
        for r in table.body:
            name = row_text(ctx, table, r, "name", {})
            if name is not None and not ctx.lex.is_total(name.value) and not ctx.lex.is_label(name.value):
                yield table, r, name, {}


def projects(ctx: Context, tables: list[Table]) -> list[Project]:
    out: list[Project] = []
    for table, r, name, stated in _named_rows(ctx, tables):
        start, end = _period(ctx, table, r)
        data = {"name": name, "client": row_text(ctx, table, r, "client", stated),
                "amount": row_money(ctx, table, r, "amount", stated), "start": start, "end": end,
                "tool": row_text(ctx, table, r, "tool", stated)}
        stated = {k: v for k, v in stated.items() if k in ("client", "amount", "tool")}
        out.append(record(Project, data, stated))
    return out


def software(ctx: Context, tables: list[Table]) -> list[SoftwareCopyright]:
    out: list[SoftwareCopyright] = []
    for table, r, name, stated in _named_rows(ctx, tables):
        data = {"name": name, "number": row_text(ctx, table, r, "number", stated),
                "holder": row_text(ctx, table, r, "holder", stated)}
        out.append(record(SoftwareCopyright, data, stated))
    return out
