"""The contract between the pipeline and the readers: what reading one file returns.

A reader is a function ``(PacketFile, Rules) -> Extraction`` (``Reader``): it reads one file of a
packet, recognises its document kind from content and returns an ``Extraction`` (the kind, fiscal
year, page count and the typed record it read). What could not be read is structured, never free text in a
record: ``Extraction.errors``, each a ``ReadError`` (a plain reason, and the pages it concerns when it
concerns only some), and the state they make, ``Extraction.status``:

- ``READ``: no error; everything the reader looks at was read;
- ``PARTIAL``: a record or a kind was read, but some pages were not (e.g. scanned pages while OCR is
  unavailable): the errors name them, and the report lists them (``Document.problems``);
- ``FAILED``: the file could not be read (an error concerning the whole file); the report's document is
  ``error`` with that reason.

A file a reader cannot read at all raises ``DocumentError`` with a plain reason, which
``omreview.extractors.registry.read_document`` turns into ``Extraction.failed(reason)``.
This module imports no reader: every reader imports it, and the registry
(``omreview.extractors.registry``) imports the readers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from omreview.model import CertificateType, DocumentKind
from omreview.packet import PacketFile
from omreview.records import DocumentRecord
from omreview.rules import Rules


class ReadStatus(StrEnum):
    """How far a file was read (``Extraction.status``)."""

    READ = "read"
    PARTIAL = "partial"
    FAILED = "failed"


@dataclass(frozen=True)
class ReadError:
    """What could not be read and why: ``reason`` in plain words; ``pages`` (1-based) when only those pages were
    not read, empty when the whole file was not."""

    reason: str
    pages: tuple[int, ...] = ()

    @property
    def whole_file(self) -> bool:
        return not self.pages


@dataclass(frozen=True)
class Extraction:
    """What reading one file produced: its kind, fiscal year, page count, record and what could not be read."""

    kind: DocumentKind = DocumentKind.UNKNOWN
    certificate_type: CertificateType | None = None
    fiscal_year: int | None = None
    pages: int | None = None
    ocr: bool = False
    errors: tuple[ReadError, ...] = ()
    record: DocumentRecord | None = None
    # what was read, not what it gave (equal extractions of two copies of a file are equal):
    # the digest and size of the bytes read (None: not said, the listed ones stand)
    sha256: str | None = field(default=None, compare=False)
    size: int | None = field(default=None, compare=False)
    changed: bool = False  # the file changed while it was read (error CHANGED_WHILE_READ): it has no digest

    @classmethod
    def failed(cls, reason: str, *, pages: int | None = None, changed: bool = False) -> Extraction:
        """A file that could not be read, for ``reason`` (plain words)."""
        return cls(pages=pages, errors=(ReadError(reason),), changed=changed)

    @property
    def status(self) -> ReadStatus:
        if any(e.whole_file for e in self.errors):
            return ReadStatus.FAILED
        return ReadStatus.PARTIAL if self.errors else ReadStatus.READ

    @property
    def error(self) -> str | None:
        """Why the file could not be read (the whole-file errors' reasons), ``None`` unless ``FAILED``."""
        reasons = [e.reason for e in self.errors if e.whole_file]
        return "; ".join(reasons) if reasons else None

    @property
    def problems(self) -> list[str]:
        """The parts not read of a file read in part (``PARTIAL``), one plain line each."""
        return [e.reason for e in self.errors if not e.whole_file]


# the error of a file that changed while it was read (twice): Extraction.failed(CHANGED_WHILE_READ, changed=True)
CHANGED_WHILE_READ = "changed while being read; review it again once it is complete"

# a reader: one packet file (and the rules) in, what it read out; raises DocumentError for a bad file
Reader = Callable[[PacketFile, Rules], Extraction]
