"""Labels paired with their values by position, in any table and in paragraphs.

For a label cell the value is, in this order:

- the text after its colon in the same cell (``成立日期：2001年3月5日``);
- the next distinct cell to its right, when that cell is no label (``label | value``, one to three
  pairs per row, merged cells counted once);
- the cell below it when its own row holds only labels (a header row over a value row), provided that
  cell starts under the label and does not reach under the next label;
- for a label merged down several rows beside sub-labels (实收资本 | 国家资本 … 合计), the value of
  the sub-label that is a total.

A value cell that is itself a label, or holds only a label (``| 企业状态：``), means the label has no
value: the pair is kept with an empty value, never with the label's text. An unfilled template
(``{{name}}``, ``____``, ``年 月 日``) is empty too. A label whose row carries several values for it (a
table row: 变动前 | 变动后) is marked ``several``: whoever reads it must not pick one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from omreview.extractors.office.docx_grid import Grid, GridCell
from omreview.extractors.office.form_labels import Lexicon, Reading

_SEPARATORS = " \t\n|｜/／,，;；:：、"


@dataclass(frozen=True)
class Pair:
    label: str  # the label as written (for a group total: 实收资本 合计)
    reading: Reading
    value: str  # "" when the label has no value
    grid: Grid | None = None  # None for a paragraph
    label_cell: GridCell | None = None
    value_cell: GridCell | None = None
    paragraph: int | None = None
    several: bool = False


Kind = Literal["value", "empty", "label"]


def _value(lex: Lexicon, label: Reading, text: str) -> tuple[Kind, str]:
    """What a neighbouring cell is for this label: a value (and its text), empty, or a label."""
    if lex.is_blank(text):
        return "empty", ""
    lead, inline = lex.split_inline(text)
    if inline:
        text = lead.strip(_SEPARATORS)
        if not text:
            return "label", ""
    found = lex.read(text)
    if found.is_label:
        same = not found.exact and (found.group, found.key) == (label.group, label.key)
        person = label.group == "key_person_columns" and label.key in ("role", "post") and lex.role_of(text)
        if not (same or person):
            return "label", ""
    return "value", text


def _is_label_row(grid: Grid, lex: Lexicon, r: int) -> bool:
    cells = [c for c in grid.distinct(r) if not lex.is_blank(c.text)]
    return bool(cells) and all(lex.is_label(c.text) or lex.split_inline(c.text)[1] for c in cells)


def _right(grid: Grid, cell: GridCell) -> GridCell | None:
    s = grid.span(cell)
    right = grid.cell(s.top, s.right + 1)
    return right if right is not None and grid.span(right).top == s.top else None


def _below(grid: Grid, lex: Lexicon, cell: GridCell) -> GridCell | None:
    s = grid.span(cell)
    below = grid.cell(s.bottom + 1, s.left)
    if below is None:
        return None
    b = grid.span(below)
    if not s.left <= b.left <= s.right:
        return None
    nxt = next((c for c in grid.rows[s.top][s.right + 1:] if grid.span(c).left > s.right
                and lex.is_label(c.text)), None)
    return None if nxt is not None and b.right >= nxt.col else below


def _several(grid: Grid, lex: Lexicon, value: GridCell) -> bool:
    after = _right(grid, value)
    return (after is not None and not lex.is_blank(after.text) and not lex.is_none(after.text)
            and not lex.is_label(after.text)
            and not lex.split_inline(after.text)[1] and lex.read(after.text).group is None
            and after.text.strip() not in lex.rules.amounts.units)


def _group_total(grid: Grid, lex: Lexicon, cell: GridCell, reading: Reading) -> Pair:
    s = grid.span(cell)
    for r in range(s.top, s.bottom + 1):
        sub = grid.cell(r, s.right + 1)
        if sub is None or not lex.is_total(sub.text):
            continue
        value = _right(grid, grid.origin(sub))
        if value is not None:
            kind, text = _value(lex, reading, value.text)
            if kind == "value":
                return Pair(f"{cell.text} {sub.text}", reading, text, grid, cell, grid.origin(value))
    return Pair(cell.text, reading, "", grid, cell)


def _neighbour(grid: Grid, lex: Lexicon, cell: GridCell, label: str, reading: Reading) -> Pair:
    s = grid.span(cell)
    right = _right(grid, cell)
    if right is not None:
        rs = grid.span(right)
        if rs.bottom < s.bottom and not lex.is_blank(right.text):
            return _group_total(grid, lex, cell, reading)
        kind, text = _value(lex, reading, right.text)
        if kind == "value":
            return Pair(label, reading, text, grid, cell, right, several=_several(grid, lex, right))
        if kind == "empty" and not _is_label_row(grid, lex, s.top):
            return Pair(label, reading, "", grid, cell, right)
    if _is_label_row(grid, lex, s.top):
        below = _below(grid, lex, cell)
        if below is not None:
            kind, text = _value(lex, reading, below.text)
            if kind == "value":
                return Pair(label, reading, text, grid, cell, below)
    return Pair(label, reading, "", grid, cell)


def grid_pairs(grid: Grid, lex: Lexicon, skip: set[int] | None = None) -> list[Pair]:
    """Every label of the grid with its value (empty when it has none), in reading order; rows in
    ``skip`` (those of header-row tables, read by their columns) are left out."""
    out: list[Pair] = []
    for r, row in enumerate(grid.rows):
        if skip and r in skip:
            continue
        for cell in row:
            if not grid.is_origin(cell) or lex.is_blank(cell.text):
                continue
            lead, inline = lex.split_inline(cell.text)
            if inline and not lead.strip(_SEPARATORS):
                for label, text in inline[:-1]:
                    out.append(Pair(label, lex.read(label), _clean(lex, text), grid, cell, cell))
                label, text = inline[-1]
                if _clean(lex, text):
                    out.append(Pair(label, lex.read(label), _clean(lex, text), grid, cell, cell))
                else:
                    out.append(_neighbour(grid, lex, cell, label, lex.read(label)))
            elif lex.is_label(cell.text):
                out.append(_neighbour(grid, lex, cell, cell.text, lex.read(cell.text)))
    return out


def paragraph_pairs(paragraphs: list[str], lex: Lexicon) -> list[Pair]:
    """``label：value`` runs in body paragraphs (成立日期：2001年3月5日    注册资本：500万元)."""
    out: list[Pair] = []
    for i, text in enumerate(paragraphs):
        for label, value in lex.split_inline(text)[1]:
            out.append(Pair(label, lex.read(label), _clean(lex, value), paragraph=i))
    return out


def _clean(lex: Lexicon, text: str) -> str:
    text = text.strip(_SEPARATORS)
    return "" if lex.is_blank(text) else text
