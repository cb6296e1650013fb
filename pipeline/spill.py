"""A batch's scratch file: what a batch holds per applicant until its end, kept on disk instead of in memory.

A batch keeps every applicant's report (compressed, ``intake.Kept``) until its batch rules have run and its
summary is written. Held in memory, that grows with the intake (~7 KB an applicant, and about twice that in
resident memory: each applicant's long-lived objects sit among the freed ones of its reading and keep the
allocator's arenas from being returned). With a scratch file open (``spilling``), ``Kept`` writes its bytes
there and holds only where they are.

The file is unnamed (``tempfile.TemporaryFile``: unlinked as soon as it is made), in the output folder (on the
disk the reports go to, not a ``/tmp`` that may be memory), and gone once nothing refers to it any more
(every ``Kept`` written there holds it: the batch's summary, returned, still shows its reports) or its
process dies: nothing is left behind, and nothing is in it that ``OUT`` does not hold already (reports, whose
personal data are masked). Threads share it: writes are appended under a lock, reads are positioned
(``os.pread``) and need none.
"""

from __future__ import annotations

import os
import tempfile
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Spill:
    """An append-only scratch file: ``put`` bytes, ``get`` them back by the place ``put`` returned."""

    def __init__(self, folder: Path | None = None) -> None:
        self._file = tempfile.TemporaryFile(prefix="omreview-batch-", dir=folder)  # noqa: SIM115 (lives as self does)
        self._fd = self._file.fileno()
        weakref.finalize(self, self._file.close)  # closed (not left to the file's own finaliser, which warns)
        self._end = 0
        self._lock = threading.Lock()

    def put(self, data: bytes) -> tuple[int, int]:
        """Append ``data``; its offset and length."""
        with self._lock:
            offset = self._end
            written = 0
            while written < len(data):
                written += os.pwrite(self._fd, data[written:], offset + written)
            self._end += len(data)
        return offset, len(data)

    def get(self, offset: int, length: int) -> bytes:
        data = os.pread(self._fd, length, offset)
        if len(data) != length:
            raise OSError(f"the batch's scratch file is short: {len(data)} of {length} bytes at {offset}")
        return data

    @property
    def size(self) -> int:
        return self._end



_active: Spill | None = None


def active() -> Spill | None:
    """The scratch file of the batch running in this process, or ``None`` (hold in memory)."""
    return _active


@contextmanager
def spilling(folder: Path) -> Iterator[Spill]:
    """A scratch file in ``folder`` for what the batch running inside holds; closed (and gone) once nothing
    refers to it."""
    global _active
    previous, spill = _active, Spill(folder)
    _active = spill
    try:
        yield spill
    finally:
        _active = previous
