"""One queue per chat: replies go out in order, paced, safety replies first and never lost.

Telegram asks bots to send about one message a second to a chat (twenty a minute to a
group) and answers bursts with 429 and a ``retry_after``. Replies used to be sent by each
update's handler at once, so a person typing many short lines made the bot burst their own
chat into 429s, and a reply gave up after three of them. Here each chat has a lane: its
replies wait in one queue and one worker sends them, paced by a small token bucket, so the
bot does not provoke 429s itself; when Telegram still says wait, the lane waits and tries
the same message again, and the replies behind it keep their order.

A safety reply (emergency or crisis) goes to the front of its chat's queue (behind only
the message being sent at that moment) and is tried until it is sent: every
``retry_after`` is waited out, passing errors retried with backoff, up to
``safety_give_up_after`` seconds (several minutes), and a request that timed out after it
was sent is repeated once (one duplicate is acceptable there, silence is not). A routine
reply whose send timed out is not repeated (Telegram may have delivered it: a message that
may be missing is better than three copies), and it gives up after ``routine_give_up_after``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot import metrics
from bot.knowledge.outgoing import Failure, OutMessage, Reply, SendFailure

log = logging.getLogger(__name__)

#: Sends one message or raises ``SendFailure`` (``bot.telegram.send.Transport``).
SendOne = Callable[[int, OutMessage], Awaitable[None]]


@dataclass(frozen=True)
class Pace:
    """A chat's token bucket: ``burst`` messages at once, then ``per_second``."""

    per_second: float
    burst: float


#: Telegram's limits as its FAQ gives them: about 1 a second to a chat, 20 a minute to a group.
#: Kept a little under them (0.95 a second, a burst of 2.8 rather than 3), because Telegram
#: counts arrivals and the network's jitter can bring two sends closer together.
PRIVATE = Pace(per_second=0.95, burst=2.8)
GROUP = Pace(per_second=19 / 60, burst=2.8)
#: Idle lanes are looked over this often and forgotten once their bucket is full again.
SWEEP_SECONDS = 30.0
#: And about 30 a second overall, whichever chats they go to.
OVERALL = Pace(per_second=28.0, burst=28.0)


@dataclass(order=True)
class _Job:
    priority: int
    sequence: int
    reply: Reply = field(compare=False)
    done: asyncio.Future[bool] = field(compare=False)


@dataclass
class _Lane:
    queue: asyncio.PriorityQueue[_Job] = field(default_factory=asyncio.PriorityQueue)
    tokens: float = 0.0
    updated: float = 0.0
    #: Safety replies queued and not yet taken by the worker, by kind.
    waiting_safety: dict[str, asyncio.Future[bool]] = field(default_factory=dict)
    worker: asyncio.Task[None] | None = None


class Outbox:
    """``await outbox.send(chat_id, reply, safety=...)``: True when every message went out."""

    def __init__(
        self,
        send: SendOne,
        *,
        private: Pace = PRIVATE,
        group: Pace = GROUP,
        overall: Pace = OVERALL,
        routine_give_up_after: float = 60.0,
        safety_give_up_after: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send = send
        self._private = private
        self._group = group
        self._overall = overall
        self._all = _Lane(tokens=overall.burst, updated=clock())
        self.routine_give_up_after = routine_give_up_after
        self.safety_give_up_after = safety_give_up_after
        self._clock = clock
        self._lanes: dict[int, _Lane] = {}
        self._swept = clock()
        self._sequence = itertools.count()

    async def send(self, chat_id: int, reply: Reply, *, safety: bool = False) -> bool:
        """Queue the reply and wait until it is sent (True) or given up (False)."""
        return await asyncio.shield(self.post(chat_id, reply, safety=safety))

    def post(self, chat_id: int, reply: Reply, *, safety: bool = False) -> asyncio.Future[bool]:
        """Queue the reply in its chat's lane and return at once; the future says whether
        it went out. Handlers post and return, so an update does not hold one of the
        Application's concurrent slots while its reply waits for the chat's pace (a flood
        of routine replies must not keep the next emergency message from being read).

        A safety reply of the same kind already waiting in the lane is not queued twice
        (a frightened person typing "she can't breathe" five times gets it once, first)."""
        self._sweep()
        lane = self._lanes.get(chat_id)
        if lane is None:
            pace = self._pace(chat_id)
            lane = _Lane(tokens=pace.burst, updated=self._clock())
            self._lanes[chat_id] = lane
        if safety and (waiting := lane.waiting_safety.get(reply.kind)) is not None:
            return waiting
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if safety:
            lane.waiting_safety[reply.kind] = done
        lane.queue.put_nowait(_Job(0 if safety else 1, next(self._sequence), reply, done))
        if lane.worker is None or lane.worker.done():
            lane.worker = asyncio.create_task(self._work(chat_id, lane))
        return done

    def _sweep(self) -> None:
        """Forget idle lanes whose bucket is full again (their pacing has nothing left to
        remember), at most once every ``SWEEP_SECONDS``: memory stays bounded."""
        now = self._clock()
        if now - self._swept < SWEEP_SECONDS:
            return
        self._swept = now
        for chat_id, lane in list(self._lanes.items()):
            pace = self._pace(chat_id)
            full = lane.tokens + (now - lane.updated) * pace.per_second >= pace.burst
            if lane.worker is None and lane.queue.empty() and full:
                del self._lanes[chat_id]

    @property
    def busy_chats(self) -> int:
        return sum(1 for lane in self._lanes.values() if not lane.queue.empty())

    async def close(self) -> None:
        """Let every lane finish what it holds (shutdown waits for queued replies)."""
        workers = [lane.worker for lane in self._lanes.values() if lane.worker is not None]
        if workers:
            await asyncio.gather(*workers, return_exceptions=True)

    # --- the lane's worker -------------------------------------------------------------------

    def _pace(self, chat_id: int) -> Pace:
        return self._private if chat_id > 0 else self._group

    async def _work(self, chat_id: int, lane: _Lane) -> None:
        try:
            while not lane.queue.empty():
                job = lane.queue.get_nowait()
                safety = job.priority == 0
                if safety and lane.waiting_safety.get(job.reply.kind) is job.done:
                    del lane.waiting_safety[job.reply.kind]
                try:
                    ok = await self._deliver(chat_id, lane, job.reply, safety)
                except Exception:  # a bug must not leave the caller waiting for ever
                    log.exception("a reply could not be sent")
                    ok = False
                if not job.done.done():
                    job.done.set_result(ok)
        finally:
            lane.worker = None

    async def _deliver(self, chat_id: int, lane: _Lane, reply: Reply, safety: bool) -> bool:
        for message in reply.messages:
            if not await self._deliver_one(chat_id, lane, message, safety):
                return False
        return True

    async def _deliver_one(
        self, chat_id: int, lane: _Lane, message: OutMessage, safety: bool
    ) -> bool:
        give_up_at = self._clock() + (
            self.safety_give_up_after if safety else self.routine_give_up_after
        )
        failures = 0
        unsure = 0
        while True:
            await self._take_token(chat_id, lane)
            try:
                await self._send(chat_id, message)
                return True
            except SendFailure as err:
                failure = err
            kind = failure.failure
            metrics.SEND_FAILURES.labels(kind.value, "safety" if safety else "routine").inc()
            if kind is Failure.GONE:
                log.info("chat unreachable (%s)", failure.reason)
                return False
            if kind is Failure.GIVE_UP:
                log.error("Telegram refused a reply: %s", failure.reason)
                return False
            if kind is Failure.UNSURE:
                unsure += 1
                if not safety or unsure > 1:
                    log.warning("a reply timed out after it was sent; not sending it again")
                    return True  # it may well have arrived: no copies
                log.warning("a safety reply timed out after it was sent; sending it once more")
                continue
            if kind is Failure.WAIT:
                wait = max(failure.retry_after, 0.5)
            else:  # RETRY: 5xx, connection refused, connect timeout
                failures += 1
                wait = min(0.5 * 2 ** (failures - 1), 8.0)
            if self._clock() + wait > give_up_at:
                what = "a safety reply" if safety else "a reply"
                log.error("gave up %s after %s (%s)", what, kind.value, failure.reason)
                return False
            await asyncio.sleep(wait)

    async def _take_token(self, chat_id: int, lane: _Lane) -> None:
        await self._take(lane, self._pace(chat_id))
        await self._take(self._all, self._overall)

    async def _take(self, lane: _Lane, pace: Pace) -> None:
        while True:
            now = self._clock()
            lane.tokens = min(pace.burst, lane.tokens + (now - lane.updated) * pace.per_second)
            lane.updated = now
            if lane.tokens >= 1.0:
                lane.tokens -= 1.0
                return
            await asyncio.sleep((1.0 - lane.tokens) / pace.per_second)
