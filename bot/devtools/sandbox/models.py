"""The sandbox's records: what tests read (calls, sent messages, updates, callback answers,
chat actions, events), ``ApiError``, and the private types the server keeps its state in."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

JSON = dict[str, Any]


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
    #: In groups: user id -> "creator" or "administrator" (everyone else is a "member").
    admins: dict[int, str] = field(default_factory=dict)
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


@dataclass
class _Delay:
    """The next ``remaining`` calls of ``method`` take ``seconds`` longer, then succeed."""

    method: str  # lower case, or "*"
    seconds: float
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
