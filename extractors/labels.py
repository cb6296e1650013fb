"""Label matching for the extractors: what a label cell means, by the synonyms of the rules file.

Forms and rosters written by other hands word their labels in their own way: 人员姓名 for 姓名,
学历（最高） for 学历, 公司注册日期 for 注册日期, 注 册 资 本（万元） for 注册资本. A label is
normalised (NFKC: full width to half width; no spaces; no leading number such as 一、, 1. or （2）;
no trailing colon or asterisk; a unit in brackets taken off and kept), then matched:

1. a term it equals, else
2. the longest term it *contains*, when what surrounds the term is a short qualifier (at most
   ``labels.matching.max_extra_chars`` characters): a long text that happens to hold a term is a
   sentence or a value, not a label.

Two fields whose best terms are equally long claim the label together: that is an ambiguity, reported
as such (``LabelMatch.ambiguous``) and never resolved by guessing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from omreview.rules import Rules
from omreview.text import norm

__all__ = ["BRACKETS", "LabelMatch", "is_label", "label_text", "match", "match_label", "split_label"]

_MONEY_UNIT = re.compile(r"[(（]\s*(?:单位\s*[:：]?\s*)?(?:人民币)?\s*([千百万亿]*元)\s*[)）]\s*$")
_NUMBERING = re.compile(  # 一、 （二） (3) 4. 5、 before a label (not the 1 of 1.5)
    r"^(?:[(（]?[一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．]|\d{1,3}(?:[、．]|\.(?!\d)))")
_MARKS = re.compile(r"[*＊※]")
BRACKETS = re.compile(r"[()（）\[\]【】〔〕<>《》]")  # every bracket a label or title may use
_REMARK = re.compile(r"\s*[(（][^()（）]+[)）]\s*$")  # 身份证号码（请以文本格式填写）: a note to whoever fills it in


@dataclass(frozen=True)
class LabelMatch:
    """What a label names: its field ``key`` (None when it names none, or several equally well), the
    money unit written in it, the vocabulary ``term`` that decided, and the fields tied for it."""

    key: str | None
    unit: Decimal | None = None
    term: str = ""
    exact: bool = False
    ambiguous: tuple[str, ...] = field(default=())


def split_label(text: str, rules: Rules) -> tuple[str, Decimal | None]:
    """``注册资本（万元）`` → (``注册资本``, 10000); a label without a unit → (label, None)."""
    m = _MONEY_UNIT.search(text)
    if not m:
        return text, None
    return text[: m.start()], rules.amounts.units.get(m.group(1))


def label_text(text: str | None, rules: Rules) -> tuple[str, Decimal | None]:
    """The normalised label and the money unit it states: ``'（二）注 册 资 本（万元）：'`` → (``注册资本``, 10000)."""
    raw = _MARKS.sub("", str(text or "")).strip().rstrip(":：").strip()
    label, unit = split_label(raw, rules)
    key = norm(label)
    key = _NUMBERING.sub("", key, count=1) if len(key) > 2 else key
    suffixes, ends = _unit_suffixes(tuple(rules.labels.matching.plain_units))
    if key[-1:] in ends:  # most labels end in no bracket: none of the suffixes can be taken off
        for suffix in suffixes:  # （人） （年） （%）: a count's or a span's unit
            if key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)]
    return key, unit


@lru_cache(maxsize=64)
def _unit_suffixes(plain_units: tuple[str, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
    """Each plain unit in half- and full-width brackets, normalised, in the order they are tried; their last
    characters."""
    brackets = (("(", ")"), ("（", "）"))
    suffixes = tuple(norm(f"{left}{plain}{right}") for plain in plain_units for left, right in brackets)
    return suffixes, frozenset(s[-1] for s in suffixes if s)


def _terms(words: Sequence[str]) -> tuple[str, ...]:
    return _normalised_terms(tuple(words))


@lru_cache(maxsize=4096)  # the rules' synonym lists, a few hundred: normalised once, not for every cell (a fifth
def _normalised_terms(words: tuple[str, ...]) -> tuple[str, ...]:  # of a text-layer applicant's reading CPU)
    return tuple(t for t in (BRACKETS.sub("", norm(w)) for w in words) if t)


def match_label(text: str | None, synonyms: Mapping[str, Sequence[str]], rules: Rules) -> LabelMatch:
    """The field a label cell names, by the rules' synonyms (see the module's docstring). A remark in brackets
    at its end, too long to be a qualifier, is read without it (身份证号码（请以文本格式填写）)."""
    found = _match_label(text, synonyms, rules)
    if found.key is None and not found.ambiguous and text and _REMARK.search(text):
        return _match_label(_REMARK.sub("", text), synonyms, rules)
    return found


def _match_label(text: str | None, synonyms: Mapping[str, Sequence[str]], rules: Rules) -> LabelMatch:
    key, unit = label_text(text, rules)
    if not key:
        return LabelMatch(None)
    bare = BRACKETS.sub("", key)
    exact = [name for name, words in synonyms.items() if bare in _terms(words)]
    if exact:
        return LabelMatch(exact[0], unit, bare, exact=True)
    limit = rules.labels.matching.max_extra_chars
    best: dict[str, str] = {}
    for name, words in synonyms.items():
        for term in _terms(words):
            if term in bare and len(bare) - len(term) <= limit and len(term) > len(best.get(name, "")):
                best[name] = term
    if not best:
        return LabelMatch(None, unit)
    longest = max(len(t) for t in best.values())
    tied = tuple(name for name, t in best.items() if len(t) == longest)
    if len(tied) > 1:
        return LabelMatch(None, unit, ambiguous=tied)
    return LabelMatch(tied[0], unit, best[tied[0]])


def match(text: str, synonyms: Mapping[str, Sequence[str]], rules: Rules) -> tuple[str | None, Decimal | None]:
    """The synonym key a label cell names, and the money unit it states."""
    found = match_label(text, synonyms, rules)
    return found.key, found.unit


def is_label(text: str | None, vocabularies: Sequence[Mapping[str, Sequence[str]]], rules: Rules) -> bool:
    """Whether a cell reads as a label of any of these vocabularies (then it is never a value)."""
    return any(match_label(text, v, rules).key is not None for v in vocabularies)
