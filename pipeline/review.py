"""Review one applicant folder: load the packet, read each document, evaluate, build the report.

Plain functions, tested without Prefect; ``flows/`` only sequences them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import omreview
from omreview.extractors.contract import Reader, ReadStatus
from omreview.extractors.isolate import reader_pool
from omreview.model import Applicant, DocStatus, Document, Report
from omreview.packet import Packet, PacketFile, load_packet
from omreview.pages_group import PagePart, grouped, part_document, with_parts
from omreview.records import DocumentRecord
from omreview.rules import Rules, default_rules
from omreview.validators import evaluate
from omreview.validators.batch import BatchEntry


@dataclass(frozen=True)
class Review:
    """A report, and what the batch-level rules need of the applicant (kept in memory only)."""

    report: Report
    batch_entry: BatchEntry


def document_of(pf: PacketFile, rules: Rules, read: Reader | None = None) -> tuple[Document, DocumentRecord | None]:
    """Read one file into its report entry and record; a bad file becomes status ``error`` with the reason.

    ``read`` is the reader to use (e.g. ``read_document`` in this process); by default the process's
    pool of reading processes, ``reader_pool().read`` (in-process when ``limits.isolate_documents`` is off).
    A page of a document photographed page by page (``PagePart``) is read with its first page, not here.
    """
    if isinstance(pf, PagePart):
        return part_document(pf), None
    extraction = (read or reader_pool().read)(pf, rules)
    doc = Document(
        file=pf.rel,
        # the digest of the bytes read (a file changed while read has none); the listed one if not read
        sha256=None if extraction.changed else extraction.sha256 or pf.sha256,
        size=extraction.size or pf.size,
        kind=extraction.kind,
        certificate_type=extraction.certificate_type,
        fiscal_year=extraction.fiscal_year,
        status=DocStatus.ERROR if extraction.status is ReadStatus.FAILED else DocStatus.OK,
        error=extraction.error,
        pages=extraction.pages,
        ocr=extraction.ocr,
        problems=extraction.problems,
    )
    return doc, extraction.record


def review_packet(packet: Packet, application_date: dt.date, rules: Rules) -> Review:
    return review_documents(packet, [document_of(pf, rules) for pf in packet.files], application_date, rules)


def review_documents(
    packet: Packet, pairs: list[tuple[Document, DocumentRecord | None]], application_date: dt.date, rules: Rules,
) -> Review:
    """Evaluate the documents already read from ``packet`` (one pair per file, in order) into its review."""
    fiscal_years = rules.fiscal_years(application_date)
    result = evaluate(pairs, fiscal_years, rules, application_date)
    applicant = Applicant(id=packet.applicant_id, name=result.applicant_name, credit_code=result.credit_code,
                          registration_number=result.registration_number,
                          organization_code=result.organization_code,
                          recommending_authority=result.recommending_authority,
                          relaxation_requested=result.relaxation_requested)
    report = Report(
        omreview_version=omreview.__version__,
        rules_version=rules.version,
        applicant=applicant,
        application_date=application_date,
        fiscal_years=fiscal_years,
        verdict=result.verdict,
        notes=result.notes,
        documents=with_parts([doc for doc, _ in pairs]),
        figures=result.figures,
        checks=result.checks,
        discrepancies=result.discrepancies,
        missing_inputs=result.missing_inputs,
        projects=result.projects,
    )
    entry = BatchEntry(applicant_id=packet.applicant_id, authority=result.recommending_authority,
                       relaxation_requested=result.relaxation_requested, roster_ids=result.roster_ids)
    return Review(report=report, batch_entry=entry)


def review(folder: Path, application_date: dt.date | None = None, rules: Rules | None = None) -> Review:
    """The whole review of one applicant folder. Raises ``InputError`` if the folder is unusable."""
    rules = rules or default_rules()
    packet = grouped(load_packet(folder, rules), rules)
    return review_packet(packet, application_date or rules.default_application_date, rules)


def review_applicant(folder: Path, application_date: dt.date | None = None, rules: Rules | None = None) -> Report:
    """The report of one applicant folder, without batch-level rules."""
    return review(folder, application_date, rules).report
