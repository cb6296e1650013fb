"""The layout fuzzer: seeded combinations of the ways a 申报表, a 人员名册 and an audit report's revenue
note can be laid out, so any sample's documents can be written in many layouts with the same content.

``fuzz(rng, base)`` draws a ``Layout`` from ``base`` (units and scans are kept unless ``units=True``:
the oracle computes the expected figures in the documents' units); ``form_layout``, ``roster_layout`` and
``statement_layout`` draw one document kind's layout. The default dataclass values are the layouts the
samples always had; every axis here is a field of ``params.FormLayout``, ``RosterLayout`` or
``StatementLayout``, and the writers (``form_docx``, ``roster_xlsx``, ``statement_pdf``) follow it.

The wordings are those the rules know (``pipeline/rules.yaml``) and forms of them a reader meets on real
documents: qualifiers (人员姓名, 学历（最高）, 公司注册日期), numbering, spacing, an asterisk, a colon.

A variant that exposed a reader bug is left out of the options below with a comment naming the bug
(``EXCLUDED``), so the property test (tests/test_samplegen_layouts.py) stays a statement of what the
readers do read.
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal
from typing import TypeVar

from .params import Applicant, FormLayout, Layout, RosterLayout, StatementLayout, YearFinance

T = TypeVar("T")

# --- the 申报表 ------------------------------------------------------------------------------------------

# key -> label wordings (the first is the usual one); all read as the key's field by the rules' matching
FORM_WORDS: dict[str, tuple[str, ...]] = {
    "name": ("企业名称", "单位名称", "申报单位名称", "公司名称", "申报企业名称", "企业名称（全称）"),
    "credit_code": ("统一社会信用代码", "社会信用代码", "社会统一信用代码"),
    "registered": ("注册资本", "注册资金"),
    "paid_in": ("实收资本", "实缴资本", "实到资本"),
    "founded": ("成立日期", "成立时间", "注册日期", "公司注册日期", "设立日期", "企业成立日期"),
    "om_start": ("从事运维业务起始时间", "开展运维业务时间", "运维业务起始时间", "开始从事运维业务时间",
                 "开展运维服务时间", "从事运行维护业务起始时间"),
    "si_no": ("系统集成资质证书编号", "资质证书编号", "计算机信息系统集成资质证书编号", "集成资质证书编号"),
    "si_level": ("资质等级", "系统集成资质等级", "现有资质等级"),
    "si_valid": ("有效期至", "证书有效期至", "资质有效期至", "资质证书有效期至"),
    "itss": ("ITSS符合性评估证书编号", "运维通用要求符合性评估证书编号", "ITSS运维符合性证书编号",
             "运行维护标准符合性证书编号", "符合性评估证书编号"),
    "recommender": ("推荐单位", "推荐部门", "推荐机构"),
    "relax": ("申请放宽条件", "是否申请放宽条件", "是否申请放宽"),
    "relax_reason": ("放宽理由", "申请放宽理由", "申请放宽条件的理由"),
    "mis": ("企业管理信息系统", "企业管理信息系统建设情况", "管理信息系统建设情况"),
    "fill_date": ("填表日期", "填报日期", "申报日期"),
    "revenue": ("营业收入", "营业总收入", "营业收入总额", "企业营业收入"),
    "om": ("运维收入", "运行维护服务收入", "运维服务收入", "其中：运维收入", "运维业务收入"),
    "client": ("客户名称", "用户单位", "用户名称", "客户单位", "服务对象"),
    "staff": ("运维人员总数", "运维人员数量", "从事运维工作人员总数", "运维人员人数"),
    "college": ("大专及以上学历人数", "大专及以上学历人员数", "大专以上学历人数"),
    "ratio": ("大专及以上学历占比", "大专及以上学历人员比例", "大专以上学历比例"),
    # the project table's headings
    "p_name": ("项目名称", "合同名称", "运维项目名称"),
    "p_amount": ("合同金额", "合同额", "合同总额"),
    "p_period": ("合同起止时间", "服务期限", "起止时间"),
    "p_start": ("开始时间", "开始日期", "起始日期"),
    "p_end": ("结束时间", "结束日期", "终止日期"),
    "p_tool": ("应用的自主知识产权工具", "应用的自主知识产权运维工具", "使用的运维工具"),
    # the key persons' table
    "k_role": ("类别", "人员类别"),
    "k_name": ("姓名", "人员姓名"),
    "k_post": ("职务", "现任职务"),
    "k_title": ("职称", "技术职称", "专业技术职称"),
    "k_spec": ("专业", "所学专业"),
    "k_mgmt": ("从事IT企业管理年限", "IT企业管理年限", "从事IT企业管理经历"),
    "k_om": ("从事运维工作年限", "运维工作年限", "从事运维年限"),
    "k_fin": ("从事财务工作年限", "财务工作年限"),
    "k_any": ("相关工作年限", "工作年限"),
}
FORM_OPTIONS: dict[str, tuple[object, ...]] = {
    "kv": ("2col", "4col", "6col", "above", "inline"),
    "label_deco": ("", "spaced", "numbered", "star", "colon"),
    "years_as": ("columns", "rows"),
    "year_label": ("年", "年度", "", "hanzi"),
    "unit_style": ("suffix", "caption"),
    "revenue_unit": ("cell", "header", "caption", "note"),
    "fullwidth": (False, True),
    "period_style": ("range", "split"),
    "persons_style": ("table", "blocks", "generic", "transposed", "prefixed"),
    "persons_years": ("nian", "digits", "hanzi"),
    "date_style": ("cn", "iso", "dot", "dot1", "slash"),
    "capital_in_words": (False, True),
    "seq": (True, False),
    "footer": (False, True),
}
PROJECT_COLUMNS = ("name", "client", "amount", "period", "tool")

# --- the 人员名册 --------------------------------------------------------------------------------------

ROSTER_WORDS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "人员姓名", "员工姓名", "姓\u3000名"),
    "gender": ("性别",),
    "id": ("身份证号", "身份证号码", "公民身份号码", "居民身份证号码", "身份证号码（18位）", "证件号码"),
    "edu": ("学历", "最高学历", "文化程度", "学历（最高）", "学历层次", "学历学位"),
    "title": ("职称", "专业技术职务", "技术职称", "专业技术职称", "现任职称", "职称等级"),
    "spec": ("专业", "所学专业", "毕业专业", "专业名称"),
    "post": ("岗位", "工作岗位", "现任岗位", "职务", "从事岗位", "岗位名称"),
    "years": ("从事运维年限", "运维工作年限（年）", "从事运维工作年限", "运维年限", "从业年限"),
}
ROSTER_EXTRA: dict[str, str] = {"birth": "出生年月", "phone": "联系电话", "remark": "备注", "school": "毕业院校"}
ROSTER_OPTIONS: dict[str, tuple[object, ...]] = {
    "header": (0, 1, 2),
    "second_sheet": (False, True),
    "title_rows": (0, 1, 2, 3),
    "total_row": (False, True),
    "seq": ("序号", None, "No.", "序 号"),
    "years_text": (False, True),
    "summary_sheet": (False, True),
}
ROSTER_FOOTERS = ("signatures", "note", "date")

# --- the audit report's revenue note --------------------------------------------------------------------

NOTE_TITLES = ("（一）营业收入和营业成本", "27、营业收入和营业成本", "（三十二）营业收入", "5.32 营业收入",
               "注释27.营业收入及营业成本", "营业收入及营业成本", "1、营业收入")
NOTE_CAPTIONS: tuple[str | None, ...] = (
    "1. 营业收入按业务类别列示", "（1）按业务类别列示", None, "分行业", "按产品", "主营业务（分业务）",
    "营业收入按业务类型列示")
NOTE_PERIODS = (("本期金额", "上期金额"), ("本年发生额", "上年发生额"), ("本期发生额", "上期发生额"),
                ("本期", "上期"), ("本年数", "上年数"), ("{year}年度", "{prior}年度"), ("{year}年", "{prior}年"))
STATEMENT_OPTIONS: dict[str, tuple[object, ...]] = {
    "is_cols": (("本期金额", "上期金额"), ("本年数", "上年数"), ("本期发生额", "上期发生额"), ("本年金额", "上年金额")),
    "bs_cols": (("期末余额", "年初余额"), ("期末数", "年初数"), ("年末余额", "年初余额")),
    "om_label": ("运维服务", "运行维护服务", "IT运维服务", "信息系统运行维护", "系统运维"),
    "bs_two_pages": (False, True),
    "note_title": NOTE_TITLES,
    "note_caption": NOTE_CAPTIONS,
    "note_periods": (None, *NOTE_PERIODS),
    "note_unit_place": ("line", "title", "header"),
    "note_cost": (None, "pairs", "one-line"),
    "note_line_label": ("{}", "{n}、{}", "（{n}）{}"),
}
UNITS = ("元", "万元")

# Variants left out because a reader gets them wrong: (kind, field, value) -> the bug. Listed in the report
# of the issue; a variant comes back once its reader is fixed.
EXCLUDED: dict[tuple[str, str, object], str] = {
}


def _options(kind: str, table: dict[str, tuple[object, ...]]) -> dict[str, tuple[object, ...]]:
    return {k: tuple(v for v in values if (kind, k, v) not in EXCLUDED) for k, values in table.items()}


def _pick(rng: random.Random, values: tuple[T, ...]) -> T:
    return values[rng.randrange(len(values))]


def form_layout(rng: random.Random, base: FormLayout | None = None, units: bool = False) -> FormLayout:
    base = base or FormLayout()
    draw = {k: _pick(rng, v) for k, v in _options("form", FORM_OPTIONS).items()}
    order = list(PROJECT_COLUMNS)
    rng.shuffle(order)
    unit = _pick(rng, UNITS) if units else base.unit
    return replace(base, **draw, words=rng.randrange(1 << 30), project_order=tuple(order), unit=unit)  # type: ignore[arg-type]


def roster_layout(rng: random.Random, base: RosterLayout | None = None) -> RosterLayout:
    base = base or RosterLayout()
    draw = {k: _pick(rng, v) for k, v in _options("roster", ROSTER_OPTIONS).items()}
    order = list(ROSTER_WORDS)
    rng.shuffle(order)
    extra = tuple(k for k in ROSTER_EXTRA if rng.random() < 0.3)
    footer = tuple(f for f in ROSTER_FOOTERS if ("roster", "footer", f) not in EXCLUDED and rng.random() < 0.4)
    blank = tuple(sorted(rng.sample(range(2, 40), rng.randrange(3))))
    return replace(base, **draw, words=rng.randrange(1 << 30), order=tuple(order), extra=extra,  # type: ignore[arg-type]
                   footer=footer, blank_after=blank)


def statement_layout(rng: random.Random, base: StatementLayout | None = None, units: bool = False
                     ) -> StatementLayout:
    base = base or StatementLayout()
    draw = {k: _pick(rng, v) for k, v in _options("statement", STATEMENT_OPTIONS).items()}
    unit = _pick(rng, UNITS) if units else base.unit
    note_unit = _pick(rng, UNITS) if units else None
    lay = replace(base, **draw, unit=unit, note_unit=note_unit)  # type: ignore[arg-type]
    if (lay.note_cost == "one-line" and lay.note_unit_place == "header"
            and ("statement", "one-line_header_unit", lay.note_unit or lay.unit) in EXCLUDED):
        lay = replace(lay, note_unit_place="title")
    return lay


def fuzz(rng: random.Random, base: Layout | None = None, units: bool = False) -> Layout:
    """A layout of every document kind drawn from ``rng``; ``base``'s units (unless ``units``), scans and
    extra files are kept."""
    base = base or Layout()
    return replace(base, form=form_layout(rng, base.form, units), roster=roster_layout(rng, base.roster),
                   statement=statement_layout(rng, base.statement, units))


def form_word(lay: FormLayout, key: str) -> str:
    """The wording of ``key`` in ``lay``: drawn per key from ``lay.words``, the usual one without it."""
    words = FORM_WORDS[key]
    if lay.words is None:
        return words[0]
    if lay.kv == "inline":
        words = tuple(w for w in words if ("form", "inline_word", w) not in EXCLUDED)
    return _pick(random.Random(f"{lay.words}:{key}"), words)


def roster_word(lay: RosterLayout, key: str) -> str:
    words = ROSTER_WORDS[key]
    return _pick(random.Random(f"{lay.words}:{key}"), words)


def decorate(lay: FormLayout, text: str, n: int) -> str:
    """A label as some hands write it: 企 业 名 称, 3、企业名称, *企业名称, 企业名称："""
    if lay.label_deco == "spaced" and len(text) <= 5 and "（" not in text and text.isalpha():
        return " ".join(text)
    if lay.label_deco == "numbered":
        return f"{n}、{text}"
    if lay.label_deco == "star":
        return f"*{text}"
    if lay.label_deco == "colon":
        return f"{text}："
    return text


def round_books(a: Applicant, step: Decimal = Decimal(100)) -> Applicant:
    """``a`` with its books in whole multiples of ``step`` yuan, so that writing them in 元 or in 万元 gives
    the same values (the property test compares records across units)."""
    def r(v: Decimal) -> Decimal:
        return (v / step).quantize(Decimal(1)) * step

    def year(f: YearFinance) -> YearFinance:
        return replace(f, om=r(f.om), other_lines=tuple((n, r(v)) for n, v in f.other_lines),
                       net_profit=r(f.net_profit), capital_reserve=r(f.capital_reserve),
                       surplus_reserve=r(f.surplus_reserve), retained=r(f.retained))
    return replace(a, finances={y: year(f) for y, f in a.finances.items()})
