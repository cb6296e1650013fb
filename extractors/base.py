"""The contract between the pipeline and the extractors, and the registry of document kinds."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.model import DocumentKind
from pipeline.packet import PacketFile

_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
)


@dataclass(frozen=True)
class Extraction:
    """What reading one file produced: its kind, fiscal year, page count and any error."""

    kind: DocumentKind = DocumentKind.UNKNOWN
    fiscal_year: int | None = None
    pages: int | None = None
    ocr: bool = False
    error: str | None = None


def sniff_format(pf: PacketFile) -> str:
    """The container format from the first bytes: ``pdf``, ``zip`` (.docx/.xlsx), ``ole`` (.doc/.xls), ``other``."""
    with open(pf.path, "rb") as fh:
        head = fh.read(1024)
    stripped = head.lstrip()
    for magic, name in _MAGIC:
        if stripped.startswith(magic) or (name == "pdf" and magic in head):
            return name
    return "other"


def read_document(pf: PacketFile) -> Extraction:
    """Read one packet file. Content recognition per kind arrives with the extractors issue;
    until then every readable file is listed as ``unknown``."""
    if pf.error:
        return Extraction(error=pf.error)
    try:
        sniff_format(pf)
    except OSError as exc:
        return Extraction(error=f"cannot be read: {exc.strerror or exc}")
    return Extraction()
