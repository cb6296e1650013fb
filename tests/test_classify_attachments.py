"""Attachments (certificates, business licences, contracts) are told from their content in every format the
pipeline reads (a PDF's text layer, a scanned PDF, a .docx) and in several layouts, never from the file name;
forms, rosters and statements keep their kinds, a form that names certificates stays a form, and an attachment
changes no verdict."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
from docx.shared import Pt
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from omreview.extractors.classify import Classifier, classify_pdf, docx_text
from omreview.extractors.registry import read_document
from omreview.model import CertificateType, DocStatus, Document, DocumentKind
from omreview.packet import PacketFile, load_packet, sha256_file
from omreview.rules import CertificateKey, default_rules, load_rules
from omreview.validators.evaluate import missing_inputs
from omreview.zh import document_kind_label
from samplegen.params import ScanStyle
from samplegen.scan import scan_pdf
from tests.conftest import REALDOCS, ROOT, SAMPLE_DOCS

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
PORTRAIT, LANDSCAPE = (595.0, 842.0), (842.0, 595.0)
RULES = default_rules()
COMPANY = "北京某某信息技术有限公司"
CERT, LICENCE, CONTRACT = DocumentKind.CERTIFICATE, DocumentKind.BUSINESS_LICENSE, DocumentKind.CONTRACT


def _record_kind(record) -> tuple[DocumentKind, CertificateType | None] | None:
    """The kind and certificate type a record says it is (``None`` without a record)."""
    if record is None:
        return None
    cert = getattr(record, "certificate_type", None)
    return DocumentKind(record.kind), CertificateType(cert) if cert else None


def packet_file(path: Path) -> PacketFile:
    return PacketFile(rel=path.name, path=path, size=path.stat().st_size, sha256=sha256_file(path))


def read(path: Path):
    return read_document(packet_file(path), RULES)


# --- documents drawn with reportlab -----------------------------------------------------------------------


@dataclass(frozen=True)
class T:
    """A string at ``x`` (left edge, or center with ``center``) and ``y`` points from the top of the page;
    ``spread`` letter-spaces it, each character drawn on its own (a licence's 营  业  执  照)."""

    x: float
    y: float
    text: str
    size: float = 11
    center: bool = False
    spread: float = 0
    title: bool = False  # the document's title (drawn first, or last in the layout "title_last")

    def draw(self, c: canvas.Canvas, height: float, spread: float) -> None:
        c.setFont(FONT, self.size)
        y = height - self.y
        gap = spread if self.title and spread else self.spread
        if gap:
            step = self.size + gap
            x = self.x - (len(self.text) * step - gap) / 2 if self.center else self.x
            for i, ch in enumerate(self.text):
                c.drawString(x + i * step, y, ch)
        elif self.center:
            c.drawCentredString(self.x, y, self.text)
        else:
            c.drawString(self.x, y, self.text)


@dataclass(frozen=True)
class Paper:
    pages: list[list[T]]
    size: tuple[float, float] = PORTRAIT


def write_pdf(path: Path, paper: Paper, layout: str = "plain") -> Path:
    """``plain``: drawn top to bottom; ``title_last``: the title drawn after everything else (content-stream
    order is not reading order); ``spaced``: the title letter-spaced."""
    c = canvas.Canvas(str(path), pagesize=paper.size, invariant=1)
    for page in paper.pages:
        items = sorted(page, key=lambda t: t.title) if layout == "title_last" else page
        for item in items:
            item.draw(c, paper.size[1], 14 if layout == "spaced" else 0)
        c.setLineWidth(0.5)
        c.rect(30, 30, paper.size[0] - 60, paper.size[1] - 60)  # the certificate's frame, a page border
        c.showPage()
    c.save()
    return path


def lines(x: float, y: float, texts: list[str], step: float = 26, size: float = 11) -> list[T]:
    return [T(x, y + i * step, t, size) for i, t in enumerate(texts)]


def software_copyright() -> Paper:
    return Paper([[
        T(297, 80, "中华人民共和国国家版权局", 14, center=True),
        T(297, 130, "计算机软件著作权登记证书", 24, center=True, title=True),
        T(380, 175, "证书号：软著登字第0203456号", 10),
        *lines(90, 240, ["软件名称：某某运维监控管理平台软件 V2.0", f"著作权人：{COMPANY}",
                         "开发完成日期：2009年11月20日", "首次发表日期：2010年1月8日", "权利取得方式：原始取得",
                         "权利范围：全部权利", "登记号：2010SR012345"]),
        *lines(70, 470, ["根据《计算机软件保护条例》和《计算机软件著作权登记办法》的规定，经中国版权保护中心审核，",
                         "对以上事项予以登记。"], 18, 10),
        T(400, 560, "2010年3月15日"),
    ]])


def itss() -> Paper:
    return Paper([[
        T(421, 80, "信息技术服务运行维护标准符合性证书", 22, center=True, title=True),
        T(560, 120, "证书编号：ITSS-YW-3-110020110023", 10),
        T(421, 180, COMPANY, 16, center=True),
        *lines(120, 230, ["经评估，贵单位符合《信息技术服务 运行维护 第1部分：通用要求》，",
                          "符合性评估等级：三级", "有效期：2011年6月1日至2014年5月31日"]),
        T(480, 470, "中国电子工业标准化技术协会信息技术服务分会", 11),
        T(560, 500, "发证日期：2011年6月1日", 11),
    ]], LANDSCAPE)


def si_qualification() -> Paper:
    return Paper([[
        T(297, 110, "计算机信息系统集成企业资质证书（副本）", 20, center=True, title=True),
        *lines(100, 200, [f"企业名称：{COMPANY}", "法定代表人：张某", "资质等级：贰级", "证书编号：Z2110020100123",
                          "有效期：2010年6月30日至2013年6月29日", "发证机关：中华人民共和国工业和信息化部",
                          "发证日期：2010年6月30日"], 30, 12),
    ]])


def patent() -> Paper:
    return Paper([[
        T(297, 90, "发明专利证书", 24, center=True, title=True),
        T(380, 130, "证书号第 912345 号", 10),
        *lines(90, 190, ["发明名称：一种信息系统运行状态监测方法", "发明人：李某；王某", "专利号：ZL 2010 1 0123456.7",
                         "专利申请日：2010年3月1日", f"专利权人：{COMPANY}", "授权公告日：2012年1月4日"]),
        T(400, 520, "国家知识产权局局长"),
    ]])


def management_system() -> Paper:
    return Paper([[
        T(297, 100, "质量管理体系认证证书", 22, center=True, title=True),
        T(380, 140, "注册号：00110Q21234R1M", 10),
        *lines(80, 200, [f"兹证明 {COMPANY}", "质量管理体系符合 GB/T 19001-2008 / ISO 9001:2008 标准",
                         "认证范围：计算机信息系统集成及运行维护服务", "有效期至：2013年5月20日"]),
    ]])


def high_tech() -> Paper:
    return Paper([[
        T(297, 100, "高新技术企业证书", 24, center=True, title=True),
        *lines(90, 180, [f"企业名称：{COMPANY}", "证书编号：GR201011000123", "发证时间：2010年12月24日",
                         "有效期：三年"]),
        T(300, 400, "北京市科学技术委员会 北京市财政局 批准"),
    ]])


def licence(old: bool = False) -> Paper:
    """The licence of the time (企业法人营业执照, 注册号) or today's (营业执照, 统一社会信用代码)."""
    number = "注册号 110108000123456" if old else "统一社会信用代码 91110108MA00ABCD3X"
    rows = [f"名    称  {COMPANY}", "类    型  有限责任公司", "住    所  北京市海淀区某某路1号", "法定代表人  张某",
            "经营范围  计算机系统服务；技术开发、技术咨询、技术服务"]
    right = ["注册资本  人民币壹仟伍佰万元整", "成立日期  2005年04月12日", "营业期限  2005年04月12日至2025年04月11日"]
    if old:
        right.insert(1, "实收资本  人民币壹仟伍佰万元整")
    return Paper([[
        T(60, 70, number, 10),
        T(421, 120, "企业法人营业执照" if old else "营业执照", 28, center=True, spread=0 if old else 16, title=True),
        T(421, 150, "（副  本）", 12, center=True),
        *lines(70, 210, rows, 30),
        *lines(470, 210, right, 30),
        T(560, 470, "登记机关  北京市工商行政管理局海淀分局", 10),
    ]], LANDSCAPE)


def contract(title: str = "北京市某某局信息系统运行维护服务合同",
             parties: tuple[str, str] = ("甲方（委托方）", "乙方（受托方）"),
             number: str = "BJYW-2010-017") -> list[list[T]]:
    first = [
        T(400, 60, f"合同编号：{number}", 10),
        T(297, 110, title, 18, center=True, title=True),
        *lines(70, 170, [f"{parties[0]}：北京市某某局", f"{parties[1]}：{COMPANY}",
                         "根据《中华人民共和国合同法》，双方经协商一致，签订本合同。", "第一条 服务内容",
                         "乙方为甲方提供机房、网络及业务系统的运行维护服务。", "第二条 服务期限",
                         "自2010年1月1日起至2011年12月31日止。", "第三条 合同金额",
                         "合同总价为人民币壹佰捌拾万元整（¥1,800,000.00）。"]),
    ]
    second = [
        *lines(70, 80, ["第四条 违约责任", "任何一方违约，应承担违约责任。", "第五条 争议解决",
                        "争议由双方协商解决；协商不成的，提交甲方所在地人民法院诉讼解决。"]),
        T(70, 400, f"{parties[0]}（盖章）："), T(330, 400, f"{parties[1]}（盖章）："),
        T(70, 440, "签订日期：2009年12月20日"),
    ]
    return [first, second]


def service_contract() -> Paper:
    return Paper(contract())


def purchase_agreement() -> Paper:
    return Paper(contract("政务外网运维服务采购协议书", ("采购人", "供应商"), "ZFCG-2011-0456"))


def bundle() -> Paper:
    """Two contracts in one file."""
    return Paper(contract() + contract("数据中心运维技术服务合同书", ("发包方", "承包方"), "SJZX-2011-002"))


ATTACHMENTS: dict[str, tuple[Callable[[], Paper], DocumentKind, CertificateType | None]] = {
    "software_copyright": (software_copyright, CERT, CertificateType.SOFTWARE_COPYRIGHT),
    "itss": (itss, CERT, CertificateType.ITSS),
    "si_qualification": (si_qualification, CERT, CertificateType.SI_QUALIFICATION),
    "patent": (patent, CERT, CertificateType.PATENT),
    "management_system": (management_system, CERT, CertificateType.MANAGEMENT_SYSTEM),
    "high_tech": (high_tech, CERT, CertificateType.OTHER),
    "licence": (licence, LICENCE, None),
    "licence_old": (lambda: licence(old=True), LICENCE, None),
    "service_contract": (service_contract, CONTRACT, None),
    "purchase_agreement": (purchase_agreement, CONTRACT, None),
    "contract_bundle": (bundle, CONTRACT, None),
}


@pytest.mark.parametrize("layout", ["plain", "title_last", "spaced"])
@pytest.mark.parametrize("name", list(ATTACHMENTS))
def test_text_layer_attachment_is_its_kind(tmp_path, name, layout):
    make, kind, cert = ATTACHMENTS[name]
    ex = read(write_pdf(tmp_path / "doc.pdf", make(), layout))
    assert (ex.kind, ex.certificate_type, ex.error, ex.ocr) == (kind, cert, None, False)
    assert _record_kind(ex.record) in (None, (kind, cert))  # certificates and licences are read (test_certificates)
    assert ex.pages == len(make().pages)


def test_the_file_name_is_never_looked_at(tmp_path):
    named_as_statement = write_pdf(tmp_path / "2011年度审计报告.pdf", software_copyright())
    assert read(named_as_statement).certificate_type is CertificateType.SOFTWARE_COPYRIGHT
    letter = Paper([lines(80, 100, ["关于补交营业执照的说明", "我公司营业执照正在换发，换发后补交。", "特此说明。"])])
    for name in ("营业执照.pdf", "软件著作权登记证书.pdf", "合同.pdf"):
        assert read(write_pdf(tmp_path / name, letter)).kind is DocumentKind.UNKNOWN


# --- not attachments ----------------------------------------------------------------------------------------

FORM_ROWS = [f"企业名称  {COMPANY}", "统一社会信用代码  91110108MA00ABCD3X", "注册资本（万元）  1500",
             "实收资本（万元）  1500", "成立日期  2005年4月12日", "从事运维业务起始时间  2006年1月1日",
             "系统集成资质证书编号  Z2110020100123", "资质等级  二级", "ITSS符合性证书编号  ITSS-YW-3-110020110023",
             "软件著作权登记号  2010SR012345  著作权人  北京某某信息技术有限公司", "推荐单位  北京市经济和信息化委员会"]


@pytest.mark.parametrize("paper", [
    # a form that names certificates in labelled rows, under its title
    Paper([[T(297, 70, "计算机信息系统集成企业资质运行维护能力评定申报表", 16, center=True),
            *lines(60, 120, FORM_ROWS, 24)]]),
    # the same form without its title, a certificate's name above its rows: many labelled cells make it a form
    Paper([[T(297, 70, "计算机信息系统集成企业资质证书", 14, center=True), *lines(60, 120, FORM_ROWS, 24)]]),
    # the copyright office's application form: a form's title, whatever it names
    Paper([[T(297, 70, "计算机软件著作权登记申请表", 16, center=True),
            *lines(60, 120, ["软件名称", "著作权人", "登记号", "首次发表日期", "权利取得方式"], 24)]]),
    # a contract list: columns 甲方/乙方/合同编号 under a list's title
    Paper([[T(297, 70, "运维服务合同一览表", 16, center=True),
            *lines(60, 120, ["序号  合同编号  甲方  乙方  合同金额（万元）  服务期限",
                             "1  BJYW-2010-017  北京市某某局  北京某某信息技术有限公司  180  2010-2011"], 24)]]),
    # a certificate's title and nothing that backs it (a cover sheet)
    Paper([[T(297, 300, "计算机软件著作权登记证书", 24, center=True),
            T(297, 340, f"{COMPANY}申报材料之七（复印件附后，共三页）", 12, center=True)]]),
    # a numbered section of a longer document is no document title
    Paper([[T(60, 70, "三、计算机软件著作权登记证书"),
            *lines(60, 100, ["登记号：2010SR012345", f"著作权人：{COMPANY}"])]]),
    # prose about a contract and a licence: a line ending in 合同 that introduces a list, then running text
    Paper([lines(60, 80, ["关于运维服务合同履行情况的说明", "我公司作为乙方与甲方签订了如下合同：",
                          "合同编号BJYW-2010-017", "该合同已履行完毕，营业执照副本复印件另附。", "服务期限内签订的合同",
                          "甲方：北京市某某局"])]),
], ids=["form_with_title", "form_under_certificate_name", "copyright_application", "contract_list", "cover_sheet",
        "numbered_section", "prose"])
def test_text_layer_documents_that_are_not_attachments(tmp_path, paper):
    ex = read(write_pdf(tmp_path / "doc.pdf", paper))
    assert (ex.kind, ex.certificate_type, ex.error) == (DocumentKind.UNKNOWN, None, None)


SAMPLE = SAMPLE_DOCS / "app-01"
GOLDEN = ROOT / "tests" / "golden" / "samples"


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="sample_docs not generated")
def test_forms_rosters_and_statements_keep_their_kinds():
    """The sample form names an SI certificate, an ITSS certificate and software copyrights: still a form."""
    expected = json.loads((GOLDEN / "app-01.json").read_text(encoding="utf-8"))["documents"]
    for pf in load_packet(SAMPLE).files:
        ex = read_document(pf, RULES)
        assert (ex.kind.value, ex.fiscal_year, ex.certificate_type) == (
            expected[pf.rel]["kind"], expected[pf.rel]["fiscal_year"], None), pf.rel


# --- .docx --------------------------------------------------------------------------------------------------


def write_docx(path: Path, title: str | None, paragraphs: list[str] = (), rows: list[list[str]] = (),
               title_row: str | None = None) -> Path:
    """A .docx: a title paragraph, paragraphs, and a table (with a merged title row when ``title_row``)."""
    document = docx.Document()
    if title:
        document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text).runs[0].font.size = Pt(11)
    if rows or title_row:
        width = max((len(r) for r in rows), default=2)
        table = document.add_table(rows=0, cols=width)
        if title_row:
            cells = table.add_row().cells
            cells[0].merge(cells[-1]).text = title_row
        for row in rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, row, strict=False):
                cell.text = text
    document.save(str(path))
    return path


DOCX_ATTACHMENTS = {
    "contract": (dict(title="运行维护服务合同", paragraphs=[
        "合同编号：BJYW-2010-017", "甲方（委托方）：北京市某某局", f"乙方（受托方）：{COMPANY}",
        "第一条 服务内容：乙方为甲方提供机房、网络及业务系统的运行维护服务。",
        "第二条 服务期限：2010年1月1日至2011年12月31日。", "第三条 合同金额：人民币壹佰捌拾万元整。付款安排见下表。"],
        rows=[["付款阶段", "比例", "金额（元）"], ["合同签订后", "50%", "900,000.00"],
              ["验收合格后", "50%", "900,000.00"]]),
        CONTRACT, None),
    "si_certificate": (dict(title="计算机信息系统集成企业资质证书", rows=[
        ["企业名称", COMPANY], ["法定代表人", "张某"], ["资质等级", "贰级"], ["证书编号", "Z2110020100123"],
        ["有效期", "2010年6月30日至2013年6月29日"], ["发证机关", "中华人民共和国工业和信息化部"]]), CERT,
        CertificateType.SI_QUALIFICATION),
    "licence_title_row": (dict(title=None, title_row="营 业 执 照", rows=[
        ["统一社会信用代码", "91110108MA00ABCD3X"], ["名称", COMPANY], ["法定代表人", "张某"],
        ["注册资本", "人民币壹仟伍佰万元整"], ["成立日期", "2005年04月12日"], ["经营范围", "计算机系统服务"]]),
        LICENCE, None),
    "copyright_paragraphs": (dict(title="计算机软件著作权登记证书", paragraphs=[
        "证书号：软著登字第0203456号", "软件名称：某某运维监控管理平台软件 V2.0", f"著作权人：{COMPANY}",
        "登记号：2010SR012345"]), CERT, CertificateType.SOFTWARE_COPYRIGHT),
}


@pytest.mark.parametrize("name", list(DOCX_ATTACHMENTS))
def test_docx_attachment_is_its_kind(tmp_path, name):
    spec, kind, cert = DOCX_ATTACHMENTS[name]
    ex = read(write_docx(tmp_path / "doc.docx", **spec))
    assert (ex.kind, ex.certificate_type, ex.error) == (kind, cert, None)
    assert _record_kind(ex.record) in (None, (kind, cert))


@pytest.mark.parametrize("spec", [
    dict(title="计算机软件著作权登记申请表",
         rows=[["软件名称", ""], ["著作权人", ""], ["登记号", ""], ["首次发表日期", ""]]),
    dict(title=None, title_row="计算机信息系统集成企业资质证书", rows=[r.split("  ", 1) for r in FORM_ROWS]),
    dict(title="项目合同汇总表", rows=[["合同编号", "甲方", "乙方", "合同金额"],
                                      ["BJYW-2010-017", "北京市某某局", COMPANY, "180万元"]]),
], ids=["copyright_application", "form_under_certificate_row", "contract_summary"])
def test_docx_that_are_not_attachments(tmp_path, spec):
    ex = read(write_docx(tmp_path / "doc.docx", **spec))
    assert (ex.kind, ex.certificate_type, ex.error) == (DocumentKind.UNKNOWN, None, None)


def test_docx_title_zone_is_the_text_before_the_first_table(tmp_path):
    path = write_docx(tmp_path / "doc.docx", "标题", ["第一段"], [["营业执照", "x"], ["y", "z"]], title_row=None)
    zone, text, cells = docx_text(docx.Document(str(path)))
    assert zone == ["标题", "第一段"] and "营业执照" in cells and "营业执照  x" in text


# --- scanned ------------------------------------------------------------------------------------------------

SCANS = {"software_copyright": (software_copyright, CERT, CertificateType.SOFTWARE_COPYRIGHT),
         "licence": (licence, LICENCE, None), "service_contract": (service_contract, CONTRACT, None)}


@pytest.mark.parametrize("name", list(SCANS))
def test_scanned_attachment_is_its_kind(tmp_path, cjk_font, name):
    """Image-only PDFs (samplegen's scanner: noise, a small skew, JPEG): the OCR pipeline's top band of the
    first page gives the title, and the page is read in full when the band holds too few markers."""
    make, kind, cert = SCANS[name]
    src = write_pdf(tmp_path / "text.pdf", make())
    scan = tmp_path / "scan.pdf"
    scan_pdf(src, scan, ScanStyle(dpi=150, skew=0.6, seal_signature=False), seed=name)
    ex = read(scan)
    assert (ex.kind, ex.certificate_type, ex.error, ex.ocr) == (kind, cert, None, True)


# --- ../shared/realdocs -------------------------------------------------------------------------------------


def _realdocs(kind: str) -> Path:
    folder = REALDOCS / kind
    if not folder.is_dir():
        pytest.skip("../shared/realdocs not present")
    return folder


@pytest.mark.parametrize("name", [
    "ruanzhu_dengji_shenqingbiao_tpl.docx",  # 计算机软件著作权登记申请表: the application for a copyright, a form
    "gongsi_dengji_jiben_qingkuang.docx",  # 公司登记基本情况: a registry extract, not a 营业执照
    "guozi_chanquan_dengji_zhengming.docx",  # 国有资产产权登记证明: a 证明, not a certificate of ours
    "guozi_biandong_dengji_qingkuangbiao.docx", "dengfeng_dengjibiao.docx", "jichuang_shenqingbiao.docx",
    "soil_luntan_baomingbiao.docx",
])
def test_real_docx_forms_are_not_attachments(name):
    folder = _realdocs("docx")
    pf = next(f for f in load_packet(folder).files if f.rel == name)
    ex = read_document(pf, RULES)
    assert (ex.kind, ex.certificate_type, ex.error) == (DocumentKind.UNKNOWN, None, None)


@pytest.mark.parametrize("name", ["jinhua_ar2022_summary.pdf", "jinhua_2025q3.pdf", "crsanjiu_ar2024_summary.pdf",
                                  "sifang_ar2019.pdf"])
def test_real_reports_are_not_attachments(name):
    """Annual and interim reports name contracts, licences and certificates in their text: no title of ours."""
    assert classify_pdf(_realdocs("pdf") / name, RULES) is None


def test_real_scanned_table_is_not_an_attachment(cjk_font):
    """A scanned property table (庆丰工业园…物业), a map after it: its top band holds no attachment's title."""
    assert classify_pdf(_realdocs("pdf") / "qingfeng_scan.pdf", RULES) is None


# --- the report, the verdict, the rules ---------------------------------------------------------------------


def test_attachments_are_no_missing_input():
    docs = [Document(file=f"{k}.pdf", sha256=None, kind=k) for k in (CERT, LICENCE, CONTRACT)]
    assert missing_inputs(docs, [2009, 2010, 2011]) == missing_inputs([], [2009, 2010, 2011])


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="sample_docs not generated")
def test_attachments_change_no_verdict(tmp_path):
    """The sample applicant with a certificate, a licence and contracts beside its documents: the same checks and
    missing inputs but B2a and B2b, which the contract turns to review (it backs none of the form's projects, which
    then count on the form's word only: tests/test_contract_linking.py), and G5, which the ITSS certificate of
    another company turns to review (tests/test_certificate_checks.py); the attachments listed with their kinds,
    status ok."""
    from omreview.review import review_applicant

    rules = RULES.model_copy(update={"limits": RULES.limits.model_copy(update={"isolate_documents": False})})
    folder = tmp_path / "app-01"
    shutil.copytree(SAMPLE, folder)
    write_pdf(folder / "附件1.pdf", software_copyright())
    write_pdf(folder / "附件2.pdf", licence())
    write_pdf(folder / "附件3.pdf", itss())
    write_docx(folder / "附件4.docx", **DOCX_ATTACHMENTS["contract"][0])
    report = review_applicant(folder, rules=rules)
    expected = json.loads((GOLDEN / "app-01.json").read_text(encoding="utf-8"))
    assert (expected["verdict"], report.verdict.value) == ("meets", "needs_review")
    changed = {"B2a": "review", "B2b": "review", "G5": "review"}
    assert {c.id: c.status.value for c in report.checks} == expected["checks"] | changed
    assert report.missing_inputs == []
    kinds = {d.file: (d.kind, d.certificate_type, d.status) for d in report.documents if d.file.startswith("附件")}
    assert kinds == {"附件1.pdf": (CERT, CertificateType.SOFTWARE_COPYRIGHT, DocStatus.OK),
                     "附件2.pdf": (LICENCE, None, DocStatus.OK),
                     "附件3.pdf": (CERT, CertificateType.ITSS, DocStatus.OK),
                     "附件4.docx": (CONTRACT, None, DocStatus.OK)}
    data = report.model_dump(mode="json")
    entries = {d["file"]: d for d in data["documents"]}
    assert entries["附件1.pdf"]["certificate_type"] == "software_copyright"
    assert "certificate_type" not in entries["附件2.pdf"]  # only a certificate carries the key
    label = {name: document_kind_label(d["kind"], d.get("certificate_type")) for name, d in entries.items()}
    assert label["附件1.pdf"] == "证书（软件著作权登记证书）"
    assert label["附件2.pdf"] == "营业执照" and label["附件4.docx"] == "合同"


def test_rules_certificate_types_are_the_reports():
    assert set(CertificateKey.__args__) == {t.value for t in CertificateType}
    assert set(RULES.labels.document_kinds.certificate) == {t.value for t in CertificateType}


def test_rules_refuse_an_unknown_certificate_type(tmp_path):
    text = (ROOT / "pipeline" / "rules.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "rules.yaml"
    bad.write_text(text.replace("      software_copyright:\n        titles:", "      copyright:\n        titles:"),
                   encoding="utf-8")
    with pytest.raises(Exception, match=r"document_kinds\.certificate"):
        load_rules(bad)


def test_the_longest_title_wins_and_a_form_title_vetoes():
    c = Classifier(RULES)
    assert c.title("中华人民共和国计算机软件著作权登记证书").certificate_type is CertificateType.SOFTWARE_COPYRIGHT
    assert c.title("营业执照（副本）").kind is LICENCE
    assert c.title("ITSS 信息技术服务运行维护标准符合性证书").certificate_type is CertificateType.ITSS
    assert c.title("计算机软件著作权登记申请表") == "form"
    assert c.title("合同编号：BJYW-2010-017") is None
    assert c.title("二、营业执照") is None
