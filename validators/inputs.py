"""Gather one applicant's extracted records by kind: the form, one statement per year, the roster, the contracts,
the certificates and the business licences."""

from __future__ import annotations

from dataclasses import dataclass, field

from omreview.masking import mask_text
from omreview.model import DocStatus, Document
from omreview.records import (
    CertificateRecord,
    ContractRecord,
    ContractsRecord,
    DocumentRecord,
    FormRecord,
    ItssCertificate,
    LicenseRecord,
    RosterRecord,
    SiQualificationCertificate,
    SoftwareCopyrightCertificate,
    StatementRecord,
)


@dataclass
class Inputs:
    form: FormRecord | None = None
    statements: dict[int, StatementRecord] = field(default_factory=dict)
    roster: RosterRecord | None = None
    notes: list[str] = field(default_factory=list)
    form_file: str | None = None  # the files of the records taken, to say where a value was looked for
    roster_file: str | None = None
    statement_files: dict[int, str] = field(default_factory=dict)
    contracts: list[tuple[str, ContractRecord]] = field(default_factory=list)  # every contract, with its file
    certificates: list[tuple[str, CertificateRecord]] = field(default_factory=list)  # validators/certificates.py
    licenses: list[tuple[str, LicenseRecord]] = field(default_factory=list)  # 营业执照, in the report's order

    def statement(self, year: int) -> StatementRecord | None:
        return self.statements.get(year)


def gather(pairs: list[tuple[Document, DocumentRecord | None]]) -> Inputs:
    """The first usable record of each kind (and of each fiscal year); later duplicates are noted, and so is
    what a reader warned of (an ambiguous label, a breakdown that does not add up): the reviewer sees it.
    Of several rosters, the one with the most rows (the first of equals): a Word or PDF document whose only
    table of people is a few key persons' (a 申报表 in a layout not told a form) must not stand in for it."""
    inputs = Inputs()
    for doc, record in pairs:
        if doc.status is not DocStatus.OK:
            continue
        # what could not be read (a document read in part), then what the reader warned of
        inputs.notes.extend(f"{doc.file}：{mask_text(problem)}" for problem in doc.problems)
        if record is None:
            continue
        inputs.notes.extend(f"{doc.file}：{mask_text(warning)}" for warning in record.warnings)
        if isinstance(record, FormRecord):
            if inputs.form is None:
                inputs.form, inputs.form_file = record, doc.file
            else:
                inputs.notes.append(f"{doc.file}：另一份申报表，未采用")
        elif isinstance(record, RosterRecord):
            if inputs.roster is not None and len(record.rows) > len(inputs.roster.rows):
                # the larger one: a table of a few key persons (a form's, a contract's) is not the O&M roster
                inputs.notes.append(f"{inputs.roster_file}：另一份人员名册（{len(inputs.roster.rows)}行），人数较少，未采用")
                inputs.roster = None
            if inputs.roster is None:
                inputs.roster, inputs.roster_file = record, doc.file
            else:
                inputs.notes.append(f"{doc.file}：另一份人员名册，未采用")
        elif isinstance(record, ContractsRecord):
            inputs.contracts += [(doc.file, contract) for contract in record.contracts]
            inputs.notes.extend(f"{doc.file}：{mask_text(note)}" for c in record.contracts for note in c.notes)
        elif isinstance(record, SoftwareCopyrightCertificate | ItssCertificate | SiQualificationCertificate):
            inputs.certificates.append((doc.file, record))
        elif isinstance(record, LicenseRecord):
            inputs.licenses.append((doc.file, record))
        elif isinstance(record, StatementRecord) and record.fiscal_year is not None:
            if record.fiscal_year in inputs.statements:
                inputs.notes.append(f"{doc.file}：{record.fiscal_year}年度的另一份审计报告，未采用")
            else:
                inputs.statements[record.fiscal_year] = record
                inputs.statement_files[record.fiscal_year] = doc.file
    return inputs
