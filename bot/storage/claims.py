"""Claiming due digests: atomically, with a lease, so several workers never send one twice.

``claim_due`` takes due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; one ``UPDATE ...
RETURNING`` under SQLite's write lock); ``complete`` records the delivery and moves the
schedule on in one transaction, and only while the claim is still ours; ``release`` gives
a row back unsent. A worker that dies mid-batch loses nothing: its rows become claimable
again when the lease runs out.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    Row,
    String,
    TextClause,
    TextualSelect,
    and_,
    bindparam,
    case,
    func,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from bot.schedule import DigestSpec, ScheduleError
from bot.storage.engine import Store
from bot.storage.schema import UTCDateTime, deliveries, send_schedule, subscriptions

log = logging.getLogger(__name__)


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


def spec_of_row(row: Row[Any]) -> DigestSpec:
    values = row._mapping
    return DigestSpec(
        cadence=values["cadence"],
        local_time=time.fromisoformat(values["local_time"]),
        zone=values["zone"],
        weekday=values["weekday"],
    )


class Claims(Store):
    """The claim, send, complete cycle of the digest fan-out."""

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
                spec = spec_of_row(row)
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

    def release_all(self, claims: Sequence[Claim], at: datetime) -> int:
        """``release`` for many claims in one transaction (a fan-out stopping early gives
        its unsent rows back at once, so another worker takes them over immediately)."""
        row = subscriptions.c
        released = 0
        with self._write() as connection:
            for claim in claims:
                result = connection.execute(
                    update(subscriptions)
                    .where(row.chat_id == claim.chat_id, row.claim_token == claim.claim_token)
                    .values(claimed_until=at, claim_token=None)
                )
                released += result.rowcount
        return released

    def explain_claim_sql(self, now: datetime) -> str:
        """The database's plan for the claiming query (it is planned, not run)."""
        prefix = "EXPLAIN QUERY PLAN " if self.dialect == "sqlite" else "EXPLAIN "
        params = {"now": now, "lease_end": now, "token": "explain", "limit": 200}
        with self._read() as connection:
            rows = connection.execute(_claim_sql(self.dialect, prefix), params).all()
        if self.dialect == "sqlite":
            return "\n".join(str(row[-1]) for row in rows)
        return "\n".join(str(row[0]) for row in rows)
