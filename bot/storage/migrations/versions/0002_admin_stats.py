"""Admin statistics: digest outcomes per hour, and questions the bot was not sure about.

Only new tables: existing subscriptions and deliveries are untouched, so upgrading a
database in use keeps every row. Neither table has a chat or user id.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # One row per UTC hour and outcome; every worker adds its run's counts (an upsert).
    op.create_table(
        "digest_outcomes",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "outcome", name="pk_digest_outcomes"),
    )
    # Normalised question text (lowercased, whitespace collapsed, 200 characters at most).
    op.create_table(
        "unsure_questions",
        sa.Column("question", sa.String(200), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("question", name="pk_unsure_questions"),
    )
    # Old questions are pruned by last_seen on every write: a range scan, not a table scan.
    op.create_index("ix_unsure_questions_last_seen", "unsure_questions", ["last_seen"])


def downgrade() -> None:
    op.drop_index("ix_unsure_questions_last_seen", table_name="unsure_questions")
    op.drop_table("unsure_questions")
    op.drop_table("digest_outcomes")
