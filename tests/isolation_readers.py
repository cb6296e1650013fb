"""Readers that misbehave on purpose, for the isolation tests (``tests/test_hostile_inputs.py``).

They run in the worker process, pickled by reference, so they live in this small module: the
worker imports it quickly. Each misbehaves according to the file name and reads any other file
normally.
"""

from __future__ import annotations

import ctypes
import time

from omreview.extractors.contract import Extraction
from omreview.extractors.registry import read_document
from omreview.packet import PacketFile
from omreview.rules import Rules


def misbehaving_reader(pf: PacketFile, rules: Rules) -> Extraction:
    if pf.rel.startswith("hungry"):
        hoard = [bytes(64 << 20) for _ in range(64)]  # 4 GB in 64 MB steps (calloc: address space, not RAM)
        return Extraction.failed(f"allocated {len(hoard)} chunks")
    if pf.rel.startswith("sleepy"):
        time.sleep(60)
    if pf.rel.startswith("buggy"):
        raise ValueError("a bug in a reader")
    if pf.rel.startswith("crashy"):
        ctypes.string_at(0)  # segmentation fault
    return read_document(pf, rules)
