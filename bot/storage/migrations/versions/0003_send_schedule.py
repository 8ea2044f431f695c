"""A send schedule every worker shares, so that together they keep the overall rate.

Each worker books a window of time on this one row before it sends a batch; windows never
overlap, so N workers send at DIGEST_RATE_PER_SECOND in total, not N times it. New table
only: existing rows are untouched.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "send_schedule",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("next_free_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_send_schedule"),
    )
    # The row exists from the start, so workers only ever lock and update it.
    op.bulk_insert(table, [{"name": "digests", "next_free_at": datetime(2000, 1, 1, tzinfo=UTC)}])


def downgrade() -> None:
    op.drop_table("send_schedule")
