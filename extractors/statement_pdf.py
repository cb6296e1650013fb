"""审计报告 (.pdf with a text layer) → StatementRecord."""

from __future__ import annotations

from extractors.base import Extraction
from pipeline.packet import PacketFile
from pipeline.rules import Rules


def extract(pf: PacketFile, rules: Rules) -> Extraction:
    """Placeholder until the statement reader lands."""
    return Extraction()
