"""Certificates and the business licence held against the form (#18 point 4): each check with its certificate as
evidence; every discrepancy planted once and found once, with both values and their sources; none when all agree;
an expired certificate fails its check, a holder that is not the applicant sends it to a reviewer; a licence whose
credit code is not the form's, or whose check character is wrong; the licence's registered capital is the one G2
judges; a folder without attachments is judged as before (tests/test_sample_reports.py compares whole reports)."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pytest
from stdnum.cn import uscc
from stdnum.iso7064 import mod_11_10

from omreview.model import CheckStatus, Document, DocumentKind, Source, Verdict
from omreview.records import (
    CertificateLevel,
    DateValue,
    ItssCertificate,
    LicenseRecord,
    Money,
    SiQualificationCertificate,
    SoftwareCopyright,
    SoftwareCopyrightCertificate,
    Text,
)
from omreview.rules import default_rules
from omreview.validators import evaluate
from tests import records_factory as f
from tests.conftest import SAMPLE_DOCS
from tests.test_checks import YEARS

D = dt.date(2012, 6, 1)
RULES = default_rules()
OTHER = "北京另一家信息技术有限公司"
CREDIT = "91110108MA00ABCD4" + uscc.calc_check_digit("91110108MA00ABCD4")  # its organisation code's check: 4
REGISTRATION = "11010800012345" + mod_11_10.calc_check_digit("11010800012345")
OTHER_CREDIT = "91110108MA00ABCE2" + uscc.calc_check_digit("91110108MA00ABCE2")  # valid, another body's
OTHER_REGISTRATION = "11010800012346" + mod_11_10.calc_check_digit("11010800012346")
BROKEN_CREDIT = CREDIT[:-1] + ("0" if CREDIT[-1] != "0" else "1")
PAGES = {"copyright": "软著.pdf", "itss": "ITSS.pdf", "si": "资质.pdf", "licence": "营业执照.pdf"}


def src(kind: str, text: str, confidence: Decimal | None = None) -> Source:
    return Source(file=PAGES[kind], page=1, bbox=(100.0, 200.0, 300.0, 215.0), text=text, confidence=confidence)


def t(kind: str, value: str, confidence: Decimal | None = None) -> Text:
    return Text(value=value, source=src(kind, value, confidence))


def d(kind: str, value: dt.date) -> DateValue:
    return DateValue(value=value, source=src(kind, value.isoformat()))


def copyright_cert(name: str = "智维运维监控平台", number: str = "2009SR012345", holder: str = f.COMPANY,
                   version: str = "V2.0") -> SoftwareCopyrightCertificate:
    return SoftwareCopyrightCertificate(
        page=1, certificate_number=t("copyright", "软著登字第0203456号"), registration_number=t("copyright", number),
        software_name=t("copyright", name), version=t("copyright", version), holder=t("copyright", holder),
        first_published=d("copyright", dt.date(2009, 1, 8)), registered=d("copyright", dt.date(2009, 3, 1)))


def itss_cert(number: str = "ITSS-YW-2011-0001", holder: str | None = f.COMPANY,
              until: dt.date = dt.date(2014, 5, 31), confidence: Decimal | None = None) -> ItssCertificate:
    return ItssCertificate(
        page=1, number=t("itss", number, confidence), holder=t("itss", holder) if holder else None,
        level=CertificateLevel(written=t("itss", "三级"), number=3), valid_from=d("itss", dt.date(2011, 6, 1)),
        valid_until=d("itss", until), validity=t("itss", f"2011年6月1日至{until}"))


def si_cert(number: str = "Z1110020090123", holder: str = f.COMPANY, level: tuple[str, int] = ("贰级", 2),
            until: dt.date = dt.date(2013, 12, 31)) -> SiQualificationCertificate:
    return SiQualificationCertificate(
        page=1, number=t("si", number), holder=t("si", holder),
        level=CertificateLevel(written=t("si", level[0]), number=level[1]), valid_until=d("si", until),
        validity=t("si", f"有效期至{until}"), issuer=t("si", "中华人民共和国工业和信息化部"))


def licence(name: str = f.COMPANY, credit: str | None = CREDIT, registration: str | None = None,
            capital=20_000_000, founded: dt.date = dt.date(2001, 1, 1), term_end: dt.date | None = None,
            problems: dict[str, str] | None = None) -> LicenseRecord:
    return LicenseRecord(
        page=1, name=t("licence", name), credit_code=t("licence", credit) if credit else None,
        registration_number=t("licence", registration) if registration else None,
        identifier_problems=problems or {}, legal_representative=t("licence", "欧阳振华"),
        registered_capital=Money(value=Decimal(capital), precision=Decimal(1), source=src("licence", "贰仟万元")),
        founded=d("licence", founded), term=t("licence", "长期" if term_end is None else f"至{term_end}"),
        term_start=d("licence", founded), term_end=d("licence", term_end) if term_end else None,
        term_unlimited=term_end is None)


def form(**changes):
    return f.form(**({"credit_code": f.text(CREDIT)} | changes))


def run(form_record=None, *attachments, relaxation: bool = False):
    """The base applicant (records_factory) with ``attachments``, each as the document of its own file."""
    form_record = form() if form_record is None else form_record
    pairs = [(Document(file="form.docx", sha256="0", kind=DocumentKind.APPLICATION_FORM), form_record),
             (Document(file="roster.xlsx", sha256="1", kind=DocumentKind.STAFF_ROSTER), f.roster())]
    pairs += [(Document(file=f"{y}.pdf", sha256=str(y), kind=DocumentKind.FINANCIAL_STATEMENT, fiscal_year=y),
               f.statement(y)) for y in YEARS]
    for a in attachments:
        kind = DocumentKind.BUSINESS_LICENSE if isinstance(a, LicenseRecord) else DocumentKind.CERTIFICATE
        file = next(v.source.file for v in (getattr(a, n) for n in type(a).model_fields) if hasattr(v, "source"))
        pairs.append((Document(file=file, sha256=file, kind=kind), a))
    return evaluate(pairs, YEARS, RULES, D)


def check(result, check_id):
    return next(c for c in result.checks if c.id == check_id)


def files(c) -> set[str]:
    return {s.file for s in c.evidence}


ALL = (copyright_cert(), itss_cert(), si_cert(), licence())


# --- none when all agree; each certificate evidence on its check -----------------------------------------------------


def test_certificates_that_agree_raise_nothing_and_are_the_checks_evidence():
    result = run(None, *ALL)
    assert result.verdict is Verdict.MEETS, [(c.id, c.message) for c in result.checks if c.status.value != "pass"]
    assert result.discrepancies == [] and result.notes == []
    p1, g5, t1, b2c, g2 = (check(result, i) for i in ("P1", "G5", "T1", "B2c", "G2"))
    assert p1.message == ("具有计算机信息系统集成企业资质：系统集成资质证书Z1110020090123（二级）。"
                          "所附系统集成资质证书与申报表一致。")
    assert g5.message.endswith("ITSS符合性评估证书ITSS-YW-2011-0001。所附ITSS符合性证书与申报表一致。")
    assert t1.message.endswith("所附登记证书1份与申报表一致。")
    assert {"资质.pdf", "form.docx"} <= files(p1) and "ITSS.pdf" in files(g5)
    assert "软著.pdf" in files(t1) and "软著.pdf" in files(b2c)
    attached = [s for c in (p1, g5, t1, b2c) for s in c.evidence if s.file != "form.docx"]
    assert attached and all(s.page == 1 and s.bbox is not None for s in attached)
    # G2 judges the licence's registered capital, and says so; the figures hold the licence's values
    assert g2.status is CheckStatus.PASS and g2.message.endswith("（注册资本取自营业执照。）")
    assert g2.values["registered_capital_source"] == "license" and "营业执照.pdf" in files(g2)
    assert result.figures["registered_capital"].source.file == "营业执照.pdf"
    assert result.figures["founded_date"].value == "2001-01-01"
    assert result.figures["founded_date"].source.file == "营业执照.pdf"


def test_without_attachments_nothing_is_added():
    """The hooks are silent: no evidence, message, figure source or note of a certificate (the sample reports stay
    byte for byte: tests/test_sample_reports.py)."""
    result = run()
    assert result.notes == [] and result.discrepancies == []
    assert not any("所附" in c.message or "营业执照" in c.message for c in result.checks)
    assert result.figures["registered_capital"].source.file == "form.docx"
    assert "registered_capital_source" not in check(result, "G2").values


# --- every discrepancy planted once, found once ---------------------------------------------------------------------

PLANTED = {
    # name: (form changes, attachments, the two values as shown (form's or applicant's first where there are two))
    "software_copyright.holder.item1": ({}, [copyright_cert(holder=OTHER)], (OTHER, f.COMPANY)),
    "software_copyright.number.item1": ({}, [copyright_cert(number="2009SR099999")],
                                        ("2009SR012345", "2009SR099999")),
    "certificate.number.itss": ({}, [itss_cert(number="ITSS-YW-2011-0777")],
                                ("ITSS-YW-2011-0001", "ITSS-YW-2011-0777")),
    "certificate.holder.itss": ({}, [itss_cert(holder=OTHER)], (OTHER, f.COMPANY)),
    "certificate.expired.itss": ({}, [itss_cert(until=dt.date(2012, 5, 31))], ("2012-05-31",)),
    "certificate.number.si_qualification": ({}, [si_cert(number="Z1110020090999")],
                                            ("Z1110020090123", "Z1110020090999")),
    "certificate.holder.si_qualification": ({}, [si_cert(holder=OTHER)], (OTHER, f.COMPANY)),
    "certificate.level.si_qualification": ({}, [si_cert(level=("叁级", 3))], ("二级", "叁级")),
    "certificate.expired.si_qualification": ({}, [si_cert(until=dt.date(2012, 3, 31))], ("2012-03-31",)),
    "license.name": ({}, [licence(name=OTHER)], (OTHER, f.COMPANY)),
    "license.credit_code": ({}, [licence(credit=OTHER_CREDIT)], (CREDIT, OTHER_CREDIT)),
    "license.credit_code.invalid": ({}, [licence(credit=BROKEN_CREDIT, problems={"credit_code": "校验位错误"})],
                                    (BROKEN_CREDIT,)),
    "license.registration_number": ({"credit_code": None, "registration_number": f.text(REGISTRATION)},
                                    [licence(credit=None, registration=OTHER_REGISTRATION)],
                                    (REGISTRATION, OTHER_REGISTRATION)),
    "license.registration_number.invalid": (
        {"credit_code": None, "registration_number": f.text(REGISTRATION)},
        [licence(credit=None, registration=REGISTRATION[:-1] + str((int(REGISTRATION[-1]) + 1) % 10),
                 problems={"registration_number": "校验位错误（GB/T 17710，MOD 11,10）"})], None),
    "license.registered_capital": ({}, [licence(capital=15_000_000)], ("20000000.00", "15000000.00")),
    "license.founded_date": ({}, [licence(founded=dt.date(2001, 3, 1))], ("2001-01-01", "2001-03-01")),
    "license.expired": ({}, [licence(term_end=dt.date(2011, 12, 31))], ("2011-12-31",)),
}


@pytest.mark.parametrize("name", list(PLANTED))
def test_each_discrepancy_planted_once_is_found_once(name):
    changes, attachments, shown = PLANTED[name]
    result = run(form(**changes), *attachments)
    assert [x.figure for x in result.discrepancies] == [name], [x.message for x in result.discrepancies]
    found = result.discrepancies[0]
    attached = attachments[0]
    attached_file = next(v.source.file for v in (getattr(attached, n) for n in type(attached).model_fields)
                         if hasattr(v, "source"))
    assert attached_file in {v.source.file for v in found.values if v.source}  # the certificate's page and box
    assert all(v.source is not None for v in found.values)
    if shown is not None:
        assert tuple(v.value for v in found.values) == shown
    assert result.verdict is not Verdict.MEETS


def test_a_licence_with_a_wrong_check_character_says_so_and_not_twice():
    result = run(None, licence(credit=BROKEN_CREDIT, problems={"credit_code": "校验位错误（GB 32100）"}))
    (found,) = result.discrepancies
    assert found.message == f"营业执照统一社会信用代码{BROKEN_CREDIT}：校验位错误（GB 32100），与申报表的{CREDIT}不同。"


def test_a_licence_credit_code_not_the_forms():
    result = run(None, licence(credit=OTHER_CREDIT))
    (found,) = result.discrepancies
    assert found.figure == "license.credit_code"
    assert found.message == f"统一社会信用代码：申报表为{CREDIT}，营业执照为{OTHER_CREDIT}，不一致。"
    assert [(v.value, v.source.file) for v in found.values] == [(CREDIT, "form.docx"), (OTHER_CREDIT, "营业执照.pdf")]


# --- the checks ---------------------------------------------------------------------------------------------------


def test_an_expired_itss_certificate_fails_g5():
    result = run(None, itss_cert(until=dt.date(2012, 5, 31)))
    g5 = check(result, "G5")
    assert g5.status is CheckStatus.FAIL and result.verdict is Verdict.DOES_NOT_MEET
    assert g5.message.endswith("所附ITSS符合性证书有效期至2012-05-31，申请日已过期。")
    assert "ITSS.pdf" in files(g5)


def test_an_expired_si_certificate_fails_p1_unless_the_form_says_a_later_date():
    no_date = run(form(si_cert_valid_until=None), si_cert(until=dt.date(2012, 3, 31)))
    assert check(no_date, "P1").status is CheckStatus.FAIL
    later = run(None, si_cert(until=dt.date(2012, 3, 31)))  # the form says 2013-12-31: a reviewer compares them
    p1 = check(later, "P1")
    assert p1.status is CheckStatus.REVIEW and "有效期至2012-03-31，已过期，与申报表不符，请核实。" in p1.message


def test_a_holder_that_is_not_the_applicant_sends_the_check_to_a_reviewer():
    result = run(None, itss_cert(holder=OTHER), si_cert(holder=OTHER))
    for check_id in ("G5", "P1"):
        c = check(result, check_id)
        assert c.status is CheckStatus.REVIEW and f"持有人为{OTHER}" in c.message, c.message
    assert result.verdict is Verdict.NEEDS_REVIEW


def test_names_written_differently_are_one_holder():
    """Brackets, spaces and the company suffix do not make another holder (contracts.client_key)."""
    result = run(None, itss_cert(holder="测试运维科技 有限责任公司"), si_cert(holder="测试运维科技"))
    assert result.discrepancies == []


def test_the_certificate_carries_a_check_the_form_left_unread():
    """The form's ITSS number not found: the certificate, the applicant's, passes G5; without a holder read, a
    reviewer looks; a form that says none beside a certificate goes to a reviewer too."""
    unread = form(itss_cert_number=None)
    assert check(run(unread), "G5").status is CheckStatus.MISSING
    g5 = check(run(unread, itss_cert()), "G5")
    assert g5.status is CheckStatus.PASS
    assert g5.message.endswith("ITSS符合性评估证书ITSS-YW-2011-0001。所附ITSS符合性证书与申报表一致。")
    assert g5.evidence[0].file == "ITSS.pdf"
    assert check(run(unread, itss_cert(holder=None)), "G5").status is CheckStatus.REVIEW
    stated = form(itss_cert_number=None, stated_none={"itss_cert_number": f.FORM_SRC})
    assert check(run(stated), "G5").status is CheckStatus.FAIL
    g5 = check(run(stated, itss_cert()), "G5")
    assert g5.status is CheckStatus.REVIEW and g5.message.endswith("但附有ITSS符合性证书ITSS-YW-2011-0001，请核实。")


def test_the_si_certificate_gives_the_level_the_form_left_unread():
    unread = form(si_cert_level=None)
    assert check(run(unread), "P1").status is CheckStatus.REVIEW
    p1 = check(run(unread, si_cert()), "P1")
    assert p1.status is CheckStatus.PASS
    assert p1.message.startswith("具有计算机信息系统集成企业资质：系统集成资质证书Z1110020090123（贰级）。")
    assert p1.values["si_cert_level"] == "贰级" and "资质.pdf" in files(p1)


def test_dates_agree_to_the_precision_written_and_a_second_certificate_is_noted():
    month = DateValue(value=dt.date(2001, 1, 1), source=src("licence", "2001年1月"), precision="month")
    result = run(form(founded_date=DateValue(value=dt.date(2001, 1, 20), source=f.FORM_SRC)),
                 licence().model_copy(update={"founded": month}), itss_cert(), itss_cert(number="ITSS-YW-2009-0002"))
    assert result.discrepancies == []
    assert result.notes == ["ITSS.pdf：另附ITSS符合性证书ITSS-YW-2009-0002，"
                            "未与申报表核对（已采用ITSS-YW-2011-0001）。"]


def test_a_certificate_read_doubtfully_by_ocr_sends_its_check_to_a_reviewer():
    g5 = check(run(None, itss_cert(confidence=Decimal("0.41"))), "G5")
    assert g5.status is CheckStatus.REVIEW and g5.values["status_if_read_right"] == "pass"
    assert "ITSS.pdf第1页「ITSS-YW-2011-0001」置信度0.41" in g5.message


def test_the_licence_registered_capital_is_the_one_g2_judges():
    result = run(None, licence(capital=8_000_000))
    g2 = check(result, "G2")
    assert g2.status is CheckStatus.FAIL
    assert g2.message == ("注册资本和实收资本均不少于1000万元：注册资本8000000.00元，低于1000万元。"
                          "（注册资本取自营业执照。）")
    assert g2.values["registered_capital"] == "8000000.00" and "营业执照.pdf" in files(g2)
    assert [x.figure for x in result.discrepancies] == ["license.registered_capital"]
    relaxed = run(form(relaxation_requested=f.Flag(value=True, source=f.FORM_SRC)), licence(capital=8_000_000))
    assert check(relaxed, "G2").status is CheckStatus.REVIEW  # G2 is relaxable


def test_a_licence_of_another_company_is_no_evidence_on_g2():
    result = run(None, licence(name=OTHER, capital=8_000_000))
    assert check(result, "G2").status is CheckStatus.PASS
    assert [x.figure for x in result.discrepancies] == ["license.name"]
    assert result.figures["registered_capital"].source.file == "form.docx"


def test_a_copyright_whose_certificate_names_another_holder_carries_t1_and_b2c_no_more():
    result = run(None, copyright_cert(holder=OTHER))
    t1, b2c = check(result, "T1"), check(result, "B2c")
    assert t1.status is CheckStatus.REVIEW and b2c.status is CheckStatus.REVIEW
    assert t1.message.endswith(f"项目应用的本企业软件与所附登记证书不符（「智维运维监控平台」证书著作权人为{OTHER}），"
                               "请核实。")
    assert b2c.message.endswith(f"以下项目应用的软件与所附登记证书不符：「甲运维」（证书著作权人为{OTHER}）、「乙运维」"
                                f"（证书著作权人为{OTHER}），请核实。")
    assert "软著.pdf" in files(t1)


def test_a_certificate_is_linked_to_its_row_by_name_when_the_numbers_differ():
    """Version, spaces and brackets left out (智维运维监控平台 V2.0 is the row 智维运维监控平台)."""
    result = run(None, copyright_cert(name="智维运维监控平台（企业版）", number="2009SR012345"),
                 copyright_cert(name="智维 运维监控平台", number="2010SR000001"))
    assert [x.figure for x in result.discrepancies] == []  # the first by its number; the second backs no row
    assert result.notes == ["软著.pdf：软件著作权登记证书「智维 运维监控平台」（登记号2010SR000001）"
                            "未见于申报表的软件著作权表。"]


def test_a_certified_copyright_the_form_does_not_count_sends_t1_to_a_reviewer_not_a_fail():
    bare = form(software=[SoftwareCopyright(name=f.text("智维运维监控平台"), number=f.text("2009SR012345"),
                                            holder=f.text(OTHER))])
    assert check(run(bare), "T1").status is CheckStatus.FAIL
    t1 = check(run(bare, copyright_cert()), "T1")
    assert t1.status is CheckStatus.REVIEW
    assert t1.message.endswith("所附登记证书显示本企业持有「智维运维监控平台」（2009SR012345），"
                               "并在项目中应用，请核实。")


# --- a sample applicant with certificate PDFs (the reader, then the checks) ------------------------------------------

SAMPLE = SAMPLE_DOCS / "app-01"


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="sample_docs not generated")
def test_sample_applicant_with_its_own_certificates_and_one_expired(tmp_path, cjk_font):
    """app-01 with its licence, its SI certificate and an ITSS certificate that expired before the application date,
    drawn by samplegen from the values of its own form: G5 fails on the certificate, found once; nothing else."""
    from omreview.extractors.registry import read_document
    from omreview.packet import load_packet
    from omreview.review import review_applicant
    from samplegen import certificates as sc

    rules = RULES.model_copy(update={"limits": RULES.limits.model_copy(update={"isolate_documents": False})})
    folder = tmp_path / "app-01"
    shutil.copytree(SAMPLE, folder)
    form_file = next(pf for pf in load_packet(folder, rules).files if pf.rel.endswith(".docx"))
    read = read_document(form_file, rules).record
    name = read.company_name.value
    level = {"一级": 1, "二级": 2, "三级": 3, "四级": 4}[read.si_cert_level.value]
    si = sc.Credential(kind="si_qualification", number=read.si_cert_number.value, holder=name, level=level,
                       level_written=sc.LEVEL_CAPITALS[level], valid_from=dt.date(2010, 1, 1),
                       valid_until=dt.date(2013, 12, 31), issued=dt.date(2010, 1, 1), issuer="工业和信息化部")
    itss = sc.Credential(kind="itss", number=read.itss_cert_number.value, holder=name, level=3, level_written="三级",
                         valid_from=dt.date(2009, 5, 1), valid_until=dt.date(2012, 4, 30), issued=dt.date(2009, 5, 1),
                         issuer="中国电子工业标准化技术协会信息技术服务分会")
    lic = sc.Licence(name=name, legal_representative="欧阳振华", capital=read.registered_capital.value,
                     capital_in_words=True, founded=read.founded_date.value, term_end=None,
                     credit_code=read.credit_code.value)
    sc.write_pdf(folder / "附件1.pdf", si, "two_columns")
    sc.write_pdf(folder / "附件2.pdf", itss, "one_column")
    sc.write_pdf(folder / "附件3.pdf", lic, "spaced_labels")
    report = review_applicant(folder, rules=rules)
    assert [x.figure for x in report.discrepancies] == ["certificate.expired.itss"]
    g5 = next(c for c in report.checks if c.id == "G5")
    assert g5.status is CheckStatus.FAIL and "有效期至2012-04-30" in g5.message
    assert any(s.file == "附件2.pdf" and s.page == 1 and s.bbox for s in g5.evidence)
    p1, g2 = (next(c for c in report.checks if c.id == i) for i in ("P1", "G2"))
    assert p1.status is CheckStatus.PASS and "附件1.pdf" in {s.file for s in p1.evidence}
    assert g2.status is CheckStatus.PASS and "附件3.pdf" in {s.file for s in g2.evidence}
    assert report.verdict is Verdict.DOES_NOT_MEET
    assert "欧阳振华" not in report.model_dump_json() and "振华" not in report.model_dump_json()
