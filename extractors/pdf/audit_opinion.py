"""The auditor's report inside a statement PDF: where it is, who signed it, which opinion it gives.

Read from the fast text pass (``pdf.pages.read_texts``): the report is a title line 审计报告 followed by
its first sentence (我们审计了…); it ends at the signature block (会计师事务所 … 中国注册会计师). The
opinion comes from the report's own section headings (一、审计意见 / 三、强调事项 / 四、保留意见 …, the
rules' ``audit_opinions``), or from its wording when it has no such headings — never from cover
summaries such as 重要提示, which may describe the report differently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from omreview.extractors.pdf.tables import label_key
from omreview.model import AuditOpinion
from omreview.rules import Rules
from omreview.text import norm

PageLines = list[list[str]]

_MARKER_REACH = 80  # lines after the title within which the report's first sentence must follow
_MAX_REPORT_PAGES = 8
_HEADING_MAX = 30
_FORM_REACH = 4  # lines below a firm's name searched for its legal form
_SUFFIX = re.compile(r"^\s*([（(][^（）()]{1,12}[)）])")
_FISCAL = re.compile(r"((?:19|20)\d{2})年(?:12月31日|度)")


@dataclass(frozen=True)
class Hit:
    """A value read from the report: canonical ``value``, the ``printed`` text, its page, a string to locate."""

    value: str
    printed: str
    page: int
    needle: str


@dataclass(frozen=True)
class AuditReport:
    start_page: int  # 1-based
    end_page: int
    auditor: Hit | None
    opinion: AuditOpinion | None
    opinion_hit: Hit | None
    year: int | None


def find_report(pages: PageLines, rules: Rules, after: tuple[int, int] = (-1, -1)) -> tuple[int, int] | None:
    """(page index, line index) of the report's title line: a line 审计报告 soon followed by 我们审计了.

    Only lines after ``after`` (page index, line index) are looked at.
    """
    titles = {label_key(t) for t in rules.labels.statement_titles.get("audit_report", [])}
    markers = [norm(m) for m in rules.labels.statement_pdf.audit_markers]
    quick = tuple(titles)
    flat = [(p, i, line) for p, lines in enumerate(pages) for i, line in enumerate(lines)]
    for n, (p, i, line) in enumerate(flat):
        if (p, i) <= after:
            continue
        if any(t in "".join(line.split()) for t in quick) and label_key(line) in titles:
            ahead = "".join(norm(text) for _, _, text in flat[n + 1 : n + 1 + _MARKER_REACH])
            if any(m in ahead for m in markers):
                return p, i
    return None


def read_report(pages: PageLines, start: tuple[int, int], stop: tuple[int, int] | None, rules: Rules) -> AuditReport:
    """Auditor, opinion and fiscal year of the report that starts at ``start`` (and ends before ``stop``)."""
    last_page = min(len(pages) - 1, start[0] + _MAX_REPORT_PAGES - 1)
    if stop:
        last_page = min(last_page, stop[0])
    lines: list[tuple[int, str]] = []
    for p in range(start[0], last_page + 1):
        for i, line in enumerate(pages[p]):
            if (p, i) <= start or (stop and (p, i) >= stop):
                continue
            lines.append((p + 1, line))
    sig = _signature(lines, rules)
    body = lines[: sig + 1] if sig is not None else lines
    auditor = _auditor(lines, sig, rules) if sig is not None else _auditor(lines, None, rules)
    opinion, opinion_hit = _opinion(body, rules)
    end_page = lines[min(sig + 3, len(lines) - 1)][0] if sig is not None and lines else last_page + 1
    return AuditReport(start[0] + 1, end_page, auditor, opinion, opinion_hit, _year(body, rules))


def _signature(lines: list[tuple[int, str]], rules: Rules) -> int | None:
    """Index of the line that carries the audit firm in the signature block (the last one near 中国注册会计师)."""
    cfg = rules.labels.statement_pdf
    firm = [norm(w) for w in cfg.audit_firm]
    signs = [norm(w) for w in cfg.signature_markers]
    found = None
    for n, (_, line) in enumerate(lines):
        if not any(w in norm(line) for w in firm):
            continue
        near = "".join(norm(text) for _, text in lines[max(0, n - 3) : n + 4])
        if any(s in near for s in signs):
            found = n
    return found


def _auditor(lines: list[tuple[int, str]], sig: int | None, rules: Rules) -> Hit | None:
    firm = "|".join(re.escape(w) for w in rules.labels.statement_pdf.audit_firm)
    pattern = re.compile(
        rf"([^\s，。,;；:：“”\"《》]*?(?:{firm})(?:有限(?:责任)?公司)?(?:\s*[（(][^（）()]{{1,12}}[)）])?)"
    )
    order = [sig] if sig is not None else list(range(len(lines) - 1, -1, -1))
    for n in order:
        page, line = lines[n]
        m = pattern.search(line)
        if not m or len(norm(m.group(1))) <= len(norm(rules.labels.statement_pdf.audit_firm[0])):
            continue
        printed = needle = m.group(1).strip()
        if not re.search(r"[)）]$", printed):
            printed += _legal_form(lines[n + 1 : n + 1 + _FORM_REACH], rules)
        value = re.sub(r"\s+", "", printed).replace("(", "（").replace(")", "）")
        return Hit(value, printed, page, needle)
    return None


def _legal_form(lines: list[tuple[int, str]], rules: Rules) -> str:
    """The bracketed legal form printed under a firm's name (致同会计师事务所 / （特殊普通合伙））, or ``""``."""
    forms = {norm(f) for f in rules.labels.statement_pdf.audit_firm_forms}
    for _, line in lines:
        m = _SUFFIX.match(line)
        if m and norm(m.group(1))[1:-1] in forms:
            return m.group(1)
    return ""


def _opinion(body: list[tuple[int, str]], rules: Rules) -> tuple[AuditOpinion | None, Hit | None]:
    order = list(rules.labels.audit_opinions)
    headings = {label_key(w): opinion for opinion, words in rules.labels.audit_opinions.items() for w in words}
    best: tuple[int, AuditOpinion, Hit] | None = None
    for page, line in body:
        key = label_key(line)
        if len(key) > _HEADING_MAX or key not in headings:
            continue
        opinion = headings[key]
        rank = order.index(opinion)
        if best is None or rank < best[0]:
            best = (rank, AuditOpinion(opinion), Hit(opinion, line.strip(), page, line.strip()))
    phrased = _phrased(body, rules)
    if best is None:
        return phrased
    if best[1] == AuditOpinion.UNQUALIFIED and phrased[0] == AuditOpinion.UNQUALIFIED_EMPHASIS:
        return phrased
    return best[1], best[2]


def _phrased(body: list[tuple[int, str]], rules: Rules) -> tuple[AuditOpinion | None, Hit | None]:
    """The opinion from its wording (reports without headings); the line where the wording starts."""
    joined = ""
    starts: list[tuple[int, int, str]] = []  # (offset in joined, page, line)
    for page, line in body:
        starts.append((len(joined), page, line))
        joined += norm(line)
    for opinion, patterns in rules.labels.statement_pdf.opinion_phrases.items():
        for pattern in patterns:
            m = re.search(pattern, joined)
            if m:
                _, page, line = next(s for s in reversed(starts) if s[0] <= m.start())
                return AuditOpinion(opinion), Hit(opinion, m.group(), page, line.strip())
    return None, None


def _year(body: list[tuple[int, str]], rules: Rules) -> int | None:
    """The fiscal year the report covers: the first 'YYYY年12月31日' or 'YYYY年度' after 我们审计了."""
    text = "".join(norm(line) for _, line in body[:60])
    starts = [text.find(norm(m)) for m in rules.labels.statement_pdf.audit_markers if norm(m) in text]
    m = _FISCAL.search(text, min(starts) if starts else 0)
    return int(m.group(1)) if m else None
