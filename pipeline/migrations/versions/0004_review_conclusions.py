"""The 评审结论 per applicant and its audit trail: concluded / reopened rows, appended, the newest in force.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_conclusions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("applicant_row", sa.Integer, sa.ForeignKey("applicants.id"), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("conclusion", sa.String(32)),
        sa.Column("opinion", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("machine_verdict", sa.String(32), nullable=False),
        sa.Column("reviewer", sa.String(255), nullable=False),
        sa.Column("acted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_review_conclusions_applicant_row", "review_conclusions", ["applicant_row"])


def downgrade() -> None:
    op.drop_table("review_conclusions")
