"""Reviewer decisions beside the machine results, and a log of unmasked roster views.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviewer_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("applicant_row", sa.Integer, sa.ForeignKey("applicants.id"), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(160), nullable=False),
        sa.Column("machine_status", sa.String(16)),
        sa.Column("machine_message", sa.Text, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reviewer_status", sa.String(16)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(255), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reviewer_decisions_applicant_row", "reviewer_decisions", ["applicant_row"])
    op.create_table(
        "personal_data_views",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("applicant_row", sa.Integer, sa.ForeignKey("applicants.id"), nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("sheet", sa.Text),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("reviewer", sa.String(255), nullable=False),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_personal_data_views_applicant_row", "personal_data_views", ["applicant_row"])


def downgrade() -> None:
    op.drop_table("personal_data_views")
    op.drop_table("reviewer_decisions")
