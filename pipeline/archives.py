"""Archives (.zip) an applicant sends: opened safely, their files joining the packet; and names as people read them.

A .zip in an applicant folder is not a document: its files are. ``expand`` unpacks it into the process's
private working folder (``workdir()``) and gives one ``Member`` per entry, named ``archive.zip!/inner/path``
(a zip inside it: ``a.zip!/b.zip!/c.pdf``); the packet lists them in place of the archive, under those names in
the report, the store, the dashboard and the exports. A whole submission sent as one .zip in the intake folder
is an applicant whose folder is the archive (``omreview.packet``). Nothing in an archive is trusted:

- **Limits** (``limits.archives`` in rules.yaml): entries, bytes unpacked in total (an archive inside another
  shares its budget), an entry's compression ratio, and nesting depth (an archive in an archive is opened, one
  level further is refused). Entry counts, sizes and ratios are read from the headers before anything is
  written: a zip bomb is refused at once; the bytes written are counted too.
- **Paths**: an entry's name is never a path on disk. Each entry is written as
  ``<working folder>/<archive>/<n>/<its base name>`` (the name made at most 255 bytes, its suffix kept), so
  nothing can land outside; an entry whose name would escape the archive (``..``, an absolute path, a drive
  letter), a symbolic link or a device, and a second entry of the same name are refused, each listed with its
  reason. Hidden entries and debris (``intake.ignored_names``: ``__MACOSX``, ``.DS_Store``) are skipped
  silently, as in folders.
- **GBK names**: an entry without the UTF-8 flag (bit 0x800), whose name Python decodes as cp437, is named
  by its Info-ZIP Unicode path field if it has a valid one, else by its bytes read as UTF-8 or, failing that,
  GB18030 (a superset of GBK, what Chinese Windows writes); cp437 is kept when neither reads them.
- A damaged, truncated, encrypted or over-limit archive is one entry of the packet with the reason
  (status ``error`` in the report); an entry whose own data is damaged is that entry's error.

An Office Open XML file (.docx, .xlsx) or an OpenDocument file is a zip too and is never unpacked (it has a
``[Content_Types].xml`` or ``mimetype`` member, or an Office suffix). .7z and .rar archives are not read (no
reader for them is installed): such a file is an error asking for a .zip.

**The working folder** is ``omreview-unpacked-<host>-<pid>-*`` in ``$OMREVIEW_UNPACK_DIR`` (else the system's
temporary folder), owner-only, one per process, removed when the process exits; folders left by a process that
was killed are removed by the next one on the same host. The reading processes and the flows' task workers
read the unpacked files there while the process that listed the packet lives (a Dask cluster on other
machines needs ``OMREVIEW_UNPACK_DIR`` on storage they share, as the intake is). An archive is unpacked once
per process and content (the same bytes listed again reuse the files). The originals are never written to.

**Names on disk** that are not UTF-8 (a Chinese Windows archive unpacked on Linux leaves GBK bytes, which
Python lists as surrogate escapes) are shown by ``shown_name``: decoded as GB18030 where the bytes are that,
else with the undecodable bytes escaped (``\\xb9``); the path used to open the file stays the real one.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import re
import shutil
import socket
import stat
import struct
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from omreview.rules import Rules

ArchiveKind = Literal["zip", "7z", "rar"]

SEPARATOR = "!/"  # between an archive's name and the path of a file inside it: a.zip!/申报表.docx
UNPACK_DIR_ENV = "OMREVIEW_UNPACK_DIR"
NOT_READ_7Z_RAR = "7z/RAR archives are not read: please send a .zip"

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OTHER_MAGIC: tuple[tuple[bytes, ArchiveKind], ...] = ((b"7z\xbc\xaf\x27\x1c", "7z"), (b"Rar!\x1a\x07", "rar"))
_SUFFIXES: dict[str, ArchiveKind] = {".zip": "zip", ".7z": "7z", ".rar": "rar"}
# zips that are documents, never unpacked (their content says so as well: _DOCUMENT_MEMBERS)
_DOCUMENT_SUFFIXES = frozenset({".docx", ".docm", ".dotx", ".xlsx", ".xlsm", ".xltx", ".pptx", ".odt", ".ods",
                                ".odp", ".ofd"})
_DOCUMENT_MEMBERS = ("[Content_Types].xml", "mimetype")
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_UNICODE_PATH_FIELD = 0x7075  # Info-ZIP Unicode Path Extra Field
_DRIVE = re.compile(r"^[A-Za-z]:")
_MAX_NAME_BYTES = 255  # a file name on Linux file systems
_MAX_DIRECTORY_ENTRY = 1024  # bytes; a real central-directory entry is 46 bytes plus a name of a few dozen
_CHUNK = 1 << 20
_PREFIX = "omreview-unpacked-"


@dataclass(frozen=True)
class Member:
    """One entry of an archive as the packet lists it: ``rel`` its name (``a.zip!/x/y.pdf``), ``path`` the
    unpacked copy (the archive itself where nothing was unpacked), ``error`` why it is not read."""

    rel: str
    path: Path
    size: int | None
    sha256: str | None
    error: str | None = None


@dataclass
class _Budget:
    """What is left to unpack of the outermost archive (those inside it count against it too)."""

    entries: int
    bytes: int


class _Refused(Exception):
    """The whole archive is not opened; the message says why."""


# --- names ------------------------------------------------------------------------------------------------------


def shown_name(name: str) -> str:
    """A name as the OS listed it (bytes that are not UTF-8 as surrogate escapes) as people read it: GBK/GB18030
    bytes decoded, other undecodable bytes escaped as ``\\xNN``; a UTF-8 name as it is."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def shown_path(rel: PurePosixPath | str) -> str:
    """A path with each of its parts ``shown_name``d (a folder in UTF-8 beside a file in GBK)."""
    parts = PurePosixPath(rel).parts
    return str(PurePosixPath(*(shown_name(part) for part in parts))) if parts else str(rel)


def entry_name(info: zipfile.ZipInfo) -> str:
    """The name of a zip entry as its writer meant it (see the module's docstring: the UTF-8 flag, the Unicode
    path field, then UTF-8 or GB18030 bytes), with backslashes as separators."""
    name = info.filename
    if not info.flag_bits & _UTF8_FLAG:
        raw = info.orig_filename.encode("cp437", "replace")
        name = _unicode_path(info.extra, raw) or _decoded(raw) or name
    return name.replace("\\", "/")


def _decoded(raw: bytes) -> str | None:
    if raw.isascii():
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _unicode_path(extra: bytes, raw: bytes) -> str | None:
    """The UTF-8 name of an Info-ZIP Unicode Path field (0x7075) whose CRC is that of the header's name."""
    at = 0
    while at + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, at)
        data = extra[at + 4 : at + 4 + size]
        at += 4 + size
        if kind == _UNICODE_PATH_FIELD and len(data) > 5 and data[0] == 1:
            (crc,) = struct.unpack_from("<I", data, 1)
            if crc == zlib.crc32(raw):
                try:
                    return data[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
    return None


def _escapes(name: str) -> str | None:
    """Why an entry's (normalised) name would lead outside the archive, or ``None``."""
    if name.startswith("/"):
        return "its name is an absolute path, which would lead outside the archive; not unpacked"
    if _DRIVE.match(name):
        return "its name starts with a drive letter, which would lead outside the archive; not unpacked"
    if ".." in name.split("/"):
        return "its name contains '..', which would lead outside the archive; not unpacked"
    return None


def unique(rel: str, taken: set[str]) -> str:
    """``rel``, or ``name (2).pdf``, ``name (3).pdf``, … if a packet already lists that name (two entries of an
    archive alike, a GBK name that reads as a UTF-8 one beside it): every file keeps a name of its own."""
    if rel not in taken:
        taken.add(rel)
        return rel
    path = PurePosixPath(rel)
    n = 2
    while (candidate := str(path.with_name(f"{path.stem} ({n}){path.suffix}"))) in taken:
        n += 1
    taken.add(candidate)
    return candidate


def disk_name(name: str) -> str:
    """A base name fit for the disk: at most 255 bytes in UTF-8, its suffix kept (the report keeps the whole)."""
    name = name.replace("\0", "") or "_"
    if name in (".", ".."):
        name = "_"
    if len(name.encode("utf-8", "surrogateescape")) <= _MAX_NAME_BYTES:
        return name
    suffix = PurePosixPath(name).suffix
    if len(suffix.encode("utf-8", "surrogateescape")) > 32:
        suffix = ""
    stem = name[: len(name) - len(suffix)]
    room = _MAX_NAME_BYTES - len(suffix.encode("utf-8", "surrogateescape"))
    while len(stem.encode("utf-8", "surrogateescape")) > room:
        stem = stem[:-1]
    return stem + suffix


# --- telling an archive ---------------------------------------------------------------------------------------


def archive_kind(path: Path, name: str) -> ArchiveKind | None:
    """Whether the file at ``path`` (named ``name``) is an archive to open: by its first bytes, then its name.

    A zip that is a document (Office Open XML, OpenDocument: by its members or its suffix) is not; a file
    named .zip/.7z/.rar whose content is not one is (opening it then says it is damaged)."""
    suffix = PurePosixPath(name).suffix.lower()
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return None
    for magic, kind in _OTHER_MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(_ZIP_MAGIC):
        if suffix in _DOCUMENT_SUFFIXES:
            return None
        return None if _is_document_zip(path) else "zip"
    return _SUFFIXES.get(suffix)


def _is_document_zip(path: Path) -> bool:
    """Whether a zip is an Office or OpenDocument file (its central directory is read only if small enough)."""
    try:
        entries, size = _directory_size(path)
        if entries > 1_000_000 or size > 64 << 20:  # a directory that large: no document, and not read here
            return False
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return False
    return any(member in names for member in _DOCUMENT_MEMBERS)


def _directory_size(path: Path) -> tuple[int, int]:
    """The entry count and central-directory size the end record declares (before ``ZipFile`` builds it)."""
    # private to zipfile (so not in its type stubs either); extractors/office/zip_guard.py uses them too
    end_record = getattr(zipfile, "_EndRecData", None)
    entries_at, size_at = getattr(zipfile, "_ECD_ENTRIES_TOTAL", None), getattr(zipfile, "_ECD_SIZE", None)
    if end_record is None or entries_at is None or size_at is None:
        return 0, 0  # a future Python without them: the entry count is still checked after opening
    with open(path, "rb") as fh:
        end = end_record(fh)
    if end is None:
        raise zipfile.BadZipFile("no end of central directory")
    return int(end[entries_at]), int(end[size_at])


# --- unpacking --------------------------------------------------------------------------------------------------


def expand(rel: str, path: Path, sha256: str, size: int, kind: ArchiveKind, rules: Rules) -> list[Member]:
    """The members of the archive ``rel`` (at ``path``, of content ``sha256``): its files unpacked, refused
    entries with their reasons; or the archive alone with the reason it is not opened."""
    limits = rules.limits.archives
    budget = _Budget(entries=limits.max_entries, bytes=limits.max_unpacked_bytes)
    with _LOCK:  # threads of one process (a flow's task runner) share its working folder
        return _expand(rel, path, sha256, size, kind, rules, 1, budget)


def _expand(rel: str, path: Path, sha256: str, size: int, kind: ArchiveKind, rules: Rules, depth: int,
            budget: _Budget) -> list[Member]:
    if kind != "zip":
        return [Member(rel, path, size, sha256, NOT_READ_7Z_RAR)]
    limits = rules.limits.archives
    if depth > limits.max_depth:
        deep = f"archive inside archives {depth - 1} levels deep (the limit is {limits.max_depth}); not opened"
        return [Member(rel, path, size, sha256, deep)]
    folder = workdir()
    key = _cache_key(sha256, depth, rules)
    cached = _UNPACKED.get(key)
    if cached is None:
        target = folder / f"{sha256[:32]}-{depth}-{key[-8:]}"
        shutil.rmtree(target, ignore_errors=True)  # left half-written by an earlier failure
        try:
            cached = _unpack(path, size, target, rules, depth, budget)
        except (_Refused, OSError) as exc:
            shutil.rmtree(target, ignore_errors=True)
            reason = str(exc) if isinstance(exc, _Refused) else f"could not be unpacked: {exc.strerror or exc}"
            return [Member(rel, path, size, sha256, reason)]
        _UNPACKED[key] = cached
    return [Member(f"{rel}{SEPARATOR}{m.rel}", m.path, m.size, m.sha256, m.error) for m in cached]


def _cache_key(sha256: str, depth: int, rules: Rules) -> str:
    settings = (rules.limits.archives.model_dump_json() + repr(rules.intake.ignored_names)
                + str(rules.limits.max_file_bytes))
    return f"{sha256}-{depth}-" + hashlib.sha256(settings.encode()).hexdigest()[:8]


_UNPACKED: dict[str, list[Member]] = {}  # by archive content, depth and limits: unpacked once per process


def _unpack(path: Path, size: int, target: Path, rules: Rules, depth: int, budget: _Budget) -> list[Member]:
    """Check the archive from its headers, then unpack its entries into ``target`` (names relative to it)."""
    try:
        _check_directory(path, budget)
        with zipfile.ZipFile(path) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            _check_headers(infos, size, rules, budget)
            # in the order a folder of these files is listed (by name, folder by folder); stable for duplicates
            infos.sort(key=lambda i: tuple(entry_name(i).split("/")))
            target.mkdir(mode=0o700, parents=True, exist_ok=True)
            members: list[Member] = []
            seen: set[str] = set()
            for n, info in enumerate(infos):
                members.extend(_entry(zf, info, n, path, target, rules, depth, budget, seen))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise _Refused("damaged or truncated archive (not a readable .zip): please send it again") from exc
    if not members:
        raise _Refused("the archive holds no files")
    names: set[str] = set()
    return [Member(unique(m.rel, names), m.path, m.size, m.sha256, m.error) for m in members]


def _check_directory(path: Path, budget: _Budget) -> None:
    entries, size = _directory_size(path)
    if entries > budget.entries or size > budget.entries * _MAX_DIRECTORY_ENTRY:
        raise _Refused(f"the archive has too many entries ({entries:,}; the limit is {budget.entries:,}); not opened")


def _check_headers(infos: list[zipfile.ZipInfo], size: int, rules: Rules, budget: _Budget) -> None:
    """Refuse the whole archive for what its headers declare: too many entries, encryption, a zip bomb."""
    limits = rules.limits.archives
    if len(infos) > budget.entries:
        raise _Refused(f"the archive has too many entries ({len(infos):,}; the limit is {budget.entries:,}); "
                       "not opened")
    if any(i.flag_bits & _ENCRYPTED_FLAG for i in infos):
        raise _Refused("password-protected (encrypted) archive: please send it without a password")
    total = sum(i.file_size for i in infos)
    if total > budget.bytes:
        raise _Refused(f"the archive would unpack to {_mb(total)}, more than the {_mb(budget.bytes)} left of the "
                       f"{_mb(limits.max_unpacked_bytes)} limit (a zip bomb?); not opened")
    for info in infos:
        if info.file_size >= limits.ratio_min_bytes and info.file_size > info.compress_size * limits.max_ratio:
            ratio = info.file_size / max(info.compress_size, 1)
            raise _Refused(f"an entry is compressed {ratio:,.0f} to 1, typical of a zip bomb (the limit is "
                           f"{limits.max_ratio} to 1); not opened")
    if total >= limits.ratio_min_bytes and total > max(size, 1) * limits.max_ratio:
        raise _Refused(f"the archive is compressed {total / max(size, 1):,.0f} to 1, typical of a zip bomb (the "
                       f"limit is {limits.max_ratio} to 1); not opened")
    budget.entries -= len(infos)


def _entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, n: int, archive: Path, target: Path, rules: Rules,
           depth: int, budget: _Budget, seen: set[str]) -> list[Member]:
    """One entry: refused with its reason (named as written, at the archive's path), skipped (debris), or
    unpacked into ``target/<n>/`` (and opened, if it is an archive)."""
    name = entry_name(info)
    refused = _escapes(name)
    parts = [p for p in name.split("/") if p not in ("", ".")]
    clean = "/".join(parts)
    if refused is not None:
        return [Member(name, archive, info.file_size, None, refused)]
    if not parts or name.endswith("/") or any(rules.intake.ignored(p) for p in parts):
        return []  # a folder (written with backslashes), hidden or debris
    refused = _special(info) or (f"a second entry named {clean!r} in the archive (listed with a number added); "
                                 "not unpacked" if clean in seen else None)
    if refused is not None:
        return [Member(clean, archive, info.file_size, None, refused)]
    seen.add(clean)
    if info.file_size > rules.limits.max_file_bytes:
        limit_mb = rules.limits.max_file_bytes / 1_048_576
        too_large = f"file is larger than the {limit_mb:.0f} MB limit; not read"
        return [Member(clean, archive, info.file_size, None, too_large)]
    folder = target / str(n)
    path = folder / disk_name(parts[-1])
    try:
        digest, written = _write(zf, info, folder, path, budget)
    except _Refused:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        return [Member(clean, archive, info.file_size, None,
                       f"damaged inside the archive ({_short(exc)}); not read")]
    except NotImplementedError as exc:  # a compression method zipfile cannot read (deflate64, LZMA variants)
        return [Member(clean, archive, info.file_size, None,
                       f"compressed in a way that cannot be read ({_short(exc)}): please send a plain .zip")]
    if written == 0:
        return [Member(clean, path, 0, digest, "empty file (0 bytes)")]
    kind = archive_kind(path, clean)
    if kind is None:
        return [Member(clean, path, written, digest)]
    return _expand(clean, path, digest, written, kind, rules, depth + 1, budget)


def _special(info: zipfile.ZipInfo) -> str | None:
    """Why an entry that is not a regular file (a symbolic link, a device: Unix modes) is not unpacked."""
    kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0  # 3: Unix
    if kind == stat.S_IFLNK:
        return "a symbolic link inside the archive; not followed"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):  # many writers leave the type out: a file
        return "not a regular file (a device or a pipe) inside the archive; not unpacked"
    return None


def _write(zf: zipfile.ZipFile, info: zipfile.ZipInfo, folder: Path, path: Path, budget: _Budget) -> tuple[str, int]:
    """Unpack one entry to ``path`` (a new file, owner-only), hashing it; its bytes count against the budget."""
    folder.mkdir(mode=0o700, exist_ok=True)
    digest = hashlib.sha256()
    written = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as out, zf.open(info) as src:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > budget.bytes or written > info.file_size:
                raise _Refused("the archive unpacks to more than its headers declare (a zip bomb?); not opened")
            digest.update(chunk)
            out.write(chunk)
    budget.bytes -= written
    return digest.hexdigest(), written


def _mb(size: int) -> str:
    return f"{size / 1_048_576:,.0f} MB"


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


# --- the working folder -----------------------------------------------------------------------------------------


@dataclass
class _Workdir:
    path: Path | None = None
    owner: int = 0


_WORKDIR = _Workdir()
_LOCK = threading.RLock()


def _new_lock() -> None:
    global _LOCK
    _LOCK = threading.RLock()  # a forked child: another thread of its parent may have held it


os.register_at_fork(after_in_child=_new_lock)


def workdir() -> Path:
    """This process's private working folder for unpacked archives (made on first use, removed at exit)."""
    with _LOCK:
        return _workdir()


def _workdir() -> Path:
    pid = os.getpid()
    if _WORKDIR.path is None or _WORKDIR.owner != pid or not _WORKDIR.path.is_dir():
        base = Path(os.environ.get(UNPACK_DIR_ENV) or tempfile.gettempdir())
        base.mkdir(parents=True, exist_ok=True)
        _prune_stale(base)
        _WORKDIR.path = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{_host()}-{pid}-", dir=base))
        _WORKDIR.owner = pid
        _UNPACKED.clear()  # a forked child's copy of its parent's list names the parent's folder
        atexit.register(_remove, _WORKDIR.path, pid)
    return _WORKDIR.path


def _remove(path: Path, owner: int) -> None:
    if os.getpid() == owner:  # never a forked child's doing: the folder is its parent's
        shutil.rmtree(path, ignore_errors=True)


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", socket.gethostname())[:32] or "host"


def _prune_stale(base: Path) -> None:
    """Remove the working folders of processes on this host that are gone (killed before they could)."""
    mine = f"{_PREFIX}{_host()}-"
    for folder in _listing(base):
        if not folder.name.startswith(mine):
            continue
        pid_text = folder.name[len(mine):].split("-", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            if folder.lstat().st_uid == os.getuid() and stat.S_ISDIR(folder.lstat().st_mode):
                shutil.rmtree(folder, ignore_errors=True)


def _listing(base: Path) -> Iterator[Path]:
    try:
        with os.scandir(base) as it:
            yield from (Path(e.path) for e in it if e.name.startswith(_PREFIX))
    except OSError:
        return


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
