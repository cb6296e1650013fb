"""Education and professional-title normalisation, by the synonyms of the rules file (used by the roster
reader and by the key-person checks)."""

from __future__ import annotations

from omreview.records import Education, TitleLevel, TitleSeries
from omreview.rules import Rules
from omreview.text import norm

# Checked in this order, so that the longer, more specific word wins (正高级工程师 before 高级工程师,
# 助理工程师 before 工程师, 博士研究生 before 研究生).
_EDUCATION_ORDER = (Education.DOCTORATE, Education.MASTER, Education.BACHELOR, Education.COLLEGE, Education.BELOW)
_TITLE_ORDER = (TitleLevel.FULL_SENIOR, TitleLevel.SENIOR, TitleLevel.JUNIOR, TitleLevel.INTERMEDIATE)


def education_of(raw: object, rules: Rules) -> Education:
    """The education level of a roster or form label; ``unknown`` when no synonym fits."""
    label = norm(None if raw is None else str(raw))
    if not label:
        return Education.UNKNOWN
    table = rules.labels.education
    for level in _EDUCATION_ORDER:
        if any(label == norm(w) for w in table.get(level.value, [])):
            return level
    for level in _EDUCATION_ORDER:
        if any(norm(w) and norm(w) in label for w in table.get(level.value, [])):
            return level
    return Education.UNKNOWN


def title_of(raw: object, rules: Rules) -> tuple[TitleLevel, TitleSeries]:
    """(level, series) of a professional title such as 高级工程师 or 会计师."""
    label = norm(None if raw is None else str(raw))
    titles = rules.labels.titles
    if label in {norm(w) for w in titles.get("none", [])}:
        return TitleLevel.NONE, TitleSeries.OTHER
    level = TitleLevel.NONE
    for candidate in _TITLE_ORDER:
        words = [norm(w) for w in titles.get(candidate.value, []) if norm(w)]
        if label in words or any(w in label for w in words):
            level = candidate
            break
    series = TitleSeries.OTHER
    for name in ("accounting", "engineering"):
        if any(norm(w) in label for w in rules.labels.title_series.get(name, []) if norm(w)):
            series = TitleSeries(name)
            break
    return level, series


def is_it_specialty(raw: object, rules: Rules) -> bool:
    """An electronics / IT specialty (电子信息类): 计算机, 软件, 通信 … by the rules' word list."""
    label = norm(None if raw is None else str(raw))
    return any(norm(w) in label for w in rules.labels.it_specialties)
