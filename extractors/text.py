"""Label matching for the extractors: synonyms from the rules file, a unit written in the label."""

from __future__ import annotations

import re
from decimal import Decimal

from pipeline.rules import Rules
from pipeline.text import contains_any, norm

__all__ = ["contains_any", "match", "norm", "split_label"]

_UNIT_IN_LABEL = re.compile(r"[(（]\s*(?:单位\s*[:：]?\s*)?(?:人民币)?\s*([千百万亿]*元)\s*[)）]\s*$")


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
