"""The tables, as ``migrations/versions`` builds them (a test holds the two together).

Only what features need is stored: chat ids, schedules and which explainers a chat had;
counts and masked question texts with no id. No names, no message texts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Index,
    MetaData,
    SmallInteger,
    String,
    Table,
    false,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; SQLite stores naive UTC text that sorts correctly."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("cadence", String(8), nullable=False),
    Column("weekday", SmallInteger, nullable=True),
    Column("local_time", String(5), nullable=False),
    Column("zone", String(64), nullable=False),
    Column("next_due_at", UTCDateTime, nullable=False),
    Column("claimed_until", UTCDateTime, nullable=True),
    Column("claim_token", String(100), nullable=True),
    Column("up_to_date_sent", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("cadence IN ('daily', 'weekly')", name="ck_subscriptions_cadence"),
    CheckConstraint(
        "(cadence = 'daily' AND weekday IS NULL)"
        " OR (cadence = 'weekly' AND weekday BETWEEN 0 AND 6)",
        name="ck_subscriptions_weekday",
    ),
    Index("ix_subscriptions_next_due_at", "next_due_at"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("command", String(64), primary_key=True),
    Column("delivered_at", UTCDateTime, nullable=False),
)

#: One row per kind of fan-out: when the shared send schedule is next free (no chat data).
send_schedule = Table(
    "send_schedule",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("next_free_at", UTCDateTime, nullable=False),
)

#: A step of a flow waiting for the chat's next message ("type your time zone"), with the
#: choices made so far; shared by replicas, forgotten when done or after ``PENDING_FOR``.
pending_steps = Table(
    "pending_steps",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("step", String(16), nullable=False),
    Column("state", String(64), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
PENDING_FOR = timedelta(minutes=15)

#: The language a chat chose (``/language``), or the one it subscribed in, so digests go
#: out in it. Only set when a person chose or subscribed; shown by /privacy.
chat_languages = Table(
    "chat_languages",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("language", String(16), nullable=False),
    Column("chosen", Boolean, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

#: The content's version: /reload on any replica bumps it, and every replica reloads.
content_version = Table(
    "content_version",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
)

#: Every table that holds rows about a chat: /privacy shows them, /deletedata empties them.
CHAT_TABLES: tuple[Table, ...] = (subscriptions, deliveries, pending_steps, chat_languages)

#: Digest outcomes per hour, summed over every worker: what /stats shows admins. No chat ids.
digest_outcomes = Table(
    "digest_outcomes",
    metadata,
    Column("hour", UTCDateTime, primary_key=True),
    Column("outcome", String(16), primary_key=True),
    Column("total", BigInteger, nullable=False),
)

#: Typed questions the router was not sure about, normalised and counted, so editors see
#: which topics are missing. Deliberately no chat or user id: a text cannot be traced back.
unsure_questions = Table(
    "unsure_questions",
    metadata,
    Column("question", String(200), primary_key=True),
    Column("total", BigInteger, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Index("ix_unsure_questions_last_seen", "last_seen"),
)

#: What readers did, counted per UTC hour, event kind, topic (its language-neutral key, ""
#: for none) and language: views, "did this answer your question?", quick checks, "not
#: sure". Counts only: deliberately no chat or user id, so no answer is traced to anyone.
reader_events = Table(
    "reader_events",
    metadata,
    Column("hour", UTCDateTime, primary_key=True),
    Column("kind", String(24), primary_key=True),
    Column("topic", String(64), primary_key=True),
    Column("language", String(16), primary_key=True),
    Column("total", BigInteger, nullable=False),
)

#: The kinds of reader event, in the order reports show them.
EVENT_KINDS = (
    "view_command",
    "view_button",
    "view_routed",
    "digest_read",
    "helpful_yes",
    "helpful_no",
    "check_right_first",
    "check_wrong",
    "not_sure",
)
#: Reader events older than this are purged (``READER_EVENTS_DAYS`` overrides it).
EVENT_RETENTION = timedelta(days=90)

#: Outcome rows older than this are pruned when new ones are written; /stats reads 24 hours.
OUTCOME_RETENTION = timedelta(days=30)
#: A question nobody asked again for this long is forgotten (the texts are users' words).
UNSURE_RETENTION = timedelta(days=90)
#: Longest question kept; the rest is cut off.
QUESTION_CHARS = 200
