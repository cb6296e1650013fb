"""Text helpers shared by the extractors: label normalisation and synonym matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_TRAILING = re.compile(r"[:：*＊\s]+$")


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
