"""Digest storage: subscriptions and what each chat was sent, in SQLite or PostgreSQL.

We store only what digests need: the chat id, the schedule, and which explainers the chat
already had (to pick the next one). No names, no message texts.

Sending is claim, send, complete. ``claim_due`` takes due rows atomically with a lease
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; one ``UPDATE ... RETURNING`` under SQLite's
write lock), so several worker processes never take the same row. ``complete`` records the
delivery and moves the schedule on in one transaction, and only while the claim is still
ours. A worker that dies mid-batch loses nothing: its rows become claimable again when the
lease runs out.

The functions are synchronous; the bot calls them through ``asyncio.to_thread``.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Dialect,
    Engine,
    Index,
    Integer,
    MetaData,
    Row,
    SmallInteger,
    String,
    Table,
    TextClause,
    TextualSelect,
    and_,
    bindparam,
    case,
    create_engine,
    delete,
    event,
    false,
    func,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from bot.schedule import CADENCES, DigestSpec, ScheduleError, next_due

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///data/bot.sqlite3"
#: Inside the package (package data), so a plain wheel install can migrate too.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: pg_advisory_xact_lock key: one migration at a time per database ("lupusmig").
_MIGRATION_LOCK = 0x6C7570_75736D6967
#: How long a SQLite writer waits for another process's write lock before failing.
SQLITE_BUSY_SECONDS = 30.0


class DatabaseError(Exception):
    """The database cannot be opened or migrated; the message says why (no password)."""


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

#: The schema as ``migrations/versions`` builds it; a test holds the two together.
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

#: Every table that holds rows about a chat: /privacy shows them, /deletedata empties them.
CHAT_TABLES: tuple[Table, ...] = (subscriptions, deliveries)

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

#: Outcome rows older than this are pruned when new ones are written; /stats reads 24 hours.
OUTCOME_RETENTION = timedelta(days=30)
#: A question nobody asked again for this long is forgotten (the texts are users' words).
UNSURE_RETENTION = timedelta(days=90)
#: Longest question kept; the rest is cut off.
QUESTION_CHARS = 200


_EMAIL = re.compile(r"\S+@\S+")
_DIGITS = re.compile(r"\+?\d[\d\s().-]{3,}\d")
_HANDLE = re.compile(r"(?<!\w)@\w+")


def normalise_question(text_: str) -> str:
    """Lowercased, whitespace collapsed, cut to 200 characters: one row per question.

    Stored without any id, but a user may still type a phone number, an e-mail address or
    an @name into a question: those are masked before anything is written.
    """
    masked = _EMAIL.sub("<email>", text_.replace("\x00", ""))
    masked = _HANDLE.sub("<name>", _DIGITS.sub("<number>", masked))
    return " ".join(masked.lower().split())[:QUESTION_CHARS].rstrip()


def hour_of(instant: datetime) -> datetime:
    """The UTC hour bucket an instant falls in."""
    return instant.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Subscription:
    chat_id: int
    spec: DigestSpec
    next_due_at: datetime
    up_to_date_sent: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Claim:
    """One due row this worker holds until its lease ends; ``claim_token`` proves it."""

    chat_id: int
    spec: DigestSpec
    next_due_at: datetime
    claim_token: str
    up_to_date_sent: bool


_RETURNED = "chat_id, cadence, weekday, local_time, zone, next_due_at, claim_token, up_to_date_sent"
_CLAIM_SQL = """
UPDATE subscriptions
SET claimed_until = :lease_end, claim_token = :token
WHERE chat_id IN (
    SELECT chat_id FROM subscriptions
    WHERE next_due_at <= :now AND (claimed_until IS NULL OR claimed_until <= :now)
    ORDER BY next_due_at
    LIMIT :limit{lock}
)
RETURNING {returned}
"""


def _claim_sql(dialect: str, prefix: str = "") -> TextClause:
    """The claiming UPDATE; PostgreSQL skips rows another worker is claiming right now."""
    lock = "\n    FOR UPDATE SKIP LOCKED" if dialect == "postgresql" else ""
    sql = prefix + _CLAIM_SQL.format(lock=lock, returned=_RETURNED)
    return text(sql).bindparams(
        bindparam("now", type_=UTCDateTime()),
        bindparam("lease_end", type_=UTCDateTime()),
        bindparam("token", type_=String()),
        bindparam("limit", type_=Integer()),
    )


def _claim_statement(dialect: str) -> TextualSelect:
    """The claim with typed result columns (SQLite returns instants as text)."""
    return _claim_sql(dialect).columns(
        subscriptions.c.chat_id,
        subscriptions.c.cadence,
        subscriptions.c.weekday,
        subscriptions.c.local_time,
        subscriptions.c.zone,
        subscriptions.c.next_due_at,
        subscriptions.c.claim_token,
        subscriptions.c.up_to_date_sent,
    )


def _spec(row: Row[Any]) -> DigestSpec:
    values = row._mapping
    return DigestSpec(
        cadence=values["cadence"],
        local_time=time.fromisoformat(values["local_time"]),
        zone=values["zone"],
        weekday=values["weekday"],
    )


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


def normalise_url(url: str) -> URL:
    """SQLite or PostgreSQL only; a bare ``postgresql://`` goes through psycopg 3."""
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        raise DatabaseError(
            "DATABASE_URL is not a database URL; use sqlite:///data/bot.sqlite3 or "
            "postgresql+psycopg://user:password@host/dbname"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"DATABASE_URL {parsed.render_as_string(hide_password=True)!r} is not supported: "
            "use SQLite (sqlite:///path) or PostgreSQL (postgresql+psycopg://...)"
        )
    return parsed


class Database:
    """Subscriptions in SQLite (one file, shared by processes) or PostgreSQL."""

    def __init__(self, url: str = DEFAULT_URL) -> None:
        self.url = normalise_url(url)
        self.dialect = self.url.get_backend_name()
        shown = self.url.render_as_string(hide_password=True)
        try:
            if self.dialect == "sqlite":
                self.engine = self._sqlite_engine()
            else:
                self.engine = create_engine(
                    self.url, pool_pre_ping=True, pool_size=5, max_overflow=20
                )
        except (NoSuchModuleError, ArgumentError, ImportError, OSError) as err:
            raise DatabaseError(f"cannot open the database {shown}: {err}") from None

    def _sqlite_engine(self) -> Engine:
        path = self.url.database
        memory = not path or path == ":memory:"
        if path and not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            self.url,
            connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False},
            **({"poolclass": StaticPool} if memory else {}),
        )

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            # We say BEGIN ourselves (below), so writers can take the lock up front.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_SECONDS * 1000)}")
            cursor.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
            cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, no fsync per commit
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            # IMMEDIATE takes the write lock at BEGIN: a deferred reader that later writes
            # can fail with SQLITE_BUSY at once instead of waiting its turn.
            mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine

    def dispose(self) -> None:
        """Close the pooled connections (the object can still be used: they reopen)."""
        self.engine.dispose()

    close = dispose

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction; on SQLite it holds the database's write lock from BEGIN."""
        with self.engine.connect() as connection:
            if self.dialect == "sqlite":
                connection.execution_options(sqlite_begin="IMMEDIATE")
            with connection.begin():
                yield connection

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection, connection.begin():
            yield connection

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
            spec=_spec(row),
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

    def _insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    def record_digest_outcomes(self, counts: dict[str, int], now: datetime) -> None:
        """Add one run's outcomes to the hour's totals; several workers add up, never clash."""
        rows = [
            {"hour": hour_of(now), "outcome": outcome, "total": n}
            for outcome, n in sorted(counts.items())
            if n > 0
        ]
        if not rows:
            return
        insert = self._insert(digest_outcomes)
        statement = insert.on_conflict_do_update(
            index_elements=[digest_outcomes.c.hour, digest_outcomes.c.outcome],
            set_={"total": digest_outcomes.c.total + insert.excluded.total},
        )
        with self._write() as connection:
            connection.execute(statement, rows)
            connection.execute(
                delete(digest_outcomes).where(digest_outcomes.c.hour < now - OUTCOME_RETENTION)
            )

    def digest_outcomes_since(self, since: datetime) -> dict[str, int]:
        """Outcome totals over the hour buckets from ``since``'s hour on."""
        with self._read() as connection:
            rows = connection.execute(
                select(digest_outcomes.c.outcome, func.sum(digest_outcomes.c.total))
                .where(digest_outcomes.c.hour >= hour_of(since))
                .group_by(digest_outcomes.c.outcome)
            )
            return {outcome: int(n) for outcome, n in rows}

    def record_unsure(self, question: str, now: datetime) -> None:
        """Count one question the bot was not sure about (normalised here; empty is ignored)."""
        normalised = normalise_question(question)
        if not normalised:
            return
        insert = self._insert(unsure_questions)
        statement = insert.values(question=normalised, total=1, last_seen=now)
        statement = statement.on_conflict_do_update(
            index_elements=[unsure_questions.c.question],
            set_={
                "total": unsure_questions.c.total + 1,
                "last_seen": insert.excluded.last_seen,
            },
        )
        with self._write() as connection:
            connection.execute(statement)
            connection.execute(
                delete(unsure_questions).where(
                    unsure_questions.c.last_seen < now - UNSURE_RETENTION
                )
            )

    def top_unsure(self, limit: int = 10) -> list[tuple[str, int]]:
        """The most asked questions the bot was not sure about, most asked first."""
        with self._read() as connection:
            rows = connection.execute(
                select(unsure_questions.c.question, unsure_questions.c.total)
                .order_by(
                    unsure_questions.c.total.desc(),
                    unsure_questions.c.last_seen.desc(),
                    unsure_questions.c.question,
                )
                .limit(limit)
            )
            return [(question, int(n)) for question, n in rows]

    # --- sending -----------------------------------------------------------------------

    def claim_due(self, now: datetime, limit: int, lease: timedelta, worker: str) -> list[Claim]:
        """Take up to ``limit`` due rows (free or with an expired lease), oldest first.

        The rows are held until ``now + lease``; no other worker can take them before,
        and every claim has a fresh token that ``complete`` and ``release`` check.
        """
        if limit <= 0:
            return []
        # Only a random token is stored: worker names (host names) stay out of /privacy.
        token = uuid.uuid4().hex
        params = {"now": now, "lease_end": now + lease, "token": token, "limit": limit}
        with self._write() as connection:
            rows = connection.execute(_claim_statement(self.dialect), params).all()
        claims: list[Claim] = []
        for row in rows:
            try:
                spec = _spec(row)
            except (ScheduleError, ValueError, TypeError):  # e.g. a zone gone from tzdata
                log.error("subscription with an unreadable schedule (zone %r)", row.zone)
                continue
            claims.append(
                Claim(row.chat_id, spec, row.next_due_at, token, bool(row.up_to_date_sent))
            )
        claims.sort(key=lambda claim: (claim.next_due_at, claim.chat_id))
        if claims:
            log.debug("%s claimed %d due subscriptions", worker, len(claims))
        return claims

    def complete(
        self,
        claim: Claim,
        *,
        command: str | None,
        next_due_at: datetime,
        now: datetime,
        up_to_date_sent: bool,
    ) -> bool:
        """Record the delivery (if any), move the schedule on and free the row, at once.

        Only while the claim is still ours: False (and nothing written) when the lease ran
        out and another worker took the row, or the chat unsubscribed meanwhile. If the
        subscriber changed the schedule meanwhile, the new schedule's due time stays.
        """
        row = subscriptions.c
        unchanged = and_(
            row.cadence == claim.spec.cadence,
            func.coalesce(row.weekday, -1)
            == (-1 if claim.spec.weekday is None else claim.spec.weekday),
            row.local_time == claim.spec.local_time.strftime("%H:%M"),
            row.zone == claim.spec.zone,
        )
        statement = (
            update(subscriptions)
            .where(row.chat_id == claim.chat_id, row.claim_token == claim.claim_token)
            .values(
                next_due_at=case(
                    (unchanged, literal(next_due_at, UTCDateTime())), else_=row.next_due_at
                ),
                claimed_until=None,
                claim_token=None,
                up_to_date_sent=up_to_date_sent,
                updated_at=now,
            )
        )
        with self._write() as connection:
            if connection.execute(statement).rowcount != 1:
                return False  # nothing was written
            if command is not None:
                insert = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(
                    deliveries
                )
                connection.execute(
                    insert.values(
                        chat_id=claim.chat_id, command=command, delivered_at=now
                    ).on_conflict_do_nothing(
                        index_elements=[deliveries.c.chat_id, deliveries.c.command]
                    )
                )
        return True

    def reserve_sends(self, count: int, rate: float, now: datetime) -> datetime:
        """Book ``count`` sends at ``rate`` a second on the schedule all workers share.

        Returns when this worker's window starts. Windows never overlap, so any number of
        workers together send at ``rate``, as Telegram's overall limit requires.
        """
        duration = timedelta(seconds=count / rate)
        row = send_schedule.c
        with self._write() as connection:
            query = select(row.next_free_at).where(row.name == "digests")
            if self.dialect == "postgresql":
                query = query.with_for_update()
            current: datetime = connection.execute(query).scalar_one()
            start = max(current, now)
            connection.execute(
                update(send_schedule)
                .where(row.name == "digests")
                .values(next_free_at=start + duration)
            )
        return start

    def extend_claims(self, claims: Sequence[Claim], until: datetime) -> None:
        """Hold claimed rows longer (while waiting for a send window), if still ours."""
        row = subscriptions.c
        with self._write() as connection:
            for claim in claims:
                connection.execute(
                    update(subscriptions)
                    .where(row.chat_id == claim.chat_id, row.claim_token == claim.claim_token)
                    .values(claimed_until=until)
                )

    def release(self, claim: Claim, retry_at: datetime) -> bool:
        """Give the row back unsent (a 5xx, a timeout): claimable again from ``retry_at``.

        The due time is kept, so the grace window still counts from the missed slot.
        A ``retry_at`` at or before the next claim's ``now`` makes the row due at once.
        """
        row = subscriptions.c
        with self._write() as connection:
            result = connection.execute(
                update(subscriptions)
                .where(row.chat_id == claim.chat_id, row.claim_token == claim.claim_token)
                .values(claimed_until=retry_at, claim_token=None)
            )
        return bool(result.rowcount)

    def explain_claim_sql(self, now: datetime) -> str:
        """The database's plan for the claiming query (it is planned, not run)."""
        prefix = "EXPLAIN QUERY PLAN " if self.dialect == "sqlite" else "EXPLAIN "
        params = {"now": now, "lease_end": now, "token": "explain", "limit": 200}
        with self._read() as connection:
            rows = connection.execute(_claim_sql(self.dialect, prefix), params).all()
        if self.dialect == "sqlite":
            return "\n".join(str(row[-1]) for row in rows)
        return "\n".join(str(row[0]) for row in rows)


def _shown(value: Any) -> Any:
    """Stored values as plain JSON-like data: instants in ISO 8601, UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value
