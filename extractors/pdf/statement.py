"""审计报告 / annual report PDF (text layer) → ``StatementRecord``.

1. A fast text pass over every page (pypdfium2) finds what the document is (its cover line: 年度报告,
   年度报告摘要, 季度报告 …), the auditor's report, the statement titles (合并/母公司 资产负债表, 利润表 …)
   and the notes' revenue breakdown. Scanned pages (no text layer) stop here with a plain reason.
2. Only the pages that hold the wanted rows of the chosen statements (consolidated over single-entity
   over parent) and the notes' breakdown are then read with positions, from pypdfium2's characters
   measured as pdfminer measures them (``pdf.statement.positions: pdfium``, the default; a page pdfium
   cannot read so goes to pdfplumber) or by pdfplumber (``pdfplumber``): the same lines and boxes
   (``pdf.pages``); ``pdf.tables`` reads their tables, ``pdf.revenue_note``
   the breakdown. The auditor and the opinion come from the report's own text (``pdf.audit_opinion``).

The document is a ``financial_statement`` when it holds an auditor's report or a balance sheet / income
statement for a fiscal year; an interim (quarterly, half-year) report is not, and neither is a report
summary (年度报告摘要: no report, no statements; its cover figures never stand in for them).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypedDict

from omreview.errors import DocumentError
from omreview.extractors.attachments import certificates, contracts
from omreview.extractors.classify import classify_pdf
from omreview.extractors.contract import Extraction
from omreview.extractors.pdf import audit_opinion
from omreview.extractors.pdf import form as pdf_form
from omreview.extractors.pdf import roster as pdf_roster
from omreview.extractors.pdf.layer import TextLayer, layer_for
from omreview.extractors.pdf.pages import BBox, Line, read_texts
from omreview.extractors.pdf.revenue_note import ends_on_title_page, find_note, note_pages, read_note, statements_end
from omreview.extractors.pdf.tables import CURRENT, PRIOR, Cell, Section, Vocabulary, read_section
from omreview.extractors.pdf.triage import BALANCE, FIELDS, INCOME, Span, Title, TitleMatcher, Triage
from omreview.model import DocumentKind, Source
from omreview.packet import PacketFile
from omreview.records import Money, Opinion, RevenueLine, StatementRecord, StatementYear, Text, record_values
from omreview.rules import Rules
from omreview.text import norm


def extract(pf: PacketFile, rules: Rules) -> Extraction:
    texts = read_texts(pf.path)
    if not texts:
        raise DocumentError("the PDF has no pages")
    n = len(texts)
    try:
        layer = layer_for(pf.path, texts, rules)
    except DocumentError as exc:  # no usable text layer and no OCR: the document is not read
        return Extraction.failed(str(exc), pages=n)
    tri = layer.triage()
    extraction = _Reader(pf, rules, tri, layer).read()
    if extraction.kind is not DocumentKind.UNKNOWN or extraction.record is not None or extraction.error:
        return extraction
    # no statement: perhaps an attachment, told from the text and the layer already read (not read again)
    found = classify_pdf(pf.path, rules, texts, layer)
    if found is None:  # perhaps a 申报表 or a 人员名册 printed to PDF
        other = pdf_form.read(pf, texts, rules, layer) or pdf_roster.read(pf, texts, rules, layer)
        return extraction if other is None else replace(extraction, kind=other.kind, record=other.record)
    record = certificates.read_pdf(pf, rules, found, layer)  # a certificate or licence is read (its OCR reused)
    if found.kind is DocumentKind.CONTRACT:  # its contracts, from the same layer (no page is read twice)
        record = contracts.read_pdf(pf, rules, found, layer, n)
    return replace(extraction, kind=found.kind, certificate_type=found.certificate_type, record=record)


class _AuditFields(TypedDict, total=False):
    auditor: Text
    opinion: Opinion


class _Reader:
    """Reads the fields once triage has said where they are."""

    def __init__(self, pf: PacketFile, rules: Rules, tri: Triage, layer: TextLayer) -> None:
        self.pf, self.rules, self.tri, self.layer = pf, rules, tri, layer
        self.warnings: list[str] = list(layer.warnings)
        self.unread = tuple(layer.unread)  # pages not read: the extraction is PARTIAL

    def source(self, page: int, bbox: BBox | None, text: str) -> Source:
        confidence = self.layer.confidence(page, bbox)
        box: BBox | None = None
        if bbox:
            x0, top, x1, bottom = self.layer.page_box(page, bbox)
            box = round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2)
        return Source(file=self.pf.rel, sha256=self.pf.sha256, page=page, bbox=box, text=text, confidence=confidence)

    def read(self) -> Extraction:
        tri, n = self.tri, len(self.tri.pages)
        balance, income = tri.pick(BALANCE), tri.pick(INCOME)
        audit = self._audit_report()
        if not (audit or balance or income):
            return self._no_statement(n)
        spans = [s for s in (balance, income) if s]
        note_at, lines = self._positioned_lines(spans)
        vocab = Vocabulary(self.rules)
        sections, years = self._statements(spans, lines, vocab)
        year = self._fiscal_year(audit, sections)
        interim, audited = self._audit_status(audit)
        revenue_lines, om = self._revenue_note(note_at, lines, vocab, sections, years, audit, interim)
        if tri.another_report:
            self.warnings.append(
                f"p{tri.another_report}: another auditor's report follows (several years in one file?); "
                f"only the first one ({year or 'year unknown'}) was read"
            )
        fiscal = None if interim else year
        record = StatementRecord(
            fiscal_year=fiscal,
            company=self._company(sections),
            audited=audited,
            consolidated=any(s.title.scope == "consolidated" for s in spans),
            current=StatementYear(year=year, **years[CURRENT]),
            prior=StatementYear(year=year - 1 if year else None, **years[PRIOR]),
            revenue_lines=revenue_lines,
            om_revenue=om,
            warnings=self.warnings,
            **self._audit_fields(audit),
        )
        record = self._confidence(record)
        kind = DocumentKind.UNKNOWN if interim else DocumentKind.FINANCIAL_STATEMENT
        return Extraction(kind=kind, fiscal_year=fiscal, pages=n, ocr=self.layer.ocr, record=record,
                          errors=self.unread)

    def _audit_report(self) -> audit_opinion.AuditReport | None:
        """The auditor's report (auditor, opinion, year), read up to the first statement's title; None without one."""
        if not self.tri.audit_at:
            return None
        stop = next(((s.title.page, s.title.line) for s in self.tri.spans), None)
        return audit_opinion.read_report(self.tri.pages, self.tri.audit_at, stop, self.rules)

    def _no_statement(self, n: int) -> Extraction:
        """No report and no statement: a report summary says so in its record, anything else is left unknown."""
        if self.tri.cover == "summary":
            return self._summary(n)
        return Extraction(kind=DocumentKind.UNKNOWN, pages=n, ocr=self.layer.ocr, errors=self.unread)

    def _positioned_lines(self, spans: list[Span]) -> tuple[tuple[int, int] | None, dict[int, list[Line]]]:
        """Where the revenue note starts (None: no note), and the positioned lines of the pages worth reading.

        Those are the statements' pages and the note's title page; the note's next pages only when the note
        does not end on its title's page.
        """
        tri = self.tri
        after = statements_end(tri, self.rules)
        note_at = find_note(tri.pages, after, self.rules) if after is not None else None
        more = note_pages(tri.pages, note_at, self.rules) if note_at else []
        wanted = [p for s in spans for p in s.pages] + more[:1]
        lines = self.layer.lines(wanted)
        if more[1:] and not ends_on_title_page(lines.get(more[0], []), self.rules):
            lines |= self.layer.lines(more[1:])  # the note goes on: its next pages (few, when OCR reads them)
        return note_at, lines

    def _statements(
        self, spans: list[Span], lines: dict[int, list[Line]], vocab: Vocabulary
    ) -> tuple[dict[str, Section], dict[str, dict[str, Money]]]:
        """Each chosen statement's table and the figures read from it (current, prior year); warns of one missing."""
        years: dict[str, dict[str, Money]] = {CURRENT: {}, PRIOR: {}}
        sections = {s.title.statement: read_section(self._span_lines(s, lines), vocab, self.rules) for s in spans}
        for span in spans:
            self._figures(span, sections[span.title.statement], years)
        for statement in (BALANCE, INCOME):
            if statement not in sections:
                title = self.rules.labels.statement_titles[statement][0]
                self.warnings.append(f"no {statement.replace('_', ' ')} ({title}) found")
        return sections, years

    def _revenue_note(
        self,
        note_at: tuple[int, int] | None,
        lines: dict[int, list[Line]],
        vocab: Vocabulary,
        sections: dict[str, Section],
        years: dict[str, dict[str, Money]],
        audit: audit_opinion.AuditReport | None,
        interim: bool,
    ) -> tuple[list[RevenueLine], Money | None]:
        """The revenue breakdown by business line and its O&M sum; an audited annual report without a note warns."""
        if note_at:
            unit = sections[INCOME].unit if INCOME in sections else None
            revenue = years[CURRENT].get("total_revenue")
            revenue_lines, om, note_warnings = read_note(lines, note_at, vocab, self.rules, unit, self.source, revenue)
            self.warnings += note_warnings
            return revenue_lines, om
        if audit and not interim:
            self.warnings.append("the notes have no revenue breakdown by business line (no revenue note: "
                                 "营业收入 / 营业收入和营业成本)")
        return [], None

    def _audit_status(self, audit: audit_opinion.AuditReport | None) -> tuple[bool, bool]:
        """(interim, audited), with a warning that says why a document is not audited."""
        interim = self.tri.cover == "interim"
        marked = self._marked_unaudited()
        if interim:
            said = "; its statements say 未经审计" if marked else ""
            self.warnings.insert(0, f"interim report (季度/半年度报告{said}): not a fiscal-year financial statement")
        elif audit is None:
            self.warnings.insert(0, "no auditor's report (审计报告) in the document: its statements are unaudited")
        elif marked:
            self.warnings.insert(0, "the statements are marked 未经审计 (unaudited)")
        return interim, not (interim or audit is None or marked)

    def _summary(self, n: int) -> Extraction:
        record = StatementRecord(
            fiscal_year=self.tri.cover_year,
            audited=False,
            warnings=[
                "annual report summary (年度报告摘要): it holds neither the auditor's report nor the statements, "
                "so it is not that year's financial statement; its key figures are not taken"
            ],
        )
        return Extraction(kind=DocumentKind.UNKNOWN, fiscal_year=None, pages=n, ocr=self.layer.ocr, record=record,
                          errors=self.unread)

    def _span_lines(self, span: Span, lines: dict[int, list[Line]]) -> list[Line]:
        """The positioned lines of a statement: after its title, up to the next statement or its signature line."""
        cfg = self.rules.labels.statement_pdf
        ends = [norm(w) for w in cfg.end_markers]
        want = (span.title.statement, span.title.scope)
        title_of = TitleMatcher(self.rules)
        out: list[Line] = []
        started = False
        for page in span.pages:
            if not started and page != span.title.page + 1:
                started = True  # the title page was not needed: this page repeats the header
            for line in lines.get(page, []):
                found = title_of(line.text)
                if not started:
                    started = page == span.title.page + 1 and found == want
                    continue
                if found and found != want:
                    return out
                if found:
                    continue
                if any(w in norm(line.text) for w in ends):
                    return out
                out.append(line)
            if not started:  # the title did not come out as a line of its own: read the page from its top
                started = True
                out.extend(lines.get(page, []))
                self.warnings.append(f"p{page}: statement title not found as a line; read the whole page")
        return out

    def _figures(self, span: Span, section: Section, years: dict[str, dict[str, Money]]) -> None:
        name = _display(span.title, self.rules)
        if section.header is None:
            self.warnings.append(f"{name}: no column header (本期/上期, 期末/期初 or years) found")
            return
        if section.unit is None:
            self.warnings.append(f"{name}: no unit stated (单位：元/万元); amounts read as 元")
        rows = self.rules.labels.statement_rows
        for fieldname in FIELDS[span.title.statement]:
            found = section.find(rows.get(fieldname, []))
            if not found:
                self.warnings.append(f"{name}: no row for {fieldname}")
                continue
            for kind, cell in found.values.items():
                years[kind][fieldname] = self._money(found.label, cell)
            if self.layer.ocr and CURRENT not in found.values:  # e.g. a seal over it, read as no amount
                self.warnings.append(f"{name}: {fieldname}: the row {found.label} has no readable current amount")

    def _money(self, label: str, cell: Cell) -> Money:
        return Money.of(cell.amount, self.source(cell.page, cell.bbox, f"{label} {cell.text}"))

    def _fiscal_year(self, audit: audit_opinion.AuditReport | None, sections: dict[str, Section]) -> int | None:
        seen = []
        if audit and audit.year:
            seen.append(("auditor's report", audit.year))
        for statement, section in sections.items():
            year = (section.header.year(CURRENT) if section.header else None) or section.year
            if year:
                seen.append((statement.replace("_", " "), year))
        if self.tri.cover_year and self.tri.cover == "annual":
            seen.append(("cover", self.tri.cover_year))
        if not seen:
            self.warnings.append("fiscal year not found")
            return None
        if len({y for _, y in seen}) > 1:
            self.warnings.append("fiscal years disagree: " + ", ".join(f"{w} {y}" for w, y in seen))
        return seen[0][1]

    def _marked_unaudited(self) -> bool:
        """A statement's own caption says 未经审计 (审计类型：未经审计)."""
        marks = [norm(w) for w in self.rules.labels.statement_pdf.unaudited]
        pages = {p - 1 for s in self.tri.spans if s.title.statement in FIELDS for p in s.pages[:1]}
        pages |= {s.title.page for s in self.tri.spans}
        return any(m in norm(text) for p in pages for text in self.tri.pages[p] for m in marks)

    def _company(self, sections: dict[str, Section]) -> Text | None:
        for section in sections.values():
            if section.company:
                name, line, (start, end) = section.company
                src = self.source(line.page, line.span_bbox(start, end), line.text[start:end])
                return Text(value=name, source=src)
        return None

    def _audit_fields(self, audit: audit_opinion.AuditReport | None) -> _AuditFields:
        if audit is None:
            return {}
        out: _AuditFields = {}
        hits = [h for h in (audit.auditor, audit.opinion_hit) if h]
        boxes = self.layer.locate([(h.page, h.needle) for h in hits])
        if audit.auditor:
            h = audit.auditor
            out["auditor"] = Text(value=h.value, source=self.source(h.page, boxes.get((h.page, h.needle)), h.printed))
        else:
            self.warnings.append("auditor's report: the audit firm (会计师事务所) was not found")
        if audit.opinion and audit.opinion_hit:
            h = audit.opinion_hit
            src = self.source(h.page, boxes.get((h.page, h.needle)), h.printed)
            out["opinion"] = Opinion(value=audit.opinion, source=src)
        else:
            self.warnings.append("auditor's report: the opinion was not found")
        return out

    def _confidence(self, record: StatementRecord) -> StatementRecord:
        """List the OCR'd values read below ``ocr.min_confidence`` (``low_confidence``), with a warning each."""
        if not self.layer.ocr:
            return record
        floor = self.rules.labels.statement_pdf.ocr.min_confidence
        doubtful = [
            (name, value.source)
            for name, value in record_values(record)
            if value.source.confidence is not None and value.source.confidence < floor
        ]
        if not doubtful:
            return record
        warnings = [
            f"p{src.page}: {name} read by OCR with confidence {src.confidence} (below {floor}): «{src.text}»"
            for name, src in doubtful
        ]
        return record.model_copy(
            update={"low_confidence": [name for name, _ in doubtful], "warnings": [*record.warnings, *warnings]}
        )


def _display(title: Title, rules: Rules) -> str:
    """The statement's name for a warning, e.g. 合并资产负债表."""
    scopes = rules.labels.statement_pdf.scopes.get(title.scope, [])
    return (scopes[0] if scopes else "") + rules.labels.statement_titles[title.statement][0]
