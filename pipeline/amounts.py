"""Money amounts as people write them in Chinese filings, read into exact yuan.

One parser for every form of CONDITIONS.md: ``12,345,678.90``, ``1234.56万元``, ``1.23亿元``,
``人民币壹仟万元整``, ``(1,234.00)``, ``-5.00``, full-width digits and punctuation, and a unit given
by a table header (``单位：万元``). Every amount keeps the precision in which it was written, so
that two amounts ``agree`` when they differ by no more than half a unit of the coarser precision.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from omreview.errors import AmountError
from omreview.rules import Rules, default_rules

_CN_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "壹": 1, "一": 1, "贰": 2, "貳": 2, "二": 2, "两": 2, "叁": 3, "參": 3,
    "三": 3, "肆": 4, "四": 4, "伍": 5, "五": 5, "陆": 6, "陸": 6, "六": 6, "柒": 7, "七": 7, "捌": 8,
    "八": 8, "玖": 9, "九": 9,
}
_CN_SMALL_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_CN_WAN = {"万", "萬"}
_CN_YI = {"亿", "億"}
_CN_CHARS = set(_CN_DIGITS) | set(_CN_SMALL_UNITS) | _CN_WAN | _CN_YI
_CN_CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"

_ARABIC = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$|^\.\d+$")
_HEADER_UNIT = re.compile(r"(?:单位|金额单位|货币单位)\s*[:：]?\s*(?:人民币)?\s*([千百万亿]*[元圆])")
_MINUS_SIGNS = "-−－–—"


@dataclass(frozen=True)
class Amount:
    """An exact amount in yuan and the precision (in yuan) of its last written digit."""

    value: Decimal
    precision: Decimal
    text: str = ""

    def agrees(self, other: Amount) -> bool:
        """True when the two differ by at most half a unit of the coarser written precision."""
        return agree(self, other)

    def __str__(self) -> str:
        return yuan_str(self.value)


def agree(a: Amount, b: Amount) -> bool:
    """The ``agree`` rule of CONDITIONS.md."""
    tolerance = max(a.precision, b.precision) / 2
    return abs(a.value - b.value) <= tolerance


def yuan_str(value: Decimal) -> str:
    """A yuan amount as the report writes it: a plain decimal string with two places."""
    return str(value.quantize(Decimal("0.01")))


def parse_unit(text: str, rules: Rules | None = None) -> Decimal | None:
    """The multiplier stated by a header such as ``单位：人民币万元``; ``None`` if none is stated."""
    rules = rules or default_rules()
    match = _HEADER_UNIT.search(unicodedata.normalize("NFKC", text))
    if not match:
        return None
    return rules.amounts.units.get(match.group(1))


def is_blank_amount(text: str) -> bool:
    """A cell that a statement leaves empty or marks with a dash (meaning nil)."""
    stripped = unicodedata.normalize("NFKC", text or "").strip()
    return stripped == "" or all(ch in _MINUS_SIGNS for ch in stripped)


def parse_amount(text: str, unit: Decimal | None = None, rules: Rules | None = None) -> Amount:
    """Read ``text`` as an amount in yuan.

    ``unit`` is the multiplier stated by a table header (``parse_unit``); a unit written in the
    text itself (``万元``) takes precedence. Raises ``AmountError`` with a plain reason.
    """
    rules = rules or default_rules()
    original = text
    if not isinstance(text, str) or not text.strip():
        raise AmountError("empty amount")
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s)
    for word in rules.amounts.currency_words:
        s = s.replace(unicodedata.normalize("NFKC", word), "")
    negative = False
    bracketed = re.fullmatch(r"\((.+)\)([^()]*)", s)  # (1,234.00) or (0.01)万元
    if bracketed:
        negative, s = True, bracketed.group(1) + bracketed.group(2)
    if (s and s[0] in _MINUS_SIGNS) or s.startswith("负"):
        negative, s = True, s[1:]
    elif s.startswith("+"):
        s = s[1:]
    if not s:
        raise AmountError(f"no number in {original!r}")

    if any(ch in _CN_CHARS for ch in s) and not re.search(r"\d", s):
        value, precision = _parse_chinese(s, original)
    else:
        value, precision = _parse_arabic(s, unit, rules, original)
    if negative:
        value = -value
    return Amount(value=value, precision=precision, text=original)


def _parse_arabic(s: str, unit: Decimal | None, rules: Rules, original: str) -> tuple[Decimal, Decimal]:
    multiplier = unit if unit is not None else Decimal(1)
    for word in sorted(rules.amounts.units, key=len, reverse=True):
        if s.endswith(word):
            multiplier = rules.amounts.units[word]
            s = s[: -len(word)]
            break
    if not _ARABIC.match(s):
        raise AmountError(f"not an amount: {original!r}")
    digits = s.replace(",", "")
    try:
        number = Decimal(digits)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above rules this out
        raise AmountError(f"not an amount: {original!r}") from exc
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    precision = Decimal(1).scaleb(-decimals) * multiplier
    return number * multiplier, precision


def _parse_chinese(s: str, original: str) -> tuple[Decimal, Decimal]:
    """Chinese numerals: 人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分, 壹仟万元整."""
    s = s.rstrip("整正")
    jiao = fen = 0
    precision = Decimal(1)
    m = re.fullmatch(r"(.*?)(?:[元圆](?:([^角分]*)角)?(?:([^角分]*)分)?)?", s)
    if not m or (not m.group(1) and not (m.group(2) or m.group(3))):
        raise AmountError(f"not an amount: {original!r}")
    integer_part, jiao_text, fen_text = m.group(1), m.group(2), m.group(3)
    if jiao_text is not None:
        jiao, precision = _cn_digit(jiao_text.lstrip("零〇"), original), Decimal("0.1")
    if fen_text is not None:
        fen, precision = _cn_digit(fen_text.lstrip("零〇"), original), Decimal("0.01")
    whole = _cn_integer(integer_part, original) if integer_part else 0
    value = Decimal(whole) + Decimal(jiao) / 10 + Decimal(fen) / 100
    return value.quantize(precision), precision


def _cn_digit(text: str, original: str) -> int:
    if len(text) != 1 or text not in _CN_DIGITS:
        raise AmountError(f"not an amount: {original!r}")
    return _CN_DIGITS[text]


def _cn_integer(text: str, original: str) -> int:
    total = section = number = 0
    for ch in text:
        if ch in _CN_DIGITS:
            number = _CN_DIGITS[ch]
        elif ch in _CN_SMALL_UNITS:
            section += (number or 1) * _CN_SMALL_UNITS[ch]
            number = 0
        elif ch in _CN_WAN or ch in _CN_YI:
            if ch in _CN_WAN and section + number:
                total += (section + number) * 10_000
            elif ch in _CN_YI and total + section + number:
                total = (total + section + number) * 100_000_000
            else:
                raise AmountError(f"not an amount: {original!r}")
            section = number = 0
        else:
            raise AmountError(f"not an amount: {original!r}")
    return total + section + number


def to_chinese_capital(value: Decimal) -> str:
    """Write a non-negative amount below 1万亿 in capital numerals (大写), e.g. 壹仟万元整."""
    if value < 0 or value >= Decimal("1000000000000"):
        raise ValueError("capital numerals are written here for 0 <= value < 1万亿")
    cents = int((value * 100).to_integral_value())
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    groups = [(yuan // 100_000_000, "亿"), (yuan // 10_000 % 10_000, "万"), (yuan % 10_000, "")]
    out = ""
    for number, suffix in groups:
        if number:
            if out and number < 1000:
                out += "零"
            out += _capital_group(number) + suffix
    out = (out or "零") + "元"
    if not jiao and not fen:
        return out + "整"
    if jiao:
        out += _CN_CAPITAL_DIGITS[jiao] + "角"
    if fen:
        out += ("" if jiao else "零") + _CN_CAPITAL_DIGITS[fen] + "分"
    return out


def _capital_group(number: int) -> str:
    out, pending_zero = "", False
    for power, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = number // power % 10
        if digit:
            if pending_zero and out:
                out += "零"
            out += _CN_CAPITAL_DIGITS[digit] + unit
            pending_zero = False
        else:
            pending_zero = True
    return out


# --- amounts in capital numerals (大写), read strictly --------------------------------------------------------

_CAPITAL_DIGITS = {"零": 0, "〇": 0, "壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "叄": 3, "肆": 4, "伍": 5,
                   "陆": 6, "陸": 6, "柒": 7, "捌": 8, "玖": 9,
                   # the small numerals some write in words as well (贰拾万 / 二十万)
                   "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CAPITAL_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_CAPITAL_WAN, _CAPITAL_YI = frozenset("万萬"), frozenset("亿億")
_CAPITAL_YUAN = frozenset("元圆圓")
_CAPITAL_END = frozenset("整正")
_CAPITAL_PREFIXES = ("人民币", "人民幣", "RMB", "CNY", "大写", "金额", "合计", "计")
CAPITAL_CHARS = frozenset(_CAPITAL_DIGITS) | frozenset(_CAPITAL_UNITS) | _CAPITAL_WAN | _CAPITAL_YI | \
    _CAPITAL_YUAN | _CAPITAL_END | frozenset("角分")
"""Every character an amount in words may hold (``人民币`` aside): a reader finds the run of them in a line."""


def parse_capital(text: str) -> Amount:
    """An amount in capital numerals as contracts and invoices write it, read strictly into yuan.

    ``人民币壹佰玖拾万元整`` → 1900000 (precision 1 元); ``拾万元整`` → 100000; ``壹拾万零伍佰元`` → 100500;
    ``壹万元零伍分`` → 10000.05 (precision 0.01); ``壹仟陆佰捌拾元零叁角贰分`` → 1680.32; ``伍角`` → 0.5.
    Grammar: an integer part in sections
    (… 亿 … 万 …, each below 一万, its units 仟 佰 拾 in descending order, each after a digit; a bare 拾
    only at the very start: 拾万 = 壹拾万), then 元/圆, then 角 and 分 (a 零 after 元 where the yuan end
    in 0 or 角 is nil), then 整/正. ``零`` stands for a gap between non-zero digits and must be followed by a digit;
    it may be written or left out where the norms allow either (壹仟万零伍佰元, 壹仟万伍佰元). A prefix
    人民币 / RMB / 大写 and a colon are taken off; spaces are ignored. Anything else — a unit without a digit,
    units out of order (壹佰壹仟), two digits in a row (壹贰), 零 before a unit (零佰), a 角/分 before 元
    with an integer part, trailing text — raises ``AmountError`` naming the fault.
    """
    original = text
    s = re.sub(r"[\s\u3000]+", "", unicodedata.normalize("NFKC", text or ""))
    changed = True
    while changed:  # 人民币（大写）：… in any order
        changed = False
        for prefix in (*_CAPITAL_PREFIXES, "(", ")", ":", "（", "）", "："):
            if s.startswith(prefix):
                s, changed = s[len(prefix):], True
    if not s:
        raise AmountError(f"no amount in words in {original!r}")
    bad = sorted({ch for ch in s if ch not in CAPITAL_CHARS})
    if bad:
        raise AmountError(f"not an amount in words: {original!r} holds {''.join(bad)}")
    ended = s[-1] in _CAPITAL_END
    if ended:
        s = s[:-1]
    if any(ch in _CAPITAL_END for ch in s):
        raise AmountError(f"not an amount in words: {original!r} (整/正 before its end)")
    yuan_at = next((i for i, ch in enumerate(s) if ch in _CAPITAL_YUAN), None)
    if yuan_at is None:
        if "角" not in s and "分" not in s:
            raise AmountError(f"not an amount in words: {original!r} (no 元, 角 or 分)")
        integer_text, small_text = "", s
    else:
        integer_text, small_text = s[:yuan_at], s[yuan_at + 1:]
        if any(ch in _CAPITAL_YUAN for ch in small_text):
            raise AmountError(f"not an amount in words: {original!r} (元 twice)")
    zero_yuan = integer_text in ("零", "〇")  # 零元整, 零元伍角
    whole = _capital_integer(integer_text, original) if integer_text and not zero_yuan else 0
    if yuan_at is not None and not integer_text and small_text:
        raise AmountError(f"not an amount in words: {original!r} (元 without a number before it)")
    if yuan_at is not None and not integer_text and not small_text:
        raise AmountError(f"not an amount in words: {original!r} (元 without a number)")
    cents, precision = _capital_small(small_text, original)
    value = (Decimal(whole) + Decimal(cents) / 100).quantize(precision)
    return Amount(value=value, precision=precision, text=original)


def _capital_small(text: str, original: str) -> tuple[int, Decimal]:
    """角 and 分 after 元: ``伍角``, ``伍角陆分``, ``零陆分``, ``陆分`` → (cents, precision)."""
    if not text:
        return 0, Decimal(1)
    # a 零 after 元 where the yuan end in 0 (壹仟陆佰捌拾元零叁角贰分), or where 角 is nil (壹佰元零伍分)
    m = re.fullmatch(r"[零〇]?(?:([^零〇])角)?([零〇]?)(?:(.)分)?", text)
    if not m or not (m.group(1) or m.group(3)):
        raise AmountError(f"not an amount in words: {original!r} (after 元: {text!r})")
    jiao_ch, zero, fen_ch = m.group(1), m.group(2), m.group(3)
    if zero and jiao_ch:
        raise AmountError(f"not an amount in words: {original!r} (零 between 角 and 分)")
    cents = 0
    for ch, weight in ((jiao_ch, 10), (fen_ch, 1)):
        if ch is None:
            continue
        digit = _CAPITAL_DIGITS.get(ch)
        if digit is None or digit == 0:
            raise AmountError(f"not an amount in words: {original!r} ({ch!r} is no digit of 角/分)")
        cents += digit * weight
    return cents, Decimal("0.01") if fen_ch else Decimal("0.1")


def _capital_integer(text: str, original: str) -> int:
    """The integer part: sections split at 亿 and 万, each below 一万 (壹万亿 is 壹万 亿)."""
    return _capital_split(text, original, _CAPITAL_YI, 100_000_000, "", _capital_wan, first=True)


def _capital_wan(text: str, original: str, *, first: bool) -> int:
    return _capital_split(text, original, _CAPITAL_WAN, 10_000, " in a section", _capital_section, first=first)


def _capital_split(text: str, original: str, units: frozenset[str], scale: int, twice: str,
                   below: Callable[..., int], *, first: bool) -> int:
    """``text`` split at its one unit (亿 or 万): the part before it times ``scale`` plus the part after, each read
    by ``below``; without the unit, ``below`` reads it all."""
    at = [i for i, ch in enumerate(text) if ch in units]
    if len(at) > 1:
        raise AmountError(f"not an amount in words: {original!r} ({text[at[0]]} twice{twice})")
    if not at:
        return below(text, original, first=first)
    head, tail = text[: at[0]], text[at[0] + 1:]
    if not head:
        raise AmountError(f"not an amount in words: {original!r} ({text[at[0]]} without a number before it)")
    return below(head, original, first=first) * scale + (below(tail, original, first=False) if tail else 0)


def _capital_section(text: str, original: str, *, first: bool) -> int:
    """A number below 一万: 伍仟零贰拾, 壹佰, 拾 (a bare 拾 only in the numeral's first section), 零伍."""
    total, digit, last_unit = 0, None, 10_000
    zero = False
    for index, ch in enumerate(text):
        if ch in _CAPITAL_DIGITS and _CAPITAL_DIGITS[ch] == 0:
            if zero or digit is not None:
                raise AmountError(f"not an amount in words: {original!r} (零 in a wrong place)")
            zero = True
        elif ch in _CAPITAL_DIGITS:
            if digit is not None:
                raise AmountError(f"not an amount in words: {original!r} (two digits in a row)")
            digit, zero = _CAPITAL_DIGITS[ch], False
        elif ch in _CAPITAL_UNITS:
            unit = _CAPITAL_UNITS[ch]
            if unit >= last_unit:
                raise AmountError(f"not an amount in words: {original!r} (units out of order)")
            if digit is None:
                if not (unit == 10 and index == 0 and first):
                    raise AmountError(f"not an amount in words: {original!r} ({ch} without a digit)")
                digit = 1
            total += digit * unit
            digit, last_unit = None, unit
        else:
            raise AmountError(f"not an amount in words: {original!r} ({ch} in a wrong place)")
    if zero:
        raise AmountError(f"not an amount in words: {original!r} (零 at the end of a section)")
    if digit is not None:
        # a last digit right after 佰/仟, or alone after 万/亿, without 零 reads two ways (壹佰伍 is 150 in
        # speech, 壹万伍 15000): refused rather than guessed
        after_zero = len(text) >= 2 and _CAPITAL_DIGITS.get(text[-2]) == 0
        if not after_zero and ((total and last_unit > 10) or (not total and not first)):
            raise AmountError(f"not an amount in words: {original!r} (a digit whose unit is left out)")
        total += digit
    return total
