"""Reader events: views, "did this answer your question?", quick checks, "not sure".

A new table only: counts per UTC hour, kind, topic key and language, with no chat or user
id. Old hours are purged after ``READER_EVENTS_DAYS`` (default 90).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The key starts with the hour: reports read a range of hours, the purge deletes one.
    op.create_table(
        "reader_events",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "kind", "topic", "language", name="pk_reader_events"),
    )


def downgrade() -> None:
    op.drop_table("reader_events")
