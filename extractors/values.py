"""Small value readers for form and roster cells: dates, periods, counts, ratios, years."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from omreview.amounts import Amount, parse_amount
from omreview.errors import AmountError

_CN_DIGIT = {"〇": "0", "○": "0", "零": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5",
             "六": "6", "七": "7", "八": "8", "九": "9"}
_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:年\s*(\d{1,2})\s*月?(?:\s*(\d{1,2})\s*日)?|([\-./])(\d{1,2})(?!\d)(?:\4(\d{1,2})(?!\d))?)"
)


def _nfkc(text: object) -> str:
    return unicodedata.normalize("NFKC", "" if text is None else str(text)).strip()


def _cn_date_digits(text: str) -> str:
    """二〇一二年五月二十日 → 2012年5月20日 (years digit by digit, months/days with 十)."""
    def number(token: str) -> str:
        if "十" not in token:
            return "".join(_CN_DIGIT.get(ch, ch) for ch in token)
        tens, _, ones = token.partition("十")
        return str(int(_CN_DIGIT.get(tens, "1") if tens else "1") * 10 + (int(_CN_DIGIT[ones]) if ones else 0))

    return re.sub(r"[〇○零一二三四五六七八九十]+", lambda m: number(m.group(0)), text)


DatePrecision = Literal["day", "month", "year"]
_YEAR_ONLY = re.compile(r"((?:19|20)\d{2})\s*年(?!\s*度)")


@dataclass(frozen=True)
class DateReading:
    """A date as written, with the precision it was written in (``2001年3月`` is a month, not 1 March)."""

    value: dt.date
    precision: DatePrecision


def read_date(text: object, *, end_of_month: bool = False, allow_year: bool = False) -> DateReading | None:
    """A date in any common notation, with its precision.

    ``2001-03-05``, ``2001年3月5日``, ``2001.3.5``, ``2001/03/05`` → a day; ``2001年3月``, ``2001.03``,
    ``二〇〇一年三月`` → a month (its first day, or its last with ``end_of_month``); with ``allow_year``,
    a bare ``2001年`` → a year (1 January, or 31 December with ``end_of_month``). ``None`` if no date.
    """
    if isinstance(text, dt.datetime):
        return DateReading(text.date(), "day")
    if isinstance(text, dt.date):
        return DateReading(text, "day")
    s = _cn_date_digits(_nfkc(text))
    m = _DATE.search(s)
    if not m:
        y = _YEAR_ONLY.search(s) if allow_year else None
        if y is None:
            return None
        year = int(y.group(1))
        return DateReading(dt.date(year, 12, 31) if end_of_month else dt.date(year, 1, 1), "year")
    year = int(m.group(1))
    month = int(m.group(2) or m.group(5))
    day = m.group(3) or m.group(6)
    if not 1 <= month <= 12:
        return None
    if day:
        try:
            return DateReading(dt.date(year, month, int(day)), "day")
        except ValueError:
            return None
    if end_of_month:
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        return DateReading(nxt - dt.timedelta(days=1), "month")
    return DateReading(dt.date(year, month, 1), "month")


def parse_date(text: object, *, end_of_month: bool = False) -> dt.date | None:
    """``2008年3月1日``, ``2008-03-01``, ``2008.03``, ``2008/3``, ``二〇〇八年三月`` → a date.

    A month without a day is its first day, or its last with ``end_of_month``. ``None`` if no date
    (see ``read_date`` for the precision it was written in).
    """
    found = read_date(text, end_of_month=end_of_month)
    return found.value if found else None


def parse_period(text: object) -> tuple[dt.date | None, dt.date | None]:
    """``2010.01-2011.12``, ``2010年1月至2011年12月``, ``2010-01-01～2011-12-31`` → (start, end)."""
    s = _cn_date_digits(_nfkc(text))
    found = list(_DATE.finditer(s))
    if len(found) < 2:
        return (parse_date(s), None)
    return parse_date(found[0].group(0)), parse_date(found[1].group(0), end_of_month=True)


def cn_number(text: str) -> int | None:
    """A whole number in Chinese numerals below 100: ``九`` → 9, ``十二`` → 12, ``二十`` → 20; else ``None``."""
    if not text or any(ch not in _CN_DIGIT and ch != "十" for ch in text) or text.count("十") > 1:
        return None
    if "十" not in text:
        return int(_CN_DIGIT[text]) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return int(_CN_DIGIT[tens] if tens else "1") * 10 + (int(_CN_DIGIT[ones]) if ones else 0)


def parse_count(text: object) -> int | None:
    """``65``, ``65人``, ``６５ 人``, ``5年``, ``九年``, ``十二年以上`` → 65 / 5 / 9 / 12; else ``None``."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text
    if isinstance(text, float):
        return int(text) if text.is_integer() else None
    m = re.fullmatch(r"(\d+|[〇○零一二三四五六七八九十]+)\s*(?:人|名|个|项|年|年以上|余年|多年)?",
                     _nfkc(text).replace(",", ""))
    if not m:
        return None
    return int(m.group(1)) if m.group(1).isdigit() else cn_number(m.group(1))


# check boxes and marks of the symbol fonts Word inserts them from (Insert ▸ Symbol), by font and code: a .docx
# names them (w:sym), a PDF printed from one gives Wingdings' codes as private-use characters (U+F0FE)
SYMBOL_GLYPHS = {
    "wingdings": {0xFE: "☑", 0xFD: "☒", 0xA8: "□", 0x6F: "□", 0x71: "□", 0xFC: "✓", 0xFB: "✗", 0x78: "☒"},
    "wingdings 2": {0x52: "☑", 0x54: "☒", 0xA3: "□", 0x2A: "□", 0x50: "✓", 0x4F: "✗", 0x51: "☒"},
}
_PRIVATE_USE = {0xF000 + code: glyph for code, glyph in SYMBOL_GLYPHS["wingdings"].items()}
_TICKED = "☑☒✓✔√■▣◼●⊠✗✘"  # a box or mark that says chosen
_UNTICKED = "□☐○◯"  # a box left empty
_YES_NO = {"是": True, "否": False}


def parse_yes_no(text: object) -> bool | None:
    """``是`` / ``否`` (with anything after: ``是，理由见附件``), or the one option ticked among boxes: ``☑是 □否``,
    ``是√ 否``, ``□是 ■否``; ``None`` when none or both are ticked, or when both are offered without a mark
    (``是  否``: the boxes were lost, e.g. drawn in a symbol font)."""
    s = "".join(_nfkc(text).translate(_PRIVATE_USE).split())
    if not any(ch in _TICKED or ch in _UNTICKED for ch in s):
        if all(word in s for word in _YES_NO):
            return None
        return _YES_NO.get(s[:1])
    first_mark = min(i for i, ch in enumerate(s) if ch in _TICKED or ch in _UNTICKED)
    first_word = min((s.find(w) for w in _YES_NO if w in s), default=-1)
    if first_word < 0:
        return None
    before = first_mark < first_word  # ☑是 □否: each box stands before its option; 是√ 否: after it
    chosen = {value for word, value in _YES_NO.items() for m in re.finditer(word, s)
              if (s[m.start() - 1:m.start()] if before else s[m.end():m.end() + 1]) in tuple(_TICKED)}
    return chosen.pop() if len(chosen) == 1 else None


def parse_decimal(text: object) -> Decimal | None:
    """A plain number such as ``5.5`` or ``5.5年``; ``None`` otherwise."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return Decimal(str(text))
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:年|年以上)?", _nfkc(text))
    if not m:
        return None
    try:
        return Decimal(m.group(1))
    except InvalidOperation:  # pragma: no cover - the pattern rules this out
        return None


def parse_ratio(text: object) -> Decimal | None:
    """``78.5%`` → 0.785, ``0.785`` → 0.785; ``None`` if not a ratio in [0, 1]."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        value = Decimal(str(text))
    else:
        s = _nfkc(text).replace("％", "%")
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(%?)", s)
        if not m:
            return None
        value = Decimal(m.group(1)) / (100 if m.group(2) else 1)
    if value > 1 and value <= 100 and not isinstance(text, str):
        value = value / 100
    return value if 0 <= value <= 1 else None


def find_year(text: object) -> int | None:
    """The fiscal year named by ``2011``, ``2011年``, ``2011年度``, ``二〇一一年``; ``None`` otherwise."""
    s = _nfkc(text)
    if re.fullmatch(r"[〇○零一二三四五六七八九]{4}\s*年度?", s):
        s = "".join(_CN_DIGIT.get(ch, ch) for ch in s)
    m = re.fullmatch(r"((?:19|20)\d{2})\s*(?:年度?|年)?", s)
    return int(m.group(1)) if m else None


def try_amount(text: object, unit: Decimal | None = None) -> Amount | None:
    """``parse_amount`` that answers ``None`` instead of raising, for cells that may hold anything."""
    if text is None:
        return None
    try:
        return parse_amount(str(text), unit)
    except AmountError:
        return None
