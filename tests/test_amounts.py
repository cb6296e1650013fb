"""The amount parser on the forms people really write, and its round trips."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omreview.amounts import Amount, agree, is_blank_amount, parse_amount, parse_unit, to_chinese_capital
from omreview.errors import AmountError

WAN, YI = D(10_000), D(100_000_000)

# text, header unit, expected yuan, expected precision
CASES = [
    ("12,345,678.90", None, "12345678.90", "0.01"),
    ("123456789.00", None, "123456789.00", "0.01"),
    ("585,461,786.23", None, "585461786.23", "0.01"),
    ("1234.56万元", None, "12345600", "100"),
    ("1,234.56万元", None, "12345600", "100"),
    ("3000万元", None, "30000000", "10000"),
    ("3000万", None, "30000000", "10000"),
    ("1.23亿元", None, "123000000", "1000000"),
    ("1亿元", None, "100000000", "100000000"),
    ("0.5亿", None, "50000000", "10000000"),
    ("16.64亿", None, "1664000000", "1000000"),
    ("人民币壹仟万元整", None, "10000000", "1"),
    ("壹仟万元整", None, "10000000", "1"),
    ("壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分", None, "1234567.89", "0.01"),
    ("人民币伍万零叁佰元整", None, "50300", "1"),
    ("壹亿零伍万零叁佰元零伍分", None, "100050300.05", "0.01"),
    ("叁仟伍佰万元", None, "35000000", "1"),
    ("拾万元整", None, "100000", "1"),
    ("贰元伍角", None, "2.5", "0.1"),
    ("(1,234.00)", None, "-1234.00", "0.01"),
    ("（１，２３４．００）", None, "-1234.00", "0.01"),
    ("-5,000.00", None, "-5000.00", "0.01"),
    ("－５.００", None, "-5.00", "0.01"),
    ("−86,311.05", None, "-86311.05", "0.01"),
    ("１２３４.５６", None, "1234.56", "0.01"),
    ("１，２３４，５６７．８９元", None, "1234567.89", "0.01"),
    ("¥ 1,000,000.00", None, "1000000.00", "0.01"),
    ("￥2,500.00元", None, "2500.00", "0.01"),
    ("RMB 88,000", None, "88000", "1"),
    ("人民币 1,500 万元", None, "15000000", "10000"),
    ("1,234.56", WAN, "12345600", "100"),
    ("98.7", YI, "9870000000", "10000000"),
    ("2,000.00", D(1000), "2000000", "10"),
    ("1234.56万元", YI, "12345600", "100"),  # a unit in the cell beats the header's
    (" 12 345 678.90 ", None, "12345678.90", "0.01"),
    ("0.00", None, "0.00", "0.01"),
    ("+1,000", None, "1000", "1"),
]


@pytest.mark.parametrize(("text", "unit", "value", "precision"), CASES)
def test_parse_real_looking_amounts(text, unit, value, precision):
    amount = parse_amount(text, unit)
    assert amount.value == D(value)
    assert amount.precision == D(precision)
    assert amount.text == text


@pytest.mark.parametrize(
    "text", ["", "   ", "abc", "1,2345.00", "12.34.56", "万元", "12元34", "壹仟万美元", "(", "--", "1e6", "N/A"]
)
def test_rejects_what_is_not_an_amount(text):
    with pytest.raises(AmountError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("header", "unit"),
    [("单位：元", D(1)), ("单位：万元", WAN), ("单位:人民币元", D(1)), ("金额单位：人民币万元", WAN),
     ("单位：千元  币种：人民币", D(1000)), ("单位：亿元", YI), ("编制单位：某某公司", None), ("合并利润表", None)],
)
def test_unit_from_header(header, unit):
    assert parse_unit(header) == unit


def test_blank_cells():
    assert is_blank_amount("-") and is_blank_amount(" — ") and is_blank_amount("")
    assert not is_blank_amount("0.00")


def test_agree_uses_half_unit_of_the_coarser_precision():
    wan = parse_amount("1234.56万元")
    assert agree(wan, parse_amount("12,345,650.00"))
    assert agree(wan, parse_amount("12,345,550.00"))
    assert not agree(wan, parse_amount("12,345,650.01"))
    assert not agree(wan, parse_amount("12,345,549.99"))
    assert agree(parse_amount("1.00"), parse_amount("1.005")) and not agree(parse_amount("1.00"), parse_amount("1.006"))
    assert wan.agrees(parse_amount("12345600"))


# --- property-based round trips -------------------------------------------------------------

UNITS = {"元": D(1), "万元": WAN, "亿元": YI}
FULLWIDTH = str.maketrans("0123456789,.-()", "０１２３４５６７８９，．－（）")


def _written(number: D, places: int, grouped: bool) -> str:
    text = f"{abs(number):,.{places}f}" if grouped else f"{abs(number):.{places}f}"
    return text


@given(
    cents=st.integers(min_value=-(10**13), max_value=10**13),
    places=st.integers(min_value=0, max_value=2),
    unit=st.sampled_from(sorted(UNITS)),
    grouped=st.booleans(),
    fullwidth=st.booleans(),
    parens=st.booleans(),
    in_header=st.booleans(),
)
def test_round_trip_arabic(cents, places, unit, grouped, fullwidth, parens, in_header):
    number = (D(cents) / 100).quantize(D(1).scaleb(-places))
    body = _written(number, places, grouped)
    if number < 0:
        body = f"({body})" if parens else f"-{body}"
    text = body if in_header else body + unit
    if fullwidth:
        text = text.translate(FULLWIDTH)
    amount = parse_amount(text, UNITS[unit] if in_header else None)
    assert amount.value == number * UNITS[unit]
    assert amount.precision == D(1).scaleb(-places) * UNITS[unit]


@given(cents=st.integers(min_value=0, max_value=10**14 - 1))
def test_round_trip_chinese_capital(cents):
    value = D(cents) / 100
    written = to_chinese_capital(value)
    parsed = parse_amount("人民币" + written)
    assert parsed.value == value


@given(a=st.integers(min_value=-(10**12), max_value=10**12), delta=st.integers(min_value=-10_000, max_value=10_000))
def test_agree_is_symmetric_and_matches_tolerance(a, delta):
    x = Amount(D(a) / 100, D("0.01"))
    y = Amount(D(a + delta) / 100, D(100))
    assert agree(x, y) == agree(y, x) == (abs(D(delta) / 100) <= 50)
