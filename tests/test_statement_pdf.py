"""The statement PDF reader on small PDFs drawn in ``tmp_path`` (reportlab, STSong-Light).

Each PDF places its text at known x-positions, so the tests say exactly which column a value is in.
The sample packets (``sample_docs``), when the generator has written them, are checked against their
golden files at the end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from omreview.errors import DocumentError
from omreview.extractors.pdf import statement as statement_pdf
from omreview.extractors.pdf.pages import read_texts, unreadable
from omreview.extractors.registry import read_document
from omreview.model import AuditOpinion, DocumentKind
from omreview.packet import PacketFile, sha256_file
from omreview.rules import Rules, default_rules
from tests.conftest import ROOT, SAMPLE_DOCS

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
HEIGHT = 842
FIRM = "中衡信诚会计师事务所（特殊普通合伙）"
COMPANY = "北京某某信息技术有限公司"
# x of a table's parts: label left edge, 附注 center, value columns' right edges (headers centered over them)
LABEL_X, NOTE_X, CUR_RIGHT, PRI_RIGHT, COL_WIDTH = 60, 265, 410, 530, 110


@dataclass(frozen=True)
class T:
    """A string drawn at ``x`` (left, right or center aligned) and ``y`` from the top of the page."""

    x: float
    y: float
    text: str
    align: str = "left"
    size: float = 10
    char_space: float = 0

    def draw(self, c: canvas.Canvas) -> None:
        c.setFont(FONT, self.size)
        y = HEIGHT - self.y
        if self.char_space:
            obj = c.beginText(self.x, y)
            obj.setFont(FONT, self.size)
            obj.setCharSpace(self.char_space)
            obj.textOut(self.text)
            obj.setCharSpace(0)  # character spacing is graphics state: it would outlive the text object
            c.drawText(obj)
        elif self.align == "right":
            c.drawRightString(self.x, y, self.text)
        elif self.align == "center":
            c.drawCentredString(self.x, y, self.text)
        else:
            c.drawString(self.x, y, self.text)


def write_pdf(path: Path, pages: list[list[T]], **options) -> Path:
    c = canvas.Canvas(str(path), invariant=1, **options)
    for page in pages:
        for item in page:
            item.draw(c)
        c.showPage()
    c.save()
    return path


def with_positions(engine: str) -> Rules:
    """The shipped rules with ``pdf.statement.positions`` set to ``engine``."""
    rules = default_rules()
    pdf = rules.labels.statement_pdf.model_copy(update={"positions": engine})
    return rules.model_copy(update={"labels": rules.labels.model_copy(update={"statement_pdf": pdf})})


ENGINES = {engine: with_positions(engine) for engine in ("pdfplumber", "pdfium")}
_RULES = [default_rules()]


@pytest.fixture(autouse=True, params=list(ENGINES))
def engine(request):
    """Every test runs with both position engines; they must give the same results."""
    _RULES[0] = ENGINES[request.param]
    yield request.param
    _RULES[0] = default_rules()


def packet_file(path: Path) -> PacketFile:
    return PacketFile(rel=path.name, path=path, size=path.stat().st_size, sha256=sha256_file(path))


def read(path: Path):
    return read_document(packet_file(path), _RULES[0])


# --- page builders --------------------------------------------------------------------------------


def title(text: str, y: float = 60) -> T:
    return T(297, y, text, "center", 16)


def header(y: float, current: str, prior: str, note: str | None = "附注", first: str = "项目") -> list[T]:
    out = [T(LABEL_X, y, first), T(CUR_RIGHT - COL_WIDTH / 2, y, current, "center"),
           T(PRI_RIGHT - COL_WIDTH / 2, y, prior, "center")]
    return out + ([T(NOTE_X, y, note, "center")] if note else [])


def row(y: float, label: str, current: str | None = None, prior: str | None = None, note: str | None = None) -> list[T]:
    out = [T(LABEL_X, y, label)]
    out += [T(CUR_RIGHT, y, current, "right")] if current else []
    out += [T(PRI_RIGHT, y, prior, "right")] if prior else []
    return out + ([T(NOTE_X, y, note, "center")] if note else [])


def rows(y0: float, data: list[tuple]) -> list[T]:
    return [item for i, r in enumerate(data) for item in row(y0 + 20 * i, *r)]


def caption(y: float, when: str, unit: str = "元") -> list[T]:
    return [T(LABEL_X, y, f"编制单位：{COMPANY}"), T(330, y, when), T(530, y, f"单位：{unit}", "right")]


HEADINGS = {
    "unqualified": ["三、审计意见", "我们认为，贵公司财务报表在所有重大方面按照企业会计准则的规定编制，公允反映。"],
    "unqualified_emphasis": ["三、审计意见", "我们认为，贵公司财务报表在所有重大方面公允反映了财务状况。",
                             "四、强调事项",
                             "我们提醒财务报表使用者关注附注九。本段内容不影响已发表的审计意见。"],
    "qualified": ["三、导致保留意见的事项", "部分应收账款未能取得函证回复。", "四、保留意见",
                  "我们认为，除上述事项可能产生的影响外，财务报表在所有重大方面公允反映了财务状况。"],
    "adverse": ["三、导致否定意见的事项", "未计提坏账准备，影响重大且具有广泛性。", "四、否定意见",
                "我们认为，财务报表没有在所有重大方面按照企业会计准则的规定编制，未能公允反映财务状况。"],
    "disclaimer": ["三、导致无法表示意见的事项", "会计账簿部分灭失。", "四、无法表示意见",
                   "由于上述事项的重要性，我们无法获取充分、适当的审计证据，因此，我们不对贵公司财务报表发表审计意见。"],
}


def audit_page(year: int = 2011, opinion: str = "unqualified", body: list[str] | None = None,
               firm: str = FIRM) -> list[T]:
    texts = ["审计报告", f"{COMPANY}全体股东：",
             f"我们审计了后附的{COMPANY}财务报表，包括{year}年12月31日的资产负债表，{year}年度的利润表。",
             "一、管理层对财务报表的责任", "编制和公允列报财务报表是贵公司管理层的责任。",
             "二、注册会计师的责任", "我们的责任是在执行审计工作的基础上对财务报表发表审计意见。",
             *(body if body is not None else HEADINGS[opinion])]
    out = [title(texts[0], 60)] + [T(LABEL_X, 100 + 22 * i, t, size=9) for i, t in enumerate(texts[1:])]
    y = 100 + 22 * len(texts) + 20
    signature = [T(LABEL_X, y, firm), T(320, y, "中国注册会计师：张三"), T(320, y + 20, "中国注册会计师：李四"),
                 T(320, y + 40, f"二〇{str(year + 1)[2:]}年三月十日")]
    return [*out, *signature]


def balance_page(year: int = 2011, unit: str = "元", paid=("50,000,000.00", "50,000,000.00"),
                 equity=("72,417,851.66", "67,560,952.16"), cols=("期末余额", "年初余额"),
                 name="资产负债表") -> list[T]:
    return [title(name), *caption(90, f"{year}年12月31日", unit), *header(120, *cols),
            *rows(145, [("流动资产：",), ("货币资金", "12,000,000.00", "11,000,000.00", "五、1"),
                        ("实收资本（或股本）", *paid, "五、10"), ("资本公积", "3,000,000.00", "3,000,000.00"),
                        ("所有者权益合计", *equity)])]


def income_page(year: int = 2011, unit: str = "元", revenue=("64,043,690.46", "55,152,938.09"),
                profit=("4,856,899.50", "3,439,437.49"), cols=("本期金额", "上期金额"), name="利润表") -> list[T]:
    return [title(name), *caption(90, f"{year}年度", unit), *header(120, *cols),
            *rows(145, [("一、营业收入", *revenue, "五、20"), ("减：营业成本", "40,000,000.00", "35,000,000.00"),
                        ("二、营业利润（亏损以“－”号填列）", "5,600,000.00", "4,100,000.00"),
                        ("四、净利润（净亏损以“－”号填列）", *profit)])]


def notes_page(lines=(("运维服务", "27,259,459.28", "22,225,348.87"), ("系统集成", "22,000,000.00", "20,000,000.00"),
                      ("软件开发", "14,784,231.18", "12,927,589.22")), unit: str = "元",
               heading: str = "1. 营业收入按业务类别列示") -> list[T]:
    total = sum(Decimal(c.replace(",", "")) for _, c, _ in lines)
    return [title("财务报表附注（节选）"), T(LABEL_X, 90, "五、财务报表主要项目注释"), T(LABEL_X, 110, heading),
            T(LABEL_X, 130, f"单位：{unit}"), *header(150, "本期金额", "上期金额", note=None, first="业务类别"),
            *rows(175, [*lines, ("合计", f"{total:,.2f}", "")]), T(LABEL_X, 175 + 20 * (len(lines) + 2), "2. 营业成本")]


def make_statement(tmp_path: Path, name: str = "s.pdf", **kw) -> Path:
    """An audit report, balance sheet, income statement and notes; ``notes`` is one page or a list of pages."""
    notes = kw.get("notes", notes_page())
    pages = [kw.get("audit", audit_page()), kw.get("balance", balance_page()), kw.get("income", income_page()),
             *(notes if notes and isinstance(notes[0], list) else [notes])]
    return write_pdf(tmp_path / name, [p for p in pages if p])


def total_of(lines) -> str:
    """The printed sum of the current amounts of (label, current, prior) lines."""
    return f"{sum(Decimal(c.replace(',', '')) for _, c, _ in lines):,.2f}"


# --- a whole statement --------------------------------------------------------------------------


def test_audit_report_with_statements_and_notes(tmp_path):
    path = make_statement(tmp_path)
    ex = read(path)
    r = ex.record
    assert (ex.kind, ex.fiscal_year, ex.pages, ex.error) == (DocumentKind.FINANCIAL_STATEMENT, 2011, 4, None)
    assert r.audited and not r.consolidated and r.warnings == []
    assert r.auditor.value == FIRM and r.auditor.source.page == 1
    assert r.opinion.value == AuditOpinion.UNQUALIFIED and r.opinion.source.text == "三、审计意见"
    assert r.company.value == COMPANY
    assert (r.current.year, r.prior.year) == (2011, 2010)
    assert r.current.paid_in_capital.value == Decimal("50000000.00")
    assert (r.current.equity.value, r.prior.equity.value) == (Decimal("72417851.66"), Decimal("67560952.16"))
    assert (r.current.total_revenue.value, r.prior.total_revenue.value) == (Decimal("64043690.46"),
                                                                            Decimal("55152938.09"))
    assert (r.current.net_profit.value, r.prior.net_profit.value) == (Decimal("4856899.50"), Decimal("3439437.49"))
    src = r.current.total_revenue.source
    assert (src.file, src.sha256, src.page, src.text) == (path.name, sha256_file(path), 3, "一、营业收入 64,043,690.46")
    _, top, x1, bottom = src.bbox
    assert x1 == pytest.approx(CUR_RIGHT, abs=2) and top < bottom and 145 - 12 < top < 145  # pdfium: font metrics
    assert [(line.name, line.is_om) for line in r.revenue_lines] == [("运维服务", True), ("系统集成", False),
                                                                     ("软件开发", False)]
    assert r.om_revenue.value == Decimal("27259459.28") and r.om_revenue.source.page == 4


def test_wan_yuan_unit_under_the_title(tmp_path):
    path = make_statement(tmp_path, balance=balance_page(unit="万元", paid=("5,000.00", "5,000.00"),
                                                        equity=("7,241.79", "6,756.10")),
                         income=income_page(unit="万元", revenue=("6,404.37", "5,515.29"), profit=("485.69", "343.94")),
                         notes=notes_page(unit="万元", lines=(("运维服务", "2,725.95", "2,222.53"),
                                                              ("系统集成", "3,678.42", "3,292.76"))))
    r = read(path).record
    assert r.current.paid_in_capital.value == Decimal("50000000")
    assert r.current.paid_in_capital.precision == Decimal("100")
    assert r.current.total_revenue.value == Decimal("64043700")
    assert r.prior.net_profit.value == Decimal("3439400")
    assert r.om_revenue.value == Decimal("27259500") and r.om_revenue.precision == Decimal("100")


def test_single_value_row_keeps_its_column(tmp_path):
    path = make_statement(tmp_path, balance=balance_page(paid=(None, "50,000,000.00"), equity=("72,417,851.66", None)))
    r = read(path).record
    assert r.current.paid_in_capital is None and r.prior.paid_in_capital.value == Decimal("50000000.00")
    assert r.current.equity.value == Decimal("72417851.66") and r.prior.equity is None


def test_statement_over_two_pages_without_repeated_header(tmp_path):
    first = [title("资产负债表"), *caption(90, "2011年12月31日"), *header(120, "期末余额", "年初余额"),
             *rows(145, [("货币资金", "12,000,000.00", "11,000,000.00"),
                         ("资产总计", "90,000,000.00", "80,000,000.00")])]
    second = [T(297, 30, "第 3 页", "center", 9),
              *rows(60, [("短期借款", "1,000,000.00", "2,000,000.00"),
                         ("实收资本（或股本）", "50,000,000.00", "45,000,000.00"),
                         ("所有者权益合计", "", "67,560,952.16")])]
    path = write_pdf(tmp_path / "split.pdf", [audit_page(), first, second, income_page()])
    ex = read(path)
    r = ex.record
    assert r.current.paid_in_capital.value == Decimal("50000000.00")
    assert r.prior.paid_in_capital.value == Decimal("45000000.00")
    assert r.current.paid_in_capital.source.page == 3
    assert r.current.equity is None and r.prior.equity.value == Decimal("67560952.16")
    assert r.current.total_revenue.source.page == 4


def test_continued_statement_repeats_its_title_and_header(tmp_path):
    first = [title("资产负债表"), *caption(90, "2011年12月31日"), *header(120, "期末余额", "年初余额"),
             *rows(145, [("货币资金", "12,000,000.00", "11,000,000.00")])]
    second = [title("资产负债表（续）"), *caption(90, "2011年12月31日"), *header(120, "期末余额", "年初余额"),
              *rows(145, [("实收资本（或股本）", "50,000,000.00", "45,000,000.00"),
                          ("所有者权益合计", "9.00", "8.00")])]
    path = write_pdf(tmp_path / "cont.pdf", [audit_page(), first, second, income_page()])
    r = read(path).record
    assert r.current.paid_in_capital.source.page == 3 and r.prior.equity.value == Decimal("8.00")


@pytest.mark.parametrize(
    ("cols", "prior_first"),
    [
        (("本期金额", "上期金额"), False),
        (("本年数", "上年数"), False),
        (("本期发生额", "上期发生额"), False),
        (("2011年度", "2010年度"), False),
        (("2011 年 1—12 月", "2010 年 1—12 月"), False),
        (("上年数", "本年数"), True),  # the prior column printed left of the current one
        (("2010年度", "2011年度"), True),
    ],
)
def test_income_statement_header_variants(tmp_path, cols, prior_first):
    current, prior = "64,043,690.46", "55,152,938.09"
    left_to_right = (prior, current) if prior_first else (current, prior)
    r = read(make_statement(tmp_path, income=income_page(cols=cols, revenue=left_to_right))).record
    assert r.current.total_revenue.value == Decimal("64043690.46"), cols
    assert r.prior.total_revenue.value == Decimal("55152938.09"), cols


@pytest.mark.parametrize("cols", [("期末余额", "期初余额"), ("年末数", "年初数"), ("2011年12月31日", "2010年12月31日"),
                                  ("2011.12.31", "2010.12.31")])
def test_balance_sheet_header_variants(tmp_path, cols):
    r = read(make_statement(tmp_path, balance=balance_page(cols=cols))).record
    assert r.current.equity.value == Decimal("72417851.66") and r.prior.equity.value == Decimal("67560952.16")


# --- the auditor's opinion ---------------------------------------------------------------------------


@pytest.mark.parametrize("opinion", list(HEADINGS))
def test_each_opinion_type_from_its_headings(tmp_path, opinion):
    r = read(make_statement(tmp_path, audit=audit_page(opinion=opinion))).record
    assert r.opinion.value == AuditOpinion(opinion)
    assert r.opinion.source.page == 1 and r.opinion.source.bbox is not None
    assert r.auditor.value == FIRM


def test_modern_report_headings(tmp_path):
    body = ["一、审计意见", "我们认为，后附的财务报表在所有重大方面公允反映了财务状况。", "二、形成审计意见的基础",
            "三、关键审计事项", "四、其他信息", "我们无任何事项需要报告。"]
    r = read(make_statement(tmp_path, audit=audit_page(body=body))).record
    assert r.opinion.value == AuditOpinion.UNQUALIFIED and r.opinion.source.text == "一、审计意见"


@pytest.mark.parametrize(
    ("wording", "opinion"),
    [
        ("我们认为，贵公司财务报表在所有重大方面按照企业会计准则的规定编制，公允反映。", AuditOpinion.UNQUALIFIED),
        ("此外，我们提醒财务报表使用者关注附注九。本段内容不影响已发表的审计意见。", AuditOpinion.UNQUALIFIED_EMPHASIS),
        ("我们认为，除前段所述事项可能产生的影响外，财务报表在所有重大方面公允反映。", AuditOpinion.QUALIFIED),
        ("由于上述事项的重要性，我们不对贵公司财务报表发表审计意见。", AuditOpinion.DISCLAIMER),
    ],
)
def test_opinion_from_wording_without_headings(tmp_path, wording, opinion):
    body = ["我们认为，贵公司财务报表在所有重大方面公允反映了财务状况。", wording]
    if opinion != AuditOpinion.UNQUALIFIED_EMPHASIS:
        body = [wording]
    r = read(make_statement(tmp_path, audit=audit_page(body=body))).record
    assert r.opinion.value == opinion


def test_cover_summary_does_not_decide_the_opinion(tmp_path):
    """A 重要提示 page that describes the report differently (the jinhua trap) is not the report."""
    notice = [T(LABEL_X, 60, "重要提示"),
              T(LABEL_X, 90, f"{FIRM}为本公司出具了带强调事项段、持续经营重大不确定性段落的无保留意见的审计报告。",
                size=8)]
    path = write_pdf(tmp_path / "trap.pdf", [notice, audit_page(), balance_page(), income_page()])
    r = read(path).record
    assert r.opinion.value == AuditOpinion.UNQUALIFIED and r.opinion.source.page == 2
    assert r.auditor.source.page == 2


def test_auditor_name_wrapped_under_the_firm(tmp_path):
    page = audit_page(firm="致同会计师事务所")
    y = next(item.y for item in page if item.text == "致同会计师事务所")
    page.append(T(LABEL_X, y + 14, "（特殊普通合伙）"))
    r = read(make_statement(tmp_path, audit=page)).record
    assert r.auditor.value == "致同会计师事务所（特殊普通合伙）"


# --- which statement --------------------------------------------------------------------------------


def test_consolidated_wins_over_parent_printed_first(tmp_path):
    parent = income_page(name="母公司利润表", revenue=("640,436.90", "551,529.38"), profit=("9.00", "8.00"))
    group = income_page(name="合并利润表")
    path = write_pdf(tmp_path / "group.pdf", [audit_page(), balance_page(name="合并资产负债表"), parent, group])
    r = read(path).record
    assert r.consolidated
    assert r.current.total_revenue.value == Decimal("64043690.46") and r.current.total_revenue.source.page == 4
    assert r.current.net_profit.value == Decimal("4856899.50")


def test_side_by_side_balance_sheet(tmp_path):
    """Old landscape layout: 资产 | 行次 | 期末数 | 年初数 | 负债和所有者权益 | 行次 | 期末数 | 年初数."""
    cols = [(40, "资产", "left"), (170, "行次", "center"), (235, "期末数", "center"), (305, "年初数", "center"),
            (345, "负债和所有者权益", "left"), (480, "行次", "center"), (525, "期末数", "center"),
            (585, "年初数", "center")]
    data = [("货币资金", "1", "12,000,000.00", "11,000,000.00", "短期借款", "31", "1,000,000.00", "2,000,000.00"),
            ("应收账款", "2", "8,000,000.00", "7,000,000.00",
             "实收资本（或股本）", "40", "50,000,000.00", "45,000,000.00"),
            ("存货", "3", "5,000,000.00", "", "所有者权益合计", "45", "", "67,560,952.16")]
    page = [title("资产负债表"), *caption(90, "2011年12月31日"), *(T(x, 120, t, a, 8) for x, t, a in cols)]
    for i, r in enumerate(data):
        y = 145 + 20 * i
        page += [T(40, y, r[0], size=8), T(170, y, r[1], "center", 8), T(265, y, r[2], "right", 8),
                 T(335, y, r[3], "right", 8), T(345, y, r[4], size=8), T(480, y, r[5], "center", 8),
                 T(555, y, r[6], "right", 8), T(615, y, r[7], "right", 8)]
    path = write_pdf(tmp_path / "panes.pdf", [audit_page(), [p for p in page if p.text], income_page()],
                     pagesize=(650, HEIGHT))
    r = read(path).record
    assert r.current.paid_in_capital.value == Decimal("50000000.00")
    assert r.prior.paid_in_capital.value == Decimal("45000000.00")
    assert r.current.equity is None and r.prior.equity.value == Decimal("67560952.16")


def test_wrapped_label_with_numbers_between_its_lines(tmp_path):
    page = [title("合并资产负债表"), *caption(90, "2011年12月31日"), *header(120, "期末余额", "年初余额"),
            *row(145, "实收资本（或股本）", "50,000,000.00", "50,000,000.00"),
            T(LABEL_X, 170, "所有者权益（或股东权益）"), T(CUR_RIGHT, 176, "72,417,851.66", "right"),
            T(PRI_RIGHT, 176, "67,560,952.16", "right"), T(LABEL_X, 182, "合计"),
            T(LABEL_X, 205, "负债和所有者权益（或股东"), T(CUR_RIGHT, 211, "99,000,000.00", "right"),
            T(LABEL_X, 217, "权益）总计")]
    path = write_pdf(tmp_path / "wrap.pdf", [audit_page(), page, income_page(name="合并利润表")])
    r = read(path).record
    assert r.current.equity.value == Decimal("72417851.66") and r.prior.equity.value == Decimal("67560952.16")
    assert r.current.equity.source.text == "所有者权益（或股东权益） 合计 72,417,851.66"


def test_letter_spaced_title_and_doubled_characters(tmp_path):
    """Spaces between Han characters are ignored; characters drawn twice (fake bold) count once."""
    page = [T(230, 60, "资产负债表", size=16, char_space=10), *caption(90, "2011年12月31日"),
            *header(120, "期末余额", "年初余额"), *row(145, "实收资本", "50,000,000.00", "45,000,000.00"),
            *row(145, "实收资本", "50,000,000.00", "45,000,000.00"), *row(165, "所有者权益合计", "1.00", "2.00")]
    r = read(write_pdf(tmp_path / "bold.pdf", [audit_page(), page, income_page()])).record
    assert r.current.paid_in_capital.value == Decimal("50000000.00")
    assert r.current.paid_in_capital.source.text == "实收资本 50,000,000.00"


# --- what the document is ------------------------------------------------------------------------------


def test_interim_report_is_not_a_fiscal_year_statement(tmp_path):
    cover = [title("2012年第一季度报告", 200)]
    bs = balance_page(cols=("2012年3月31日", "2011年12月31日"))
    bs.append(T(330, 105, "审计类型：未经审计", size=8))
    ex = read(write_pdf(tmp_path / "q1.pdf", [cover, bs, income_page(cols=("2012年1-3月", "2011年1-3月"))]))
    assert ex.kind == DocumentKind.UNKNOWN and ex.fiscal_year is None and ex.error is None
    assert not ex.record.audited and "interim" in ex.record.warnings[0] and "未经审计" in ex.record.warnings[0]
    assert ex.record.current.year == 2012


def test_statements_without_an_auditors_report_are_unaudited(tmp_path):
    ex = read(write_pdf(tmp_path / "mgmt.pdf", [balance_page(), income_page()]))
    assert ex.kind == DocumentKind.FINANCIAL_STATEMENT and ex.fiscal_year == 2011
    assert not ex.record.audited and ex.record.auditor is None
    assert "no auditor's report" in ex.record.warnings[0]


def test_annual_report_summary_is_not_a_statement(tmp_path):
    page = [title("2011年年度报告摘要"), T(LABEL_X, 100, f"{FIRM}为本公司出具了标准无保留意见的审计报告。", size=8),
            *header(130, "2011年", "2010年", note=None, first="主要会计数据"), *row(155, "营业收入", "1.00", "2.00")]
    ex = read(write_pdf(tmp_path / "summary.pdf", [page]))
    assert ex.kind == DocumentKind.UNKNOWN and ex.error is None
    assert ex.record.fiscal_year == 2011 and ex.record.current.total_revenue is None and ex.record.auditor is None


def test_other_pdf_is_unknown_without_error(tmp_path):
    ex = read(write_pdf(tmp_path / "letter.pdf", [[T(LABEL_X, 100, "关于申报运维能力评定的说明，" * 3)]]))
    assert (ex.kind, ex.error, ex.record, ex.pages) == (DocumentKind.UNKNOWN, None, None, 1)


def test_revenue_note_with_two_om_lines(tmp_path):
    lines = (("IT运维服务", "10,000,000.00", "9,000,000.00"), ("信息系统运行维护", "5,000,000.50", "4,000,000.00"),
             ("系统集成", "3,000,000.00", "2,000,000.00"))
    income = income_page(revenue=(total_of(lines), "15,000,000.00"))
    r = read(make_statement(tmp_path, income=income, notes=notes_page(lines=lines))).record
    assert [line.is_om for line in r.revenue_lines] == [True, True, False]
    assert r.om_revenue.value == Decimal("15000000.50") and "信息系统运行维护" in r.om_revenue.source.text


def test_revenue_note_without_om_line_leaves_om_revenue_empty(tmp_path):
    lines = (("系统集成", "3,000,000.00", "2,000,000.00"), ("软件开发", "1,000,000.00", "2,000,000.00"))
    income = income_page(revenue=(total_of(lines), "4,000,000.00"))
    r = read(make_statement(tmp_path, income=income, notes=notes_page(lines=lines))).record
    assert len(r.revenue_lines) == 2 and r.om_revenue is None
    assert any("no O&M line" in w for w in r.warnings)


def test_notes_without_business_lines(tmp_path):
    notes = [title("财务报表附注（节选）"), T(LABEL_X, 110, "1. 营业收入"),
             *header(150, "本期金额", "上期金额", note=None),
             *rows(175, [("主营业务收入", "9.00", "8.00"), ("合计", "9.00", "8.00")])]
    r = read(make_statement(tmp_path, notes=notes)).record
    assert r.revenue_lines == [] and r.om_revenue is None
    assert any("no revenue breakdown" in w for w in r.warnings)


# --- unreadable documents ---------------------------------------------------------------------------


def test_encrypted_pdf_is_an_error(tmp_path):
    path = write_pdf(tmp_path / "locked.pdf", [audit_page(), balance_page()], encrypt="secret")
    ex = read(path)
    assert ex.kind == DocumentKind.UNKNOWN and "password" in ex.error
    with pytest.raises(DocumentError):
        statement_pdf.extract(packet_file(path), _RULES[0])


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_corrupt_pdf_is_an_error(tmp_path, damage):
    good = make_statement(tmp_path).read_bytes()
    path = tmp_path / "bad.pdf"
    path.write_bytes(good[: len(good) // 2] if damage == "truncated" else b"%PDF-1.4\n" + bytes(range(256)) * 20)
    ex = read(path)
    assert ex.error and ex.record is None
    with pytest.raises(DocumentError):
        statement_pdf.extract(packet_file(path), _RULES[0])


def test_image_only_pdf_is_scanned(tmp_path):
    image = Image.new("RGB", (400, 300), "white")
    for x in range(50, 350):
        image.putpixel((x, 150), (0, 0, 0))
    c = canvas.Canvas(str(tmp_path / "scan.pdf"), invariant=1)
    for _ in range(2):
        c.drawImage(ImageReader(image), 50, 300, 400, 300)
        c.showPage()
    c.save()
    ex = read(tmp_path / "scan.pdf")  # read by OCR (tests/test_ocr.py): no text on it, so not a statement
    assert (ex.kind, ex.pages, ex.record, ex.error, ex.ocr) == (DocumentKind.UNKNOWN, 2, None, None, True)


def test_cid_garbage_text_layer_is_unreadable(tmp_path):
    garbage = "".join(f"(cid:{n})" for n in range(100, 160))
    ex = read(write_pdf(tmp_path / "cid.pdf", [[T(20, 100 + 15 * i, garbage, size=6) for i in range(20)]]))
    assert ex.kind == DocumentKind.UNKNOWN and ex.ocr and ex.error is None  # its pages went to OCR


# --- the generated sample packets --------------------------------------------------------------------

# scanned samples (no text layer) are read by OCR: tests/test_ocr_packet.py checks them against their twin
SAMPLE_PDFS = [p for p in sorted(SAMPLE_DOCS.glob("*/*.pdf")) if unreadable(read_texts(p), default_rules()) is None]
GOLDEN = ROOT / "tests" / "golden" / "samples"


@pytest.mark.skipif(not SAMPLE_PDFS, reason="sample_docs has no PDFs (python -m samplegen writes them)")
@pytest.mark.parametrize("path", SAMPLE_PDFS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sample_statement(path):
    golden_file = GOLDEN / f"{path.parent.name}.json"
    ex = read(path)
    assert ex.error is None and ex.record is not None
    if not golden_file.is_file():
        assert ex.kind == DocumentKind.FINANCIAL_STATEMENT and ex.fiscal_year
        return
    golden = json.loads(golden_file.read_text(encoding="utf-8"))
    doc = golden["documents"][path.name]
    assert (ex.kind.value, ex.fiscal_year) == (doc["kind"], doc["fiscal_year"])
    if ex.kind is not DocumentKind.FINANCIAL_STATEMENT:  # a contract or a certificate: told apart, read elsewhere
        return
    year, r, figures = ex.fiscal_year, ex.record, golden["figures"]
    expected = {
        "total_revenue": r.current.total_revenue, "net_profit": r.current.net_profit, "equity": r.current.equity,
    }
    for name, money in expected.items():
        if f"{name}.{year}" in figures:
            assert money is not None and money.value == Decimal(figures[f"{name}.{year}"]), name
    if f"auditor.{year}" in figures:
        assert r.auditor.value == figures[f"auditor.{year}"]
    if f"audit_opinion.{year}" in figures:
        assert r.opinion.value == figures[f"audit_opinion.{year}"]
    if f"om_revenue.{year}" in figures:  # absent when the notes have no breakdown: the form stands in
        if r.om_revenue is None:
            assert any("revenue breakdown" in w for w in r.warnings)
        else:
            assert r.om_revenue.value == Decimal(figures[f"om_revenue.{year}"])
    latest = max(int(d["fiscal_year"]) for d in golden["documents"].values() if d.get("fiscal_year"))
    if year == latest and "paid_in_capital" in figures:
        assert r.current.paid_in_capital.value == Decimal(figures["paid_in_capital"])


def test_several_years_in_one_file_are_flagged(tmp_path):
    pages = [audit_page(2011), balance_page(2011), income_page(2011), audit_page(2010), balance_page(2010)]
    r = read(write_pdf(tmp_path / "two.pdf", pages)).record
    assert r.fiscal_year == 2011
    assert any(w.startswith("p4: another auditor's report follows") for w in r.warnings)


# --- the revenue note, whatever its layout -------------------------------------------------------------

# the business lines of every layout below: they add up to the income statement's 营业收入 (64,043,690.46)
OM_LINE, OM_AMOUNT = "运维服务", "27,259,459.28"
LINES = ((OM_LINE, OM_AMOUNT, "22,225,348.87"), ("系统集成", "22,000,000.00", "20,000,000.00"),
         ("软件开发", "14,784,231.18", "12,927,589.22"))
WAN_LINES = ((OM_LINE, "2,725.95", "2,222.53"), ("系统集成", "2,200.00", "2,000.00"),
             ("软件开发", "1,478.42", "1,292.76"))
OTHER_INCOME = "1,000,000.00"  # 其他业务收入 where the breakdown is of 主营业务收入 only
MAIN_LINES = (*LINES[:2], ("软件开发", "13,784,231.18", "11,927,589.22"))  # + OTHER_INCOME = 营业收入
# x of the columns: income only (current, prior right edges), or income | cost under each period
ONE = {"current": 410, "prior": 530}
PAIRS = {"current": 300, "current_cost": 380, "prior": 460, "prior_cost": 540}
PAIR_WIDTH = 80


@dataclass(frozen=True)
class Note:
    """How a revenue note is laid out (see ``note_pages``)."""

    title: str
    caption: str | None = None  # a line between the title and the table
    periods: tuple[str, str] = ("本期发生额", "上期发生额")
    cost: str | None = None  # None | "two-level" (收入 | 成本 under each period) | "one-line" (本期收入 本期成本 …)
    unit: str | None = "caption"  # caption | title | header | None; the unit word is ``unit_word``
    unit_word: str = "元"
    lines: tuple = LINES
    label: str = "{}"  # how a line's label is printed: "{}", "{n}、{}", "（{n}）{}"
    main: bool = False  # the breakdown is of 主营业务收入, indented under it, with 其他业务收入 beside it
    split: str | None = None  # None | "repeat" (the table goes on onto the next page under its header) | "bare"
    composition_first: bool = False  # a table 主营业务收入 / 其他业务收入 / 合计 before the breakdown
    header_size: float = 8  # the font of one-line income/cost headings


def _note_header(y: float, note: Note) -> list[T]:
    current, prior = note.periods
    unit = f"（{note.unit_word}）" if note.unit == "header" else ""
    if note.cost is None:
        return [T(LABEL_X, y, "项目"), T(ONE["current"] - COL_WIDTH / 2, y, current + unit, "center"),
                T(ONE["prior"] - COL_WIDTH / 2, y, prior + unit, "center")]
    if note.cost == "one-line":
        words = {"current": f"{current}收入", "current_cost": f"{current}成本", "prior": f"{prior}收入",
                 "prior_cost": f"{prior}成本"}
        return [T(LABEL_X, y, "项目"),
                *(T(x - PAIR_WIDTH / 2, y, words[k] + unit, "center", note.header_size) for k, x in PAIRS.items())]
    top = [T(LABEL_X, y + 7, "项目"), T(PAIRS["current"], y, current + unit, "center"),
           T(PAIRS["prior"], y, prior + unit, "center")]
    return top + [T(x - PAIR_WIDTH / 2, y + 14, "收入" if "cost" not in k else "成本", "center")
                  for k, x in PAIRS.items()]


def _note_row(y: float, label: str, current: str | None, prior: str | None, note: Note,
              x: float = LABEL_X) -> list[T]:
    out = [T(x, y, label)]
    cols = ONE if note.cost is None else PAIRS
    out += [T(cols["current"], y, current, "right")] if current else []
    out += [T(cols["prior"], y, prior, "right")] if prior else []
    if note.cost and current:  # a cost beside each income amount: never read as revenue
        out += [T(PAIRS["current_cost"], y, "9,999,999.99", "right"),
                T(PAIRS["prior_cost"], y, "8,888,888.88", "right")]
    return out


def note_pages(note: Note) -> list[list[T]]:
    """The notes' pages for a layout: the title, a caption, the unit, a (two-level) header, the lines, 合计."""
    unit_line = f"单位：{note.unit_word}"
    title_text = note.title + (f"（{unit_line}）" if note.unit == "title" else "")
    page = [title("财务报表附注（节选）"), T(LABEL_X, 90, "五、财务报表主要项目注释"),
            T(LABEL_X, 110, "26、应付职工薪酬"), *row(130, "工资、奖金", "1,000.00", "900.00"),
            T(LABEL_X, 160, title_text)]
    y = 185
    if note.composition_first:
        page += _note_header(y, note)
        y += 30 if note.cost == "two-level" else 20
        main_total = total_of(note.lines)
        for label, amount in (("主营业务收入", main_total), ("其他业务收入", OTHER_INCOME), ("合计", "64,043,690.46")):
            page += _note_row(y, label, amount, "1.00", note)
            y += 20
        y += 10
    if note.caption:
        page.append(T(LABEL_X, y, note.caption))
        y += 20
    if note.unit == "caption":
        page.append(T(530, y, unit_line, "right"))
        y += 20
    page += _note_header(y, note)
    y += 30 if note.cost == "two-level" else 20
    body: list[tuple[str, str | None, str | None, float]] = []
    if note.main:
        body.append(("主营业务收入", total_of(note.lines), None, LABEL_X))
    for n, (label, current, prior) in enumerate(note.lines, start=1):
        body.append((note.label.format(label, n=n), current, prior, LABEL_X + (20 if note.main else 0)))
    if note.main:
        body.append(("其他业务收入", OTHER_INCOME, None, LABEL_X))
        total = f"{sum(Decimal(c.replace(',', '')) for c in (total_of(note.lines), OTHER_INCOME)):,.2f}"
    else:
        total = total_of(note.lines)
    body.append(("合计", total, None, LABEL_X + 30))
    pages = [page]
    for i, (label, current, prior, x) in enumerate(body):
        if note.split and i == 2:  # the rest of the table on the next page
            page = [T(297, 30, "财务报表附注 第 5 页", "center", 9)]
            pages.append(page)
            y = 60
            if note.split == "repeat":
                page += _note_header(y, note)
                y += 30 if note.cost == "two-level" else 20
        page += _note_row(y, label, current, prior, note, x)
        y += 20
    page.append(T(LABEL_X, y + 20, next_note(note.title)))
    return pages


def next_note(title_text: str) -> str:
    """The next note's title, numbered like ``title_text`` (27、 → 28、, （三十二） → （三十三）, 5.32 → 5.33)."""
    for this, after in (("27", "28"), ("三十二", "三十三"), ("5.32", "5.33"), ("（一）", "（二）"), ("61", "62")):
        if this in title_text:
            return title_text.split(this)[0] + after + "、营业税金及附加" if this in ("27", "61") else \
                title_text.split(this)[0] + after + "营业税金及附加"
    return "营业税金及附加"


LAYOUTS = {
    "numbered-cost-pairs": Note("27、营业收入和营业成本", cost="two-level"),
    "chinese-number-by-category-unit-in-title": Note("（三十二）营业收入", caption="（1）按业务类别列示",
                                                      periods=("本年发生额", "上年发生额"), unit="title"),
    "dotted-number-by-industry-one-line-cost": Note("5.32 营业收入", caption="分行业", periods=("本期", "上期"),
                                                   cost="one-line"),
    "note-word-main-by-industry-after-composition": Note(
        "注释27.主营业务收入", caption="主营业务（分行业）", periods=("本年数", "上年数"), cost="two-level",
        lines=MAIN_LINES, composition_first=True),
    "no-number-years-wan-yuan": Note("营业收入及营业成本", periods=("2011年度", "2010年度"), cost="two-level",
                                      unit_word="万元", lines=WAN_LINES),
    "main-and-cost-by-product-numbered-lines-continued": Note(
        "主营业务收入及主营业务成本", caption="分产品", periods=("2011年", "2010年"), label="{n}、{}", split="repeat"),
    "indented-under-main-continued-bare": Note("27、营业收入", caption="按产品", periods=("本期数", "上期数"),
                                                lines=MAIN_LINES, main=True, split="bare", label="（{n}）{}"),
    "sample-generator-layout": Note("（一）营业收入和营业成本", caption="1. 营业收入按业务类别列示",
                                    periods=("本期金额", "上期金额")),
    "unit-in-header-by-business": Note("61、营业收入和营业成本", caption="(2) 主营业务（分业务）", cost="two-level",
                                       unit="header", unit_word="万元", lines=WAN_LINES),
    "no-unit-in-note": Note("27、营业收入", caption="按业务类别", unit=None),
    # income and cost headed on one line with （万元） in each heading: a column spans its whole heading
    "one-line-cost-wan-yuan-in-each-heading": Note(
        "27、营业收入", caption="分行业", periods=("本期发生额", "上期发生额"), cost="one-line", unit="header",
        unit_word="万元", lines=WAN_LINES, header_size=6),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_revenue_note_layouts(tmp_path, layout):
    """Every layout gives the same business lines and O&M line; their sum is the income statement's 营业收入."""
    note = LAYOUTS[layout]
    r = read(make_statement(tmp_path, notes=note_pages(note))).record
    assert [line.name for line in r.revenue_lines] == [name for name, _, _ in note.lines], r.warnings
    assert [line.is_om for line in r.revenue_lines] == [True, False, False]
    wan = note.unit_word == "万元"
    assert r.om_revenue.value == (Decimal("27259500") if wan else Decimal("27259459.28"))
    assert r.om_revenue.source.page == 4 and r.om_revenue.source.bbox is not None
    total = sum(line.amount.value for line in r.revenue_lines)
    other = Decimal(OTHER_INCOME.replace(",", "")) if note.lines is MAIN_LINES else 0
    assert abs(total + other - r.current.total_revenue.value) <= (50 if wan else 0)
    no_unit = "the revenue breakdown states no unit; the income statement's unit is used"
    expected = [no_unit] if note.unit is None else []
    assert r.warnings == expected


def test_revenue_note_is_found_after_a_statement_title_quoted_in_the_notes(tmp_path):
    """A statement's title printed in the notes (a policy change's table) does not hide the note before it."""
    notes = note_pages(LAYOUTS["numbered-cost-pairs"])
    quoted = [T(LABEL_X, 60, "四、会计政策变更的影响"), T(LABEL_X, 90, "合并资产负债表"),
              *header(120, "2011年12月31日", "2011年1月1日", note=None)]
    policies = [[T(LABEL_X, 60, f"（{n}）重要会计政策说明")] for n in "一二三四五"]
    pages = [*notes, *policies, quoted]
    balance, income = balance_page(name="合并资产负债表"), income_page(name="合并利润表")
    r = read(make_statement(tmp_path, balance=balance, income=income, notes=pages)).record
    assert r.consolidated and r.om_revenue.value == Decimal("27259459.28")


def test_revenue_breakdown_that_does_not_add_up_to_revenue_is_not_taken(tmp_path):
    """The breakdown's 合计 disagrees with the income statement's 营业收入: a warning, and nothing claimed."""
    income = income_page(revenue=("65,043,690.46", "55,152,938.09"))
    r = read(make_statement(tmp_path, income=income, notes=note_pages(LAYOUTS["numbered-cost-pairs"]))).record
    assert r.revenue_lines == [] and r.om_revenue is None
    assert r.current.total_revenue.value == Decimal("65043690.46")
    [warning] = [w for w in r.warnings if "revenue breakdown" in w]
    assert "is not taken" in warning and "64,043,690.46" in warning and "65,043,690.46" in warning


def test_revenue_breakdown_whose_lines_miss_their_total_is_not_taken(tmp_path):
    """A line misread (or one not read) shows as lines that do not add up to the printed 合计."""
    lines = (*LINES[:2], ("软件开发", "14,784,231.10", "12,927,589.22"))
    note = Note("27、营业收入", caption="按业务类别", lines=lines)
    pages = note_pages(note)
    for item in pages[0]:  # print the true 合计 under the misread line
        if item.text == total_of(lines):
            pages[0][pages[0].index(item)] = T(item.x, item.y, "64,043,690.46", item.align)
    r = read(make_statement(tmp_path, notes=pages)).record
    assert r.om_revenue is None and r.revenue_lines == []
    assert any("is not taken" in w and "合计 is 64,043,690.46" in w for w in r.warnings)


def test_revenue_note_picks_the_breakdown_by_business_line_not_by_region(tmp_path):
    """主营/其他, then 主营业务 by region (it adds up too, but lists no business lines), then by industry."""
    main = total_of(MAIN_LINES)
    note = [title("财务报表附注（节选）"), T(LABEL_X, 90, "27、营业收入和营业成本"), T(530, 110, "单位：元", "right"),
            *header(130, "本期发生额", "上期发生额", note=None),
            *rows(155, [("主营业务收入", main, "1.00"), ("其他业务收入", OTHER_INCOME, "1.00"),
                        ("合计", "64,043,690.46", "2.00")]),
            T(LABEL_X, 225, "(2) 主营业务（分地区）"), *header(245, "本期发生额", "上期发生额", note=None),
            *rows(270, [("华北地区", "40,000,000.00", "1.00"), ("华东地区", "23,043,690.46", "1.00"),
                        ("合计", main, "")]),
            T(LABEL_X, 340, "(3) 主营业务（分行业）"), *header(360, "本期发生额", "上期发生额", note=None),
            *rows(385, [*MAIN_LINES, ("合计", main, "")]), T(LABEL_X, 485, "28、营业税金及附加")]
    r = read(make_statement(tmp_path, notes=note)).record
    assert [line.name for line in r.revenue_lines] == [OM_LINE, "系统集成", "软件开发"]
    assert r.om_revenue.value == Decimal(OM_AMOUNT.replace(",", "")) and r.warnings == []


def test_composition_only_note_is_no_breakdown(tmp_path):
    """A note with 主营业务收入 / 其他业务收入 only (as listed companies print it) has no business line."""
    note = [title("财务报表附注（节选）"), T(LABEL_X, 110, "61、营业收入和营业成本"), T(530, 130, "单位：元", "right"),
            *header(150, "本期发生额", "上期发生额", note=None),
            *rows(175, [("主营业务", "63,043,690.46", "1.00"), ("其他业务", OTHER_INCOME, "1.00"),
                        ("合计", "64,043,690.46", "2.00")])]
    r = read(make_statement(tmp_path, notes=note)).record
    assert r.revenue_lines == [] and r.om_revenue is None
    assert any("no revenue breakdown by business line (only 主营业务收入 / 其他业务收入)" in w for w in r.warnings)


# --- real reports' statement layouts (issue #14, point 10) -----------------------------------------------


def test_opening_balance_column_dated_the_first_of_the_year_is_the_prior_one(tmp_path):
    """2022年12月31日 beside 2022年1月1日 (the opening balance): the latter is the prior column."""
    balance = balance_page(year=2022, cols=("2022年12月31日", "2022年1月1日"))
    income = income_page(year=2022, cols=("2022年度", "2021年度"))
    audit = audit_page(year=2022)
    r = read(make_statement(tmp_path, audit=audit, balance=balance, income=income, notes=None)).record
    assert r.fiscal_year == 2022 and (r.current.year, r.prior.year) == (2022, 2021)
    assert (r.current.equity.value, r.prior.equity.value) == (Decimal("72417851.66"), Decimal("67560952.16"))


@pytest.mark.parametrize("gap", [12, 1.5], ids=["apart", "run-into-the-amount"])
def test_bare_note_number_between_label_and_amount(tmp_path, gap):
    """实收资本（或股本） 53 749,477,334.00 with no 附注 column: 53 is a note reference, neither label nor amount."""
    page = [title("资产负债表"), *caption(90, "2011年12月31日"), *header(120, "期末余额", "年初余额", note=None),
            *row(145, "货币资金", "12,000,000.00", "11,000,000.00"),
            *row(165, "实收资本（或股本）", "749,477,334.00", "749,477,334.00"),
            *row(185, "所有者权益合计", "800,000,000.00", "790,000,000.00")]
    amount_left = CUR_RIGHT - pdfmetrics.stringWidth("749,477,334.00", FONT, 10)
    page += [T(amount_left - gap, 165, "53", "right"), T(amount_left - gap, 185, "54", "right")]
    r = read(make_statement(tmp_path, balance=page)).record
    assert r.current.paid_in_capital.value == Decimal("749477334.00")
    assert r.current.paid_in_capital.source.text == "实收资本（或股本） 749,477,334.00"
    assert r.current.equity.value == Decimal("800000000.00")


def test_wan_yuan_lines_rounded_apart_from_their_total_still_add_up(tmp_path):
    """Each line rounded to 0.01万元 on its own: their sum may miss the printed 合计 by a unit or two; a sum is as
    precise as its parts together, so the breakdown is taken."""
    lines = (*WAN_LINES[:2], ("软件开发", "1,478.43", "1,292.76"))
    pages = note_pages(Note("27、营业收入", caption="按业务类别", unit_word="万元", lines=lines))
    for i, item in enumerate(pages[0]):
        if item.text == total_of(lines):
            pages[0][i] = T(item.x, item.y, "6,404.37", item.align)
    r = read(make_statement(tmp_path, notes=pages)).record
    assert r.om_revenue.value == Decimal("27259500") and r.warnings == []


@pytest.mark.parametrize(("label_dy", "amount_dy"), [((0, 11), 0), ((0, 11), 11), ((-6, 6), 0)],
                         ids=["amounts-on-the-first-line", "amounts-on-the-last-line", "amounts-between"])
def test_revenue_note_label_wrapped_over_two_lines(tmp_path, label_dy, amount_dy):
    """信息系统运行 / 维护服务 in a narrow first column, its amounts beside either line or between them."""
    om = "信息系统运行维护服务"
    lines = ((om, OM_AMOUNT, "22,225,348.87"), *LINES[1:])
    pages = note_pages(Note("27、营业收入", caption="按业务类别", lines=lines))
    at = next(item for item in pages[0] if item.text == om)
    wrapped = [T(at.x, at.y + label_dy[0], om[:6]), T(at.x, at.y + label_dy[1], om[6:])]
    moved = [T(i.x, i.y + amount_dy, i.text, i.align) for i in pages[0] if i.y == at.y and i is not at]
    pages[0] = [i for i in pages[0] if i.y != at.y] + wrapped + moved
    r = read(make_statement(tmp_path, notes=pages)).record
    assert [line.name for line in r.revenue_lines] == [om, "系统集成", "软件开发"], r.warnings
    assert r.om_revenue.value == Decimal("27259459.28") and r.warnings == []


def test_a_note_whose_headings_run_into_each_other_is_not_claimed_and_never_crashes(tmp_path):
    """Found by the layout fuzzer: income and cost headed on one line with （万元） in each heading, each as wide
    as its column, so the headings touch and run together in the text layer. The header names no column the
    rows can be split by: the note is not claimed, with a warning, where it used to fail the whole document
    (IndexError). Reading such headings is left for later; real statements wrap them onto two lines."""
    note = Note("5.32 营业收入", caption="分行业", periods=("本期金额", "上期金额"), cost="one-line", unit="header",
                unit_word="万元", lines=WAN_LINES)
    ex = read(make_statement(tmp_path, notes=note_pages(note)))
    assert ex.error is None and ex.record.revenue_lines == [] and ex.record.om_revenue is None
    assert any("no revenue breakdown" in w for w in ex.record.warnings)
