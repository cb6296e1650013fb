"""Where a roster's table lies on a sheet: its header (one row, or a group row over sub-headings) and
which rows below it are people. Works on a sheet's cell texts, so the reader and the dashboard share it.

Nothing here is fitted to one layout; the vocabularies are the rules' (``labels.roster_*``):

- the header is the row of the first ``office.roster_layout.header_rows`` that names the most roster fields
  (``labels.roster_columns``, matched by meaning with ``omreview.extractors.labels.match_label``), in any order
  and among any other columns; it must name 姓名 and 身份证号 and at least ``header_min_fields`` fields
  (a majority). Under a merged group heading (学历情况 over 学历 | 专业) the sub-heading names the
  column; a column without one keeps the heading above it, and so does the group's first column when
  its sub-heading names no field (职称 over 名称 | 取得时间), below any column's own claim.
- below it a row is a person when its 身份证号 cell holds an identifier (15 or 18 characters, give or
  take one), or, while the table lasts, a name (no digits, not a label, not a footer) with something
  else of a person (a field, a 序号): a text alone in the name column is a group heading;
  the table ends at a footer (``labels.roster_footer_markers``: 填表人, 审核人, 盖章, 注：…, or a line
  holding only a date) or a run of ``blank_run_end`` blank rows. A row holding an identifier after that
  is still a person (with a warning). Another table's header below (other fields) ends everything.
- blank rows, total rows (``labels.roster_total_markers``), the header repeated (a printed page's),
  numbered empty rows and anything else without a name or an identifier are skipped, with the reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from omreview.extractors.labels import BRACKETS, LabelMatch, match_label
from omreview.rules import Rules
from omreview.text import norm

Row = Sequence[str]  # one sheet row's cell texts, left to right
IDENTITY = ("name", "id_number")  # a roster's header names both

_ID_LIKE = re.compile(r"\d{14,18}[\dXx]")  # 15 or 18 characters, a digit more or less (a slip of the pen)
_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_NOT_IN_NAMES = set(":;,、，；：。!?！？")


@dataclass(frozen=True)
class Header:
    """A table's header: ``row`` is its last row (data start below it), ``first`` its first."""

    row: int
    columns: dict[str, int]  # field -> 0-based column (the column that names it best)
    keys: tuple[str | None, ...] = ()  # per column: the field it names (every such column), or None
    labels: tuple[str, ...] = ()  # per column: its heading as written (the sub-heading under a group)
    first: int = 0
    seq: int | None = None  # 0-based column of 序号
    ties: tuple[str, ...] = ()  # fields two columns name equally well (the first is read, with a warning)

    @property
    def signature(self) -> tuple[str, ...]:
        """The fields in column order: two sheets with the same signature hold one table."""
        return tuple(k for k in self.keys if k)


@dataclass
class TableRows:
    """What the rows below a header are: people (1-based row numbers), skipped rows, warnings."""

    people: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _rank(found: LabelMatch, inherited: bool) -> tuple[bool, bool, int]:
    """A column's claim on its field: its own heading over one inherited from a group heading above, then
    an exact term, then the longer term."""
    return not inherited, found.exact, len(found.term)


def header_at(rows: Sequence[Row], r: int, span: int, synonyms: Mapping[str, Sequence[str]],
              rules: Rules) -> Header:
    """The header of rows ``r`` .. ``r + span - 1`` (0-based): under a group heading the sub-heading that
    names a field counts, else the heading above (学历 over 全日制 | 在职: its first column is 学历)."""
    top = rows[r]
    sub = rows[r + 1] if span == 2 else ()
    width = max(len(top), len(sub))
    above = [top[c] if c < len(top) else "" for c in range(width)]
    below = [sub[c] if c < len(sub) else "" for c in range(width)]
    labels = tuple(below[c] or above[c] for c in range(width))
    found: list[LabelMatch] = []
    inherited: list[bool] = []
    for c in range(width):
        own = match_label(below[c], synonyms, rules) if below[c] else LabelMatch(None)
        if own.key or not above[c]:
            found.append(own)
            inherited.append(False)
        else:  # no sub-heading (a heading merged down two rows), or one that names no field: the heading above
            found.append(match_label(above[c], synonyms, rules))
            inherited.append(bool(below[c]))
    columns: dict[str, int] = {}
    ties: set[str] = set()
    for c, m in enumerate(found):
        if not m.key:
            continue
        best = columns.get(m.key)
        rank = _rank(m, inherited[c])
        if best is None or rank > _rank(found[best], inherited[best]):
            columns[m.key] = c
            ties.discard(m.key)
        elif rank == _rank(found[best], inherited[best]):
            ties.add(m.key)
    seq_words = rules.labels.roster_layout.seq_column
    seq = next((c for c, text in enumerate(labels) if text and match_label(text, {"seq": seq_words}, rules).key), None)
    return Header(row=r + span, columns=columns, keys=tuple(m.key for m in found), labels=labels, first=r + 1,
                  seq=seq, ties=tuple(sorted(ties)))


def find_header(rows: Sequence[Row], synonyms: Mapping[str, Sequence[str]], required: set[str],
                rules: Rules) -> Header | None:
    """The first of the sheet's first rows whose cells name every ``required`` field (a contract list's header)."""
    for r in range(min(len(rows), rules.labels.roster_layout.header_rows)):
        header = header_at(rows, r, 1, synonyms, rules)
        if required <= set(header.columns):
            return header
    return None


def roster_header(rows: Sequence[Row], rules: Rules) -> Header | None:
    """The roster's header: the row (or group row with its sub-headings) naming the most roster fields."""
    layout, synonyms = rules.labels.roster_layout, rules.labels.roster_columns
    best: Header | None = None
    for span in (1, 2):  # a sub-heading row counts only when it names more fields than one row does
        for r in range(min(len(rows) - span + 1, layout.header_rows)):
            header = header_at(rows, r, span, synonyms, rules)
            if best is None or len(header.columns) > len(best.columns):
                best = header
    if best is None or len(best.columns) < layout.header_min_fields or not set(IDENTITY) <= set(best.columns):
        return None
    return best


def _plain(text: str) -> str:
    """NFKC, no spaces, no brackets; colons kept (注： is a note, 注册 is not)."""
    return BRACKETS.sub("", _SPACES.sub("", unicodedata.normalize("NFKC", text)))


def id_like(text: str) -> bool:
    """Whether a 身份证号 cell holds something shaped like an identifier (valid or not)."""
    return bool(_ID_LIKE.fullmatch(_plain(text)))


def footer_cell(text: str, rules: Rules) -> bool:
    """A signature, stamp or note cell: it starts with a footer marker (填表人：, 注：), or is a short
    cell holding one (单位负责人（签字）)."""
    plain = _plain(text)
    if not plain:
        return False
    limit = rules.labels.matching.max_extra_chars
    return any(marker and (plain.startswith(marker) or (len(marker) > 1 and marker in plain
                                                        and len(plain) - len(marker) <= limit))
               for marker in (_plain(m) for m in rules.labels.roster_footer_markers))


def _date_cell(text: str, rules: Rules) -> bool:
    plain = _plain(text)
    return any(re.fullmatch(p, plain) for p in rules.labels.roster_layout.footer_dates)


def footer_row(values: Row, rules: Rules) -> bool:
    """A footer line: a signature, stamp or note cell anywhere, or nothing but a date (填表日期 written
    alone: 2012年5月20日, 年 月 日)."""
    filled = [t for t in values if t]
    return bool(filled) and (any(footer_cell(t, rules) for t in filled)
                             or all(_date_cell(t, rules) for t in filled))


def _total_cell(text: str, rules: Rules) -> bool:
    plain = _plain(text)
    limit = rules.labels.matching.max_extra_chars
    return any(m and m in plain and len(plain) - len(m) <= limit
               for m in (_plain(w) for w in rules.labels.roster_total_markers))


def name_like(text: str, rules: Rules) -> bool:
    """Whether a name cell holds a name: letters (no digits, no list punctuation such as 一、), short, not a
    label or a footer."""
    plain = norm(text)
    return (0 < len(plain) <= rules.labels.roster_layout.name_max_chars
            and not any(ch.isdigit() or ch in _NOT_IN_NAMES for ch in plain)
            and any(ch.isalpha() for ch in plain)
            and match_label(plain, rules.labels.roster_columns, rules).key is None
            and not footer_cell(text, rules) and not _total_cell(text, rules))


def _cell(values: Row, idx: int | None) -> str:
    return values[idx] if idx is not None and idx < len(values) else ""


def _more_than_a_name(values: Row, header: Header) -> bool:
    """A row without an identifier is a person when its name comes with something else of a person (a
    field, or a number in the 序号 column); a text alone in the name column is a heading (一、运维部)."""
    seq = _cell(values, header.seq)
    return seq.isdigit() or any(_cell(values, idx) for key, idx in header.columns.items() if key not in IDENTITY)


def _span(first: int, last: int) -> str:
    return f"第{first}行" if first == last else f"第{first}至{last}行"


def table_rows(rows: Sequence[Row], header: Header, rules: Rules) -> TableRows:
    """Which rows below ``header`` are people, and why each other row is not (see the module's docstring)."""
    layout = rules.labels.roster_layout
    name_idx, id_idx = header.columns.get("name"), header.columns.get("id_number")
    out = TableRows()
    for key in header.ties:  # two columns name one field equally well (全日制学历, 在职学历): no guess kept silent
        named = "、".join(f"「{t}」" for t, k in zip(header.labels, header.keys, strict=True) if k == key)
        field_name = rules.labels.roster_columns[key][0]
        out.warnings.append(f"表头{named}都可作为{field_name}列，读入了「{header.labels[header.columns[key]]}」，需人工核实")
    body = True  # the table lasts: a row with a name and no identifier is still a person
    other_table = False  # a different table's header below this one's end: nothing more is ours
    blank_from: int | None = None
    ended_at = ""

    def close_blanks(r: int) -> None:
        nonlocal blank_from
        if blank_from is not None:
            out.skipped.append(f"{_span(blank_from, r - 1)}：空行")
            blank_from = None

    for r in range(header.row + 1, len(rows) + 1):
        values = rows[r - 1]
        if not any(values):
            blank_from = r if blank_from is None else blank_from
            if body and r - blank_from + 1 >= layout.blank_run_end:
                body, ended_at = False, f"第{blank_from}行起连续空行"
            continue
        close_blanks(r)
        if other_table:
            out.skipped.append(f"第{r}行：另一表格")
            continue
        if id_like(_cell(values, id_idx)):
            if not body:
                out.warnings.append(f"第{r}行在表格结束（{ended_at}）之后，有身份证号，仍按人员读入")
            out.people.append(r)
            continue
        again = roster_header([values], rules)
        if again is not None:  # the header repeated (a printed page's), or another table's below this one
            if again.signature == header.signature:
                out.skipped.append(f"第{r}行：重复的表头")
                body = True
            else:
                other_table = True
                out.skipped.append(f"第{r}行：另一表格的表头，以下不读")
            continue
        if footer_row(values, rules):
            out.skipped.append(f"第{r}行：表尾（签字、盖章、注释或日期）")
            if body:
                body, ended_at = False, f"第{r}行表尾"
            continue
        if any(_total_cell(t, rules) for t in values if t):
            out.skipped.append(f"第{r}行：合计行")
            continue
        name = _cell(values, name_idx)
        if body and name_like(name, rules) and _more_than_a_name(values, header):
            out.people.append(r)
            continue
        reason = "无姓名和身份证号" if not name else "姓名栏不是姓名，且无身份证号"
        out.skipped.append(f"第{r}行：{reason}" if body else f"第{r}行：表格结束（{ended_at}）之后")
    close_blanks(len(rows) + 1)
    return out
