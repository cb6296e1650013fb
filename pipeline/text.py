"""Text normalisation shared by the extractors and the validators."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_TRAILING = re.compile(r"[:：*＊\s]+$")


def norm(text: str | None) -> str:
    """NFKC, no spaces (also between Han characters), no trailing colon: ``'注 册 资 本：'`` → ``'注册资本'``."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = _SPACES.sub("", s)
    return _TRAILING.sub("", s)


def contains_any(text: str | None, words: Iterable[str]) -> bool:
    label = norm(text)
    return any(norm(w) and norm(w) in label for w in words)
