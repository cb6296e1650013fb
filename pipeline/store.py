"""The results store: every report also lands in a database (SQLite by default, PostgreSQL by URL).

Saving is an upsert keyed by applicant + packet hash + rules version, so re-running a batch writes
no duplicate rows. The schema is created and upgraded by Alembic (``pipeline/migrations``), never
by ad-hoc DDL.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, delete, event, insert, select, update

from pipeline.model import Report
from pipeline.store_schema import CHILD_TABLES, applicants, batches, checks, discrepancies, documents, figures

MIGRATIONS = Path(__file__).with_name("migrations")
DB_URL_ENV = "OMREVIEW_DB_URL"


def default_url(out: Path) -> str:
    """``$OMREVIEW_DB_URL`` if set, else a SQLite file beside the reports: ``OUT/omreview.sqlite``."""
    return os.environ.get(DB_URL_ENV) or f"sqlite:///{Path(out).resolve() / 'omreview.sqlite'}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (dashboards) do not block the batch
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class ResultStore:
    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest Alembic revision."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    # --- batches ---------------------------------------------------------------------------------

    def start_batch(self, intake: str, rules_version: str) -> int:
        with self.engine.begin() as c:
            return int(c.execute(insert(batches).values(intake=intake, rules_version=rules_version,
                                                        started_at=_now())).inserted_primary_key[0])

    def finish_batch(self, batch_id: int, applicants_done: int, skipped: int, failed: int) -> None:
        with self.engine.begin() as c:
            c.execute(update(batches).where(batches.c.id == batch_id).values(
                finished_at=_now(), applicant_count=applicants_done, skipped_count=skipped, failed_count=failed))

    # --- applicants ------------------------------------------------------------------------------

    def seen(self, applicant_id: str, packet_hash: str, rules_version: str) -> bool:
        """True when this exact packet was already reviewed under these rules."""
        with self.engine.connect() as c:
            row = c.execute(select(applicants.c.id).where(
                applicants.c.applicant_id == applicant_id, applicants.c.packet_hash == packet_hash,
                applicants.c.rules_version == rules_version)).first()
        return row is not None

    def save(self, report: Report, packet_hash: str, batch_id: int | None = None) -> int:
        """Insert or replace the rows of one report; returns the applicant row id."""
        data = report.model_dump(mode="json")
        fields = dict(
            batch_id=batch_id, name=report.applicant.name, credit_code=report.applicant.credit_code,
            recommending_authority=report.applicant.recommending_authority,
            relaxation_requested=report.applicant.relaxation_requested, application_date=report.application_date,
            verdict=report.verdict.value, report=data, updated_at=_now(),
        )
        key = (applicants.c.applicant_id == report.applicant.id, applicants.c.packet_hash == packet_hash,
               applicants.c.rules_version == report.rules_version)
        with self.engine.begin() as c:
            existing = c.execute(select(applicants.c.id).where(*key)).scalar()
            if existing is None:
                row_id = int(c.execute(insert(applicants).values(
                    applicant_id=report.applicant.id, packet_hash=packet_hash, rules_version=report.rules_version,
                    **fields)).inserted_primary_key[0])
            else:
                row_id = int(existing)
                c.execute(update(applicants).where(applicants.c.id == row_id).values(**fields))
                for table in CHILD_TABLES:
                    c.execute(delete(table).where(table.c.applicant_row == row_id))
            self._children(c, row_id, data)
        return row_id

    @staticmethod
    def _children(c: Any, row_id: int, data: dict[str, Any]) -> None:
        docs = [{"applicant_row": row_id, **{k: d[k] for k in ("file", "sha256", "kind", "fiscal_year", "status",
                                                                 "error", "pages", "ocr")}} for d in data["documents"]]
        figs = []
        for name, fig in data["figures"].items():
            src = fig.get("source") or {}
            figs.append({"applicant_row": row_id, "name": name, "value": fig["value"], "unit": fig["unit"],
                         "source_file": src.get("file"), "source_page": src.get("page"),
                         "source_sheet": src.get("sheet"), "source_cell": src.get("cell"),
                         "source_table": src.get("table"), "source_text": src.get("text"),
                         "source_bbox": src.get("bbox")})
        rows = [{"applicant_row": row_id, "check_id": ch["id"], "status": ch["status"], "message": ch["message"],
                 "check_values": ch["values"], "evidence": ch["evidence"]} for ch in data["checks"]]
        disc = [{"applicant_row": row_id, "figure": d["figure"], "message": d["message"],
                 "discrepancy_values": d["values"]} for d in data["discrepancies"]]
        for table, values in ((documents, docs), (figures, figs), (checks, rows), (discrepancies, disc)):
            if values:
                c.execute(insert(table), values)

    def latest_reports(self) -> list[dict[str, Any]]:
        """The newest report of each applicant (for dashboards and exports)."""
        with self.engine.connect() as c:
            rows = c.execute(select(applicants.c.applicant_id, applicants.c.report, applicants.c.updated_at)
                             .order_by(applicants.c.applicant_id, applicants.c.updated_at.desc())).all()
        newest: dict[str, dict[str, Any]] = {}
        for applicant_id, report, _ in rows:
            newest.setdefault(applicant_id, report)
        return list(newest.values())
