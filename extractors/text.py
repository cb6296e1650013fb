"""Text helpers shared by the extractors: label normalisation and synonym matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from decimal import Decimal

from pipeline.rules import Rules

_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_TRAILING = re.compile(r"[:：*＊\s]+$")
_UNIT_IN_LABEL = re.compile(r"[(（]\s*(?:单位\s*[:：]?\s*)?(?:人民币)?\s*([千百万亿]*元)\s*[)）]\s*$")


def norm(text: str | None) -> str:
    """NFKC, no spaces (also between Han characters), no trailing colon: ``'注 册 资 本：'`` → ``'注册资本'``."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = _SPACES.sub("", s)
    return _TRAILING.sub("", s)


def match_label(text: str | None, synonyms: Mapping[str, Iterable[str]]) -> str | None:
    """The key whose synonym equals the normalised ``text``; ``None`` if none does."""
    label = norm(text)
    if not label:
        return None
    for key, words in synonyms.items():
        if any(label == norm(w) for w in words):
            return key
    return None


def contains_any(text: str | None, words: Iterable[str]) -> bool:
    label = norm(text)
    return any(norm(w) and norm(w) in label for w in words)


def split_label(text: str, rules: Rules) -> tuple[str, Decimal | None]:
    """``注册资本（万元）`` → (``注册资本``, 10000); a label without a unit → (label, None)."""
    m = _UNIT_IN_LABEL.search(text)
    if not m:
        return text, None
    return text[: m.start()], rules.amounts.units.get(m.group(1))


def match(text: str, synonyms: dict[str, list[str]], rules: Rules) -> tuple[str | None, Decimal | None]:
    """The synonym key a label cell names, and the unit it states."""
    label, unit = split_label(text, rules)
    key = norm(label)
    if not key:
        return None, None
    for name, words in synonyms.items():
        if any(key == norm(w) for w in words):
            return name, unit
    return None, None
