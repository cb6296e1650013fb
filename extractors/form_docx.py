"""申报表 (.docx) → FormRecord, from labelled table cells whatever the layout.

A label's value is the next distinct cell to its right, or the cell below it when the right
neighbour is another label (labels above values). Tables with a header row (projects, key
persons, software copyrights, declared revenue by year) are read by their column names. All
label synonyms come from the rules file.
"""

from __future__ import annotations

from decimal import Decimal

import docx

from extractors.base import Extraction
from extractors.docx_grid import Grid, GridCell, caption_unit, grids
from extractors.form_tables import declared_years, key_persons, projects, software
from extractors.text import contains_any, match, norm
from extractors.values import parse_count, parse_date, parse_ratio, try_amount
from pipeline.errors import DocumentError
from pipeline.model import DocumentKind, Source
from pipeline.packet import PacketFile
from pipeline.records import Count, DateValue, Flag, FormRecord, Money, Ratio, Text
from pipeline.rules import Rules

_MONEY = {"registered_capital", "paid_in_capital"}
_DATES = {"founded_date", "om_start_date", "si_cert_valid_until", "fill_date"}
_COUNTS = {"declared_staff_count", "declared_college_count"}
_NONE_WORDS = {"无", "-", "—", "/", "不适用"}


def _value_cell(grid: Grid, cell: GridCell, rules: Rules) -> GridCell | None:
    fields = rules.labels.form_fields
    for right in grid.rows[cell.row][cell.col + 1:]:
        if right.key == cell.key:
            continue
        if match(right.text, fields, rules)[0] is None:
            return right if right.text else None
        break
    below = grid.cell(cell.row + 1, cell.col)
    if below is not None and below.text and match(below.text, fields, rules)[0] is None:
        return below
    return None


def _convert(key: str, text: str, unit: Decimal | None, source: Source,
             warnings: list[str]) -> Money | DateValue | Count | Ratio | Flag | Text | None:
    if key in _MONEY:
        amount = try_amount(text, unit)
        if amount is None:
            warnings.append(f"{source.cell}：无法识别金额「{text}」")
            return None
        return Money.of(amount, source)
    if key in _DATES:
        date = parse_date(text)
        if date is None:
            warnings.append(f"{source.cell}：无法识别日期「{text}」")
            return None
        return DateValue(value=date, source=source)
    if key in _COUNTS:
        n = parse_count(text)
        return Count(value=n, source=source) if n is not None else None
    if key == "declared_college_ratio":
        r = parse_ratio(text)
        return Ratio(value=r, source=source) if r is not None else None
    if key == "relaxation_requested":
        flag = norm(text)
        return Flag(value=flag.startswith("是"), source=source) if flag[:1] in {"是", "否"} else None
    if norm(text) in _NONE_WORDS:
        return None
    return Text(value=text, source=source)


def _fields(pf: PacketFile, tables: list[Grid], rules: Rules, warnings: list[str]) -> dict[str, object]:
    found: dict[str, object] = {}
    for grid in tables:
        default_unit = caption_unit(grid)
        for row in grid.rows:
            for cell in row:
                key, unit = match(cell.text, rules.labels.form_fields, rules)
                if key is None or key in found:
                    continue
                value_cell = _value_cell(grid, cell, rules)
                if value_cell is None:
                    continue
                source = Source(file=pf.rel, sha256=pf.sha256, table=grid.index, cell=value_cell.address,
                                text=f"{cell.text} {value_cell.text}")
                value = _convert(key, value_cell.text, unit or default_unit, source, warnings)
                if value is not None:
                    found[key] = value
    return found


def is_application_form(paragraphs: list[str], tables: list[Grid], rules: Rules) -> bool:
    text = "\n".join(paragraphs[:10])
    has_title = "申报表" in text and contains_any(text, ["运维", "运行维护"])
    has_name = any(match(c.text, {"n": rules.labels.form_fields["company_name"]}, rules)[0]
                   for g in tables for row in g.rows for c in row)
    return has_title and has_name


def extract(pf: PacketFile, rules: Rules) -> Extraction:
    try:
        doc = docx.Document(str(pf.path))
    except Exception as exc:  # python-docx raises many types for a damaged package
        raise DocumentError(f"not a readable .docx document ({type(exc).__name__})") from exc
    tables, paragraphs = grids(doc)
    if not is_application_form(paragraphs, tables, rules):
        return Extraction()
    warnings: list[str] = []
    fields = _fields(pf, tables, rules, warnings)
    record = FormRecord.model_validate({  # the fields found are known only at run time: validated by pydantic
        **fields,
        "declared_years": declared_years(pf, tables, rules, warnings),
        "projects": projects(pf, tables, rules, warnings),
        "key_persons": key_persons(pf, tables, rules),
        "software": software(pf, tables, rules),
        "warnings": warnings,
    })
    return Extraction(kind=DocumentKind.APPLICATION_FORM, record=record)
