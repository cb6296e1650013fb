"""The registry of readers: which reader reads which container format, and the one way to read a file.

``READERS`` maps each container format to its reader (the contract a reader keeps, ``Reader`` and
``Extraction``, is ``omreview.extractors.contract``). ``read_document`` is the only entry point: it
sniffs the container format from the first bytes (never the file name), hands the file to the reader
for that format, and turns every
``DocumentError`` into an ``Extraction`` with a plain reason. The readers recognise the document
kind from content; a PDF or .docx that its reader took for none of its kinds is then told apart as an
attachment (certificate, business licence, contract) by ``classify``.

What is read is what is reported: ``read_document`` opens the file once, hashes it through that open
file, lets the reader read that same open file (through a symbolic link of the file's own name, in a
private temporary folder, to ``/proc/self/fd/N``: it reaches the same inode even if the name is
replaced meanwhile, and libraries that go by the name's suffix, as openpyxl does, see it) and then
hashes it again and checks that its name still leads to that inode (pypdfium2 resolves the link back
to the original name and opens that). Both hold: the
extraction carries the digest (and so do its records' sources), whatever the file held when the
folder was listed. Either fails: the file was written to or replaced while it was read; it is read
once more, and if that happens again it is an error (``CHANGED_WHILE_READ``, no digest).

Why not read the file into memory, or copy it: files may be as large as ``limits.max_file_bytes``,
several are read at once (each in a reading process under a memory cap), and a readers' library wants
a path; hashing twice reads the file twice at 1 MB at a time from the page cache, which costs far less
than parsing it, holds no memory and needs no scratch disk.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from omreview.errors import DocumentError
from omreview.extractors import classify
from omreview.extractors.attachments import certificates, contracts
from omreview.extractors.contract import CHANGED_WHILE_READ, Extraction, Reader
from omreview.extractors.ocr import images
from omreview.extractors.office import container as office
from omreview.extractors.office import form as form_docx
from omreview.extractors.office import roster as roster_xlsx
from omreview.extractors.pdf import guard as pdf_guard
from omreview.extractors.pdf import statement as statement_pdf
from omreview.model import DocumentKind
from omreview.packet import PacketFile, sha256_of
from omreview.records import DocumentRecord
from omreview.rules import Rules, default_rules

__all__ = ["CHANGED_WHILE_READ", "READERS", "Extraction", "Reader", "read_document", "sniff_format"]

_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
)


_PROC_FD = Path("/proc/self/fd")



def sniff_format(pf: PacketFile) -> str:
    """The container format from the first bytes: ``pdf``, ``zip`` (.docx/.xlsx), ``ole`` (.doc/.xls), ``image``
    (JPEG, PNG, TIFF, BMP, HEIC), ``other``."""
    with open(pf.path, "rb") as fh:
        head = fh.read(1024)
    if images.image_type(head):
        return "image"
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


def _attachment_record(pf: PacketFile, rules: Rules, found: classify.Classified) -> DocumentRecord | None:
    """The record of a .docx told an attachment: a contract's contracts, a certificate's or licence's fields."""
    if found.kind is DocumentKind.CONTRACT:
        return contracts.read_docx(pf, rules, found)
    return certificates.read_docx(pf, rules, found)


# a .docx/.xlsx goes to the reader of its kind (office.reader), a .docx of no kind is told an attachment
_OFFICE = classify.attachments(office.reader({"docx": form_docx.extract, "xlsx": roster_xlsx.extract}),
                               classify.docx_kind, _attachment_record)

# container format (sniff_format) -> its reader
READERS: dict[str, Reader] = {
    "pdf": pdf_guard.guarded(statement_pdf.extract),  # which tells attachments itself (classify_pdf)
    "zip": _OFFICE,
    "ole": office.legacy(_OFFICE),  # .doc/.xls/.wps/.et: converted (office.convert), the copy read as .docx/.xlsx
    "image": images.extract,  # read as scanned pages, by the PDF reader
    "other": _other,
}


def read_document(pf: PacketFile, rules: Rules | None = None) -> Extraction:
    """Read one packet file; never raises for a bad file. The extraction's ``sha256`` is that of the bytes
    read; a file that changes while it is read is read once more, then is ``CHANGED_WHILE_READ``."""
    rules = rules or default_rules()
    if pf.error:
        return Extraction.failed(pf.error)
    try:
        for _ in range(2):
            with open(pf.path, "rb") as fh:
                found = _read_pinned(pf, fh, rules)
            if found is not None:
                return found
    except OSError as exc:
        return Extraction.failed(f"cannot be read: {exc.strerror or exc}")
    return Extraction.failed(CHANGED_WHILE_READ, changed=True)


def _read_pinned(pf: PacketFile, fh: BinaryIO, rules: Rules) -> Extraction | None:
    """Read the open file ``fh`` between two digests of it; ``None`` if they differ (it was written to)."""
    size = os.fstat(fh.fileno()).st_size
    before = sha256_of(fh)
    if size > rules.limits.max_file_bytes:  # grew past the limit since it was listed
        limit_mb = rules.limits.max_file_bytes / 1_048_576
        found = Extraction.failed(f"file is larger than the {limit_mb:.0f} MB limit; not read")
    elif size == 0:
        found = Extraction.failed("empty file (0 bytes)")
    elif not _PROC_FD.is_dir():  # without /proc, the checks below guard the read alone
        found = _read_as(replace(pf, sha256=before, size=size), rules)
    else:
        with tempfile.TemporaryDirectory(prefix="omreview-read-") as private:
            pinned = Path(private) / pf.path.name
            pinned.symlink_to(_PROC_FD / str(fh.fileno()))
            found = _read_as(replace(pf, path=pinned, sha256=before, size=size), rules)
    if not _same_file(fh, pf.path) or sha256_of(fh) != before:
        return None
    return replace(found, sha256=before, size=size)


def _same_file(fh: BinaryIO, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fh`` (it was not replaced, moved or deleted)."""
    try:
        named = os.stat(path)
    except OSError:
        return False
    pinned = os.fstat(fh.fileno())
    return (named.st_dev, named.st_ino) == (pinned.st_dev, pinned.st_ino)


def _read_as(pf: PacketFile, rules: Rules) -> Extraction:
    try:
        return READERS[sniff_format(pf)](pf, rules)
    except DocumentError as exc:
        return Extraction.failed(str(exc))
    except OSError as exc:
        return Extraction.failed(f"cannot be read: {exc.strerror or exc}")
