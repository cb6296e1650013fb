"""Load one applicant folder (a packet): every file listed, hashed and opened read-only.

A folder that is missing, not a folder or empty is the caller's mistake (``InputError``). A bad
entry inside the folder (an empty file, an unreadable one, a symbolic link pointing outside, a
named pipe) is recorded on that file with a plain reason; the rest of the packet goes on.
Originals are only ever opened with mode ``rb``.

Hidden entries and OS or Office debris (``.DS_Store``, ``__MACOSX``, ``Thumbs.db``, ``~$`` lock files:
``intake.ignored_names`` in rules.yaml) are neither applicants nor documents: they are skipped
silently, at any depth.

A .zip in the folder is opened (``omreview.archives``): its files join the packet as
``archive.zip!/inner/path``, unpacked into a private working folder; a damaged, encrypted or hostile one
is one entry with the reason, as a .7z or .rar is. A .zip in the intake folder is an applicant of its
own, whose folder is the archive (its id the archive's name without ``.zip``), unless a folder of the
same id is there too (then it is a loose entry). A name that is not UTF-8 on disk (GBK bytes) is listed
as ``omreview.archives.shown_name`` shows it, and opened by its real name.

The digest listed here is the file's content when the folder was listed. The one a report states is
taken again over the very bytes its reader read (``omreview.extractors.registry.read_document``), and the packet
hash stored with a report is made of those (``packet_hash(packet, read)``): a file changed between
listing and reading is never reported under the digest of other bytes.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from omreview import archives
from omreview.errors import InputError
from omreview.masking import mask_path
from omreview.rules import Rules, default_rules

_CHUNK = 1 << 20


@dataclass(frozen=True)
class PacketFile:
    """One entry of the packet. ``error`` is set when the file cannot be used at all."""

    rel: str
    path: Path
    size: int | None
    sha256: str | None
    error: str | None = None

    @property
    def bytes_to_read(self) -> int:
        """The bytes reading this entry reads: its file's (a document of several files adds theirs)."""
        return self.size or 0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Packet:
    applicant_id: str
    root: Path
    files: tuple[PacketFile, ...]


def sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return sha256_of(fh)


def sha256_of(fh: BinaryIO) -> str:
    """The sha256 of an open file's whole content, read from its start in 1 MB chunks (memory stays flat)."""
    digest = hashlib.sha256()
    fh.seek(0)
    while chunk := fh.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def packet_hash(packet: Packet, read: Mapping[str, str | None] | None = None) -> str:
    """One hash of the whole packet: every file's relative path and content hash (or its error).

    ``read`` gives, by relative path, the digest of the bytes actually read (``None``: the file changed
    while it was read): the hash to store with a report, so that the packet is "unchanged" on a later run
    only if the files then listed are the very bytes the report was made from."""
    digest = hashlib.sha256()
    for f in sorted(packet.files, key=lambda f: f.rel):
        sha256 = read[f.rel] if read is not None and f.rel in read else f.sha256
        digest.update(f"{f.rel}\0{sha256 or ''}\0{f.error or ''}\n".encode())
    return digest.hexdigest()


def load_packet(folder: Path, rules: Rules | None = None) -> Packet:
    """List and hash every file below ``folder`` (or of the archive ``folder``: a whole submission as one .zip);
    raise ``InputError`` if the folder is unusable."""
    rules = rules or default_rules()
    folder = Path(folder)
    shown = _shown(folder)
    if not folder.exists():
        raise InputError(f"applicant folder not found: {shown}")
    root = folder.resolve()
    if folder.is_file() and archives.archive_kind(folder, folder.name) is not None:
        files = tuple(_entries(mask_path(archives.shown_name(root.name)), root, rules))
        return Packet(applicant_id=applicant_id_of(root), root=root, files=files)
    if not folder.is_dir():
        raise InputError(f"not a folder: {shown}")
    try:
        files = _named_once(_walk(root, root, rules, depth=0))
    except PermissionError as exc:
        raise InputError(f"cannot list applicant folder {shown}: permission denied") from exc
    if not files:
        raise InputError(f"applicant folder is empty: {shown}")
    return Packet(applicant_id=applicant_id_of(root), root=root, files=files)


def locate(folder: Path, rel: str, rules: Rules | None = None) -> Path | None:
    """The file that the packet of ``folder`` (an applicant folder, or an applicant sent as one archive) lists as
    ``rel``, for a viewer of the originals: a name on disk that is listed decoded or masked, a file inside an
    archive (unpacked into this process's working folder, ``omreview.archives``); ``None`` if there is none.
    Only the archive concerned is hashed and unpacked; the caller checks the file's sha256."""
    rules = rules or default_rules()
    folder = Path(folder)
    head, inside, _ = rel.partition(archives.SEPARATOR)
    if folder.is_file():
        listed: Iterable[tuple[str, Path]] = [(mask_path(archives.shown_name(folder.name)), folder)]
    elif folder.is_dir():
        listed = _names(folder, folder, rules, 0)
    else:
        return None
    for name, path in listed:
        if name == rel and not inside:
            return path
        if inside and name == head:
            return next((pf.path for pf in _entries(name, path, rules) if pf.rel == rel and pf.ok), None)
    return None


def _names(root: Path, folder: Path, rules: Rules, depth: int) -> Iterator[tuple[str, Path]]:
    """The files below ``folder`` as ``_walk`` names them, without hashing them (the real path of each)."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if rules.intake.ignored(entry.name):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            if depth + 1 < rules.limits.max_folder_depth:
                yield from _names(root, path, rules, depth + 1)
            continue
        if entry.is_symlink():
            try:
                path = path.resolve(strict=True)
            except (OSError, RuntimeError):
                continue
            if not path.is_relative_to(root) or not path.is_file():
                continue
        yield mask_path(archives.shown_path(Path(entry.path).relative_to(root).as_posix())), path


def nameable(folder: Path) -> Path:
    """``folder``, or where its path is not valid UTF-8 (GBK bytes in a name: a Chinese Windows archive unpacked
    on Linux) a symbolic link to it named as people read it, in this process's private working folder
    (``archives.workdir``): what is handed to a flow must be JSON, and Prefect's parameters are. The packet is
    listed at the real path (``load_packet`` resolves the link), under the same applicant id."""
    try:
        str(folder).encode("utf-8")
        return folder
    except UnicodeEncodeError:
        pass
    link = archives.workdir() / "links" / archives.shown_name(Path(folder).name)
    link.parent.mkdir(mode=0o700, exist_ok=True)
    if link.is_symlink():
        link.unlink()
    link.symlink_to(Path(folder).resolve())
    return link


def _named_once(files: Iterable[PacketFile]) -> tuple[PacketFile, ...]:
    """Every file under a name of its own (two names on disk that read alike: a GBK one and a UTF-8 one, or two
    that mask alike): the later one gets `` (2)`` before its suffix (``archives.unique``)."""
    taken: set[str] = set()
    out = []
    for pf in files:
        rel = archives.unique(pf.rel, taken)
        out.append(pf if rel == pf.rel else replace(pf, rel=rel))
    return tuple(out)


def _shown(path: Path) -> str:
    """A path as messages show it (names that are not UTF-8 decoded or escaped)."""
    return archives.shown_path(path.as_posix())


def _walk(root: Path, folder: Path, rules: Rules, depth: int) -> list[PacketFile]:
    out: list[PacketFile] = []
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        if rules.intake.ignored(entry.name):  # hidden, OS or Office debris: not a document
            continue
        path = Path(entry.path)
        # as reports and the store name it (a name that is not UTF-8 decoded, or escaped)
        rel = mask_path(archives.shown_path(path.relative_to(root).as_posix()))
        if entry.is_symlink():
            out.extend(_symlink(root, path, rel, rules, depth))
        elif entry.is_dir(follow_symlinks=False):
            if depth + 1 >= rules.limits.max_folder_depth:
                out.append(_bad(rel, path, "folder nested too deeply; its contents were not read"))
            else:
                out.extend(_walk(root, path, rules, depth + 1))
        else:
            out.extend(_entries(rel, path, rules))
    return out


def _symlink(root: Path, path: Path, rel: str, rules: Rules, depth: int) -> list[PacketFile]:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return [_bad(rel, path, "broken symbolic link; its target does not exist")]
    if not target.is_relative_to(root):
        return [_bad(rel, path, "symbolic link pointing outside the applicant folder; not followed")]
    if target.is_dir():
        return [_bad(rel, path, "symbolic link to a folder; not followed (its files are listed where they are)")]
    return _entries(rel, target, rules)


def _entries(rel: str, path: Path, rules: Rules) -> list[PacketFile]:
    """A file of the folder; an archive's files in its place (``omreview.archives``)."""
    pf = _file(rel, path, rules)
    too_large = pf.error is not None and pf.error.startswith(_TOO_LARGE)
    if (not pf.ok and not too_large) or pf.sha256 is None or pf.size is None:
        return [pf]  # only a regular file is opened to be sniffed (a named pipe would block)
    kind = archives.archive_kind(path, rel)
    if kind is None:
        return [pf]
    if pf.size > rules.limits.archives.max_unpacked_bytes:  # an archive's limit is that of what it unpacks to
        limit_mb = rules.limits.archives.max_unpacked_bytes / 1_048_576
        return [replace(pf, error=f"archive is larger than the {limit_mb:,.0f} MB limit; not opened")]
    return [PacketFile(mask_path(m.rel), m.path, m.size, m.sha256, m.error)
            for m in archives.expand(rel, path, pf.sha256, pf.size, kind, rules)]


def _file(rel: str, path: Path, rules: Rules) -> PacketFile:
    try:
        st = path.stat()
    except OSError as exc:
        return _bad(rel, path, f"cannot be read: {exc.strerror or exc}")
    if not stat.S_ISREG(st.st_mode):
        return _bad(rel, path, f"not a regular file ({_kind_of(st.st_mode)}); not read")
    if st.st_size == 0:
        return PacketFile(rel, path, 0, hashlib.sha256(b"").hexdigest(), "empty file (0 bytes)")
    try:
        digest = sha256_file(path)
    except OSError as exc:
        return PacketFile(rel, path, st.st_size, None, f"cannot be read: {exc.strerror or exc}")
    if st.st_size > rules.limits.max_file_bytes:
        limit_mb = rules.limits.max_file_bytes / 1_048_576
        return PacketFile(rel, path, st.st_size, digest, f"{_TOO_LARGE} {limit_mb:.0f} MB limit; not read")
    return PacketFile(rel, path, st.st_size, digest)


_TOO_LARGE = "file is larger than the"


def _bad(rel: str, path: Path, reason: str) -> PacketFile:
    return PacketFile(rel, path, None, None, reason)


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def applicant_id_of(folder: Path) -> str:
    """The applicant id of an applicant folder: its name, with a 身份证号 in it masked (reports, the store, OUT and
    every message name it so); a name that is not UTF-8 decoded or escaped (``archives.shown_name``). An
    applicant sent as one archive file: its name without the suffix (公司A.zip → 公司A)."""
    folder = Path(folder)
    name = folder.stem if folder.suffix.lower() in _ARCHIVE_SUFFIXES and folder.is_file() else folder.name
    return mask_path(archives.shown_name(name))


_ARCHIVE_SUFFIXES = (".zip", ".7z", ".rar")


def applicant_folders(intake: Path, rules: Rules | None = None,
                      skip: Iterable[Path] = ()) -> tuple[list[Path], list[str]]:
    """The applicant folders of an intake folder, and the names of loose entries that are not folders.

    Hidden entries and debris (``intake.ignored_names``) are neither, nor are the folders of ``skip``
    (the batch's own output folder when it lies inside the intake): they are left out silently."""
    rules = rules or default_rules()
    intake = Path(intake)
    if not intake.exists():
        raise InputError(f"intake folder not found: {intake}")
    if not intake.is_dir():
        raise InputError(f"not a folder: {intake}")
    skipped = {Path(p).resolve() for p in skip}
    folders: list[Path] = []
    loose: list[Path] = []
    sent_whole: list[Path] = []  # archives: applicants unless a folder has their id
    for entry in sorted(intake.iterdir(), key=lambda p: p.name):
        if rules.intake.ignored(entry.name) or entry.resolve() in skipped:
            continue
        if entry.is_dir() and not entry.is_symlink():
            folders.append(entry)
        elif entry.is_file() and not entry.is_symlink() and archives.archive_kind(entry, entry.name) is not None:
            sent_whole.append(entry)
        else:
            loose.append(entry)
    taken = {applicant_id_of(f) for f in folders}
    for entry in sent_whole:
        if applicant_id_of(entry) in taken:  # the folder is the applicant (the archive unpacked, most likely)
            loose.append(entry)
        else:
            folders.append(entry)
            taken.add(applicant_id_of(entry))
    folders.sort(key=lambda p: p.name)
    loose.sort(key=lambda p: p.name)
    if not folders:
        raise InputError(f"intake folder holds no applicant folders: {intake}")
    ids = [applicant_id_of(f) for f in folders]
    alike = sorted({i for i in ids if ids.count(i) > 1})
    if alike:
        raise InputError(f"two applicant folders in {intake} have the same id {alike[0]} once the 身份证号 in their "
                         "names is masked: rename one (ids must be unique; reports and the store never hold the "
                         "number)")
    return folders, [mask_path(archives.shown_name(p.name)) for p in loose]


def find_applicant(intake: Path, applicant_id: str, rules: Rules | None = None) -> Path | None:
    """The entry of ``intake`` that a batch lists as the applicant ``applicant_id`` (``applicant_folders``,
    ``applicant_id_of``): its folder, the archive it was sent as, a name on disk in GBK bytes or holding a masked
    身份证号; ``None`` when there is none."""
    try:
        folders, _ = applicant_folders(intake, rules)
    except InputError:
        return None
    return next((f for f in folders if applicant_id_of(f) == applicant_id), None)


def last_change(folder: Path, rules: Rules | None = None, now: float | None = None) -> float | None:
    """When anything in ``folder`` last changed: the newest ctime or mtime of it and of every entry below it
    (debris included: an rsync or Office temporary file is a copy or an edit in progress), as a POSIX time;
    ``None`` if it cannot be listed. ctime counts: a copy that keeps the originals' times (``cp -p``,
    ``rsync -t``) still sets it; an mtime later than ``now`` (kept from a machine whose clock is ahead)
    does not, or the folder would wait until that date."""
    rules = rules or default_rules()
    now = time.time() if now is None else now
    newest: float | None = None
    pending: list[tuple[Path, int]] = [(Path(folder), 0)]
    while pending:
        here, depth = pending.pop()
        try:
            st = here.lstat()
            changed = max(st.st_ctime, st.st_mtime if st.st_mtime <= now else 0.0)
            newest = changed if newest is None else max(newest, changed)
            if not stat.S_ISDIR(st.st_mode) or depth >= rules.limits.max_folder_depth:
                continue
            with os.scandir(here) as it:
                pending.extend((Path(e.path), depth + 1) for e in it)
        except OSError:  # gone or unreadable meanwhile: opening the folder tells
            continue
    return newest
