"""The flows against a Prefect server backed by PostgreSQL, with the results store in PostgreSQL too.

Skipped unless ``OMREVIEW_TEST_POSTGRES`` names a PostgreSQL server whose user may create databases,
e.g. ``OMREVIEW_TEST_POSTGRES=postgresql://omreview:secret@127.0.0.1:5432`` (``.ci/run`` starts Debian's
PostgreSQL and sets it), and the
``psycopg`` driver is installed (``pip install 'psycopg[binary]'``) for the results store.
"""

import json
import os
import uuid

import pytest

BASE = os.environ.get("OMREVIEW_TEST_POSTGRES", "")
pytestmark = pytest.mark.skipif(not BASE, reason="OMREVIEW_TEST_POSTGRES is not set")
if BASE:
    pytest.importorskip("psycopg")

from prefect.settings import PREFECT_API_URL, temporary_settings  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from omreview.flows.applicant import applicant_flow  # noqa: E402
from omreview.flows.local import LocalServer, settle  # noqa: E402
from tests.conftest import SAMPLE_DOCS  # noqa: E402

CREDENTIALS = BASE.split("://", 1)[-1]  # user:password@host:port


@pytest.fixture
def databases():
    """Two new PostgreSQL databases (Prefect's and the results store's: each has its own Alembic table)."""
    names = [f"omreview_test_{uuid.uuid4().hex[:8]}_{kind}" for kind in ("prefect", "store")]
    admin = create_engine(f"postgresql+psycopg://{CREDENTIALS}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        for name in names:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    yield [f"{CREDENTIALS}/{name}" for name in names]
    with admin.connect() as c:
        for name in names:
            c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_applicant_flow_on_a_prefect_server_backed_by_postgresql(databases, tmp_path, monkeypatch):
    prefect_db, store_db = databases
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", f"postgresql+asyncpg://{prefect_db}")
    server = LocalServer(tmp_path / "home")
    server.start()
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.wait_ready()}):
            report = applicant_flow(folder=SAMPLE_DOCS / "app-07", out=tmp_path / "out",
                                    db_url=f"postgresql+psycopg://{store_db}")
            settle()
    finally:
        assert server.stop() in (0, -15)
    assert report.verdict == "needs_review"
    assert json.loads((tmp_path / "out" / "app-07" / "report.json").read_text())["verdict"] == "needs_review"
    assert not (tmp_path / "home" / "prefect.db").exists()  # Prefect's database is the PostgreSQL one
    for url, query, expected in ((store_db, "select count(*) from applicants", 1),
                                 (prefect_db, "select count(*) from task_run where state_type = 'COMPLETED'", 8)):
        engine = create_engine(f"postgresql+psycopg://{url}")
        try:
            with engine.connect() as c:
                found = c.execute(text(query)).scalar()
        finally:  # closed even when the count is wrong: an open connection would fail the next test on this worker
            engine.dispose()
        assert found == expected, (query, found)
