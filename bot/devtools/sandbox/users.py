"""The user side that tests drive: users and chats, messages, commands, media, edits,
button presses, groups, and blocking the bot."""

from __future__ import annotations

from typing import Any, Final

from bot.devtools.sandbox.checks import _BOT_COMMAND_RE, _MENTION_RE, _detect_entities
from bot.devtools.sandbox.core import _copy, _SandboxCore
from bot.devtools.sandbox.models import JSON, _Chat, _Query, _Stored

DEFAULT_GROUP_USER_ID: Final = 1_000_001


class _UserSide(_SandboxCore):
    """What users do, turned into updates for the bot."""

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

    def set_language_code(self, user_id: int, language_code: str | None) -> JSON:
        """The user's Telegram app language (``"es"``, ``"es-MX"`` ...), sent as
        ``from.language_code`` with their next updates; None removes it, as for a user whose
        client does not say. Returns the User object."""
        user = self._users.get(user_id)
        if user is None:
            raise ValueError(f"no user {user_id}; add_user first")
        if language_code:
            user["language_code"] = language_code
        else:
            user.pop("language_code", None)
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
                chat_id,
                first_name=first_name,
                last_name=last_name,
                username=username,
                language_code=self._language_for(chat_id),
            )
            chat.first_name = user["first_name"]
            chat.last_name = user.get("last_name")
            chat.username = user.get("username")
        else:
            chat.title = title or chat.title or f"Group {chat_id}"
            chat.username = username or chat.username
        return chat.to_json()

    def set_admin(self, chat_id: int, user_id: int, status: str = "administrator") -> None:
        """Make a user an administrator ("administrator" or "creator") of a group, or a plain
        member again (``status="member"``), as getChatMember will report."""
        chat = self._chats.get(chat_id)
        if chat is None or chat.type == "private":
            raise ValueError("administrators exist in groups only; add the group first")
        if status not in ("administrator", "creator", "member"):
            raise ValueError("status is administrator, creator or member")
        self.add_user(user_id)
        if status == "member":
            chat.admins.pop(user_id, None)
        else:
            chat.admins[user_id] = status

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
        message["edit_date"] = int(self.now())
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

    # --- the user side: blocking the bot ---------------------------------------------------

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

    # --- internals: the user side ---------------------------------------------------------------

    def _sender(
        self, chat: _Chat, user_id: int | None, first_name: str | None, username: str | None
    ) -> JSON:
        if chat.type == "private":
            if user_id not in (None, chat.id):
                raise ValueError("in a private chat the sender is the chat's user")
            uid = chat.id
        else:
            uid = user_id if user_id is not None else DEFAULT_GROUP_USER_ID
        return self.add_user(
            uid, first_name=first_name, username=username, language_code=self._language_for(uid)
        )

    def _language_for(self, user_id: int) -> str | None:
        """ "en" for a new user, else None: a user's language stays as set, message after
        message (``add_user``'s default would put it back to "en")."""
        return None if user_id in self._users else "en"

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
            "date": int(self.now()),
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
            "date": int(self.now()),
            "old_chat_member": old_member,
            "new_chat_member": new_member,
        }
        self._queue("my_chat_member", body, chat.id)


def _type_for(chat_id: int) -> str:
    if chat_id > 0:
        return "private"
    return "supergroup" if chat_id < -(10**12) else "group"
