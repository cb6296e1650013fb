"""The notes' revenue breakdown by business line (营业收入按业务类别) and its O&M line(s).

The note is a heading that names both a subject (营业收入) and a breakdown (按业务类别, 分行业 …), found
after the statements in the text pass; its table is read like a statement (``pdf_tables``), each row
with an amount in the current column is a business line, up to the 合计 row. Lines whose name holds
one of the rules' ``om_revenue_lines`` are O&M; their current amounts are summed into ``om_revenue``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from extractors.pdf_pages import BBox, Line
from extractors.pdf_tables import CURRENT, Vocabulary, label_key, read_section
from extractors.text import contains_any, norm
from pipeline.amounts import parse_amount
from pipeline.model import Source
from pipeline.records import Money, RevenueLine
from pipeline.rules import Rules

MakeSource = Callable[[int, BBox | None, str], Source]

_TITLE_MAX = 40
_HEADING = re.compile(r"^\s*(?:\d+[.、．]|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、)")


def _is_title(text: str, rules: Rules) -> bool:
    cfg = rules.labels.statement_pdf
    squeezed = "".join(text.split())
    if len(squeezed) > 2 * _TITLE_MAX or not any(w in squeezed for w in cfg.revenue_note_subject):
        return False
    s = norm(text)
    return (
        len(s) <= _TITLE_MAX
        and contains_any(s, cfg.revenue_note_subject)
        and contains_any(s, cfg.revenue_note_breakdown)
    )


def find_note(pages: list[list[str]], after: int, rules: Rules) -> tuple[int, int] | None:
    """(page index, line index) of the breakdown's heading on or after page index ``after``."""
    for p in range(after, len(pages)):
        for i, text in enumerate(pages[p]):
            if _is_title(text, rules):
                return p, i
    return None


def note_pages(pages: list[list[str]], at: tuple[int, int], rules: Rules) -> list[int]:
    """The 1-based pages of the breakdown: its heading's page, and the next one unless the 合计 row is already there."""
    totals = tuple(label_key(w) for w in rules.labels.statement_pdf.total_rows)
    page = at[0]
    if any(label_key(text).startswith(totals) for text in pages[page][at[1] + 1 :]) or page + 1 >= len(pages):
        return [page + 1]
    return [page + 1, page + 2]


def read_note(
    lines: dict[int, list[Line]],
    at: tuple[int, int],
    vocab: Vocabulary,
    rules: Rules,
    unit: Decimal | None,
    make_source: MakeSource,
) -> tuple[list[RevenueLine], Money | None, list[str]]:
    """The business lines, the O&M sum (``None`` without an O&M line) and warnings."""
    page = at[0] + 1
    body: list[Line] = []
    started = False
    for p in (page, page + 1):
        for line in lines.get(p, []):
            if not started:
                started = p == page and _is_title(line.text, rules)
                continue
            body.append(line)
    if not started:
        return [], None, [f"p{page}: the revenue breakdown's heading was not found with positions"]
    section = read_section(body, vocab, rules)
    if section.header is None:
        return [], None, [f"p{page}: the revenue breakdown has no column header"]
    if section.unit is not None:
        unit_note = None
    else:
        unit_note = "the revenue breakdown states no unit; the income statement's unit is used"
    totals = {label_key(w) for w in rules.labels.statement_pdf.total_rows}
    out: list[RevenueLine] = []
    pending = ""
    for item in section.panes[0] if section.panes else []:
        if not item.values:
            if out and _HEADING.match(item.label):
                break
            pending = item.label
            continue
        label = item.label or pending
        pending = ""
        if label_key(label) in totals:
            break
        cell = item.values.get(CURRENT)
        if cell is None or not label:
            continue
        amount = cell.amount if section.unit is not None or unit is None else parse_amount(cell.text, unit, rules)
        src = make_source(cell.page, cell.bbox, f"{label} {cell.text}")
        out.append(
            RevenueLine(
                name=label, amount=Money.of(amount, src), is_om=contains_any(label, rules.labels.om_revenue_lines)
            )
        )
    warnings = [unit_note] if unit_note and out else []
    om_lines = [r for r in out if r.is_om]
    if out and not om_lines:
        warnings.append("the revenue breakdown has no O&M line (运维 / 运行维护)")
    return out, _sum(om_lines, make_source), warnings


def _sum(lines: list[RevenueLine], make_source: MakeSource) -> Money | None:
    if not lines:
        return None
    if len(lines) == 1:
        return lines[0].amount
    first = lines[0].amount.source
    same_page = [r.amount.source for r in lines if r.amount.source.page == first.page and r.amount.source.bbox]
    boxes = [s.bbox for s in same_page if s.bbox]
    box = (
        (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        if boxes
        else None
    )
    text = "; ".join(r.amount.source.text or r.name for r in lines)
    source = make_source(first.page or 1, box, text)
    read = [c for c in (source.confidence, *(r.amount.source.confidence for r in lines)) if c is not None]
    if read:  # read by OCR: a sum is as sure as its least sure part (the lines may lie on several pages)
        source = source.model_copy(update={"confidence": min(read)})
    return Money(
        value=sum((r.amount.value for r in lines), Decimal(0)),
        precision=max(r.amount.precision for r in lines),
        source=source,
    )
