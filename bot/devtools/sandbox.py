"""A fake Telegram Bot API server on 127.0.0.1, for end-to-end tests, benchmarks and ``chat``.

The real bot (a python-telegram-bot ``Application``) talks to it over HTTP exactly as it talks
to Telegram, so handlers, error handling, retries and rate limiting are exercised for real:

    async with BotApiSandbox() as sandbox:
        app = (
            ApplicationBuilder()
            .token(sandbox.token)
            .base_url(f"{sandbox.url}/bot")
            .base_file_url(f"{sandbox.url}/file/bot")
            .build()
        )
        ...  # initialize, start, updater.start_polling(poll_interval=0)
        await sandbox.send_command(42, "/start")
        [reply] = await sandbox.wait_for(42)

Telegram's behaviour is copied where a bot can notice it: the same JSON, the same status codes
and error descriptions (so python-telegram-bot raises the same exception classes), message
texts parsed and limited by ``telegram_html``, inline keyboards validated, blocked users,
flood control. Tests drive the "user" side with ``send_message``, ``press_button`` and
friends, inject faults with ``block_chat`` and ``fail_next``, and read what the bot did from
``calls``, ``messages_to`` and ``callback_answers``. Everything runs in the caller's event
loop; nothing leaves 127.0.0.1 unless the bot sets a webhook elsewhere.

Deliberate differences from Telegram: webhooks may use plain http to a loopback host; an
inline button must use exactly one action field (Telegram silently takes the first); a group
chat always contains the bot; only the methods listed in ``BotApiSandbox.METHODS`` exist
(others answer 404 "Not Found", which python-telegram-bot reports as ``InvalidToken``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Literal, NamedTuple, Self, TypeVar
from urllib.parse import urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from bot.text.telegram_html import (
    MAX_MESSAGE_CHARS,
    Entity,
    ParsedText,
    TelegramHtmlError,
    parse_html,
    parse_plain,
    utf16_length,
)

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "ApiError",
    "BotApiSandbox",
    "CallbackAnswer",
    "ChatAction",
    "QueuedUpdate",
    "SandboxEvent",
    "SentMessage",
]

log = logging.getLogger(__name__)

JSON = dict[str, Any]
T = TypeVar("T")

#: Obviously fake, and written in two parts so that no token-shaped line sits in the source.
DEFAULT_TOKEN: Final = "1234567890:" + "AAFakeSandboxTokenForLocalTests0000"
MAX_CAPTION_CHARS: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_CALLBACK_ANSWER_CHARS: Final = 200
MAX_INLINE_BUTTONS: Final = 100
DEFAULT_GROUP_USER_ID: Final = 1_000_001

_TOKEN_RE: Final = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{30,64}")
_COMMAND_RE: Final = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BOT_COMMAND_RE: Final = re.compile(
    r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])"
)
_MENTION_RE: Final = re.compile(r"(?<!\w)@[A-Za-z0-9_]{2,32}(?!\w)")
_URL_RE: Final = re.compile(r"(?<!\w)https?://[^\s<>\"']+", re.IGNORECASE)
_HASHTAG_RE: Final = re.compile(r"(?<![\w#])#\w*[^\W\d_]\w*")

# Parameters python-telegram-bot sends as JSON strings inside form data.
_JSON_FIELDS: Final = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "menu_button",
        "rights",
        "media",
    }
)
_UPDATE_TYPES_BY_DEFAULT: Final = frozenset(
    {"message", "edited_message", "callback_query", "my_chat_member", "channel_post"}
)
_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS: Final = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
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
_QUERY_INVALID: Final = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
_NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


class ApiError(Exception):
    """An error answer, raised inside a method and turned into Telegram's JSON."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSON:
        """The body Telegram sends for this error."""
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class ApiCall:
    """One request the bot made, decoded, with its outcome."""

    method: str
    params: JSON
    time: float  # time.monotonic() when the request arrived
    ok: bool = True
    error_code: int | None = None
    description: str | None = None
    result: Any = None


@dataclass
class SentMessage:
    """A message the bot sent, as the user would see it now (after edits)."""

    chat_id: int
    message_id: int
    text: str  # parsed, trimmed text; the caption for media
    entities: list[JSON]
    reply_markup: JSON | None
    parse_mode: str | None
    raw_text: str  # exactly what the bot sent
    method: str
    sent_at: float  # time.monotonic()
    reply_to_update_id: int | None = None
    reply_to_message_id: int | None = None
    media: str | None = None  # "photo", "document" for media messages
    edited_at: float | None = None
    history: list[str] = field(default_factory=list)  # earlier texts, oldest first
    deleted: bool = False

    @property
    def edited(self) -> bool:
        return self.edited_at is not None

    @property
    def buttons(self) -> list[list[JSON]]:
        """The inline keyboard's rows, or [] without one."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return rows if isinstance(rows, list) else []

    @property
    def callback_data(self) -> list[str]:
        """Every button's callback_data, row by row."""
        return [b["callback_data"] for row in self.buttons for b in row if "callback_data" in b]

    def button(self, text: str) -> JSON:
        """The inline button with this label; KeyError if there is none."""
        for row in self.buttons:
            for button in row:
                if button.get("text") == text:
                    return button
        raise KeyError(text)


@dataclass
class QueuedUpdate:
    """An update for the bot, with the times a latency benchmark needs."""

    update_id: int
    kind: str  # "message", "edited_message", "callback_query", "my_chat_member"
    payload: JSON  # the Update object as delivered
    chat_id: int | None
    queued_at: float  # time.monotonic()
    delivered_at: float | None = None  # first returned by getUpdates or POSTed to the webhook
    confirmed: bool = False
    first_reply_at: float | None = None  # the bot's first send, edit or answer for it
    reply_count: int = 0

    @property
    def latency(self) -> float | None:
        """Seconds from queueing to the bot's first reply, if it replied."""
        return None if self.first_reply_at is None else self.first_reply_at - self.queued_at


@dataclass
class CallbackAnswer:
    """An answerCallbackQuery the bot made."""

    callback_query_id: str
    chat_id: int | None
    message_id: int | None
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None
    answered_at: float


@dataclass
class ChatAction:
    """A sendChatAction the bot made ("typing", ...)."""

    chat_id: int
    action: str
    time: float


@dataclass(frozen=True)
class SandboxEvent:
    """What listeners hear about: the bot's visible output, as it happens."""

    kind: Literal["sent", "edited", "deleted", "callback_answer", "chat_action"]
    chat_id: int | None
    message: SentMessage | None = None
    callback_answer: CallbackAnswer | None = None
    action: str | None = None


@dataclass
class _Stored:
    json: JSON
    from_bot: bool
    record: SentMessage | None = None


@dataclass
class _Chat:
    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    forbidden: str | None = None  # the 403 description, when the bot can't write here
    next_message_id: int = 1
    messages: dict[int, _Stored] = field(default_factory=dict)

    def to_json(self) -> JSON:
        out: JSON = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "last_name", "username"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass
class _Query:
    chat_id: int | None
    message_id: int | None
    data: str | None
    update: QueuedUpdate
    answered: bool = False


@dataclass
class _Fault:
    method: str  # lower case, or "*"
    status: int
    description: str
    retry_after: int | None
    remaining: int


class _Described(NamedTuple):
    """A result with the ``description`` Telegram adds to some answers ("Webhook was set")."""

    result: Any
    description: str


class _Bucket:
    """A token bucket: ``rate`` tokens a second, at most ``capacity`` saved up."""

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = max(capacity, 1.0)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def wait_needed(self, now: float) -> float:
        """Seconds until a token is free (0 if one is free now)."""
        # A bucket made after ``now`` was read must not start in debt.
        elapsed = max(0.0, now - self.stamp)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.stamp = max(self.stamp, now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0


@dataclass
class _RateLimits:
    global_bucket: _Bucket | None
    per_chat_rate: float | None
    burst: int
    group_per_minute: float | None
    chats: dict[int, _Bucket] = field(default_factory=dict)
    groups: dict[int, _Bucket] = field(default_factory=dict)


Method = Callable[[JSON], Awaitable[Any]]
Listener = Callable[[SandboxEvent], None]


class BotApiSandbox:
    """A local Bot API server with a scriptable user side. See the module docstring."""

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

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The Bot API root, e.g. ``http://127.0.0.1:PORT`` (requests go to /bot<token>/...)."""
        if not self._url:
            raise RuntimeError("the sandbox is not started")
        return self._url

    @property
    def bot_user(self) -> JSON:
        """The bot as a User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    async def start(self) -> None:
        """Listen on host:port (port 0 picks a free one)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._not_found)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        # No access log: every request path holds the token.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self._closing = False
        host, port = runner.addresses[0][:2]
        self.port = int(port)
        shown = f"[{host}]" if ":" in str(host) else str(host)
        self._url = f"http://{shown}:{self.port}"
        log.info("Bot API sandbox listening on %s", self._url)

    async def stop(self) -> None:
        """Wake long polls, stop webhook delivery and close the server."""
        self._closing = True
        self._bump()
        await self._stop_webhook_task()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- the user side: chats and users -------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> JSON:
        """Create or update a user; returns the User object."""
        user = self._users.setdefault(
            user_id, {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        )
        if first_name is not None:
            user["first_name"] = first_name
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value is not None:
                user[key] = value
        return dict(user)

    def add_chat(
        self,
        chat_id: int,
        *,
        chat_type: str | None = None,
        title: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
    ) -> JSON:
        """Make a chat known, as if its user had talked to the bot; returns the Chat object.

        The type follows the id when not given: positive ids are private chats, ids below
        -10^12 supergroups, other negative ids groups.
        """
        chat = self._chats.get(chat_id)
        kind = chat_type or (chat.type if chat else _type_for(chat_id))
        if kind == "private" and chat_id <= 0:
            raise ValueError("a private chat's id is its user's id, a positive number")
        if kind != "private" and chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if chat is None:
            chat = _Chat(chat_id, kind)
            self._chats[chat_id] = chat
        chat.type = kind
        if kind == "private":
            user = self.add_user(
                chat_id, first_name=first_name, last_name=last_name, username=username
            )
            chat.first_name = user["first_name"]
            chat.last_name = user.get("last_name")
            chat.username = user.get("username")
        else:
            chat.title = title or chat.title or f"Group {chat_id}"
            chat.username = username or chat.username
        return chat.to_json()

    # --- the user side: things a user does ----------------------------------------------------

    async def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
        reply_to: int | None = None,
        entities: list[JSON] | None = None,
    ) -> JSON:
        """A user writes ``text``; returns the Message. /commands, @mentions, URLs and
        #hashtags get entities as Telegram would add them (pass ``entities`` to override).
        In groups ``user_id`` defaults to a member; ``reply_to`` is a message id there."""
        found = _detect_entities(text) if entities is None else entities
        extra: JSON = {"text": text}
        if found:
            extra["entities"] = found
        return await self._user_message(
            chat_id, extra, user_id, chat_type, first_name, username, reply_to
        )

    async def send_command(
        self, chat_id: int, command: str, *, args: str = "", **kwargs: Any
    ) -> JSON:
        """``send_command(42, "/start")`` or ``send_command(42, "start", args="ref")``."""
        text = command if command.startswith("/") else "/" + command
        if args:
            text = f"{text} {args}"
        return await self.send_message(chat_id, text, **kwargs)

    async def send_sticker(self, chat_id: int, *, emoji: str = "👍", **kwargs: Any) -> JSON:
        """A user sends a sticker."""
        sticker = {
            **self._file("sticker"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return await self._media(chat_id, {"sticker": sticker}, kwargs)

    async def send_photo(self, chat_id: int, *, caption: str | None = None, **kwargs: Any) -> JSON:
        """A user sends a photo, optionally with a caption."""
        sizes = [
            {**self._file("photo-s"), "width": 90, "height": 67, "file_size": 1_300},
            {**self._file("photo-m"), "width": 1280, "height": 960, "file_size": 98_000},
        ]
        extra: JSON = {"photo": sizes}
        if caption:
            extra["caption"] = caption
            found = _detect_entities(caption)
            if found:
                extra["caption_entities"] = found
        return await self._media(chat_id, extra, kwargs)

    async def send_voice(self, chat_id: int, *, duration: int = 3, **kwargs: Any) -> JSON:
        """A user sends a voice message."""
        voice = {
            **self._file("voice"),
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 4_000 * duration,
        }
        return await self._media(chat_id, {"voice": voice}, kwargs)

    async def send_document(
        self, chat_id: int, *, file_name: str = "file.pdf", **kwargs: Any
    ) -> JSON:
        """A user sends a file."""
        document = {
            **self._file("document"),
            "file_name": file_name,
            "mime_type": "application/pdf",
        }
        return await self._media(chat_id, {"document": document}, kwargs)

    async def send_location(
        self, chat_id: int, latitude: float, longitude: float, **kwargs: Any
    ) -> JSON:
        """A user shares a location."""
        location = {"latitude": latitude, "longitude": longitude}
        return await self._media(chat_id, {"location": location}, kwargs)

    async def send_contact(
        self,
        chat_id: int,
        phone_number: str,
        *,
        contact_first_name: str = "Sam",
        contact_user_id: int | None = None,
        **kwargs: Any,
    ) -> JSON:
        """A user shares a contact card."""
        contact: JSON = {"phone_number": phone_number, "first_name": contact_first_name}
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return await self._media(chat_id, {"contact": contact}, kwargs)

    async def edit_message(self, chat_id: int, message_id: int, new_text: str) -> JSON:
        """A user edits one of their text messages; queues an ``edited_message`` update."""
        chat = self._chats.get(chat_id)
        stored = chat.messages.get(message_id) if chat else None
        if chat is None or stored is None or stored.from_bot:
            raise ValueError(f"no user message {message_id} in chat {chat_id}")
        message = stored.json
        message["text"] = new_text
        message.pop("entities", None)
        found = _detect_entities(new_text)
        if found:
            message["entities"] = found
        message["edit_date"] = int(time.time())
        if self._reaches_bot(chat, message):
            self._queue("edited_message", _copy(message), chat_id)
        return _copy(message)

    async def press_button(
        self,
        chat_id: int,
        message_id: int,
        callback_data: str,
        *,
        user_id: int | None = None,
        check: bool = True,
    ) -> str:
        """A user taps an inline button; returns the callback query id.

        With ``check`` (the default) the message must exist and show a button with this
        callback_data, as a real client can only send what it shows.
        """
        chat = self._chats.get(chat_id)
        stored = chat.messages.get(message_id) if chat else None
        if check:
            if chat is None or stored is None:
                raise ValueError(f"no message {message_id} in chat {chat_id}")
            record = stored.record
            if record is None or callback_data not in record.callback_data:
                shown = record.callback_data if record else []
                raise ValueError(
                    f"message {message_id} has no button with callback_data {callback_data!r}; "
                    f"it has {shown}"
                )
        if chat is None:
            self.add_chat(chat_id)
            chat = self._chats[chat_id]
        user = self._sender(chat, user_id, None, None)
        query_id = str(self._next_query_id)
        self._next_query_id += 1
        query: JSON = {
            "id": query_id,
            "from": user,
            "chat_instance": str(-abs(chat_id) * 7919 - 13),
            "data": callback_data,
        }
        if stored is not None:
            query["message"] = _copy(stored.json)
        update = self._queue("callback_query", query, chat_id)
        self._queries[query_id] = _Query(chat_id, message_id, callback_data, update)
        return query_id

    async def add_bot_to_group(
        self, chat_id: int, *, title: str | None = None, by_user_id: int | None = None
    ) -> None:
        """Someone adds the bot to a group: a ``my_chat_member`` update (left -> member)."""
        self.add_chat(chat_id, title=title)
        chat = self._chats[chat_id]
        chat.forbidden = None
        self._queue_member_change(chat, "left", "member", by_user_id)

    # --- fault injection ----------------------------------------------------------------------

    def block_chat(self, chat_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot (or, for a group, removes it): sends then get 403.

        With ``notify`` a ``my_chat_member`` update (new status "kicked") is queued, as
        Telegram sends one.
        """
        self.add_chat(chat_id)
        chat = self._chats[chat_id]
        chat.forbidden = {
            "private": "Forbidden: bot was blocked by the user",
            "group": "Forbidden: bot was kicked from the group chat",
            "supergroup": "Forbidden: bot was kicked from the supergroup chat",
            "channel": "Forbidden: bot was kicked from the channel chat",
        }.get(chat.type, "Forbidden: bot was blocked by the user")
        if notify:
            self._queue_member_change(chat, "member", "kicked", None)

    def unblock_chat(self, chat_id: int, *, notify: bool = True) -> None:
        """The user unblocks the bot (a ``my_chat_member`` update: kicked -> member)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return
        chat.forbidden = None
        if notify:
            self._queue_member_change(chat, "kicked", "member", None)

    def deactivate_chat(self, chat_id: int) -> None:
        """The user deleted their account: sends get 403 "Forbidden: user is deactivated"."""
        self.add_chat(chat_id)
        self._chats[chat_id].forbidden = "Forbidden: user is deactivated"

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

    # --- internals: update queue ----------------------------------------------------------------

    def _bump(self) -> None:
        """Wake everything waiting for a change (long polls, wait_for, webhook delivery)."""
        event, self._changed = self._changed, asyncio.Event()
        event.set()

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

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            while len(self._pending) > -offset:
                self._pending.popleft().confirmed = True
            return
        while self._pending and self._pending[0].update_id < offset:
            self._pending.popleft().confirmed = True

    def _deliverable(self, limit: int, allowed: frozenset[str]) -> list[QueuedUpdate]:
        """Up to ``limit`` pending updates, dropping types the bot did not ask for."""
        batch: list[QueuedUpdate] = []
        now = time.monotonic()
        for update in list(self._pending):
            if len(batch) >= limit:
                break
            if update.kind not in allowed:
                self._pending.remove(update)
                update.confirmed = True
                continue
            if update.delivered_at is None:
                update.delivered_at = now
                if update.chat_id is not None:
                    self._last_delivered[update.chat_id] = update
            batch.append(update)
        return batch

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

    # --- internals: the user side ---------------------------------------------------------------

    def _file(self, kind: str) -> JSON:
        self._files += 1
        n = self._files
        return {"file_id": f"sandbox-{kind}-{n}", "file_unique_id": f"sandbox{n}"}

    def _sender(
        self, chat: _Chat, user_id: int | None, first_name: str | None, username: str | None
    ) -> JSON:
        if chat.type == "private":
            if user_id not in (None, chat.id):
                raise ValueError("in a private chat the sender is the chat's user")
            uid = chat.id
        else:
            uid = user_id if user_id is not None else DEFAULT_GROUP_USER_ID
        return self.add_user(uid, first_name=first_name, username=username)

    async def _user_message(
        self,
        chat_id: int,
        extra: JSON,
        user_id: int | None,
        chat_type: str | None,
        first_name: str | None,
        username: str | None,
        reply_to: int | None,
    ) -> JSON:
        if chat_id not in self._chats or chat_type is not None:
            self.add_chat(chat_id, chat_type=chat_type, first_name=first_name, username=username)
        chat = self._chats[chat_id]
        user = self._sender(chat, user_id, first_name, username)
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message: JSON = {
            "message_id": message_id,
            "from": user,
            "chat": chat.to_json(),
            "date": int(time.time()),
            **extra,
        }
        if reply_to is not None:
            target = chat.messages.get(reply_to)
            if target is None:
                raise ValueError(f"no message {reply_to} in chat {chat_id} to reply to")
            replied = _copy(target.json)
            replied.pop("reply_to_message", None)
            message["reply_to_message"] = replied
        chat.messages[message_id] = _Stored(message, from_bot=False)
        if self._reaches_bot(chat, message):
            self._queue("message", _copy(message), chat_id)
        return _copy(message)

    async def _media(self, chat_id: int, extra: JSON, kwargs: JSON) -> JSON:
        allowed = {"user_id", "chat_type", "first_name", "username", "reply_to"}
        unknown = set(kwargs) - allowed
        if unknown:
            raise TypeError(f"unexpected arguments: {sorted(unknown)}")
        return await self._user_message(
            chat_id,
            extra,
            kwargs.get("user_id"),
            kwargs.get("chat_type"),
            kwargs.get("first_name"),
            kwargs.get("username"),
            kwargs.get("reply_to"),
        )

    def _reaches_bot(self, chat: _Chat, message: JSON) -> bool:
        """Privacy mode: in groups only commands, mentions of the bot and replies to it."""
        if chat.type == "private" or not self.group_privacy:
            return True
        replied = message.get("reply_to_message")
        if replied and replied.get("from", {}).get("id") == self.bot_id:
            return True
        text = message.get("text") or message.get("caption") or ""
        me = self.bot_username.lower()
        for match in _BOT_COMMAND_RE.finditer(text):
            _, _, target = match.group().partition("@")
            if not target or target.lower() == me:
                return True
        return any(m.group()[1:].lower() == me for m in _MENTION_RE.finditer(text))

    def _queue_member_change(self, chat: _Chat, old: str, new: str, by_user_id: int | None) -> None:
        actor = self._sender(chat, by_user_id if chat.type != "private" else None, None, None)
        old_member: JSON = {"status": old, "user": self.bot_user}
        new_member: JSON = {"status": new, "user": self.bot_user}
        if new == "kicked":
            new_member["until_date"] = 0
        if old == "kicked":
            old_member["until_date"] = 0
        body = {
            "chat": chat.to_json(),
            "from": actor,
            "date": int(time.time()),
            "old_chat_member": old_member,
            "new_chat_member": new_member,
        }
        self._queue("my_chat_member", body, chat.id)

    def _emit(self, event: SandboxEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("sandbox listener failed")

    # --- internals: HTTP ----------------------------------------------------------------------

    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response(ApiError(404, "Not Found").payload(), status=404)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        name = request.match_info["method"]
        method = self._methods.get(name.lower())
        if method is None:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        try:
            params = await _read_params(request)
        except ApiError as err:
            return web.json_response(err.payload(), status=err.code)
        call = ApiCall(name, params, time.monotonic())
        self.calls.append(call)
        try:
            self._inject_fault(name.lower())
            result = await method(params)
        except ApiError as err:
            call.ok, call.error_code, call.description = False, err.code, err.description
            log.debug("sandbox %s -> %s %s", name, err.code, err.description)
            self._bump()
            return web.json_response(err.payload(), status=err.code)
        body: JSON = {"ok": True, "result": result}
        if isinstance(result, _Described):
            body = {"ok": True, "result": result.result, "description": result.description}
        call.result = body["result"]
        self._bump()
        return web.json_response(body)

    def _inject_fault(self, method: str) -> None:
        for fault in self._faults:
            if fault.remaining > 0 and (
                fault.method == method or (fault.method == "*" and method != "getupdates")
            ):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                raise ApiError(fault.status, fault.description, retry_after=fault.retry_after)

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

    # --- internals: chats and message content --------------------------------------------------

    def _chat(self, params: JSON) -> _Chat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat: _Chat | None = None
        chat_id = _as_int(raw)
        if chat_id is not None:
            chat = self._chats.get(chat_id)
        elif isinstance(raw, str) and raw.startswith("@"):
            wanted = raw[1:].lower()
            chat = next(
                (c for c in self._chats.values() if (c.username or "").lower() == wanted), None
            )
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    @staticmethod
    def _forbidden(chat: _Chat) -> None:
        if chat.forbidden:
            raise ApiError(403, chat.forbidden)

    @staticmethod
    def _parse(text: Any, parse_mode: Any, entities: Any) -> tuple[ParsedText, str | None]:
        """The text as Telegram stores it, and the parse mode used."""
        text = _as_str(text)
        mode = parse_mode.lower() if isinstance(parse_mode, str) and parse_mode else None
        if mode is None:
            parsed = parse_plain(text)
            if isinstance(entities, list) and entities:  # given explicitly: kept as sent
                parsed = ParsedText(parsed.text, tuple(_entity(e) for e in entities))
            return parsed, None
        if mode == "html":
            try:
                return parse_html(text), "HTML"
            except TelegramHtmlError as err:
                raise ApiError(400, err.description) from None
        if mode in ("markdown", "markdownv2"):
            # Not validated: stored as plain text.
            return parse_plain(text), parse_mode
        raise ApiError(400, "Bad Request: unsupported parse_mode")

    def _markup(self, raw: Any) -> JSON | None:
        """Validate reply_markup as the Bot API does; return it decoded."""
        if raw is None or raw == "":
            return None
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise ApiError(
                    400, "Bad Request: can't parse reply keyboard markup JSON object"
                ) from None
        if not isinstance(raw, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in raw:
            if not ({"keyboard", "remove_keyboard", "force_reply"} & raw.keys()):
                raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
            return raw
        rows = raw["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(
                400,
                'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an '
                "Array of Arrays",
            )
        total = 0
        for row in rows:
            for button in row:
                total += 1
                _check_button(button)
        if total > MAX_INLINE_BUTTONS:
            raise ApiError(400, "Bad Request: reply markup is too long")
        return raw

    def _reply_target(self, chat: _Chat, params: JSON) -> int | None:
        reply = params.get("reply_parameters")
        target: int | None = None
        allow_missing = _as_bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            target = _as_int(reply.get("message_id"))
            allow_missing = allow_missing or _as_bool(reply.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") not in (None, ""):
            target = _as_int(params.get("reply_to_message_id"))
        if target is None:
            return None
        if target not in chat.messages:
            if allow_missing:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return target

    def _store_bot_message(
        self,
        chat: _Chat,
        method: str,
        parsed: ParsedText,
        parse_mode: str | None,
        raw_text: str,
        markup: JSON | None,
        reply_to: int | None,
        media: JSON | None = None,
    ) -> JSON:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message: JSON = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": chat.to_json(),
            "date": int(time.time()),
        }
        text_key, entities_key = ("caption", "caption_entities") if media else ("text", "entities")
        if media:
            message.update(media)
            if parsed.text:
                message[text_key] = parsed.text
        else:
            message[text_key] = parsed.text
        if parsed.entities:
            message[entities_key] = parsed.entities_json()
        if reply_to is not None:
            replied = _copy(chat.messages[reply_to].json)
            replied.pop("reply_to_message", None)
            message["reply_to_message"] = replied
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        record = SentMessage(
            chat_id=chat.id,
            message_id=message_id,
            text=parsed.text,
            entities=parsed.entities_json(),
            reply_markup=markup if markup and "inline_keyboard" in markup else None,
            parse_mode=parse_mode,
            raw_text=raw_text,
            method=method,
            sent_at=time.monotonic(),
            reply_to_message_id=reply_to,
            media=next(iter(media)) if media else None,
        )
        record.reply_to_update_id = self._note_reply(chat.id)
        chat.messages[message_id] = _Stored(message, from_bot=True, record=record)
        self.sent.append(record)
        self._emit(SandboxEvent("sent", chat.id, message=record))
        return _copy(message)

    def _bot_message(self, params: JSON, missing: str) -> tuple[_Chat, _Stored]:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._chat(params)
        message_id = _as_int(params.get("message_id"))
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        stored = chat.messages.get(message_id)
        if stored is None:
            raise ApiError(400, missing)
        return chat, stored

    # --- Bot API methods ------------------------------------------------------------------------

    async def _api_get_me(self, params: JSON) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.group_privacy,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_log_out(self, params: JSON) -> bool:
        return True

    async def _api_close(self, params: JSON) -> bool:
        return True

    async def _api_get_updates(self, params: JSON) -> list[JSON]:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _as_int(params.get("offset"))
        limit = min(max(_as_int(params.get("limit")) or 100, 1), 100)
        timeout = max(_as_float(params.get("timeout")) or 0.0, 0.0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) or _UPDATE_TYPES_BY_DEFAULT
        self._poll_generation += 1
        generation = self._poll_generation
        self._bump()  # an older long poll sees the new generation and ends with 409
        self._confirm(offset)
        deadline = time.monotonic() + timeout
        while True:
            event = self._changed
            batch = self._deliverable(limit, self._allowed_updates)
            if batch or self._closing:
                return [u.payload for u in batch]
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            if self._webhook_url:
                raise ApiError(409, "Conflict: terminated by setWebhook request")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def _api_set_webhook(self, params: JSON) -> _Described:
        url = _as_str(params.get("url"))
        if not url:
            await self._api_delete_webhook(params)
            return _Described(True, "Webhook was deleted")
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or not host:
            raise ApiError(400, "Bad Request: bad webhook: Failed to resolve host")
        if parts.scheme == "http" and host not in _LOOPBACK_HOSTS:
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret not in (None, ""):
            if not isinstance(secret, str) or not _SECRET_RE.fullmatch(secret):
                raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        else:
            secret = None
        if _as_bool(params.get("drop_pending_updates")):
            self._confirm(self._next_update_id)
        allowed = params.get("allowed_updates")
        self._webhook_allowed = allowed if isinstance(allowed, list) else None
        if self._webhook_allowed is not None:
            self._allowed_updates = frozenset(self._webhook_allowed) or _UPDATE_TYPES_BY_DEFAULT
        self._webhook_max_connections = _as_int(params.get("max_connections")) or 40
        already = self._webhook_url == url and self._webhook_secret == secret
        self._webhook_url, self._webhook_secret = url, secret
        self._last_webhook_error = None
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._deliver_to_webhook())
        self._bump()
        return _Described(True, "Webhook is already set" if already else "Webhook was set")

    async def _api_delete_webhook(self, params: JSON) -> _Described:
        had = bool(self._webhook_url)
        self._webhook_url, self._webhook_secret = "", None
        if _as_bool(params.get("drop_pending_updates")):
            self._confirm(self._next_update_id)
        await self._stop_webhook_task()
        return _Described(True, "Webhook was deleted" if had else "Webhook is already deleted")

    async def _api_get_webhook_info(self, params: JSON) -> JSON:
        info: JSON = {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook_url:
            info["max_connections"] = self._webhook_max_connections
            info["ip_address"] = "127.0.0.1"
            if self._webhook_allowed is not None:
                info["allowed_updates"] = self._webhook_allowed
        if self._last_webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._last_webhook_error
        return info

    async def _stop_webhook_task(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_to_webhook(self) -> None:
        """POST pending updates one at a time, as Telegram does with max_connections=1."""
        backoff = 0.05
        async with ClientSession(timeout=ClientTimeout(total=10)) as session:
            while self._webhook_url and not self._closing:
                event = self._changed
                batch = self._deliverable(1, self._allowed_updates)
                if not batch:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(event.wait(), 1.0)
                    continue
                update = batch[0]
                headers = {"Content-Type": "application/json"}
                if self._webhook_secret:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook_secret
                error: str | None = None
                try:
                    async with session.post(
                        self._webhook_url, data=json.dumps(update.payload), headers=headers
                    ) as response:
                        await response.read()
                        if not 200 <= response.status < 300:
                            status = f"{response.status} {response.reason}"
                            error = f"Wrong response from the webhook: {status}"
                except (ClientError, OSError, TimeoutError) as exc:
                    error = f"Connection failed: {type(exc).__name__}"
                if error is None:
                    self._confirm(update.update_id + 1)
                    backoff = 0.05
                    self._bump()
                else:
                    self._last_webhook_error = (int(time.time()), error)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 2.0)

    async def _api_set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, 'Bad Request: field "commands" must be an Array')
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        cleaned: list[JSON] = []
        for item in commands:
            if not isinstance(item, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand: expected an Object")
            command, description = item.get("command"), item.get("description")
            if not isinstance(command, str):
                raise ApiError(
                    400, "Bad Request: can't parse BotCommand: Can't find field \"command\""
                )
            if not isinstance(description, str):
                raise ApiError(
                    400, "Bad Request: can't parse BotCommand: Can't find field \"description\""
                )
            if not command:
                raise ApiError(400, "Bad Request: command must be non-empty")
            if not _COMMAND_RE.fullmatch(command):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not description.strip():
                raise ApiError(400, "Bad Request: command description must be non-empty")
            if len(description) > 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command, "description": description})
        self.commands[_commands_key(params)] = cleaned
        return True

    async def _api_get_my_commands(self, params: JSON) -> list[JSON]:
        return [dict(c) for c in self.commands.get(_commands_key(params), [])]

    async def _api_delete_my_commands(self, params: JSON) -> bool:
        self.commands.pop(_commands_key(params), None)
        return True

    async def _api_set_my_description(self, params: JSON) -> bool:
        self.description = _as_str(params.get("description"))
        return True

    async def _api_get_my_description(self, params: JSON) -> JSON:
        return {"description": self.description}

    async def _api_set_my_short_description(self, params: JSON) -> bool:
        self.short_description = _as_str(params.get("short_description"))
        return True

    async def _api_get_my_short_description(self, params: JSON) -> JSON:
        return {"short_description": self.short_description}

    async def _api_set_my_name(self, params: JSON) -> bool:
        name = _as_str(params.get("name"))
        if name:
            self.bot_first_name = name
        return True

    async def _api_get_my_name(self, params: JSON) -> JSON:
        return {"name": self.bot_first_name}

    async def _api_set_chat_menu_button(self, params: JSON) -> bool:
        return True

    async def _api_get_chat_menu_button(self, params: JSON) -> JSON:
        return {"type": "commands"}

    def _message_text(self, params: JSON) -> tuple[Any, ParsedText, str | None]:
        """A message's text, parsed and checked as Telegram checks it (send and edit)."""
        raw_text = params.get("text")
        if raw_text is None or raw_text == "":
            raise ApiError(400, "Bad Request: message text is empty")
        parsed, mode = self._parse(raw_text, params.get("parse_mode"), params.get("entities"))
        if parsed.is_empty:
            raise ApiError(400, "Bad Request: message text is empty")
        if parsed.length > MAX_MESSAGE_CHARS:
            raise ApiError(400, "Bad Request: message is too long")
        return raw_text, parsed, mode

    async def _api_send_message(self, params: JSON) -> JSON:
        chat = self._chat(params)
        raw_text, parsed, mode = self._message_text(params)
        markup = self._markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        self._forbidden(chat)
        self._check_rate(chat)
        return self._store_bot_message(
            chat, "sendMessage", parsed, mode, str(raw_text), markup, reply_to
        )

    async def _send_media(self, params: JSON, kind: str, method: str) -> JSON:
        chat = self._chat(params)
        source = params.get(kind)
        if source in (None, ""):
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        raw_caption = params.get("caption") or ""
        parsed, mode = self._parse(
            raw_caption, params.get("parse_mode"), params.get("caption_entities")
        )
        if parsed.length > MAX_CAPTION_CHARS:
            raise ApiError(400, "Bad Request: message caption is too long")
        markup = self._markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        self._forbidden(chat)
        self._check_rate(chat)
        file = self._file(kind)
        media: JSON
        if kind == "photo":
            media = {"photo": [{**file, "width": 1280, "height": 960, "file_size": 98_000}]}
        else:
            name = source.get("filename") if isinstance(source, dict) else None
            media = {"document": {**file, "file_name": name or "file"}}
        return self._store_bot_message(
            chat, method, parsed, mode, str(raw_caption), markup, reply_to, media
        )

    async def _api_send_photo(self, params: JSON) -> JSON:
        return await self._send_media(params, "photo", "sendPhoto")

    async def _api_send_document(self, params: JSON) -> JSON:
        return await self._send_media(params, "document", "sendDocument")

    async def _api_edit_message_text(self, params: JSON) -> JSON:
        chat, stored = self._bot_message(params, "Bad Request: message to edit not found")
        raw_text, parsed, mode = self._message_text(params)
        markup = self._markup(params.get("reply_markup"))
        if not stored.from_bot or stored.record is None:
            raise ApiError(400, "Bad Request: message can't be edited")
        if "text" not in stored.json:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        record = stored.record
        entities = parsed.entities_json()
        if (
            parsed.text == record.text
            and entities == record.entities
            and markup == record.reply_markup
        ):
            raise ApiError(400, _NOT_MODIFIED)
        self._forbidden(chat)
        record.history.append(record.text)
        record.text, record.entities, record.raw_text = parsed.text, entities, str(raw_text)
        record.parse_mode = mode
        return self._edited(chat, stored, markup, text=True)

    async def _api_edit_message_reply_markup(self, params: JSON) -> JSON:
        chat, stored = self._bot_message(params, "Bad Request: message to edit not found")
        markup = self._markup(params.get("reply_markup"))
        if not stored.from_bot or stored.record is None:
            raise ApiError(400, "Bad Request: message can't be edited")
        if markup == stored.record.reply_markup:
            raise ApiError(400, _NOT_MODIFIED)
        self._forbidden(chat)
        return self._edited(chat, stored, markup, text=False)

    def _edited(self, chat: _Chat, stored: _Stored, markup: JSON | None, *, text: bool) -> JSON:
        record = stored.record
        assert record is not None
        message = stored.json
        if text:
            message["text"] = record.text
            message.pop("entities", None)
            if record.entities:
                message["entities"] = record.entities
        inline = markup if markup and "inline_keyboard" in markup else None
        record.reply_markup = inline
        if inline:
            message["reply_markup"] = inline
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        record.edited_at = time.monotonic()
        self._note_reply(chat.id)
        self._emit(SandboxEvent("edited", chat.id, message=record))
        return _copy(message)

    async def _api_delete_message(self, params: JSON) -> bool:
        chat, stored = self._bot_message(params, "Bad Request: message to delete not found")
        self._forbidden(chat)
        del chat.messages[stored.json["message_id"]]
        if stored.record is not None:
            stored.record.deleted = True
            self._emit(SandboxEvent("deleted", chat.id, message=stored.record))
        return True

    async def _api_answer_callback_query(self, params: JSON) -> bool:
        query_id = _as_str(params.get("callback_query_id"))
        query = self._queries.get(query_id)
        if query is None or query.answered:
            raise ApiError(400, _QUERY_INVALID)
        text = params.get("text")
        text = _as_str(text) if text not in (None, "") else None
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_CHARS:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query.answered = True
        answer = CallbackAnswer(
            callback_query_id=query_id,
            chat_id=query.chat_id,
            message_id=query.message_id,
            data=query.data,
            text=text,
            show_alert=_as_bool(params.get("show_alert")),
            url=_as_str(params.get("url")) or None,
            answered_at=time.monotonic(),
        )
        self.callback_answers.append(answer)
        self._note_reply(query.chat_id, query.update)
        self._emit(SandboxEvent("callback_answer", query.chat_id, callback_answer=answer))
        return True

    async def _api_send_chat_action(self, params: JSON) -> bool:
        chat = self._chat(params)
        action = _as_str(params.get("action"))
        if action not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self._forbidden(chat)
        self.chat_actions.append(ChatAction(chat.id, action, time.monotonic()))
        self._emit(SandboxEvent("chat_action", chat.id, action=action))
        return True

    async def _api_get_chat(self, params: JSON) -> JSON:
        chat = self._chat(params)
        return {
            **chat.to_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }


# --- helpers ------------------------------------------------------------------------------------


async def _read_params(request: web.Request) -> JSON:
    """Query string, form (urlencoded or multipart) or JSON body, JSON fields decoded."""
    params: JSON = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON object") from None
            if isinstance(body, dict):
                params.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = {
                        "filename": value.filename,
                        "content_type": value.content_type,
                        "size": len(value.file.read()),
                    }
                else:
                    params[key] = value
    for key in _JSON_FIELDS & params.keys():
        value = params[key]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


def _check_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise ApiError(
            400,
            "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must be "
            "an Object",
        )
    if not isinstance(button.get("text"), str):
        raise ApiError(
            400,
            'Bad Request: can\'t parse inline keyboard button: Field "text" must be of type String',
        )
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if not actions:
        raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise ApiError(
            400,
            "Bad Request: can't parse inline keyboard button: exactly one of "
            f"{', '.join(actions)} must be used",
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str):
            raise ApiError(
                400,
                'Bad Request: can\'t parse inline keyboard button: Field "callback_data" must '
                "be of type String",
            )
        if not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        scheme = urlsplit(url).scheme.lower() if isinstance(url, str) else ""
        if scheme not in ("http", "https", "tg"):
            raise ApiError(
                400,
                f"Bad Request: inline keyboard button URL '{url}' is invalid: "
                "Unsupported URL protocol",
            )
        if scheme in ("http", "https") and not urlsplit(url).hostname:
            raise ApiError(
                400, f"Bad Request: inline keyboard button URL '{url}' is invalid: Wrong URL host"
            )


def _detect_entities(text: str) -> list[JSON]:
    """Entities Telegram adds to a user's text: commands, mentions, URLs, hashtags."""
    found: list[tuple[int, int, str]] = []
    for kind, pattern in (
        ("bot_command", _BOT_COMMAND_RE),
        ("url", _URL_RE),
        ("mention", _MENTION_RE),
        ("hashtag", _HASHTAG_RE),
    ):
        for match in pattern.finditer(text):
            start, end = match.span()
            if all(end <= s or start >= e for s, e, _ in found):
                found.append((start, end, kind))
    found.sort()
    return [
        {
            "offset": utf16_length(text[:start]),
            "length": utf16_length(text[start:end]),
            "type": kind,
        }
        for start, end, kind in found
    ]


def _always(_: object) -> bool:
    return True


def _entity(raw: Any) -> Entity:
    """An entity the bot passed explicitly (``entities=[...]``), as Telegram echoes it."""
    if not isinstance(raw, dict):
        raise ApiError(400, "Bad Request: can't parse entities JSON object")
    user = raw.get("user")
    return Entity(
        type=_as_str(raw.get("type")),
        offset=_as_int(raw.get("offset")) or 0,
        length=_as_int(raw.get("length")) or 0,
        url=raw.get("url"),
        language=raw.get("language"),
        custom_emoji_id=raw.get("custom_emoji_id"),
        user_id=_as_int(user.get("id")) if isinstance(user, dict) else None,
    )


def _commands_key(params: JSON) -> tuple[str, str]:
    scope = params.get("scope")
    if isinstance(scope, str):
        with contextlib.suppress(ValueError):
            scope = json.loads(scope)
    scope_key = json.dumps(scope or {"type": "default"}, sort_keys=True)
    return scope_key, _as_str(params.get("language_code"))


def _type_for(chat_id: int) -> str:
    if chat_id > 0:
        return "private"
    return "supergroup" if chat_id < -(10**12) else "group"


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


# --- python -m bot.sandbox ----------------------------------------------------------------------


async def _serve(host: str, port: int, token: str) -> None:
    async with BotApiSandbox(token, host=host, port=port) as sandbox:
        print(f"Bot API sandbox at {sandbox.url}")
        print(f"token: {sandbox.token}  (a fake token, valid only here)")
        print(f'python-telegram-bot: .base_url("{sandbox.url}/bot")')
        print("Ctrl-C to stop.")
        await asyncio.Event().wait()


def main(argv: Iterable[str] | None = None) -> None:
    """Run a sandbox by itself, for poking at it with curl or a bot."""
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description=main.__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(list(argv) if argv is not None else None)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port, args.token))


if __name__ == "__main__":
    main()
