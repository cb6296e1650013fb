"""The results store's tables (SQLAlchemy Core), queryable for dashboards.

One row per (applicant, packet hash, rules version) in ``applicants``; its documents, figures,
checks and discrepancies hang off it. Personal data is never stored unmasked (reports mask it).
Changes to these tables go through an Alembic revision in ``pipeline/migrations/versions``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

batches = Table(
    "batches", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("intake", Text, nullable=False),
    Column("rules_version", String(64), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("applicant_count", Integer),
    Column("skipped_count", Integer),
    Column("failed_count", Integer),
)

applicants = Table(
    "applicants", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("applicant_id", String(255), nullable=False),
    Column("packet_hash", String(64), nullable=False),
    Column("rules_version", String(64), nullable=False),
    Column("batch_id", Integer, ForeignKey("batches.id", ondelete="SET NULL")),
    Column("name", Text),
    Column("credit_code", String(32)),
    Column("recommending_authority", Text),
    Column("relaxation_requested", Boolean, nullable=False, default=False),
    Column("application_date", Date, nullable=False),
    Column("verdict", String(32), nullable=False),
    Column("report", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("applicant_id", "packet_hash", "rules_version", name="uq_applicant_packet_rules"),
    # revision 0003: when a batch of the intake folder it was last reviewed from found its folder gone
    # (every row of the applicant; NULL again once it is back, or saved again)
    Column("withdrawn_at", DateTime(timezone=True)),
)

documents = Table(
    "documents", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("applicant_row", Integer, ForeignKey("applicants.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("file", Text, nullable=False),
    Column("sha256", String(64)),
    Column("kind", String(32), nullable=False),
    Column("fiscal_year", Integer),
    Column("status", String(16), nullable=False),
    Column("error", Text),
    Column("pages", Integer),
    Column("ocr", Boolean, nullable=False, default=False),
)

figures = Table(
    "figures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("applicant_row", Integer, ForeignKey("applicants.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(128), nullable=False),
    Column("value", Text, nullable=False),
    Column("unit", String(16), nullable=False),
    Column("source_file", Text),
    Column("source_page", Integer),
    Column("source_sheet", Text),
    Column("source_cell", String(32)),
    Column("source_table", Integer),
    Column("source_text", Text),
    Column("source_bbox", JSON),
)

checks = Table(
    "checks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("applicant_row", Integer, ForeignKey("applicants.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("check_id", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("check_values", JSON, nullable=False),
    Column("evidence", JSON, nullable=False),
)

discrepancies = Table(
    "discrepancies", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("applicant_row", Integer, ForeignKey("applicants.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("figure", String(128), nullable=False),
    Column("message", Text, nullable=False),
    Column("discrepancy_values", JSON, nullable=False),
)

CHILD_TABLES = (documents, figures, checks, discrepancies)

# --- revision 0002: what reviewers do, beside (never replacing) the machine results ---------------

# One row per decision, appended, never updated: the newest per target is in force. It hangs off
# the applicant row (applicant + packet hash + rules version) it was made on; a re-saved report
# of the same packet keeps its decisions, a changed packet starts without them.
reviewer_decisions = Table(
    "reviewer_decisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("applicant_row", Integer, ForeignKey("applicants.id"), nullable=False, index=True),
    Column("target_kind", String(16), nullable=False),
    Column("target", String(160), nullable=False),
    Column("machine_status", String(16)),
    Column("machine_message", Text, nullable=False),
    Column("decision", String(16), nullable=False),
    Column("reviewer_status", String(16)),
    Column("reason", Text, nullable=False),
    Column("reviewer", String(255), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
)

# Every time a reviewer opens a roster row unmasked, on purpose: who, which row, when.
personal_data_views = Table(
    "personal_data_views", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("applicant_row", Integer, ForeignKey("applicants.id"), nullable=False, index=True),
    Column("file", Text, nullable=False),
    Column("sheet", Text),
    Column("row", Integer, nullable=False),
    Column("reviewer", String(255), nullable=False),
    Column("viewed_at", DateTime(timezone=True), nullable=False),
)

# --- revision 0004: the 评审结论 per applicant, and its audit trail ----------------------------------

# One row per action, appended, never updated: ``concluded`` (a conclusion code of rules.yaml's
# ``review.conclusions`` and an opinion) or ``reopened`` (a reason); the newest row of an applicant row
# is in force. Like decisions it hangs off the applicant row (applicant + packet hash + rules version):
# a changed packet starts open. Opinions and reasons are masked before they are stored.
review_conclusions = Table(
    "review_conclusions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("applicant_row", Integer, ForeignKey("applicants.id"), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("conclusion", String(32)),
    Column("opinion", Text),
    Column("reason", Text),
    Column("machine_verdict", String(32), nullable=False),
    Column("reviewer", String(255), nullable=False),
    Column("acted_at", DateTime(timezone=True), nullable=False),
)
