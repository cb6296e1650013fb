"""The typed records that cross module boundaries, and the report contract of spec/REPORT.md.

Everything serialised is a pydantic model; ``report.schema.json`` is generated from ``Report``
(``omreview schema``) and committed. Keys of REPORT.md are never renamed or dropped.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from omreview.amounts import Amount, yuan_str

SCHEMA_VERSION: Final = "1"


class DocumentKind(StrEnum):
    APPLICATION_FORM = "application_form"
    FINANCIAL_STATEMENT = "financial_statement"
    STAFF_ROSTER = "staff_roster"
    PROJECT_LIST = "project_list"
    CONTRACT = "contract"
    CERTIFICATE = "certificate"
    BUSINESS_LICENSE = "business_license"
    UNKNOWN = "unknown"


class CertificateType(StrEnum):
    """Which certificate a ``certificate`` document is, told from its title (``labels.document_kinds``)."""

    SOFTWARE_COPYRIGHT = "software_copyright"  # 计算机软件著作权登记证书
    ITSS = "itss"  # 信息技术服务运行维护标准符合性证书 (ITSS)
    SI_QUALIFICATION = "si_qualification"  # 计算机信息系统集成企业资质证书
    PATENT = "patent"  # 专利证书
    MANAGEMENT_SYSTEM = "management_system"  # 质量/信息安全/IT服务管理体系认证证书 (ISO)
    OTHER = "other"  # a title that says 证书 and none of the above


class DocStatus(StrEnum):
    OK = "ok"
    ERROR = "error"


class CheckStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    REVIEW = "review"
    MANUAL = "manual"
    MISSING = "missing"


class Verdict(StrEnum):
    MEETS = "meets"
    DOES_NOT_MEET = "does_not_meet"
    NEEDS_REVIEW = "needs_review"
    INCOMPLETE = "incomplete"


class AuditOpinion(StrEnum):
    UNQUALIFIED = "unqualified"
    UNQUALIFIED_EMPHASIS = "unqualified_emphasis"
    QUALIFIED = "qualified"
    ADVERSE = "adverse"
    DISCLAIMER = "disclaimer"


FigureUnit = Literal["CNY", "count", "ratio", "date", "text"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Record):
    """Where a value was read: the file and, as fits its kind, page + bbox, sheet + cell, or table + cell."""

    file: str
    sha256: str | None = None
    page: int | None = Field(default=None, ge=1, description="1-based page of a PDF")
    bbox: tuple[float, float, float, float] | None = Field(
        default=None, description="x0, top, x1, bottom in PDF points, top-left origin (pdfplumber)"
    )
    sheet: str | None = None
    cell: str | None = Field(default=None, description="A1-style cell of a sheet or of a .docx table")
    table: int | None = Field(default=None, ge=0, description="0-based table index of a .docx")
    text: str | None = Field(default=None, description="the source text as printed")
    confidence: Decimal | None = Field(
        default=None, ge=0, le=1,
        description="read by OCR: the lowest confidence of its characters (0-1); null when read from a text layer",
    )
    converted: str | None = Field(
        default=None, exclude_if=lambda value: value is None,
        description="read from a copy converted from a legacy or WPS office file (.doc, .xls, .wps, .et): the "
        "converter and the format read (LibreOffice 7.4.7.2 → .docx); the table, sheet and cell are the copy's, "
        "the file and sha256 the original's (the key is absent on other sources)",
    )


class Figure(_Record):
    """One extracted or derived value, with where it came from."""

    value: str
    unit: FigureUnit
    precision: str | None = Field(default=None, description="yuan value of the last written digit")
    source: Source | None = None

    @classmethod
    def money(cls, amount: Amount, source: Source | None) -> Figure:
        return cls(value=yuan_str(amount.value), unit="CNY", precision=str(amount.precision), source=source)

    @classmethod
    def count(cls, n: int, source: Source | None = None) -> Figure:
        return cls(value=str(n), unit="count", source=source)

    @classmethod
    def ratio(cls, r: Decimal, source: Source | None = None) -> Figure:
        return cls(value=str(r.quantize(Decimal("0.0001"))), unit="ratio", source=source)

    @classmethod
    def date(cls, d: dt.date, source: Source | None) -> Figure:
        return cls(value=d.isoformat(), unit="date", source=source)

    @classmethod
    def text_value(cls, text: str, source: Source | None) -> Figure:
        return cls(value=text, unit="text", source=source)


class Document(_Record):
    """One file of the applicant folder; every file is listed, readable or not."""

    file: str = Field(description="path relative to the applicant folder")
    sha256: str | None
    size: int | None = None
    kind: DocumentKind = DocumentKind.UNKNOWN
    certificate_type: CertificateType | None = Field(
        default=None, exclude_if=lambda value: value is None,
        description="which certificate, on a document of kind certificate (the key is absent on other documents)",
    )
    fiscal_year: int | None = None
    status: DocStatus = DocStatus.OK
    error: str | None = None
    pages: int | None = None
    ocr: bool = False
    problems: list[str] = Field(
        default_factory=list, exclude_if=lambda value: not value,
        description="parts of a file read in part that could not be read (pages without a usable text layer while "
        "OCR is unavailable ...), one plain line each; the document's status stays ok (the key is absent when the "
        "whole file was read)",
    )
    part_of: str | None = Field(
        default=None, exclude_if=lambda value: value is None,
        description="a page of a document photographed or scanned page by page, one image a page: the file whose "
        "entry carries the document's reading (its first page); this file was read with it (the key is absent on "
        "other documents)",
    )


class Check(_Record):
    id: str
    status: CheckStatus
    message: str
    values: dict[str, str | int | None] = Field(default_factory=dict)
    evidence: list[Source] = Field(default_factory=list)


class DiscrepancyValue(_Record):
    value: str
    source: Source | None = None


class Discrepancy(_Record):
    figure: str
    message: str
    values: list[DiscrepancyValue]


ContractNature = Literal["om", "equipment", "software_development", "other"]


class ContractView(_Record):
    """A contract of the folder as a reviewer holds it against a project: where it is and what was read from it,
    each value with its source (the page and box of a PDF, the table and cell of a .docx)."""

    file: str
    first_page: int | None = Field(default=None, ge=1)
    last_page: int | None = Field(default=None, ge=1)
    number: DiscrepancyValue | None = Field(default=None, description="合同编号 as printed")
    client: DiscrepancyValue | None = Field(default=None, description="甲方 (委托方, 发包方, 采购人 …)")
    provider: DiscrepancyValue | None = Field(default=None, description="乙方 (受托方, 服务方, 供应商 …)")
    amount: DiscrepancyValue | None = Field(default=None, description="the total in figures, yuan (1900000.00)")
    amount_words: DiscrepancyValue | None = Field(default=None, description="the total in words, yuan")
    period: DiscrepancyValue | None = Field(default=None, description="start至end (ISO dates; ? where not read)")
    nature: ContractNature = Field(default="other", description="O&M work (om) or not, as the reader judged it")


class ProjectContract(_Record):
    """A row of the form's project table and the contract linked to it, or a contract no row declares."""

    project: int | None = Field(description="the form's project row, 1-based; null for a contract no row declares")
    name: DiscrepancyValue | None = Field(default=None, description="the project's name as declared")
    client: DiscrepancyValue | None = Field(default=None, description="the client as declared")
    amount: DiscrepancyValue | None = Field(default=None, description="the contract value as declared, yuan")
    period: DiscrepancyValue | None = Field(default=None, description="the period as declared, start至end")
    contract: ContractView | None = Field(default=None, description="the contract linked (null: none attached)")
    doubts: list[str] = Field(
        default_factory=list,
        description="why B2a/B2b count this row only on the form's word, in plain Chinese (empty: its contract bears "
                    "it out)")


class Applicant(_Record):
    id: str
    name: str | None = None
    credit_code: str | None = Field(default=None, description="统一社会信用代码 (GB 32100), from the form")
    registration_number: str | None = Field(
        default=None, exclude_if=lambda value: value is None,
        description="营业执照注册号 (15 digits), when the form gives one (2012 forms; the key is absent otherwise)",
    )
    organization_code: str | None = Field(
        default=None, exclude_if=lambda value: value is None,
        description="组织机构代码 (GB 11714, 12345678-9), when the form gives one (the key is absent otherwise)",
    )
    recommending_authority: str | None = Field(default=None, description="推荐单位, from the form")
    relaxation_requested: bool = Field(default=False, description="申请放宽条件：是")


class Report(_Record):
    """report.json: the public contract of spec/REPORT.md."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    omreview_version: str
    rules_version: str
    applicant: Applicant
    application_date: dt.date
    fiscal_years: list[int]
    verdict: Verdict
    documents: list[Document]
    figures: dict[str, Figure] = Field(default_factory=dict)
    checks: list[Check]
    discrepancies: list[Discrepancy] = Field(default_factory=list)
    missing_inputs: list[str] = Field(
        default_factory=list, description="required documents absent or unreadable (why a verdict is incomplete)"
    )
    projects: list[ProjectContract] = Field(
        default_factory=list, exclude_if=lambda value: not value,
        description="each declared project with its contract, and each contract no project declares; the key is "
                    "present only in a folder with contracts",
    )
    notes: list[str] = Field(
        default_factory=list, exclude_if=lambda value: not value,
        description="what the reviewer should know that is no check or discrepancy (a second form not used, a "
                    "label read where an identifier belongs); the key is absent when there are none",
    )
