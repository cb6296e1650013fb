"""Write report.json and the JSON Schema of the report contract."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from omreview.model import Report

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


def report_schema() -> dict[str, Any]:
    """The JSON Schema of report.json, generated from the model (committed as report.schema.json)."""
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://omreview.invalid/report.schema.json"
    return schema


def schema_text() -> str:
    return json.dumps(report_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def report_json(report: Report, data: dict[str, Any] | None = None) -> str:
    """The text of report.json (``data``: ``report.model_dump(mode="json")`` if the caller has it already)."""
    return json.dumps(report.model_dump(mode="json") if data is None else data, ensure_ascii=False, indent=2) + "\n"


def write_atomic(path: Path, save: Callable[[Path], object]) -> Path:
    """Write through ``save(temporary file)`` beside ``path``, then rename: a reader never sees half a file,
    even if the process dies midway. The temporary file keeps ``path``'s suffix (writers that check it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        save(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) atomically (``write_atomic``)."""
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_report(report: Report, out: Path, data: dict[str, Any] | None = None) -> Path:
    """Write ``OUT/<applicant id>/report.json`` and return its path (``data`` as for ``report_json``)."""
    path = Path(out) / report.applicant.id / "report.json"
    write_text_atomic(path, report_json(report, data))
    return path
