"""The results store: Alembic migrations match the tables, saves are idempotent upserts."""

import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from omreview.packet import load_packet, packet_hash
from omreview.review import review_applicant
from omreview.store import ResultStore, default_url
from omreview.store_schema import metadata
from tests.conftest import SAMPLE_DOCS


def _counts(path):
    with sqlite3.connect(path) as c:
        return {t: c.execute(f"select count(*) from {t}").fetchone()[0]
                for t in ("batches", "applicants", "documents", "figures", "checks", "discrepancies")}


def test_migrations_build_exactly_the_declared_tables(tmp_path):
    store = ResultStore(f"sqlite:///{tmp_path / 'r.sqlite'}")
    store.migrate()
    store.migrate()  # a second upgrade is a no-op
    with store.engine.connect() as c:
        assert compare_metadata(MigrationContext.configure(c), metadata) == []


def test_save_is_an_idempotent_upsert(tmp_path):
    path = tmp_path / "r.sqlite"
    store = ResultStore(f"sqlite:///{path}")
    store.migrate()
    report = review_applicant(SAMPLE_DOCS / "app-07")
    digest = packet_hash(load_packet(SAMPLE_DOCS / "app-07"))
    assert not store.seen("app-07", digest, report.rules_version)
    batch = store.start_batch("sample_docs", report.rules_version)
    first = store.save(report, digest, batch)
    once = _counts(path)
    assert store.save(report, digest, batch) == first
    assert _counts(path) == once
    assert store.seen("app-07", digest, report.rules_version)
    assert once["applicants"] == 1 and once["checks"] == 19 and once["discrepancies"] == len(report.discrepancies)
    assert once["figures"] == len(report.figures) and once["documents"] == len(report.documents)
    store.finish_batch(batch, 1, 0, 0)
    assert [r["applicant"]["id"] for r in store.latest_reports()] == ["app-07"]


def test_default_url_is_a_sqlite_file_beside_the_reports(tmp_path, monkeypatch):
    monkeypatch.delenv("OMREVIEW_DB_URL", raising=False)
    assert default_url(tmp_path) == f"sqlite:///{tmp_path.resolve() / 'omreview.sqlite'}"
    monkeypatch.setenv("OMREVIEW_DB_URL", "postgresql+psycopg://u@localhost/omreview")
    assert default_url(tmp_path).startswith("postgresql")


def test_packet_hash_changes_with_content(tmp_path, small_packet):
    before = packet_hash(load_packet(small_packet))
    assert packet_hash(load_packet(small_packet)) == before
    (small_packet / "a.pdf").write_bytes(b"%PDF-1.4 changed")
    assert packet_hash(load_packet(small_packet)) != before
