"""申报表 (.docx) → FormRecord, whatever the layout.

The document is read as grids (merged and nested cells resolved, ``office.docx_grid``) and paragraphs. The
header-row tables are found first and read by their columns: declared revenue by year
(``office.form_years``), projects and software copyrights (``office.form_tables``), key persons
(``office.form_persons``). Every other label is paired with its value by position (``office.form_pairs``): right
of it, below it, after its colon, in a table or a paragraph. What a cell means comes from the rules'
vocabularies (``office.form_labels``): a cell that reads as a label is never a value, so a label whose value
cell is empty, or holds another label, is not found (never read from that label).

A value is read by its field's kind (money with the unit written in the cell, the label, the table's
caption or notes, else the document's; a date in any common notation with its precision; a count; a
ratio; 是/否; an identifier, which must look like one). An explicit "none" (无, —, 否) is recorded as
such where the record has a place for it. A label tied between two fields is a warning, never a guess.

``extract`` is the reader of every .docx: a document that is not a 申报表 may be a 人员名册 written as a Word
table (``office.roster.from_tables``); otherwise it is of no kind here (the registry tells attachments apart).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal

import docx

from omreview.errors import DocumentError
from omreview.extractors.contract import Extraction
from omreview.extractors.labels import split_label
from omreview.extractors.office import roster
from omreview.extractors.office.docx_grid import Grid, margin_texts, read_document, stated_unit
from omreview.extractors.office.form_labels import lexicon
from omreview.extractors.office.form_pairs import Pair, grid_pairs, paragraph_pairs
from omreview.extractors.office.form_persons import key_persons, person_tables
from omreview.extractors.office.form_tables import Context, find_tables, projects, record, software
from omreview.extractors.office.form_years import declared_years, read_tables
from omreview.extractors.values import parse_count, parse_ratio, parse_yes_no, read_date, try_amount
from omreview.model import DocumentKind, Source
from omreview.packet import PacketFile
from omreview.records import Count, DateValue, Flag, FormRecord, Money, Ratio, Text
from omreview.rules import Rules
from omreview.text import contains_any

_MONEY = {"registered_capital", "paid_in_capital"}
_DATES = {"founded_date", "om_start_date", "si_cert_valid_until", "fill_date"}
_COUNTS = {"declared_staff_count", "declared_college_count"}
_IDS = {"credit_code": re.compile(r"[0-9A-Z]{18}"), "registration_number": re.compile(r"\d{15}"),
        "org_code": re.compile(r"[0-9A-Z]{8}-?[0-9X]")}
_ID_CHARS = re.compile(r"[0-9A-Z\-]{6,20}")

Value = Money | DateValue | Count | Ratio | Flag | Text


def _compact(text: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text)).upper()


def _identifier(key: str, text: str) -> str | None:
    """The field an identifier belongs to by its shape (a 15-digit 注册号 under 注册号/统一社会信用代码 is
    a registration number), or None when the text is no identifier at all."""
    compact = _compact(text)
    for field, shape in _IDS.items():
        if shape.fullmatch(compact):
            return field
    return key if _ID_CHARS.fullmatch(compact) else None


def _convert(key: str, pair: Pair, unit: Decimal | None, source: Source, where: str,
             warnings: list[str]) -> tuple[str, Value] | None:
    text = pair.value
    if key in _MONEY:
        amount = try_amount(text, unit)
        if amount is None:
            if re.search(r"\d|[壹贰叁肆伍陆柒捌玖拾佰仟万亿]", text):
                warnings.append(f"{where}：无法识别金额「{text}」")
            return None
        return key, Money.of(amount, source)
    if key in _DATES:
        date = read_date(text, end_of_month=key == "si_cert_valid_until", allow_year=True)
        if date is None:
            if re.search(r"\d|[〇一二三四五六七八九十]", text):
                warnings.append(f"{where}：无法识别日期「{text}」")
            return None
        return key, DateValue(value=date.value, precision=date.precision, source=source)
    if key in _COUNTS:
        n = parse_count(text)
        return (key, Count(value=n, source=source)) if n is not None else None
    if key == "declared_college_ratio":
        r = parse_ratio(text)
        return (key, Ratio(value=r, source=source)) if r is not None else None
    if key == "relaxation_requested":
        chosen = parse_yes_no(text)
        if chosen is None and re.search(r"[是否]", text):
            warnings.append(f"{where}：无法判断是否申请放宽条件「{text}」")
            return "relaxation_unclear", Text(value=text, source=source)
        return (key, Flag(value=chosen, source=source)) if chosen is not None else None
    if key in _IDS:
        field = _identifier(key, text)
        if field is None:
            warnings.append(f"{where}：「{text}」不是代码或注册号")
            return None
        return field, Text(value=_compact(text), source=source)
    return key, Text(value=text, source=source)


def _facts(ctx: Context, pairs: list[Pair]) -> tuple[dict[str, Value], dict[str, Source]]:
    found: dict[str, Value] = {}
    stated: dict[str, Source] = {}
    for pair in pairs:
        reading = pair.reading
        where, source = _place(ctx, pair)
        if reading.key is None and any(a.startswith("form_fields.") for a in reading.ambiguous) and pair.value:
            fields = "、".join(a.split(".", 1)[1] for a in reading.ambiguous)
            ctx.warnings.append(f"{where}：标签「{pair.label}」可指多个字段（{fields}），未读取「{pair.value}」")
            continue
        if reading.group != "form_fields" or reading.key is None or not pair.value:
            continue
        key = reading.key
        if pair.several:
            ctx.warnings.append(f"{where}：「{pair.label}」一行有多个值，未读取")
            continue
        if ctx.lex.is_none(pair.value) and key != "relaxation_requested":
            if key not in found:
                stated.setdefault(key, source)
            continue
        unit = reading.unit
        if unit is None and pair.grid is not None:
            unit = _column_unit(pair, ctx.lex.rules) or ctx.table_unit(pair.grid)
        if unit is None:
            unit = ctx.paragraph_unit(pair.paragraph) if pair.grid is None else ctx.doc_unit
        converted = _convert(key, pair, unit, source, where, ctx.warnings)
        if converted is not None and converted[0] not in found:
            found[converted[0]] = converted[1]
            stated.pop(converted[0], None)
    return found, stated


def _column_unit(pair: Pair, rules: Rules) -> Decimal | None:
    """A unit written in the header just over the value's column (变动前数额（万元）)."""
    grid, cell = pair.grid, pair.value_cell
    if grid is None or cell is None or pair.label_cell is None:
        return None
    span = grid.span(cell)
    for r in range(span.top - 1, -1, -1):
        above = grid.cell(r, span.left)
        if above is None or above.key in (cell.key, pair.label_cell.key) or not above.text:
            continue
        label, unit = split_label(above.text, rules)
        return unit if unit is not None and not re.search(r"\d", label) else None
    return None


def _place(ctx: Context, pair: Pair) -> tuple[str, Source]:
    if pair.grid is not None:
        cell = pair.value_cell or pair.label_cell
        assert cell is not None
        inline = pair.value_cell is pair.label_cell  # 成立日期：2001年3月5日 in one cell
        return ctx.where(pair.grid, cell), ctx.src(pair.grid, cell, "" if inline else pair.label)
    source, where = ctx.paragraph_src(pair.paragraph, f"{pair.label}：{pair.value}")
    return where, source


def has_form_title(text: str, rules: Rules) -> bool:
    """Whether ``text`` (a document's first lines) holds a word of every group of ``labels.form_layout.title_words``."""
    return all(contains_any(text, words) for words in rules.labels.form_layout.title_words)


def is_application_form(paragraphs: list[str], tables: list[Grid], rules: Rules, margins: Sequence[str] = ()) -> bool:
    """Whether the document is a 申报表: a form's title in its first paragraphs, its first table's first row or
    ``margins`` (a page header, a text box: ``docx_grid.margin_texts``), and a cell or line naming the company."""
    title_rows = [c.text for g in tables[:1] for c in (g.distinct(0) if g.rows else [])]
    text = "\n".join([*paragraphs[:10], *title_rows, *margins])
    has_title = has_form_title(text, rules)
    lex = lexicon(rules)
    texts = [*(c.text for g in tables for row in g.rows for c in row), *paragraphs]
    has_name = any(lex.read(t).key == "company_name" or
                   any(lex.read(label).key == "company_name" for label, _ in lex.split_inline(t)[1]) for t in texts)
    return has_title and has_name


def read_form(pf: PacketFile, document: docx.document.Document, rules: Rules) -> FormRecord:
    """Everything the form says, whatever it is (the caller decides it is a 申报表)."""
    tables, paragraphs = read_document(document)
    return read_grids(pf, tables, paragraphs, rules)


def read_grids(pf: PacketFile, tables: list[Grid], paragraphs: list[str], rules: Rules,
               paragraph_pages: list[int] | None = None,
               paragraph_confidence: list[Decimal | None] | None = None) -> FormRecord:
    """Everything a form's grids and paragraphs say, wherever they were read (a .docx, a PDF's ruled tables and
    lines: ``paragraph_pages``, the page of each paragraph; a scan's: ``paragraph_confidence``, each one's lowest
    character confidence)."""
    lex = lexicon(rules)
    units: list[Decimal | None] = []
    for text in paragraphs:  # a unit stated in a paragraph holds for the paragraphs after it
        unit = stated_unit(text, rules)
        units.append(unit if unit is not None else (units[-1] if units else None))
    before_tables = tables[0].preceding if tables else len(paragraphs)
    ctx = Context(pf, lex, doc_unit=units[before_tables - 1] if before_tables else None, paragraph_units=units,
                  paragraph_pages=paragraph_pages or [], paragraph_confidence=paragraph_confidence or [])
    years = read_tables(ctx, tables)
    people, person_rows = person_tables(ctx, tables)
    project_tables = [t for g in tables for t in find_tables(g, lex, "project_columns", {"name", "amount"})]
    software_tables = [t for g in tables for t in find_tables(g, lex, "software_columns", {"name", "number"})]
    taken: dict[int, set[int]] = {}
    for rows in (years.rows, person_rows, *({t.grid.index: t.rows()} for t in project_tables + software_tables)):
        for index, found in rows.items():
            taken.setdefault(index, set()).update(found)
    pairs = [p for g in tables for p in grid_pairs(g, lex, taken.get(g.index))] + paragraph_pairs(paragraphs, lex)
    fields, stated = _facts(ctx, pairs)
    read_projects = projects(ctx, project_tables)
    read_software = software(ctx, software_tables)
    for name, tables_found, items in (("projects", project_tables, read_projects),
                                      ("software", software_tables, read_software)):
        if tables_found and not items:
            first = tables_found[0]
            stated[name] = ctx.src(first.grid, first.grid.rows[first.head][0]).model_copy(
                update={"text": "表中未填任何一行"})
    years_read, years_none = declared_years(ctx, years, pairs)
    stated.update(years_none)
    data: dict[str, object] = {
        **fields,
        "declared_years": years_read,
        "projects": read_projects,
        "key_persons": key_persons(ctx, people, pairs),
        "software": read_software,
        "warnings": ctx.warnings,
    }
    if "table_count" in FormRecord.model_fields:
        data["table_count"] = len(tables)
    return record(FormRecord, data, stated)


def extract(pf: PacketFile, rules: Rules) -> Extraction:
    try:
        document = docx.Document(str(pf.path))
    except Exception as exc:  # python-docx raises many types for a damaged package
        raise DocumentError(f"not a readable .docx document ({type(exc).__name__})") from exc
    tables, paragraphs = read_document(document)
    if is_application_form(paragraphs, tables, rules, margin_texts(document)):
        return Extraction(kind=DocumentKind.APPLICATION_FORM, record=read_grids(pf, tables, paragraphs, rules))
    return roster.from_tables(pf, tables, rules) or Extraction()  # a 人员名册 written in Word
