"""The state every part of the sandbox shares, declared once, and the small helpers they share.

``_SandboxCore`` holds the constructor (the attributes tests read and the private state) and
what every part needs: the bot's User object, waking waiters, queueing an update, tying a bot
action to the update it answers, telling listeners, and fake file ids.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiohttp import web

from bot.devtools.sandbox.models import (
    JSON,
    ApiCall,
    CallbackAnswer,
    ChatAction,
    QueuedUpdate,
    SandboxEvent,
    SentMessage,
    _Chat,
    _Delay,
    _Fault,
    _Query,
    _RateLimits,
)

# One logger for the whole package, named as the single module was.
log = logging.getLogger(__package__)

#: Obviously fake, and written in two parts so that no token-shaped line sits in the source.
DEFAULT_TOKEN: Final = "1234567890:" + "AAFakeSandboxTokenForLocalTests0000"

_TOKEN_RE: Final = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{30,64}")

_UPDATE_TYPES_BY_DEFAULT: Final = frozenset(
    {"message", "edited_message", "callback_query", "my_chat_member", "channel_post"}
)

Method = Callable[[JSON], Awaitable[Any]]
Listener = Callable[[SandboxEvent], None]


class _SandboxCore:
    """The shared state and helpers; ``BotApiSandbox`` adds the parts on top."""

    METHODS: Final = (
        "getMe",
        "logOut",
        "close",
        "getUpdates",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
        "setMyCommands",
        "getMyCommands",
        "deleteMyCommands",
        "setMyDescription",
        "getMyDescription",
        "setMyShortDescription",
        "getMyShortDescription",
        "setMyName",
        "getMyName",
        "setChatMenuButton",
        "getChatMenuButton",
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
        "editMessageReplyMarkup",
        "deleteMessage",
        "answerCallbackQuery",
        "sendChatAction",
        "getChat",
        "getChatMember",
        "getChatAdministrators",
    )

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "lupus_sandbox_bot",
        bot_first_name: str = "Lupus News (sandbox)",
        group_privacy: bool = True,
    ) -> None:
        """``group_privacy`` mimics privacy mode: in groups the bot only gets commands,
        mentions of it and replies to it."""
        if not _TOKEN_RE.fullmatch(token):
            raise ValueError("token must look like a Bot API token: <digits>:<30-64 chars>")
        self.token = token
        self.host = host
        self.port = port
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.group_privacy = group_privacy

        # What the bot did, for assertions.
        self.calls: list[ApiCall] = []
        self.sent: list[SentMessage] = []
        self.updates: list[QueuedUpdate] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.chat_actions: list[ChatAction] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.description = ""
        self.short_description = ""
        #: Seconds added to the wall clock for message dates (see ``now``).
        self.clock_offset = 0.0

        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, JSON] = {}
        self._pending: deque[QueuedUpdate] = deque()
        self._next_update_id = 100_001
        self._next_query_id = 4_000_000_000_000_001
        self._files = 0
        self._queries: dict[str, _Query] = {}
        self._last_delivered: dict[int, QueuedUpdate] = {}
        self._allowed_updates: frozenset[str] = _UPDATE_TYPES_BY_DEFAULT
        self._poll_generation = 0
        self._webhook_url = ""
        self._webhook_secret: str | None = None
        self._webhook_allowed: list[str] | None = None
        self._webhook_max_connections = 40
        self._webhook_task: asyncio.Task[None] | None = None
        self._last_webhook_error: tuple[int, str] | None = None
        self._faults: list[_Fault] = []
        self._delays: list[_Delay] = []
        self._rates: _RateLimits | None = None
        self._listeners: list[Listener] = []
        self._consumed_messages: set[tuple[int, int]] = set()
        self._consumed_calls: set[int] = set()
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._url = ""
        self._methods: dict[str, Method] = {
            name.lower(): getattr(self, "_api_" + _snake(name)) for name in self.METHODS
        }

    @property
    def bot_user(self) -> JSON:
        """The bot as a User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def now(self) -> float:
        """The sandbox's clock (Unix seconds): the wall clock plus ``clock_offset``, which
        the web chat's clock control moves forward so dated messages follow its jumps."""
        return time.time() + self.clock_offset

    # --- internals: shared by the parts ------------------------------------------------------

    def _bump(self) -> None:
        """Wake everything waiting for a change (long polls, wait_for, webhook delivery)."""
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    def _queue(self, kind: str, body: JSON, chat_id: int | None) -> QueuedUpdate:
        update_id = self._next_update_id
        self._next_update_id += 1
        update = QueuedUpdate(
            update_id, kind, {"update_id": update_id, kind: body}, chat_id, time.monotonic()
        )
        self.updates.append(update)
        self._pending.append(update)
        self._bump()
        return update

    def _note_reply(self, chat_id: int | None, update: QueuedUpdate | None = None) -> int | None:
        """Tie a bot action to the update it answers: the given one, or the latest update
        from that chat the bot had received."""
        if update is None and chat_id is not None:
            update = self._last_delivered.get(chat_id)
        if update is None:
            return None
        if update.first_reply_at is None:
            update.first_reply_at = time.monotonic()
        update.reply_count += 1
        return update.update_id

    def _file(self, kind: str) -> JSON:
        self._files += 1
        n = self._files
        return {"file_id": f"sandbox-{kind}-{n}", "file_unique_id": f"sandbox{n}"}

    def _emit(self, event: SandboxEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("sandbox listener failed")


# --- helpers ------------------------------------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _copy(message: JSON) -> JSON:
    copied: JSON = json.loads(json.dumps(message))
    return copied


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _as_str(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)
