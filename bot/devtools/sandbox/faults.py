"""Injected faults (``fail_next``) and Telegram-like flood control (token buckets, 429s)."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Final

from bot.devtools.sandbox.core import _SandboxCore
from bot.devtools.sandbox.models import ApiError, _Bucket, _Chat, _Delay, _Fault, _RateLimits

_DEFAULT_DESCRIPTIONS: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class _Faults(_SandboxCore):
    """Fault injection and rate limits; the server and the sending methods consult it."""

    # --- fault injection ----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        retry_after: int | None = None,
        count: int = 1,
        description: str | None = None,
    ) -> None:
        """The next ``count`` calls of ``method`` fail with this HTTP status.

        ``method="*"`` matches every method but getUpdates. A 429 always carries
        ``retry_after`` (default 1), so python-telegram-bot raises ``RetryAfter``.
        """
        if status == 429:
            retry_after = retry_after if retry_after is not None else 1
            text = description or f"Too Many Requests: retry after {retry_after}"
        else:
            text = description or _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        self._faults.append(_Fault(method.lower(), status, text, retry_after, count))

    def delay_next(self, method: str, seconds: float, *, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` answer ``seconds`` late, and succeed: a slow
        network, where the bot's request times out although Telegram did the work."""
        self._delays.append(_Delay(method.lower(), seconds, count))

    def set_rate_limits(
        self,
        global_per_second: float | None = 30.0,
        per_chat_per_second: float | None = 1.0,
        burst: int = 3,
        *,
        group_per_minute: float | None = 20.0,
    ) -> None:
        """Answer sends over these rates with 429 and retry_after, as Telegram's flood control.

        Token buckets: the global one holds one second's worth, each chat ``burst`` messages,
        each group ``group_per_minute`` a minute. None turns a limit off. Off by default.
        """
        global_bucket = _Bucket(global_per_second, global_per_second) if global_per_second else None
        self._rates = _RateLimits(global_bucket, per_chat_per_second, burst, group_per_minute)

    def disable_rate_limits(self) -> None:
        self._rates = None

    # --- internals: applied to each call ----------------------------------------------------

    def _inject_fault(self, method: str) -> None:
        for fault in self._faults:
            if fault.remaining > 0 and (
                fault.method == method or (fault.method == "*" and method != "getupdates")
            ):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                raise ApiError(fault.status, fault.description, retry_after=fault.retry_after)

    async def _inject_delay(self, method: str) -> None:
        for delay in self._delays:
            if delay.remaining > 0 and (
                delay.method == method or (delay.method == "*" and method != "getupdates")
            ):
                delay.remaining -= 1
                if delay.remaining == 0:
                    self._delays.remove(delay)
                await asyncio.sleep(delay.seconds)
                return

    def _check_rate(self, chat: _Chat) -> None:
        rates = self._rates
        if rates is None:
            return
        now = time.monotonic()
        buckets: list[_Bucket] = []
        if rates.global_bucket is not None:
            buckets.append(rates.global_bucket)
        if rates.per_chat_rate:
            buckets.append(
                rates.chats.setdefault(chat.id, _Bucket(rates.per_chat_rate, rates.burst))
            )
        if rates.group_per_minute and chat.type != "private":
            per_minute = rates.group_per_minute
            group = rates.groups.setdefault(chat.id, _Bucket(per_minute / 60.0, per_minute))
            buckets.append(group)
        wait = max((b.wait_needed(now) for b in buckets), default=0.0)
        if wait > 0:
            retry = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
        for bucket in buckets:
            bucket.take()
