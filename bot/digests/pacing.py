"""Pacing for fan-out sends, as Telegram documents its limits.

Telegram allows about 30 messages a second overall and about one a second per chat. One
429 means "too fast" for the whole bot, so it pauses every digest send for its
``retry_after``. python-telegram-bot's AIORateLimiter has no per-private-chat limit, so the
digest sender paces itself here; interactive replies never pass through this pacer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Pacer:
    """A global token bucket, a per-chat minimum interval, and a shared 429 pause."""

    rate_per_second: float = 25.0
    per_chat_interval: float = 1.0
    #: Tokens the bucket can hold: a short burst at the start, never above the rate for long.
    burst: float = 1.0
    clock: Callable[[], float] = time.monotonic
    _tokens: float = field(default=0.0, init=False)
    _updated: float | None = field(default=None, init=False)
    _paused_until: float = field(default=0.0, init=False)
    _next_for_chat: dict[int, float] = field(default_factory=dict, init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    def pause(self, seconds: float) -> None:
        """Flood control said wait: nobody sends until then."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    async def acquire(self, chat_id: int) -> None:
        """Wait until one more message, to this chat, is within every limit."""
        async with self._lock:  # first come, first served: one waiter holds the bucket
            while True:
                now = self.clock()
                if self._updated is None:
                    self._updated = now
                    self._tokens = self.burst
                self._tokens = min(
                    self.burst, self._tokens + (now - self._updated) * self.rate_per_second
                )
                self._updated = now
                wait = max(
                    self._paused_until - now,
                    (1.0 - self._tokens) / self.rate_per_second if self._tokens < 1.0 else 0.0,
                )
                if wait <= 0:
                    self._tokens -= 1.0
                    break
                await asyncio.sleep(wait)
        chat_wait = self._next_for_chat.get(chat_id, 0.0) - self.clock()
        if chat_wait > 0:
            await asyncio.sleep(chat_wait)
        self._next_for_chat[chat_id] = self.clock() + self.per_chat_interval
        if len(self._next_for_chat) > 50_000:
            now = self.clock()
            self._next_for_chat = {c: t for c, t in self._next_for_chat.items() if t > now}
