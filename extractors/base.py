"""The contract between the pipeline and the extractors, and the registry of readers by format.

``read_document`` is the only entry point: it sniffs the container format from the first bytes
(never the file name), hands the file to the reader for that format, and turns every
``DocumentError`` into an ``Extraction`` with a plain reason. The readers recognise the document
kind from content; a PDF or .docx that its reader took for none of its kinds is then told apart as an
attachment (certificate, business licence, contract) by ``classify``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from pipeline.errors import DocumentError
from pipeline.model import CertificateType, DocumentKind
from pipeline.packet import PacketFile
from pipeline.records import DocumentRecord
from pipeline.rules import Rules, default_rules

_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
)


@dataclass(frozen=True)
class Extraction:
    """What reading one file produced: its kind, fiscal year, page count, record and any error."""

    kind: DocumentKind = DocumentKind.UNKNOWN
    certificate_type: CertificateType | None = None
    fiscal_year: int | None = None
    pages: int | None = None
    ocr: bool = False
    error: str | None = None
    record: DocumentRecord | None = None


Reader = Callable[[PacketFile, Rules], Extraction]


def sniff_format(pf: PacketFile) -> str:
    """The container format from the first bytes: ``pdf``, ``zip`` (.docx/.xlsx), ``ole`` (.doc/.xls), ``other``."""
    with open(pf.path, "rb") as fh:
        head = fh.read(1024)
    for magic, name in _MAGIC:
        if head.lstrip().startswith(magic) or (name == "pdf" and magic in head):
            return name
    return "other"


# Names that promise a format the content does not have are refused; other files are of unknown kind.
_CLAIMED = {".pdf": "PDF", ".docx": "Word", ".xlsx": "Excel", ".doc": "Word", ".xls": "Excel"}


def _other(pf: PacketFile, rules: Rules) -> Extraction:
    suffix = PurePosixPath(pf.rel).suffix.lower()
    if suffix in _CLAIMED:
        raise DocumentError(
            f"not a valid {suffix} file: its content is not a {_CLAIMED[suffix]} document "
            "(damaged, or another format renamed)"
        )
    return Extraction()


def _readers() -> dict[str, Reader]:
    from extractors import classify, office, pdf_guard, statement_pdf

    return {
        "pdf": pdf_guard.guarded(statement_pdf.extract),  # which tells attachments itself (classify_pdf)
        "zip": classify.attachments(office.extract, classify.docx_kind),
        "ole": office.extract_ole,
        "other": _other,
    }


def read_document(pf: PacketFile, rules: Rules | None = None) -> Extraction:
    """Read one packet file; never raises for a bad file."""
    rules = rules or default_rules()
    if pf.error:
        return Extraction(error=pf.error)
    try:
        return _readers()[sniff_format(pf)](pf, rules)
    except DocumentError as exc:
        return Extraction(error=str(exc))
    except OSError as exc:
        return Extraction(error=f"cannot be read: {exc.strerror or exc}")
