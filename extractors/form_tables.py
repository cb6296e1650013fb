"""The header-row tables of the 申报表: declared revenue by year, projects, key persons, software."""

from __future__ import annotations

from decimal import Decimal

from extractors.docx_grid import Grid, GridCell, caption_unit
from extractors.text import match
from extractors.values import find_year, parse_count, parse_date, parse_period, try_amount
from pipeline.model import Source
from pipeline.packet import PacketFile
from pipeline.records import (
    Count,
    DateValue,
    DeclaredYear,
    KeyPerson,
    KeyRole,
    Money,
    Project,
    SoftwareCopyright,
    Text,
)
from pipeline.rules import Rules

_EMPTY = {"", "无", "-", "—", "/"}
Columns = dict[str, list[tuple[int, Decimal | None]]]  # field key -> [(column, unit stated in the header)]


def _src(pf: PacketFile, grid: Grid, cell: GridCell, label: str = "") -> Source:
    text = f"{label} {cell.text}".strip()
    return Source(file=pf.rel, sha256=pf.sha256, table=grid.index, cell=cell.address, text=text)


def _header(grid: Grid, synonyms: dict[str, list[str]], rules: Rules, required: set[str]) -> tuple[int, Columns] | None:
    """(row index, {key: [(col, unit)]}) of the first row naming all ``required`` columns."""
    for r in range(min(len(grid.rows), 4)):
        columns: Columns = {}
        for cell in grid.distinct(r):
            key, unit = match(cell.text, synonyms, rules)
            if key:
                columns.setdefault(key, []).append((cell.col, unit))
        if required <= set(columns):
            return r, columns
    return None


def _text(pf: PacketFile, grid: Grid, r: int, columns: Columns, key: str) -> Text | None:
    for col, _ in columns.get(key, []):
        cell = grid.cell(r, col)
        if cell is not None and cell.text not in _EMPTY:
            return Text(value=cell.text, source=_src(pf, grid, cell))
    return None


# --- declared revenue ---------------------------------------------------------------------------


def declared_years(pf: PacketFile, tables: list[Grid], rules: Rules, warnings: list[str]) -> list[DeclaredYear]:
    """营业收入 and 运维收入 per year, with years as columns or as rows."""
    synonyms = rules.labels.declared_revenue
    out: dict[int, dict[str, Money]] = {}
    for grid in tables:
        default_unit = caption_unit(grid)
        header = grid.distinct(0) if grid.rows else []
        year_cols = {c.col: y for c in header if (y := find_year(c.text))}
        if len(year_cols) >= 2:  # years as columns; labels down the first column
            for r in range(1, len(grid.rows)):
                label_cell = grid.rows[r][0]
                key, unit = match(label_cell.text, synonyms, rules)
                if key:
                    for col, year in year_cols.items():
                        _put(out, year, key, grid.cell(r, col), unit or default_unit, pf, grid,
                             f"{label_cell.text} {year}", warnings)
            continue
        label_cols: dict[int, tuple[str, Decimal | None]] = {}
        for c in header:
            label, label_unit = match(c.text, synonyms, rules)
            if label:
                label_cols[c.col] = (label, label_unit)
        if not label_cols:
            continue
        for r in range(1, len(grid.rows)):  # years as rows
            row_year = find_year(grid.rows[r][0].text)
            if row_year is None:
                continue
            for col, (key, unit) in label_cols.items():
                _put(out, row_year, key, grid.cell(r, col), unit or default_unit, pf, grid,
                     f"{row_year} {grid.rows[0][col].text}", warnings)
    return [DeclaredYear(year=y, **values) for y, values in sorted(out.items())]


def _put(out: dict[int, dict[str, Money]], year: int, key: str, cell: GridCell | None, unit: Decimal | None,
         pf: PacketFile, grid: Grid, label: str, warnings: list[str]) -> None:
    if cell is None or cell.text in _EMPTY:
        return
    amount = try_amount(cell.text, unit)
    if amount is None:
        warnings.append(f"表{grid.index} {cell.address}：无法识别金额「{cell.text}」")
        return
    out.setdefault(year, {}).setdefault(key, Money.of(amount, _src(pf, grid, cell, label)))


# --- projects -----------------------------------------------------------------------------------


def projects(pf: PacketFile, tables: list[Grid], rules: Rules, warnings: list[str]) -> list[Project]:
    out: list[Project] = []
    for grid in tables:
        found = _header(grid, rules.labels.project_columns, rules, {"name", "amount"})
        if not found:
            continue
        head, columns = found
        default_unit = caption_unit(grid)
        for r in range(head + 1, len(grid.rows)):
            name = _text(pf, grid, r, columns, "name")
            if name is None:
                continue
            amount = None
            col, unit = columns["amount"][0]
            cell = grid.cell(r, col)
            if cell is not None and cell.text not in _EMPTY:
                parsed = try_amount(cell.text, unit or default_unit)
                if parsed is None:
                    warnings.append(f"表{grid.index} {cell.address}：无法识别合同金额「{cell.text}」")
                else:
                    amount = Money.of(parsed, _src(pf, grid, cell))
            start, end = _period(pf, grid, r, columns)
            out.append(Project(name=name, client=_text(pf, grid, r, columns, "client"), amount=amount,
                               start=start, end=end, tool=_text(pf, grid, r, columns, "tool")))
    return out


def _period(pf: PacketFile, grid: Grid, r: int, columns: Columns) -> tuple[DateValue | None, DateValue | None]:
    if "period" in columns:
        cell = grid.cell(r, columns["period"][0][0])
        if cell is not None:
            start, end = parse_period(cell.text)
            src = _src(pf, grid, cell)
            return (DateValue(value=start, source=src) if start else None,
                    DateValue(value=end, source=src) if end else None)
    dates = []
    for key, end_of_month in (("start", False), ("end", True)):
        cell = grid.cell(r, columns[key][0][0]) if key in columns else None
        value = parse_date(cell.text, end_of_month=end_of_month) if cell is not None else None
        dates.append(DateValue(value=value, source=_src(pf, grid, cell)) if cell is not None and value else None)
    return dates[0], dates[1]


# --- key persons --------------------------------------------------------------------------------

_PERSON_TEXT = ("name", "post", "title", "specialty", "education")
_PERSON_YEARS = ("mgmt_years", "om_years", "other_years")


def key_persons(pf: PacketFile, tables: list[Grid], rules: Rules) -> list[KeyPerson]:
    """From a table with a role column, or from blocks headed by the role (主要负责人 …)."""
    roles = rules.labels.key_person_roles
    people: dict[KeyRole, dict[str, object]] = {}
    for grid in tables:
        found = _header(grid, rules.labels.key_person_columns, rules, {"role", "name"})
        if found:
            head, columns = found
            for r in range(head + 1, len(grid.rows)):
                role_cell = grid.cell(r, columns["role"][0][0])
                role = match(role_cell.text, roles, rules)[0] if role_cell else None
                if role:
                    people[KeyRole(role)] = _person_row(pf, grid, r, columns)
            continue
        current: KeyRole | None = None
        for r in range(len(grid.rows)):
            cells = grid.distinct(r)
            role = match(cells[0].text, roles, rules)[0] if len(cells) == 1 else None
            if role:
                current = KeyRole(role)
                people.setdefault(current, {})
            elif current is not None and len(cells) >= 2:
                key = match(cells[0].text, rules.labels.key_person_columns, rules)[0]
                if key:
                    people[current].update(_person_value(pf, grid, key, cells[1], cells[0].text))
    # the fields found are known only at run time: validated by pydantic
    return [KeyPerson.model_validate({"role": role, **values}) for role, values in people.items()]


def _person_row(pf: PacketFile, grid: Grid, r: int, columns: Columns) -> dict[str, object]:
    values: dict[str, object] = {}
    for key in (*_PERSON_TEXT, *_PERSON_YEARS):
        for col, _ in columns.get(key, []):
            cell = grid.cell(r, col)
            if cell is not None and cell.text not in _EMPTY:
                values.update(_person_value(pf, grid, key, cell, grid.rows[0][col].text))
                break
    return values


def _person_value(pf: PacketFile, grid: Grid, key: str, cell: GridCell, label: str) -> dict[str, object]:
    if cell.text in _EMPTY or key == "role":
        return {}
    if key in _PERSON_YEARS:
        n = parse_count(cell.text)
        return {key: Count(value=n, source=_src(pf, grid, cell, label))} if n is not None else {}
    return {key: Text(value=cell.text, source=_src(pf, grid, cell, label))}


# --- software copyrights ------------------------------------------------------------------------


def software(pf: PacketFile, tables: list[Grid], rules: Rules) -> list[SoftwareCopyright]:
    out: list[SoftwareCopyright] = []
    for grid in tables:
        found = _header(grid, rules.labels.software_columns, rules, {"name", "number"})
        if not found:
            continue
        head, columns = found
        for r in range(head + 1, len(grid.rows)):
            name = _text(pf, grid, r, columns, "name")
            if name is not None:
                out.append(SoftwareCopyright(name=name, number=_text(pf, grid, r, columns, "number"),
                                             holder=_text(pf, grid, r, columns, "holder")))
    return out
