"""Certificates and the business licence read into typed records (#18 point 4): every field of samplegen's
certificates on every layout, as PDFs with a text layer, scans (OCR) and .docx, each value with its provenance; a
licence's identifier with a wrong check character kept as written and flagged; the 法定代表人 masked wherever it is
shown; a real blank registry extract read without inventing a value."""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from omreview.extractors.attachments import certificates
from omreview.extractors.classify import Classified
from omreview.extractors.ocr.pages import OcrPages
from omreview.extractors.registry import read_document
from omreview.model import CertificateType, DocumentKind, Source
from omreview.packet import PacketFile, load_packet, sha256_file
from omreview.records import CertificateLevel, LicenseRecord, SoftwareCopyrightCertificate, Text
from omreview.rules import default_rules, load_rules
from samplegen import certificates as sc
from samplegen.params import ScanStyle
from tests.conftest import REALDOCS, ROOT, SAMPLE_DOCS

RULES = default_rules()
HOLDER = "北京华信运维信息技术有限公司"
PERSON = "欧阳振华"


def _params() -> dict[str, sc.Params]:
    rng = random.Random(18)
    return {
        "copyright": sc.copyright_params(rng, HOLDER),
        "itss": sc.credential_params(rng, "itss", HOLDER),
        "itss_until_bottom_date": sc.credential_params(rng, "itss", HOLDER, issued_labelled=False, until_only=True),
        "si_qualification": sc.credential_params(rng, "si_qualification", HOLDER),
        "licence": sc.licence_params(rng, HOLDER, PERSON),
        "licence_old_open_term": sc.licence_params(rng, HOLDER, PERSON, old=True, in_words=False, open_term=True),
    }


PARAMS = _params()
TYPES = {sc.Copyright: SoftwareCopyrightCertificate, sc.Licence: LicenseRecord}


def packet_file(path: Path) -> PacketFile:
    return PacketFile(rel=path.name, path=path, size=path.stat().st_size, sha256=sha256_file(path))


def read(path: Path):
    return read_document(packet_file(path), RULES)


def plain(value: object) -> object:
    """A record's value as the parameters write it: a Text's or a date's value, a level as (written, number)."""
    if isinstance(value, CertificateLevel):
        return value.written.value, value.number
    return getattr(value, "value", value)


def assert_truth(record: object, params: sc.Params) -> None:
    got = {name: plain(getattr(record, name)) for name in params.truth()}
    assert got == params.truth()


def _kind(params: sc.Params) -> tuple[DocumentKind, CertificateType | None]:
    if isinstance(params, sc.Licence):
        return DocumentKind.BUSINESS_LICENSE, None
    if isinstance(params, sc.Copyright):
        return DocumentKind.CERTIFICATE, CertificateType.SOFTWARE_COPYRIGHT
    return DocumentKind.CERTIFICATE, CertificateType(params.kind)


@pytest.mark.parametrize("layout", sc.LAYOUTS)
@pytest.mark.parametrize("name", list(PARAMS))
def test_every_field_on_each_layout(tmp_path, name, layout):
    params = PARAMS[name]
    ex = read(sc.write_pdf(tmp_path / "doc.pdf", params, layout))
    assert (ex.kind, ex.certificate_type, ex.error, ex.ocr) == (*_kind(params), None, False)
    assert_truth(ex.record, params)
    assert ex.record.warnings == [] and ex.record.low_confidence == [] and ex.record.page == 1


@pytest.mark.parametrize("layout", ["table", "paragraphs"])
@pytest.mark.parametrize("name", list(PARAMS))
def test_every_field_of_a_docx(tmp_path, name, layout):
    params = PARAMS[name]
    ex = read(sc.write_docx(tmp_path / "doc.docx", params, layout))
    assert (ex.kind, ex.certificate_type, ex.error) == (*_kind(params), None)
    assert_truth(ex.record, params)


def test_values_carry_their_provenance(tmp_path):
    """Each value: the file, its digest, the page, a box on the page around the printed value, no confidence."""
    params = PARAMS["licence"]
    path = sc.write_pdf(tmp_path / "执照.pdf", params, "two_columns")
    ex = read(path)
    record = ex.record
    sources = {name: getattr(record, name).source for name in ("name", "credit_code", "legal_representative",
                                                                 "registered_capital", "founded", "term_end")}
    for name, src in sources.items():
        assert (src.file, src.sha256, src.page, src.confidence) == ("执照.pdf", sha256_file(path), 1, None), name
        x0, top, x1, bottom = src.bbox
        assert 0 < x0 < x1 < 595 and 0 < top < bottom < 842, name
    assert sources["credit_code"].text == params.credit_code
    assert sources["registered_capital"].text == params.capital_text()
    # two columns: the capital is printed right of the name, on the same line
    assert sources["registered_capital"].bbox[0] > sources["name"].bbox[2]
    assert sources["registered_capital"].bbox[1] == pytest.approx(sources["name"].bbox[1], abs=1)


def test_values_below_their_labels_are_boxed_under_them(tmp_path):
    params = PARAMS["copyright"]
    record = read(sc.write_pdf(tmp_path / "doc.pdf", params, "values_below")).record
    number = record.registration_number.source
    assert number.text == params.registration_number
    holder = record.holder.source
    assert holder.text == params.holder and holder.bbox[1] > 170  # under its label, not the title


def test_a_wrong_check_character_is_read_as_written_and_flagged(tmp_path):
    rng = random.Random(7)
    for old in (False, True):
        params = sc.licence_params(rng, HOLDER, PERSON, old=old, id_valid=False)
        record = read(sc.write_pdf(tmp_path / "doc.pdf", params, "spaced_labels")).record
        key = "registration_number" if old else "credit_code"
        written = params.registration_number if old else params.credit_code
        assert getattr(record, key).value == written
        assert list(record.identifier_problems) == [key]
        assert "校验位错误" in record.identifier_problems[key]
        assert any(written in w and "校验位错误" in w for w in record.warnings)
    good = read(sc.write_pdf(tmp_path / "good.pdf", PARAMS["licence"])).record
    assert good.identifier_problems == {} and good.warnings == []


def test_the_legal_representative_is_masked_wherever_shown(tmp_path):
    record = read(sc.write_pdf(tmp_path / "doc.pdf", PARAMS["licence"])).record
    assert record.legal_representative.value == PERSON  # held as read, as a roster's names are
    assert PERSON not in repr(record) and PERSON not in str(record)
    assert record.shown()["legal_representative"] == "欧***"
    doubtful = record.model_copy(update={"legal_representative": Text(
        value=PERSON, source=Source(file="x.pdf", page=1, text=PERSON, confidence=Decimal("0.5")))})
    checked = certificates._confidence(doubtful, RULES)
    assert checked.low_confidence == ["legal_representative"]
    assert "«欧***»" in checked.warnings[-1] and PERSON not in " ".join(checked.warnings)


SAMPLE = SAMPLE_DOCS / "app-01"
GOLDEN = ROOT / "tests" / "golden" / "samples"


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="sample_docs not generated")
def test_read_attachments_change_no_verdict_and_the_report_holds_no_name(tmp_path):
    """A licence and certificates of another company beside the sample applicant's documents: read into records,
    held against the form (tests/test_certificate_checks.py: the ITSS certificate's holder sends G5 to review, the
    licence's name and check character are discrepancies, and the other company's licence is no evidence on G2),
    and the 法定代表人 nowhere in the report."""
    from omreview.review import review_applicant

    rules = RULES.model_copy(update={"limits": RULES.limits.model_copy(update={"isolate_documents": False})})
    folder = tmp_path / "app-01"
    shutil.copytree(SAMPLE, folder)
    bad_code = sc.licence_params(random.Random(3), HOLDER, PERSON, id_valid=False)
    sc.write_pdf(folder / "附件1.pdf", bad_code, "two_columns")
    sc.write_pdf(folder / "附件2.pdf", PARAMS["copyright"], "values_below")
    sc.write_docx(folder / "附件3.docx", PARAMS["itss"])
    report = review_applicant(folder, rules=rules)
    expected = json.loads((GOLDEN / "app-01.json").read_text(encoding="utf-8"))
    assert (expected["verdict"], report.verdict.value) == ("meets", "needs_review")
    assert {c.id: c.status.value for c in report.checks} == expected["checks"] | {"G5": "review"}
    assert sorted(d.figure for d in report.discrepancies) == [
        "certificate.holder.itss", "certificate.number.itss", "license.credit_code.invalid", "license.name"]
    text = report.model_dump_json()
    assert PERSON not in text and PERSON[1:] not in text
    assert any("附件1.pdf" in note and "校验位错误" in note for note in report.notes)


PHOTO = ScanStyle(dpi=200, skew=2.5, noise=9, quality=35, color=True, seal_signature=False)


@pytest.mark.parametrize(("name", "layout", "style"), [
    ("copyright", "one_column", None), ("licence", "one_column", None), ("itss", "two_columns", None),
    ("licence", "spaced_labels", PHOTO), ("copyright", "two_columns", PHOTO),
], ids=["copyright", "licence", "itss_two_columns", "licence_photo_spaced", "copyright_photo_two_columns"])
def test_scanned_certificate_read_by_ocr(tmp_path, cjk_font, monkeypatch, name, layout, style):
    """A scan (noise, skew, JPEG) or a photo (more skew and noise, a poorer JPEG): every field right, each value
    with the OCR confidence of its characters, and the page OCR'd in full once, by the pages the classifier
    already read (OCR joins a label to its value, 企业名称北京…, and loses a character of a spaced label now and
    then, 注 册 本: both are still read)."""
    reads: list[int] = []
    original = OcrPages._read_page

    def counted(self, pdf, page):
        reads.append(page.number)
        return original(self, pdf, page)

    monkeypatch.setattr(OcrPages, "_read_page", counted)
    params = PARAMS[name]
    rules = RULES.model_copy(update={"limits": RULES.limits.model_copy(update={"isolate_documents": False})})
    path = sc.write_scan(tmp_path / "scan.pdf", params, layout, seed=name, style=style)
    ex = read_document(packet_file(path), rules)
    assert (ex.kind, ex.ocr, ex.error) == (_kind(params)[0], True, None)
    assert_truth(ex.record, params)
    assert reads == [1]
    first = next(iter(params.truth()))
    src = getattr(ex.record, first).source
    assert src.confidence is not None and Decimal("0.5") < src.confidence <= 1 and src.bbox is not None


def test_kinds_not_read_are_only_told(tmp_path):
    found = Classified(DocumentKind.CERTIFICATE, CertificateType.PATENT)
    path = sc.write_docx(tmp_path / "doc.docx", PARAMS["copyright"])
    assert certificates.read_docx(packet_file(path), RULES, found) is None
    assert certificates.group_of(Classified(DocumentKind.CONTRACT)) is None


@pytest.mark.parametrize(("text", "number"), [("三级", 3), ("贰级", 2), ("成熟度四级", 4), ("1级", 1), ("II级", 2),
                                              ("一级至二级", None), ("甲级", None)])
def test_level_as_a_number(text, number):
    assert RULES.labels.certificate_fields.level_number(text) == number


def test_rules_refuse_a_misspelt_certificate_field(tmp_path):
    text = (ROOT / "pipeline" / "rules.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "rules.yaml"
    bad.write_text(text.replace("      registration_number: [\"登记号\"", "      registration_no: [\"登记号\"", 1),
                   encoding="utf-8")
    with pytest.raises(Exception, match=r"certificate_fields\.software_copyright: unknown fields \['registration_no"):
        load_rules(bad)


def test_real_blank_registry_extract_gives_no_value():
    """公司登记基本情况 (../shared/realdocs): a blank registry table with a licence's labels (名称, 法定代表人,
    注册资本, 成立日期; the 名称 cell holds only '| 企业状态：'). Read as a licence: no error, no value invented."""
    folder = REALDOCS / "docx"
    if not folder.is_dir():
        pytest.skip("../shared/realdocs not present")
    pf = next(f for f in load_packet(folder).files if f.rel == "gongsi_dengji_jiben_qingkuang.docx")
    record = certificates.read_docx(pf, RULES, Classified(DocumentKind.BUSINESS_LICENSE))
    assert isinstance(record, LicenseRecord)
    values = {name: getattr(record, name) for name in record.shown()}
    assert values == dict.fromkeys(values)
    assert record.identifier_problems == {} and record.term_start is None and not record.term_unlimited
    assert record.warnings == ["未读到统一社会信用代码或注册号", "未读到：名称、法定代表人、注册资本、成立日期"]


@pytest.mark.parametrize(("line", "ocr", "found"), [
    ("登  记  号  2010SR012345", False, [("registration_number", "2010SR012345")]),
    ("登记号2010SR012345", False, [("registration_number", "2010SR012345")]),
    ("软件名称某某平台 V2.0 权利取得方式原始取得", False, [("software_name", "某某平台 V2.0")]),  # OCR joins them
    ("著作权人：北京某某有限公司          开发完成日期：2009年11月20日", False,
     [("holder", "北京某某有限公司"), ("completed", "2009年11月20日")]),
])
def test_labels_on_a_line(line, ocr, found):
    vocab = certificates._Vocabulary("software_copyright", RULES)
    labels = vocab.labels(line, ocr=ocr)
    got = []
    for k, label in enumerate(labels):
        if label.field:
            stop = labels[k + 1].start if k + 1 < len(labels) else len(line)
            got.append((label.field, line[label.after:stop].strip()))
    assert got == found


def test_a_spaced_label_ocr_read_short_of_a_character():
    """注 册 资 本 read 注 册 本: the licence's capital on a line OCR read, never on a text layer's."""
    vocab = certificates._Vocabulary("business_license", RULES)
    assert [lb.field for lb in vocab.labels("注 册 本  人民币壹仟伍佰万元整", ocr=True)] == ["registered_capital"]
    assert vocab.labels("注 册 本  人民币壹仟伍佰万元整") == []
    assert vocab.labels("注册本人民币", ocr=True) == []  # no break after it: no label


def test_a_licence_of_2012_in_its_own_words(tmp_path):
    """企业法人营业执照 as issued then: 注册号, 法定代表人姓名, dates in Chinese numerals, 营业期限 自…至…,
    实收资本 beside 注册资本 (not taken for it)."""
    import docx

    document = docx.Document()
    document.add_heading("企业法人营业执照", level=1)
    for text in ["注册号：110108001234569", f"名    称：{HOLDER}", "住    所：北京市海淀区某某路1号",
                 f"法定代表人姓名  {PERSON}", "实收资本：人民币壹仟万元", "注册资本：人民币壹仟伍佰万元",
                 "公司类型：有限责任公司", "成立日期：二〇〇五年四月十二日",
                 "营业期限：自2005年04月12日至2025年04月11日"]:
        document.add_paragraph(text)
    path = tmp_path / "执照.docx"
    document.save(str(path))
    ex = read(path)
    record = ex.record
    assert ex.kind is DocumentKind.BUSINESS_LICENSE
    assert (record.registration_number.value, record.credit_code, record.identifier_problems) == (
        "110108001234569", None, {})
    assert record.legal_representative.value == PERSON and record.name.value == HOLDER
    assert record.registered_capital.value == Decimal("15000000")
    assert (record.founded.value, record.term_start.value, record.term_end.value) == (
        dt.date(2005, 4, 12), dt.date(2005, 4, 12), dt.date(2025, 4, 11))
