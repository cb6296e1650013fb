"""申报表 reading, against every sample packet's expected figures and against real blank forms."""

import datetime as dt
import json
from decimal import Decimal

import docx
import pytest

from omreview.extractors.office.form import extract, read_form
from omreview.extractors.registry import read_document
from omreview.model import DocumentKind
from omreview.packet import PacketFile, load_packet
from omreview.records import KeyRole
from omreview.rules import default_rules
from tests.conftest import REALDOCS, ROOT, SAMPLE_DOCS

RULES = default_rules()
GOLDEN = ROOT / "tests" / "golden" / "samples"
REAL_FORMS = ["dengfeng_dengjibiao.docx", "jichuang_shenqingbiao.docx", "soil_luntan_baomingbiao.docx",
              "gongsi_dengji_jiben_qingkuang.docx", "guozi_biandong_dengji_qingkuangbiao.docx",
              "guozi_chanquan_dengji_zhengming.docx", "ruanzhu_dengji_shenqingbiao_tpl.docx"]
PACKETS = sorted(p.name for p in SAMPLE_DOCS.iterdir() if p.is_dir()) if SAMPLE_DOCS.exists() else []


def _forms(packet: str):
    golden = json.loads((GOLDEN / f"{packet}.json").read_text(encoding="utf-8"))
    for pf in load_packet(SAMPLE_DOCS / packet).files:
        if golden["documents"][pf.rel]["kind"] == "application_form":
            yield pf, golden


@pytest.mark.parametrize("packet", PACKETS)
def test_sample_form_figures(packet):
    forms = list(_forms(packet))
    assert len(forms) == 1
    pf, golden = forms[0]
    result = read_document(pf, RULES)  # a .docx, or a .doc/.wps converted (app-25, app-26), or inside a .zip (app-27)
    assert result.kind is DocumentKind.APPLICATION_FORM and result.error is None
    form, expected = result.record, golden["figures"]
    assert form.company_name.value == golden["name"]
    assert form.credit_code.value == golden["credit_code"]
    assert form.registered_capital.value == Decimal(expected["registered_capital"])
    assert form.founded_date.value.isoformat() == expected["founded_date"]
    assert form.om_start_date.value.isoformat() == expected["om_start_date"]
    people = {p.role: p for p in form.key_persons}
    assert people[KeyRole.PRINCIPAL].mgmt_years.value == expected["principal_mgmt_years"]
    assert people[KeyRole.TECH_LEAD].om_years.value == expected["tech_lead_om_years"]
    assert people[KeyRole.TECH_LEAD].title.value == expected["tech_lead_title"]
    assert people[KeyRole.FINANCE_LEAD].title.value == expected["finance_lead_title"]
    assert [d.year for d in form.declared_years] == [2009, 2010, 2011]
    assert all(d.total_revenue is not None and d.om_revenue is not None for d in form.declared_years)
    assert form.projects and form.software and form.declared_staff_count is not None
    assert form.warnings == []
    # provenance: table index and A1 cell of the .docx
    src = form.registered_capital.source
    assert src.file == pf.rel and src.table is not None and src.cell and src.sha256 == pf.sha256


@pytest.mark.parametrize("name", REAL_FORMS)
def test_real_blank_forms_are_not_application_forms(name):
    """Real 登记表/申请表/报名表 with merged and nested cells: read without error, recognised as not ours."""
    folder = REALDOCS / "docx"
    if not folder.exists():
        pytest.skip("../shared/realdocs not present")
    pf = next(f for f in load_packet(folder).files if f.rel == name)
    result = extract(pf, RULES)
    assert result.error is None and result.kind is DocumentKind.UNKNOWN


def _real(name: str):
    folder = REALDOCS / "docx"
    if not (folder / name).exists():
        pytest.skip("../shared/realdocs not present")
    return next(f for f in load_packet(folder).files if f.rel == name)


@pytest.mark.parametrize("name", REAL_FORMS)
def test_real_blank_forms_give_no_value(name):
    """Blank government forms in their own wording and layout (注册号/统一社会信用代码, 注 册 资 本, a label merged
    down six rows, units in 千元 or only in column headers, a value cell holding the next label, {{placeholders}}):
    read through, and not one field is read from a label or a template."""
    pf = _real(name)
    form = read_form(pf, docx.Document(str(pf.path)), RULES)
    data = form.model_dump(exclude_defaults=True, exclude={"table_count", "stated_none"})
    assert data == {}


def _filled(tmp_path, name: str, cells: dict[tuple[int, int], str]):
    pf = _real(name)
    document = docx.Document(str(pf.path))
    table = document.tables[0]
    for (r, c), text in cells.items():
        table.rows[r].cells[c].text = text
    path = tmp_path / name
    document.save(str(path))
    return read_form(PacketFile(path=path, rel=name, sha256="0" * 64, size=1), docx.Document(str(path)), RULES)


def test_real_registration_form_filled_in_its_own_layout(tmp_path):
    """公司登记基本情况: 注册号/统一社会信用代码, two pairs in a row (注册资本 | … | 邮政编码 | …), 名称's value cell
    holding the next label (| 企业状态：), 住所 never a value of anything."""
    form = _filled(tmp_path, "gongsi_dengji_jiben_qingkuang.docx", {
        (2, 1): "浙江省台州市椒江区某某路1号", (3, 1): "91331000MA2A00001Q", (5, 1): "1000万元", (5, 3): "318000",
        (6, 1): "2001年3月5日"})
    assert form.credit_code.value == "91331000MA2A00001Q" and form.credit_code.source.cell == "B4"
    assert form.registered_capital.value == Decimal(10_000_000)
    assert form.founded_date.value == dt.date(2001, 3, 5) and form.founded_date.precision == "day"
    assert form.company_name is None and form.warnings == []


def test_real_property_certificate_filled_in_its_own_layout(tmp_path):
    """国有资产产权登记证明: 金额单位：千元 in a paragraph above the table, 单位名称： with its value after the colon,
    spaced labels (注 册 号, 注 册 资 本), 实收资本 written vertically and merged down beside its parts and 合计."""
    form = _filled(tmp_path, "guozi_chanquan_dengji_zhengming.docx", {
        (0, 0): "单位名称：台州市某某投资有限公司", (2, 5): "2001.3.5", (3, 2): "331000000012345", (3, 5): "12,000",
        (4, 3): "5,000", (9, 3): "8,000"})
    assert form.company_name.value == "台州市某某投资有限公司"
    assert form.registration_number.value == "331000000012345" and form.credit_code is None
    assert form.registered_capital.value == Decimal(12_000_000)  # 千元
    assert form.paid_in_capital.value == Decimal(8_000_000) and form.paid_in_capital.source.cell == "D10"  # 合计
    assert form.founded_date.value == dt.date(2001, 3, 5)


def test_real_change_form_filled_in_its_own_layout(tmp_path):
    """企业国有资产变动产权登记情况表: 社会统一信用代码（注册号）; 实收资本 with a value before and after the change,
    its unit only in the column headers: two values for one label are not a value (a warning says so)."""
    form = _filled(tmp_path, "guozi_biandong_dengji_qingkuangbiao.docx", {
        (1, 2): "黄岩某某集团有限公司", (2, 2): "91331003000000000X", (8, 1): "500", (8, 2): "800"})
    assert form.company_name.value == "黄岩某某集团有限公司" and form.credit_code.value == "91331003000000000X"
    assert form.paid_in_capital is None and form.warnings == ["表1 B9：「实收资本」一行有多个值，未读取"]
    only_before = _filled(tmp_path, "guozi_biandong_dengji_qingkuangbiao.docx", {(8, 1): "500", (8, 2): "—"})
    assert only_before.paid_in_capital.value == Decimal(5_000_000)  # 变动前数额（万元）


def test_real_legacy_word_form_is_converted_and_read(tmp_path, soffice):
    """基本建设资金来源审批表 is a Word 97-2003 file, also under a .docx name: converted and read (it is no
    application form: of unknown kind, no error, no record)."""
    folder = REALDOCS / "docx"
    source = folder / "jianshe_zijin_laiyuan_shenpibiao.doc"
    if not source.exists():
        pytest.skip("../shared/realdocs not present")
    renamed = tmp_path / "申报表.docx"
    renamed.write_bytes(source.read_bytes())
    for path in (source, renamed):
        result = read_document(PacketFile(path=path, rel=path.name, sha256="0" * 64, size=path.stat().st_size), RULES)
        assert result.error is None and result.kind is DocumentKind.UNKNOWN and result.record is None


@pytest.mark.parametrize("where", ["page header", "text box"])
def test_a_form_whose_title_stands_outside_the_body_is_the_form(tmp_path, where):
    """The form's title in its page header (页眉) or drawn in a text box is no body paragraph: the form was a
    document of no kind (the review: 申报表 missing, incomplete)."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document(str(next(pf.path for pf, _ in _forms("app-01"))))
    title = document.paragraphs[0]
    text = title.text
    assert "申报表" in text and "运行维护" in text
    if where == "page header":
        document.sections[0].header.paragraphs[0].text = text
        title._element.getparent().remove(title._element)
    else:
        for run in title.runs:
            run._element.getparent().remove(run._element)
        title._p.append(parse_xml(
            f'<w:r {nsdecls("w")} xmlns:v="urn:schemas-microsoft-com:vml"><w:pict>'
            '<v:shape style="width:400pt;height:30pt"><v:textbox>'
            f'<w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>'))
    path = tmp_path / "申报表.docx"
    document.save(str(path))
    found = read_document(PacketFile(rel=path.name, path=path, sha256="0" * 64, size=path.stat().st_size), RULES)
    assert found.kind is DocumentKind.APPLICATION_FORM
    assert found.record.company_name.value == "北京睿服信息技术有限公司"
    assert text not in [p.text for p in docx.Document(str(path)).paragraphs]  # no longer a body paragraph's text


def _relaxation_written(tmp_path, runs: list[str | tuple[str, str]]):
    """app-01's form with its 是否申请放宽条件 cell written as ``runs``: text, or (font, code) of a w:sym symbol."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document(str(next(pf.path for pf, _ in _forms("app-01"))))
    cell = next(c for t in document.tables for row in t.rows for c in row.cells
                if c.text.startswith("是否申请放宽条件"))
    paragraph = cell.paragraphs[0]
    for run in paragraph.runs:
        run._element.getparent().remove(run._element)
    paragraph.add_run("是否申请放宽条件：")
    for part in runs:
        if isinstance(part, str):
            paragraph.add_run(part)
        else:
            font, code = part
            paragraph._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:sym w:font="{font}" w:char="{code}"/></w:r>'))
    path = tmp_path / "申报表.docx"
    document.save(str(path))
    return read_document(PacketFile(rel=path.name, path=path, sha256="0" * 64, size=1), RULES).record


@pytest.mark.parametrize(("runs", "requested"), [
    (["☑是 □否"], True),
    (["□是 ☑否"], False),
    (["是√ 否"], True),
    ([("Wingdings", "F0A8"), "是 ", ("Wingdings", "F0FE"), "否"], False),  # Word's check boxes (Insert ▸ Symbol)
    ([("Wingdings 2", "F052"), "是 ", ("Wingdings 2", "F0A3"), "否"], True),
])
def test_the_relaxation_request_is_the_option_ticked(tmp_path, runs, requested):
    form = _relaxation_written(tmp_path, runs)
    assert form.relaxation_requested is not None and form.relaxation_requested.value is requested


@pytest.mark.parametrize("runs", [["是  否"], ["□是 □否"], ["☑是 ☑否"],
                                  [("Symbol", "F0B7"), "是 ", ("Symbol", "F0B7"), "否"]])
def test_a_relaxation_request_with_no_one_option_ticked_is_not_read(tmp_path, runs):
    # before: 是 first in the text was read as a request (a failure would have become review by relaxation)
    form = _relaxation_written(tmp_path, runs)
    assert form.relaxation_requested is None and form.relaxation_unclear is not None  # the review says so
    assert any("无法判断是否申请放宽条件" in w for w in form.warnings)
