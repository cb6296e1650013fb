"""What was read is what is reported (issue #15, point 2).

A file that changes between the listing of its folder and its reading, or while it is read, is never
reported under the digest of other bytes: the report's sha256 is that of the bytes whose content it
reports, and the packet hash stored with the report is made of those digests, so that restoring the
file and running again reviews it again instead of keeping a report about other bytes.

Reading is done in-process here (``limits.isolate_documents`` off) so that a test can change the file
from inside the reader; the reading processes run the same ``read_document``.
"""

import hashlib
import os
import shutil

import pytest

from omreview import intake as steps
from omreview.extractors import registry
from omreview.extractors.registry import CHANGED_WHILE_READ, read_document
from omreview.packet import load_packet, packet_hash
from omreview.review import review
from omreview.rules import default_rules
from omreview.store import ResultStore
from tests.conftest import SAMPLE_DOCS

RULES = default_rules()
IN_PROCESS = RULES.model_copy(update={"limits": RULES.limits.model_copy(update={"isolate_documents": False})})
WHEN = RULES.default_application_date
ROSTER = "资料7.xlsx"  # app-01's staff roster
OTHER_ROSTER = SAMPLE_DOCS / "app-02" / "scan0005.xlsx"  # another applicant's


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def applicant(tmp_path):
    folder = tmp_path / "intake" / "app-01"
    shutil.copytree(SAMPLE_DOCS / "app-01", folder)
    return folder


def _replace(path, data: bytes) -> None:
    """How copy tools and editors replace a file: a new file renamed over the old name."""
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _overwrite(path, data: bytes) -> None:
    """How ``cp`` replaces a file: the same file truncated and written again."""
    with open(path, "r+b") as fh:
        fh.truncate(0)
        fh.write(data)


def _change_on_read(monkeypatch, name: str, change, times: int = 1) -> list[int]:
    """Make the reader of ``name`` change the file just before it reads it (``change(path)``), ``times`` times."""
    calls: list[int] = []
    for fmt, reader in list(registry.READERS.items()):
        def read(pf, rules, reader=reader):
            if pf.rel == name and len(calls) < times:
                calls.append(1)
                change(pf)
            return reader(pf, rules)
        monkeypatch.setitem(registry.READERS, fmt, read)
    return calls


def _review_reading(opened, store, out):
    pairs = [steps.read_file(pf, IN_PROCESS) for pf in opened.packet.files]
    return steps.assess(opened, pairs, WHEN, IN_PROCESS, out, store)


def _same_review(got, expected):
    assert got.documents == expected.documents
    assert got.figures == expected.figures
    assert got.checks == expected.checks
    assert got.discrepancies == expected.discrepancies


@pytest.mark.parametrize("how", [_replace, _overwrite], ids=["renamed-over", "overwritten"])
def test_a_file_changed_before_it_is_read_is_reported_with_the_digest_of_what_was_read(applicant, tmp_path,
                                                                                       monkeypatch, how):
    roster = applicant / ROSTER
    listed = _sha(roster.read_bytes())
    new = OTHER_ROSTER.read_bytes()
    opened = steps.open_applicant(applicant, IN_PROCESS, WHEN, None)  # listed and hashed: the old roster
    calls = _change_on_read(monkeypatch, ROSTER, lambda pf: how(roster, new))
    report = _review_reading(opened, None, tmp_path / "out").report
    assert calls  # the roster was changed while the batch ran

    doc = next(d for d in report.documents if d.file == ROSTER)
    assert doc.status == "ok" and doc.sha256 == _sha(new) != listed
    assert {f.source.sha256 for f in report.figures.values() if f.source and f.source.file == ROSTER} <= {_sha(new)}
    # the report is the one of the folder as it now is: the rows reported are those of the bytes named
    _same_review(report, review(applicant, WHEN, IN_PROCESS).report)


def test_a_file_that_keeps_changing_while_it_is_read_is_an_error_with_no_digest(applicant, tmp_path, monkeypatch):
    roster = applicant / ROSTER
    original = roster.read_bytes()
    opened = steps.open_applicant(applicant, IN_PROCESS, WHEN, None)
    grown = iter(range(1, 10))

    def still_copying(pf):  # every reading finds a little more of the file written
        with open(roster, "ab") as fh:
            fh.write(b"\0" * next(grown))

    _change_on_read(monkeypatch, ROSTER, still_copying, times=9)
    report = _review_reading(opened, None, tmp_path / "out").report
    doc = next(d for d in report.documents if d.file == ROSTER)
    assert doc.status == "error"
    assert doc.error == "changed while being read; review it again once it is complete" == CHANGED_WHILE_READ
    assert doc.sha256 is None  # no digest names bytes that were never read whole
    assert report.verdict == "incomplete"  # without its roster
    assert roster.read_bytes().startswith(original)


def test_a_report_from_changed_bytes_is_not_unchanged_once_the_file_is_restored(applicant, tmp_path, monkeypatch):
    store = ResultStore(f"sqlite:///{tmp_path / 's.sqlite'}")
    store.migrate()
    roster = applicant / ROSTER
    original, other = roster.read_bytes(), OTHER_ROSTER.read_bytes()

    opened = steps.open_applicant(applicant, IN_PROCESS, WHEN, store)
    assert opened.to_review
    _change_on_read(monkeypatch, ROSTER, lambda pf: _replace(roster, other))  # replaced while the batch ran
    first = _review_reading(opened, store, tmp_path / "out").report
    monkeypatch.undo()
    assert next(d for d in first.documents if d.file == ROSTER).sha256 == _sha(other)
    # the hash stored is of the bytes read; the flow hands the same one on for the batch rules' rewrite
    assert steps.as_reviewed(opened, first).packet_hash == packet_hash(load_packet(applicant, IN_PROCESS))

    _replace(roster, original)  # restored
    again = steps.open_applicant(applicant, IN_PROCESS, WHEN, store)
    assert again.to_review, "the stored report was made from other bytes than the folder now holds"
    second = _review_reading(again, store, tmp_path / "out").report
    assert next(d for d in second.documents if d.file == ROSTER).sha256 == _sha(original)
    _same_review(second, review(applicant, WHEN, IN_PROCESS).report)
    assert not steps.open_applicant(applicant, IN_PROCESS, WHEN, store).to_review  # now unchanged, rightly


def test_a_report_of_what_the_folder_holds_is_unchanged_on_the_next_run(applicant, tmp_path, monkeypatch):
    """The swapped bytes stay: the report was made from them, so the next run repeats no work."""
    store = ResultStore(f"sqlite:///{tmp_path / 's.sqlite'}")
    store.migrate()
    roster = applicant / ROSTER
    opened = steps.open_applicant(applicant, IN_PROCESS, WHEN, store)
    _change_on_read(monkeypatch, ROSTER, lambda pf: _replace(roster, OTHER_ROSTER.read_bytes()))
    first = _review_reading(opened, store, tmp_path / "out").report
    again = steps.open_applicant(applicant, IN_PROCESS, WHEN, store)
    assert not again.to_review and again.stored == first


def test_the_digest_of_an_unchanged_file_is_the_listed_one(applicant):
    for pf in load_packet(applicant, IN_PROCESS).files:
        extraction = read_document(pf, IN_PROCESS)
        assert extraction.sha256 == pf.sha256 and extraction.size == pf.size and not extraction.changed


def test_a_file_deleted_before_it_is_read_cannot_be_read(applicant, monkeypatch):
    packet = load_packet(applicant, IN_PROCESS)
    pf = next(f for f in packet.files if f.rel == ROSTER)
    (applicant / ROSTER).unlink()
    extraction = read_document(pf, IN_PROCESS)
    assert extraction.error.startswith("cannot be read: ")


def test_the_reading_process_reports_the_digest_of_what_it_read(applicant):
    from omreview.extractors.isolate import IsolatedReader

    pf = next(f for f in load_packet(applicant, RULES).files if f.rel == ROSTER)
    new = OTHER_ROSTER.read_bytes()
    _replace(applicant / ROSTER, new)  # after the listing
    with IsolatedReader() as reader:
        extraction = reader.read(pf, RULES)
    assert extraction.error is None and extraction.kind == "staff_roster"
    assert extraction.sha256 == _sha(new) != pf.sha256
