"""Every reply gets out: floods, Telegram's 429s and timeouts, a silent database, groups.

The real Application over real HTTP against the Bot API sandbox, with Telegram's own
limits (the outbox's default pacing, the default flood gate) unless a test says otherwise;
PostgreSQL behind a loopback proxy that stops forwarding for the silent-database case.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.devtools.partition import SilentProxy
from bot.devtools.sandbox import BotApiSandbox, SentMessage
from bot.knowledge.catalog import Catalog
from bot.settings import load_settings
from bot.storage.database import Database
from bot.telegram.app import build_application, serve, start, stop
from bot.telegram.state import BotApplication

from .conftest import shipped_catalog
from .dbs import database_url

URGENT = "I can't breathe"
GROUP = -1_000_000_000_042
ADMIN, MEMBER = 501, 502


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return shipped_catalog()


def is_urgent(catalog: Catalog, message: SentMessage) -> bool:
    marker = catalog.safety.kind("urgent").reply.replace("<b>", "").replace("</b>", "")[:40]
    return marker in message.text


def said(catalog: Catalog, key: str) -> str:
    return catalog.messages.get(key).replace("<b>", "").replace("</b>", "")[:40]


async def running(
    catalog: Catalog, sandbox: BotApiSandbox, database: Database | None = None
) -> BotApplication:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": sandbox.token, "TELEGRAM_API_URL": sandbox.url})
    application = build_application(settings, catalog, database=database, tick=False)
    await start(application)
    return application


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    database.migrate()
    yield database
    database.close()


# --- floods and Telegram's flood control ---------------------------------------------------


@pytest.mark.slow
async def test_an_urgent_line_in_a_flood_is_answered_at_once(catalog: Catalog) -> None:
    """30 lines in 3 s, the 20th urgent: past the flood gate (which drops from the 13th),
    and ahead of the replies already queued for the chat."""
    async with BotApiSandbox() as sandbox:
        application = await running(catalog, sandbox)
        try:
            for i in range(30):
                if i == 19:
                    sent_at = time.monotonic()
                await sandbox.send_message(70, URGENT if i == 19 else f"and another thing {i}")
                await asyncio.sleep(0.1)
            [reply] = await sandbox.wait_for(lambda m: is_urgent(catalog, m), timeout=10)
            assert reply.chat_id == 70
            assert reply.sent_at - sent_at < 3.0
            # Then the twelve answers the flood gate let through and its "slow down" follow,
            # one a second: the urgent reply did not wait behind them.
            await sandbox.wait_for(70, count=13, timeout=30)
            mine = [m for m in sandbox.sent if m.chat_id == 70]
            assert len(mine) == 14 and sum(is_urgent(catalog, m) for m in mine) == 1
            assert mine.index(reply) < 8
        finally:
            await stop(application)


@pytest.mark.slow
async def test_the_safety_reply_waits_out_429s_until_it_is_sent(catalog: Catalog) -> None:
    async with BotApiSandbox() as sandbox:
        application = await running(catalog, sandbox)
        try:
            sandbox.fail_next("sendMessage", 429, retry_after=1, count=5)
            await sandbox.send_message(71, URGENT)
            [reply] = await sandbox.wait_for(71, timeout=20)
            assert is_urgent(catalog, reply)
            assert len(sandbox.errors(429)) == 5  # five refusals, then it went out once
            assert not await_more(sandbox, 71)
        finally:
            await stop(application)


def await_more(sandbox: BotApiSandbox, chat_id: int) -> list[SentMessage]:
    return [m for m in sandbox.sent if m.chat_id == chat_id][1:]


@pytest.mark.slow
async def test_replies_are_paced_so_the_bot_provokes_no_429s(catalog: Catalog) -> None:
    """Telegram's limits on (1 a second to a chat, burst 3): ten quick questions from one
    person and one each from twenty others all get their answers, without a single 429."""
    async with BotApiSandbox() as sandbox:
        sandbox.set_rate_limits(global_per_second=30, per_chat_per_second=1, burst=3)
        application = await running(catalog, sandbox)
        try:
            for _ in range(10):
                await sandbox.send_message(72, "/help")
            for chat in range(800, 820):
                await sandbox.send_message(chat, "/help")
            await sandbox.wait_for(72, count=10, timeout=30)
            await sandbox.wait_for(lambda m: m.chat_id >= 800, count=20, timeout=30)
            assert sandbox.errors(429) == []
        finally:
            await stop(application)


@pytest.mark.slow
async def test_a_timed_out_explainer_is_not_sent_again_a_safety_reply_once(
    catalog: Catalog,
) -> None:
    """sendMessage answering after the client gave up (Telegram did deliver it)."""
    async with BotApiSandbox() as sandbox:
        application = await running(catalog, sandbox)
        try:
            sandbox.delay_next("sendMessage", 7.0, count=1)
            await sandbox.send_message(73, "/symptoms")
            await asyncio.sleep(9.0)
            title = catalog.topics[0].title
            assert sum(m.text.startswith(title) for m in sandbox.sent if m.chat_id == 73) == 1
            sandbox.delay_next("sendMessage", 7.0, count=1)
            await sandbox.send_message(74, URGENT)
            copies = await sandbox.wait_for(74, count=2, timeout=15)
            assert all(is_urgent(catalog, m) for m in copies)  # one duplicate, never silence
        finally:
            await stop(application)


# --- a database that stops answering ---------------------------------------------------------


@pytest.mark.slow
@pytest.mark.postgres
async def test_a_silent_database_costs_a_try_again_not_a_silent_bot(
    catalog: Catalog, tmp_path: Path
) -> None:
    with database_url("postgresql", tmp_path) as url, SilentProxy.in_front_of(url) as proxy:
        database = Database(proxy.url_for(url))
        database.migrate()
        async with BotApiSandbox() as sandbox:
            settings = load_settings(
                {
                    "TELEGRAM_BOT_TOKEN": sandbox.token,
                    "TELEGRAM_API_URL": sandbox.url,
                    "HTTP_HOST": "127.0.0.1",
                    "HTTP_PORT": "0",
                }
            )
            application = build_application(settings, catalog, database=database, tick=False)
            stop_event = asyncio.Event()
            task = asyncio.create_task(serve(application, stop_event))
            await sandbox.send_message(80, "/settings")
            await sandbox.wait_for(80, timeout=20)
            proxy.silence()
            started = time.monotonic()
            for chat, text in {
                81: "/symptoms",
                82: URGENT,
                83: "what colour is a flamingo",
            }.items():
                await sandbox.send_message(chat, text)
            await sandbox.send_message(84, "/settings")
            for chat in (81, 82, 83):
                await sandbox.wait_for(chat, timeout=5)
            assert time.monotonic() - started < 5
            [answer] = await sandbox.wait_for(84, timeout=15)
            assert said(catalog, "database_unavailable") in answer.text
            stop_event.set()
            done, _ = await asyncio.wait({task}, timeout=15)
            proxy.restore()
            assert done, "the bot did not stop within 15 s of SIGTERM"
            database.close()


# --- groups: only administrators change the group's subscription ---------------------------


@pytest.mark.slow
async def test_only_group_admins_change_or_delete_the_group_subscription(
    catalog: Catalog, sqlite: Database
) -> None:
    async with BotApiSandbox() as sandbox:
        sandbox.add_chat(GROUP, chat_type="supergroup")
        sandbox.set_admin(GROUP, ADMIN)
        sandbox.add_user(MEMBER)
        application = await running(catalog, sandbox, sqlite)
        try:
            refused = said(catalog, "group_admins_only")
            await sandbox.send_message(GROUP, "/subscribe daily 09:00 UTC", user_id=MEMBER)
            [no] = await sandbox.wait_for(GROUP, timeout=5)
            assert refused in no.text and sqlite.get(GROUP) is None

            await sandbox.send_message(GROUP, "/subscribe daily 09:00 UTC", user_id=ADMIN)
            await sandbox.wait_for(GROUP, timeout=5)
            assert sqlite.get(GROUP) is not None

            await sandbox.send_message(GROUP, "/settings", user_id=ADMIN)
            [settings] = await sandbox.wait_for(GROUP, timeout=5)
            stop_data = next(d for d in settings.callback_data if d.endswith(":stop"))
            assert stop_data == f"s:{ADMIN}:stop"
            # Another member presses the admin's button, then forges one in their own name.
            for data, check in ((stop_data, True), (f"s:{MEMBER}:stop", False), ("s:stop", False)):
                await sandbox.press_button(
                    GROUP, settings.message_id, data, user_id=MEMBER, check=check
                )
            await asyncio.sleep(0.5)
            assert [a.text for a in sandbox.callback_answers[-3:]] == [
                catalog.messages.get("group_admins_only")
            ] * 3
            assert sqlite.get(GROUP) is not None

            await sandbox.send_message(GROUP, "/deletedata", user_id=MEMBER)
            [no] = await sandbox.wait_for(GROUP, timeout=5)
            assert refused in no.text

            # An administrator who did not start the flow may still press on.
            sandbox.set_admin(GROUP, 503)
            await sandbox.press_button(GROUP, settings.message_id, stop_data, user_id=503)
            await sandbox.wait_for(GROUP, timeout=5)
            assert sqlite.get(GROUP) is None
        finally:
            await stop(application)


@pytest.mark.slow
async def test_a_forged_button_then_a_typed_zone_gets_a_plain_answer(
    catalog: Catalog, sqlite: Database
) -> None:
    async with BotApiSandbox() as sandbox:
        application = await running(catalog, sandbox, sqlite)
        try:
            await sandbox.send_message(90, "/start")
            [welcome] = await sandbox.wait_for(90, timeout=5)
            for data in ("s:90:d|0900|?", "s:d|2500|?", "s:90:w9|x|?", "s:90:|||"):
                await sandbox.press_button(90, welcome.message_id, data, check=False)
                await sandbox.wait_for(90, timeout=5)
                await sandbox.send_message(90, "Mars/Olympus_Mons")
                [answer] = await sandbox.wait_for(90, timeout=5)
                assert "unpack" not in answer.text and "Error" not in answer.text
                assert answer.text
            await sandbox.press_button(90, welcome.message_id, "s:90:d|0900|?", check=False)
            await sandbox.wait_for(90, timeout=5)
            await sandbox.send_message(90, "Europe/Berlin")
            await sandbox.wait_for(90, timeout=5)
            subscription = sqlite.get(90)
            assert subscription is not None and subscription.spec.zone == "Europe/Berlin"
        finally:
            await stop(application)
