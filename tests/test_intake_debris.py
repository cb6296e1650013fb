"""Hidden folders and OS debris are neither applicants nor documents (issue #15, point 6b).

The names are data (``intake.ignored_names`` in rules.yaml): ``.prefect``, ``__MACOSX``, ``.DS_Store``,
``Thumbs.db``, ``desktop.ini``, Office's ``~$`` lock files, at any depth, skipped silently.
"""

import json

import pytest
from typer.testing import CliRunner

from omreview import cli
from omreview.errors import InputError
from omreview.packet import applicant_folders, load_packet, packet_hash
from omreview.rules import default_rules

RULES = default_rules()


def _debris(folder):
    (folder / "__MACOSX").mkdir()
    (folder / "__MACOSX" / "._a.pdf").write_bytes(b"\0\5\26\7 resource fork")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (folder / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / "desktop.ini").write_text("[.ShellClassInfo]")
    (folder / "~$申报表.docx").write_bytes(b"\x0cowner")


def test_hidden_folders_debris_and_the_output_folder_are_not_applicants(small_packet):
    intake = small_packet.parent
    _debris(intake)
    (intake / ".prefect").mkdir()
    (intake / ".prefect" / "prefect.db").write_bytes(b"SQLite format 3\0")
    (intake / "out" / "acme").mkdir(parents=True)  # a batch's OUT inside its intake
    (intake / "notes.txt").write_text("loose")
    folders, loose = applicant_folders(intake, RULES, skip=[intake / "out"])
    assert [f.name for f in folders] == ["acme"]
    assert loose == ["notes.txt"]  # noted as a loose entry; debris is not even that


def test_debris_inside_an_applicant_folder_is_not_a_document(small_packet):
    before = load_packet(small_packet, RULES)
    _debris(small_packet)
    _debris(small_packet / "sub")
    (small_packet / ".git").mkdir()
    (small_packet / ".git" / "HEAD").write_text("ref: refs/heads/main")
    packet = load_packet(small_packet, RULES)
    assert [f.rel for f in packet.files] == ["a.pdf", "sub/b.txt"]
    assert packet_hash(packet) == packet_hash(before)  # Finder touching .DS_Store changes no applicant


def test_a_folder_holding_only_debris_is_empty(tmp_path):
    folder = tmp_path / "acme"
    folder.mkdir()
    _debris(folder)
    with pytest.raises(InputError, match="applicant folder is empty"):
        load_packet(folder, RULES)


def test_the_debris_names_are_the_rules_file_s(small_packet):
    (small_packet / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (small_packet / "a.pdf.bak").write_bytes(b"%PDF-1.4\n")
    rules = RULES.model_copy(update={"intake": RULES.intake.model_copy(update={"ignored_names": ["*.BAK"]})})
    assert [f.rel for f in load_packet(small_packet, rules).files] == [".DS_Store", "a.pdf", "sub/b.txt"]
    assert [f.rel for f in load_packet(small_packet, RULES).files] == ["a.pdf", "a.pdf.bak", "sub/b.txt"]


def test_batch_with_its_output_inside_the_intake_reviews_only_the_applicants(small_packet):
    intake = small_packet.parent
    _debris(intake)
    _debris(small_packet)
    out = intake / "out"
    # OUT/.prefect is there whether this process has a local Prefect server (its home) or the tests' harness
    (out / ".prefect" / "storage").mkdir(parents=True)
    runner = CliRunner()
    for _ in range(2):  # the second run finds OUT, OUT/.prefect and its store inside the intake
        result = runner.invoke(cli.app, ["batch", str(intake), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "not an applicant folder" not in result.stderr
        summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
        assert [r["applicant"] for r in summary["applicants"]] == ["acme"]
        assert summary["skipped_entries"] == []
    report = json.loads((out / "acme" / "report.json").read_text(encoding="utf-8"))
    assert [d["file"] for d in report["documents"]] == ["a.pdf", "sub/b.txt"]
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [".prefect", "acme"]
    assert not (out / ".prefect" / "report.json").exists() and not (out / "out").exists()
