"""State every replica must share: a half-finished step of a chat, and the content version.

``pending_steps``: "type your time zone" waits for the chat's next message, which the load
balancer may hand to another replica; the step (and the choices made so far) live here,
for 15 minutes at most. ``content_version``: /reload on one replica bumps it, and every
replica reloads its content when it sees a newer one. New tables only.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_steps",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name="pk_pending_steps"),
    )
    table = op.create_table(
        "content_version",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_content_version"),
    )
    op.bulk_insert(
        table, [{"name": "content", "version": 0, "changed_at": datetime(2000, 1, 1, tzinfo=UTC)}]
    )


def downgrade() -> None:
    op.drop_table("content_version")
    op.drop_table("pending_steps")
