"""Subscriptions and deliveries: the digest schedule and what each chat already had.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("cadence", sa.String(8), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=True),
        # "HH:MM" local wall time in ``zone``; instants below are UTC.
        sa.Column("local_time", sa.String(5), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(100), nullable=True),
        sa.Column("up_to_date_sent", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("cadence IN ('daily', 'weekly')", name="ck_subscriptions_cadence"),
        sa.CheckConstraint(
            "(cadence = 'daily' AND weekday IS NULL)"
            " OR (cadence = 'weekly' AND weekday BETWEEN 0 AND 6)",
            name="ck_subscriptions_weekday",
        ),
        sa.PrimaryKeyConstraint("chat_id", name="pk_subscriptions"),
    )
    # The claim reads due rows in next_due_at order: an index range scan, not a table scan.
    op.create_index("ix_subscriptions_next_due_at", "subscriptions", ["next_due_at"])
    op.create_table(
        "deliveries",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("command", sa.String(64), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "command", name="pk_deliveries"),
    )


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_index("ix_subscriptions_next_due_at", table_name="subscriptions")
    op.drop_table("subscriptions")
