"""The notes' revenue note (营业收入 / 营业收入和营业成本 / 主营业务收入 …) and its breakdown by business line.

The note is found by its title, whatever its standard wording and number (``27、营业收入和营业成本``,
``（三十二）营业收入``, ``5.32 营业收入``, ``注释27.主营业务收入``, ``1. 营业收入按业务类别列示``): after its
number, a title starts with a subject (``revenue_note_subject``) and says nothing but a cost subject, a
breakdown word and a few plain words (``revenue_note_title_words``). The note runs to the next heading numbered
like its title, over at most ``revenue_note_pages`` pages.

Its tables are read with ``pdf.tables``: each column header (本期发生额/上期发生额, 本年数/上年数, years …) opens
a table; a two-level header (本期发生额 over 收入 | 成本, or 本期收入 | 本期成本 on one line) keeps the income column
of each period. A table is a breakdown when its caption says so (按业务类别, 分行业, 主营业务（分产品） …), or when
it has no such caption and its first column lists business lines; captions of other tables (分地区, 前五名客户 …)
are not. Rows are business lines unless they are 主营业务收入 / 其他业务收入, a total or a subtotal; a line
indented under a business line (or marked 其中：) is a part of it and not counted again; a label wrapped over two
lines (its amounts beside either, or between them) is put back together when its lines stand closer than rows do.

The cross-check: the business lines' current amounts must add up to the table's 合计 (when printed) and to the
income statement's 营业收入 of the same year, or to it less the note's 其他业务收入 (a breakdown of 主营业务收入).
A breakdown that adds up is taken; one that does not is not (a warning gives the figures): a line missed or
misread, or a column taken for another, shows there. Lines whose name holds one of the rules'
``om_revenue_lines`` are O&M; their current amounts are summed into ``om_revenue``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from omreview.amounts import Amount, parse_unit
from omreview.extractors.labels import BRACKETS
from omreview.extractors.pdf.pages import BBox, Line
from omreview.extractors.pdf.tables import (
    CURRENT,
    NOTE,
    OTHER,
    VALUES,
    Cell,
    Column,
    Header,
    Vocabulary,
    is_amount_token,
    label_key,
    spaced,
    split_line,
    strip_numbering,
    with_columns,
)
from omreview.extractors.pdf.triage import BALANCE, INCOME, Triage
from omreview.model import Source
from omreview.records import Money, RevenueLine
from omreview.rules import Rules
from omreview.text import contains_any, norm

MakeSource = Callable[[int, BBox | None, str], Source]

_TITLE_MAX = 40
_NUMBER = (
    r"(?:(?P<dotted>\d{1,2}(?:[.．]\d{1,3})+)[、.．]?"
    r"|(?P<arabic>\d{1,3})\s*(?P<sep>[、.．])(?!\d)"
    r"|[(（]\s*(?P<pcn>[一二三四五六七八九十百]{1,4})\s*[)）][、.．]?"
    r"|[(（]\s*(?P<par>\d{1,3})\s*[)）][、.．]?"
    r"|(?P<cn>[一二三四五六七八九十百]{1,4})\s*[、.．]"
    r"|(?(word)(?P<wbare>\d{1,3})(?![\d.．、])|(?P<bare>\d{1,3})(?=\s)))"
)
_UNIT_CLAUSE = re.compile(r"[(（]?\s*(?:金额|货币)?单位\s*[:：].*$")
_BRACKET_UNIT = re.compile(r"[(（]\s*(?:人民币)?\s*([千百万亿]*元)\s*[)）]")
_INCOME = "income"  # a sub-column read under its period (收入 under 本期发生额)
_INDENT = 4.0  # points: a label starting this much further right is a part of the row above it


@dataclass(frozen=True)
class Numbering:
    """How a heading is numbered: its style (``arabic、``, ``dotted2``, ``pcn`` …) and its number's text."""

    style: str
    number: str


class _Words:
    """The rules' words for the note, normalised once."""

    def __init__(self, rules: Rules) -> None:
        cfg = rules.labels.statement_pdf
        self.subjects = _longest(cfg.revenue_note_subject)
        self.title_words = _longest([*cfg.revenue_note_cost, *cfg.revenue_note_breakdown,
                                     *cfg.revenue_note_title_words, *cfg.continued])
        self.breakdown = _longest(cfg.revenue_note_breakdown)
        self.not_lines = _longest(cfg.revenue_note_not_lines)
        self.main = {label_key(w) for w in cfg.revenue_note_main}
        self.other = {label_key(w) for w in cfg.revenue_note_other}
        self.totals = {label_key(w) for w in [*cfg.total_rows, *cfg.revenue_note_totals]}
        self.subtotals = {label_key(w) for w in cfg.revenue_note_subtotals}
        self.sub_marks = _longest(cfg.revenue_note_sub_marks)
        self.om = rules.labels.om_revenue_lines
        words = "|".join(re.escape(norm(w)) for w in _longest(cfg.revenue_note_numbering))
        self.number = re.compile(rf"^\s*(?P<word>(?:{words or '(?!)'})\s*)?{_NUMBER}\s*")
        sub = [(w, _INCOME) for w in cfg.revenue_note_value_columns] + [(w, OTHER) for w in
                                                                        cfg.revenue_note_other_columns]
        sub.sort(key=lambda wk: -len(norm(wk[0])))
        self.sub_kind = {norm(w): kind for w, kind in reversed(sub)}
        self.sub_columns = re.compile("|".join(f"(?:{spaced(w)})" for w, _ in sub))
        self.other_columns = _longest(cfg.revenue_note_other_columns)

    def numbering(self, text: str) -> tuple[Numbering | None, str]:
        """A heading's numbering and the text after it."""
        m = self.number.match(text)
        if not m:
            return None, text
        groups = {k: v for k, v in m.groupdict().items() if v and k not in ("word", "sep")}
        if not groups:
            return None, text
        kind, number = next(iter(groups.items()))
        if kind == "dotted":
            kind = f"dotted{number.count('.') + number.count('．')}"
        elif kind == "arabic":
            kind += m.group("sep")
        word = norm(m.group("word") or "")
        return Numbering(word + kind, number), text[m.end() :]

    def title_rest(self, text: str) -> str | None:
        """What a title line says after its subject, when it is the note's title (``None`` when it is not)."""
        squeezed = "".join(text.split())
        if len(squeezed) > 2 * _TITLE_MAX or not any(w in squeezed for w in self.subjects):
            return None
        _, rest = self.numbering(text)
        s = norm(_UNIT_CLAUSE.sub("", rest))
        s = _BRACKET_UNIT.sub("", s)
        if not s or len(s) > _TITLE_MAX or _has_amount(rest):
            return None
        subject = next((w for w in self.subjects if s.startswith(w)), None)
        if subject is None:
            return None
        tail = BRACKETS.sub("", s[len(subject) :])
        for word in self.title_words:
            tail = tail.replace(word, "")
        return None if tail else s[len(subject) :]

    def is_title(self, text: str) -> bool:
        return self.title_rest(text) is not None

    def row_kind(self, label: str) -> str:
        key = label_key(label)
        if key in self.totals:
            return "total"
        if key in self.main:
            return "main"
        if key in self.other:
            return "other"
        if key in self.subtotals or any(key.endswith(w) for w in self.subtotals):
            return "subtotal"
        return "line"

    def sub_marked(self, label: str) -> bool:
        s = norm(label)
        return any(s.startswith(w) for w in self.sub_marks)


def _longest(words: Iterable[str]) -> list[str]:
    return sorted({norm(w) for w in words if norm(w)}, key=len, reverse=True)


def _has_amount(text: str) -> bool:
    return any(is_amount_token(t) and ("," in t or "." in t) for t in text.split())


# --- where the note is (text pass) ---------------------------------------------------------------------


def statements_end(tri: Triage, rules: Rules) -> tuple[int, int] | None:
    """Where the chosen balance sheet and income statement end (0-based page, line): the note is searched after
    them, so that no row of theirs is taken for its title. A statement that ends further away than a statement
    can run (the next title is one quoted in the notes) counts from its title."""
    chosen = [s for s in (tri.pick(BALANCE), tri.pick(INCOME)) if s]
    if not chosen:
        return None
    most = rules.labels.statement_pdf.max_statement_pages
    return max(
        s.end if s.end and s.end[0] - s.title.page < most else (s.title.page, s.title.line) for s in chosen
    )


def find_note(pages: list[list[str]], after: tuple[int, int], rules: Rules) -> tuple[int, int] | None:
    """(page index, line index) of the revenue note's title after the position ``after``."""
    words = _Words(rules)
    for p in range(after[0], len(pages)):
        for i, text in enumerate(pages[p]):
            if (p, i) > after and words.is_title(text):
                return p, i
    return None


def note_pages(pages: list[list[str]], at: tuple[int, int], rules: Rules) -> list[int]:
    """The 1-based pages of the note: its title's page and the next ones, up to the next note (text pass)."""
    words = _Words(rules)
    numbering, _ = words.numbering(pages[at[0]][at[1]])
    last = min(len(pages), at[0] + rules.labels.statement_pdf.revenue_note_pages) - 1
    for p in range(at[0], last + 1):
        lines = pages[p][at[1] + 1 :] if p == at[0] else pages[p]
        if numbering and any(_ends(words, numbering, text) for text in lines):
            return list(range(at[0] + 1, p + 2))
    return list(range(at[0] + 1, last + 2))


def ends_on_title_page(lines: list[Line], rules: Rules) -> bool:
    """Whether the note ends on its title's page (positioned lines): the next pages need not be read (OCR)."""
    words = _Words(rules)
    texts = [line.text for line in lines]
    at = next((i for i, text in enumerate(texts) if words.is_title(text)), None)
    if at is None:
        return False
    numbering, _ = words.numbering(texts[at])
    return numbering is not None and any(_ends(words, numbering, text) for text in texts[at + 1 :])


def _ends(words: _Words, title: Numbering, text: str) -> bool:
    """A heading numbered like the note's title, with another number: the next note."""
    numbering, rest = words.numbering(text)
    return (
        numbering is not None
        and numbering.style == title.style
        and numbering.number != title.number
        and not _has_amount(rest)
        and not words.is_title(text)
    )


# --- reading it (positioned lines) ---------------------------------------------------------------------


@dataclass
class NoteRow:
    """A row of a note's table: its label, what it is, how far right its label starts, its current amount."""

    label: str
    kind: str  # line | main | other | total | subtotal
    indent: float
    cell: Cell | None
    parent: NoteRow | None = None


@dataclass
class NoteTable:
    """A table of the note: the lines above its header (its caption), the header, the unit, the rows."""

    caption: list[str]
    header: Header
    unit: Decimal | None
    page: int
    rows: list[NoteRow] = field(default_factory=list)
    closed: bool = False

    def first(self, kind: str) -> Cell | None:
        return next((r.cell for r in self.rows if r.kind == kind and r.cell), None)


@dataclass
class _Rows:
    """What reading a table's rows keeps: a label line waiting for its amounts, the last row, the rows' tops."""

    pending: tuple[str, float, Line] | None = None
    last: tuple[NoteRow, float, Line] | None = None
    tops: list[float] = field(default_factory=list)

    def add(self, row: NoteRow, x: float, line: Line) -> None:
        self.last = (row, x, line)
        self.tops.append(line.top)

    def pitch(self) -> float | None:
        """The usual distance between two rows' tops (``None`` before two rows)."""
        steps = sorted(b - a for a, b in zip(self.tops, self.tops[1:], strict=False) if b > a)
        return steps[len(steps) // 2] if steps else None


@dataclass
class NoteResult:
    lines: list[RevenueLine] = field(default_factory=list)
    om: Money | None = None
    warnings: list[str] = field(default_factory=list)


def read_note(
    lines: dict[int, list[Line]],
    at: tuple[int, int],
    vocab: Vocabulary,
    rules: Rules,
    unit: Decimal | None,
    make_source: MakeSource,
    revenue: Money | None = None,
) -> tuple[list[RevenueLine], Money | None, list[str]]:
    """The business lines, the O&M sum (``None`` without an O&M line) and warnings. ``unit`` is the income
    statement's (for a note that states none), ``revenue`` its current 营业收入 (the cross-check)."""
    result = _Reader(vocab, rules, make_source).read(lines, at, unit, revenue)
    return result.lines, result.om, result.warnings


def read_tables(
    lines: dict[int, list[Line]], at: tuple[int, int], vocab: Vocabulary, rules: Rules, unit: Decimal | None = None
) -> list[NoteTable]:
    """The note's tables as read (for a look at what the breakdown was chosen from)."""
    reader = _Reader(vocab, rules, lambda page, bbox, text: Source(file="", sha256="", page=page))
    body, title = reader._body(lines, at[0] + 1)
    return reader._tables(body, title, unit) if title else []


class _Reader:
    """Reads one note: its lines, its tables, the breakdown chosen and checked."""

    def __init__(self, vocab: Vocabulary, rules: Rules, make_source: MakeSource) -> None:
        self.vocab, self.rules, self.make_source = vocab, rules, make_source
        self.words = _Words(rules)

    def read(
        self, lines: dict[int, list[Line]], at: tuple[int, int], unit: Decimal | None, revenue: Money | None
    ) -> NoteResult:
        page = at[0] + 1
        body, title = self._body(lines, page)
        if title is None:
            return NoteResult(warnings=[f"p{page}: the revenue note's title was not found with positions"])
        name = norm(title.text)
        tables = self._tables(body, title, unit)
        candidates = [t for t in tables if self._caption_kind(t) != "excluded" and self._summed(t)]
        if not candidates:
            return NoteResult(warnings=[self._no_breakdown(tables, page, name)])
        taken, failures = self._choose(tables, candidates, revenue)
        if taken is None:
            return NoteResult(warnings=[f"p{page}: the revenue breakdown ({name}) is not taken: {failures[0]}"])
        result = self._result(taken)
        result.warnings += self._caveats(taken, result, unit, revenue)
        return result

    def _no_breakdown(self, tables: list[NoteTable], page: int, name: str) -> str:
        """The warning for a note without a business-line table, saying whether it has only 主营/其他业务收入."""
        parts = any(t.first("main") or t.first("other") for t in tables)
        only = " (only 主营业务收入 / 其他业务收入)" if parts else ""
        return f"p{page}: the revenue note ({name}) has no revenue breakdown by business line{only}"

    def _choose(
        self, tables: list[NoteTable], candidates: list[NoteTable], revenue: Money | None
    ) -> tuple[NoteTable | None, list[str]]:
        """The table taken (the first that adds up, unless a later one that does has the O&M line); why others not."""
        other = next((c for t in tables if (c := t.first("other"))), None)
        failures: list[str] = []
        taken: NoteTable | None = None
        for table in candidates:
            problem = self._check(table, other, revenue)
            if problem:
                failures.append(problem)
            elif taken is None or (not self._om_rows(taken) and self._om_rows(table)):
                taken = table
        return taken, failures

    def _caveats(self, table: NoteTable, result: NoteResult, unit: Decimal | None, revenue: Money | None) -> list[str]:
        """What the reviewer should know of a breakdown taken: the unit borrowed, no cross-check, no O&M line."""
        caveats: list[str] = []
        if table.unit is None and unit is not None and result.lines:
            caveats.append("the revenue breakdown states no unit; the income statement's unit is used")
        if revenue is None:
            caveats.append("the revenue breakdown could not be checked against 营业收入 (not read)")
        if result.lines and result.om is None:
            caveats.append("the revenue breakdown has no O&M line (运维 / 运行维护)")
        return caveats

    # the note's lines

    def _body(self, lines: dict[int, list[Line]], page: int) -> tuple[list[Line], Line | None]:
        """The lines after the note's title, up to the next note; and the title line."""
        title: Line | None = None
        numbering: Numbering | None = None
        body: list[Line] = []
        for p in sorted(n for n in lines if n >= page):
            for line in lines[p]:
                if title is None:
                    if p == page and self.words.is_title(line.text):
                        title = line
                        numbering, _ = self.words.numbering(line.text)
                    continue
                if numbering and _ends(self.words, numbering, line.text):
                    return body, title
                body.append(line)
            if title is None:
                break
        return body, title

    def _tables(self, body: list[Line], title: Line, is_unit: Decimal | None) -> list[NoteTable]:
        """The note's tables: each opened by a column header, its caption the lines since the previous one."""
        tables: list[NoteTable] = []
        caption: list[Line] = [title]
        note_unit = _unit(title.text, self.rules)
        table: NoteTable | None = None
        rows = _Rows()
        i = 0
        while i < len(body):
            line = body[i]
            header = self.vocab.header(line)
            if header is not None:
                header, used = self._refine(header, body[i + 1 : i + 3])
                texts = [ln.text for ln in caption]
                unit = next((u for t in [*reversed(texts), line.text] if (u := _unit(t, self.rules))), None)
                if table is not None and not table.closed and not self._headed(texts):
                    table.header = header  # the table goes on under a repeated header (next page)
                else:
                    table = NoteTable(texts, header, unit or note_unit, line.page)
                    tables.append(table)
                    rows = _Rows()
                note_unit = note_unit or unit
                caption, rows.pending = [], None
                i += 1 + used
                continue
            i += 1
            if table is None or table.closed:
                caption.append(line)
                note_unit = note_unit or _unit(line.text, self.rules)
                continue
            items = split_line(line, table.header, table.unit or is_unit, self.vocab, self.rules)
            if not items:  # a header that names no usable column (its texts drawn over each other)
                table.closed = True
                caption.append(line)
                continue
            item = items[0]
            if not item.values and table.rows and self._heading(item.label):
                table.closed = True  # a heading after the rows: the table has ended
                caption.append(line)
                continue
            self._row(table, rows, line, item.label, item.values.get(CURRENT) if item.values else None,
                      bool(item.values))
        for t in tables:
            _parents(t.rows)
        return tables

    def _row(self, table: NoteTable, rows: _Rows, line: Line, label: str, cell: Cell | None, valued: bool) -> None:
        """One line of an open table: a row, a label wrapped onto the line above or below it, or a group heading."""
        x = _label_x(line, label) if label else 0.0
        if not valued:
            if not label:
                return
            last = rows.last
            if last and self._joins(rows, last[1], last[2], x, line, label):
                last[0].label += label  # the label's second line, under its amounts' line
                last[0].kind = self.words.row_kind(last[0].label)
                return
            rows.pending = (label, x, line)
            return
        pending, rows.pending = rows.pending, None
        if pending and label and self._joins(rows, pending[1], pending[2], x, line, label):
            label, x = pending[0] + label, pending[1]  # the label's first line, above its amounts' line
        elif pending and label:  # a label line without amounts above a labelled row: a group heading
            table.rows.append(NoteRow(pending[0], self.words.row_kind(pending[0]), pending[1], None))
        elif pending:  # amounts under a label of their own line (wrapped, or numbers on the lower line)
            label, x = pending[0], pending[1]
        if not label:
            return
        kind = self.words.row_kind(label)
        row = NoteRow(label, kind, x + (2 * _INDENT if self.words.sub_marked(label) else 0), cell)
        table.rows.append(row)
        rows.add(row, x, line)
        if kind == "total":
            table.closed = True

    def _joins(self, rows: _Rows, x_above: float, above: Line, x_below: float, below: Line, label: str) -> bool:
        """Whether two label lines are one label wrapped: as far left, closer than rows stand, no number below."""
        gap, pitch, box = below.top - above.top, rows.pitch(), above.bbox
        limit = 0.75 * pitch if pitch else 1.2 * (box[3] - box[1] if box else 0)
        numbering, _ = self.words.numbering(label)
        return (
            below.page == above.page
            and abs(x_above - x_below) < _INDENT
            and 0 < gap < limit
            and numbering is None
            and not self.words.sub_marked(label)
        )

    def _refine(self, header: Header, following: Sequence[Line]) -> tuple[Header, int]:
        """A two-level header: the income column of each period (本期发生额 over 收入 | 成本), the others set aside."""
        columns = [self._one_line_kind(header.line, c) for c in header.columns]
        for n, line in enumerate(following):
            if any(is_amount_token(t) for t in line.text.split()):
                break
            subs = [(m, line.span_bbox(m.start(), m.end())) for m in self.words.sub_columns.finditer(line.text)]
            kinds = {self.words.sub_kind[norm(m.group())] for m, box in subs if box}
            if not (kinds == {_INCOME, OTHER} or (len(subs) > 1 and kinds == {_INCOME})):
                continue
            tops = [c for c in columns if c.kind in VALUES]
            refined = [c for c in columns if c.kind == NOTE]
            for m, box in subs:
                if box is None:
                    continue
                center = (box[0] + box[2]) / 2
                parent = min(tops, key=lambda c: abs(c.center - center))
                kind = parent.kind if self.words.sub_kind[norm(m.group())] != OTHER else OTHER
                refined.append(Column(kind, box[0], box[2], m.group(), parent.year))
            claimed = {c.kind for c in refined}
            refined += [c for c in tops if c.kind not in claimed]
            return with_columns(header.line, refined), n + 1
        return with_columns(header.line, columns), 0

    def _one_line_kind(self, line: Line, column: Column) -> Column:
        """本期成本 beside 本期收入 on one header line: the cost column holds amounts that are not read. A
        column spans its whole heading (本期发生额收入（万元）, not only the 本期发生额 that named it), so
        that amounts fall under the heading they stand beneath."""
        if column.kind not in VALUES:
            return column
        for m in re.finditer(r"\S+", line.text):
            box = line.span_bbox(m.start(), m.end())
            if not box or not box[0] <= column.center <= box[2]:
                continue
            kind = OTHER if any(w in norm(m.group()) for w in self.words.other_columns) else column.kind
            return Column(kind, min(box[0], column.x0), max(box[2], column.x1), column.text, column.year)
        return column

    def _headed(self, caption: list[str]) -> bool:
        """Whether lines between two headers hold a heading (a new table), not only page furniture."""
        return any(
            self._heading(text) or contains_any(text, self.words.breakdown) or contains_any(text, self.words.subjects)
            for text in caption
        )

    def _heading(self, text: str) -> bool:
        numbering, rest = self.words.numbering(text)
        return numbering is not None and self.words.row_kind(rest) not in ("main", "other")

    def _caption_kind(self, table: NoteTable) -> str:
        text = "".join(norm(t) for t in table.caption)
        if any(w in text for w in self.words.breakdown):
            return "breakdown"
        return "excluded" if any(w in text for w in self.words.not_lines) else "plain"

    # the breakdown

    def _summed(self, table: NoteTable) -> list[NoteRow]:
        """The business lines that add up to the table's total: not a part of another business line."""
        out = []
        for row in table.rows:
            if row.kind != "line" or row.cell is None:
                continue
            parent = row.parent
            while parent is not None and not (parent.kind == "line" and parent.cell is not None):
                parent = parent.parent
            if parent is None:
                out.append(row)
        return out

    def _om_rows(self, table: NoteTable) -> list[NoteRow]:
        return [r for r in self._summed(table) if contains_any(strip_numbering(r.label), self.words.om)]

    def _check(self, table: NoteTable, other: Cell | None, revenue: Money | None) -> str | None:
        """Why the table's business lines are not a reading of 营业收入 (``None`` when they are)."""
        rows = self._summed(table)
        cells = [r.cell for r in rows if r.cell]
        lines = _total([c.amount for c in cells])
        printed, main = table.first("total"), table.first("main")
        own_other = table.first("other")
        said = f"its {len(cells)} business lines add up to {_yuan(lines.value)}"
        if printed is not None and not _agree_any(lines, printed.amount, own_other, main):
            return f"{said}, its 合计 is {_yuan(printed.amount.value)}"
        if revenue is not None and not _agree_any(lines, revenue.amount(), other):
            extra = f" less 其他业务收入 {other.text}" if other else ""
            page = f" (p{revenue.source.page})" if revenue.source.page else ""
            return f"{said}, not 营业收入{page} {_yuan(revenue.value)}{extra}"
        return None

    def _result(self, table: NoteTable) -> NoteResult:
        out: list[RevenueLine] = []
        summed = self._summed(table)
        for row in summed:
            assert row.cell is not None
            name = strip_numbering(row.label)
            src = self.make_source(row.cell.page, row.cell.bbox, f"{row.label} {row.cell.text}")
            is_om = contains_any(name, self.words.om)
            out.append(RevenueLine(name=name, amount=Money.of(row.cell.amount, src), is_om=is_om))
        warnings = [
            f"p{row.cell.page}: {strip_numbering(row.label)} is a part of the business line {row.parent.label} and "
            "is not counted as O&M on its own"
            for row in table.rows
            if row.kind == "line" and row.cell and row.parent and row not in summed
            and contains_any(row.label, self.words.om) and not contains_any(row.parent.label, self.words.om)
        ]
        return NoteResult(lines=out, om=_sum([r for r in out if r.is_om], self.make_source), warnings=warnings)


def _parents(rows: list[NoteRow]) -> None:
    """Each row's parent: the nearest row above it with a label further left (totals reset it)."""
    stack: list[NoteRow] = []
    for row in rows:
        if row.kind == "total":
            stack = []
            continue
        while stack and stack[-1].indent >= row.indent - _INDENT:
            stack.pop()
        row.parent = stack[-1] if stack else None
        stack.append(row)


def _label_x(line: Line, label: str) -> float:
    first = label.split()[0] if label.split() else ""
    at = line.text.find(first)
    box = line.span_bbox(at, at + len(first)) if at >= 0 and first else None
    return box[0] if box else 0.0


def _unit(text: str, rules: Rules) -> Decimal | None:
    unit = parse_unit(text, rules)
    if unit is None and (m := _BRACKET_UNIT.search(text)):
        unit = rules.amounts.units.get(m.group(1))
    return unit


def _total(amounts: list[Amount]) -> Amount:
    """A sum, as precise as the sum of its parts' precisions (each part was rounded when printed)."""
    return Amount(sum((a.value for a in amounts), Decimal(0)), sum((a.precision for a in amounts), Decimal(0)))


def _agree_any(lines: Amount, target: Amount, other: Cell | None = None, main: Cell | None = None) -> bool:
    """The lines agree with ``target``, or with it less 其他业务收入, or add up to 主营业务收入 that does."""
    tries = [target]
    if other is not None:
        o = other.amount
        tries.append(Amount(target.value - o.value, target.precision + o.precision))
    if main is not None and any(main.amount.agrees(t) for t in tries):
        tries.append(main.amount)
    return any(lines.agrees(t) for t in tries)


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


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
