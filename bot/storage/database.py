"""Digest storage: subscriptions and what each chat was sent, in SQLite or PostgreSQL.

We store only what digests need: the chat id, the schedule, and which explainers the chat
already had (to pick the next one). No names, no message texts.

``Database`` is the one object the rest of the bot holds: this module adds migrations,
subscribers and privacy (what /privacy shows, what /deletedata removes) to the claim cycle
of ``claims``, the statistics of ``stats``, the reader events of ``events`` and the
replicas' shared state of ``shared``; ``schema`` has the tables and ``engine`` the
connections. The methods are synchronous; the
bot calls them through ``worker.DatabaseWorker`` (bounded threads, deadlines).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import Row, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from bot.schedule import CADENCES, DigestSpec, next_due
from bot.storage.claims import Claim, Claims, spec_of_row
from bot.storage.engine import DatabaseError, Store
from bot.storage.events import Events
from bot.storage.schema import CHAT_TABLES, deliveries, metadata, subscriptions
from bot.storage.shared import SharedState
from bot.storage.stats import Stats, hour_of, normalise_question

__all__ = [
    "Claim",
    "Database",
    "DatabaseError",
    "Store",
    "Subscription",
    "hour_of",
    "metadata",
    "normalise_question",
]

#: Inside the package (package data), so a plain wheel install can migrate too.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: pg_advisory_xact_lock key: one migration at a time per database ("lupusmig").
_MIGRATION_LOCK = 0x6C7570_75736D6967


@dataclass(frozen=True)
class Subscription:
    chat_id: int
    spec: DigestSpec
    next_due_at: datetime
    up_to_date_sent: bool
    created_at: datetime
    updated_at: datetime


def _row(chat_id: int, spec: DigestSpec, now: datetime) -> dict[str, Any]:
    return {
        "chat_id": chat_id,
        "cadence": spec.cadence,
        "weekday": spec.weekday,
        "local_time": spec.local_time.strftime("%H:%M"),
        "zone": spec.zone,
        "next_due_at": next_due(spec, now),
        "created_at": now,
        "updated_at": now,
    }


class Database(Claims, Stats, Events, SharedState):
    """Subscriptions in SQLite (one file, shared by processes) or PostgreSQL."""

    # --- schema ------------------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to the newest revision; safe to run again or from many processes.

        Every process takes the same lock first (an advisory lock on PostgreSQL, the write
        lock on SQLite) and migrates inside that transaction, so the second one finds the
        work done.
        """
        shown = self.url.render_as_string(hide_password=True)
        if not (MIGRATIONS / "env.py").is_file():
            raise DatabaseError(
                f"the migrations folder is missing ({MIGRATIONS}); run from a clone or an "
                "editable install (pip install -e .)"
            )
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self._write() as connection:
                if self.dialect == "postgresql":
                    # A migration may rebuild an index on a big table: no statement limit.
                    connection.execute(text("SET LOCAL statement_timeout = 0"))
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except (SQLAlchemyError, CommandError, OSError) as err:
            reason = getattr(err, "orig", None) or err
            raise DatabaseError(f"cannot migrate the database {shown}: {reason}") from None

    # --- subscribers -------------------------------------------------------------------

    def subscribe(self, chat_id: int, spec: DigestSpec, now: datetime) -> Subscription:
        """Create or change a subscription; the first digest is the next slot after now.

        A change keeps what the chat already had (its deliveries, the up-to-date note) and
        leaves a claim in flight alone: ``complete`` then keeps this new schedule.
        """
        statement = self._upsert().values(_row(chat_id, spec, now)).returning(*subscriptions.c)
        with self._write() as connection:
            row = connection.execute(statement).one()
        return self._subscription(row)

    def bulk_subscribe(self, items: Iterable[tuple[int, DigestSpec]], now: datetime) -> int:
        """``subscribe`` for many chats in one transaction (imports, benchmarks, tests)."""
        rows = [_row(chat_id, spec, now) for chat_id, spec in items]
        with self._write() as connection:
            for start in range(0, len(rows), 1000):
                connection.execute(self._upsert(), rows[start : start + 1000])
        return len(rows)

    def _upsert(self) -> postgresql.Insert | sqlite.Insert:
        insert = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(
            subscriptions
        )
        changed = ("cadence", "weekday", "local_time", "zone", "next_due_at", "updated_at")
        return insert.on_conflict_do_update(
            index_elements=[subscriptions.c.chat_id],
            set_={name: insert.excluded[name] for name in changed},
        )

    def get(self, chat_id: int) -> Subscription | None:
        with self._read() as connection:
            row = connection.execute(
                select(subscriptions).where(subscriptions.c.chat_id == chat_id)
            ).one_or_none()
        return None if row is None else self._subscription(row)

    @staticmethod
    def _subscription(row: Row[Any]) -> Subscription:
        values = row._mapping
        return Subscription(
            chat_id=values["chat_id"],
            spec=spec_of_row(row),
            next_due_at=values["next_due_at"],
            up_to_date_sent=bool(values["up_to_date_sent"]),
            created_at=values["created_at"],
            updated_at=values["updated_at"],
        )

    def unsubscribe(self, chat_id: int) -> bool:
        """Stop digests; True if there was a subscription.

        The list of explainers already sent is kept, so subscribing again never repeats
        old news; ``/privacy`` shows it and ``delete_chat`` removes it.
        """
        with self._write() as connection:
            result = connection.execute(
                delete(subscriptions).where(subscriptions.c.chat_id == chat_id)
            )
        return bool(result.rowcount)

    def delete_chat(self, chat_id: int) -> int:
        """Remove every row about the chat in every table; returns how many went."""
        removed = 0
        with self._write() as connection:
            for table in CHAT_TABLES:
                removed += connection.execute(
                    delete(table).where(table.c.chat_id == chat_id)
                ).rowcount
        return removed

    def end(self, chat_id: int) -> int:
        """The chat blocked the bot or no longer exists: keep nothing about it."""
        return self.delete_chat(chat_id)

    def export_chat(self, chat_id: int) -> dict[str, list[dict[str, Any]]]:
        """Exactly what is stored about the chat, table by table, for /privacy."""
        stored: dict[str, list[dict[str, Any]]] = {}
        with self._read() as connection:
            for table in CHAT_TABLES:
                rows = connection.execute(
                    select(table).where(table.c.chat_id == chat_id).order_by(*table.primary_key)
                )
                stored[table.name] = [
                    {key: _shown(value) for key, value in row._mapping.items()} for row in rows
                ]
        return stored

    def delivered(self, chat_id: int) -> set[str]:
        """The explainers (by command) this chat already had."""
        with self._read() as connection:
            rows = connection.execute(
                select(deliveries.c.command).where(deliveries.c.chat_id == chat_id)
            )
            return {command for (command,) in rows}

    def count_by_cadence(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(CADENCES, 0)
        with self._read() as connection:
            rows = connection.execute(
                select(subscriptions.c.cadence, func.count()).group_by(subscriptions.c.cadence)
            )
            counts.update({cadence: int(n) for cadence, n in rows})
        return counts

    # --- admin statistics (no chat ids) -------------------------------------------------


def _shown(value: Any) -> Any:
    """Stored values as plain JSON-like data: instants in ISO 8601, UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value
