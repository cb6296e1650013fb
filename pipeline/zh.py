"""What reviewers read: one table of Chinese labels for every code omreview writes, and the one way amounts,
ratios and times are shown (core; no I/O beyond reading ``zh.yaml`` once).

report.json keeps its codes (``needs_review``, ``audit_opinion.2010``); the dashboard, the exports, the
artifacts and the .docx show :func:`verdict_label`, :func:`name_label` … instead. The labels are data
(``pipeline/zh.yaml``), checked when loaded: a code of the report model without a label stops the program.

Amounts (:func:`money`): ``6,638.42万元`` by default, ``66,384,172.25元`` when the money unit is 元
(``presentation.money_unit`` in zh.yaml, or ``OMREVIEW_MONEY_UNIT``); always from a ``Decimal``, rounded half up
to the fen of the unit shown. Ratios: ``41.25%`` (:func:`percent`). Times: the review body's wall clock,
``2026-12-05 08:41`` (:func:`local_time`; ``presentation.time_zone`` or ``OMREVIEW_TIME_ZONE``, default
Asia/Shanghai); stored times stay UTC.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from omreview.errors import InputError, RulesError
from omreview.model import (
    AuditOpinion,
    CertificateType,
    CheckStatus,
    ContractNature,
    DocStatus,
    DocumentKind,
    Verdict,
)
from omreview.rules import Thresholds

ZH_PATH = Path(__file__).with_name("zh.yaml")
MONEY_UNITS: dict[str, Decimal] = {"万元": Decimal(10_000), "元": Decimal(1)}
MONEY_UNIT_ENV, TIME_ZONE_ENV = "OMREVIEW_MONEY_UNIT", "OMREVIEW_TIME_ZONE"
MoneyUnit = Literal["万元", "元"]
ValueUnit = Literal["CNY", "ratio", "count", "years", "date", "text", "opinion", "status", "word"]
_FEN = Decimal("0.01")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Presentation(_Strict):
    money_unit: MoneyUnit
    time_zone: str

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            zone(name)
        except InputError as exc:
            raise ValueError(str(exc)) from exc
        return name


class NameLabel(_Strict):
    label: str
    unit: ValueUnit


_ENUMS: dict[str, type[StrEnum]] = {
    "verdicts": Verdict, "check_statuses": CheckStatus, "document_kinds": DocumentKind,
    "certificate_types": CertificateType, "document_statuses": DocStatus, "audit_opinions": AuditOpinion,
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class LabelTable(_Strict):
    """``zh.yaml``: every enum of the report model labelled, every threshold, the names of figures and values."""

    presentation: Presentation
    verdicts: dict[str, str]
    check_statuses: dict[str, str]
    checks: dict[str, str]
    document_kinds: dict[str, str]
    certificate_types: dict[str, str]
    contract_natures: dict[str, str]
    document_statuses: dict[str, str]
    audit_opinions: dict[str, str]
    decision_kinds: dict[str, str]
    decision_targets: dict[str, str]
    batch_outcomes: dict[str, str]
    thresholds: dict[str, str]
    words: dict[str, str]
    names: dict[str, NameLabel]

    @model_validator(mode="after")
    def _complete(self) -> LabelTable:
        """Every member of the model's enums and every threshold has a label, and nothing else does."""
        expected: dict[str, set[str]] = {group: {m.value for m in enum} for group, enum in _ENUMS.items()}
        expected["thresholds"] = set(Thresholds.model_fields)
        expected["contract_natures"] = set(get_args(ContractNature))
        for group, codes in expected.items():
            have = set(getattr(self, group))
            if have != codes:
                raise ValueError(f"{group}: no label for {sorted(codes - have)}, unknown codes {sorted(have - codes)}")
        for name, entry in self.names.items():
            wrong = {p for p in _PLACEHOLDER.findall(name)} - {"year", "n", "certificate"}
            if wrong or set(_PLACEHOLDER.findall(entry.label)) != set(_PLACEHOLDER.findall(name)):
                raise ValueError(f"names.{name}: its label must use exactly its placeholders ({{year}}, {{n}}, "
                                 "{certificate})")
        return self


def load_table(path: Path = ZH_PATH) -> LabelTable:
    """Read and check a label table; any problem raises ``RulesError`` naming the entry."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return LabelTable.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"cannot read the label table {path}: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise RulesError(f"invalid label table {path}: {problems}") from exc


@cache
def table() -> LabelTable:
    """The label table shipped with omreview, loaded once."""
    return load_table()


# ---- settings ---------------------------------------------------------------------------------------------------

@cache
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(f"{name!r} is not a time zone; use an IANA name such as Asia/Shanghai") from exc


def time_zone() -> ZoneInfo:
    """The review body's time zone: ``OMREVIEW_TIME_ZONE``, else ``presentation.time_zone`` of zh.yaml."""
    name = os.environ.get(TIME_ZONE_ENV) or table().presentation.time_zone
    try:
        return zone(name)
    except InputError as exc:
        raise InputError(f"{TIME_ZONE_ENV}: {exc}") from exc


def money_unit() -> MoneyUnit:
    """万元 or 元: ``OMREVIEW_MONEY_UNIT``, else ``presentation.money_unit`` of zh.yaml."""
    unit = os.environ.get(MONEY_UNIT_ENV) or table().presentation.money_unit
    if unit == "万元":
        return "万元"
    if unit == "元":
        return "元"
    raise InputError(f"{MONEY_UNIT_ENV}={unit!r} is not a money unit; use 万元 or 元")


# ---- labels -----------------------------------------------------------------------------------------------------

def _label(group: dict[str, str], code: object) -> str:
    text = str(code.value if isinstance(code, StrEnum) else code)
    return group.get(text, text)


def verdict_label(verdict: object) -> str:
    """``needs_review`` → ``需复核``."""
    return _label(table().verdicts, verdict)


def status_label(status: object) -> str:
    """A check status: ``pass`` → ``通过``, ``manual`` → ``人工判断``."""
    return _label(table().check_statuses, status)


def check_label(check_id: str) -> str:
    """A check's id and short name: ``B1 运维收入`` (the full condition is its title in the rules)."""
    short = table().checks.get(check_id)
    return f"{check_id} {short}" if short else check_id


def checks_text(check_ids: list[str]) -> str:
    """``B1 运维收入、T2 运维人员及学历``."""
    return "、".join(check_label(c) for c in check_ids)


def document_kind_label(kind: object, certificate_type: object = None) -> str:
    """``申报表``; a certificate with its type: ``证书（软件著作权登记证书）``."""
    label = _label(table().document_kinds, kind)
    if certificate_type:
        return f"{label}（{_label(table().certificate_types, certificate_type)}）"
    return label


def nature_label(nature: object) -> str:
    """What a contract's work is: ``om`` → ``运维服务``, ``equipment`` → ``设备采购``, ``other`` → ``未能判断``."""
    return _label(table().contract_natures, nature)


def document_status_label(status: object) -> str:
    return _label(table().document_statuses, status)


def opinion_label(opinion: object) -> str:
    """``unqualified_emphasis`` → ``带强调事项段的无保留意见``."""
    return _label(table().audit_opinions, opinion)


def decision_label(kind: object) -> str:
    return _label(table().decision_kinds, kind)


def target_label(kind: object) -> str:
    return _label(table().decision_targets, kind)


def outcome_label(outcome: object) -> str:
    return _label(table().batch_outcomes, outcome)


def threshold_label(name: str) -> str:
    return table().thresholds.get(name, name)


def _template(part: str, fields: dict[str, str], first: bool) -> str:
    """One dotted part of a name as its entry in ``names`` spells it (``2010`` → ``{year}``, ``row70`` → ``row{n}``);
    the first part is never a year or a certificate (``software_copyright.holder`` is no certificate's)."""
    if not first and re.fullmatch(r"(?:19|20)\d\d", part):
        fields["year"] = part
        return "{year}"
    if not first and part in table().certificate_types:
        fields["certificate"] = table().certificate_types[part]
        return "{certificate}"
    numbered = re.fullmatch(r"([a-z_]+?)(\d+)", part)
    if numbered:
        fields["n"] = str(int(numbered.group(2)))
        return numbered.group(1) + "{n}"
    return part


def _name_entry(name: str) -> tuple[str, ValueUnit] | None:
    base, _, repeat = name.partition("#")  # a decision key: the second discrepancy of one figure is ``name#2``
    fields: dict[str, str] = {}
    key = ".".join(_template(part, fields, i == 0) for i, part in enumerate(base.split(".")))
    entry = table().names.get(key)
    if entry is None:
        return None
    label = entry.label.format(**fields)
    return (f"{label}（第{repeat}处）" if repeat.isdigit() else label), entry.unit


def name_label(name: str) -> str:
    """A figure, a check's value or a discrepancy by its name: ``audit_opinion.2010`` → ``2010年度审计意见``,
    ``roster.duplicate.row70`` → ``人员名册第70行身份证号重复``; a name without a label stays as it is."""
    entry = _name_entry(name)
    return entry[0] if entry else name


def name_unit(name: str) -> ValueUnit:
    entry = _name_entry(name)
    return entry[1] if entry else "text"


# ---- numbers and times ------------------------------------------------------------------------------------------

def _decimal(value: object) -> Decimal | None:
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def money_value(value: Decimal | str | int, unit: MoneyUnit | None = None) -> Decimal:
    """The amount in ``unit`` (the setting when none), rounded half up to two decimals: 66384172.25 → 6638.42."""
    number = _decimal(value)
    if number is None:
        raise ValueError(f"not an amount: {value!r}")
    return (number / MONEY_UNITS[unit or money_unit()]).quantize(_FEN, rounding=ROUND_HALF_UP)


def money(value: Decimal | str | int, unit: MoneyUnit | None = None) -> str:
    """``6,638.42万元`` (or ``66,384,172.25元`` with unit 元): separators, two decimals, the unit."""
    u = unit or money_unit()
    return f"{money_value(value, u):,.2f}{u}"


def yuan(value: Decimal | str | int) -> str:
    """The exact amount in 元: ``66,384,172.25元`` (what a tooltip or a detail shows beside :func:`money`)."""
    return money(value, "元")


def money_detail(value: Decimal | str | int) -> str:
    """``6,638.42万元（66,384,172.25元）``: the amount as set, and the exact 元 when that is not already shown."""
    shown = money(value)
    return shown if money_unit() == "元" else f"{shown}（{yuan(value)}）"


def percent(ratio: Decimal | str | float) -> str:
    """A ratio as a percentage, two decimals, rounded half up: 0.4125 → ``41.25%``."""
    number = _decimal(ratio)
    if number is None:
        raise ValueError(f"not a ratio: {ratio!r}")
    return f"{(number * 100).quantize(_FEN, rounding=ROUND_HALF_UP)}%"


def local(moment: dt.datetime) -> dt.datetime:
    """A stored moment (UTC; a naive one is taken as UTC) on the review body's clock."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(time_zone())


def local_time(moment: dt.datetime | None) -> str:
    """``2026-12-05 08:41`` on the review body's clock; ``""`` for no time."""
    return "" if moment is None else local(moment).strftime("%Y-%m-%d %H:%M")


def local_day(moment: dt.datetime) -> dt.date:
    """The day a moment falls on for the review body."""
    return local(moment).date()


def value_text(name: str, value: Any, unit: str | None = None) -> str:
    """A value of a figure, a check or a discrepancy as reviewers read it, by its unit (the name's in the table
    unless given): amounts :func:`money`, ratios :func:`percent`, opinions and statuses by their labels."""
    if value is None or value == "":
        return ""
    kind = unit if unit is not None and unit != "text" else name_unit(name)
    number = _decimal(value)
    if kind == "CNY" and number is not None:
        return money(number)
    if kind == "ratio" and number is not None:
        return percent(number)
    if kind == "years" and number is not None:
        return f"{value}年"
    if kind == "opinion":
        return opinion_label(value)
    if kind == "status":
        return status_label(value)
    if kind == "word":
        return table().words.get(str(value).lower(), str(value))
    return str(value)


def value_detail(name: str, value: Any, unit: str | None = None) -> str:
    """:func:`value_text`, and for an amount shown in 万元 its exact 元 too: ``6,638.42万元（66,384,172.25元）``."""
    kind = unit if unit is not None and unit != "text" else name_unit(name)
    if kind == "CNY" and _decimal(value) is not None:
        return money_detail(str(value))
    return value_text(name, value, unit)


_PLAIN_YUAN = re.compile(r"(?<![\d.,])(-?\d+\.\d{2})元")


def amounts_in_text(text: str) -> str:
    """A message with its plain yuan amounts (``66384172.25元``, as the checks write them) written as set:
    ``6,638.42万元``."""
    return _PLAIN_YUAN.sub(lambda m: money(Decimal(m.group(1))), text)
