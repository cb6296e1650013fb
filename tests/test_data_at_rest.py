"""Personal data at rest: owner-only files, masked decision reasons, masked 身份证号 in file and folder names."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import io
import json
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from docx import Document as open_docx

from omreview.dashboard.present import document_table
from omreview.dashboard.sources import SourceUnavailable, applicant_folder, original
from omreview.decisions import describe, make_decision
from omreview.errors import InputError
from omreview.exports import batch_workbook
from omreview.intake import record, write_error_log
from omreview.packet import applicant_folders, load_packet, packet_hash
from omreview.review import review_packet
from omreview.review_docx import review_document
from omreview.rules import default_rules
from omreview.store import ResultStore
from tests.conftest import SAMPLE_DOCS
from tests.store_factory import build_store

ID = "110105194912310021"  # a 身份证号 (region 110105, born 1949-12-31)
MASKED = "1101**********0021"
T0 = dt.datetime(2012, 6, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def open_umask():
    """The usual umask (files 0644, folders 0755), whatever the test runner's is."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _others_can_read(path: Path) -> bool:
    return bool(stat.S_IMODE(path.stat().st_mode) & 0o077)


# --- owner-only files ------------------------------------------------------------------------------


def test_a_new_store_and_its_wal_are_owner_only(tmp_path, open_umask):
    store = build_store(tmp_path / "omreview.sqlite", ("app-07",))
    files = [tmp_path / n for n in ("omreview.sqlite", "omreview.sqlite-wal", "omreview.sqlite-shm")]
    assert files[0].stat().st_size > 0 and files[1].exists()
    assert [stat.filemode(f.stat().st_mode) for f in files if f.exists()] == ["-rw-------"] * sum(
        f.exists() for f in files)
    store.close()


def test_an_existing_store_readable_by_others_is_tightened(tmp_path, open_umask):
    path = tmp_path / "omreview.sqlite"
    ResultStore(f"sqlite:///{path}").migrate()
    path.chmod(0o644)
    ResultStore(f"sqlite:///{path}").close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_error_log_is_owner_only(tmp_path, open_umask):
    log = write_error_log(tmp_path, "app-01", RuntimeError("boom"))
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_a_prefect_home_seeded_from_the_template_is_owner_only(tmp_path, open_umask, monkeypatch):
    from omreview.flows import local

    cache = tmp_path / "cache"
    cache.mkdir()
    template = cache / f"prefect-{importlib.metadata.version('prefect')}.db"
    sqlite3.connect(template).close()
    template.chmod(0o644)
    monkeypatch.setenv("OMREVIEW_CACHE_DIR", str(cache))
    home = tmp_path / "out" / ".prefect"
    home.mkdir(parents=True)
    assert local._seed_database(home / "prefect.db")
    assert stat.S_IMODE((home / "prefect.db").stat().st_mode) == 0o600


def test_the_local_prefect_server_keeps_its_home_owner_only(tmp_path, open_umask):
    """The server's own files (a database it migrates itself, its -wal) and the home folder."""
    from omreview.flows.local import LocalServer

    home = tmp_path / "out" / ".prefect"
    server = LocalServer(home, use_template=False)
    server.start()
    try:
        server.wait_ready()
    finally:
        server.stop()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert (home / "prefect.db").exists()
    readable = [str(p.relative_to(home)) for p in [home, *home.rglob("*")] if _others_can_read(p)]
    assert readable == []


# --- decision reasons ------------------------------------------------------------------------------


def test_a_decision_reason_is_masked_before_it_is_stored(tmp_path):
    store = build_store(tmp_path / "r.sqlite", ("app-07",))
    entry = next(e for e in store.latest_applicants() if e.applicant_id == "app-07")
    decision = make_decision(entry.report, entry.row_id, "check", "P1", "accepted",
                             f"已核对 张三（身份证号 {ID}）的证书", "王评审", now=T0)
    assert decision.reason == f"已核对 张三（身份证号 {MASKED}）的证书"
    store.record_decision(decision)

    with sqlite3.connect(tmp_path / "r.sqlite") as db:
        [(stored,)] = db.execute("select reason from reviewer_decisions").fetchall()
    assert ID not in stored and MASKED in stored
    for f in tmp_path.glob("r.sqlite*"):
        assert ID.encode() not in f.read_bytes(), f
    [history] = store.decisions([entry.row_id])
    assert MASKED in describe(history)

    buffer = io.BytesIO()
    review_document(entry, [history], default_rules()).save(buffer)
    doc = open_docx(io.BytesIO(buffer.getvalue()))
    text = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    assert MASKED in text and ID not in text
    book = batch_workbook([entry], [history], default_rules(), tmp_path / "x.xlsx").read_bytes()
    assert ID.encode() not in book


# --- 身份证号 in file and folder names ----------------------------------------------------------------

FOLDER = f"张三{ID}"


@pytest.fixture
def named_intake(tmp_path):
    """Sample app-07 in a folder named with a 身份证号, its roster's file name holding one too."""
    folder = tmp_path / "intake" / FOLDER
    shutil.copytree(SAMPLE_DOCS / "app-07", folder)
    (folder / "材料_4.xlsx").rename(folder / f"材料_4_{ID}.xlsx")
    return folder


def test_an_identifier_in_file_and_folder_names_is_masked_in_report_store_and_pages(tmp_path, named_intake):
    out = tmp_path / "out"
    store = ResultStore(f"sqlite:///{out / 'omreview.sqlite'}")
    store.migrate()
    packet = load_packet(named_intake)
    report = review_packet(packet, dt.date(2012, 6, 1), default_rules()).report
    record(report, packet_hash(packet), out, store)

    masked_id, masked_file = f"张三{MASKED}", f"材料_4_{MASKED}.xlsx"
    assert report.applicant.id == masked_id
    assert masked_file in [d.file for d in report.documents]
    written = (out / masked_id / "report.json").read_text(encoding="utf-8")
    assert ID not in written and masked_file in written
    assert any(s["file"] == masked_file for s in _sources(json.loads(written)))  # evidence points at it
    for f in out.glob("omreview.sqlite*"):
        assert ID.encode() not in f.read_bytes(), f
    assert not any(ID in p.name for p in out.rglob("*"))

    # the dashboard finds the originals again from the masked names (only the sha256-identical file)
    [entry] = store.latest_applicants()
    folder = applicant_folder(entry, named_intake.parent)
    assert folder == named_intake.resolve()
    src = next(s for s in _sources(entry.report) if s["file"] == masked_file)
    assert original(folder, src["file"], src["sha256"]).name == f"材料_4_{ID}.xlsx"
    with pytest.raises(SourceUnavailable):
        original(folder, src["file"], "0" * 64)
    # and the page's table of documents shows the masked name
    assert masked_file in [r["文件"] for r in document_table(entry.report)]


def test_two_folders_that_mask_alike_are_refused(tmp_path):
    intake = tmp_path / "intake"
    for number in (ID, "110105195001010021"):
        (intake / f"张三{number}").mkdir(parents=True)
    with pytest.raises(InputError, match=r"same id 张三1101\*{10}0021 once the 身份证号"):
        applicant_folders(intake)


def _sources(report: dict) -> list[dict]:
    found: list[dict] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            if "file" in value and "sha256" in value:
                found.append(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(report)
    return found


def test_a_folder_not_reviewed_is_named_masked_too(tmp_path):
    """A folder rejected (empty) or left for the next run (still changing) is named by its masked id in the
    batch's rows and messages, as the store and the withdrawal of absent applicants know it."""
    from omreview.intake import open_applicant

    intake = tmp_path / "intake"
    (intake / FOLDER).mkdir(parents=True)
    (intake / f"名单{ID}.txt").write_text("loose", encoding="utf-8")
    folders, loose = applicant_folders(intake)
    assert loose == [f"名单{MASKED}.txt"]
    rejected = open_applicant(folders[0], default_rules(), dt.date(2012, 6, 1), None)
    assert rejected.applicant_id == f"张三{MASKED}" and rejected.error and ID not in rejected.error
    (intake / FOLDER / "a.pdf").write_bytes(b"%PDF-1.4")
    deferred = open_applicant(folders[0], default_rules(), dt.date(2012, 6, 1), None, settle_seconds=3600)
    assert deferred.applicant_id == f"张三{MASKED}" and deferred.deferred
