"""The committed JSON Schema is the one the model generates, and reports validate against it."""

import json

import jsonschema

from omreview.report import SCHEMA_PATH, report_schema, schema_text


def test_committed_schema_is_current():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "pipeline/report.schema.json is stale: run `omreview schema > pipeline/report.schema.json`"
    )


def test_schema_keeps_the_report_md_keys():
    schema = report_schema()
    top = set(schema["properties"])
    assert {"schema_version", "applicant", "application_date", "fiscal_years", "verdict", "documents", "figures",
            "checks", "discrepancies"} <= top
    defs = schema["$defs"]
    assert {"file", "sha256", "kind", "fiscal_year", "status", "error", "pages", "ocr"} <= set(
        defs["Document"]["properties"])
    assert {"file", "page", "sheet", "cell", "table", "text", "bbox", "sha256"} <= set(defs["Source"]["properties"])
    assert {"id", "status", "message", "values", "evidence"} <= set(defs["Check"]["properties"])
    assert {"figure", "message", "values"} <= set(defs["Discrepancy"]["properties"])


def validate_report(path):
    """Validate one report.json against the committed schema (used by the CLI tests too)."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    data = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator,
                        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    return data
