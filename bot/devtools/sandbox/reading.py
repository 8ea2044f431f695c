"""Reading what the bot did: the query helpers (``messages_to``, ``calls_to``, ``errors``,
...), listeners, and waiting for the bot (``wait_for``, ``wait_for_call``, ...)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import TypeVar

from bot.devtools.sandbox.core import Listener, _SandboxCore
from bot.devtools.sandbox.models import ApiCall, SentMessage

T = TypeVar("T")


class _Reading(_SandboxCore):
    """What tests call to see and wait for the bot's actions."""

    # --- reading what the bot did --------------------------------------------------------------

    def messages_to(self, chat_id: int, *, include_deleted: bool = True) -> list[SentMessage]:
        """Everything the bot sent to this chat, oldest first."""
        return [m for m in self.sent if m.chat_id == chat_id and (include_deleted or not m.deleted)]

    def last_message_to(self, chat_id: int) -> SentMessage | None:
        messages = self.messages_to(chat_id)
        return messages[-1] if messages else None

    def calls_to(self, method: str) -> list[ApiCall]:
        """Recorded calls of one method (case-insensitive)."""
        wanted = method.lower()
        return [c for c in self.calls if c.method.lower() == wanted]

    def errors(self, status: int | None = None) -> list[ApiCall]:
        """Calls that failed, optionally only with this status (e.g. 429)."""
        return [c for c in self.calls if not c.ok and (status is None or c.error_code == status)]

    def unanswered_callback_queries(self) -> list[str]:
        """Callback query ids the bot never answered (each leaves a spinner on the client)."""
        return [qid for qid, q in self._queries.items() if not q.answered]

    def latencies(self) -> list[float]:
        """Seconds from each update's queueing to the bot's first reply, for replied ones."""
        return [u.latency for u in self.updates if u.latency is not None]

    def pending_update_count(self) -> int:
        return len(self._pending)

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` on each visible bot action (used by the terminal chat)."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    async def wait_for(
        self,
        what: int | Callable[[SentMessage], bool] | None = None,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[SentMessage]:
        """Wait until the bot has sent ``count`` new matching messages and return them.

        ``what`` is a chat id, a predicate, or None for any message. Each message is returned
        by at most one ``wait_for``, so successive calls read the conversation in order.
        Raises ``TimeoutError`` naming the bot's recent calls, to show what went wrong.
        """
        matches: Callable[[SentMessage], bool]
        if callable(what):
            matches = what
        elif what is None:
            matches = _always
        else:
            chat_id = what
            matches = lambda m: m.chat_id == chat_id  # noqa: E731

        def ready() -> list[SentMessage] | None:
            found = [
                m
                for m in self.sent
                if (m.chat_id, m.message_id) not in self._consumed_messages and matches(m)
            ]
            return found[:count] if len(found) >= count else None

        found = await self._wait_until(ready, timeout, f"{count} message(s) for {what!r}")
        self._consumed_messages.update((m.chat_id, m.message_id) for m in found)
        return found

    async def wait_for_call(
        self,
        what: str | Callable[[ApiCall], bool],
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[ApiCall]:
        """Wait until ``count`` new calls of a method (or matching a predicate) are recorded.

        As with ``wait_for``, each call is returned at most once.
        """
        matches: Callable[[ApiCall], bool]
        if isinstance(what, str):
            wanted = what.lower()
            matches = lambda c: c.method.lower() == wanted  # noqa: E731
        else:
            matches = what

        def ready() -> list[int] | None:
            found = [
                i for i, c in enumerate(self.calls) if i not in self._consumed_calls and matches(c)
            ]
            return found[:count] if len(found) >= count else None

        indexes = await self._wait_until(ready, timeout, f"{count} call(s) of {what!r}")
        self._consumed_calls.update(indexes)
        return [self.calls[i] for i in indexes]

    async def wait_delivered(self, timeout: float = 5.0) -> None:
        """Wait until the bot has fetched and confirmed every queued update.

        Confirmed is not handled: python-telegram-bot confirms a batch on its next poll.
        """

        def ready() -> bool | None:
            return True if not self._pending else None

        await self._wait_until(ready, timeout, "all updates to be confirmed")

    # --- internals: waiting -----------------------------------------------------------------

    async def _wait_until(self, ready: Callable[[], T | None], timeout: float, what: str) -> T:
        deadline = time.monotonic() + timeout
        while True:
            event = self._changed
            result = ready()
            if result is not None:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {what}; " + self._recent()
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _recent(self) -> str:
        tail = self.calls[-8:]
        if not tail:
            return "the bot made no calls"
        shown = ", ".join(
            c.method if c.ok else f"{c.method} -> {c.error_code} {c.description}" for c in tail
        )
        return f"the bot's last calls: {shown}"


def _always(_: object) -> bool:
    return True
