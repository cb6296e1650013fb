"""身份证号 (GB 11643), 统一社会信用代码 (GB 32100) and software copyright 登记号."""

import pytest
from stdnum.cn import ric, uscc

from pipeline.identifiers import (
    id_number_problem,
    is_valid_credit_code,
    is_valid_id_number,
    is_valid_software_copyright,
    mask_id_number,
    mask_name,
    normalize_id_number,
)


def _id(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")  # stdnum takes the number with a placeholder


VALID_IDS = ["11010519491231002X", "11010519491231002x", "１１０１０５１９４９１２３１００２Ｘ", "110105 19491231 002X",
             _id("44052418800101001"), _id("32031119700101123")]
INVALID_IDS = [
    "110105194912310021",  # wrong check digit
    "11010519491231002",  # 17 characters
    "1101051949123100211",  # 19 characters
    "110105194913310025",  # month 13
    "11010519491231002Y",  # not a digit or X
    "",
    "身份证号",
]


@pytest.mark.parametrize("number", VALID_IDS)
def test_valid_id_numbers(number):
    assert is_valid_id_number(number), number
    assert id_number_problem(number) is None


@pytest.mark.parametrize("number", INVALID_IDS)
def test_invalid_id_numbers(number):
    assert not is_valid_id_number(number)
    assert id_number_problem(number)


def test_check_digit_problem_is_named():
    assert "校验码" in id_number_problem("110105194912310021")


def test_normalise_and_mask():
    assert normalize_id_number(" 11010519491231002x ") == "11010519491231002X"
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_name("张三丰") == "张**"


def _credit_code(body: str) -> str:
    return body + uscc.calc_check_digit(body)


@pytest.mark.parametrize("body", ["91110108MA01ABCD0", "91310000132212738", "12100000400010398"])
def test_valid_credit_codes(body):
    code = _credit_code(body)
    assert is_valid_credit_code(code)
    assert is_valid_credit_code(code.lower().replace("9", "９", 1))


def test_invalid_credit_codes():
    code = _credit_code("91110108MA01ABCD0")
    wrong = code[:-1] + ("1" if code[-1] != "1" else "2")
    assert not is_valid_credit_code(wrong)
    assert not is_valid_credit_code(code[:-1])
    assert not is_valid_credit_code("91110108MA01ABCDI" + code[-1])  # I is not in the GB 32100 alphabet
    assert not is_valid_credit_code("")


@pytest.mark.parametrize("number", ["2010SR012345", "2019SR1234567", "2009sr000001", "２０１１ＳＲ０５６７８９"])
def test_valid_software_copyright_numbers(number):
    assert is_valid_software_copyright(number)


@pytest.mark.parametrize(
    "number", ["2010SR01234", "10SR012345", "2010RS012345", "软著登字第0123456号", "2010SR12345678", ""]
)
def test_invalid_software_copyright_numbers(number):
    assert not is_valid_software_copyright(number)
