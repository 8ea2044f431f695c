"""Thin Telegram handlers: decide which plain function answers, then send its reply.

Nothing here knows what lupus is; the words come from ``replies`` and the content. Message
texts are never logged at INFO; chat ids only at DEBUG.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackContext,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import metrics
from bot.conversation import admin, subscriptions
from bot.conversation import topics as replies
from bot.conversation.topics import Reply
from bot.knowledge.catalog import Catalog
from bot.knowledge.safety import triage
from bot.settings import Settings
from bot.storage.database import Database
from bot.telegram.flood import FloodGate, Verdict

log = logging.getLogger(__name__)

Context = CallbackContext[Any, Any, Any, Any]
#: Longest wait we accept from a 429 before giving up on an interactive reply.
MAX_RETRY_AFTER = 30.0
SEND_ATTEMPTS = 3
#: chat_data key: the subscribe choices waiting for a typed time zone.
PENDING_ZONE = "pending_zone"


def catalog_of(context: Context) -> Catalog:
    catalog: Catalog = context.application.bot_data["catalog"]
    return catalog


def keyboard(message: replies.OutMessage) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.callback_data) for b in row]
            for row in message.buttons
        ]
    )


async def send_reply(context: Context, chat_id: int, reply: Reply) -> bool:
    """Send every message of a reply; False when the chat cannot be reached any more."""
    for message in reply.messages:
        if not await _send_one(context, chat_id, message):
            return False
    metrics.count_reply(reply.kind)
    return True


async def send_html(bot: Bot, chat_id: int, message: replies.OutMessage) -> None:
    """One rendered message as Telegram HTML with its buttons; the one way we send."""
    await bot.send_message(
        chat_id,
        message.html,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(message),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


def retry_seconds(err: RetryAfter) -> float:
    """RetryAfter.retry_after as seconds, whichever type python-telegram-bot gives."""
    wait: Any = err.retry_after
    return float(wait.total_seconds() if hasattr(wait, "total_seconds") else wait)


async def _send_one(context: Context, chat_id: int, message: replies.OutMessage) -> bool:
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            await send_html(context.bot, chat_id, message)
            return True
        except RetryAfter as err:
            seconds = retry_seconds(err)
            if seconds > MAX_RETRY_AFTER or attempt == SEND_ATTEMPTS:
                log.warning("flood control: gave up a reply after retry_after=%ss", seconds)
                return False
            await asyncio.sleep(seconds)
        except Forbidden as err:
            # Blocked by the user, or the account is gone: nothing more to send there.
            log.info("chat unreachable (%s)", err.message)
            log.debug("unreachable chat id %s", chat_id)
            return False
        except BadRequest as err:
            if "chat not found" in err.message.lower():
                log.info("chat not found")
                return False
            raise
        except NetworkError:
            # Timeouts and 5xx: try again after a short pause, then let the error handler log.
            if attempt == SEND_ATTEMPTS:
                raise
            await asyncio.sleep(0.5 * attempt)
    return False


# --- gatekeeping -----------------------------------------------------------------------------


async def flood_control(update: Update, context: Context) -> None:
    """Runs before every other handler (group -1), so it also counts every update."""
    metrics.UPDATES.labels(metrics.update_kind(update.to_dict())).inc()
    user = update.effective_user
    if user is None:
        return
    gate: FloodGate = context.application.bot_data["flood"]
    verdict = gate.check(user.id, time.monotonic())
    if verdict is Verdict.ALLOW:
        return
    if update.callback_query is not None:
        await _answer(update.callback_query)
    chat = update.effective_chat
    if verdict is Verdict.WARN and chat is not None and chat.type == ChatType.PRIVATE:
        await send_reply(context, chat.id, replies.slow_down(catalog_of(context)))
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


# --- handlers --------------------------------------------------------------------------------


SUBSCRIPTION_COMMANDS = frozenset({"subscribe", "settings", "unsubscribe", "privacy", "deletedata"})


def database_of(context: Context) -> Database | None:
    database: Database | None = context.application.bot_data.get("database")
    return database


async def subscription_command(
    context: Context, database: Database, chat_id: int, command: str, args: list[str]
) -> Reply:
    catalog = catalog_of(context)
    now = datetime.now(UTC)
    if command == "subscribe":
        return await asyncio.to_thread(
            subscriptions.subscribe_command, catalog, database, chat_id, args, now
        )
    if command == "settings":
        return await asyncio.to_thread(subscriptions.settings, catalog, database, chat_id, now)
    if command == "unsubscribe":
        return await asyncio.to_thread(subscriptions.unsubscribe, catalog, database, chat_id)
    if command == "privacy":
        return await asyncio.to_thread(subscriptions.privacy, catalog, database, chat_id)
    return subscriptions.delete_request(catalog)


#: bot_data key: one /reload at a time per process.
RELOAD_LOCK = "reload_lock"


async def admin_command(context: Context, command: str, args: list[str]) -> Reply:
    """/stats, /reload, /preview for an admin chat; the logic is in ``admin``."""
    catalog = catalog_of(context)
    settings: Settings = context.application.bot_data["settings"]
    if command == "stats":
        database = database_of(context)
        if database is None:
            return admin.no_database(catalog)
        stats = await asyncio.to_thread(admin.collect_stats, database, datetime.now(UTC))
        return admin.stats_reply(catalog, stats)
    if command == "preview":
        return await asyncio.to_thread(admin.preview, catalog, settings.content_dir, " ".join(args))
    return await reload_catalog(context, settings)


async def reload_catalog(context: Context, settings: Settings) -> Reply:
    """Swap new content in for chats and digests, then register the new command menu."""
    from bot.telegram.app import bot_commands  # app imports this module

    bot_data = context.application.bot_data
    lock: asyncio.Lock = bot_data.setdefault(RELOAD_LOCK, asyncio.Lock())
    async with lock:
        result = await asyncio.to_thread(
            admin.reload_content, catalog_of(context), settings.content_dir
        )
        if result.catalog is None:
            assert result.refusal is not None
            return result.refusal
        bot_data["catalog"] = result.catalog
        sender = bot_data.get("digest_sender")
        if sender is not None:
            sender.catalog = result.catalog
        log.info("content reloaded: %d topic(s)", len(result.catalog.topics))
        try:
            commands = bot_commands(result.catalog, digests="database" in bot_data)
            await context.bot.set_my_commands(commands)
        except TelegramError as err:
            log.warning("could not register commands after a reload: %s", type(err).__name__)
            return admin.reload_done(result.catalog, registered=False)
        return admin.reload_done(result.catalog, registered=True)


async def on_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    command = _command(message, context.bot.username.lower())
    if command is None:
        return
    database = database_of(context)
    settings: Settings | None = context.application.bot_data.get("settings")
    if command.lower() in admin.COMMANDS and admin.is_admin(settings, message.chat_id):
        args = (message.text or "").split()[1:]
        reply = await admin_command(context, command.lower(), args)
    elif database is not None and command.lower() in SUBSCRIPTION_COMMANDS:
        args = (message.text or "").split()[1:]
        reply = await subscription_command(
            context, database, message.chat_id, command.lower(), args
        )
    else:
        user = update.effective_user
        first_name = user.first_name if user else None
        reply = replies.for_command(catalog_of(context), command, first_name)
    await send_reply(context, message.chat_id, reply)


async def on_text(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    text: str | None = message.text
    if _is_group(message):
        text = _addressed_text(message, context.bot.username.lower())
        if text is None:
            return
    catalog = catalog_of(context)
    pending = context.chat_data.pop(PENDING_ZONE, None) if context.chat_data is not None else None
    database = database_of(context)
    if pending and database is not None and triage(text or "", catalog.safety) is None:
        # The answer to "type my time zone"; safety still reads every message first.
        reply = await asyncio.to_thread(
            subscriptions.typed_zone,
            catalog,
            database,
            message.chat_id,
            pending,
            text or "",
            datetime.now(UTC),
        )
    else:
        reply = replies.for_text(catalog, text or "")
        if reply.kind == "not_sure" and database is not None:
            await record_unsure(database, text or "")
    log.info("text message answered: %s", reply.kind)
    await send_reply(context, message.chat_id, reply)


async def record_unsure(database: Database, text: str) -> None:
    """Count the question for /stats (text only, no ids); a failure never costs the reply."""
    try:
        await asyncio.to_thread(database.record_unsure, text, datetime.now(UTC))
    except Exception as err:  # the database is down: the user still gets an answer
        log.warning("could not record a not-sure question: %s", type(err).__name__)


async def on_other_message(update: Update, context: Context) -> None:
    """Stickers, photos, voice notes, locations...: say what the bot can read."""
    message = update.effective_message
    if message is None or _is_group(message):
        return
    if message.chat.type != ChatType.PRIVATE:
        return
    await send_reply(context, message.chat_id, replies.unsupported(catalog_of(context)))


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
    database = database_of(context)
    if data.startswith(subscriptions.PREFIX) and database is not None:
        pending = subscriptions.pending_zone_state(data)
        if pending is not None and context.chat_data is not None:
            context.chat_data[PENDING_ZONE] = pending
        reply = await asyncio.to_thread(
            subscriptions.button,
            catalog_of(context),
            context.application.bot_data["choices"],
            database,
            chat_id,
            data,
            datetime.now(UTC),
        )
    else:
        reply = replies.for_callback(catalog_of(context), query.data)
    await send_reply(context, chat_id, reply)


async def on_member_change(update: Update, context: Context) -> None:
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    log.info("bot membership changed: %s", status)
    database = database_of(context)
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
            await context.bot.send_message(chat.id, catalog_of(context).messages.get("error"))
        except TelegramError:
            log.debug("could not send the error message")


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(TypeHandler(Update, flood_control), group=-1)
    application.add_handler(MessageHandler(filters.COMMAND, on_command))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(ChatMemberHandler(on_member_change, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.ALL, on_other_message))
    application.add_handler(TypeHandler(Update, on_anything_else))
    application.add_error_handler(on_error)


__all__ = ["ContextTypes", "register", "send_reply"]
