"""What a cell of the 申报表 says, by the rules' vocabularies: a label (of which group and field), a
key person's role, a blank, an explicit "none", or a run of ``label：value`` pairs.

Every vocabulary of the form is consulted together: a cell is read as the label of the group whose
term it matches best (an exact term before a contained one, the longer term first, see
``omreview.extractors.labels``); two groups tied for it is an ambiguity. ``form_known_labels`` are labels that
name no field (住所, 联系电话): they are labels all the same, so never a value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from omreview.extractors.labels import BRACKETS, LabelMatch, label_text, match_label
from omreview.rules import Rules
from omreview.text import norm

GROUPS = ("form_fields", "declared_revenue", "key_person_columns", "project_columns", "software_columns",
          "key_person_roles", "known")
_CACHE_LIMIT = 20000  # answers kept per lexicon (texts of labels recur from form to form; values do not)
_SEGMENTS = re.compile(r"[()（）\[\]【】/／、,，;；兼\s]+")
_YEAR_IN_LABEL = re.compile(r"(?<!\d)((?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})(?!\d)\s*(?:年度?)?")
_CN_YEAR = str.maketrans("〇○零一二三四五六七八九", "000123456789")
_YEAR_BEFORE = re.compile(r"(?<!\d)(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*(?:年度?)?\s*$")
# what may follow a role in a block's title row: 主要负责人情况, 技术负责人基本信息
_SECTION_WORDS = re.compile(r"^(?:基本)?(?:情况|信息|简况|简介|资料)$")


@dataclass(frozen=True)
class Reading:
    """How a cell reads as a label: its ``group`` and ``key`` (both None when it is no label, or when
    groups or fields tie for it: then ``ambiguous`` names them as ``group.key``)."""

    group: str | None = None
    key: str | None = None
    unit: Decimal | None = None
    exact: bool = False
    term: str = ""
    ambiguous: tuple[str, ...] = ()

    @property
    def is_label(self) -> bool:
        return self.group is not None or bool(self.ambiguous)


def _rank(m: LabelMatch) -> tuple[bool, int]:
    return m.exact, len(m.term)


class Lexicon:
    """The form's vocabularies, read once per document (answers are cached by text)."""

    def __init__(self, rules: Rules) -> None:
        labels = rules.labels
        self.rules = rules
        self.groups: dict[str, Mapping[str, Sequence[str]]] = {
            "form_fields": labels.form_fields, "declared_revenue": labels.declared_revenue,
            "key_person_columns": labels.key_person_columns, "project_columns": labels.project_columns,
            "software_columns": labels.software_columns, "key_person_roles": labels.key_person_roles,
            "known": {"known": labels.form_known_labels},
        }
        self._blanks = [re.compile(p) for p in labels.form_blanks]
        self._none = {norm(w) for w in labels.form_none_words}
        self._totals = [norm(w) for w in labels.form_total_markers]
        self._roles = sorted(((norm(t), role) for role, terms in labels.key_person_roles.items() for t in terms),
                             key=lambda item: -len(item[0]))
        self._cache: dict[str, Reading] = {}
        self._matches: dict[tuple[str, str], LabelMatch] = {}

    # --- labels -----------------------------------------------------------------------------------

    def read(self, text: str | None) -> Reading:
        """The best reading of ``text`` as a label across every group (see the module's docstring)."""
        key = text or ""
        if key not in self._cache:
            if len(self._cache) > _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = self._read(key)
        return self._cache[key]

    def _read(self, text: str) -> Reading:
        if not text or len(norm(text)) > 40:
            return Reading()
        found = [(group, self._match(text, group, words)) for group, words in self.groups.items()]
        keyed = [(g, m) for g, m in found if m.key is not None]
        if not keyed:
            return Reading(ambiguous=tuple(f"{g}.{k}" for g, m in found for k in m.ambiguous))
        best = max(_rank(m) for _, m in keyed)
        top = [(g, m) for g, m in keyed if _rank(m) == best]
        if len(top) > 1:
            return Reading(exact=best[0], ambiguous=tuple(f"{g}.{m.key}" for g, m in top))
        group, m = top[0]
        return Reading(group=group, key=m.key, unit=m.unit, exact=m.exact, term=m.term)

    def _match(self, text: str, name: str, words: Mapping[str, Sequence[str]]) -> LabelMatch:
        key = (name, text)
        if key not in self._matches:
            if len(self._matches) > _CACHE_LIMIT:
                self._matches.clear()
            self._matches[key] = match_label(text, words, self.rules)
        return self._matches[key]

    def is_label(self, text: str | None) -> bool:
        return self.read(text).is_label

    def column(self, text: str | None, group: str) -> tuple[str, Decimal | None] | None:
        """The field of ``group`` a header cell names, when no other group reads it better."""
        r = self.read(text)
        if r.group == group and r.key is not None:
            return r.key, r.unit
        if r.group is None and any(a.startswith(group + ".") for a in r.ambiguous):
            m = self._match(text or "", group, self.groups[group])
            return (m.key, m.unit) if m.key is not None else None
        return None

    def field(self, text: str | None, group: str) -> LabelMatch:
        """The plain match of one group (for a label already known to belong to it)."""
        return self._match(text or "", group, self.groups[group])

    def year_label(self, text: str) -> tuple[int, str] | None:
        """``2011年营业收入（万元）`` → (2011, ``营业收入（万元）``): a label that names a year and a field."""
        m = _YEAR_IN_LABEL.search(text or "")
        if m is None:
            return None
        digits = m.group(1).translate(_CN_YEAR)
        rest = (text[: m.start()] + text[m.end():]).strip()
        return (int(digits), rest) if rest else None

    # --- key persons ------------------------------------------------------------------------------

    def person_label(self, text: str | None) -> tuple[str | None, str | None]:
        """(role, column) a label names: ``主要负责人`` → (principal, None); ``技术负责人职称`` → (tech_lead,
        title); ``职称`` → (None, title); anything else → (None, None)."""
        key = BRACKETS.sub("", label_text(text, self.rules)[0])
        for term, role in self._roles:
            if term and term in key:
                rest = key.replace(term, "", 1).strip("的之")
                if not rest or _SECTION_WORDS.match(rest):
                    return role, None
                named = self.field(rest, "key_person_columns").key
                return (role, named) if named else (None, None)
        column = self.column(text, "key_person_columns")
        return None, column[0] if column else None

    def role_of(self, text: str | None) -> str | None:
        """The role a cell names outright: ``运维技术负责人``, ``董事长（主要负责人）``."""
        return self._one_of(text, "key_person_roles", self.rules.labels.key_person_roles)

    def post_role(self, text: str | None) -> str | None:
        """The role a job title implies: 董事长/总经理 → principal, 技术总监 → tech_lead, 总会计师 →
        finance_lead (``labels.key_person_posts``); a title implying none or several → None."""
        role = self._one_of(text, "posts", self.rules.labels.key_person_posts)
        return None if role == "none" else role

    def _one_of(self, text: str | None, name: str, words: Mapping[str, Sequence[str]]) -> str | None:
        if not text:
            return None
        whole = self._match(text, name, words).key
        parts = {self._match(seg, name, words).key for seg in _SEGMENTS.split(text) if seg}
        parts.discard(None)
        if whole is not None and (not parts or parts == {whole}):
            return whole
        named = {p for p in parts if p != "none"} if name == "posts" else parts
        if len(named) == 1:
            return named.pop()
        return "none" if name == "posts" and parts == {"none"} else None

    # --- values -----------------------------------------------------------------------------------

    def is_blank(self, text: str | None) -> bool:
        """Empty, or an unfilled template (``{{name}}``, ``____``, ``年  月  日``)."""
        s = (text or "").strip()
        return not s or any(p.search(s) for p in self._blanks)

    def is_none(self, text: str | None) -> bool:
        """An explicit "none": 无, —, /, 不适用 (and 否)."""
        return norm(text) in self._none

    def is_total(self, text: str | None) -> bool:
        s = norm(text)
        return bool(s) and len(s) <= 6 and any(t and t in s for t in self._totals)

    # --- label：value runs ------------------------------------------------------------------------

    def split_inline(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """``成立日期：2001年3月5日  注册资本：500万元`` → (lead, [(label, value), …]); lead is the text
        before the first label. A colon after no known label is part of a value."""
        colons = [m.start() for m in re.finditer(r"[:：]", text)]
        if not colons:
            return text, []
        starts: list[tuple[int, int]] = []  # (label start, colon)
        previous = 0
        for colon in colons:
            segment = text[previous:colon]
            # before the first colon, a whole label with its qualifiers (企业成立日期：…) is the label; later
            # segments begin with the previous label's value, so there the label is looked for at the end
            whole = previous == 0 and segment.strip() and self.read(segment).is_label
            cut = len(segment) - len(segment.lstrip()) if whole else self._label_start(segment)
            if cut is not None:
                year = _YEAR_BEFORE.search(text[previous:previous + cut])  # 2011年|营业收入：the year is the label's
                starts.append((previous + (year.start() if year else cut), colon))
            previous = colon + 1
        if not starts:
            return text, []
        pairs = []
        for i, (start, colon) in enumerate(starts):
            end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
            pairs.append((text[start:colon].strip(), text[colon + 1:end].strip()))
        return text[: starts[0][0]].strip(), pairs

    def _label_start(self, segment: str) -> int | None:
        stripped = segment.rstrip()
        if not stripped.strip():
            return None
        tail = max(0, len(stripped) - 24)
        for at in range(tail, len(stripped)):  # the longest suffix that is a term exactly ...
            if not stripped[at].isspace() and self.read(stripped[at:]).exact:
                word = max(stripped.rfind(space, 0, at) for space in " \t\u3000") + 1
                # ... with the qualifiers of its word (某公司 公司注册日期：the label is 公司注册日期)
                return word if word < at and self.read(stripped[word:]).is_label else at
        for m in re.finditer(r"\S+", stripped):  # else the longest suffix from a word boundary that is a label
            if m.start() >= tail and self.read(stripped[m.start():]).is_label:
                return m.start()
        return None




_LEXICONS: dict[int, tuple[Rules, Lexicon]] = {}


def lexicon(rules: Rules) -> Lexicon:
    """The lexicon of these rules, built once (its answers are kept from document to document)."""
    held = _LEXICONS.get(id(rules))
    if held is None or held[0] is not rules:
        if len(_LEXICONS) >= 8:
            _LEXICONS.clear()
        held = _LEXICONS[id(rules)] = (rules, Lexicon(rules))
    return held[1]
