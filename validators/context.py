"""What every check function receives, and small helpers to build a Check row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from omreview.model import Check, CheckStatus, Figure, Source
from omreview.rules import CheckRule, Rules, Thresholds
from omreview.validators.contracts import Links
from omreview.validators.inputs import Inputs

Value = str | int | None


@dataclass(frozen=True)
class Context:
    inputs: Inputs
    figures: dict[str, Figure]
    rules: Rules
    application_date: dt.date
    fiscal_years: list[int]
    links: Links = field(default_factory=Links)  # the declared projects' contracts (validators/contracts.py)

    @property
    def thresholds(self) -> Thresholds:
        return self.rules.thresholds

    @property
    def window(self) -> tuple[dt.date, dt.date]:
        return dt.date(self.fiscal_years[0], 1, 1), dt.date(self.fiscal_years[-1], 12, 31)


CheckFn = Callable[[Context, CheckRule], Check]


def row(rule: CheckRule, status: CheckStatus, message: str, values: Mapping[str, Value] | None = None,
        evidence: Sequence[Source | None] | None = None) -> Check:
    """A Check with the rule's title before the message; ``None`` evidence entries are dropped."""
    sources = [s for s in (evidence or []) if s is not None]
    unique = list({s.model_dump_json(): s for s in sources}.values())
    return Check(id=rule.id, status=status, message=f"{rule.title}：{message}", values=dict(values or {}),
                 evidence=unique)


def money_words(value: Decimal) -> str:
    """A threshold for a message: 100000000 → 1亿元, 30000000 → 3000万元, 1234.5 → 1234.50元."""
    if value >= 100_000_000 and value % 1_000_000 == 0:
        return f"{(value / 100_000_000).normalize():f}亿元"
    if value >= 10_000 and value % 100 == 0:
        return f"{(value / 10_000).normalize():f}万元"
    return f"{value.quantize(Decimal('0.01'))}元"


def percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).quantize(Decimal('0.01')).normalize():f}%"


def missing(rule: CheckRule, what: str) -> Check:
    return row(rule, CheckStatus.MISSING, f"无法判断，缺少{what}。")
