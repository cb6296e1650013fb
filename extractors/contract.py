"""The contract between the pipeline and the readers: what reading one file returns.

A reader is a function ``(PacketFile, Rules) -> Extraction`` (``Reader``): it reads one file of a
packet, recognises its document kind from content and returns an ``Extraction`` (the kind, fiscal
year, page count and the typed record it read); a file it cannot read raises ``DocumentError`` with a
plain reason, which ``omreview.extractors.registry.read_document`` turns into ``Extraction(error=...)``.
This module imports no reader: every reader imports it, and the registry
(``omreview.extractors.registry``) imports the readers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from omreview.model import CertificateType, DocumentKind
from omreview.packet import PacketFile
from omreview.records import DocumentRecord
from omreview.rules import Rules


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
    # what was read, not what it gave (equal extractions of two copies of a file are equal):
    # the digest and size of the bytes read (None: not said, the listed ones stand)
    sha256: str | None = field(default=None, compare=False)
    size: int | None = field(default=None, compare=False)
    changed: bool = False  # the file changed while it was read (error CHANGED_WHILE_READ): it has no digest


# the error of a file that changed while it was read (twice): Extraction(error=CHANGED_WHILE_READ, changed=True)
CHANGED_WHILE_READ = "changed while being read; review it again once it is complete"

# a reader: one packet file (and the rules) in, what it read out; raises DocumentError for a bad file
Reader = Callable[[PacketFile, Rules], Extraction]
