"""Identifiers in applicant documents: 身份证号, company identifiers, software copyright 登记号.

The check characters come from python-stdnum where it has them (``stdnum.cn.ric`` implements GB 11643,
``stdnum.cn.uscc`` GB 32100, ``stdnum.iso7064.mod_11_10`` the GB/T 17710 check digit of the 15-digit
营业执照注册号), a well-kept library with tests of its own. stdnum has no 组织机构代码 (GB 11714): its
check character is computed here. This module adds normalisation (full-width characters, spaces, a
lower-case x) and masking for logs and exports.

Company identifiers of 2012 (CONDITIONS.md): a form may carry the 15-digit 营业执照注册号 and the
9-character 组织机构代码 (written 12345678-9) instead of or beside the 18-character 统一社会信用代码.
``company_ids`` tells them apart by shape; text of no such shape (a label such as 住所 read in the code's
place) is no identifier at all.

A 身份证号 is valid here when its format, birth date and check digit are right. stdnum's full
``validate`` also looks the region code up in a table of counties by year; real numbers issued in
since-renamed counties can fail that lookup, and CONDITIONS.md names the check digit, so the region
lookup is not part of validity.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.iso7064 import mod_11_10

from omreview.rules import Rules, default_rules


def _compact(text: str) -> str:
    """Half-width, upper-case, without spaces or hyphens; a 身份证号's last X typed or read (OCR) as a multiplication
    sign or a cross (``…949×``) is an X."""
    compact = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", str(text))).upper()
    return compact[:17] + "X" if re.fullmatch(r"\d{17}[×✕✗]", compact) else compact


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


class CompanyIdKind(StrEnum):
    CREDIT_CODE = "credit_code"  # 统一社会信用代码: 18 characters, GB 32100
    REGISTRATION_NUMBER = "registration_number"  # 营业执照注册号: 15 digits, GB/T 17710 (ISO 7064 MOD 11,10)
    ORGANIZATION_CODE = "organization_code"  # 组织机构代码: 8 characters and a check character, GB 11714


COMPANY_ID_NAMES = {CompanyIdKind.CREDIT_CODE: "统一社会信用代码", CompanyIdKind.REGISTRATION_NUMBER: "营业执照注册号",
                    CompanyIdKind.ORGANIZATION_CODE: "组织机构代码"}
_COMPANY_ID_SHAPES = ((CompanyIdKind.CREDIT_CODE, r"[0-9A-Z]{18}"), (CompanyIdKind.REGISTRATION_NUMBER, r"\d{15}"),
                      (CompanyIdKind.ORGANIZATION_CODE, r"[0-9A-Z]{8}-?[0-9A-Z]"))
_COMPANY_ID_TOKEN = re.compile(r"(?<![0-9A-Z])(?:" + "|".join(f"({shape})" for _, shape in _COMPANY_ID_SHAPES)
                               + r")(?![0-9A-Z\-])")
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class CompanyId:
    """One company identifier as read: its kind, the number (compact: half-width, upper case, no separators)
    and why it is not valid (``None`` when its check character is right)."""

    kind: CompanyIdKind
    number: str
    problem: str | None

    @property
    def name(self) -> str:
        return COMPANY_ID_NAMES[self.kind]

    @property
    def shown(self) -> str:
        """As usually written: an organisation code with its hyphen (``12345678-9``)."""
        if self.kind is CompanyIdKind.ORGANIZATION_CODE:
            return f"{self.number[:8]}-{self.number[8:]}"
        return self.number


def organization_code_check(body: str) -> str:
    """The GB 11714 check character of an organisation code's first 8 characters (digits or letters)."""
    total = sum(int(c, 36) * w for c, w in zip(_compact(body)[:8], _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def company_id_problem(kind: CompanyIdKind, number: str) -> str | None:
    """A plain reason why ``number`` is not a valid identifier of ``kind``, or ``None`` when it is."""
    number = _compact(number)
    if kind is CompanyIdKind.CREDIT_CODE:
        try:
            uscc.validate(number)
        except InvalidChecksum:
            return "校验位错误（GB 32100）"
        except ValidationError:
            return "含有GB 32100不用的字符"
        return None
    if kind is CompanyIdKind.REGISTRATION_NUMBER:
        ok = re.fullmatch(r"\d{15}", number) is not None and mod_11_10.is_valid(number)
        return None if ok else "校验位错误（GB/T 17710，MOD 11,10）"
    if not re.fullmatch(r"[0-9A-Z]{8}[0-9X]", number):
        return "格式不符（GB 11714：8位数字或字母加1位校验码）"
    return None if number[8] == organization_code_check(number) else "校验位错误（GB 11714）"


def _company_id(kind: CompanyIdKind, text: str) -> CompanyId:
    number = _compact(text)
    return CompanyId(kind, number, company_id_problem(kind, number))


def company_ids(text: str) -> list[CompanyId]:
    """The company identifiers in a form's identifier cell, each told by its shape.

    The whole cell first (spaces and hyphens ignored): 18 characters → 统一社会信用代码, 15 digits →
    营业执照注册号, 9 characters (``12345678-9``) → 组织机构代码. Else each identifier-shaped run of the
    text (``注册号：110108001234567 组织机构代码：12345678-9``). An identifier holds a digit; text with none
    of these shapes (a label such as 住所 or 注册地址 read in the code's place) gives ``[]``.
    """
    whole = _compact(text)
    for kind, shape in _COMPANY_ID_SHAPES:
        if re.fullmatch(shape, whole) and re.search(r"\d", whole):
            return [_company_id(kind, whole)]
    spaced = unicodedata.normalize("NFKC", str(text)).upper()
    out: list[CompanyId] = []
    for match in _COMPANY_ID_TOKEN.finditer(spaced):
        for (kind, _), group in zip(_COMPANY_ID_SHAPES, match.groups(), strict=True):
            if group and re.search(r"\d", group):
                out.append(_company_id(kind, group))
    return out


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
