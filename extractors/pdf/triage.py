"""Triage of a statement PDF from its fast text pass: what it is and where its parts are.

- the cover line says what the document is: 年度报告 (annual), 年度报告摘要 (summary), 季度报告 /
  半年度报告 (interim), or nothing (a standalone 审计报告);
- the auditor's report starts at its title line (``pdf.audit_opinion.find_report``);
- each statement title after it (合并资产负债表, 母公司利润表, 资产负债表（续） …) opens a ``Span`` that runs
  to the next statement's title; a repeated or continued title extends the span;
- per span, the pages that hold a wanted row (实收资本, 所有者权益合计, 营业收入, 净利润), plus the title
  page for the column header: only these are read again with positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from omreview.extractors.pdf import audit_opinion
from omreview.extractors.pdf.tables import Vocabulary, label_key
from omreview.rules import Rules
from omreview.text import norm

BALANCE, INCOME, OTHER = "balance_sheet", "income_statement", "other"
FIELDS = {BALANCE: ("paid_in_capital", "equity"), INCOME: ("total_revenue", "net_profit")}
_SCOPE_ORDER = ("consolidated", "single", "parent")
_COVER_YEAR = re.compile(r"((?:19|20)\d{2})年")
_COVER_PAGES = 2
_COVER_LINE_MAX = 40


@dataclass(frozen=True)
class Title:
    page: int  # 0-based
    line: int
    statement: str
    scope: str


@dataclass
class Span:
    """One statement in the document: from its title to the next statement's title."""

    title: Title
    end: tuple[int, int] | None = None
    pages: list[int] = field(default_factory=list)  # 1-based pages to read with positions


@dataclass
class Triage:
    pages: list[list[str]]
    cover: str | None = None  # annual | summary | interim
    cover_year: int | None = None
    audit_at: tuple[int, int] | None = None
    spans: list[Span] = field(default_factory=list)
    another_report: int | None = None  # 1-based page of a second auditor's report after the statements

    def pick(self, statement: str) -> Span | None:
        for scope in _SCOPE_ORDER:
            for span in self.spans:
                if span.title.statement == statement and span.title.scope == scope:
                    return span
        return None


def triage(texts: list[str], rules: Rules) -> Triage:
    """Where things are, from the text pass."""
    tri = Triage([t.split("\n") for t in texts])
    tri.cover, tri.cover_year = _cover(tri.pages, rules)
    tri.audit_at = audit_opinion.find_report(tri.pages, rules)
    tri.spans = _spans(_titles(tri.pages, tri.audit_at, rules))
    _stop_at_another_report(tri, rules)
    vocab = Vocabulary(rules)
    for span in tri.spans:
        if span.title.statement in FIELDS:
            span.pages = _span_pages(tri.pages, span, rules, vocab)
    return tri


def _titles(pages: list[list[str]], audit_at: tuple[int, int] | None, rules: Rules) -> list[Title]:
    """The statement title lines after the auditor's report's title (from the start without a report)."""
    first = audit_at or (0, -1)
    title_of = TitleMatcher(rules)
    return [
        Title(p, i, *found)
        for p, lines in enumerate(pages)
        for i, text in enumerate(lines)
        if (p, i) > first and (found := title_of(text))
    ]


def _spans(titles: list[Title]) -> list[Span]:
    """One span per statement: a title opens it and ends the one before; a repeated or 续 title extends it."""
    spans: list[Span] = []
    for title in titles:
        current = spans[-1] if spans else None
        if current and current.end is None and (current.title.statement, current.title.scope) == (
            title.statement,
            title.scope,
        ):
            continue  # a repeated or continued (续) title
        if current and current.end is None:
            current.end = (title.page, title.line)
        spans.append(Span(title))
    return spans


def _stop_at_another_report(tri: Triage, rules: Rules) -> None:
    """Whether a second auditor's report follows the statements; if so, the spans after it are dropped."""
    if not (tri.audit_at and tri.spans):
        return
    first_title = tri.spans[0].title
    again = audit_opinion.find_report(tri.pages, rules, after=(first_title.page, first_title.line))
    if again:  # statements after a second report belong to that report's year: not read
        tri.another_report = again[0] + 1
        tri.spans = [s for s in tri.spans if (s.title.page, s.title.line) < again]
        if tri.spans[-1].end is None or tri.spans[-1].end > again:
            tri.spans[-1].end = again


class TitleMatcher:
    """Tells statement title lines (``合并资产负债表（续）``) from the rest; the rules' words normalised once."""

    _MAX = 20

    def __init__(self, rules: Rules) -> None:
        cfg, titles = rules.labels.statement_pdf, rules.labels.statement_titles
        self.noise = [re.compile(p) for p in cfg.title_noise]
        self.continued = sorted((norm(w) for w in cfg.continued), key=len, reverse=True)
        self.scopes = [(name, [norm(p) for p in prefixes]) for name, prefixes in cfg.scopes.items()]
        self.statements = {norm(w): BALANCE for w in titles.get(BALANCE, [])}
        self.statements |= {norm(w): INCOME for w in titles.get(INCOME, [])}
        self.statements |= {norm(w): OTHER for w in cfg.other_statements}
        self.quick = tuple(self.statements)

    def __call__(self, text: str) -> tuple[str, str] | None:
        """(statement, scope) when ``text`` is a statement's title line."""
        squeezed = "".join(text.split())
        if len(squeezed) > 3 * self._MAX or not any(w in squeezed for w in self.quick):
            return None
        s = norm(text)
        for pattern in self.noise:
            s = pattern.sub("", s)
        s = label_key(s)
        if not s or len(s) > self._MAX:
            return None
        for word in self.continued:
            if len(s) > len(word) and s.endswith(word):
                s = s[: -len(word)]
                break
        scope = "single"
        for name, prefixes in self.scopes:
            prefix = next((p for p in prefixes if s.startswith(p)), None)
            if prefix:
                scope, s = name, s[len(prefix) :]
                break
        statement = self.statements.get(s)
        return (statement, scope) if statement else None


def _cover(pages: list[list[str]], rules: Rules) -> tuple[str | None, int | None]:
    """What the cover says the document is (annual | summary | interim) and its year."""
    cfg = rules.labels.statement_pdf
    kinds = (("summary", cfg.report_summary), ("interim", cfg.interim_report), ("annual", cfg.annual_report))
    for lines in pages[:_COVER_PAGES]:
        for text in lines:
            s = norm(text)
            m = _COVER_YEAR.search(s)
            if not m or len(s) > _COVER_LINE_MAX:
                continue
            rest = s[m.end() - 1 :]
            for kind, words in kinds:
                if any(norm(w) in rest for w in words):
                    return kind, int(m.group(1))
    return None, None


def _span_pages(pages: list[list[str]], span: Span, rules: Rules, vocab: Vocabulary) -> list[int]:
    """The 1-based pages to read with positions: those holding a wanted row, and the title page for the header.

    The title page is left out when it holds no wanted row and the first page that does repeats the header
    (a statement continued under 资产负债表（续）).
    """
    rows = rules.labels.statement_rows
    stems = tuple({label_key(w)[:3] for name in FIELDS[span.title.statement] for w in rows.get(name, [])})
    start = span.title.page
    last = min(len(pages) - 1, start + rules.labels.statement_pdf.max_statement_pages - 1)
    if span.end:
        last = min(last, span.end[0])

    def body(p: int) -> list[str]:
        lines = pages[p][: span.end[1]] if span.end and p == span.end[0] else pages[p]
        return lines[span.title.line + 1 :] if p == start else lines

    def first_row(p: int) -> int | None:
        return next((i for i, text in enumerate(body(p)) if label_key(text).startswith(stems)), None)

    later = [p for p in range(start + 1, last + 1) if first_row(p) is not None]
    if first_row(start) is None and later:
        head = body(later[0])[: first_row(later[0])]
        if any(vocab.is_header_text(text) for text in head):
            return [p + 1 for p in later]
    return [start + 1] + [p + 1 for p in later]


