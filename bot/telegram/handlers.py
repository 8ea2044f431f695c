"""Thin Telegram handlers: pick the plain function that answers, then send its reply.

Nothing here knows what lupus is; the words come from ``conversation`` and the content.
The bot's own commands each get a ``CommandHandler`` from the one command table
(``bot.commands``); admin commands are registered behind ``filters.Chat`` of the admin
chats, so anyone else falls through to the catch-all and gets the unknown-command answer.

Safety first, whatever else goes wrong: ``gate`` runs before every other handler and
reads every text meant for the bot; an emergency or crisis message gets its reply through
the outbox's safety lane (first in the chat's queue, tried until sent) before flood
control, and before anything waits on the database. Every reply goes through the outbox
(paced per chat); every database call through the worker (bounded threads, deadlines), so
a silent database costs a "try again later", not a silent bot.
Message texts are never logged at any level; chat ids only at DEBUG.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from telegram import CallbackQuery, ChatMemberUpdated, Message, MessageEntity, Update
from telegram.constants import ChatMemberStatus, ChatType
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
from bot.conversation import admin, feedback, quiz, subscriptions, topics
from bot.knowledge.catalog import Catalog
from bot.knowledge.language import from_code
from bot.knowledge.outgoing import (
    CHECK_PREFIX,
    HELPFUL_PREFIX,
    LANGUAGE_PREFIX,
    OutMessage,
    Reply,
)
from bot.settings import Settings
from bot.storage.worker import DatabaseUnavailable
from bot.telegram.flood import Verdict
from bot.telegram.menu import register_commands
from bot.telegram.state import BotApplication, BotState, Context

log = logging.getLogger(__name__)

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
T = TypeVar("T")
#: How long a "this user is (not) an administrator of that group" answer is kept.
ADMIN_CACHE_SECONDS = 60.0
ADMIN_CACHE_SIZE = 10_000
#: The pending-step and language lookups on each message are only worth a short wait.
PENDING_TIMEOUT = 1.5
#: A chat's language choice is read again from the database after this long (another
#: replica may have changed it).
LANGUAGE_CACHE_SECONDS = 15.0
LANGUAGE_CACHE_SIZE = 50_000


async def reply(context: Context, chat_id: int, answer: Reply, *, safety: bool = False) -> None:
    """Queue a reply in the chat's lane (``outbox``) and return without waiting for it to be
    sent; it is counted when it goes out."""
    state = context.bot_data
    done = state.outbox.post(chat_id, answer, safety=safety)
    safety_kinds = state.catalog.safety.kind_names

    def count(future: asyncio.Future[bool]) -> None:
        if not future.cancelled() and future.result():
            metrics.count_reply(answer.kind, safety_kinds)

    done.add_done_callback(count)


def _plain(catalog_message: str, kind: str) -> Reply:
    return Reply((OutMessage(catalog_message),), kind)


async def database(context: Context, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` on the database worker; ``DatabaseUnavailable`` when it is down."""
    worker = context.bot_data.worker
    if worker is None:
        raise DatabaseUnavailable("no database worker")
    return await worker.call(function, *args)


def unavailable(catalog: Catalog) -> Reply:
    return _plain(catalog.messages.get("database_unavailable"), "db_unavailable")


# --- the reader's language -------------------------------------------------------------------


def quick_language(update: Update, context: Context) -> str:
    """The chat's language without waiting on anything: what this replica last knew of
    the chat's choice, else the user's Telegram ``language_code``."""
    state = context.bot_data
    base = state.catalog
    chat = update.effective_chat
    if chat is not None:
        known = state.languages.get(chat.id)
        if known is not None and known[0]:
            return known[0]
    user = update.effective_user
    return from_code(user.language_code if user else None, base.languages, base.language)


async def chat_language(update: Update, context: Context) -> str:
    """The chat's chosen language (the database, kept ``LANGUAGE_CACHE_SECONDS`` per
    replica), else the user's Telegram ``language_code``. A slow database is skipped."""
    state = context.bot_data
    chat = update.effective_chat
    if chat is None:
        return quick_language(update, context)
    now = time.monotonic()
    known = state.languages.get(chat.id)
    if known is None or known[1] <= now:
        stored = ""
        if state.database is not None and state.worker is not None:
            if not state.worker.healthy:
                return quick_language(update, context)
            try:
                found = await state.worker.call(
                    state.database.language, chat.id, timeout=PENDING_TIMEOUT
                )
            except DatabaseUnavailable:
                return quick_language(update, context)
            stored = found[0] if found is not None else ""
        elif known is not None:
            stored = known[0]  # no database: this process's memory is all there is
        remember_language(state, chat.id, stored)
    return quick_language(update, context)


def remember_language(state: BotState, chat_id: int, language: str) -> None:
    if len(state.languages) >= LANGUAGE_CACHE_SIZE:
        state.languages.clear()
    expires = time.monotonic() + (LANGUAGE_CACHE_SECONDS if state.database else float("inf"))
    state.languages[chat_id] = (language, expires)


def quick_catalog(update: Update, context: Context) -> Catalog:
    return context.bot_data.catalog.in_language(quick_language(update, context))


async def catalog_for(update: Update, context: Context) -> Catalog:
    """The content in the reader's language."""
    return context.bot_data.catalog.in_language(await chat_language(update, context))


# --- gatekeeping -----------------------------------------------------------------------------


def _readable_text(update: Update, username: str) -> tuple[Message, str] | None:
    """A text message for the bot that is not a command: private, or addressed in a group."""
    message = update.message or update.edited_message
    if message is None or message.text is None or message.text.startswith("/"):
        return None
    if message.chat.type == ChatType.PRIVATE:
        return message, message.text
    if _is_group(message):
        text = _addressed_text(message, username)
        if text is not None:
            return message, text
    return None


#: The update kinds counted by name, most common first (a fixed set: bounded labels).
_KINDS = (
    "message",
    "callback_query",
    "edited_message",
    "my_chat_member",
    *sorted(metrics.UPDATE_KINDS),
)


async def gate(update: Update, context: Context) -> None:
    """Runs before every other handler (group -1): counts the update, answers an emergency
    or crisis message at once (and nothing else handles it), then applies flood control."""
    kind = next((k for k in _KINDS if getattr(update, k, None) is not None), "other")
    metrics.UPDATES.labels(kind).inc()
    state = context.bot_data
    readable = _readable_text(update, context.bot.username.lower())
    if readable is not None:
        message, text = readable
        answer = topics.safety_first(quick_catalog(update, context), text)
        if answer is not None:
            log.info("text message answered: %s", answer.kind)
            await reply(context, message.chat_id, answer, safety=True)
            raise ApplicationHandlerStop
    user = update.effective_user
    if user is None:
        return
    verdict = state.flood.check(user.id, time.monotonic())
    if verdict is Verdict.ALLOW:
        return
    if update.callback_query is not None:
        await _answer(update.callback_query)
    chat = update.effective_chat
    if verdict is Verdict.WARN and chat is not None and chat.type == ChatType.PRIVATE:
        await reply(context, chat.id, topics.slow_down(quick_catalog(update, context)))
    log.debug("flood control: %s update from a user", verdict.value)
    raise ApplicationHandlerStop


async def is_admin(context: Context, chat_id: int, user_id: int) -> bool:
    """Whether the user administers the group (getChatMember, kept for a minute)."""
    cache = context.bot_data.admins
    now = time.monotonic()
    known = cache.get((chat_id, user_id))
    if known is not None and known[1] > now:
        return known[0]
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as err:  # cannot tell: refuse, and ask again next time
        log.info("could not check a group administrator: %s", type(err).__name__)
        return False
    answer = member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
    if len(cache) >= ADMIN_CACHE_SIZE:
        cache.clear()
    cache[(chat_id, user_id)] = (answer, now + ADMIN_CACHE_SECONDS)
    return answer


async def may_manage(update: Update, context: Context) -> bool:
    """Who may change a chat's subscription or data: in a private chat its user; in a group
    its administrators (also when anonymous, posting as the group), nobody else."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return user is not None and user.id == chat.id
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id  # an anonymous administrator
    if user is None or chat.type == ChatType.CHANNEL:
        return False
    return await is_admin(context, chat.id, user.id)


async def _refuse(update: Update, context: Context) -> bool:
    """True (and the group is told why) when the sender may not manage this chat."""
    if await may_manage(update, context):
        return False
    chat = update.effective_chat
    if chat is not None:
        text = quick_catalog(update, context).messages.get("group_admins_only")
        await reply(context, chat.id, _plain(text, "admins_only"))
    return True


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
    await reply(
        context, message.chat_id, topics.welcome(await catalog_for(update, context), first_name)
    )


async def on_topics(update: Update, context: Context) -> None:
    if update.effective_message is not None:
        await reply(
            context,
            update.effective_message.chat_id,
            topics.menu(await catalog_for(update, context)),
        )


async def on_help(update: Update, context: Context) -> None:
    if update.effective_message is not None:
        chat_id = update.effective_message.chat_id
        await reply(context, chat_id, topics.help_reply(await catalog_for(update, context)))


def _now() -> datetime:
    return datetime.now(UTC)


def count(context: Context, language: str, answer: Reply, *, from_command: bool = False) -> None:
    """Count the reader event an answer is (a view, a helpful press...): no id, and
    through the background lane, so the reply never waits for the database."""
    state = context.bot_data
    if state.database is None or state.worker is None:
        return
    event = feedback.event_of(answer, from_command=from_command)
    if event is not None:
        # An answer in another language than the reader's names it (``extra``).
        language = answer.extra.get("language", language)
        state.worker.background(state.database.record_event, *event, language, _now())


def _actor(update: Update) -> int:
    user = update.effective_user
    return user.id if user is not None else 0


async def _managed(
    update: Update, context: Context, work: Callable[..., Reply], *args: object
) -> None:
    """Answer with ``work(catalog, database, chat_id, *args)`` on the database worker,
    when the sender may manage this chat; "try again later" when the database is down."""
    message = update.effective_message
    state = context.bot_data
    if message is None or state.database is None or await _refuse(update, context):
        return
    catalog = await catalog_for(update, context)
    try:
        answer = await database(context, work, catalog, state.database, message.chat_id, *args)
    except DatabaseUnavailable as err:
        log.warning("database unavailable for a command: %s", err)
        answer = unavailable(catalog)
    await reply(context, message.chat_id, answer)


async def on_subscribe(update: Update, context: Context) -> None:
    args = context.args or []
    await _managed(update, context, subscriptions.subscribe_command, _actor(update), args, _now())


async def on_settings(update: Update, context: Context) -> None:
    await _managed(update, context, subscriptions.settings, _actor(update), _now())


async def on_unsubscribe(update: Update, context: Context) -> None:
    await _managed(update, context, subscriptions.unsubscribe)


async def on_privacy(update: Update, context: Context) -> None:
    await _managed(update, context, subscriptions.privacy)


async def on_deletedata(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or await _refuse(update, context):
        return
    answer = subscriptions.delete_request(await catalog_for(update, context), _actor(update))
    await reply(context, message.chat_id, answer)


async def on_stats(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    state = context.bot_data
    catalog = await catalog_for(update, context)
    if state.database is None:
        answer = admin.no_database(catalog)
    else:
        try:
            collect = functools.partial(admin.collect_stats, catalog=catalog)
            stats = await database(context, collect, state.database, _now())
            answer = admin.stats_reply(catalog, stats)
        except DatabaseUnavailable:
            answer = unavailable(catalog)
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
        await reply(context, message.chat_id, await reload_catalog(context, announce=True))


async def reload_catalog(context: Context, *, announce: bool = False) -> Reply:
    """Swap new content in for chats and digests, then register the new command menu.

    ``announce`` (an admin's /reload): also bump the content version in the database, so
    every other replica reloads within ``content_poll_seconds`` (``check_content_version``).
    """
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
        if announce and state.database is not None:
            try:
                state.content_version = await database(
                    context, state.database.bump_content_version, _now()
                )
            except DatabaseUnavailable:
                log.warning("could not tell the other replicas about the reload")
        try:
            await register_commands(context.bot, state)
        except TelegramError as err:
            log.warning("could not register commands after a reload: %s", type(err).__name__)
            return admin.reload_done(result.catalog, registered=False)
        return admin.reload_done(result.catalog, registered=True)


async def check_content_version(context: Context) -> None:
    """A job: reload when another replica's /reload bumped the content version."""
    state = context.bot_data
    if state.database is None or state.worker is None:
        return
    try:
        version = await state.worker.call(
            state.database.content_version, lane="health", timeout=3.0
        )
    except DatabaseUnavailable:
        return
    if version <= state.content_version:
        return
    state.content_version = version
    answer = await reload_catalog(context)
    log.info("content version %d from another replica: %s", version, answer.kind)


async def purge_reader_events(context: Context) -> None:
    """A job: forget reader events older than ``READER_EVENTS_DAYS`` (background lane)."""
    state = context.bot_data
    if state.database is None or state.worker is None:
        return
    keep = timedelta(days=state.settings.reader_events_days)
    state.worker.background(state.database.purge_events, _now(), keep)


async def on_language(update: Update, context: Context) -> None:
    """/language (/idioma): every language as a button."""
    message = update.effective_message
    if message is not None:
        catalog = await catalog_for(update, context)
        await reply(context, message.chat_id, topics.language_choice(catalog))


#: The handler of each command in ``bot.commands.COMMANDS`` (a test holds the two together).
FIXED: dict[str, Handler] = {
    "start": on_start,
    "topics": on_topics,
    "help": on_help,
    "language": on_language,
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
    catalog = await catalog_for(update, context)
    answer = topics.for_command(catalog, name)
    count(context, catalog.language, answer, from_command=True)
    await reply(context, message.chat_id, answer)


async def _pending_zone(update: Update, context: Context, chat_id: int) -> str | None:
    """The choices waiting for a typed time zone in this chat, taken; None when there are
    none, the sender may not manage the chat, or the database is slow (skipped then)."""
    state = context.bot_data
    worker = state.worker
    if state.database is None or worker is None or not worker.healthy:
        return None
    try:
        pending = await worker.call(
            state.database.pop_pending, chat_id, _now(), timeout=PENDING_TIMEOUT
        )
    except DatabaseUnavailable:
        return None
    if pending is None or pending[0] != subscriptions.ZONE_STEP:
        return None
    if not await may_manage(update, context):
        return None
    return pending[1]


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
    catalog = await catalog_for(update, context)
    pending = await _pending_zone(update, context, message.chat_id)
    if pending is not None and state.database is not None:
        # The answer to "type my time zone" (the gate has already read it for safety).
        try:
            answer = await database(
                context,
                subscriptions.typed_zone,
                catalog,
                state.database,
                message.chat_id,
                _actor(update),
                pending,
                text or "",
                _now(),
            )
        except DatabaseUnavailable:
            answer = unavailable(catalog)
    else:
        answer = topics.answer(catalog, text or "", safety_read=True)  # the gate read it
        count(context, catalog.language, answer)
        if answer.kind == "not_sure" and state.database is not None and state.worker:
            # Counted for /stats (text only, no ids); nobody waits for it.
            state.worker.background(state.database.record_unsure, text or "", _now())
        if answer.kind == "routed":
            # Kept in memory only, for a "No, it did not answer": then stored as unanswered.
            state.remember_question(message.chat_id, text or "")
    log.info("text message answered: %s", answer.kind)
    await reply(context, message.chat_id, answer, safety=answer.kind in catalog.safety.urgent_kinds)


async def on_other_message(update: Update, context: Context) -> None:
    """Stickers, photos, voice notes, locations...: say what the bot can read."""
    message = update.effective_message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return
    await reply(context, message.chat_id, topics.unsupported(await catalog_for(update, context)))


async def _answer(query: CallbackQuery, text: str | None = None) -> None:
    try:
        await query.answer(text)
    except TelegramError as err:  # an old query: the user's spinner is gone anyway
        log.debug("could not answer a callback query: %s", type(err).__name__)


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    # A button on a message too old to be attached still comes from a private chat whose id
    # is the user's id; in groups we need the message to know where to answer.
    chat = update.effective_chat
    chat_id = chat.id if chat is not None else query.from_user.id
    data = query.data or ""
    state = context.bot_data
    catalog = await catalog_for(update, context)
    if data.startswith(LANGUAGE_PREFIX):
        await on_language_button(update, context, chat_id, data[len(LANGUAGE_PREFIX) :])
        return
    if data.startswith(HELPFUL_PREFIX):
        await _answer(query)
        answer = feedback.pressed(catalog, data)
        count(context, catalog.language, answer)
        question = state.take_question(chat_id)
        if answer.kind == "helpful_no" and question and state.database and state.worker:
            state.worker.background(state.database.record_unsure, question, _now())
        await reply(context, chat_id, answer)
        return
    if data.startswith(CHECK_PREFIX):
        await _answer(query)
        press = quiz.parse(data)
        first = (
            press is not None and press.answer is not None and state.first_try(chat_id, press.topic)
        )
        answer = quiz.pressed(catalog, data, first_try=first)
        if answer.kind == "check_asked" and answer.topic:
            state.check_shown(chat_id, answer.topic)
        count(context, catalog.language, answer)
        await reply(context, chat_id, answer)
        return
    if not data.startswith(subscriptions.PREFIX) or state.database is None:
        await _answer(query)
        answer = topics.for_callback(catalog, query.data)
        count(context, catalog.language, answer)
        await reply(context, chat_id, answer)
        return
    actor, action = subscriptions.parse(data)
    if chat is not None and not await may_manage(update, context):
        await _answer(query, catalog.messages.get("group_admins_only"))
        return
    if actor is None and chat is not None and chat.type != ChatType.PRIVATE:
        await _answer(query, catalog.messages.get("group_admins_only"))
        return  # an old group button that names nobody: start again with /subscribe
    await _answer(query)
    try:
        answer = await database(
            context,
            subscriptions.button,
            catalog,
            state.choices,
            state.database,
            chat_id,
            query.from_user.id,
            action,
            _now(),
        )
    except DatabaseUnavailable:
        answer = unavailable(catalog)
    await reply(context, chat_id, answer)


async def on_language_button(update: Update, context: Context, chat_id: int, code: str) -> None:
    """A language button: keep the choice for the chat (in a group, only its admins may
    change it), then say so in the new language."""
    state = context.bot_data
    query = update.callback_query
    assert query is not None
    if code not in state.catalog.languages:
        await _answer(query)
        await reply(context, chat_id, topics.menu(await catalog_for(update, context)))
        return
    if update.effective_chat is not None and not await may_manage(update, context):
        refusal = (await catalog_for(update, context)).messages.get("group_admins_only")
        await _answer(query, refusal)
        return
    await _answer(query)
    remember_language(state, chat_id, code)
    if state.database is not None and state.worker is not None:
        try:
            await state.worker.call(
                functools.partial(state.database.set_language, chosen=True), chat_id, code, _now()
            )
        except DatabaseUnavailable:  # kept here for now; the next choice tries again
            log.warning("could not store a language choice")
    await reply(context, chat_id, topics.language_set(state.catalog.in_language(code)))


async def on_member_change(update: Update, context: Context) -> None:
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    log.info("bot membership changed: %s", status)
    state = context.bot_data
    if status in ("kicked", "left") and state.database is not None and state.worker:
        # Blocked or removed: end the subscription now rather than at the next digest.
        state.worker.background(state.database.end, change.chat.id)


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
        assert isinstance(update, Update)
        text = quick_catalog(update, context).messages.get("error")
        await reply(context, chat.id, _plain(text, "error"))


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
    application.add_handler(TypeHandler(Update, gate), group=-1)
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
