"""Legacy and WPS office files: convert them to .docx/.xlsx with LibreOffice, then read the copy.

Word 97-2003 (.doc), Excel 97-2003 (.xls) and WPS Office's own formats (.wps, .et, which since WPS 2005
are the same compound files: a ``WordDocument`` or a ``Workbook`` stream) are OLE compound files. Which
one a file is comes from the names of the streams at the top of its directory (``ole_streams``: a few
lines reading the compound file's FAT and directory, bounded by the file's size and refusing loops),
never from the file's name: ``WordDocument`` is Word-like (→ .docx), ``Workbook`` (BIFF8) or ``Book``
(BIFF5, Excel 95) Excel-like (→ .xlsx). Another compound file (PowerPoint, MS Works, an e-mail) is of
unknown kind, as a zip that is neither a .docx nor an .xlsx is.

``converted_copy`` converts the file with LibreOffice headless
(``soffice --headless --convert-to docx --outdir DIR FILE``) in a private folder: the file's bytes are
copied there under a neutral name with the suffix of its kind, and each call has its own LibreOffice
profile (``-env:UserInstallation``), so parallel conversions never share (or lock) one. The converter
runs in a process group of its own, with the address space of every reading process
(``limits.max_document_memory_mb``, set before LibreOffice starts) and ``converter.timeout_seconds`` of
wall clock (less than ``limits.max_document_seconds``, so the reading process is never stopped first);
when the time is up the whole group is killed, and so it is when the reading process dies (a stopped
command kills its reading processes): the group's leader, a few lines of Python (``_GUARD``), is told
by the kernel. The converter is ``$OMREVIEW_SOFFICE`` if set, else
``converter.command`` of the rules (a name on PATH or a path); when neither is there, the file is an
error naming the install command, never of unknown kind.

The copy is then read by the same readers as a .docx/.xlsx (``omreview.extractors.office.container.legacy``
hands it to them): its records name the ORIGINAL file (its name and digest), their cells and tables are
those of the converted copy, and every source says so (``Source.converted``, e.g.
``LibreOffice 7.4.7.2 → .docx``, from the copy's own ``docProps/app.xml``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, Literal

from pydantic import BaseModel

from omreview.errors import DocumentError
from omreview.model import Source
from omreview.packet import PacketFile
from omreview.rules import Rules

SOFFICE_ENV = "OMREVIEW_SOFFICE"
INSTALL_HINT = "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui"

Target = Literal["docx", "xlsx"]


@dataclass(frozen=True)
class _Legacy:
    """One kind of legacy file: what it is called in a reason, the copy's suffix, the format it becomes."""

    name: str
    suffix: str
    target: Target


_WORD = _Legacy("Word 97-2003 file (.doc/.wps)", ".doc", "docx")
_EXCEL = _Legacy("Excel 97-2003 file (.xls/.et)", ".xls", "xlsx")
# stream names at the top of the directory (compared case-insensitively, as the format says) -> the kind
_KIND_STREAMS = (("worddocument", _WORD), ("workbook", _EXCEL), ("book", _EXCEL))

# The converter's guard, the leader of its process group (python -I -S -c, argv: memory limit, reader's pid,
# command...): caps the address space (inherited by the converter: no preexec_fn, unsafe in a threaded caller),
# asks the kernel for SIGTERM when the reading process dies (even by SIGKILL: a stopped command, a reading past
# its limit) and then kills the whole group, so no LibreOffice outlives its reader; then runs the converter
# and ends as it ended.
_GUARD = """
import ctypes, os, resource, signal, subprocess, sys
limit, reader, command = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
signal.signal(signal.SIGTERM, lambda *_: os.killpg(0, signal.SIGKILL))
try:
    ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
except (OSError, AttributeError):
    pass
if os.getppid() != reader:  # the reader died before the request
    os.killpg(0, signal.SIGKILL)
code = subprocess.call(command, stdin=subprocess.DEVNULL)
if code < 0:
    signal.signal(-code, signal.SIG_DFL)
    os.kill(os.getpid(), -code)
sys.exit(code)
"""
_LOG_TAIL = 2000  # bytes of the converter's output kept for a reason
_APPLICATION = re.compile(rb"<Application>([^<$/]+)/([\d.]+)")


def legacy_kind(pf: PacketFile) -> _Legacy | None:
    """Whether ``pf`` (a compound file) is Word-like or Excel-like, from its streams; ``None``: neither."""
    streams = ole_streams(pf.path)
    return next((kind for name, kind in _KIND_STREAMS if name in streams), None)


@contextlib.contextmanager
def converted_copy(pf: PacketFile, rules: Rules, kind: _Legacy) -> Iterator[tuple[PacketFile, str]]:
    """``pf`` converted to ``kind.target`` in a private folder: a packet file of the copy (with ``pf``'s name
    and digest, which its records' sources carry) and the note that says how it was converted."""
    command = converter_command(rules)
    if command is None:
        raise DocumentError(f"legacy {kind.name} cannot be read: the converter, LibreOffice, is not installed "
                            f"({INSTALL_HINT}, or set {SOFFICE_ENV})")
    with tempfile.TemporaryDirectory(prefix="omreview-convert-") as private:
        folder = Path(private)
        source = folder / "in" / f"document{kind.suffix}"
        source.parent.mkdir()
        shutil.copyfile(pf.path, source)
        out = folder / "out"
        _run(command, source, out, kind, rules, folder)
        copy = out / f"{source.stem}.{kind.target}"  # the readers go by the copy's suffix
        if not copy.is_file():
            raise DocumentError(f"legacy {kind.name} could not be converted: {_failure(folder / 'log')}")
        yield replace(pf, path=copy), f"{_converter_name(copy)} → .{kind.target}"


def converter_command(rules: Rules) -> str | None:
    """The converter's executable: ``$OMREVIEW_SOFFICE``, else ``converter.command``, found on PATH; ``None``."""
    wanted = os.environ.get(SOFFICE_ENV) or rules.converter.command
    return shutil.which(wanted)


def _run(command: str, source: Path, out: Path, kind: _Legacy, rules: Rules, folder: Path) -> None:
    """Run the converter on ``source`` in its own process group under the limits; kill the group when time is up."""
    limit = rules.limits.max_document_memory_mb * 1_048_576
    seconds = rules.converter.timeout_seconds
    args = [sys.executable, "-I", "-S", "-c", _GUARD, str(limit), str(os.getpid()), command,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--invisible", "--nologo",
            "--norestore", "--nolockcheck", "--nodefault", "--convert-to", kind.target, "--outdir", str(out),
            str(source)]
    with open(folder / "log", "wb") as log:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                cwd=folder, start_new_session=True)
        try:
            proc.wait(seconds)
        except subprocess.TimeoutExpired:
            raise DocumentError(f"legacy {kind.name}: converting it took longer than the {seconds:,g} s limit; "
                                "the converter was stopped") from None
        finally:
            _kill_group(proc)
    if proc.returncode < 0:
        raise DocumentError(f"legacy {kind.name} could not be converted: the converter crashed "
                            f"({_signal_name(-proc.returncode)})")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill whatever is left of the converter's process group (all of it, on a timeout) and reap the leader."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _failure(log: Path) -> str:
    """Why no copy was written, from the converter's output."""
    with contextlib.suppress(OSError):
        with open(log, "rb") as fh:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - _LOG_TAIL))
            text = fh.read().decode("utf-8", "replace")
        if "could not be loaded" in text:
            return "LibreOffice cannot open it (damaged, or protected by a password)"
        lines = [line.strip() for line in text.splitlines() if line.strip() and "javaldx" not in line]
        if lines:
            last = lines[-1]
            return f"the converter wrote no copy ({last if len(last) <= 120 else last[:117] + '...'})"
    return "the converter wrote no copy"


def _converter_name(copy: Path) -> str:
    """The converter and its version as it wrote them into the copy (``LibreOffice 7.4.7.2``)."""
    with contextlib.suppress(OSError, zipfile.BadZipFile, KeyError), zipfile.ZipFile(copy) as zf:
        info = zf.getinfo("docProps/app.xml")
        if info.file_size <= 1 << 20:
            found = _APPLICATION.search(zf.read(info))
            if found:
                return f"{found[1].decode('utf-8', 'replace')} {found[2].decode()}"
    return "LibreOffice"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def noted(value: Any, note: str) -> Any:
    """``value`` (a record, or what it holds) with every ``Source`` in it saying ``converted: note``."""
    if isinstance(value, Source):
        return value.model_copy(update={"converted": note})
    if isinstance(value, BaseModel):
        return value.model_copy(update={name: noted(getattr(value, name), note) for name in type(value).model_fields})
    if isinstance(value, list | tuple):
        return type(value)(noted(item, note) for item in value)
    if isinstance(value, dict):
        return {key: noted(item, note) for key, item in value.items()}
    return value


# --- the directory of a compound file ------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADER = 512
_MAX_REGULAR = 0xFFFFFFFA  # sector numbers at or above this are markers (end of chain, free ...)
_END_OF_CHAIN = 0xFFFFFFFE
_NO_ENTRY = 0xFFFFFFFF
_ENTRY = 128
_STREAM = 2
_DAMAGED = "not a valid Office 97-2003 file (its compound-file directory is damaged or truncated)"


def ole_streams(path: Path) -> frozenset[str]:
    """The names (case-folded) of the streams at the top of the compound file at ``path``; ``DocumentError``
    if its header, FAT or directory is damaged (a chain that loops or leaves the file, a truncated header)."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        header = fh.read(_HEADER)
        if len(header) < _HEADER or header[:8] != _OLE_MAGIC:
            raise DocumentError(_DAMAGED)
        shift = struct.unpack_from("<H", header, 30)[0]
        if shift not in (9, 12):
            raise DocumentError(_DAMAGED)
        reader = _Sectors(fh, 1 << shift, size)
        fat = reader.fat(header)
        directory = b"".join(reader.read(s) for s in _chain(fat, struct.unpack_from("<I", header, 48)[0]))
    return _root_streams(directory)


class _Sectors:
    """The sectors of one compound file, read one at a time."""

    def __init__(self, fh: BinaryIO, sector: int, size: int) -> None:
        self.fh, self.sector, self.size = fh, sector, size
        self.count = max(0, (size - _HEADER + sector - 1) // sector)  # sectors the file holds (a v4 header: more)

    def read(self, number: int) -> bytes:
        offset = (number + 1) * self.sector
        if number >= self.count or offset >= self.size:
            raise DocumentError(_DAMAGED)
        self.fh.seek(offset)
        return self.fh.read(self.sector).ljust(self.sector, b"\0")  # a short last sector is padded

    def fat(self, header: bytes) -> list[int]:
        """The file allocation table: the next sector of each sector."""
        fat_sectors = struct.unpack_from("<I", header, 44)[0]
        difat, difat_count = struct.unpack_from("<II", header, 68)
        if fat_sectors > self.count:
            raise DocumentError(_DAMAGED)
        numbers = list(struct.unpack_from("<109I", header, 76))
        per_sector = self.sector // 4
        seen: set[int] = set()
        while difat < _MAX_REGULAR and len(numbers) < fat_sectors:
            if difat in seen or len(seen) >= difat_count:
                raise DocumentError(_DAMAGED)
            seen.add(difat)
            entries = struct.unpack(f"<{per_sector}I", self.read(difat))
            numbers.extend(entries[:-1])
            difat = entries[-1]
        numbers = numbers[:fat_sectors]
        if len(numbers) < fat_sectors:
            raise DocumentError(_DAMAGED)
        return [n for s in numbers for n in struct.unpack(f"<{per_sector}I", self.read(s))]


def _chain(fat: list[int], first: int) -> Iterator[int]:
    """The sectors of a chain starting at ``first``; ``DocumentError`` if it loops or points outside the FAT."""
    seen: set[int] = set()
    sector = first
    while sector != _END_OF_CHAIN:
        if sector >= len(fat) or sector in seen:
            raise DocumentError(_DAMAGED)
        seen.add(sector)
        yield sector
        sector = fat[sector]


def _root_streams(directory: bytes) -> frozenset[str]:
    """The stream names among the root storage's children (its red-black tree of siblings)."""
    count = len(directory) // _ENTRY
    if count == 0 or directory[66] != 5:  # entry 0 is the root storage
        raise DocumentError(_DAMAGED)
    names: set[str] = set()
    seen: set[int] = set()
    pending = [struct.unpack_from("<I", directory, 76)[0]]
    while pending:
        entry = pending.pop()
        if entry == _NO_ENTRY:
            continue
        if entry >= count or entry in seen:
            raise DocumentError(_DAMAGED)
        seen.add(entry)
        at = entry * _ENTRY
        length = min(struct.unpack_from("<H", directory, at + 64)[0], 64)
        if directory[at + 66] == _STREAM and length >= 2:
            names.add(directory[at : at + length - 2].decode("utf-16-le", "replace").casefold())
        pending.extend(struct.unpack_from("<II", directory, at + 68))
    return frozenset(names)
