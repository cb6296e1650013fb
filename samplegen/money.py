"""Writing amounts as documents do, and the value a reader gets back from what was written."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

UNITS = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
DECIMALS = {"元": 2, "万元": 2, "亿元": 4}
CENT = Decimal("0.01")
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_CN_DIGITS = "零壹贰叁肆伍陆柒捌玖"


@dataclass(frozen=True)
class Amount:
    """A written amount: its value in yuan and the yuan size of its last written digit."""

    value: Decimal
    quantum: Decimal


def written(value: Decimal, unit: str, decimals: int | None = None) -> Amount:
    """The amount a reader recovers from ``value`` written in ``unit`` with ``decimals`` places."""
    places = DECIMALS[unit] if decimals is None else decimals
    quantum = UNITS[unit] * Decimal(1).scaleb(-places)
    steps = (value / quantum).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Amount((steps * quantum).quantize(CENT), quantum)


def exact(value: Decimal) -> Amount:
    """An amount known exactly (e.g. 人民币伍仟万元整, or a count)."""
    return Amount(value, Decimal(0))


def agree(a: Amount, b: Amount) -> bool:
    """CONDITIONS.md: differ by no more than half a unit of the coarser written precision."""
    return abs(a.value - b.value) <= max(a.quantum, b.quantum) / 2


def number_text(value: Decimal, unit: str = "元", decimals: int | None = None,
                grouping: bool = True, fullwidth: bool = False) -> str:
    """``value`` (yuan) as digits in ``unit``: ``60,123,456.78``; negatives as ``-1,234.00``."""
    places = DECIMALS[unit] if decimals is None else decimals
    number = (value / UNITS[unit]).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{number:,.{places}f}" if grouping else f"{number:.{places}f}"
    return text.translate(_FULLWIDTH) if fullwidth else text


def yuan_str(value: Decimal) -> str:
    """A golden-file amount: yuan with two decimals, no grouping."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


def ratio_str(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):.4f}"


def percent_text(ratio: Decimal, fullwidth: bool = False) -> str:
    """``0.853333`` -> ``85.33%``."""
    text = f"{(ratio * 100).quantize(CENT, rounding=ROUND_HALF_UP):.2f}%"
    return text.translate(_FULLWIDTH) if fullwidth else text


def percent_written(ratio: Decimal) -> Amount:
    """The ratio a reader recovers from ``percent_text`` (quantum 0.0001)."""
    value = (ratio * 100).quantize(CENT, rounding=ROUND_HALF_UP) / 100
    return Amount(value, Decimal("0.0001"))


def digits_fullwidth(text: str) -> str:
    return text.translate(_FULLWIDTH)


def _section_upper(n: int) -> str:
    """0 < n < 10000 in financial capitals, e.g. 5000 -> 伍仟, 1020 -> 壹仟零贰拾."""
    out, pending_zero = "", False
    for power, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = n // power % 10
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out += "零"
            pending_zero = False
        out += _CN_DIGITS[digit] + unit
    return out


def upper_cn(value: Decimal) -> str:
    """A whole-yuan amount as 人民币伍仟万元整."""
    n = int(value)
    if n <= 0 or n != value:
        raise ValueError(f"upper_cn needs a positive whole amount, got {value}")
    out = ""
    for section, unit in ((n // 10**8, "亿"), (n // 10**4 % 10**4, "万"), (n % 10**4, "")):
        if section == 0:
            continue
        if out and section < 1000:
            out += "零"
        out += _section_upper(section) + unit
    return f"人民币{out}元整"
