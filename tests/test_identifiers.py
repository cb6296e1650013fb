"""身份证号 (GB 11643), company identifiers (统一社会信用代码 GB 32100, 营业执照注册号 GB/T 17710,
组织机构代码 GB 11714) and software copyright 登记号."""

import pytest
from stdnum.cn import ric, uscc
from stdnum.iso7064 import mod_11_10

from omreview.identifiers import (
    CompanyId,
    CompanyIdKind,
    company_id_problem,
    company_ids,
    id_number_problem,
    is_valid_credit_code,
    is_valid_id_number,
    is_valid_software_copyright,
    mask_id_number,
    mask_name,
    normalize_id_number,
    organization_code_check,
)
from omreview.model import Document, DocumentKind
from omreview.rules import default_rules
from tests import records_factory as f
from tests.test_checks import D, run


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


# --- company identifiers of 2012: 统一社会信用代码, 营业执照注册号, 组织机构代码 ------------------------------

def _gb17710(body: str) -> str:
    """The check digit of a 14-digit 营业执照注册号 body by the steps of GB/T 17710 (not through stdnum)."""
    p = 10
    for digit in body:
        s = p % 11 + int(digit)
        p = (s % 10 or 10) * 2
    return str((11 - p % 11) % 10)  # (p mod 11 + check) mod 10 == 1


def _registration_number(body: str) -> str:
    return body + _gb17710(body)


def _org_code(body: str) -> str:
    return f"{body}-{organization_code_check(body)}"


def test_the_registration_numbers_check_digit_is_gb_t_17710():
    for body in ("11010800123456", "31011500078539", "44030110309741", "10000000000000"):
        number = _registration_number(body)
        assert company_ids(number) == [CompanyId(CompanyIdKind.REGISTRATION_NUMBER, number, None)]
        assert mod_11_10.calc_check_digit(body) == number[-1]  # stdnum agrees with the standard's steps
        wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
        assert "校验位" in company_id_problem(CompanyIdKind.REGISTRATION_NUMBER, wrong)


def test_the_organisation_codes_check_character_is_gb_11714():
    # the 组织机构代码 inside a valid 统一社会信用代码 (characters 9-17) is a valid organisation code
    assert uscc.is_valid("91110000600037341L")
    assert organization_code_check("60003734") == "1"
    assert company_ids("60003734-1") == [CompanyId(CompanyIdKind.ORGANIZATION_CODE, "600037341", None)]
    assert company_ids("６０００３７３４－１")[0].problem is None  # full-width, as forms write it
    assert company_ids("600037341")[0].shown == "60003734-1"
    assert "GB 11714" in company_ids("60003734-2")[0].problem
    assert organization_code_check("MA01ABCD") in "0123456789X"  # letters weigh 10-35


@pytest.mark.parametrize("text", ["住所", "注册地址", "统一社会信用代码", "营业执照注册号", "", "  ",
                                  "北京市海淀区中关村大街1号", "ABCDEFGHI", "不适用"])
def test_a_label_or_address_is_no_identifier(text):
    assert company_ids(text) == []


def test_each_identifier_of_a_cell_is_told_by_its_shape():
    reg, org = _registration_number("11010800123456"), _org_code("60003734")
    found = company_ids(f"注册号：{reg}  组织机构代码：{org}")
    assert [(c.kind, c.shown, c.problem) for c in found] == [
        (CompanyIdKind.REGISTRATION_NUMBER, reg, None), (CompanyIdKind.ORGANIZATION_CODE, org, None)]
    code = _credit_code("91110108MA01ABCD0")
    assert [c.kind for c in company_ids(f"统一社会信用代码：{code}")] == [CompanyIdKind.CREDIT_CODE]
    assert company_ids(code.lower())[0].problem is None


def _evaluated(code_cell: str):
    return run(form=f.form(credit_code=f.text(code_cell)))


@pytest.mark.parametrize(("cell", "figure", "name"), [
    ("91110108MA01ABCD01", "credit_code", "统一社会信用代码"),
    ("110108001234560", "credit_code.registration_number", "营业执照注册号"),
    ("60003734-2", "credit_code.organization_code", "组织机构代码"),
])
def test_a_bad_check_character_names_its_identifier(cell, figure, name):
    if figure == "credit_code.registration_number":
        assert not mod_11_10.is_valid(cell)
    result = _evaluated(cell)
    found = [d for d in result.discrepancies if d.figure.startswith("credit_code")]
    assert [d.figure for d in found] == [figure]
    assert name in found[0].message and "校验位错误" in found[0].message
    assert result.verdict.value == "needs_review"


def test_valid_identifiers_of_2012_raise_nothing_and_are_kept():
    reg, org = _registration_number("11010800123456"), _org_code("60003734")
    result = _evaluated(f"{reg} / {org}")
    assert result.discrepancies == [] and result.verdict.value == "meets"
    assert (result.credit_code, result.registration_number, result.organization_code) == (None, reg, org)
    code = _credit_code("91110108MA01ABCD0")
    result = _evaluated(code)
    assert result.credit_code == code and result.discrepancies == []


@pytest.mark.parametrize("cell", ["住所", "注册地址"])
def test_a_label_read_in_the_codes_place_is_not_found_never_a_discrepancy(cell):
    result = _evaluated(cell)
    assert result.discrepancies == [] and result.verdict.value == "meets"
    assert result.credit_code is None
    assert any(cell in note and "「统一社会信用代码」" in note and "未找到" in note for note in result.notes)


def test_the_registration_number_and_organisation_code_cells_are_checked_too():
    reg = _registration_number("11010800123456")
    bad_reg = reg[:-1] + str((int(reg[-1]) + 1) % 10)
    form = f.form(credit_code=f.text(_credit_code("91110108MA01ABCD0")),
                  registration_number=f.text(bad_reg), org_code=f.text("60003734-2"))
    result = run(form=form)
    assert sorted(d.figure for d in result.discrepancies) == ["credit_code.organization_code",
                                                             "credit_code.registration_number"]
    form = f.form(registration_number=f.text("住所"))
    result = run(form=form)
    assert result.discrepancies == [] and any("「住所」" in note for note in result.notes)


def test_report_json_carries_the_2012_identifiers_and_the_notes_only_when_there_are_some(tmp_path):
    """report.json gains applicant.registration_number / organization_code and notes (added keys, absent
    when empty, so reports without them keep their shape)."""
    from omreview.packet import load_packet
    from omreview.review import review_documents

    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "form.docx").write_bytes(b"x")
    packet = load_packet(tmp_path / "acme")
    reg, org = _registration_number("11010800123456"), _org_code("60003734")
    pairs = [(Document(file="form.docx", sha256="0", kind=DocumentKind.APPLICATION_FORM),
              f.form(credit_code=f.text("住所"), registration_number=f.text(reg), org_code=f.text(org)))]
    report = review_documents(packet, pairs, D, default_rules()).report.model_dump(mode="json")
    assert report["applicant"]["registration_number"] == reg and report["applicant"]["organization_code"] == org
    assert report["applicant"]["credit_code"] is None
    assert any("「住所」" in note for note in report["notes"])
    plain = review_documents(packet, [(pairs[0][0], f.form())], D, default_rules()).report.model_dump(mode="json")
    assert "registration_number" not in plain["applicant"] and "notes" not in plain
