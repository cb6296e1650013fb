"""Declared revenue by year: 营业收入, 运维收入 and the O&M share, from a yearly table in either
orientation or from labels that name a year (2011年营业收入：6404.37万元).

Years are read as ``2011``, ``2011年``, ``2011年度``, ``二〇一一年``, with a unit in brackets or not.
With years as columns, a row's field is named by the label left of the year columns or, in a two-row
header, by the cell above or below the year; with years as rows, each column's field is named above
the first year. The unit is the one written in the cell, else in the field's label or the year's
header, else the table's (caption, a 单位 cell, a note under it), else the document's. A share is a
percentage (78.5%, or 78.5 under a ``（%）`` header) or a decimal (0.785).

The written share is checked against O&M revenue / revenue: a warning when no value within the
precision of the three figures can make them agree. Two places that give the same year's figure
differently are a warning too; the first stands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from omreview.amounts import agree
from omreview.extractors.labels import split_label
from omreview.extractors.office.docx_grid import Grid, GridCell
from omreview.extractors.office.form_pairs import Pair
from omreview.extractors.office.form_tables import Context, is_header_row, is_section_row
from omreview.extractors.values import find_year, try_amount
from omreview.model import Source
from omreview.records import DeclaredYear, Money, Ratio

_NUMBER = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([%％]?)")


@dataclass(frozen=True)
class _Label:
    key: str
    unit: Decimal | None
    percent: bool
    text: str


class _Collect:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.values: dict[int, dict[str, Money | Ratio]] = {}
        self.rows: dict[int, set[int]] = {}  # grid index -> rows read (left out of the label pairing)
        self.precision: dict[tuple[int, str], Decimal] = {}
        self.none: dict[tuple[int, str], Source] = {}  # written as none (—, 无), or left empty in a filled table
        self._blanks: list[tuple[tuple[int, str], Source]] = []
        self._count = self._mark = 0

    def begin(self) -> None:
        self._blanks, self._mark = [], self._count

    def end(self) -> None:
        """An empty cell of a table that holds figures is the applicant's none; of a blank table, nothing."""
        if self._count > self._mark:
            for key, source in self._blanks:
                self.none.setdefault(key, source)
        self._blanks = []

    def put(self, year: int, label: _Label, text: str, units: list[Decimal | None], source: Source,
            where: str) -> bool:
        ctx = self.ctx
        if ctx.lex.is_none(text):
            self.none.setdefault((year, label.key), source)
            return False
        if ctx.lex.is_blank(text):
            self._blanks.append(((year, label.key), source))
            return False
        if label.key == "om_share":
            found = _ratio(text, label.percent)
            if found is None:
                ctx.warnings.append(f"{where}：无法识别比例「{text}」")
                return False
            value: Money | Ratio = Ratio(value=found[0], source=source)
            precision = found[1]
        else:
            unit = next((u for u in units if u is not None), None)
            amount = try_amount(text, unit)
            if amount is None:
                ctx.warnings.append(f"{where}：无法识别金额「{text}」")
                return False
            value, precision = Money.of(amount, source), amount.precision
        year_values = self.values.setdefault(year, {})
        old = year_values.get(label.key)
        self._count += 1
        if old is None:
            year_values[label.key] = value
            self.precision[(year, label.key)] = precision
        elif not _same(old, value, self.precision[(year, label.key)], precision):
            ctx.warnings.append(f"{where}：{year}年{label.text}「{text}」与{_place(old.source)}所填不一致")
        return True


def _same(a: Money | Ratio, b: Money | Ratio, pa: Decimal, pb: Decimal) -> bool:
    if isinstance(a, Money) and isinstance(b, Money):
        return agree(a.amount(), b.amount())
    return abs(a.value - b.value) <= max(pa, pb) / 2


def _place(source: Source) -> str:
    if source.table is None:
        return "正文"
    return f"表{source.table + 1} {source.cell}"


def _ratio(text: str, percent: bool) -> tuple[Decimal, Decimal] | None:
    """A share as written → (value in [0, 1], precision of the last written digit)."""
    m = _NUMBER.fullmatch(text.strip().replace(",", ""))
    if m is None:
        return None
    try:
        number = Decimal(m.group(1))
    except InvalidOperation:  # pragma: no cover - the pattern rules this out
        return None
    decimals = len(m.group(1).split(".")[1]) if "." in m.group(1) else 0
    scale = 100 if m.group(2) or (percent and number > 1) else 1
    precision = Decimal(1).scaleb(-decimals) / scale
    value = (number / scale).quantize(precision)
    return (value, precision) if 0 <= value <= 1 else None


def _label(ctx: Context, text: str) -> _Label | None:
    found = ctx.lex.column(text, "declared_revenue")
    if found is None:
        return None
    return _Label(found[0], found[1], "%" in text or "％" in text, text)


def _tied(ctx: Context, text: str, where: str) -> None:
    """A warning for a label two revenue fields claim (运维收入/营业收入): its figures are not read."""
    tied = [a.split(".", 1)[1] for a in ctx.lex.read(text).ambiguous if a.startswith("declared_revenue.")]
    message = f"{where}：标签「{text}」可指多个字段（{'、'.join(tied)}），未读取"
    if len(tied) > 1 and message not in ctx.warnings:
        ctx.warnings.append(message)


def _year(ctx: Context, cell: GridCell) -> tuple[int, Decimal | None] | None:
    text, unit = split_label(cell.text, ctx.lex.rules)
    year = find_year(text.strip())
    return (year, unit) if year else None


def _years_by_row(grid: Grid, ctx: Context) -> dict[int, dict[int, tuple[int, Decimal | None]]]:
    """Rows holding two or more year cells → {row: {grid column: (year, unit)}} (merged cells spread)."""
    out: dict[int, dict[int, tuple[int, Decimal | None]]] = {}
    for r in range(len(grid.rows)):
        found = {}
        for cell in grid.distinct(r):
            year = _year(ctx, cell) if grid.is_origin(cell) else None
            if year:
                s = grid.span(cell)
                found.update({c: year for c in range(s.left, s.right + 1)})
        if len({y for y, _ in found.values()}) >= 2:
            out[r] = found
    return out


def _years_as_columns(grid: Grid, ctx: Context, yr: int, years: dict[int, tuple[int, Decimal | None]],
                      collect: _Collect, stop: int) -> None:
    first = min(years)
    column_labels: dict[int, _Label] = {}
    for c in years:  # two-row headers: the field above or below the years
        for r in (yr - 1, yr + 1):
            cell = grid.cell(r, c)
            label = _label(ctx, cell.text) if cell is not None else None
            if label is not None:
                column_labels[c] = label
    used = {yr}
    for r in range(yr + 1, stop):
        if r > yr + 1 and (is_section_row(grid, ctx.lex, r) or is_header_row(grid, ctx.lex, r)):
            break
        row_label = None
        for cell in reversed(grid.rows[r][:first]):
            if not ctx.lex.is_blank(cell.text):
                row_label = _label(ctx, cell.text)
                if row_label is None:
                    _tied(ctx, cell.text, ctx.where(grid, cell))
                break
        if r == yr + 1 and row_label is None and any(_label(ctx, c.text) for c in grid.rows[r] if c.col in years):
            used.add(r)  # the fields under the years: the second row of the header
            continue
        for cell in grid.distinct(r):
            c = grid.span(cell).left
            if c not in years or not grid.is_origin(cell):
                continue
            label = row_label or column_labels.get(c)
            if label is None:
                continue
            year, year_unit = years[c]
            units = [label.unit, year_unit, ctx.table_unit(grid)]
            source = ctx.src(grid, cell, f"{label.text} {year}")
            if collect.put(year, label, cell.text, units, source, ctx.where(grid, cell)):
                used.add(r)
    if len(used) > 1:
        collect.rows.setdefault(grid.index, set()).update(used)


def _years_as_rows(grid: Grid, ctx: Context, collect: _Collect) -> None:
    by_col: dict[int, dict[int, tuple[int, Decimal | None]]] = {}
    for r in range(len(grid.rows)):
        for head in grid.distinct(r):
            found = _year(ctx, head) if grid.is_origin(head) else None
            if found:
                by_col.setdefault(grid.span(head).left, {})[r] = found
    for yc, rows in by_col.items():
        if len({y for y, _ in rows.values()}) < 2:
            continue
        first = min(rows)
        used: set[int] = set()
        for c in range(yc + 1, grid.width):
            label = None
            for r in range(first - 1, -1, -1):  # the field is named above the first year
                above = grid.cell(r, c)
                if above is not None and not ctx.lex.is_blank(above.text):
                    label = _label(ctx, above.text)
                    if label is None and grid.span(above).left == c:
                        _tied(ctx, above.text, ctx.where(grid, above))
                    if label is not None or grid.span(above).left == c:
                        break
            if label is None:
                continue
            for r, (year, year_unit) in rows.items():
                cell = grid.cell(r, c)
                if cell is None or grid.span(cell).left != c:
                    continue
                source = ctx.src(grid, cell, f"{year} {label.text}")
                if collect.put(year, label, cell.text, [label.unit, year_unit, ctx.table_unit(grid)], source,
                               ctx.where(grid, cell)):
                    used.update({r, first - 1})
        if used:
            collect.rows.setdefault(grid.index, set()).update(used)


def _from_pairs(ctx: Context, pairs: list[Pair], collect: _Collect) -> None:
    for pair in pairs:
        named = ctx.lex.year_label(pair.label)
        label = _label(ctx, named[1]) if named else None
        if named is not None and label is None and pair.value:
            _tied(ctx, pair.label, ctx.where(pair.grid, pair.value_cell) if pair.grid and pair.value_cell else "正文")
        if named is None or label is None or not pair.value:
            continue
        if pair.grid is not None and pair.value_cell is not None:
            source, where = ctx.src(pair.grid, pair.value_cell, pair.label), ctx.where(pair.grid, pair.value_cell)
            units = [label.unit, ctx.table_unit(pair.grid)]
        else:
            source, where = ctx.paragraph_src(pair.paragraph, f"{pair.label}：{pair.value}")
            units = [label.unit, ctx.paragraph_unit(pair.paragraph)]
        collect.put(named[0], label, pair.value, units, source, where)


def read_tables(ctx: Context, grids: list[Grid]) -> _Collect:
    """The yearly tables of every grid; ``rows`` says which rows they took."""
    collect = _Collect(ctx)
    for grid in grids:
        year_rows = _years_by_row(grid, ctx)
        heads = sorted(year_rows)
        for i, yr in enumerate(heads):
            stop = heads[i + 1] if i + 1 < len(heads) else len(grid.rows)
            collect.begin()
            _years_as_columns(grid, ctx, yr, year_rows[yr], collect, stop)
            collect.end()
        if not year_rows:
            collect.begin()
            _years_as_rows(grid, ctx, collect)
            collect.end()
    return collect


def declared_years(ctx: Context, collect: _Collect, pairs: list[Pair]) -> tuple[list[DeclaredYear],
                                                                                dict[str, Source]]:
    """The years read, and the amounts written as none (``declared_years.2009.om_revenue``)."""
    _from_pairs(ctx, pairs, collect)
    stated = {f"declared_years.{year}.{key}": source for (year, key), source in collect.none.items()
              if key in ("total_revenue", "om_revenue") and key not in collect.values.get(year, {})}
    out = []
    for year, values in sorted(collect.values.items()):
        out.append(DeclaredYear.model_validate({"year": year, **values}))
        _check_share(ctx, out[-1], collect)
    return out, stated


def _check_share(ctx: Context, year: DeclaredYear, collect: _Collect) -> None:
    """The written share against O&M revenue / revenue, each within its written precision."""
    share, om, total = year.om_share, year.om_revenue, year.total_revenue
    if share is None or om is None or total is None or total.value - total.precision / 2 <= 0:
        return
    half_share = collect.precision[(year.year, "om_share")] / 2
    low = (om.value - om.precision / 2) / (total.value + total.precision / 2)
    high = (om.value + om.precision / 2) / (total.value - total.precision / 2)
    if share.value + half_share < low or share.value - half_share > high:
        computed = (om.value / total.value * 100).quantize(Decimal("0.01"))
        ctx.warnings.append(f"{year.year}年运维收入占比填为{(share.value * 100).normalize():f}%，"
                            f"按运维收入/营业收入计为{computed}%，两者不一致")
