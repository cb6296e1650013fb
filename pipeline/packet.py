"""Load one applicant folder (a packet): every file listed, hashed and opened read-only.

A folder that is missing, not a folder or empty is the caller's mistake (``InputError``). A bad
entry inside the folder (an empty file, an unreadable one, a symbolic link pointing outside, a
named pipe) is recorded on that file with a plain reason; the rest of the packet goes on.
Originals are only ever opened with mode ``rb``.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import InputError
from pipeline.rules import Rules, default_rules

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
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Packet:
    applicant_id: str
    root: Path
    files: tuple[PacketFile, ...]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def packet_hash(packet: Packet) -> str:
    """One hash of the whole packet: every file's relative path and content hash (or its error)."""
    digest = hashlib.sha256()
    for f in sorted(packet.files, key=lambda f: f.rel):
        digest.update(f"{f.rel}\0{f.sha256 or ''}\0{f.error or ''}\n".encode())
    return digest.hexdigest()


def load_packet(folder: Path, rules: Rules | None = None) -> Packet:
    """List and hash every file below ``folder``; raise ``InputError`` if the folder is unusable."""
    rules = rules or default_rules()
    folder = Path(folder)
    if not folder.exists():
        raise InputError(f"applicant folder not found: {folder}")
    if not folder.is_dir():
        raise InputError(f"not a folder: {folder}")
    root = folder.resolve()
    try:
        files = tuple(_walk(root, root, rules, depth=0))
    except PermissionError as exc:
        raise InputError(f"cannot list applicant folder {folder}: permission denied") from exc
    if not files:
        raise InputError(f"applicant folder is empty: {folder}")
    return Packet(applicant_id=root.name, root=root, files=files)


def _walk(root: Path, folder: Path, rules: Rules, depth: int) -> list[PacketFile]:
    out: list[PacketFile] = []
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        path = Path(entry.path)
        rel = path.relative_to(root).as_posix()
        if entry.is_symlink():
            out.extend(_symlink(root, path, rel, rules, depth))
        elif entry.is_dir(follow_symlinks=False):
            if depth + 1 >= rules.limits.max_folder_depth:
                out.append(_bad(rel, path, "folder nested too deeply; its contents were not read"))
            else:
                out.extend(_walk(root, path, rules, depth + 1))
        else:
            out.append(_file(rel, path, rules))
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
    return [_file(rel, target, rules)]


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
        return PacketFile(
            rel, path, st.st_size, digest, f"file is larger than the {limit_mb:.0f} MB limit; not read"
        )
    return PacketFile(rel, path, st.st_size, digest)


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


def applicant_folders(intake: Path) -> tuple[list[Path], list[str]]:
    """The applicant folders of an intake folder, and the names of loose entries that are not folders."""
    intake = Path(intake)
    if not intake.exists():
        raise InputError(f"intake folder not found: {intake}")
    if not intake.is_dir():
        raise InputError(f"not a folder: {intake}")
    folders: list[Path] = []
    loose: list[str] = []
    for entry in sorted(intake.iterdir(), key=lambda p: p.name):
        if entry.is_dir() and not entry.is_symlink():
            folders.append(entry)
        else:
            loose.append(entry.name)
    if not folders:
        raise InputError(f"intake folder holds no applicant folders: {intake}")
    return folders, loose
