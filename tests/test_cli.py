"""The omreview command line as a user meets it: reports written, plain errors, no tracebacks."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omreview import cli
from omreview import intake as intake_steps
from omreview.rules import default_rules
from tests.conftest import tree_fingerprint
from tests.test_schema import validate_report

runner = CliRunner()
CHECK_IDS = [c.id for c in default_rules().checks]


def _invoke(*args):
    return runner.invoke(cli.app, [str(a) for a in args])


def test_run_writes_a_schema_valid_report_listing_every_file(small_packet, tmp_path):
    (small_packet / "empty.xlsx").write_bytes(b"")
    before = tree_fingerprint(small_packet)
    result = _invoke("run", small_packet, "--out", tmp_path / "out", "--application-date", "2013-03-01")
    assert result.exit_code == 0, result.output
    report = validate_report(tmp_path / "out" / "acme" / "report.json")
    assert {d["file"] for d in report["documents"]} == {"a.pdf", "sub/b.txt", "empty.xlsx"}
    empty = next(d for d in report["documents"] if d["file"] == "empty.xlsx")
    assert empty["status"] == "error" and empty["error"] == "empty file (0 bytes)"
    assert [c["id"] for c in report["checks"]] == CHECK_IDS
    assert report["application_date"] == "2013-03-01" and report["fiscal_years"] == [2010, 2011, 2012]
    assert report["verdict"] == "incomplete" and report["missing_inputs"]
    assert tree_fingerprint(small_packet) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "/nonexistent/folder"], "not found"),
        (["run", "{empty}"], "empty"),
        (["run", "{file}"], "not a folder"),
        (["run", "{packet}", "--application-date", "2012/06/01"], "YYYY-MM-DD"),
        (["batch", "/nonexistent/intake"], "not found"),
        (["batch", "{empty}"], "no applicant folders"),
    ],
)
def test_user_mistakes_get_a_plain_message_and_exit_2(args, message, small_packet, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "f.txt").write_text("x")
    subs = {"{empty}": tmp_path / "empty", "{file}": tmp_path / "f.txt", "{packet}": small_packet}
    result = _invoke(*[subs.get(a, a) for a in args], "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_batch_reviews_every_applicant_and_accounts_for_loose_files(small_packet, tmp_path):
    intake = small_packet.parent
    (intake / "beta").mkdir()
    (intake / "beta" / "x.docx").write_bytes(b"PK\x03\x04 not really")
    (intake / "notes.txt").write_text("loose")
    (intake / "gamma").mkdir()  # empty: noted, the batch goes on
    out = tmp_path / "out"
    result = _invoke("batch", intake, "--out", out)
    assert result.exit_code == 0, result.output
    for name in ("acme", "beta"):
        validate_report(out / name / "report.json")
    summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert summary["skipped_entries"] == ["notes.txt"]
    rows = {r["applicant"]: r for r in summary["applicants"]}
    assert rows["acme"]["verdict"] == "incomplete" and "empty" in rows["gamma"]["error"]
    assert "notes.txt is not an applicant folder" in result.stderr


def test_one_broken_applicant_does_not_stop_the_batch(small_packet, tmp_path, monkeypatch):
    intake = small_packet.parent
    (intake / "beta").mkdir()
    (intake / "beta" / "x.pdf").write_bytes(b"%PDF-1.4")
    real = intake_steps.review_documents

    def flaky(packet, *a, **kw):
        if packet.applicant_id == "acme":
            raise RuntimeError("boom")
        return real(packet, *a, **kw)

    monkeypatch.setattr(intake_steps, "review_documents", flaky)  # what the batch flow's assess step calls
    out = tmp_path / "out"
    result = _invoke("batch", intake, "--out", out)
    assert result.exit_code == 1
    assert (out / "beta" / "report.json").exists()
    assert "Traceback" in (out / "acme" / "error.log").read_text()
    assert "Traceback" not in result.stderr and "internal error" in result.stderr


def test_console_script_is_installed(small_packet, tmp_path):
    """The README's entry point, as a newcomer runs it."""
    exe = Path(sys.executable).with_name("omreview")
    proc = subprocess.run([exe, "run", str(small_packet), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "acme: incomplete" in proc.stdout
    assert "Traceback" not in proc.stderr
