"""The statement reader against the real public PDFs of ../shared/realdocs, checked with truth.json.

Every figure of truth.json that the reader covers is asserted exactly (``Decimal`` of ``value_printed``,
and the page): the auditor, the opinion, 营业收入 and 净利润 of the consolidated income statement and
实收资本（或股本） of the consolidated balance sheet, for both columns, plus fiscal year, kind and page
count. Each PDF is read once per module (``extracted``).

Decisions the truth leaves open, tested here:

- The two annual report summaries (年度报告摘要: jinhua_ar2022_summary, crsanjiu_ar2024_summary) hold
  neither the auditor's report nor the statements, only a key-data table and a 重要提示 sentence about
  the audit. CONDITIONS.md counts an annual report as a year's ``financial_statement`` only when it
  contains the report and the audited statements, and cover summaries never outrank the statements.
  So a summary is ``unknown`` (no error), its record carries the year and a warning saying why, and
  none of its key figures (营业收入, 净利润, auditor, opinion) is taken: they would stand in for audited
  figures that the applicant did not submit.
- The quarterly report (jinhua_2025q3) is ``unknown`` with ``audited=False`` and a warning; its
  unaudited statements are still read (the same reader), so its truth figures are asserted too.
- The scanned PDF (qingfeng_scan) is read by OCR and is ``unknown``: not a statement, no error.
- The three annual reports' revenue notes give 主营业务 / 其他业务 only (no business lines): they are found and
  read (their 合计 is 营业收入), and no breakdown is claimed.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from omreview.extractors.pdf import statement as statement_pdf
from omreview.extractors.pdf.layer import OcrLayer
from omreview.extractors.pdf.pages import plumber_lines, read_texts
from omreview.extractors.pdf.revenue_note import find_note, note_pages, read_tables, statements_end
from omreview.extractors.pdf.tables import CURRENT, PRIOR, Vocabulary, read_section
from omreview.extractors.pdf.triage import triage
from omreview.extractors.registry import read_document
from omreview.model import AuditOpinion, DocumentKind
from omreview.packet import PacketFile, sha256_file
from omreview.rules import default_rules
from tests.conftest import REALDOCS

if not (REALDOCS / "truth.json").is_file():
    pytest.skip("../shared/realdocs is not present", allow_module_level=True)

TRUTH = json.loads((REALDOCS / "truth.json").read_text(encoding="utf-8"))["pdf"]
FULL_REPORTS = ("jinhua_ar2024.pdf", "sifang_ar2019.pdf", "jinyu_ar2020.pdf")
SUMMARIES = ("jinhua_ar2022_summary.pdf", "crsanjiu_ar2024_summary.pdf")
OPINIONS = {"标准无保留意见": AuditOpinion.UNQUALIFIED, "带强调事项段的无保留意见": AuditOpinion.UNQUALIFIED_EMPHASIS}
# truth item -> record field, for the consolidated statements the reader covers
FIELDS = {"营业收入": "total_revenue", "净利润": "net_profit", "实收资本（或股本）": "paid_in_capital"}
COVERED = ("合并利润表", "合并资产负债表")


@pytest.fixture(scope="module")
def extracted():
    """Each PDF read once for the whole module (through ``read_document``, guards included); for an OCR'd one,
    ``get.seconds[name]`` and ``get.layers[name]`` (its ``OcrLayer``: which pages were read how) are kept."""
    cache = {}
    triage = OcrLayer.triage

    def spy(layer):
        get.layers[layer.path.name] = layer
        return triage(layer)

    def get(name: str):
        if name not in cache:
            path = REALDOCS / "pdf" / name
            pf = PacketFile(rel=f"pdf/{name}", path=path, size=path.stat().st_size, sha256=sha256_file(path))
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(OcrLayer, "triage", spy)
                cache[name] = read_document(pf, default_rules())
        return cache[name]

    get.layers = {}
    return get


def _year(period: str) -> int:
    return int(re.match(r"\d{4}", period).group())


def figure_cases():
    for name, truth in TRUTH.items():
        for fig in truth.get("figures", []):
            if fig["item"] in FIELDS and fig["statement"].split("(")[0] in COVERED:
                yield pytest.param(name, fig, id=f"{name}-{fig['item']}-{fig['period']}")


@pytest.mark.parametrize(("name", "fig"), list(figure_cases()))
def test_statement_figure(extracted, name, fig):
    ex = extracted(name)
    record = ex.record
    year = _year(fig["period"])
    column = record.current if year == record.current.year else record.prior
    assert column.year == year, f"no column for {fig['period']}"
    money = getattr(column, FIELDS[fig["item"]])
    assert money is not None, f"{fig['item']} {fig['period']} not read"
    assert money.value == Decimal(fig["value_printed"].replace(",", ""))
    assert money.source.page == fig["page"]
    assert fig["value_printed"] in money.source.text
    assert money.source.bbox is not None and money.source.file == f"pdf/{name}"


@pytest.mark.parametrize("name", list(TRUTH))
def test_kind_pages_and_year(extracted, name):
    truth, ex = TRUTH[name], extracted(name)
    assert ex.pages == truth["page_count"]
    if name in FULL_REPORTS:
        assert (ex.kind, ex.fiscal_year, ex.error) == (DocumentKind.FINANCIAL_STATEMENT, truth["fiscal_year"], None)
        assert ex.record.audited and ex.record.consolidated
    else:
        assert ex.kind == DocumentKind.UNKNOWN and ex.fiscal_year is None


@pytest.mark.parametrize("name", FULL_REPORTS)
def test_auditor_from_the_signature(extracted, name):
    audit = TRUTH[name]["audit"]
    auditor = extracted(name).record.auditor
    assert auditor.value == audit["firm"]
    assert auditor.source.page == audit["report_pages"][-1]  # the signature, not a cover summary
    assert auditor.source.bbox is not None


@pytest.mark.parametrize("name", FULL_REPORTS)
def test_opinion_from_the_report_itself(extracted, name):
    audit = TRUTH[name]["audit"]
    opinion = extracted(name).record.opinion
    expected = next(v for k, v in OPINIONS.items() if audit["opinion"].startswith(k))
    assert opinion.value == expected
    first, last = audit["report_pages"]
    assert first <= opinion.source.page <= last  # never the 重要提示 on p2


def test_jinhua_important_notice_trap(extracted):
    """p2 over-reports the opinion (持续经营 …); the report itself has one 强调事项 section."""
    opinion = extracted("jinhua_ar2024.pdf").record.opinion
    assert opinion.value == AuditOpinion.UNQUALIFIED_EMPHASIS
    assert (opinion.source.page, opinion.source.text) == (75, "三、强调事项")


def test_holding_company_takes_consolidated_not_parent(extracted):
    """生物股份: the parent's revenue is ~1% of the consolidated one; the consolidated statement wins."""
    record = extracted("jinyu_ar2020.pdf").record
    assert record.current.total_revenue.value == Decimal("1581905632.48")
    assert record.current.net_profit.value == Decimal("422390078.91")  # parent: 212,473,719.64


@pytest.mark.parametrize("name", FULL_REPORTS)
def test_equity_read_from_wrapped_label(extracted, name):
    """所有者权益（或股东权益） / 合计 wraps over two lines with the numbers between or beside them."""
    record = extracted(name).record
    for column in (record.current, record.prior):
        assert column.equity is not None and "合计" in column.equity.source.text
        assert column.equity.value > column.paid_in_capital.value


def test_single_value_rows_keep_their_column():
    """jinhua p78: 持有待售资产 has only the 2023 value, 其他流动资产 only the 2024 value (x-positions)."""
    rules = default_rules()
    path = REALDOCS / "pdf" / "jinhua_ar2024.pdf"
    lines = plumber_lines(path, [78])[78]
    start = next(i for i, line in enumerate(lines) if line.text.strip() == "合并资产负债表")
    section = read_section(lines[start + 1 :], Vocabulary(rules), rules)
    held = section.find(["持有待售资产"])
    other = section.find(["其他流动资产"])
    assert set(held.values) == {PRIOR} and held.values[PRIOR].text == "332,920,412.03"
    assert set(other.values) == {CURRENT} and other.values[CURRENT].text == "2,343,783.51"


def test_triage_reads_only_a_few_pages_of_an_annual_report():
    tri = triage(read_texts(REALDOCS / "pdf" / "jinhua_ar2024.pdf"), default_rules())
    balance, income = tri.pick("balance_sheet"), tri.pick("income_statement")
    assert (balance.title.scope, income.title.scope) == ("consolidated", "consolidated")
    assert balance.pages == [78, 80] and income.pages == [82, 83]


@pytest.mark.parametrize("name", SUMMARIES)
def test_summary_is_not_a_statement_and_its_figures_are_not_taken(extracted, name):
    ex = extracted(name)
    record = ex.record
    assert ex.kind == DocumentKind.UNKNOWN and ex.error is None
    assert record.fiscal_year == TRUTH[name]["fiscal_year"] and not record.audited
    assert "年度报告摘要" in record.warnings[0]
    assert record.auditor is None and record.opinion is None
    assert record.current.total_revenue is None and record.current.net_profit is None


def test_quarterly_report_is_unaudited(extracted):
    ex = extracted("jinhua_2025q3.pdf")
    assert ex.kind == DocumentKind.UNKNOWN and ex.error is None and ex.fiscal_year is None
    assert not ex.record.audited and ex.record.auditor is None and ex.record.opinion is None
    assert "interim" in ex.record.warnings[0] and "未经审计" in ex.record.warnings[0]


def test_scanned_pdf_is_read_by_ocr_and_is_not_a_statement(extracted):
    """19 image-only pages (a property list, survey maps turned a quarter, templates): the low-resolution
    pass finds no auditor's report and no statement, so no page is read at full resolution."""
    ex = extracted("qingfeng_scan.pdf")
    assert (ex.kind, ex.record, ex.error, ex.ocr, ex.pages) == (DocumentKind.UNKNOWN, None, None, True, 19)
    pages = extracted.layers["qingfeng_scan.pdf"].pages
    assert pages.counts == {"quick": 19, "read": 0}
    turned = [n for n, page in pages.pages.items() if page.view.turn in (90, 270)]
    assert len(turned) >= 10  # the survey maps, pages 2-16


def _fields(record):
    out = {"auditor": record.auditor and record.auditor.value, "opinion": record.opinion and record.opinion.value,
           "company": record.company and record.company.value, "year": record.fiscal_year}
    for column in ("current", "prior"):
        for name in ("paid_in_capital", "equity", "total_revenue", "net_profit"):
            money = getattr(getattr(record, column), name)
            out[f"{column}.{name}"] = money and (money.value, money.source.page, money.source.text)
    return out


@pytest.mark.parametrize("name", [*FULL_REPORTS, "jinhua_2025q3.pdf"])
def test_pdfium_positions_read_the_same(extracted, name):
    """The faster position engine (``pdf.statement.positions: pdfium``) gives the same record."""
    rules = default_rules()
    fast = rules.model_copy(update={"labels": rules.labels.model_copy(update={
        "statement_pdf": rules.labels.statement_pdf.model_copy(update={"positions": "pdfium"})})})
    path = REALDOCS / "pdf" / name
    pf = PacketFile(rel=f"pdf/{name}", path=path, size=path.stat().st_size, sha256=sha256_file(path))
    assert _fields(statement_pdf.extract(pf, fast).record) == _fields(extracted(name).record)


NOTE_PAGES = {"jinhua_ar2024.pdf": 149, "sifang_ar2019.pdf": 121, "jinyu_ar2020.pdf": 158}  # 61、营业收入和营业成本


@pytest.mark.parametrize("name", FULL_REPORTS)
def test_revenue_note_of_a_listed_company(extracted, name):
    """The note (61、营业收入和营业成本, 收入 | 成本 under 本期发生额 and 上期发生额) is found and read: 主营业务 and
    其他业务 income (not cost) add up to its 合计, which is the income statement's 营业收入. It lists no business
    line, so nothing is claimed and the warning says why."""
    rules = default_rules()
    path = REALDOCS / "pdf" / name
    tri = triage(read_texts(path), rules)
    at = find_note(tri.pages, statements_end(tri, rules), rules)
    assert at is not None and at[0] + 1 == NOTE_PAGES[name]
    pages = note_pages(tri.pages, at, rules)
    first, *_ = read_tables(plumber_lines(path, pages), at, Vocabulary(rules), rules)
    amounts = {row.kind: row.cell.amount.value for row in first.rows if row.cell}
    revenue = next(f for f in TRUTH[name]["figures"] if f["item"] == "营业收入" and f["statement"] == "合并利润表"
                   and f["period"].startswith(str(TRUTH[name]["fiscal_year"])))
    assert amounts["total"] == Decimal(revenue["value_printed"].replace(",", "")) == amounts["main"] + amounts["other"]
    record = extracted(name).record
    assert record.revenue_lines == [] and record.om_revenue is None
    said = ("the revenue note (61、营业收入和营业成本) has no revenue breakdown by business line "
            "(only 主营业务收入 / 其他业务收入)")
    assert f"p{NOTE_PAGES[name]}: {said}" in record.warnings
