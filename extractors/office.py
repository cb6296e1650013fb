"""Office Open XML files (.docx, .xlsx): check the zip container, then hand to the reader by content."""

from __future__ import annotations

from extractors.base import Extraction
from pipeline.packet import PacketFile
from pipeline.rules import Rules


def extract(pf: PacketFile, rules: Rules) -> Extraction:
    """Placeholder until the container checks and the .docx/.xlsx readers land."""
    return Extraction()
