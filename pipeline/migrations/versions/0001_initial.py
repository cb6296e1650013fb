"""The first schema: batches, applicants, documents, figures, checks, discrepancies.

Revision ID: 0001
Revises:
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _child(name: str, *columns: sa.Column[Any]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("applicant_row", sa.Integer, sa.ForeignKey("applicants.id", ondelete="CASCADE"), nullable=False),
        *columns,
    )
    op.create_index(f"ix_{name}_applicant_row", name, ["applicant_row"])


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("intake", sa.Text, nullable=False),
        sa.Column("rules_version", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("applicant_count", sa.Integer),
        sa.Column("skipped_count", sa.Integer),
        sa.Column("failed_count", sa.Integer),
    )
    op.create_table(
        "applicants",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("applicant_id", sa.String(255), nullable=False),
        sa.Column("packet_hash", sa.String(64), nullable=False),
        sa.Column("rules_version", sa.String(64), nullable=False),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id", ondelete="SET NULL")),
        sa.Column("name", sa.Text),
        sa.Column("credit_code", sa.String(32)),
        sa.Column("recommending_authority", sa.Text),
        sa.Column("relaxation_requested", sa.Boolean, nullable=False),
        sa.Column("application_date", sa.Date, nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("applicant_id", "packet_hash", "rules_version", name="uq_applicant_packet_rules"),
    )
    _child("documents", sa.Column("file", sa.Text, nullable=False), sa.Column("sha256", sa.String(64)),
           sa.Column("kind", sa.String(32), nullable=False), sa.Column("fiscal_year", sa.Integer),
           sa.Column("status", sa.String(16), nullable=False), sa.Column("error", sa.Text),
           sa.Column("pages", sa.Integer), sa.Column("ocr", sa.Boolean, nullable=False))
    _child("figures", sa.Column("name", sa.String(128), nullable=False), sa.Column("value", sa.Text, nullable=False),
           sa.Column("unit", sa.String(16), nullable=False), sa.Column("source_file", sa.Text),
           sa.Column("source_page", sa.Integer), sa.Column("source_sheet", sa.Text),
           sa.Column("source_cell", sa.String(32)), sa.Column("source_table", sa.Integer),
           sa.Column("source_text", sa.Text), sa.Column("source_bbox", sa.JSON))
    _child("checks", sa.Column("check_id", sa.String(16), nullable=False),
           sa.Column("status", sa.String(16), nullable=False), sa.Column("message", sa.Text, nullable=False),
           sa.Column("check_values", sa.JSON, nullable=False), sa.Column("evidence", sa.JSON, nullable=False))
    _child("discrepancies", sa.Column("figure", sa.String(128), nullable=False),
           sa.Column("message", sa.Text, nullable=False), sa.Column("discrepancy_values", sa.JSON, nullable=False))


def downgrade() -> None:
    for name in ("discrepancies", "checks", "figures", "documents", "applicants", "batches"):
        op.drop_table(name)
