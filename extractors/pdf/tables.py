"""A statement table read from positioned lines (``pdf.pages.Line``).

The header row gives each column's x-position (本期金额/上期金额, 期末余额/年初余额, ``2011年度``, ``2024年12月31日``
…, and the 附注/行次 column that holds no amounts). Dated columns are told apart by the whole date: the latest
is the current column, so ``2022年1月1日`` beside ``2022年12月31日`` is the prior one (an opening balance is the
prior year's closing); two dates joined as a range (``2022年1月1日至12月31日``) are one period, not two columns.
Every amount on a later line goes to the column whose header is nearest, so a row with a single value keeps its
column. Labels are the text left of the first
column; a label that wraps over two or three lines (with its numbers on the first, the middle or the last
of them) is put back together when a row is looked up. A statement that runs over several pages without
repeating its header keeps the header of its first page; a side-by-side layout (资产 | 负债和所有者权益)
is read as two panes. A note reference printed between a label and its amounts without a 附注 column over it
(``实收资本（或股本） 53 749,477,334.00``, by the rules' ``note_references``) is neither label nor amount, also
when the text layer runs it into the amount (``53749,477,334.00``, told apart by the gap between the characters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from omreview.amounts import Amount, is_blank_amount, parse_amount, parse_unit
from omreview.errors import AmountError
from omreview.extractors.pdf.pages import BBox, Line, Segment
from omreview.rules import Rules
from omreview.text import norm

CURRENT, PRIOR, NOTE = "current", "prior", "note"
OTHER = "other"  # a column with amounts that are not read (营业成本 beside 营业收入 in a note)
VALUES = (CURRENT, PRIOR)

_AMOUNT_TOKEN = re.compile(r"^[(（]?[-−－]?\d[\d,]*(?:\.\d+)?[)）]?$")
_YEAR = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:年(?:\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|\s*度)?|[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2}))"
)
# what joins two dates into one period: 2022年1月1日至2022年12月31日, 2022.1.1-2022.12.31
_RANGE = re.compile(r"^\s*(?:至|到|~|～|-|－|—|–)\s*$")
_GLUED = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+\.\d+$")
_ENUM = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[(][一二三四五六七八九十\d]+[)]|\d+[、.．](?!\d)|其中[:：]|加[:：]|减[:：])+"
)
_REMARK = re.compile(r"[(][^()]*?(?:填列|亏损|损失)[^()]*[)]?|[(][^)]*$")
_COMPANY = re.compile(r"编制单位\s*[:：]\s*(\S+)")
# pairs of label lines tried around a line with amounts: (lines before, lines after), nearest first
_WRAPS = ((0, 0), (1, 0), (0, 1), (1, 1), (2, 0), (0, 2), (2, 1), (1, 2))


_LEAD = re.compile(
    r"^\s*(?:(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+\s*[、.．](?!\d)|其中\s*[:：]|加\s*[:：]|减\s*[:：])\s*)+"
)


def strip_numbering(text: str) -> str:
    """A label as printed, without its numbering (``1、`` ``（2）`` ``其中：``) and outer spaces."""
    return _LEAD.sub("", text).strip()


def is_amount_token(text: str) -> bool:
    """Whether a run of text without spaces is written like an amount (digits, separators, a sign, brackets)."""
    return _AMOUNT_TOKEN.match(text) is not None


def label_key(text: str) -> str:
    """A row label without spaces, numbering (一、 其中：) and remarks (（净亏损以“－”号填列）)."""
    s = norm(text)
    s = _ENUM.sub("", s)
    return _REMARK.sub("", s)


def spaced(word: str) -> str:
    """A regex for ``word`` that allows spaces between its characters (letter-spaced headers)."""
    return r"\s*".join(re.escape(ch) for ch in norm(word))


def years_in(text: str) -> list[int]:
    return [int(m.group(1)) for m in _YEAR.finditer(text)]


Date = tuple[int, int, int]


def _date(m: re.Match[str]) -> Date:
    """A header's date as (year, month, day); a year or 年度 alone is its closing day."""
    month, day = m.group(2) or m.group(4), m.group(3) or m.group(5)
    return int(m.group(1)), int(month) if month else 12, int(day) if day else 31


def dates_in(text: str) -> list[tuple[Date, re.Match[str]]]:
    """The dates of a header line, a range of two (``…至…``) counted once, as its end."""
    out: list[tuple[Date, re.Match[str]]] = []
    for m in _YEAR.finditer(text):
        if out and _RANGE.match(text[out[-1][1].end() : m.start()]):
            out[-1] = (_date(m), m)
            continue
        out.append((_date(m), m))
    return out


def _period_year(date: Date) -> int:
    """The fiscal year a column's date closes: an opening balance (1月1日) is the prior year's closing one."""
    year, month, day = date
    return year - 1 if (month, day) == (1, 1) else year


@dataclass(frozen=True)
class Column:
    kind: str  # current | prior | note
    x0: float
    x1: float
    text: str
    year: int | None = None

    @property
    def center(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass(frozen=True)
class Header:
    line: Line
    panes: tuple[tuple[Column, ...], ...]

    @property
    def columns(self) -> list[Column]:
        return [c for pane in self.panes for c in pane]

    def year(self, kind: str) -> int | None:
        return next((c.year for c in self.columns if c.kind == kind and c.year), None)


@dataclass(frozen=True)
class Cell:
    amount: Amount
    text: str
    bbox: BBox
    page: int


@dataclass
class Item:
    """What one line holds in one pane: label text and the amounts by column kind."""

    line: Line
    label: str
    values: dict[str, Cell] = field(default_factory=dict)


@dataclass(frozen=True)
class Found:
    """A row looked up by its label: the label as printed, and its amounts."""

    label: str
    values: dict[str, Cell]
    priority: int


@dataclass
class Section:
    """The lines of one table after its title, read against its header."""

    header: Header | None = None
    unit: Decimal | None = None
    unit_text: str | None = None
    year: int | None = None  # the period under the title (``2024年12月31日``, ``2011年度``)
    company: tuple[str, Line, tuple[int, int]] | None = None  # name, its line, the span of '编制单位：name'
    panes: list[list[Item]] = field(default_factory=list)

    def find(self, synonyms: Sequence[str]) -> Found | None:
        """The row whose (re-joined) label is one of ``synonyms``; earlier synonyms win, then earlier rows."""
        keys = [label_key(s) for s in synonyms]
        best: Found | None = None
        for items in self.panes:
            for found in _rows(items, keys):
                if best is None or found.priority < best.priority:
                    best = found
        return best


class Vocabulary:
    """The rules' column words compiled once per document."""

    def __init__(self, rules: Rules) -> None:
        self.note_refs = [re.compile(p) for p in rules.labels.statement_pdf.note_references]
        cols = rules.labels.statement_columns
        words = [(w, kind) for kind in (CURRENT, PRIOR, NOTE) for w in cols.get(kind, [])]
        words.sort(key=lambda wk: -len(norm(wk[0])))
        self.kind_of = {norm(w): kind for w, kind in reversed(words)}
        self.columns = re.compile("|".join(f"(?:{spaced(w)})" for w, _ in words)) if words else None

    def is_header_text(self, text: str) -> bool:
        """Whether a line of plain text (no positions) reads as a header row."""
        kinds = {self.kind_of[norm(m.group())] for m in self.columns.finditer(text)} if self.columns else set()
        return {CURRENT, PRIOR} <= kinds or len({d for d, _ in dates_in(text)}) >= 2

    def header(self, line: Line) -> Header | None:
        """The columns of ``line`` if it is a header row: both a current and a prior column."""
        found: list[Column] = []
        taken: list[tuple[int, int]] = []
        if self.columns:
            for m in self.columns.finditer(line.text):
                box = line.span_bbox(m.start(), m.end())
                if box:
                    found.append(Column(self.kind_of[norm(m.group())], box[0], box[2], m.group()))
                    taken.append(m.span())
        value_kinds = {c.kind for c in found}
        if not {CURRENT, PRIOR} <= value_kinds:
            found = [c for c in found if c.kind == NOTE]
            dated = []
            for date, m in dates_in(line.text):
                box = line.span_bbox(m.start(), m.end())
                if box and not any(a <= m.start() < b for a, b in taken):
                    dated.append((date, box, m.group()))
            if len({d for d, _, _ in dated}) < 2:
                return None
            latest = max(d for d, _, _ in dated)
            found += [Column(CURRENT if d == latest else PRIOR, b[0], b[2], t, _period_year(d)) for d, b, t in dated]
        return with_columns(line, found)

    def is_note_ref(self, text: str) -> bool:
        """A note reference (``53``, ``五、10``, ``附注七.1``) printed where a 附注 column would be."""
        return any(p.match(text) for p in self.note_refs)


def with_columns(line: Line, columns: Iterable[Column]) -> Header:
    """A header of these columns (any order), split into panes."""
    return Header(line, _panes(sorted(columns, key=lambda c: c.x0)))


def _panes(columns: list[Column]) -> tuple[tuple[Column, ...], ...]:
    panes: list[list[Column]] = [[]]
    pending_notes: list[Column] = []
    for col in columns:
        if col.kind not in VALUES:
            pending_notes.append(col)
            continue
        if any(c.kind == col.kind for c in panes[-1]):
            panes.append([])
        panes[-1].extend(pending_notes)
        pending_notes = []
        panes[-1].append(col)
    panes[-1].extend(pending_notes)
    return tuple(tuple(p) for p in panes if any(c.kind in VALUES for c in p))


def read_section(lines: Iterable[Line], vocab: Vocabulary, rules: Rules) -> Section:
    """Read the lines of a table after its title: caption (period, 编制单位, unit), header, then rows."""
    section = Section()
    for line in lines:
        found = vocab.header(line)
        if found:
            if not section.header or len(found.panes) != len(section.panes):
                section.panes = [[] for _ in found.panes]
            section.header = found
            continue
        if section.unit is None and (unit := parse_unit(line.text, rules)) is not None:
            section.unit, section.unit_text = unit, line.text
        if section.header is None:
            if section.year is None and (years := years_in(line.text)):
                section.year = years[0]
            if section.company is None and (m := _COMPANY.search(line.text)):
                section.company = (m.group(1), line, m.span())
            continue
        for pane, item in zip(section.panes, split_line(line, section.header, section.unit, vocab, rules), strict=True):
            if item.label or item.values:
                pane.append(item)
    return section


def split_line(line: Line, header: Header, unit: Decimal | None, vocab: Vocabulary, rules: Rules) -> list[Item]:
    """One ``Item`` per pane: the label text left of the pane's columns and the amounts under its columns."""
    items = [Item(line, "") for _ in header.panes]
    if not header.panes or not all(header.panes):  # overlapping header texts may give no column: nothing to split by
        return items
    labels: list[list[str]] = [[] for _ in header.panes]
    starts = [min(c.x0 for c in pane) for pane in header.panes]
    ends = [max(c.x1 for c in pane) for pane in header.panes]
    columns = [(p, c) for p, pane in enumerate(header.panes) for c in pane]
    values = [(p, c) for p, c in columns if c.kind in VALUES]
    for seg in _segments(line, vocab):
        if is_blank_amount(seg.text):
            continue
        if vocab.is_note_ref(seg.text) and values:
            p, col = min(values, key=lambda pc: abs(pc[1].center - seg.center))
            if labels[p] and seg.bbox[2] < col.center:
                continue  # a note reference after the label, left of the amounts (no 附注 column over it)
        amount = _amount(seg, unit, rules)
        if amount is None or seg.bbox[2] <= starts[0] + 2:
            pane = _label_pane(seg, starts, ends)
            if pane is not None:
                labels[pane].append(seg.text)
            continue
        p, col = min(columns, key=lambda pc: abs(pc[1].center - seg.center))
        if col.kind in VALUES and col.kind not in items[p].values:
            items[p].values[col.kind] = Cell(amount, seg.text, seg.bbox, line.page)
    for item, words in zip(items, labels, strict=True):
        item.label = " ".join(words)
    return items


def _segments(line: Line, vocab: Vocabulary) -> Iterable[Segment]:
    """The line's segments, a note reference run into the amount after it (``53749,477,334.00``) taken off."""
    for m in re.finditer(r"\S+", line.text):
        box = line.span_bbox(m.start(), m.end())
        if box is None:
            continue
        cut = None if _AMOUNT_TOKEN.match(m.group()) and _parses(m.group()) else _glued_at(line, m, vocab)
        if cut is None:
            yield Segment(m.group(), box)
            continue
        right = line.span_bbox(cut, m.end())
        if right:
            yield Segment(line.text[cut : m.end()], right)


def _glued_at(line: Line, m: re.Match[str], vocab: Vocabulary) -> int | None:
    """Where a token splits into a note reference and a well-formed amount: between two digits that stand
    further apart than the token's other digits (character boxes differ by engine; their pitch does not)."""
    pitches = []
    for i in range(m.start() + 1, m.end()):
        a, b = line.boxes[i - 1], line.boxes[i]
        if a and b and line.text[i - 1].isdigit() and line.text[i].isdigit():
            pitches.append((b[0] - a[0], i))
    if len(pitches) < 3:
        return None
    usual = sorted(p for p, _ in pitches)[len(pitches) // 2]
    widest, cut = max(pitches)
    if widest - usual < 1 or sum(1 for p, _ in pitches if p >= widest - 0.25) > 1:
        return None
    left, right = line.text[m.start() : cut], line.text[cut : m.end()]
    return cut if vocab.is_note_ref(left) and _GLUED.match(right) else None


def _parses(text: str) -> bool:
    try:
        parse_amount(text)
    except AmountError:
        return False
    return True


def _label_pane(seg: Segment, starts: list[float], ends: list[float]) -> int | None:
    for p, start in enumerate(starts):
        if seg.bbox[2] <= start + 2 and (p == 0 or seg.bbox[0] >= ends[p - 1] - 2):
            return p
    return None


def _amount(seg: Segment, unit: Decimal | None, rules: Rules) -> Amount | None:
    if not _AMOUNT_TOKEN.match(seg.text):
        return None
    try:
        return parse_amount(seg.text, unit, rules)
    except AmountError:
        return None


def _rows(items: list[Item], keys: list[str]) -> Iterable[Found]:
    """Rows whose label matches ``keys``, in order; wrapped labels are tried joined with their neighbours."""
    for i, item in enumerate(items):
        if not item.values:
            continue
        for before, after in _WRAPS:
            if i - before < 0 or i + after >= len(items):
                continue
            parts = items[i - before : i + after + 1]
            if any(p.values or not p.label for p in parts[:before] + parts[before + 1 :]):
                continue
            key = label_key("".join(p.label for p in parts))
            if key in keys:
                yield Found(" ".join(p.label for p in parts if p.label), item.values, keys.index(key))
                break
