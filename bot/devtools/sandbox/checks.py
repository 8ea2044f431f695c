"""Telegram's checks on what the bot sends (text, parse mode, inline keyboards and their
buttons, the chat and message a call names, reply parameters) and the entities Telegram
detects in a user's text. The HTML parsing itself is
``bot.text.telegram_html``'s."""

from __future__ import annotations

import json
import re
from typing import Any, Final
from urllib.parse import urlsplit

from bot.devtools.sandbox.core import _as_bool, _as_int, _as_str, _SandboxCore
from bot.devtools.sandbox.models import JSON, ApiError, _Chat, _Stored
from bot.text.telegram_html import (
    MAX_MESSAGE_CHARS,
    Entity,
    ParsedText,
    TelegramHtmlError,
    parse_html,
    parse_plain,
    utf16_length,
)

MAX_CALLBACK_DATA_BYTES: Final = 64

MAX_INLINE_BUTTONS: Final = 100

_BOT_COMMAND_RE: Final = re.compile(
    r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])"
)
_MENTION_RE: Final = re.compile(r"(?<!\w)@[A-Za-z0-9_]{2,32}(?!\w)")
_URL_RE: Final = re.compile(r"(?<!\w)https?://[^\s<>\"']+", re.IGNORECASE)
_HASHTAG_RE: Final = re.compile(r"(?<![\w#])#\w*[^\W\d_]\w*")

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


class _Checks(_SandboxCore):
    """Finding a call's chat and message and checking its content, as the Bot API does;
    shared by the sending and editing methods."""

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
