"""Office files: check the container, then hand it to the reader for its kind.

- .docx / .xlsx (zip): ``office.zip_guard.open_office`` checks the container from its headers, then the
  reader given for the kind reads it (``reader(by_kind)``; the registry, ``omreview.extractors.registry``,
  says which: this module imports no reader).
- OLE compound files: a password-protected Office file (any version: the encrypted package of a
  .docx/.xlsx is an OLE file) is refused with a reason; a legacy Word/Excel 97-2003 or WPS file (.doc,
  .xls, .wps, .et, whatever its name says) is converted to .docx/.xlsx by ``office.convert`` and the copy
  read by the reader given (``legacy(reader)``: the registry gives the .docx/.xlsx reader), its records'
  sources naming the original file and saying how it was converted.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import replace
from xml.etree.ElementTree import ParseError

from lxml.etree import XMLSyntaxError

from omreview.errors import DocumentError
from omreview.extractors.contract import Extraction, Reader
from omreview.extractors.office import convert
from omreview.extractors.office.zip_guard import OfficeKind, open_office
from omreview.packet import PacketFile
from omreview.rules import Rules

# Parse errors the Office libraries raise on a damaged part (the container itself was checked).
_DAMAGED_PART = (XMLSyntaxError, ParseError, zipfile.BadZipFile, zlib.error)

_OLE_ENTRY = 128  # a directory entry of a compound file; entries are 128-byte aligned in the file
_OLE_CHUNK = 1 << 20  # a multiple of _OLE_ENTRY, so no entry straddles two chunks
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_ENCRYPTED_NAME_LEN = (len("EncryptedPackage") + 1) * 2  # in bytes, with the terminating NUL


def reader(by_kind: Mapping[OfficeKind, Reader]) -> Reader:
    """The reader of .docx/.xlsx files: check the container, then read it with ``by_kind[its kind]``;
    a container of no known kind gives ``Extraction()``, a damaged part a ``DocumentError``."""

    def extract(pf: PacketFile, rules: Rules) -> Extraction:
        container = open_office(pf, rules)
        if container.kind is None:
            return Extraction()
        try:
            return by_kind[container.kind](pf, rules)
        except _DAMAGED_PART as exc:
            raise DocumentError(f"not a valid .{container.kind} file (a part is damaged: {_short(exc)})") from exc

    return extract


def legacy(read_modern: Reader) -> Reader:
    """The reader of OLE compound files: a password-protected one is refused; a Word-like or Excel-like one
    (``convert.legacy_kind``) is converted and the copy read by ``read_modern`` (the .docx/.xlsx reader), its
    records' sources saying so; another compound file gives ``Extraction()`` (of unknown kind)."""

    def extract(pf: PacketFile, rules: Rules) -> Extraction:
        if ole_is_encrypted(pf):
            raise DocumentError("password-protected (encrypted) Office file: please submit it without a password")
        kind = convert.legacy_kind(pf)
        if kind is None:
            return Extraction()
        with convert.converted_copy(pf, rules, kind) as (copy, note):
            found = read_modern(copy, rules)
        return replace(found, record=convert.noted(found.record, note)) if found.record is not None else found

    return extract


def ole_is_encrypted(pf: PacketFile) -> bool:
    """True if the compound file has a directory entry named ``EncryptedPackage`` (Office encryption)."""
    with open(pf.path, "rb") as fh:
        offset = 0
        while chunk := fh.read(_OLE_CHUNK):
            at = chunk.find(_ENCRYPTED_PACKAGE)
            while at != -1:
                entry = chunk[at : at + _OLE_ENTRY]
                if (offset + at) % _OLE_ENTRY == 0 and entry[64:66] == _ENCRYPTED_NAME_LEN.to_bytes(2, "little"):
                    return True
                at = chunk.find(_ENCRYPTED_PACKAGE, at + 1)
            offset += len(chunk)
    return False


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
