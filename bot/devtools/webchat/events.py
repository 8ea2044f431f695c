"""What the chat page is told: an append-only log of what users and the bot did.

The page long-polls ``GET /api/events?after=N`` and gets every entry after N. A page opened
(or reloaded) late asks from 0 and so replays the whole conversation; a message the bot
edits appears again with the same ``message_id`` and the page updates it in place.
Entries carry the bot's text as Telegram stores it (plain text plus entities, after the
sandbox parsed the bot's HTML exactly as Telegram does), never as HTML.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from bot.devtools.sandbox import SandboxEvent, SentMessage

JSON = dict[str, Any]


class EventLog:
    """Numbered entries, and a way to wait for the next one."""

    def __init__(self) -> None:
        self.entries: list[JSON] = []
        self.closed = False
        self._changed = asyncio.Event()

    def add(self, kind: str, chat_id: int | None, **fields: Any) -> JSON:
        entry: JSON = {"seq": len(self.entries) + 1, "kind": kind, "chat_id": chat_id, **fields}
        self.entries.append(entry)
        event, self._changed = self._changed, asyncio.Event()
        event.set()
        return entry

    def close(self) -> None:
        """Answer every waiting poll now (shutting down: no one waits out a long poll)."""
        self.closed = True
        self._changed.set()

    def after(self, seq: int) -> list[JSON]:
        return self.entries[max(seq, 0) :]

    async def wait_after(self, seq: int, timeout: float) -> list[JSON]:
        """The entries after ``seq``, waiting up to ``timeout`` seconds for one to come."""
        event = self._changed
        if len(self.entries) <= seq and not self.closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout)
        return self.after(seq)


def bot_message(message: SentMessage, date: int) -> JSON:
    """A message the bot sent, as the page draws it (its latest text after edits)."""
    rows = [
        [
            {
                "text": str(button.get("text", "")),
                "callback_data": button.get("callback_data"),
                "url": button.get("url"),
            }
            for button in row
            if isinstance(button, dict)
        ]
        for row in message.buttons
        if isinstance(row, list)
    ]
    return {
        "message_id": message.message_id,
        "text": message.text,
        "entities": message.entities,
        "buttons": rows,
        "date": date,
        "edited": message.edited,
        "deleted": message.deleted,
        "media": message.media,
    }


class BotOutput:
    """A sandbox listener: each visible bot action becomes an entry in the log."""

    def __init__(self, log: EventLog, clock: Any) -> None:
        self.log = log
        self.clock = clock  # the sandbox: its now() dates the messages
        self._dates: dict[tuple[int, int], int] = {}

    def __call__(self, event: SandboxEvent) -> None:
        if event.kind in ("sent", "edited", "deleted") and event.message is not None:
            message = event.message
            key = (message.chat_id, message.message_id)
            date = self._dates.setdefault(key, int(self.clock.now()))
            self.log.add("bot_message", message.chat_id, message=bot_message(message, date))
        elif event.kind == "callback_answer" and event.callback_answer is not None:
            answer = event.callback_answer
            self.log.add(
                "callback_answer",
                event.chat_id,
                message_id=answer.message_id,
                data=answer.data,
                text=answer.text,
                show_alert=answer.show_alert,
            )
        elif event.kind == "chat_action":
            self.log.add("chat_action", event.chat_id, action=event.action)
