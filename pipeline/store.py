"""The results store: every report also lands in a database (SQLite by default, PostgreSQL by URL).

Saving is an upsert keyed by applicant + packet hash + rules version, so re-running a batch writes
no duplicate rows. The schema is created and upgraded by Alembic (``pipeline/migrations``), never
by ad-hoc DDL.

Opening and migrating a store fail in one plain line (``StoreError``, ``InputError`` for a malformed
URL; see ``store_failure``): a corrupt or read-only SQLite file, a full disk, a PostgreSQL server that
cannot be reached within ``$OMREVIEW_DB_TIMEOUT`` seconds, each naming the store (password masked).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import CursorResult, Engine, create_engine, delete, event, insert, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from omreview.conclusions import ConclusionEvent, ConclusionRefused
from omreview.decisions import ReviewerDecision
from omreview.errors import EnvironmentFailure, InputError, OmreviewError, StoreError
from omreview.failures import db_timeout, mask_url, write_failure
from omreview.model import Report
from omreview.store_schema import (
    CHILD_TABLES,
    applicants,
    batches,
    checks,
    discrepancies,
    documents,
    figures,
    personal_data_views,
    review_conclusions,
    reviewer_decisions,
)

MIGRATIONS = Path(__file__).with_name("migrations")
DB_URL_ENV = "OMREVIEW_DB_URL"


def _new_id(result: CursorResult[Any]) -> int:
    """The primary key of the row a single-row INSERT added (SQLAlchemy types it Optional)."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the INSERT returned no primary key")
    return int(key[0])


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


def _owner_only(database: str | None) -> None:
    """Create a SQLite store file owner-only (0600) before SQLite creates it with the umask's mode (its -wal
    and -shm files copy the database's mode); a store of ours found readable by others is tightened."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    with suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for path in (database, f"{database}-wal", f"{database}-shm"):
        with suppress(FileNotFoundError):
            st = os.stat(path)
            if st.st_uid == os.getuid() and st.st_mode & 0o077:
                os.chmod(path, 0o600)


def shown_url(url: str) -> str:
    """The store as the operator names it: a SQLite file's path, else the URL with its password masked."""
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else mask_url(url)


_DRIVER_TIMEOUTS = {"psycopg": "connect_timeout", "psycopg2": "connect_timeout"}  # libpq's, in seconds


def _connect_args(url: str) -> dict[str, Any]:
    """A PostgreSQL store's connect timeout (``$OMREVIEW_DB_TIMEOUT``) unless the URL sets one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return {}
    key = _DRIVER_TIMEOUTS.get(parsed.get_driver_name())
    if key is None or key in parsed.query:
        return {}
    return {key: max(1, round(db_timeout()))}


def store_failure(exc: BaseException, url: str | None, opening: bool = False) -> OmreviewError | None:
    """The plain failure of using the store at ``url``, or of opening it (its URL, driver, folder) when
    ``opening``; ``None``: not a store failure."""
    name = shown_url(url) if url else "the results store"
    store = f"the results store {name}" if url else name
    if opening and (isinstance(exc, sa_exc.ArgumentError)
                    or (isinstance(exc, ValueError) and not isinstance(exc, OmreviewError))):
        return InputError(f"the results store URL {name!r} is not valid ({_reason(exc)}): give one such as "
                          "postgresql+psycopg://user@host/omreview or sqlite:////path/omreview.sqlite "
                          f"({DB_URL_ENV} or --db)")
    if opening and isinstance(exc, ImportError):
        return EnvironmentFailure(f"{store} needs a database driver that is not installed ({_reason(exc)}): "
                                  "install it, e.g. pip install 'omreview[postgres]' for psycopg")
    if opening and isinstance(exc, OSError):
        return StoreError(str(write_failure(exc.filename or name, exc, f"fix {name} or choose another --out")))
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    reason = _reason(exc.orig if exc.orig is not None else exc)
    low = reason.lower()
    if "malformed" in low or "not a database" in low:
        return StoreError(f"{store} is damaged ({reason}): move it aside and run the batch again to build a new "
                          "one (every applicant is reviewed again), or restore it from a backup")
    if "disk is full" in low or "no space" in low:
        return StoreError(f"no space left for {store} ({reason}): free some space or choose another --out")
    if "readonly" in low or "read-only" in low:
        return StoreError(f"{store} cannot be written ({reason}): make it and its folder writable, "
                          "or choose another --out")
    if "unable to open" in low:
        return StoreError(f"{store} cannot be opened ({reason}): check that its folder exists and is writable")
    if isinstance(exc, sa_exc.OperationalError) and not (url or "").startswith("sqlite"):
        return StoreError(f"cannot reach {store} ({reason}): check that the database server is running and "
                          f"reachable and the URL ({DB_URL_ENV} or --db) is right")
    return StoreError(f"{store} failed ({reason}): check it, or move it aside and run the batch again")


def _reason(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return mask_url(lines[0] if lines else type(exc).__name__)


class ResultStore:
    def __init__(self, url: str) -> None:
        self.url = url
        try:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
                _owner_only(url.removeprefix("sqlite:///").partition("?")[0])
            self.engine: Engine = create_engine(url, future=True, connect_args=_connect_args(url))
        except (sa_exc.SQLAlchemyError, ImportError, OSError, ValueError) as exc:
            failure = store_failure(exc, url, opening=True)
            raise (failure or StoreError(f"cannot open {shown_url(url)}: {_reason(exc)}")) from exc
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest Alembic revision (``StoreError``: a plain line on failure)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except sa_exc.DBAPIError as exc:
            failure = store_failure(exc, self.url)
            if failure is None:
                raise
            raise failure from exc

    def close(self) -> None:
        self.engine.dispose()

    # --- batches ---------------------------------------------------------------------------------

    def start_batch(self, intake: str, rules_version: str) -> int:
        with self.engine.begin() as c:
            return _new_id(c.execute(insert(batches).values(intake=intake, rules_version=rules_version,
                                                            started_at=_now())))

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

    def save(self, report: Report, packet_hash: str, batch_id: int | None = None,
             data: dict[str, Any] | None = None) -> int:
        """Insert or replace the rows of one report; returns the applicant row id (``data``:
        ``report.model_dump(mode="json")`` if the caller has it already)."""
        data = report.model_dump(mode="json") if data is None else data
        fields = dict(
            batch_id=batch_id, name=report.applicant.name, credit_code=report.applicant.credit_code,
            recommending_authority=report.applicant.recommending_authority,
            relaxation_requested=report.applicant.relaxation_requested, application_date=report.application_date,
            verdict=report.verdict.value, report=data, updated_at=_now(), withdrawn_at=None,  # reviewed: present
        )
        key = (applicants.c.applicant_id == report.applicant.id, applicants.c.packet_hash == packet_hash,
               applicants.c.rules_version == report.rules_version)
        with self.engine.begin() as c:
            existing = c.execute(select(applicants.c.id).where(*key)).scalar()
            if existing is None:
                row_id = _new_id(c.execute(insert(applicants).values(
                    applicant_id=report.applicant.id, packet_hash=packet_hash, rules_version=report.rules_version,
                    **fields)))
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

    # --- withdrawn applicants (revision 0003) -----------------------------------------------------

    def sync_withdrawn(self, intake: str, present: Iterable[str]) -> tuple[list[str], list[str]]:
        """The intake is what is on disk: mark withdrawn every applicant whose newest row was reviewed from the
        intake folder ``intake`` (the path a batch recorded) and whose folder is not in ``present``; take the
        mark off those in ``present``. Returns the applicants withdrawn now and those back.

        Only applicants of this very intake folder are withdrawn: another intake's, or one reviewed alone
        (no batch), are left as they are. Every row of the applicant is marked, history included.
        """
        present = set(present)
        query = (select(applicants.c.applicant_id, applicants.c.withdrawn_at, batches.c.intake)
                 .select_from(applicants.outerjoin(batches, applicants.c.batch_id == batches.c.id))
                 .order_by(applicants.c.applicant_id, applicants.c.updated_at.desc(), applicants.c.id.desc()))
        newest: dict[str, tuple[dt.datetime | None, str | None]] = {}
        marked: set[str] = set()
        with self.engine.begin() as c:
            for applicant_id, withdrawn_at, from_intake in c.execute(query).all():
                newest.setdefault(applicant_id, (withdrawn_at, from_intake))
                if withdrawn_at is not None:
                    marked.add(applicant_id)
            gone = sorted(a for a, (withdrawn_at, from_intake) in newest.items()
                          if a not in present and withdrawn_at is None and from_intake == intake)
            back = sorted(marked & present)
            if gone:
                c.execute(update(applicants).where(applicants.c.applicant_id.in_(gone),
                                                   applicants.c.withdrawn_at.is_(None)).values(withdrawn_at=_now()))
            if back:
                c.execute(update(applicants).where(applicants.c.applicant_id.in_(back)).values(withdrawn_at=None))
        return gone, back

    # --- reviewers (revision 0002) ---------------------------------------------------------------

    def latest_applicants(self) -> list[StoredApplicant]:
        """The newest row of each applicant, with its batch (for the dashboard and the exports), withdrawn ones
        included (``StoredApplicant.withdrawn_at``: the exports and the overview leave them out by default)."""
        query = (select(applicants.c.id, applicants.c.applicant_id, applicants.c.verdict, applicants.c.application_date,
                        applicants.c.updated_at, applicants.c.batch_id, batches.c.intake, batches.c.started_at,
                        applicants.c.report, applicants.c.withdrawn_at)
                 .select_from(applicants.outerjoin(batches, applicants.c.batch_id == batches.c.id))
                 .order_by(applicants.c.applicant_id, applicants.c.updated_at.desc(), applicants.c.id.desc()))
        with self.engine.connect() as c:
            rows = c.execute(query).all()
        newest: dict[str, StoredApplicant] = {}
        for r in rows:
            if r.applicant_id not in newest:
                newest[r.applicant_id] = StoredApplicant(
                    row_id=r.id, applicant_id=r.applicant_id, verdict=r.verdict, application_date=r.application_date,
                    updated_at=_utc(r.updated_at), batch_id=r.batch_id, batch_intake=r.intake,
                    batch_started_at=_utc(r.started_at) if r.started_at else None, report=r.report,
                    withdrawn_at=_utc(r.withdrawn_at) if r.withdrawn_at else None)
        return list(newest.values())

    def record_decision(self, decision: ReviewerDecision) -> int:
        """Append a reviewer decision (never updating one); returns its id. The decision is validated again as a
        new one (rows read back from the store skip the rules a new decision must meet, e.g. an override's status)."""
        decision = ReviewerDecision.model_validate({**decision.model_dump(mode="python"), "id": None})
        values = decision.model_dump(mode="python", exclude={"id"})
        values["target_kind"] = decision.target_kind.value
        values["decision"] = decision.decision.value
        values["reviewer_status"] = decision.reviewer_status.value if decision.reviewer_status else None
        with self.engine.begin() as c:
            return _new_id(c.execute(insert(reviewer_decisions).values(**values)))

    def decisions(self, applicant_rows: Iterable[int] | None = None) -> list[ReviewerDecision]:
        """Every decision (of the given applicant rows), oldest first."""
        query = select(reviewer_decisions).order_by(reviewer_decisions.c.decided_at, reviewer_decisions.c.id)
        if applicant_rows is not None:
            query = query.where(reviewer_decisions.c.applicant_row.in_(list(applicant_rows)))
        with self.engine.connect() as c:
            rows = c.execute(query).mappings().all()
        return [ReviewerDecision.model_validate({**r, "decided_at": _utc(r["decided_at"])}) for r in rows]

    # --- conclusions (revision 0004) ----------------------------------------------------------------

    def record_conclusion_event(self, event: ConclusionEvent, after: int | None) -> int:
        """Append a conclusion or reopening (never updating one) if the row in force of its applicant row is
        still ``after`` (its id; ``None``: none yet); returns its id. Two reviewers acting on one applicant at
        once: the second is refused (``ConclusionRefused``), not appended after a row it never saw."""
        values = event.model_dump(mode="python", exclude={"id"})
        values["action"] = event.action.value
        with self.engine.begin() as c:
            # a write first: the applicant row is locked (PostgreSQL) or the database (SQLite) until commit
            c.execute(update(applicants).where(applicants.c.id == event.applicant_row)
                      .values(id=applicants.c.id))
            newest = c.execute(select(review_conclusions.c.id)
                               .where(review_conclusions.c.applicant_row == event.applicant_row)
                               .order_by(review_conclusions.c.id.desc()).limit(1)).scalar()
            if newest != after:
                raise ConclusionRefused("该申报企业的评审结论刚被他人更改，请刷新后再试。",
                                        "the conclusion of this applicant changed meanwhile (another reviewer): "
                                        "look at it again and retry")
            return _new_id(c.execute(insert(review_conclusions).values(**values)))

    def conclusion_events(self, applicant_rows: Iterable[int] | None = None) -> list[ConclusionEvent]:
        """The conclusion trail (of the given applicant rows), oldest first: concluded and reopened rows."""
        query = select(review_conclusions).order_by(review_conclusions.c.id)
        if applicant_rows is not None:
            query = query.where(review_conclusions.c.applicant_row.in_(list(applicant_rows)))
        with self.engine.connect() as c:
            rows = c.execute(query).mappings().all()
        return [ConclusionEvent.model_validate({**r, "acted_at": _utc(r["acted_at"])}) for r in rows]

    def record_personal_data_view(self, applicant_row: int, file: str, sheet: str | None, row: int,
                                  reviewer: str) -> None:
        """Log that ``reviewer`` opened one roster row unmasked."""
        with self.engine.begin() as c:
            c.execute(insert(personal_data_views).values(applicant_row=applicant_row, file=file, sheet=sheet, row=row,
                                                         reviewer=reviewer, viewed_at=_now()))

    def personal_data_views(self, applicant_row: int | None = None) -> list[dict[str, Any]]:
        query = select(personal_data_views).order_by(personal_data_views.c.viewed_at, personal_data_views.c.id)
        if applicant_row is not None:
            query = query.where(personal_data_views.c.applicant_row == applicant_row)
        with self.engine.connect() as c:
            return [dict(r) for r in c.execute(query).mappings().all()]


@dataclass(frozen=True)
class StoredApplicant:
    """One applicant's newest row in the store; ``report`` is report.json as a dict."""

    row_id: int
    applicant_id: str
    verdict: str
    application_date: dt.date
    updated_at: dt.datetime
    batch_id: int | None
    batch_intake: str | None
    batch_started_at: dt.datetime | None
    report: dict[str, Any]
    withdrawn_at: dt.datetime | None = None  # its folder was gone from its intake at a batch (revision 0003)


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything written here was UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def check_store(url: str) -> None:
    """Open the store and bring its schema up to date, before a command starts its work (``StoreError`` if not)."""
    store = ResultStore(url)
    try:
        store.migrate()
    finally:
        store.close()


def existing_url(out: Path | None, db: str | None) -> str:
    """The store of ``--db URL`` as given, else the one beside the reports of ``--out OUT``, which must exist.

    For commands that read a store (dashboard, export): a missing SQLite file is the user's mistake.
    """
    if db:
        return db
    if out is None:
        raise InputError("give --out OUT (the reports folder of a batch) or --db URL")
    url = default_url(out)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise InputError(f"no results store at {url.removeprefix('sqlite:///')}: run `omreview batch` first")
    return url
