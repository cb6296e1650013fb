"""Amounts in capital numerals (大写) as contracts write them, read strictly by ``omreview.amounts.parse_capital``:
every well-formed way of writing is read to the exact yuan with its precision, every malformed one is refused with
the fault named, and whatever ``to_chinese_capital`` (and the sample generator) writes reads back to itself."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omreview.amounts import parse_capital, to_chinese_capital
from omreview.errors import AmountError
from samplegen.money import upper_cn

READ = [
    # the contract's own words
    ("人民币壹佰玖拾万元整", "1900000", "1"),
    ("人民币（大写）：壹佰捌拾万元整", "1800000", "1"),
    ("大写：人民币 壹佰捌拾万元整", "1800000", "1"),
    ("RMB壹仟万元整", "10000000", "1"),
    ("壹佰玖拾万元正", "1900000", "1"),
    ("壹佰玖拾万圆整", "1900000", "1"),
    ("壹佰玖拾万元", "1900000", "1"),
    # 拾 with and without its digit
    ("壹拾万元整", "100000", "1"),
    ("拾万元整", "100000", "1"),
    ("拾元整", "10", "1"),
    ("拾伍万元整", "150000", "1"),
    ("壹拾伍元", "15", "1"),
    ("拾亿元整", "1000000000", "1"),
    ("贰拾万元整", "200000", "1"),
    ("壹佰壹拾万元整", "1100000", "1"),
    # 零 where a gap is, written or (where the norms allow) left out
    ("壹佰零伍元", "105", "1"),
    ("壹仟零伍元", "1005", "1"),
    ("壹仟零伍拾元", "1050", "1"),
    ("壹万零伍佰元整", "10500", "1"),
    ("壹万伍佰元整", "10500", "1"),
    ("壹仟万零伍佰元", "10000500", "1"),
    ("壹佰万零伍元", "1000005", "1"),
    ("壹亿零伍万零叁佰元零伍分", "100050300.05", "0.01"),
    ("贰亿零伍拾万元整", "200500000", "1"),
    ("壹亿伍仟万元整", "150000000", "1"),
    ("壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾元整", "1234567890", "1"),
    ("壹万亿元整", "1000000000000", "1"),
    ("零元整", "0", "1"),
    # 角 and 分
    ("壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分", "1234567.89", "0.01"),
    ("壹仟陆佰捌拾元零叁角贰分", "1680.32", "0.01"),
    ("壹万元零伍分", "10000.05", "0.01"),
    ("壹佰元伍角", "100.5", "0.1"),
    ("壹佰元伍角整", "100.5", "0.1"),
    ("贰元伍角", "2.5", "0.1"),
    ("伍角", "0.5", "0.1"),
    ("伍角陆分", "0.56", "0.01"),
    ("零伍分", "0.05", "0.01"),
    ("零元伍角", "0.5", "0.1"),
    # variant characters and the small numerals some write
    ("貳拾萬元整", "200000", "1"),
    ("陸億元整", "600000000", "1"),
    ("二十万元", "200000", "1"),
    ("一百九十万元整", "1900000", "1"),
]


@pytest.mark.parametrize(("text", "value", "precision"), READ)
def test_amounts_in_words_are_read_exactly(text, value, precision):
    amount = parse_capital(text)
    assert (amount.value, amount.precision, amount.text) == (D(value), D(precision), text)


REFUSED = [
    ("", "no amount in words"),
    ("人民币", "no amount in words"),
    ("壹佰", "no 元, 角 or 分"),
    ("壹佰万", "no 元, 角 or 分"),
    ("元整", "元 without a number"),
    ("万元", "万 without a number before it"),
    ("亿元", "亿 without a number before it"),
    ("佰元", "佰 without a digit"),
    ("零佰元", "佰 without a digit"),
    ("壹拾拾元", "units out of order"),
    ("壹佰壹仟元", "units out of order"),
    ("壹贰元", "two digits in a row"),
    ("壹佰零零伍元", "零 in a wrong place"),
    ("壹佰零元", "零 at the end of a section"),
    ("壹佰伍元", "a digit whose unit is left out"),
    ("壹万伍元", "a digit whose unit is left out"),
    ("壹万万元", "万 twice"),
    ("壹亿亿元", "亿 twice"),
    ("壹佰元整整", "整/正 before its end"),
    ("壹佰元元", "元 twice"),
    ("壹佰元零", "after 元"),
    ("壹佰元零角", "after 元"),
    ("壹佰元伍分角", "after 元"),
    ("壹佰元伍角零陆分", "零 between 角 and 分"),
    ("壹佰元捌", "after 元"),
    ("壹佰万元整（¥1,000,000.00）", "holds"),
    ("壹佰玖拾万美元", "holds 美"),
]


@pytest.mark.parametrize(("text", "fault"), REFUSED)
def test_malformed_words_are_refused_naming_the_fault(text, fault):
    with pytest.raises(AmountError, match="amount in words") as caught:
        parse_capital(text)
    assert fault in str(caught.value)


@given(st.integers(min_value=0, max_value=999_999_999_999_99))
def test_what_the_capital_writer_writes_reads_back(cents):
    value = D(cents) / 100
    words = to_chinese_capital(value)
    amount = parse_capital(words)
    assert amount.value == value
    assert amount.precision == (D("0.01") if cents % 10 else D("0.1") if cents % 100 else D(1))


@given(st.integers(min_value=1, max_value=999_999_999_999))
def test_what_the_sample_generator_writes_reads_back(yuan):
    assert parse_capital(upper_cn(D(yuan))).value == yuan
