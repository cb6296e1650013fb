"""Load and validate the versioned rules file (``pipeline/rules.yaml``) once."""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import unicodedata
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from omreview.errors import RulesError
from omreview.text import norm

RULES_PATH = Path(__file__).with_name("rules.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AmountRules(_Strict):
    units: dict[str, Decimal]
    currency_words: list[str]

    @field_validator("units")
    @classmethod
    def _positive(cls, units: dict[str, Decimal]) -> dict[str, Decimal]:
        for word, mult in units.items():
            if mult <= 0:
                raise ValueError(f"unit {word!r} must have a positive multiplier")
        return units


class IdentifierRules(_Strict):
    software_copyright_pattern: str


class ArchiveLimits(_Strict):
    """Archives (.zip) in an applicant folder (``omreview.archives``); see ``limits.archives`` in rules.yaml."""

    max_entries: int = Field(default=1000, gt=0, description="entries of one archive, those inside it included")
    max_unpacked_bytes: int = Field(default=1_073_741_824, gt=0, description="unpacked in total, inner archives too")
    max_ratio: int = Field(default=100, gt=1, description="an entry packed tighter than this ...")
    ratio_min_bytes: int = Field(default=10_485_760, ge=0, description="... and larger than this is a zip bomb")
    max_depth: int = Field(default=2, ge=1, description="1: archives only; 2: an archive inside one is opened too")


class Limits(_Strict):
    """Guards against bad and hostile input; see the comments in rules.yaml."""

    max_file_bytes: int = Field(gt=0)
    max_folder_depth: int = Field(gt=0)
    max_zip_entries: int = Field(gt=0)
    max_zip_unpacked_bytes: int = Field(gt=0)
    max_zip_ratio: int = Field(gt=1)
    zip_ratio_min_bytes: int = Field(ge=0)
    max_pdf_pages: int = Field(gt=0)
    max_pdf_seconds: float = Field(gt=0)
    isolate_documents: bool
    max_document_seconds: float = Field(gt=0)
    max_document_memory_mb: int = Field(ge=256, description="below this the reading process cannot even start")
    archives: ArchiveLimits = Field(default_factory=ArchiveLimits)

    @model_validator(mode="after")
    def _outer_limit_last(self) -> Limits:
        if self.max_document_seconds <= self.max_pdf_seconds:
            raise ValueError("max_document_seconds must be larger than max_pdf_seconds (the reader's own budget)")
        return self


class IntakeRules(_Strict):
    """What an intake folder holds besides applicants; see ``intake`` in rules.yaml."""

    ignored_names: list[str] = Field(description="shell patterns of hidden entries and OS/Office debris")
    settle_seconds: float = Field(ge=0, description="a scheduled batch leaves a folder changed more recently")

    def ignored(self, name: str) -> bool:
        """Whether a file or folder name is debris (matched case-insensitively: Windows names are)."""
        folded = name.casefold()
        return any(fnmatch.fnmatchcase(folded, pattern.casefold()) for pattern in self.ignored_names)


class ImageRules(_Strict):
    """Images read as scanned pages (``extractors/ocr/images.py``) and documents photographed page by page
    (``pipeline/pages_group.py``); see ``images`` in rules.yaml."""

    max_pixels: int = Field(default=100_000_000, gt=0, description="one page (frame), refused before decoding")
    max_total_pixels: int = Field(default=600_000_000, gt=0, description="all the pages of one document")
    max_pages: int = Field(default=150, gt=0, description="frames of a TIFF, or files of one photographed document")
    page_mm: Decimal = Field(default=Decimal("297"), gt=0, description="the long side of a page of unknown size")
    plausible_page_mm: tuple[Decimal, Decimal] = (Decimal("100"), Decimal("600"))
    max_dpi: int = Field(default=300, ge=72, le=1200, description="pages are kept at most at this resolution")
    jpeg_quality: int = Field(default=92, ge=50, le=100)
    generic_names: list[str] = Field(default_factory=list, description="camera and scanner names: no document's")
    page_words: list[str] = Field(default_factory=list, description="words around a page number (第…页, page, p)")

    @model_validator(mode="after")
    def _range(self) -> ImageRules:
        low, high = self.plausible_page_mm
        if not 0 < low < self.page_mm < high:
            raise ValueError("plausible_page_mm must be two sizes around page_mm (low < page_mm < high)")
        return self


class Thresholds(_Strict):
    om_start_min_years: int
    registered_capital_min: Decimal
    paid_in_capital_min: Decimal
    om_revenue_3y_high: Decimal
    om_revenue_3y_low: Decimal
    om_revenue_share_min: Decimal
    distinct_clients_min: int
    project_annual_value_min: Decimal
    qualifying_projects_min: int
    principal_mgmt_years_min: int
    tech_lead_om_years_min: int
    staff_min: int
    college_ratio_min: Decimal
    relaxation_quota: Decimal


class ContractLinking(_Strict):
    """How the form's projects are linked to the contracts attached; see ``contract_linking`` in rules.yaml and
    ``validators/contracts.py``."""

    min_agreeing: int = Field(ge=1, le=3, description="of client, amount and period")
    amount_tolerance: Decimal = Field(ge=0, lt=1, description="a share of the contract's amount")
    company_ignored_chars: str
    company_suffixes: list[str]

    @field_validator("company_suffixes")
    @classmethod
    def _longest_first(cls, suffixes: list[str]) -> list[str]:
        """The first suffix that ends a name is taken off: a shorter one before a longer it ends would hide it."""
        for i, short in enumerate(suffixes):
            hidden = [long for long in suffixes[i + 1:] if long.endswith(short)]
            if hidden:
                raise ValueError(f"{short!r} is listed before {hidden[0]!r}, which ends with it: list longer first")
        return suffixes


class CertificateChecks(_Strict):
    """How the certificates attached are held against the form; see ``certificate_checks`` in rules.yaml and
    ``validators/certificates.py``."""

    software_name_min_chars: int = Field(default=4, ge=1, description="a certificate's software name and a form "
                                         "row's are one when equal, or when the shorter, this long or longer, is "
                                         "inside the other (versions, spaces and brackets left out)")


class OcrSettings(_Strict):
    """OCR of image-only PDF pages (``extractors/ocr_*.py``); see ``labels.statement_pdf.ocr`` in rules.yaml."""

    enabled: bool = True
    min_image_share: Decimal = Field(default=Decimal("0.3"), ge=0, le=1)
    triage_dpi: int = Field(default=72, ge=36, le=300)
    triage_band: Decimal = Field(default=Decimal("0.30"), gt=0, le=1)
    triage_max_boxes: int = Field(default=12, gt=0)
    read_dpi: int = Field(default=150, ge=72, le=400)
    det_max_side: int = Field(default=960, ge=320, le=4096)
    min_confidence: Decimal = Field(default=Decimal("0.90"), ge=0, le=1)
    orientation_min_score: Decimal = Field(default=Decimal("0.80"), ge=0, le=1)
    max_skew_degrees: Decimal = Field(default=Decimal("8"), ge=0, le=45)
    max_pages: int = Field(default=150, gt=0)
    max_read_pages: int = Field(default=16, gt=0)
    max_note_pages: int = Field(default=4, ge=0)
    drop_red: bool = True
    white_level: int = Field(default=190, ge=64, le=255)
    second_look_dpi: int = Field(default=200, ge=0, le=400)
    second_look_white_level: int = Field(default=215, ge=64, le=255)
    threads: int = Field(default=1, ge=1, le=64)
    rec_batch: int = Field(default=1, ge=1, le=64)
    ruling_ink_level: int = Field(default=215, ge=64, le=255)
    ruling_min_inches: Decimal = Field(default=Decimal("0.4"), gt=0, le=10)
    ruling_row_inches: Decimal = Field(default=Decimal("0.1"), gt=0, le=10)
    ruling_missed_ink: Decimal = Field(default=Decimal("6"), gt=0)
    ruling_page_shift: Decimal = Field(default=Decimal("6"), ge=0, le=50)
    ruling_tolerance: Decimal = Field(default=Decimal("3"), ge=0, le=20)
    confusions: list[str] = Field(default_factory=lambda: ["入人", "未末", "已己巳", "日曰", "货贷", "帐账"])
    digit_lookalikes: dict[str, str] = Field(default_factory=lambda: {
        "O": "0", "o": "0", "〇": "0", "l": "1", "I": "1", "，": ",", "．": ".", "。": ".",
        ":": ",", "：": ",", ";": ",", "；": ","})

    @field_validator("digit_lookalikes")
    @classmethod
    def _one_for_one(cls, table: dict[str, str]) -> dict[str, str]:
        for seen, meant in table.items():
            if len(seen) != 1 or len(meant) != 1 or meant not in "0123456789,.":
                raise ValueError(f"a digit look-alike maps one character to a digit, ',' or '.': {seen!r}: {meant!r}")
        return table

    @field_validator("confusions")
    @classmethod
    def _pairs(cls, groups: list[str]) -> list[str]:
        for group in groups:
            if len(group) < 2:
                raise ValueError(f"a confusion group needs two or more characters: {group!r}")
        return groups

    @model_validator(mode="after")
    def _triage_coarser(self) -> OcrSettings:
        if self.triage_dpi > self.read_dpi:
            raise ValueError("triage_dpi must not exceed read_dpi (the triage pass is the low-resolution one)")
        return self


class StatementPdfLabels(_Strict):
    """How statement PDFs say where things are; see ``labels.statement_pdf`` in rules.yaml."""

    opinion_phrases: dict[str, list[str]]
    audit_markers: list[str]
    signature_markers: list[str]
    audit_firm: list[str]
    audit_firm_forms: list[str]
    scopes: dict[str, list[str]]
    continued: list[str]
    title_noise: list[str]
    other_statements: list[str]
    end_markers: list[str]
    note_references: list[str]
    revenue_note_subject: list[str]
    revenue_note_cost: list[str]
    revenue_note_title_words: list[str]
    revenue_note_numbering: list[str]
    revenue_note_pages: int = Field(gt=0)
    revenue_note_breakdown: list[str]
    revenue_note_not_lines: list[str]
    revenue_note_main: list[str]
    revenue_note_other: list[str]
    revenue_note_totals: list[str]
    revenue_note_subtotals: list[str]
    revenue_note_sub_marks: list[str]
    revenue_note_value_columns: list[str] = Field(min_length=1)
    revenue_note_other_columns: list[str]
    total_rows: list[str]
    annual_report: list[str]
    report_summary: list[str]
    interim_report: list[str]
    unaudited: list[str]
    min_chars_per_page: int = Field(ge=0)
    min_readable_share: Decimal = Field(ge=0, le=1)
    max_statement_pages: int = Field(gt=0)
    positions: Literal["pdfplumber", "pdfium"] = "pdfium"
    ocr: OcrSettings = Field(default_factory=OcrSettings)

    @field_validator("opinion_phrases")
    @classmethod
    def _phrases_compile(cls, phrases: dict[str, list[str]]) -> dict[str, list[str]]:
        for patterns in phrases.values():
            _compiles(patterns)
        return phrases

    @field_validator("title_noise", "note_references")
    @classmethod
    def _noise_compiles(cls, patterns: list[str]) -> list[str]:
        return _compiles(patterns)


def _compiles(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
    return patterns


# The keys each synonym group must have: they name fields of the records (pipeline/records.py).
_LABEL_KEYS: dict[str, set[str]] = {
    "statement_rows": {"paid_in_capital", "equity", "total_revenue", "net_profit"},
    "statement_columns": {"current", "prior", "note"},
    "audit_opinions": {"unqualified", "unqualified_emphasis", "qualified", "adverse", "disclaimer"},
    "form_fields": {
        "company_name", "credit_code", "registered_capital", "paid_in_capital", "founded_date", "om_start_date",
        "si_cert_number", "si_cert_level", "si_cert_valid_until", "itss_cert_number", "recommending_authority",
        "relaxation_requested", "relaxation_reason", "mis_description", "fill_date", "declared_staff_count",
        "declared_college_count", "declared_college_ratio", "registration_number", "org_code",
    },
    "declared_revenue": {"total_revenue", "om_revenue", "om_share"},
    "project_columns": {"name", "client", "amount", "period", "start", "end", "tool"},
    "key_person_columns": {"role", "name", "post", "title", "specialty", "education", "mgmt_years", "om_years",
                           "other_years"},
    "key_person_roles": {"principal", "tech_lead", "finance_lead"},
    "key_person_posts": {"principal", "tech_lead", "finance_lead", "none"},
    "key_person_own_years": {"principal", "tech_lead", "finance_lead"},
    "software_columns": {"name", "number", "holder"},
    "roster_columns": {"name", "id_number", "education", "title", "specialty", "post", "om_years"},
    "education": {"doctorate", "master", "bachelor", "college", "below"},
    "titles": {"full_senior", "senior", "intermediate", "junior", "none"},
    "title_series": {"accounting", "engineering"},
}


CertificateKey = Literal["software_copyright", "itss", "si_qualification", "patent", "management_system", "other"]


class KindWords(_Strict):
    """A document kind's words: the titles that name it, the markers its text must hold."""

    titles: list[str] = Field(min_length=1)
    markers: list[str]


class DocumentKindLabels(_Strict):
    """Attachments (certificates, business licences, contracts) told by their title; see
    ``labels.document_kinds`` in rules.yaml and ``extractors/classify.py``."""

    title_lines: int = Field(gt=0)
    max_title_chars: int = Field(gt=0)
    marker_pages: int = Field(gt=0)
    min_markers: int = Field(ge=0)
    form_min_fields: int = Field(gt=0)
    title_noise: list[str]
    prose_marks: list[str]
    form_titles: list[str]
    certificate: dict[CertificateKey, KindWords] = Field(min_length=1)
    business_license: KindWords
    contract: KindWords

    @field_validator("title_noise")
    @classmethod
    def _noise_compiles(cls, patterns: list[str]) -> list[str]:
        return _compiles(patterns)


# The fields of each certificate's record and of the licence's (pipeline/records.py), which the labels name.
_CERTIFICATE_FIELDS: dict[str, set[str]] = {
    "software_copyright": {"certificate_number", "registration_number", "software_name", "version", "holder",
                           "first_published", "completed", "registered"},
    "itss": {"number", "holder", "level", "validity", "valid_until", "issued", "issuer"},
    "si_qualification": {"number", "holder", "level", "validity", "valid_until", "issued", "issuer"},
    "business_license": {"name", "credit_code", "registration_number", "legal_representative", "registered_capital",
                         "founded", "term"},
}


class CertificateFieldLabels(_Strict):
    """The labels of each field of the certificates and the licence read into records; see
    ``labels.certificate_fields`` in rules.yaml and ``extractors/attachments/certificates.py``."""

    software_copyright: dict[str, list[str]]
    itss: dict[str, list[str]]
    si_qualification: dict[str, list[str]]
    business_license: dict[str, list[str]]
    other_labels: list[str] = Field(description="labels of fields not read (住所, 经营范围 …): a value ends there")
    levels: dict[int, list[str]] = Field(min_length=1, description="a level as a number, by the words that write it")
    unlimited_terms: list[str] = Field(description="an end of validity that is none (长期)")
    version_pattern: str = Field(description="a software version at the end of its name (V2.0)")
    holder_suffixes: list[str] = Field(description="a holder's name printed without a label ends so (有限公司)")
    column_gap: float = Field(gt=0, description="a gap inside a line this many character heights wide ends a value")
    below_lines: float = Field(gt=0, description="a value under its label lies within this many line heights")

    @field_validator("version_pattern")
    @classmethod
    def _version_compiles(cls, pattern: str) -> str:
        return _compiles([pattern])[0]

    @model_validator(mode="after")
    def _known_fields(self) -> CertificateFieldLabels:
        """A misspelt field would never be read: refuse it, naming it."""
        for group, allowed in _CERTIFICATE_FIELDS.items():
            keys = set(getattr(self, group))
            unknown, absent = sorted(keys - allowed), sorted(allowed - keys)
            if unknown or absent:
                raise ValueError(f"labels.certificate_fields.{group}: unknown fields {unknown}, "
                                 f"missing fields {absent}")
        return self

    def fields(self, group: str) -> dict[str, list[str]]:
        """The labels of ``group``'s fields (a certificate type, or ``business_license``)."""
        found: dict[str, list[str]] = getattr(self, group)
        return found

    def level_number(self, text: str) -> int | None:
        """The level a text writes (三级, 贰级, 成熟度三级, 3级) as a number by ``levels``; ``None`` when it writes none
        or two. The reader of a certificate and the checks that compare levels both ask here."""
        squeezed = unicodedata.normalize("NFKC", norm(text)).upper()
        words = sorted(((norm(w).upper(), n) for n, ws in self.levels.items() for w in ws), key=lambda t: -len(t[0]))
        seen: set[int] = set()
        for word, number in words:
            if word and word in squeezed:
                seen.add(number)
                squeezed = squeezed.replace(word, "|")
        return seen.pop() if len(seen) == 1 else None


ContractNature = Literal["om", "equipment", "software_development"]


class ContractFieldLabels(_Strict):
    """How contracts say their parties, amount, dates, subject and nature; see ``labels.contract_fields`` in
    rules.yaml and ``extractors/attachments/contracts.py``."""

    client_roles: list[str] = Field(min_length=1)
    provider_roles: list[str] = Field(min_length=1)
    party_noise: list[str]
    party_name_max_chars: int = Field(gt=1)
    number: list[str] = Field(min_length=1)
    amount: list[str] = Field(min_length=1)
    signed: list[str]
    signature: list[str]
    period: list[str]
    subject: list[str]
    content: list[str]
    nature: dict[ContractNature, list[str]] = Field(min_length=1, description="in order: the first whose words a "
                                                    "text holds decides; none: other")
    lookahead_lines: int = Field(ge=0)
    max_pages: int = Field(gt=0)

    @field_validator("party_noise")
    @classmethod
    def _noise_compiles(cls, patterns: list[str]) -> list[str]:
        return _compiles(patterns)

    @model_validator(mode="after")
    def _roles_apart(self) -> ContractFieldLabels:
        """A role word of both sides would make every party both: refuse it, naming it."""
        both = sorted(set(self.client_roles) & set(self.provider_roles))
        if both:
            raise ValueError(f"labels.contract_fields: role words of both client and provider: {both}")
        return self


class RosterLayout(_Strict):
    """How a roster's table is found on a sheet (extractors/office/roster_layout.py); see ``labels.roster_layout``."""

    header_rows: int = Field(gt=0)
    header_min_fields: int = Field(ge=2, description="roster fields a header names, 姓名 and 身份证号 among them")
    seq_column: list[str] = Field(min_length=1)
    footer_dates: list[str]
    blank_run_end: int = Field(gt=0)
    name_max_chars: int = Field(gt=1)
    pdf_pages: int = Field(default=200, gt=0, description="pages of a PDF looked at for a roster's table")

    @field_validator("footer_dates")
    @classmethod
    def _dates_compile(cls, patterns: list[str]) -> list[str]:
        return _compiles(patterns)


class FormLayout(_Strict):
    """How the 申报表 is told and found (extractors/office/form.py, pdf/form.py); see ``labels.form_layout``."""

    title_words: list[list[str]] = Field(min_length=1, description="the title holds a word of every group")
    pdf_pages: int = Field(gt=0, description="pages of a PDF whose ruled tables and lines are read as the form's")


class LabelMatching(_Strict):
    """How a label cell is matched with the synonyms (extractors/labels.py)."""

    max_extra_chars: int = Field(ge=0)  # characters a label may hold beyond its term (人员姓名, 现任职称)
    plain_units: list[str]  # units of counts and spans written in a label's brackets: （人）（年）（%）


class Labels(_Strict):
    """Label synonyms by group; see the comments in rules.yaml."""

    matching: LabelMatching

    statement_rows: dict[str, list[str]]
    statement_columns: dict[str, list[str]]
    statement_titles: dict[str, list[str]]
    om_revenue_lines: list[str]
    audit_opinions: dict[str, list[str]]
    statement_pdf: StatementPdfLabels
    form_fields: dict[str, list[str]]
    declared_revenue: dict[str, list[str]]
    project_columns: dict[str, list[str]]
    key_person_columns: dict[str, list[str]]
    key_person_roles: dict[str, list[str]]
    key_person_posts: dict[str, list[str]]
    key_person_own_years: dict[str, Literal["mgmt_years", "om_years", "other_years"]]
    software_columns: dict[str, list[str]]
    form_known_labels: list[str]
    form_blanks: list[str]
    form_none_words: list[str]
    form_total_markers: list[str]
    form_layout: FormLayout
    roster_columns: dict[str, list[str]]
    roster_total_markers: list[str]
    roster_footer_markers: list[str]
    roster_layout: RosterLayout
    education: dict[str, list[str]]
    titles: dict[str, list[str]]
    title_series: dict[str, list[str]]
    it_specialties: list[str]
    document_kinds: DocumentKindLabels
    contract_fields: ContractFieldLabels
    certificate_fields: CertificateFieldLabels

    @field_validator("form_blanks")
    @classmethod
    def _blanks_compile(cls, patterns: list[str]) -> list[str]:
        return _compiles(patterns)

    @model_validator(mode="after")
    def _known_keys(self) -> Labels:
        """A misspelt key in a synonym group would silently never match: refuse it, naming it."""
        for group, allowed in _LABEL_KEYS.items():
            keys = set(getattr(self, group))
            unknown, absent = sorted(keys - allowed), sorted(allowed - keys)
            if unknown or absent:
                raise ValueError(f"labels.{group}: unknown keys {unknown}, missing keys {absent}")
        if self.roster_layout.header_min_fields > len(self.roster_columns):
            raise ValueError(f"labels.roster_layout.header_min_fields: more than the {len(self.roster_columns)} "
                             "roster_columns (no header could name them)")
        return self


class CheckRule(_Strict):
    id: str
    title: str
    judged: bool
    relaxable: bool


class ConclusionChoice(_Strict):
    """One 评审结论 a reviewer may record: its stored code and the body's wording."""

    code: str = Field(pattern=r"^[a-z][a-z_]*$", max_length=32)
    label: str = Field(min_length=1)


class ReviewRules(_Strict):
    """What reviewers record and the work queue's words; see ``review`` in rules.yaml (omreview.conclusions)."""

    conclusions: list[ConclusionChoice] = Field(min_length=1)
    states: dict[Literal["open", "concluded"], str]
    open_items: dict[Literal["manual", "to_verify"], str]
    actions: dict[Literal["concluded", "reopened"], str]

    @model_validator(mode="after")
    def _distinct(self) -> ReviewRules:
        """Codes and labels name one conclusion each (a label is typed to choose one); every word is given."""
        for what in ("code", "label"):
            values = [getattr(c, what) for c in self.conclusions]
            if len(set(values)) != len(values):
                raise ValueError(f"conclusions: a {what} is listed twice")
        for group, keys in (("states", {"open", "concluded"}), ("open_items", {"manual", "to_verify"}),
                            ("actions", {"concluded", "reopened"})):
            if set(getattr(self, group)) != keys:
                raise ValueError(f"{group}: give a word for each of {sorted(keys)}")
        return self

    def conclusion(self, text: str) -> ConclusionChoice | None:
        """The conclusion a reviewer chose by its label (通过) or its code (approved); ``None``: no such one."""
        wanted = text.strip()
        return next((c for c in self.conclusions if wanted in (c.label, c.code)), None)

    def conclusion_label(self, code: str) -> str:
        """The wording of a stored conclusion code (the code itself if the rules no longer list it)."""
        return next((c.label for c in self.conclusions if c.code == code), code)


class ConverterRules(_Strict):
    """The converter of legacy and WPS office files (``extractors/office/convert.py``); see ``converter`` in
    rules.yaml. ``$OMREVIEW_SOFFICE`` overrides ``command``."""

    command: str = Field(default="soffice", min_length=1, description="LibreOffice: a name on PATH or a path")
    timeout_seconds: float = Field(default=120, gt=0, description="its whole process group is killed after this")


class Rules(_Strict):
    version: str
    default_application_date: dt.date
    fiscal_window_years: int = Field(gt=0)
    amounts: AmountRules
    identifiers: IdentifierRules
    limits: Limits
    intake: IntakeRules
    images: ImageRules = Field(default_factory=ImageRules)
    thresholds: Thresholds
    contract_linking: ContractLinking
    certificate_checks: CertificateChecks = Field(default_factory=CertificateChecks)
    converter: ConverterRules = Field(default_factory=ConverterRules)
    checks: list[CheckRule]
    review: ReviewRules
    labels: Labels

    @model_validator(mode="after")
    def _converter_within_the_reading(self) -> Rules:
        if self.converter.timeout_seconds >= self.limits.max_document_seconds:
            raise ValueError("converter.timeout_seconds must be smaller than limits.max_document_seconds "
                             "(the reading process would be stopped before the converter)")
        return self

    @field_validator("checks")
    @classmethod
    def _unique_ids(cls, checks: list[CheckRule]) -> list[CheckRule]:
        ids = [c.id for c in checks]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"check ids listed twice: {', '.join(dupes)}")
        return checks

    def fiscal_years(self, application_date: dt.date) -> list[int]:
        """The complete fiscal years before the application date's year (近三年)."""
        last = application_date.year - 1
        return list(range(last - self.fiscal_window_years + 1, last + 1))


def load_rules(path: Path = RULES_PATH) -> Rules:
    """Read and validate a rules file; any problem raises ``RulesError`` naming the rule."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"cannot read rules file {path}: {exc}") from exc
    try:
        return Rules.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise RulesError(f"invalid rules file {path}: {problems}") from exc


@cache
def default_rules() -> Rules:
    """The rules shipped with omreview, loaded once."""
    return load_rules()
