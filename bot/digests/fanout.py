"""Scheduled digests: claim what is due, send it paced, record it, move the schedule on.

Subscriptions live in our own tables, and a tick (APScheduler through the JobQueue inside
``run``, or ``python -m bot digests send-due`` from cron) only asks "what is due now?".
APScheduler's own FAQ says a job store cannot be shared by several processes, so no
per-user job exists anywhere: several workers can tick at once, and the database's atomic
claim decides who sends what.

Delivery is at least once and at most once per slot in the normal case: a row is claimed
with a lease, sent, then completed in one transaction. A crash between claim and send
loses nothing (the lease expires and another tick sends it); only the messages in flight
at the instant of a crash (sent, not yet completed: at most ``concurrency`` of them) can
arrive twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import socket
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.digests.compose import compose
from bot.digests.pacing import Pacer
from bot.knowledge.catalog import Catalog
from bot.knowledge.outgoing import Failure, OutMessage, SendFailure
from bot.metrics import DIGESTS
from bot.schedule import slot_to_send
from bot.storage.database import Claim, Database
from bot.storage.worker import DatabaseUnavailable

log = logging.getLogger(__name__)

#: A row that failed for a passing reason (5xx, timeout) waits this long: the next tick.
RETRY_LATER = timedelta(minutes=1)


@dataclass(frozen=True)
class DigestSettings:
    rate_per_second: float = 25.0
    per_chat_interval: float = 1.0
    batch_size: int = 200
    #: How long a claim holds before another worker may take the row over.
    lease: timedelta = timedelta(minutes=5)
    #: A slot missed by less than this (the bot was down) is still sent, once.
    grace: timedelta = timedelta(hours=6)
    #: Tries for a 5xx or a timeout before the row waits for the next tick.
    attempts: int = 3
    #: Digests sent at once; the pacer keeps the rate, this keeps memory flat. It also bounds
    #: what a crash can repeat: at most this many sent but not yet recorded.
    concurrency: int = 32


@dataclass
class RunStats:
    sent: int = 0
    up_to_date: int = 0
    skipped: int = 0
    retried_later: int = 0
    ended: int = 0
    lost_claims: int = 0
    #: Claimed but not sent because the fan-out was told to stop (given back at once).
    released: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "up_to_date": self.up_to_date,
            "skipped": self.skipped,
            "retried_later": self.retried_later,
            "ended": self.ended,
            "lost_claims": self.lost_claims,
            "released": self.released,
        }


#: Sends one message or raises ``SendFailure`` (``bot.telegram.send.Transport`` is one).
SendFunction = Callable[[int, OutMessage], Awaitable[None]]
#: Runs a blocking database call off the event loop (``DatabaseWorker.call`` in the bot).
DatabaseCall = Callable[..., Awaitable[Any]]


async def _in_thread(function: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(function, *args)


class DigestSender:
    """Sends claimed digests through one pacer, acting on each classified failure."""

    def __init__(
        self,
        send: SendFunction,
        database: Database,
        catalog: Catalog,
        settings: DigestSettings,
        database_call: DatabaseCall | None = None,
    ) -> None:
        self.send = send
        self.database = database
        self.catalog = catalog
        self.settings = settings
        self.pacer = Pacer(settings.rate_per_second, settings.per_chat_interval)
        self.worker = f"{socket.gethostname()}:{id(self):x}"
        self._db = database_call or _in_thread
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Stop between sends (SIGTERM): what is claimed and not yet sent is given back."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def run_once(self, now: datetime | None = None) -> RunStats:
        """Send everything due at ``now`` (default: the current time), batch by batch."""
        stats = RunStats()
        instant = now or datetime.now(UTC)
        while not self.stopping:
            try:
                claims = await self._db(
                    self.database.claim_due,
                    instant,
                    self.settings.batch_size,
                    self.settings.lease,
                    self.worker,
                )
            except (SQLAlchemyError, DatabaseUnavailable) as err:
                log.warning("digests: could not claim due rows: %s", type(err).__name__)
                break
            if not claims:
                break
            await self._wait_for_window(claims)
            await self._send_batch(claims, instant, stats)
            if now is None:
                instant = datetime.now(UTC)
        if stats.sent or stats.ended or stats.retried_later:
            log.info("digests: %s", stats.as_dict())
        for outcome, count in stats.as_dict().items():
            if count:
                DIGESTS.labels("failed" if outcome == "retried_later" else outcome).inc(count)
        await self._record(stats)
        return stats

    async def _record(self, stats: RunStats) -> None:
        """Add the run's outcomes to the shared hourly totals that /stats reads.

        Stamped with the wall clock (when the messages really went out), also when ``now``
        replays a schedule. A failure here is logged and never undoes or repeats a send.
        """
        counts = {
            "sent": stats.sent,
            "up_to_date": stats.up_to_date,
            "failed": stats.retried_later + stats.errors["unexpected"],
            "ended": stats.ended,
        }
        if not any(counts.values()):
            return
        try:
            await self._db(self.database.record_digest_outcomes, counts, datetime.now(UTC))
        except (SQLAlchemyError, DatabaseUnavailable) as err:
            log.warning("could not record digest outcomes: %s", type(err).__name__)

    async def _wait_for_window(self, claims: Sequence[Claim]) -> None:
        """Wait for this batch's turn on the schedule every worker shares.

        The pacer keeps one process at the rate; the shared schedule keeps several workers
        (replicas, cron runs, overlapping ticks) at the rate together. The claims are held
        until the window has passed, so nobody takes them over while we wait.
        """
        wall = datetime.now(UTC)
        start = await self._db(
            self.database.reserve_sends, len(claims), self.settings.rate_per_second, wall
        )
        window = timedelta(seconds=len(claims) / self.settings.rate_per_second)
        if start + window > wall + self.settings.lease / 2:
            await self._db(
                self.database.extend_claims, claims, start + window + self.settings.lease
            )
        delay = (start - wall).total_seconds()
        if delay > 0:
            with contextlib.suppress(TimeoutError):  # woken early by stop()
                await asyncio.wait_for(self._stopping.wait(), delay)

    async def _send_batch(self, claims: Iterable[Claim], now: datetime, stats: RunStats) -> None:
        queue: asyncio.Queue[Claim] = asyncio.Queue()
        for claim in claims:
            queue.put_nowait(claim)
        unsent: list[Claim] = []

        async def worker() -> None:
            while not queue.empty():
                claim = queue.get_nowait()
                if self.stopping:
                    unsent.append(claim)
                    continue
                try:
                    await self._deliver(claim, now, stats)
                except Exception:  # one subscriber's failure must not stop the fan-out
                    log.exception("digest for one subscriber failed; it waits for the next tick")
                    stats.errors["unexpected"] += 1
                    with contextlib.suppress(Exception):
                        await self._db(self.database.release, claim, now + RETRY_LATER)

        await asyncio.gather(*(worker() for _ in range(self.settings.concurrency)))
        if unsent:
            try:
                stats.released += await self._db(
                    self.database.release_all, unsent, datetime.now(UTC)
                )
                log.info("digests: stopping; %d claimed row(s) given back", len(unsent))
            except (SQLAlchemyError, DatabaseUnavailable) as err:  # the lease frees them later
                log.warning("digests: could not give claims back: %s", type(err).__name__)

    async def _deliver(self, claim: Claim, now: datetime, stats: RunStats) -> None:
        send_now, next_due = slot_to_send(claim.spec, claim.next_due_at, now, self.settings.grace)
        if not send_now:
            stats.skipped += 1
            await self._complete(claim, None, next_due, now, claim.up_to_date_sent, stats)
            return
        delivered = await self._db(self.database.delivered, claim.chat_id)
        language = await self._db(self.database.language, claim.chat_id)
        catalog = self.catalog.in_language(language[0] if language else None)
        digest = compose(catalog, delivered, claim.up_to_date_sent)
        if digest.messages:
            outcome = await self._send(claim.chat_id, digest.messages, stats)
            if outcome == "ended":
                stats.ended += 1
                await self._db(self.database.end, claim.chat_id)
                return
            if outcome == "later":
                stats.retried_later += 1
                await self._db(self.database.release, claim, now + RETRY_LATER)
                return
            if digest.command is None:
                stats.up_to_date += 1
            else:
                stats.sent += 1
        await self._complete(claim, digest.command, next_due, now, digest.up_to_date_sent, stats)

    async def _complete(
        self,
        claim: Claim,
        command: str | None,
        next_due: datetime,
        now: datetime,
        up_to_date_sent: bool,
        stats: RunStats,
    ) -> None:
        done = await self._db(
            functools.partial(
                self.database.complete,
                claim,
                command=command,
                next_due_at=next_due,
                now=now,
                up_to_date_sent=up_to_date_sent,
            )
        )
        if not done:  # our lease ran out and another worker took the row over
            stats.lost_claims += 1

    async def _send(self, chat_id: int, messages: Iterable[OutMessage], stats: RunStats) -> str:
        """ "sent", "ended" (blocked, deleted, no such chat) or "later" (try next tick)."""
        for message in messages:
            failures = 0
            while True:
                await self.pacer.acquire(chat_id)
                try:
                    await self.send(chat_id, message)
                    break
                except SendFailure as err:
                    failure = err
                if failure.failure is Failure.WAIT:
                    stats.errors["429"] += 1
                    self.pacer.pause(failure.retry_after)
                elif failure.failure is Failure.GONE:
                    stats.errors["gone"] += 1
                    return "ended"
                elif failure.failure is Failure.UNSURE:
                    stats.errors["unsure"] += 1
                    break  # it may well have arrived: a digest is never sent twice
                elif failure.failure is Failure.RETRY:
                    failures += 1
                    stats.errors["network"] += 1
                    if failures >= self.settings.attempts:
                        return "later"
                    await asyncio.sleep(min(2.0**failures * 0.5, 10.0))
                else:
                    stats.errors["refused"] += 1
                    log.error("digest refused by Telegram: %s", failure.reason)
                    return "later"
        return "sent"


class Ticker:
    """The in-process tick: at most one fan-out at a time per process."""

    def __init__(self, sender: DigestSender) -> None:
        self.sender = sender
        self._running = asyncio.Lock()
        self._task: asyncio.Task[RunStats] | None = None
        self.last_stats: RunStats | None = None

    async def tick(self, _context: object = None) -> None:
        if self._running.locked() or self.sender.stopping:
            return  # the previous fan-out is still going and will pick new rows up itself
        async with self._running:
            started = time.monotonic()
            self._task = asyncio.create_task(self.sender.run_once())
            try:
                self.last_stats = await self._task
            except asyncio.CancelledError:
                if not self.sender.stopping:
                    raise
            finally:
                self._task = None
            log.debug("digest tick took %.1fs", time.monotonic() - started)

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop the fan-out between two sends and wait (at most ``timeout`` seconds) for it
        to give its unsent claims back; a fan-out stuck on a silent database is cancelled
        (its rows come back when their lease ends)."""
        self.sender.stop()
        task = self._task
        if task is None or task.done():
            return
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:
            log.warning("digests: the fan-out did not stop in %.0fs; cancelled", timeout)
            task.cancel()
            await asyncio.wait({task}, timeout=1.0)
