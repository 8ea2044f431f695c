"""Thin Telegram handlers: pick the plain function that answers, then send its reply.

Nothing here knows what lupus is; the words come from ``conversation`` and the content.
The bot's own commands each get a ``CommandHandler`` from the one command table
(``bot.commands``); admin commands are registered behind ``filters.Chat`` of the admin
chats, so anyone else falls through to the catch-all and gets the unknown-command answer.
Message texts are never logged at INFO; chat ids only at DEBUG.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from telegram import CallbackQuery, ChatMemberUpdated, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import metrics
from bot.commands import COMMANDS, Audience, Command
from bot.conversation import admin, subscriptions, topics
from bot.knowledge.outgoing import Reply
from bot.knowledge.triage import triage
from bot.settings import Settings
from bot.storage.database import Database
from bot.telegram.flood import Verdict
from bot.telegram.menu import bot_commands
from bot.telegram.send import send_reply
from bot.telegram.state import BotApplication, BotState, Context

log = logging.getLogger(__name__)

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
#: chat_data key: the subscribe choices waiting for a typed time zone.
PENDING_ZONE = "pending_zone"


async def reply(context: Context, chat_id: int, answer: Reply) -> bool:
    """Send a reply and count it; False when the chat cannot be reached any more."""
    sent = await send_reply(context.bot, chat_id, answer)
    if sent:
        metrics.count_reply(answer.kind, context.bot_data.catalog.safety.kind_names)
    return sent


# --- gatekeeping -----------------------------------------------------------------------------


async def flood_control(update: Update, context: Context) -> None:
    """Runs before every other handler (group -1), so it also counts every update."""
    metrics.UPDATES.labels(metrics.update_kind(update.to_dict())).inc()
    user = update.effective_user
    if user is None:
        return
    verdict = context.bot_data.flood.check(user.id, time.monotonic())
    if verdict is Verdict.ALLOW:
        return
    if update.callback_query is not None:
        await _answer(update.callback_query)
    chat = update.effective_chat
    if verdict is Verdict.WARN and chat is not None and chat.type == ChatType.PRIVATE:
        await reply(context, chat.id, topics.slow_down(context.bot_data.catalog))
    log.debug("flood control: %s update from a user", verdict.value)
    raise ApplicationHandlerStop


def _is_group(message: Message) -> bool:
    return message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def _addressed_text(message: Message, username: str) -> str | None:
    """In a group, the text of a message meant for the bot (mention or reply), else None."""
    text = message.text or ""
    reply_to = message.reply_to_message
    author = reply_to.from_user if reply_to is not None else None
    if author is not None and author.is_bot and (author.username or "").lower() == username:
        return text
    mention = f"@{username}"
    for entity in message.entities or ():
        if entity.type == MessageEntity.MENTION:
            name = text[entity.offset : entity.offset + entity.length].lower()
            if name == mention:
                return (text[: entity.offset] + text[entity.offset + entity.length :]).strip()
    return None


def _command(message: Message, username: str) -> str | None:
    """The command this message gives us, or None if it is for another bot."""
    text = message.text or ""
    entity = next((e for e in message.entities or () if e.type == MessageEntity.BOT_COMMAND), None)
    if entity is None or entity.offset != 0:
        return None
    word = text[1 : entity.length]
    name, _, target = word.partition("@")
    if target and target.lower() != username:
        return None
    return name


# --- the bot's own commands ------------------------------------------------------------------


async def on_start(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    user = update.effective_user
    first_name = user.first_name if user else None
    await reply(context, message.chat_id, topics.welcome(context.bot_data.catalog, first_name))


async def on_topics(update: Update, context: Context) -> None:
    if update.effective_message is not None:
        await reply(
            context, update.effective_message.chat_id, topics.menu(context.bot_data.catalog)
        )


async def on_help(update: Update, context: Context) -> None:
    if update.effective_message is not None:
        chat_id = update.effective_message.chat_id
        await reply(context, chat_id, topics.help_reply(context.bot_data.catalog))


def _now() -> datetime:
    return datetime.now(UTC)


async def _with_database(
    update: Update, context: Context, work: Callable[..., Reply], *args: object
) -> None:
    """Answer with ``work(catalog, database, chat_id, *args)``, run in a thread (it blocks)."""
    message = update.effective_message
    state = context.bot_data
    if message is None or state.database is None:
        return
    answer = await asyncio.to_thread(work, state.catalog, state.database, message.chat_id, *args)
    await reply(context, message.chat_id, answer)


async def on_subscribe(update: Update, context: Context) -> None:
    await _with_database(
        update, context, subscriptions.subscribe_command, context.args or [], _now()
    )


async def on_settings(update: Update, context: Context) -> None:
    await _with_database(update, context, subscriptions.settings, _now())


async def on_unsubscribe(update: Update, context: Context) -> None:
    await _with_database(update, context, subscriptions.unsubscribe)


async def on_privacy(update: Update, context: Context) -> None:
    await _with_database(update, context, subscriptions.privacy)


async def on_deletedata(update: Update, context: Context) -> None:
    if update.effective_message is not None:
        chat_id = update.effective_message.chat_id
        await reply(context, chat_id, subscriptions.delete_request(context.bot_data.catalog))


async def on_stats(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    state = context.bot_data
    if state.database is None:
        answer = admin.no_database(state.catalog)
    else:
        stats = await asyncio.to_thread(admin.collect_stats, state.database, _now())
        answer = admin.stats_reply(state.catalog, stats)
    await reply(context, message.chat_id, answer)


async def on_preview(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    state = context.bot_data
    argument = " ".join(context.args or [])
    answer = await asyncio.to_thread(
        admin.preview, state.catalog, state.settings.content_dir, argument
    )
    await reply(context, message.chat_id, answer)


async def on_reload(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is not None:
        await reply(context, message.chat_id, await reload_catalog(context))


async def reload_catalog(context: Context) -> Reply:
    """Swap new content in for chats and digests, then register the new command menu."""
    state = context.bot_data
    async with state.reload_lock:
        result = await asyncio.to_thread(
            admin.reload_content, state.catalog, state.settings.content_dir
        )
        if result.catalog is None:
            assert result.refusal is not None
            return result.refusal
        state.swap_catalog(result.catalog)
        log.info("content reloaded: %d topic(s)", len(result.catalog.topics))
        try:
            await context.bot.set_my_commands(bot_commands(state))
        except TelegramError as err:
            log.warning("could not register commands after a reload: %s", type(err).__name__)
            return admin.reload_done(result.catalog, registered=False)
        return admin.reload_done(result.catalog, registered=True)


#: The handler of each command in ``bot.commands.COMMANDS`` (a test holds the two together).
FIXED: dict[str, Handler] = {
    "start": on_start,
    "topics": on_topics,
    "help": on_help,
    "subscribe": on_subscribe,
    "settings": on_settings,
    "unsubscribe": on_unsubscribe,
    "privacy": on_privacy,
    "deletedata": on_deletedata,
    "stats": on_stats,
    "reload": on_reload,
    "preview": on_preview,
}


# --- everything else -------------------------------------------------------------------------


async def on_topic_command(update: Update, context: Context) -> None:
    """Any other command: a topic from the content, or the unknown-command answer."""
    message = update.effective_message
    if message is None:
        return
    name = _command(message, context.bot.username.lower())
    if name is None:
        return
    await reply(context, message.chat_id, topics.for_command(context.bot_data.catalog, name))


async def on_text(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    text: str | None = message.text
    if _is_group(message):
        text = _addressed_text(message, context.bot.username.lower())
        if text is None:
            return
    state = context.bot_data
    catalog = state.catalog
    pending = context.chat_data.pop(PENDING_ZONE, None) if context.chat_data is not None else None
    database = state.database
    if pending and database is not None and triage(text or "", catalog.safety) is None:
        # The answer to "type my time zone"; safety still reads every message first.
        answer = await asyncio.to_thread(
            subscriptions.typed_zone,
            catalog,
            database,
            message.chat_id,
            pending,
            text or "",
            _now(),
        )
    else:
        answer = topics.for_text(catalog, text or "")
        if answer.kind == "not_sure" and database is not None:
            await record_unsure(database, text or "")
    log.info("text message answered: %s", answer.kind)
    await reply(context, message.chat_id, answer)


async def record_unsure(database: Database, text: str) -> None:
    """Count the question for /stats (text only, no ids); a failure never costs the reply."""
    try:
        await asyncio.to_thread(database.record_unsure, text, _now())
    except Exception as err:  # the database is down: the user still gets an answer
        log.warning("could not record a not-sure question: %s", type(err).__name__)


async def on_other_message(update: Update, context: Context) -> None:
    """Stickers, photos, voice notes, locations...: say what the bot can read."""
    message = update.effective_message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return
    await reply(context, message.chat_id, topics.unsupported(context.bot_data.catalog))


async def _answer(query: CallbackQuery) -> None:
    try:
        await query.answer()
    except TelegramError as err:  # an old query: the user's spinner is gone anyway
        log.debug("could not answer a callback query: %s", err)


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    await _answer(query)
    # A button on a message too old to be attached still comes from a private chat whose id
    # is the user's id; in groups we need the message to know where to answer.
    chat = update.effective_chat
    chat_id = chat.id if chat is not None else query.from_user.id
    data = query.data or ""
    state = context.bot_data
    if data.startswith(subscriptions.PREFIX) and state.database is not None:
        pending = subscriptions.pending_zone_state(data)
        if pending is not None and context.chat_data is not None:
            context.chat_data[PENDING_ZONE] = pending
        answer = await asyncio.to_thread(
            subscriptions.button,
            state.catalog,
            state.choices,
            state.database,
            chat_id,
            data,
            _now(),
        )
    else:
        answer = topics.for_callback(state.catalog, query.data)
    await reply(context, chat_id, answer)


async def on_member_change(update: Update, context: Context) -> None:
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    log.info("bot membership changed: %s", status)
    database = context.bot_data.database
    if status in ("kicked", "left") and database is not None:
        # Blocked or removed: end the subscription now rather than at the next digest.
        await asyncio.to_thread(database.end, change.chat.id)


async def on_anything_else(update: Update, context: Context) -> None:
    """Last in line: nothing is dropped silently."""
    kinds = [k for k, v in update.to_dict().items() if k != "update_id" and v]
    log.debug("update %s not handled (%s)", update.update_id, ",".join(kinds))


async def on_error(update: object, context: Context) -> None:
    """Log the failure (never the user's text) and tell the user, then carry on."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error(
        "error while handling update %s: %s",
        update_id,
        type(context.error).__name__,
        exc_info=context.error,
    )
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is not None and chat.type == ChatType.PRIVATE:
        try:
            await context.bot.send_message(chat.id, context.bot_data.catalog.messages.get("error"))
        except TelegramError:
            log.debug("could not send the error message")


def admin_chats(settings: Settings) -> filters.Chat | None:
    """The filter that lets only admin chats reach admin commands (None: no admins)."""
    if not settings.admin_chat_ids:
        return None
    return filters.Chat(chat_id=sorted(settings.admin_chat_ids))


def _serves(command: Command, state: BotState) -> bool:
    if command.audience is Audience.SUBSCRIBERS:
        return state.database is not None
    if command.audience is Audience.ADMINS:
        return admin_chats(state.settings) is not None
    return True


def register(application: BotApplication) -> None:
    state = application.bot_data
    application.add_handler(TypeHandler(Update, flood_control), group=-1)
    for command in COMMANDS:
        if not _serves(command, state):
            continue
        only: filters.BaseFilter = filters.UpdateType.MESSAGES
        if command.audience is Audience.ADMINS:
            chats = admin_chats(state.settings)
            assert chats is not None
            only = only & chats
        application.add_handler(CommandHandler(command.names, FIXED[command.name], filters=only))
    application.add_handler(MessageHandler(filters.COMMAND, on_topic_command))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(ChatMemberHandler(on_member_change, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.ALL, on_other_message))
    application.add_handler(TypeHandler(Update, on_anything_else))
    application.add_error_handler(on_error)
