"""A PDF is opened once per reading and each of its pages loaded once (issue #20, point 2).

The guard's check, the text pass, the positioned lines of the statements and the search for the
auditor and the opinion used to open the file and load the same pages again each (949 page loads for
409 pages over the text-layer samples). They now share the reading's open document
(``guard.OpenPdf``); what is read is the same (tests/test_sample_reports.py,
scripts/crosscheck_engines.py), and the document is closed when the reading ends.
"""

from __future__ import annotations

from collections import Counter

import pypdfium2 as pdfium

from omreview.extractors.pdf.guard import OpenPdf
from omreview.extractors.registry import read_document
from omreview.packet import PacketFile, sha256_file
from omreview.rules import default_rules
from tests.conftest import SAMPLE_DOCS

STATEMENT = SAMPLE_DOCS / "app-01" / "资料1.pdf"  # auditor's report, statements and the revenue note, 5 pages
LONG = SAMPLE_DOCS / "app-23" / "file40.pdf"  # 12 pages


def _loads(monkeypatch) -> tuple[Counter[int], list[pdfium.PdfPage], list[pdfium.PdfDocument]]:
    """Count every page load by index; keep the pages and the documents opened."""
    loads: Counter[int] = Counter()
    pages: list[pdfium.PdfPage] = []
    docs: list[pdfium.PdfDocument] = []
    get_page, init = pdfium.PdfDocument.get_page, pdfium.PdfDocument.__init__

    def counted(self, index):
        page = get_page(self, index)
        loads[index] += 1
        pages.append(page)
        return page

    def opened(self, *args, **kwargs):
        init(self, *args, **kwargs)
        docs.append(self)

    monkeypatch.setattr(pdfium.PdfDocument, "get_page", counted)
    monkeypatch.setattr(pdfium.PdfDocument, "__init__", opened)
    return loads, pages, docs


def test_a_statement_pdf_is_opened_once_and_each_page_loaded_once(monkeypatch):
    loads, pages, docs = _loads(monkeypatch)
    pf = PacketFile(rel=STATEMENT.name, path=STATEMENT, size=STATEMENT.stat().st_size, sha256=sha256_file(STATEMENT))
    found = read_document(pf, default_rules())

    record = found.record
    assert found.kind.value == "financial_statement" and found.pages == 5
    assert record.auditor and record.auditor.source.bbox  # located on its page (pdfium's text search)
    assert record.current.total_revenue and record.current.total_revenue.source.bbox  # positioned lines
    assert len(docs) == 1  # the guard's check, the text pass, the lines and the search share one document
    assert sorted(loads) == list(range(5)) and set(loads.values()) == {1}  # every page loaded once
    assert all(page.raw is None for page in pages) and docs[0].raw is None  # all closed after the reading


def test_an_open_pdf_keeps_its_first_pages_and_no_more_than_its_bound():
    doc = OpenPdf(LONG, pdfium.PdfDocument(LONG), keep=3)
    try:
        texts = [doc.textpage(i).get_text_range() for i in range(len(doc))]
        assert len(texts) == 12 and doc.loads == 12
        doc.page(0), doc.page(1), doc.textpage(1)
        assert doc.loads == 12  # the first pages stayed loaded
        doc.page(6)
        doc.page(6)
        assert doc.loads == 13  # a page past the bound was not kept by the sweep; once loaded again, it is
    finally:
        doc.close()
    assert doc.pdf.raw is None
