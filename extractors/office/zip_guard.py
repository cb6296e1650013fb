"""Check an Office Open XML container (.docx, .xlsx) before python-docx or openpyxl touch it.

Everything here reads zip headers (``ZipInfo``) or streams parts in bounded chunks; nothing is
unpacked into memory whole. Refused, with a plain reason: not a zip or a damaged one, too many
parts, an unpacked size or compression ratio typical of zip bombs, password-protected parts, and
any XML part carrying a DTD (``<!DOCTYPE`` / ``<!ENTITY``: billion laughs, external entities;
Office never writes one). A sound zip that is neither a .docx nor an .xlsx is of unknown kind,
not an error.

The declared sizes can be trusted as upper bounds: Python's ``zipfile`` (which python-docx and
openpyxl use) never returns more bytes than a header declares, and fails on the CRC instead.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from typing import Literal

from omreview.errors import DocumentError
from omreview.packet import PacketFile
from omreview.rules import Rules

OfficeKind = Literal["docx", "xlsx"]

_MAIN_PARTS: tuple[tuple[str, OfficeKind], ...] = (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"))
_CHUNK = 1 << 20
_DTD_MARKERS = tuple(
    word.encode(enc) for word in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be")
)
_OVERLAP = max(len(m) for m in _DTD_MARKERS) - 1
# Parts neither python-docx nor openpyxl parse as XML (unless [Content_Types].xml says otherwise).
_OPAQUE_SUFFIXES = (
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".svg", ".wdp", ".jxr", ".ico",
    ".bin", ".docx", ".xlsx", ".pptx", ".docm", ".xlsm", ".pdf", ".odt", ".ods",
)
_CONTENT_TYPES = "[Content_Types].xml"
_CONTENT_TYPES_READ = 1 << 20
_OVERRIDE = re.compile(rb"<Override\b[^>]*>")
_PART_NAME = re.compile(rb'PartName\s*=\s*["\']/?([^"\']+)')
_XML_TYPE = re.compile(rb'ContentType\s*=\s*["\'][^"\']*xml', re.IGNORECASE)
_MAX_DIRECTORY_ENTRY = 1024  # bytes; a real central-directory entry is 46 bytes plus a name of a few dozen
_DAMAGED = "not a valid .docx/.xlsx file (the zip container is damaged or truncated)"


@dataclass(frozen=True)
class OfficeContainer:
    """A container that passed every check; ``kind`` is ``None`` for a zip that is not .docx/.xlsx."""

    kind: OfficeKind | None
    entries: int
    unpacked_bytes: int


def open_office(pf: PacketFile, rules: Rules) -> OfficeContainer:
    """Check the container of ``pf``; raise ``DocumentError`` with a plain reason if it is unsafe or broken."""
    try:
        _check_directory_size(pf, rules)
        with zipfile.ZipFile(pf.path) as zf:
            infos = zf.infolist()
            _check_headers(infos, rules)
            names = {i.filename for i in infos}
            kind = next((k for part, k in _MAIN_PARTS if part in names), None)
            if kind is not None:
                _check_xml_parts(zf, infos)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as exc:
        raise DocumentError(_DAMAGED) from exc
    except NotImplementedError as exc:  # a compression method zipfile cannot read (e.g. deflate64)
        raise DocumentError(f"not a valid .docx/.xlsx file ({exc})") from exc
    return OfficeContainer(kind=kind, entries=len(infos), unpacked_bytes=sum(i.file_size for i in infos))


def _check_directory_size(pf: PacketFile, rules: Rules) -> None:
    """Refuse a central directory too large for ``max_zip_entries`` before ``ZipFile`` builds it in memory.

    Uses zipfile's own end-of-directory reader, so the sizes checked are the ones it will use.
    """
    # private to zipfile (so not in its type stubs either)
    end_record = getattr(zipfile, "_EndRecData", None)
    entries_at, size_at = getattr(zipfile, "_ECD_ENTRIES_TOTAL", None), getattr(zipfile, "_ECD_SIZE", None)
    if end_record is None or entries_at is None or size_at is None:
        return  # a future Python without them: the entry count is still checked after opening
    with open(pf.path, "rb") as fh:
        end = end_record(fh)
    if end is None:
        raise zipfile.BadZipFile("no end of central directory")
    entries, size = end[entries_at], end[size_at]
    limit = rules.limits.max_zip_entries
    if entries > limit or size > limit * _MAX_DIRECTORY_ENTRY:
        shown = f"{entries:,}" if entries > limit else f"a {_mb(size)} directory"
        raise DocumentError(f"the file has too many parts ({shown}; the limit is {limit:,}); not read")


def _check_headers(infos: list[zipfile.ZipInfo], rules: Rules) -> None:
    limits = rules.limits
    if len(infos) > limits.max_zip_entries:
        raise DocumentError(
            f"the file has too many parts ({len(infos):,}; the limit is {limits.max_zip_entries:,}); not read"
        )
    if any(i.flag_bits & 0x1 for i in infos):
        raise DocumentError("password-protected (encrypted) zip: please submit the file without a password")
    total = sum(i.file_size for i in infos)
    if total > limits.max_zip_unpacked_bytes:
        raise DocumentError(
            f"the file would unpack to {_mb(total)}, more than the {_mb(limits.max_zip_unpacked_bytes)} limit "
            "(a zip bomb?); not read"
        )
    for info in infos:
        if info.file_size >= limits.zip_ratio_min_bytes and info.file_size > info.compress_size * limits.max_zip_ratio:
            ratio = info.file_size / max(info.compress_size, 1)
            raise DocumentError(
                f"part {info.filename!r} is compressed {ratio:,.0f} to 1, typical of a zip bomb "
                f"(the limit is {limits.max_zip_ratio} to 1); not read"
            )


def _check_xml_parts(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    by_name = {i.filename: i for i in infos}
    declared_xml: set[str] = set()
    if _CONTENT_TYPES in by_name:
        _refuse_dtd(zf, by_name[_CONTENT_TYPES])
        with zf.open(by_name[_CONTENT_TYPES]) as fh:
            declared_xml = _xml_overrides(fh.read(_CONTENT_TYPES_READ))
    for info in infos:
        if info.is_dir() or info.filename == _CONTENT_TYPES:
            continue
        if info.filename.lower().endswith(_OPAQUE_SUFFIXES) and info.filename not in declared_xml:
            continue
        _refuse_dtd(zf, info)


def _xml_overrides(content_types: bytes) -> set[str]:
    """Part names that [Content_Types].xml declares as XML, whatever their extension."""
    names: set[str] = set()
    for tag in _OVERRIDE.findall(content_types):
        name = _PART_NAME.search(tag)
        if name and _XML_TYPE.search(tag):
            names.add(name.group(1).decode("utf-8", "replace"))
    return names


def _refuse_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Stream one part in bounded chunks, looking for a DTD across chunk boundaries."""
    tail = b""
    with zf.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            window = tail + chunk
            if any(marker in window for marker in _DTD_MARKERS):
                raise DocumentError(
                    f"part {info.filename!r} contains an XML DTD (<!DOCTYPE or <!ENTITY), which Office never "
                    "writes and which can be used to attack the reader; not read"
                )
            tail = window[-_OVERLAP:]


def _mb(size: int) -> str:
    return f"{size / 1_048_576:,.0f} MB"
