"""What every handler shares, typed: python-telegram-bot's ``bot_data`` as one object.

``ContextTypes(bot_data=BotState)`` makes ``context.bot_data`` a ``BotState``, so a handler
reads ``context.bot_data.catalog`` with its type known, instead of a string key. The
library creates it with no arguments; ``build_application`` fills it in once.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.conversation.subscriptions import Choices
from bot.digests.fanout import DigestSender, Ticker
from bot.knowledge.catalog import Catalog
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.worker import DatabaseWorker
from bot.telegram.flood import FloodGate
from bot.telegram.outbox import Outbox

#: After a 409 Conflict from getUpdates, the health check fails for this long.
CONFLICT_SHOWN_FOR = 60.0
#: A routed question is remembered this long (seconds) for its "No" button, in memory.
QUESTION_KEPT_FOR = 900.0
#: At most this many chats' last questions are remembered at once.
QUESTIONS_KEPT = 5000


class BotState:
    """The content being served, the settings, and the services handlers use."""

    settings: Settings
    catalog: Catalog
    #: Every reply goes out through it: one paced lane per chat, safety replies first.
    outbox: Outbox

    def __init__(self) -> None:
        self.flood = FloodGate()
        #: None when the bot runs without a database (no digests, no stats).
        self.database: Database | None = None
        #: Runs database calls in bounded daemon threads with deadlines.
        self.worker: DatabaseWorker | None = None
        self.choices = Choices()
        #: The digest fan-out and its minute tick, when this process sends digests.
        self.digest_sender: DigestSender | None = None
        self.ticker: Ticker | None = None
        #: One /reload at a time in this process; the content version it serves.
        self.reload_lock = asyncio.Lock()
        self.content_version = 0
        #: chat id -> (its chosen language or "", until when this replica trusts it).
        self.languages: dict[int, tuple[str, float]] = {}
        #: (chat id, user id) -> (is an administrator, until when the answer is kept).
        self.admins: dict[tuple[int, int], tuple[bool, float]] = {}
        #: When getUpdates last answered 409 Conflict (another poller on this token).
        self.conflict_at: float | None = None
        #: Set when shutdown begins: the webhook answers 503 so Telegram delivers again.
        self.shutting_down = False
        #: chat id -> (the last routed question, until when): in memory only, stored
        #: (masked, without the id) as unanswered only if the reader presses "No".
        self._questions: dict[int, tuple[str, float]] = {}
        #: (chat id, topic key) -> until when a shown quick check's first answer counts.
        self._checks: dict[tuple[int, str], float] = {}

    def remember_question(self, chat_id: int, text: str) -> None:
        now = time.monotonic()
        if len(self._questions) >= QUESTIONS_KEPT:
            self._questions = {c: q for c, q in self._questions.items() if q[1] > now}
            while len(self._questions) >= QUESTIONS_KEPT:
                self._questions.pop(next(iter(self._questions)))
        self._questions.pop(chat_id, None)
        self._questions[chat_id] = (text, now + QUESTION_KEPT_FOR)

    def check_shown(self, chat_id: int, topic: str) -> None:
        """A quick check was shown: its first answer counts as the first try."""
        if len(self._checks) >= QUESTIONS_KEPT:
            self._checks.pop(next(iter(self._checks)))
        self._checks[chat_id, topic] = time.monotonic() + QUESTION_KEPT_FOR

    def first_try(self, chat_id: int, topic: str) -> bool:
        """True for the first answer since the check was shown (then forgotten)."""
        until = self._checks.pop((chat_id, topic), None)
        return until is not None and until >= time.monotonic()

    def take_question(self, chat_id: int) -> str | None:
        """The chat's last routed question, forgotten as it is taken (or when too old)."""
        kept = self._questions.pop(chat_id, None)
        if kept is None or kept[1] < time.monotonic():
            return None
        return kept[0]

    def swap_catalog(self, catalog: Catalog) -> None:
        """Serve new content from now on, to chats and digests alike."""
        self.catalog = catalog
        if self.digest_sender is not None:
            self.digest_sender.catalog = catalog

    @property
    def conflict(self) -> bool:
        return self.conflict_at is not None and (
            time.monotonic() - self.conflict_at < CONFLICT_SHOWN_FOR
        )


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotState]
CONTEXT_TYPES: ContextTypes[Context, dict[Any, Any], dict[Any, Any], BotState] = ContextTypes(
    bot_data=BotState
)
#: The job queue's own type parameter does not follow ``context_types`` in the library's
#: stubs, hence ``Any`` there.
BotApplication = Application[ExtBot[None], Context, dict[Any, Any], dict[Any, Any], BotState, Any]
