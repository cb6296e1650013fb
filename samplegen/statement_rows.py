"""The rows of a year's income statement, balance sheet and revenue note, derived from ``YearFinance``.

Only revenue, net profit, paid-in capital and equity matter to the checks; the other rows are plugs and
fixed shares that make every statement add up.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .params import YearFinance

Row = tuple[str, Decimal | None]   # None: a heading row with empty amount cells


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def income_rows(f: YearFinance, net_profit: Decimal | None = None) -> list[Row]:
    """利润表 rows; ``net_profit`` replaces the books' value (a restated column), 管理费用 absorbing it."""
    revenue = f.total_revenue
    profit = f.net_profit if net_profit is None else net_profit
    share = {k: _q(revenue * Decimal(v)) for k, v in
             (("cost", f.cost_ratio), ("tax", "0.0055"), ("sell", "0.045"), ("fin", "0.004"),
              ("imp", "0.003"), ("in", "0.002"), ("out", "0.001"))}
    pre_tax = _q(profit / Decimal("0.85"))
    operating = pre_tax - share["in"] + share["out"]
    admin = revenue - share["cost"] - share["tax"] - share["sell"] - share["fin"] - share["imp"] - operating
    return [("一、营业收入", revenue), ("减：营业成本", share["cost"]), ("营业税金及附加", share["tax"]),
            ("销售费用", share["sell"]), ("管理费用", admin), ("财务费用", share["fin"]),
            ("资产减值损失", share["imp"]), ("加：投资收益（损失以“－”号填列）", Decimal(0)),
            ("二、营业利润（亏损以“－”号填列）", operating), ("加：营业外收入", share["in"]),
            ("减：营业外支出", share["out"]), ("三、利润总额（亏损总额以“－”号填列）", pre_tax),
            ("减：所得税费用", pre_tax - profit), ("四、净利润（净亏损以“－”号填列）", profit)]


def _split(total: Decimal, shares: tuple[str, ...]) -> list[Decimal]:
    """``total`` in parts by ``shares``; the last part takes the remainder."""
    parts = [_q(total * Decimal(s)) for s in shares]
    return [*parts, total - sum(parts, Decimal(0))]


def asset_rows(f: YearFinance) -> list[Row]:
    assets = f.equity + _q(f.equity * f.leverage)
    current = _q(assets * Decimal("0.78"))
    cash, receivable, prepaid, other, stock = _split(current, ("0.32", "0.38", "0.05", "0.07"))
    fixed, intangible, deferred = _split(assets - current, ("0.6", "0.25"))
    return [("流动资产：", None), ("货币资金", cash), ("应收账款", receivable), ("预付款项", prepaid),
            ("其他应收款", other), ("存货", stock), ("流动资产合计", current), ("非流动资产：", None),
            ("固定资产", fixed), ("无形资产", intangible), ("长期待摊费用", deferred),
            ("非流动资产合计", assets - current), ("资产总计", assets)]


def liability_rows(f: YearFinance) -> list[Row]:
    debt = _q(f.equity * f.leverage)
    loans, payable, advance, wages, taxes, other = _split(debt, ("0.2", "0.35", "0.15", "0.1", "0.06"))
    return [("流动负债：", None), ("短期借款", loans), ("应付账款", payable), ("预收款项", advance),
            ("应付职工薪酬", wages), ("应交税费", taxes), ("其他应付款", other), ("流动负债合计", debt),
            ("非流动负债合计", Decimal(0)), ("负债合计", debt), ("所有者权益（或股东权益）：", None),
            ("实收资本（或股本）", f.paid_in), ("资本公积", f.capital_reserve),
            ("盈余公积", f.surplus_reserve), ("未分配利润", f.retained), ("所有者权益合计", f.equity),
            ("负债和所有者权益总计", debt + f.equity)]


def revenue_note_rows(f: YearFinance, om_label: str) -> list[tuple[str, Decimal]]:
    return [(om_label, f.om), *f.other_lines, ("合计", f.total_revenue)]
