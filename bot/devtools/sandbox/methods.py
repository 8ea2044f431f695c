"""The Bot API methods the bot calls: getMe, sendMessage, editMessageText,
answerCallbackQuery, setMyCommands and the rest. (getUpdates and the webhook methods are the
server's.)"""

from __future__ import annotations

import contextlib
import json
import re
import time
from typing import Final

from bot.devtools.sandbox.checks import _Checks
from bot.devtools.sandbox.core import _as_bool, _as_int, _as_str, _copy
from bot.devtools.sandbox.faults import _Faults
from bot.devtools.sandbox.models import (
    JSON,
    ApiError,
    CallbackAnswer,
    ChatAction,
    SandboxEvent,
    SentMessage,
    _Chat,
    _Stored,
)
from bot.text.telegram_html import ParsedText

MAX_CAPTION_CHARS: Final = 1024

MAX_CALLBACK_ANSWER_CHARS: Final = 200

_COMMAND_RE: Final = re.compile(r"[a-z0-9_]{1,32}")

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

_QUERY_INVALID: Final = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
_NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class _BotApiMethods(_Checks, _Faults):
    """The methods in ``METHODS`` other than getUpdates and the webhook ones."""

    # --- internals: storing what the bot sends ----------------------------------------------

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
            "date": int(self.now()),
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

    def commands_for(self, chat_id: int, language_code: str | None = None) -> list[JSON]:
        """The command menu a private chat's user sees: the narrowest scope the bot set,
        in Telegram's order (this chat, all private chats, default), each first for the
        user's language, then for all languages."""
        scopes = (
            {"type": "chat", "chat_id": chat_id},
            {"type": "all_private_chats"},
            {"type": "default"},
        )
        languages = [language_code, ""] if language_code else [""]
        for scope in scopes:
            for language in languages:
                found = self.commands.get((_scope_key(scope), language))
                if found is not None:
                    return [dict(c) for c in found]
        return []

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
        message["edit_date"] = int(self.now())
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

    async def _api_get_chat_member(self, params: JSON) -> JSON:
        chat = self._chat(params)
        user_id = _as_int(params.get("user_id"))
        if user_id == self.bot_id:
            return {"user": self.bot_user, "status": "member"}
        if user_id is None or user_id not in self._users:
            raise ApiError(400, "Bad Request: PARTICIPANT_ID_INVALID")
        if chat.type == "private":
            status = "member" if user_id in (chat.id, self.bot_id) else None
            if status is None:
                raise ApiError(400, "Bad Request: user not found")
        else:
            status = chat.admins.get(user_id, "member")
        return self._member(user_id, status)

    async def _api_get_chat_administrators(self, params: JSON) -> list[JSON]:
        chat = self._chat(params)
        if chat.type == "private":
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        return [self._member(uid, status) for uid, status in sorted(chat.admins.items())]

    def _member(self, user_id: int, status: str) -> JSON:
        member: JSON = {"user": self._users[user_id], "status": status}
        if status == "administrator":
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": True,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": True,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                }
            )
        elif status == "creator":
            member["is_anonymous"] = False
        return member

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


def _scope_key(scope: object) -> str:
    return json.dumps(scope, sort_keys=True)


def _commands_key(params: JSON) -> tuple[str, str]:
    scope = params.get("scope")
    if isinstance(scope, str):
        with contextlib.suppress(ValueError):
            scope = json.loads(scope)
    scope_key = _scope_key(scope or {"type": "default"})
    return scope_key, _as_str(params.get("language_code"))
