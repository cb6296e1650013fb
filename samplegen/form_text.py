"""How the application form words its labels and writes its values, per ``FormLayout``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .layouts import form_word
from .money import digits_fullwidth, number_text, upper_cn
from .params import FormLayout

# key -> (usual label, synonym)
LABELS = {
    "name": ("企业名称", "企业名称"),
    "credit_code": ("统一社会信用代码", "统一社会信用代码"),
    "registered": ("注册资本", "注册资金"),
    "paid_in": ("实收资本", "实缴资本"),
    "founded": ("成立日期", "成立时间"),
    "om_start": ("从事运维业务起始时间", "开展运维业务时间"),
    "si_no": ("系统集成资质证书编号", "系统集成资质证书编号"),
    "si_level": ("资质等级", "资质等级"),
    "si_valid": ("有效期至", "证书有效期至"),
    "itss": ("ITSS符合性评估证书编号", "运维通用要求符合性评估证书编号"),
    "recommender": ("推荐单位", "推荐单位"),
    "relax": ("申请放宽条件", "是否申请放宽条件"),
    "relax_reason": ("放宽理由", "申请放宽理由"),
    "mis": ("企业管理信息系统", "企业管理信息系统建设情况"),
    "fill_date": ("填表日期", "填表日期"),
    "revenue": ("营业收入", "营业总收入"),
    "om": ("运维收入", "运行维护服务收入"),
    "client": ("客户名称", "用户单位"),
    "staff": ("运维人员总数", "从事运维工作人员总数"),
    "college": ("大专及以上学历人数", "大专及以上学历人数"),
    "ratio": ("大专及以上学历占比", "大专及以上学历人员占比"),
}


def label(lay: FormLayout, key: str) -> str:
    if lay.words is not None:
        return form_word(lay, key)
    return LABELS[key][lay.synonyms]


def word(lay: FormLayout, key: str, usual: str) -> str:
    """A table heading: ``usual`` unless the layout draws its wordings (``layouts.FORM_WORDS``)."""
    if lay.words is None:
        return usual
    return form_word(lay, key)


def unit_label(lay: FormLayout, key: str, unit: str | None = None) -> str:
    """A label that states the unit once (caption style), e.g. 注册资本（万元）."""
    text = label(lay, key)
    return f"{text}（{unit or lay.unit}）" if lay.unit_style == "caption" else text


def amount(lay: FormLayout, value: Decimal, unit: str | None = None, fullwidth: bool = False) -> str:
    """An amount cell: ``1,234.56万元`` (suffix), ``1,234.56`` (caption), ``１２３４.５６`` (full-width)."""
    unit = unit or lay.unit
    text = number_text(value, unit, grouping=not fullwidth, fullwidth=fullwidth)
    return text + unit if lay.unit_style == "suffix" else text


def capital(lay: FormLayout, value: Decimal, words: bool = False) -> str:
    return upper_cn(value) if words else amount(lay, value)


def date_text(lay: FormLayout, d: date) -> str:
    if lay.date_style == "iso":
        return d.isoformat()
    if lay.date_style == "dot":
        return f"{d:%Y.%m.%d}"
    if lay.date_style == "dot1":
        return f"{d.year}.{d.month}.{d.day}"
    if lay.date_style == "slash":
        return f"{d:%Y/%m/%d}"
    return f"{d.year}年{d.month}月{d.day}日"


def count(lay: FormLayout, n: int, fullwidth: bool = False) -> str:
    text = f"{n}人"
    return digits_fullwidth(text) if fullwidth else text


def project_amount_unit(lay: FormLayout) -> str:
    """Contract amounts are written in 元 on 元 forms, else in 万元 (亿元 is too coarse for contracts)."""
    return "元" if lay.unit == "元" else "万元"


def period(lay: FormLayout, start: date, end: date) -> list[str]:
    """One range cell (2010.01-2010.12 / 2010年1月至2010年12月) or separate start and end cells."""
    if lay.period_style == "split":
        return [date_text(lay, start), date_text(lay, end)]
    if lay.date_style == "cn":
        return [f"{start.year}年{start.month}月至{end.year}年{end.month}月"]
    if lay.date_style == "dot1":
        return [f"{start.year}.{start.month}-{end.year}.{end.month}"]
    if lay.date_style == "slash":
        return [f"{start:%Y/%m}-{end:%Y/%m}"]
    return [f"{start:%Y.%m}-{end:%Y.%m}"]


_HANZI = dict(zip("0123456789", "〇一二三四五六七八九", strict=True))


def small_hanzi(n: int) -> str:
    """1..99 in Chinese numerals: 9 -> 九, 12 -> 十二, 20 -> 二十."""
    tens, ones = divmod(n, 10)
    return ((("" if tens == 1 else _HANZI[str(tens)]) + "十") if tens else "") + (_HANZI[str(ones)] if ones else "")


def year_text(lay: FormLayout, y: int) -> str:
    """A year in the revenue table: 2009年, 2009年度, 2009, 二〇〇九年."""
    if lay.year_label == "hanzi":
        return "".join(_HANZI[c] for c in str(y)) + "年"
    return f"{y}{lay.year_label}"


def years_text(lay: FormLayout, n: int) -> str:
    """A key person's years: 9年, 9, 九年."""
    if lay.persons_years == "digits":
        return str(n)
    if lay.persons_years == "hanzi":
        return f"{small_hanzi(n)}年"
    return f"{n}年"
