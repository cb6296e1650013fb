"""人员名册 reading: header below title rows, synonyms, sheet choice, skipped rows, provenance."""

import openpyxl
import pytest
from stdnum.cn import ric

from omreview.errors import DocumentError
from omreview.extractors.office.roster import extract, sheet_row
from omreview.model import DocumentKind
from omreview.packet import load_packet
from omreview.records import Education, TitleLevel
from omreview.rules import default_rules
from tests.conftest import REALDOCS


def _id(seq: int) -> str:
    body = f"11010519800101{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def _packet_file(folder, name):
    return next(f for f in load_packet(folder).files if f.rel == name)


HEADER = ("序号", "姓名", "身份证号码", "最高学历", "专业技术职务", "专业", "岗位")


def _roster(path, *, second_sheet=False, header=HEADER):
    wb = openpyxl.Workbook()
    ws = wb.active
    if second_sheet:
        ws.title = "说明"
        ws["A1"] = "本表填写说明：姓名、身份证号码必填"
        ws = wb.create_sheet("人员名册")
    ws["A1"] = "某某公司运维人员名册"
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws["A2"] = "填报单位：某某信息技术有限公司"
    ws.append(list(header))
    ws.append([1, "张伟", _id(1), "大学本科", "高级工程师", "计算机", "运维工程师"])
    ws.append([])
    ws.append([2, "李娜", _id(2), "大专", "工程师", "通信", "值班"])
    ws.append([3, "王芳", int(_id(3)) if _id(3)[-1] != "X" else _id(3), "中专", "无", "电子", "值班"])
    ws.append(["合计", "3人", None, None, None, None, None])
    wb.save(path)


@pytest.mark.parametrize("second_sheet", [False, True])
def test_roster_rows_with_provenance(tmp_path, second_sheet):
    folder = tmp_path / "app"
    folder.mkdir()
    _roster(folder / "x.xlsx", second_sheet=second_sheet)
    result = extract(_packet_file(folder, "x.xlsx"), default_rules())
    assert result.kind is DocumentKind.STAFF_ROSTER and result.error is None
    record = result.record
    assert record.header_row == 3 and record.sheet == ("人员名册" if second_sheet else "Sheet")
    assert [r.name for r in record.rows] == ["张伟", "李娜", "王芳"]
    assert [r.education for r in record.rows] == [Education.BACHELOR, Education.COLLEGE, Education.BELOW]
    assert record.rows[0].title_level is TitleLevel.SENIOR
    assert record.rows[0].id_number == _id(1)
    assert record.rows[1].source.cell == "C6" and record.rows[1].source.file == "x.xlsx"
    assert [(r.row, r.seq) for r in record.rows] == [(4, "1"), (6, "2"), (7, "3")]
    assert record.rows[2].where() == "第7行（序号3）"
    assert any("空行" in s for s in record.skipped_rows) and any("合计" in s for s in record.skipped_rows)


def test_workbook_without_roster_header_is_unknown(tmp_path):
    folder = tmp_path / "app"
    folder.mkdir()
    wb = openpyxl.Workbook()
    wb.active.append(["项目", "金额"])
    wb.save(folder / "y.xlsx")
    assert extract(_packet_file(folder, "y.xlsx"), default_rules()).kind is DocumentKind.UNKNOWN


@pytest.mark.parametrize("name", ["roster_students_fake.xlsx", "abc_pos_workorder_form.xlsx", "tcm_company_info.xlsx",
                                  "jtrc_qiye_daoru_moban.xlsx", "ruanjian_chanpin_pinggu_shenqing.xlsx"])
def test_real_workbooks_that_are_not_staff_rosters(name):
    """A student list (姓名, 学号), a POS work-order form, company master data, a company import template
    (its sheet named 员工信息) and a software-evaluation form laid out in cells are not O&M rosters."""
    folder = REALDOCS / "xlsx"
    if not folder.exists():
        pytest.skip("../shared/realdocs not present")
    result = extract(_packet_file(folder, name), default_rules())
    assert result.error is None
    assert result.kind is DocumentKind.UNKNOWN


def test_real_employee_import_template_is_a_roster_of_its_one_example_row():
    """An employee import template (28 columns: 身份证, 姓名, 文化程度, 所学专业, 技术职称 among them, in its
    own order and words) is a roster; its one example row (张三, 身份证 '123456') is read as written, for the
    validators to flag, and nothing else is taken for a person."""
    folder = REALDOCS / "xlsx"
    if not folder.exists():
        pytest.skip("../shared/realdocs not present")
    result = extract(_packet_file(folder, "jtrc_yuangong_daoru_moban.xlsx"), default_rules())
    assert result.kind is DocumentKind.STAFF_ROSTER and result.error is None
    record = result.record
    assert record.sheet == "员工信息" and record.header_row == 1
    [row] = record.rows
    assert (row.row, row.seq, row.name, row.id_number) == (2, None, "张三", "123456")
    assert (row.education, row.title_level, row.specialty) == (Education.BACHELOR, TitleLevel.SENIOR, "教育管理")
    assert row.source.cell == "C2" and row.om_years is None


def test_a_short_roster_of_names_numbers_and_education_is_a_roster(tmp_path):
    """What T2 needs and nothing else (序号 | 姓名 | 身份证号 | 学历): read, not an incomplete folder."""
    folder = tmp_path / "p"
    folder.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["运维人员名单"])
    ws.append(["序号", "姓名", "身份证号", "学历"])
    people = [("张三", "110101199003074514", "本科"), ("李四", "110101198506120012", "大专")]
    for n, (name, number, education) in enumerate(people, start=1):
        ws.append([n, name, number, education])
    wb.save(folder / "x.xlsx")
    ex = extract(_packet_file(folder, "x.xlsx"), default_rules())
    assert ex.kind is DocumentKind.STAFF_ROSTER
    assert [(r.seq, r.name, r.education) for r in ex.record.rows] == [("1", "张三", Education.BACHELOR),
                                                                    ("2", "李四", Education.COLLEGE)]


def test_sheet_row_gives_a_source_row_with_the_roster_header_above_it(tmp_path):
    """What the dashboard shows for a roster figure's source: the row's cells under the reader's header."""
    _roster(tmp_path / "x.xlsx", second_sheet=True)
    row = sheet_row(tmp_path / "x.xlsx", "人员名册", 4, default_rules())
    assert row.values[:3] == ("1", "张伟", _id(1))  # cells as text, as the reader reads them
    assert row.labels[:3] == ("序号", "姓名", "身份证号码")
    assert row.keys[1:3] == ("name", "id_number")
    title = sheet_row(tmp_path / "x.xlsx", "人员名册", 1, default_rules())  # no header above the title row
    assert title.labels == () and title.keys == () and title.values[0] == "某某公司运维人员名册"
    with pytest.raises(KeyError):
        sheet_row(tmp_path / "x.xlsx", "名册", 4, default_rules())
    with pytest.raises(IndexError):
        sheet_row(tmp_path / "x.xlsx", "人员名册", 99, default_rules())
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    with pytest.raises(DocumentError):
        sheet_row(tmp_path / "bad.xlsx", "人员名册", 1, default_rules())


def test_real_blank_legacy_roster_of_another_purpose_is_converted_and_no_staff_roster(tmp_path, soffice):
    """职业培训补贴人员花名册 is a blank Excel 97-2003 roster (序号 1-17 filled, 姓名/身份证号 columns empty) of
    training-subsidy claimants: converted and read, also under a roster's name with an .xlsx ending, it is no O&M
    staff roster (no education or title column, nobody in it) and gives no person."""
    from omreview.extractors.registry import read_document
    from omreview.packet import PacketFile

    source = REALDOCS / "xlsx" / "zhiye_peixun_butie_huamingce.xls"
    if not source.exists():
        pytest.skip("../shared/realdocs not present")
    renamed = tmp_path / "运维人员名册.xlsx"
    renamed.write_bytes(source.read_bytes())
    for path in (source, renamed):
        result = read_document(PacketFile(path=path, rel=path.name, sha256="0" * 64, size=path.stat().st_size),
                               default_rules())
        assert result.error is None, result.error
        assert result.kind is DocumentKind.UNKNOWN and result.record is None
