"""Checks that rest on a doubtful OCR reading go to a reviewer, never pass or fail on their own.

A value read by OCR carries the lowest confidence of its characters (``Source.confidence``); the
statement reader lists the values below ``labels.statement_pdf.ocr.min_confidence`` in
``StatementRecord.low_confidence``. A check whose evidence includes such a value (or any source
below that floor) becomes ``review``, with the value, its page and its confidence in the message and
the status it would otherwise have had in ``values`` (``status_if_read_right``).
"""

from __future__ import annotations

from decimal import Decimal

from omreview.model import Check, CheckStatus, Source
from omreview.records import StatementRecord, record_values
from omreview.rules import Rules
from omreview.validators.inputs import Inputs


def _key(source: Source) -> str:
    return source.model_dump_json()


def doubtful_sources(inputs: Inputs, floor: Decimal) -> dict[str, Source]:
    """Every source of a statement value read below ``floor`` (by its JSON), with the O&M sum of a doubtful line."""
    out: dict[str, Source] = {}
    for statement in inputs.statements.values():
        out.update({_key(s): s for s in _doubtful(statement, floor)})
    return out


def _doubtful(statement: StatementRecord, floor: Decimal) -> list[Source]:
    listed = set(statement.low_confidence)
    found = [v.source for name, v in record_values(statement)
             if name in listed or (v.source.confidence is not None and v.source.confidence < floor)]
    om_lines = [f"revenue_lines.{i}" for i, line in enumerate(statement.revenue_lines) if line.is_om]
    if statement.om_revenue is not None and listed.intersection(om_lines):
        found.append(statement.om_revenue.source)  # a sum is as doubtful as its most doubtful part
    return found


def mark_doubtful(checks: list[Check], inputs: Inputs, rules: Rules) -> list[Check]:
    """``checks`` with every pass or fail resting on a doubtful OCR reading turned into ``review``."""
    floor = rules.labels.statement_pdf.ocr.min_confidence
    doubtful = doubtful_sources(inputs, floor)
    out = []
    for check in checks:
        weak = [s for s in check.evidence
                if _key(s) in doubtful or (s.confidence is not None and s.confidence < floor)]
        if weak and check.status in (CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.REVIEW):
            check = _to_review(check, weak, floor)
        out.append(check)
    return out


def _to_review(check: Check, weak: list[Source], floor: Decimal) -> Check:
    where = "；".join(_where(s) for s in weak)
    note = f"（以下数值由OCR识别，置信度低于{floor}，须对照原件核实：{where}。）"
    values = {**check.values, "ocr_low_confidence": len(weak)}
    if check.status is not CheckStatus.REVIEW:
        values["status_if_read_right"] = check.status.value
    return check.model_copy(update={"status": CheckStatus.REVIEW, "message": check.message + note, "values": values})


def _where(source: Source) -> str:
    page = f"第{source.page}页" if source.page else ""
    text = f"「{source.text}」" if source.text else ""
    confidence = f"置信度{source.confidence}" if source.confidence is not None else "置信度低"
    return f"{source.file}{page}{text}{confidence}"
