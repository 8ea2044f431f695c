"""Database work from asyncio, bounded and with deadlines, so a silent database stalls
nothing else.

The database calls are synchronous (SQLAlchemy). Sent to asyncio's default thread pool,
a database that stops answering (a partition that drops packets: no error, no reset)
holds every thread for ever; the pool is shared with everything else, and the process
cannot even exit, because Python waits for its pool threads. Here each kind of work has a
lane of its own: a few daemon threads (the process can always exit) and a bounded queue.

* ``call`` waits at most ``timeout`` seconds for the answer and then raises
  ``DatabaseUnavailable``; the caller says "try again later". (The thread may still be
  waiting on the socket; the lane's other threads and its queue bound what that costs.)
* ``background`` queues a write that nobody waits for (a not-sure question for /stats); a
  full queue drops it, counted, rather than grow.

Connections have their own timeouts too (``engine``): connect, statement, lock, and the
SQLite busy timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.metrics import DATABASE

log = logging.getLogger(__name__)

T = TypeVar("T")
#: After a call goes unanswered, optional lookups are skipped for this long.
SICK_FOR = 30.0


class DatabaseUnavailable(Exception):
    """The database did not answer in time, or failed; nothing was (knowingly) changed."""


@dataclass(frozen=True)
class _Work:
    function: Callable[..., Any]
    args: tuple[Any, ...]
    loop: asyncio.AbstractEventLoop | None
    future: asyncio.Future[Any] | None


class Lane:
    """``threads`` daemon threads taking work from a queue of at most ``capacity``."""

    def __init__(self, name: str, threads: int, capacity: int) -> None:
        self.name = name
        self._queue: queue.Queue[_Work | None] = queue.Queue(capacity)
        self._threads = [
            threading.Thread(target=self._run, name=f"db-{name}-{i}", daemon=True)
            for i in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, work: _Work) -> bool:
        try:
            self._queue.put_nowait(work)
        except queue.Full:
            return False
        return True

    def stop(self) -> None:
        for _ in self._threads:
            try:
                self._queue.put_nowait(None)
            except queue.Full:
                break  # stuck threads are daemons: they do not hold the process

    def _run(self) -> None:
        while True:
            work = self._queue.get()
            if work is None:
                return
            try:
                result = work.function(*work.args)
            except Exception as err:  # handed to the caller, or logged for background work
                if work.loop is None or work.future is None:
                    DATABASE.labels("failed").inc()
                    log.warning("background database write failed: %s", type(err).__name__)
                else:
                    _resolve(work.loop, work.future, error=err)
                continue
            if work.loop is not None and work.future is not None:
                _resolve(work.loop, work.future, result=result)
            else:
                DATABASE.labels("done").inc()


def _resolve(
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[Any],
    *,
    result: Any = None,
    error: BaseException | None = None,
) -> None:
    def settle() -> None:
        if future.done():
            return  # the caller gave up waiting
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
        loop.call_soon_threadsafe(settle)


class DatabaseWorker:
    """The lanes the bot uses: ``chat`` (commands), ``background`` (records), ``health``."""

    def __init__(
        self,
        *,
        chat_threads: int = 3,
        chat_queue: int = 200,
        background_queue: int = 1000,
        timeout: float = 8.0,
    ) -> None:
        self.timeout = timeout
        #: When a call last went unanswered (monotonic clock); see ``healthy``.
        self._timed_out_at: float | None = None
        self._lanes = {
            "chat": Lane("chat", chat_threads, chat_queue),
            "background": Lane("background", 1, background_queue),
            "health": Lane("health", 1, 4),
            "digests": Lane("digests", 4, 400),
        }

    async def call(
        self,
        function: Callable[..., T],
        *args: Any,
        lane: str = "chat",
        timeout: float | None = None,
    ) -> T:
        """``function(*args)`` in a database thread; ``DatabaseUnavailable`` when it fails
        or does not answer within ``timeout`` seconds (default: the worker's)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        if not self._lanes[lane].submit(_Work(function, args, loop, future)):
            DATABASE.labels("dropped").inc()
            raise DatabaseUnavailable(f"the {lane} queue is full")
        try:
            result = await asyncio.wait_for(future, timeout or self.timeout)
        except TimeoutError:
            self._timed_out_at = time.monotonic()
            DATABASE.labels("timed_out").inc()
            raise DatabaseUnavailable("no answer in time") from None
        except DatabaseUnavailable:
            raise
        except Exception as err:
            DATABASE.labels("failed").inc()
            raise DatabaseUnavailable(type(err).__name__) from err
        DATABASE.labels("done").inc()
        return result

    @property
    def healthy(self) -> bool:
        """No call went unanswered in the last ``SICK_FOR`` seconds. Lookups that are only
        nice to have (is a time zone step pending?) are skipped while it is False, so a
        silent database does not add its timeout to every message."""
        return self._timed_out_at is None or time.monotonic() - self._timed_out_at > SICK_FOR

    def background(self, function: Callable[..., Any], *args: Any) -> bool:
        """Queue ``function(*args)``; False (and counted) when the queue is full."""
        if self._lanes["background"].submit(_Work(function, args, None, None)):
            return True
        DATABASE.labels("dropped").inc()
        log.warning("database queue full: a background write was dropped")
        return False

    def stop(self) -> None:
        for lane in self._lanes.values():
            lane.stop()
