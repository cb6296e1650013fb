"""Text normalisation shared by the extractors and the validators."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_TRAILING = re.compile(r"[:：*＊\s]+$")


_CACHED_CHARS = 200  # strings up to this long are normalised once (labels, cells, words: a few thousand)


def norm(text: str | None) -> str:
    """NFKC, no spaces (also between Han characters), no trailing colon: ``'注 册 资 本：'`` → ``'注册资本'``."""
    if not text:
        return ""
    if type(text) is str and len(text) <= _CACHED_CHARS:
        return _norm_short(text)  # the same labels and words come again and again (880k calls, 8k strings)
    return _norm(str(text))


@lru_cache(maxsize=16384)
def _norm_short(text: str) -> str:
    return _norm(text)


def _norm(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    s = _SPACES.sub("", s)
    return _TRAILING.sub("", s)


def contains_any(text: str | None, words: Iterable[str]) -> bool:
    label = norm(text)
    return any(norm(w) and norm(w) in label for w in words)
