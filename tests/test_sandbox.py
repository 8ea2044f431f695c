"""The fake Bot API: python-telegram-bot must see what it would see from Telegram."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.devtools.sandbox import BotApiSandbox, SandboxEvent

CHAT = 4242
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
async def sandbox() -> AsyncIterator[BotApiSandbox]:
    async with BotApiSandbox() as running:
        yield running


@pytest.fixture
async def bot(sandbox: BotApiSandbox) -> AsyncIterator[Bot]:
    client = Bot(
        sandbox.token, base_url=f"{sandbox.url}/bot", base_file_url=f"{sandbox.url}/file/bot"
    )
    async with client:
        yield client


def ci(text: str) -> re.Pattern[str]:
    """python-telegram-bot capitalizes error texts: match them case-insensitively."""
    return re.compile(re.escape(text), re.IGNORECASE)


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


# --- the Bot API surface --------------------------------------------------------------------------


async def test_get_me(bot: Bot, sandbox: BotApiSandbox) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.id == sandbox.bot_id
    assert me.username == sandbox.bot_username


async def test_wrong_token_is_unauthorized(sandbox: BotApiSandbox) -> None:
    other = Bot("999:AAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", base_url=f"{sandbox.url}/bot")
    with pytest.raises(InvalidToken):
        await other.get_me()
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{sandbox.url}/bot999:AAb/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_unknown_method_is_not_found(sandbox: BotApiSandbox) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{sandbox.url}/bot{sandbox.token}/sendTelepathy")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_json_bodies_query_strings_and_case_insensitive_methods(
    sandbox: BotApiSandbox,
) -> None:
    sandbox.add_chat(CHAT)
    root = f"{sandbox.url}/bot{sandbox.token}"
    async with httpx.AsyncClient() as client:
        by_json = await client.post(
            f"{root}/sendmessage",
            json={"chat_id": CHAT, "text": "<i>hi</i>", "parse_mode": "HTML"},
        )
        by_query = await client.get(f"{root}/sendMessage", params={"chat_id": CHAT, "text": "yo"})
    assert by_json.json()["result"]["entities"] == [{"offset": 0, "length": 2, "type": "italic"}]
    assert by_query.json()["result"]["text"] == "yo"
    assert [m.text for m in sandbox.messages_to(CHAT)] == ["hi", "yo"]


async def test_send_message_with_html(bot: Bot, sandbox: BotApiSandbox) -> None:
    sandbox.add_chat(CHAT, first_name="Ann")
    sent = await bot.send_message(
        CHAT, "<b>Lupus</b> &amp; you", parse_mode="HTML", reply_markup=keyboard("more")
    )
    assert sent.text == "Lupus & you"
    assert sent.entities[0].type == "bold"
    assert sent.reply_markup == keyboard("more")
    [record] = sandbox.messages_to(CHAT)
    assert (record.message_id, record.text, record.raw_text) == (
        sent.message_id,
        "Lupus & you",
        "<b>Lupus</b> &amp; you",
    )
    assert record.entities == [{"offset": 0, "length": 5, "type": "bold"}]
    assert record.callback_data == ["more"]
    call = sandbox.calls_to("sendMessage")[0]
    assert call.ok
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "more"


async def test_text_limits(bot: Bot, sandbox: BotApiSandbox) -> None:
    sandbox.add_chat(CHAT)
    await bot.send_message(CHAT, "x" * 4096)
    await bot.send_message(CHAT, f"<b>{'y' * 4096}</b>\n\n", parse_mode="HTML")
    with pytest.raises(BadRequest, match=ci("message is too long")):
        await bot.send_message(CHAT, "x" * 4097)
    with pytest.raises(BadRequest, match=ci("message text is empty")):
        await bot.send_message(CHAT, " \n ")
    with pytest.raises(BadRequest, match=ci("message text is empty")):
        await bot.send_message(CHAT, "<b> </b>", parse_mode="HTML")


async def test_invalid_html_is_rejected_like_telegram(bot: Bot, sandbox: BotApiSandbox) -> None:
    sandbox.add_chat(CHAT)
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(CHAT, "1 < 2", parse_mode="HTML")
    assert caught.value.message == (
        'Can\'t parse entities: unsupported start tag "" at byte offset 2'
    )
    [call] = sandbox.errors(400)
    assert call.description == (
        'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2'
    )
    assert sandbox.messages_to(CHAT) == []


async def test_unknown_chat(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=ci("chat not found")):
        await bot.send_message(777, "hello?")


async def test_blocked_and_deactivated_users(bot: Bot, sandbox: BotApiSandbox) -> None:
    sandbox.block_chat(CHAT)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "still there?")
    [update] = await bot.get_updates()
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"

    sandbox.deactivate_chat(CHAT + 1)
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(CHAT + 1, "hello")

    sandbox.unblock_chat(CHAT)
    await bot.send_message(CHAT, "welcome back")


PTB_RETRY_AFTER_WARNING = "ignore:.*retry_after:DeprecationWarning"


@pytest.mark.filterwarnings(PTB_RETRY_AFTER_WARNING)
async def test_fail_next_429_and_502(bot: Bot, sandbox: BotApiSandbox) -> None:
    sandbox.add_chat(CHAT)
    sandbox.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "one")
    retry_after = caught.value.retry_after  # an int, or a timedelta with PTB_TIMEDELTA=1
    seconds = retry_after.total_seconds() if isinstance(retry_after, timedelta) else retry_after
    assert seconds == 7
    assert sandbox.errors(429)[0].description == "Too Many Requests: retry after 7"

    sandbox.fail_next("sendMessage", 502, count=2)
    for _ in range(2):
        with pytest.raises(NetworkError) as failed:
            await bot.send_message(CHAT, "two")
        assert not isinstance(failed.value, BadRequest)
    await bot.send_message(CHAT, "three")
    assert [m.text for m in sandbox.messages_to(CHAT)] == ["three"]


@pytest.mark.filterwarnings(PTB_RETRY_AFTER_WARNING)
async def test_rate_limits(bot: Bot, sandbox: BotApiSandbox) -> None:
    sandbox.add_chat(CHAT)
    sandbox.set_rate_limits(global_per_second=30, per_chat_per_second=1.0, burst=2)
    await bot.send_message(CHAT, "1")
    await bot.send_message(CHAT, "2")
    with pytest.raises(RetryAfter):
        await bot.send_message(CHAT, "3")
    assert len(sandbox.errors(429)) == 1
    sandbox.disable_rate_limits()
    await bot.send_message(CHAT, "3")


async def test_inline_keyboard_validation(bot: Bot, sandbox: BotApiSandbox) -> None:
    sandbox.add_chat(CHAT)
    await bot.send_message(CHAT, "ok", reply_markup=keyboard("x" * 64))
    await bot.send_message(CHAT, "ok", reply_markup=keyboard("é" * 32))  # 64 bytes
    with pytest.raises(BadRequest, match=ci("BUTTON_DATA_INVALID")):
        await bot.send_message(CHAT, "too long", reply_markup=keyboard("x" * 65))
    with pytest.raises(BadRequest, match=ci("BUTTON_DATA_INVALID")):
        await bot.send_message(CHAT, "too long", reply_markup=keyboard("é" * 33))
    with pytest.raises(BadRequest, match=ci("unsupported url protocol")):
        await bot.send_message(
            CHAT,
            "bad url",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x", url="ftp://a.b")]]),
        )
    async with httpx.AsyncClient() as client:  # python-telegram-bot can't build this one
        response = await client.post(
            f"{sandbox.url}/bot{sandbox.token}/sendMessage",
            data={
                "chat_id": CHAT,
                "text": "x",
                "reply_markup": '{"inline_keyboard":[[{"text":"x"}]]}',
            },
        )
    assert response.json()["description"] == (
        "Bad Request: text buttons are unallowed in the inline keyboard"
    )


async def test_get_updates_long_poll_wakes_on_a_new_update(
    bot: Bot, sandbox: BotApiSandbox
) -> None:
    async def user_writes_later() -> None:
        await asyncio.sleep(0.1)
        await sandbox.send_message(CHAT, "hello @someone, see https://example.org")

    started = time.monotonic()
    task = asyncio.create_task(user_writes_later())
    updates = await bot.get_updates(timeout=5)
    await task
    assert time.monotonic() - started < 2
    [update] = updates
    assert update.message is not None
    assert update.message.text == "hello @someone, see https://example.org"
    assert [e.type for e in update.message.entities] == ["mention", "url"]
    # Not confirmed yet: delivered again; confirmed by the next offset.
    assert [u.update_id for u in await bot.get_updates()] == [update.update_id]
    assert await bot.get_updates(offset=update.update_id + 1) == ()
    assert sandbox.pending_update_count() == 0


async def test_get_updates_limit_and_allowed_updates(bot: Bot, sandbox: BotApiSandbox) -> None:
    for n in range(3):
        await sandbox.send_message(CHAT, f"m{n}")
    sandbox.block_chat(CHAT)
    first = await bot.get_updates(limit=2, allowed_updates=["message"])
    assert [u.message.text for u in first if u.message] == ["m0", "m1"]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["m2"]
    assert all(u.my_chat_member is None for u in rest)  # filtered out


async def test_commands(bot: Bot, sandbox: BotApiSandbox) -> None:
    assert await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("help", "Help")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    with pytest.raises(BadRequest, match=ci("BOT_COMMAND_INVALID")):
        await bot.set_my_commands([BotCommand("Start", "Begin")])
    with pytest.raises(BadRequest, match=ci("BOT_COMMAND_DESCRIPTION_INVALID")):
        await bot.set_my_commands([BotCommand("start", "x" * 257)])
    with pytest.raises(BadRequest, match=ci("BOT_COMMANDS_TOO_MUCH")):
        await bot.set_my_commands([BotCommand(f"c{n}", "d") for n in range(101)])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_buttons_edits_and_callback_answers(bot: Bot, sandbox: BotApiSandbox) -> None:
    sandbox.add_chat(CHAT)
    sent = await bot.send_message(CHAT, "Pick one", reply_markup=keyboard("a", "b"))
    query_id = await sandbox.press_button(CHAT, sent.message_id, "b")
    [update] = await bot.get_updates()
    assert update.callback_query is not None
    assert update.callback_query.id == query_id
    assert update.callback_query.data == "b"
    assert sandbox.unanswered_callback_queries() == [query_id]

    assert await bot.answer_callback_query(query_id, text="Noted")
    with pytest.raises(BadRequest, match=ci("query is too old")):
        await bot.answer_callback_query(query_id)
    assert sandbox.unanswered_callback_queries() == []
    assert sandbox.callback_answers[0].text == "Noted"

    edited = await bot.edit_message_text("You picked b", CHAT, sent.message_id)
    assert not isinstance(edited, bool)
    assert (edited.text, edited.reply_markup, edited.edit_date is not None) == (
        "You picked b",
        None,
        True,
    )
    record = sandbox.messages_to(CHAT)[0]
    assert (record.text, record.history, record.edited, record.buttons) == (
        "You picked b",
        ["Pick one"],
        True,
        [],
    )
    with pytest.raises(BadRequest, match=ci("message is not modified")):
        await bot.edit_message_text("You picked b", CHAT, sent.message_id)
    with pytest.raises(ValueError, match="no button"):
        await sandbox.press_button(CHAT, sent.message_id, "a")
    with pytest.raises(BadRequest, match=ci("query is too old")):
        await bot.answer_callback_query("12345")
    assert await bot.delete_message(CHAT, sent.message_id)
    with pytest.raises(BadRequest, match=ci("message to delete not found")):
        await bot.delete_message(CHAT, sent.message_id)


async def test_webhook_delivery_and_conflict(bot: Bot, sandbox: BotApiSandbox) -> None:
    received: list[tuple[str | None, dict[str, object]]] = []

    async def receive(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        with pytest.raises(BadRequest, match=ci("unallowed characters")):
            await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="no spaces")
        with pytest.raises(BadRequest, match=ci("https url must be provided")):
            await bot.set_webhook("http://example.com/hook")
        assert await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret_-")
        await sandbox.send_command(CHAT, "/start")
        await sandbox.wait_delivered(timeout=5)
        [(secret, body)] = received
        assert secret == "s3cret_-"
        assert isinstance(body["message"], dict)
        assert body["message"]["text"] == "/start"
        with pytest.raises(Conflict):
            await bot.get_updates()
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == (f"http://127.0.0.1:{port}/hook", 0)
        assert await bot.delete_webhook()
        assert await bot.get_updates() == ()
    finally:
        await runner.cleanup()


async def test_groups_privacy_mode(bot: Bot, sandbox: BotApiSandbox) -> None:
    group = -100123
    await sandbox.send_message(group, "just chatting", user_id=7)
    await sandbox.send_command(group, f"/start@{sandbox.bot_username}", user_id=7)
    await sandbox.send_command(group, "/start@other_bot", user_id=7)
    await sandbox.send_message(group, f"hey @{sandbox.bot_username}", user_id=8)
    updates = await bot.get_updates()
    texts = [u.message.text for u in updates if u.message]
    assert texts == [f"/start@{sandbox.bot_username}", f"hey @{sandbox.bot_username}"]
    assert updates[0].message is not None
    assert updates[0].message.chat.type == "group"
    sent = await bot.send_message(group, "Hello group")
    await sandbox.send_message(group, "thanks", user_id=8, reply_to=sent.message_id)
    [reply] = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert reply.message is not None
    assert reply.message.reply_to_message is not None
    assert reply.message.reply_to_message.message_id == sent.message_id


async def test_user_media(bot: Bot, sandbox: BotApiSandbox) -> None:
    await sandbox.send_sticker(CHAT)
    await sandbox.send_photo(CHAT, caption="look")
    await sandbox.send_voice(CHAT)
    await sandbox.send_location(CHAT, 52.5, 13.4)
    await sandbox.send_contact(CHAT, "+10000000000")
    message = await sandbox.send_message(CHAT, "tpyo")
    await sandbox.edit_message(CHAT, message["message_id"], "typo")
    updates = await bot.get_updates()
    messages = [u.effective_message for u in updates]
    assert all(m is not None for m in messages)
    assert updates[0].message is not None and updates[0].message.sticker is not None
    assert updates[1].message is not None and updates[1].message.caption == "look"
    assert updates[2].message is not None and updates[2].message.voice is not None
    assert updates[3].message is not None and updates[3].message.location is not None
    assert updates[4].message is not None and updates[4].message.contact is not None
    assert updates[6].edited_message is not None
    assert updates[6].edited_message.text == "typo"


async def test_wait_for_reads_in_order_and_explains_timeouts(
    bot: Bot, sandbox: BotApiSandbox
) -> None:
    events: list[SandboxEvent] = []
    sandbox.add_listener(events.append)
    sandbox.add_chat(CHAT)
    await bot.send_message(CHAT, "one")
    await bot.send_message(CHAT, "two")
    assert [m.text for m in await sandbox.wait_for(CHAT)] == ["one"]
    assert [m.text for m in await sandbox.wait_for(CHAT)] == ["two"]
    assert [e.kind for e in events] == ["sent", "sent"]
    with pytest.raises(BadRequest):
        await bot.send_message(CHAT, "<p>", parse_mode="HTML")
    with pytest.raises(TimeoutError, match="sendMessage -> 400"):
        await sandbox.wait_for(CHAT, timeout=0.05)


# --- a real Application -------------------------------------------------------------------------


@asynccontextmanager
async def running(application: AnyApplication) -> AsyncIterator[AnyApplication]:
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def test_application_answers_start_and_buttons(sandbox: BotApiSandbox) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html(
            "<b>Hello</b> from the bot", reply_markup=keyboard("more")
        )

    async def more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text("More, as asked.")

    application = (
        ApplicationBuilder()
        .token(sandbox.token)
        .base_url(f"{sandbox.url}/bot")
        .base_file_url(f"{sandbox.url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(more))

    async with running(application):
        await sandbox.send_command(CHAT, "/start")
        [reply] = await sandbox.wait_for(CHAT, timeout=5)
        assert reply.text == "Hello from the bot"
        assert reply.entities == [{"offset": 0, "length": 5, "type": "bold"}]

        await sandbox.press_button(CHAT, reply.message_id, "more")
        await sandbox.wait_for_call("editMessageText", timeout=5)

    assert sandbox.unanswered_callback_queries() == []
    assert reply.text == "More, as asked."
    start_update, button_update = sandbox.updates
    assert start_update.latency is not None and start_update.latency < 5
    assert reply.reply_to_update_id == start_update.update_id
    assert button_update.first_reply_at is not None
    assert len(sandbox.latencies()) == 2
    assert json.dumps(sandbox.calls[-1].params)  # recorded params are plain JSON


async def test_rate_limits_let_a_first_message_to_each_chat_through() -> None:
    """A regression: a chat's new bucket must not start slightly empty."""
    async with BotApiSandbox() as sandbox:
        sandbox.set_rate_limits(global_per_second=1000, per_chat_per_second=1.0, burst=1)
        bot = Bot(sandbox.token, base_url=f"{sandbox.url}/bot")
        async with bot:
            for chat in range(500, 520):
                sandbox.add_chat(chat)
                await bot.send_message(chat, "hi")
        assert not sandbox.errors(429)
