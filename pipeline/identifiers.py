"""Identifiers in applicant documents: 身份证号, 统一社会信用代码, software copyright 登记号.

The check characters come from python-stdnum (``stdnum.cn.ric`` implements GB 11643,
``stdnum.cn.uscc`` GB 32100), a well-kept library with tests of its own; this module adds only
normalisation (full-width characters, spaces, a lower-case x) and masking for logs and exports.

A 身份证号 is valid here when its format, birth date and check digit are right. stdnum's full
``validate`` also looks the region code up in a table of counties by year; real numbers issued in
since-renamed counties can fail that lookup, and CONDITIONS.md names the check digit, so the region
lookup is not part of validity.
"""

from __future__ import annotations

import re
import unicodedata

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from pipeline.rules import Rules, default_rules


def _compact(text: str) -> str:
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", str(text))).upper()


def normalize_id_number(text: str) -> str:
    """Upper-case, half-width, without spaces: ``'11010519491231002x '`` → ``'11010519491231002X'``."""
    return _compact(text)


def is_valid_id_number(text: str) -> bool:
    """A valid 18-character 居民身份证号: region, birth date and GB 11643 check digit."""
    return id_number_problem(text) is None


def id_number_problem(text: str) -> str | None:
    """A plain reason why ``text`` is not a valid 身份证号, or ``None`` when it is."""
    number = _compact(text)
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return "不是18位身份证号格式"
    try:
        ric.get_birth_date(number)
    except ValidationError:
        return "出生日期无效"
    if number[17] != ric.calc_check_digit(number):
        return "校验码错误（GB 11643）"
    return None


def is_valid_credit_code(text: str) -> bool:
    """A valid 统一社会信用代码 (18 characters, GB 32100 check character)."""
    try:
        uscc.validate(_compact(text))
    except ValidationError:
        return False
    return True


def is_valid_software_copyright(text: str, rules: Rules | None = None) -> bool:
    """A well-formed software copyright 登记号 such as ``2010SR012345``."""
    rules = rules or default_rules()
    return re.fullmatch(rules.identifiers.software_copyright_pattern, _compact(text)) is not None


def mask_id_number(text: str) -> str:
    """Mask a 身份证号 for logs and exports: ``1101**********0021`` keeps the first and last four."""
    number = _compact(text)
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str) -> str:
    """Mask a person's name: keep the family name, ``张三丰`` → ``张**``."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else name
