"""Subscriptions and digests end to end: the real bot, the sandbox, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.conversation.subscriptions import load_choices
from bot.devtools.sandbox import BotApiSandbox
from bot.digests.fanout import DigestSender, DigestSettings, compose
from bot.knowledge.catalog import Catalog
from bot.schedule import DigestSpec
from bot.settings import load_settings
from bot.storage.database import Database
from bot.telegram.app import build_application, digest_transport, start, stop
from bot.telegram.flood import FloodGate
from bot.telegram.state import BotApplication

from .conftest import ROOT, shipped_catalog
from .dbs import DATABASES, database_url

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # subscribers sign up at 08:00 UTC ...
SLOT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # ... for 09:00 UTC
DAILY_9 = DigestSpec(cadence="daily", local_time=time(9, 0), zone="UTC", weekday=None)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return shipped_catalog()


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database_url(request.param, tmp_path) as url:
        db = Database(url)
        db.migrate()
        yield db
        db.close()


def row_counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("subscriptions", "deliveries")
        }


class Running:
    def __init__(self, sandbox: BotApiSandbox, application: BotApplication) -> None:
        self.sandbox = sandbox
        self.application = application

    async def say(self, chat: int, text_: str) -> list:  # type: ignore[type-arg]
        await self.sandbox.send_message(chat, text_)
        return await self.sandbox.wait_for(chat)

    async def press(self, chat: int, label: str) -> list:  # type: ignore[type-arg]
        message = self.sandbox.last_message_to(chat)
        assert message is not None
        data = message.button(label)["callback_data"]
        await self.sandbox.press_button(chat, message.message_id, data)
        return await self.sandbox.wait_for(chat)


@pytest.fixture
async def bot(catalog: Catalog, database: Database) -> AsyncIterator[Running]:
    async with BotApiSandbox() as sandbox:
        settings = load_settings(
            {"TELEGRAM_BOT_TOKEN": sandbox.token, "TELEGRAM_API_URL": sandbox.url}
        )
        application = build_application(
            settings,
            catalog,
            flood=FloodGate(limit=10_000),
            database=database,
            choices=load_choices(ROOT / "content"),
            tick=False,
        )
        await start(application)
        try:
            yield Running(sandbox, application)
        finally:
            await stop(application)


@pytest.mark.slow
async def test_button_flow_daily(bot: Running, database: Database) -> None:
    [ask] = await bot.say(1, "/subscribe")
    assert [b["text"] for row in ask.buttons for b in row] == ["Every day", "Once a week"]
    await bot.press(1, "Every day")
    await bot.press(1, "09:00")
    [done] = await bot.press(1, "Europe/Berlin")
    assert "daily at 09:00" in done.text and "Europe/Berlin" in done.text
    subscription = database.get(1)
    assert subscription is not None and subscription.spec.zone == "Europe/Berlin"


@pytest.mark.slow
async def test_button_flow_weekly_with_typed_zone(bot: Running, database: Database) -> None:
    await bot.say(2, "/subscribe")
    await bot.press(2, "Once a week")
    await bot.press(2, "Thu")
    await bot.press(2, "18:00")
    [ask] = await bot.press(2, "Type my time zone")
    assert "time zone" in ask.text
    [done] = await bot.say(2, "america/new_york")
    assert "America/New_York" in done.text
    subscription = database.get(2)
    assert subscription is not None and subscription.spec.weekday == 3


@pytest.mark.slow
async def test_typed_zone_does_not_hide_an_emergency(bot: Running, database: Database) -> None:
    await bot.say(3, "/subscribe")
    await bot.press(3, "Every day")
    await bot.press(3, "09:00")
    await bot.press(3, "Type my time zone")
    [reply] = await bot.say(3, "I can't breathe")
    assert "emergency" in reply.text.lower()
    assert database.get(3) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/subscribe daily 09:00 Europe/Berlin", "daily at 09:00"),
        ("/subscribe weekly mon 18:30 UTC", "18:30"),
        ("/subscribe daily 9:30 UTC+02:00", "09:30"),
    ],
)
async def test_one_line_form(bot: Running, line: str, expected: str) -> None:
    [done] = await bot.say(4, line)
    assert expected in done.text


@pytest.mark.parametrize(
    "line", ["/subscribe hourly", "/subscribe daily 25:00 UTC", "/subscribe daily 09:00 Mars/Base"]
)
async def test_malformed_line_gets_an_example(bot: Running, database: Database, line: str) -> None:
    [reply] = await bot.say(5, line)
    assert "/subscribe daily 09:00 Europe/Berlin" in reply.text
    assert database.get(5) is None


@pytest.mark.slow
async def test_settings_unsubscribe_privacy_and_deletedata(
    bot: Running, database: Database
) -> None:
    [none] = await bot.say(6, "/settings")
    assert "no digest" in none.text
    [nothing] = await bot.say(6, "/privacy")
    assert "Nothing" in nothing.text
    await bot.say(6, "/subscribe daily 07:00 UTC")
    [shown] = await bot.say(6, "/settings")
    assert "daily at 07:00" in shown.text
    [stored] = await bot.say(6, "/privacy")
    assert "07:00" in stored.text and "6" in stored.text
    database.complete  # noqa: B018 - the API exists
    [_confirm] = await bot.say(6, "/deletedata")
    [kept] = await bot.press(6, "No, keep it")
    assert "Nothing was deleted" in kept.text
    assert database.get(6) is not None
    await bot.say(6, "/deletedata")
    [deleted] = await bot.press(6, "Yes, delete everything")
    assert "deleted everything" in deleted.text
    assert row_counts(database) == {"subscriptions": 0, "deliveries": 0}
    await bot.say(6, "/subscribe daily 07:00 UTC")
    [stopped] = await bot.say(6, "/unsubscribe")
    assert "no more digests" in stopped.text
    assert database.get(6) is None


async def sender_for(
    sandbox: BotApiSandbox, database: Database, catalog: Catalog, **kw: float
) -> DigestSender:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": sandbox.token, "TELEGRAM_API_URL": sandbox.url})
    bot = digest_transport(settings)
    await bot.initialize()
    options = {"rate_per_second": 1000.0, "per_chat_interval": 0.0, **kw}
    return DigestSender(bot, database, catalog, DigestSettings(**options))  # type: ignore[arg-type]


async def test_digests_go_in_content_order_then_up_to_date_once(
    database: Database, catalog: Catalog
) -> None:
    async with BotApiSandbox() as sandbox:
        sandbox.add_chat(100)
        database.subscribe(100, DAILY_9, T0)
        sender = await sender_for(sandbox, database, catalog)
        try:
            seen: list[str] = []
            day = SLOT
            for _ in range(len(catalog.topics) + 3):
                stats = await sender.run_once(day + timedelta(seconds=30))
                assert stats.sent + stats.up_to_date + stats.skipped <= 1
                day += timedelta(days=1)
            messages = sandbox.messages_to(100)
            seen = [m.callback_data[0] for m in messages if m.callback_data[0].startswith("d:")]
            assert seen == [f"d:{t.command}" for t in catalog.topics]
            up_to_date = [m for m in messages if "up to date" in m.text]
            assert len(up_to_date) == 1 and messages[-1] is up_to_date[0]
        finally:
            await sender.send.shutdown()


async def test_digest_button_reads_the_explainer(
    bot: Running, database: Database, catalog: Catalog
) -> None:
    database.subscribe(7, DAILY_9, T0)
    bot.sandbox.add_chat(7)
    sender = await sender_for(bot.sandbox, database, catalog)
    try:
        await sender.run_once(SLOT)
    finally:
        await sender.send.shutdown()
    [digest] = await bot.sandbox.wait_for(7)
    assert catalog.topics[0].title in digest.text
    [explainer] = await bot.press(7, "Read it")
    assert explainer.text.startswith(catalog.topics[0].title)


async def test_new_content_reaches_existing_subscribers_next(
    database: Database, catalog: Catalog
) -> None:
    delivered = {t.command for t in catalog.topics[:-1]}
    digest = compose(catalog, delivered, up_to_date_sent=True)
    assert digest.command == catalog.topics[-1].command


async def test_missed_slot_is_sent_once_within_grace(database: Database, catalog: Catalog) -> None:
    async with BotApiSandbox() as sandbox:
        for chat in (200, 201, 202):
            sandbox.add_chat(chat)
        database.subscribe(200, DAILY_9, T0)  # due 09:00 on the 24th
        database.subscribe(201, DAILY_9, T0 - timedelta(days=3))  # due 09:00 on the 21st
        sender = await sender_for(sandbox, database, catalog)
        try:
            # The bot was down from the 21st; it comes back at 11:00 on the 24th: today's
            # 09:00 slot was missed by two hours, within grace: one digest, not four.
            stats = await sender.run_once(datetime(2026, 11, 24, 11, 0, tzinfo=UTC))
            assert stats.sent == 2
            assert len(sandbox.messages_to(200)) == 1
            assert len(sandbox.messages_to(201)) == 1
            for chat in (200, 201):
                subscription = database.get(chat)
                assert subscription is not None
                assert subscription.next_due_at == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
            # Back only at 16:00, seven hours after the slot: too late, skip to tomorrow.
            database.subscribe(202, DAILY_9, T0)
            late = await sender.run_once(datetime(2026, 11, 24, 16, 0, tzinfo=UTC))
            assert late.skipped == 1 and late.sent == 0
            assert sandbox.messages_to(202) == []
            subscription = database.get(202)
            assert subscription is not None
            assert subscription.next_due_at == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        finally:
            await sender.send.shutdown()


@pytest.mark.slow
async def test_blocked_missing_429_and_5xx(database: Database, catalog: Catalog) -> None:
    async with BotApiSandbox() as sandbox:
        for chat in (300, 301, 302, 303):
            sandbox.add_chat(chat)
            database.subscribe(chat, DAILY_9, T0)
        database.subscribe(304, DAILY_9, T0)  # a chat Telegram has never heard of
        sandbox.block_chat(300, notify=False)
        sandbox.deactivate_chat(301)
        sender = await sender_for(sandbox, database, catalog, attempts=2, concurrency=1)
        try:
            sandbox.fail_next("sendMessage", 429, retry_after=1)
            sandbox.fail_next("sendMessage", 502, count=2)  # one chat's two tries
            first = await sender.run_once(SLOT)
            # The 502s exhausted one chat's tries: it waits for the next tick, not lost.
            assert first.retried_later == 1
            assert len(sandbox.errors(429)) == 1 and len(sandbox.errors(502)) == 2
            second = await sender.run_once(SLOT + timedelta(minutes=1, seconds=1))
            assert first.ended + second.ended == 3  # blocked, deactivated, chat not found
            for chat in (300, 301, 304):
                assert database.get(chat) is None
            assert first.sent + second.sent == 2
            assert len(sandbox.messages_to(302)) == 1 and len(sandbox.messages_to(303)) == 1
        finally:
            await sender.send.shutdown()


@pytest.mark.slow
async def test_chatting_user_is_answered_during_a_large_fan_out(
    catalog: Catalog, database: Database
) -> None:
    async with BotApiSandbox() as sandbox:
        settings = load_settings(
            {
                "TELEGRAM_BOT_TOKEN": sandbox.token,
                "TELEGRAM_API_URL": sandbox.url,
                "DIGEST_RATE_PER_SECOND": "25",
            }
        )
        for chat in range(10_000, 10_600):
            sandbox.add_chat(chat)
        database.bulk_subscribe([(c, DAILY_9) for c in range(10_000, 10_600)], T0)
        application = build_application(settings, catalog, database=database, tick=False)
        await start(application)
        # The fan-out runs in the bot's own process and event loop, as the tick runs it.
        sender = DigestSender(digest_transport(settings), database, catalog, DigestSettings())
        await sender.send.initialize()
        try:
            fan_out = asyncio.create_task(sender.run_once(SLOT))
            await asyncio.sleep(1.0)
            assert not fan_out.done()
            loop = asyncio.get_running_loop()
            for question in ("/start", "is it safe?", "/study"):
                asked = loop.time()
                await sandbox.send_message(42, question)
                await sandbox.wait_for(42, timeout=2.0)
                assert loop.time() - asked < 2.0
            assert not fan_out.done()  # still sending at 25 a second
            fan_out.cancel()
        finally:
            await stop(application)
            await sender.send.shutdown()


async def run_send_due(
    sandbox: BotApiSandbox, url: str, now: datetime, rate: str = "1000"
) -> asyncio.subprocess.Process:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))},
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": sandbox.token,
        "TELEGRAM_API_URL": sandbox.url,
        "DATABASE_URL": url,
        "DIGEST_RATE_PER_SECOND": rate,
        "CONTENT_DIR": str(ROOT / "content"),
        "LOG_LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "digests",
        "send-due",
        "--now",
        now.isoformat(),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@asynccontextmanager
async def due_subscribers(
    kind: str, tmp_path: Path, chats: range
) -> AsyncIterator[tuple[str, Database, BotApiSandbox]]:
    """A database of each kind with ``chats`` due at SLOT, and a sandbox that knows them."""
    with database_url(kind, tmp_path) as url:
        database = Database(url)
        database.migrate()
        database.bulk_subscribe([(c, DAILY_9) for c in chats], T0)
        try:
            async with BotApiSandbox() as sandbox:
                for chat in chats:
                    sandbox.add_chat(chat)
                yield url, database, sandbox
        finally:
            database.close()


@pytest.mark.slow
@pytest.mark.parametrize("kind", DATABASES)
async def test_three_workers_send_each_subscriber_exactly_once(kind: str, tmp_path: Path) -> None:
    chats = range(20_000, 23_000)
    async with due_subscribers(kind, tmp_path, chats) as (url, database, sandbox):
        # Telegram's overall limit, as the sandbox enforces it: the three workers share
        # one send schedule, so together they stay under it (no 429).
        sandbox.set_rate_limits(global_per_second=1000, per_chat_per_second=None)
        workers = [await run_send_due(sandbox, url, SLOT) for _ in range(3)]
        results = [await w.communicate() for w in workers]
        for worker, (_out, err) in zip(workers, results, strict=True):
            assert worker.returncode == 0, err.decode()
        per_chat = Counter(m.chat_id for m in sandbox.sent)
        assert set(per_chat) == set(chats)
        assert set(per_chat.values()) == {1}
        assert not sandbox.errors(429)
        sent_by = [int(out.decode().split("sent=")[1].split()[0]) for out, _ in results]
        assert sum(sent_by) == 3000
        assert row_counts(database)["deliveries"] == 3000


@pytest.mark.slow
@pytest.mark.parametrize("kind", DATABASES)
async def test_worker_killed_mid_fan_out_loses_nothing(kind: str, tmp_path: Path) -> None:
    chats = range(30_000, 30_400)
    async with due_subscribers(kind, tmp_path, chats) as (url, _database, sandbox):
        victim = await run_send_due(sandbox, url, SLOT, rate="100")
        while len(sandbox.sent) < 100:
            await asyncio.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        await victim.wait()
        before = len(sandbox.sent)
        assert before < 400
        # After the lease of the dead worker's claims has run out, a new run finishes.
        later = SLOT + DigestSettings().lease + timedelta(seconds=1)
        survivor = await run_send_due(sandbox, url, later)
        _, err = await survivor.communicate()
        assert survivor.returncode == 0, err.decode()
        per_chat = Counter(m.chat_id for m in sandbox.sent)
        assert set(per_chat) == set(chats)  # every subscriber served
        duplicates = sum(n - 1 for n in per_chat.values())
        # Only messages in flight at the kill (sent, not yet recorded) may arrive twice, and
        # a worker has at most `concurrency` sends in flight (README: "How sending works").
        assert duplicates <= DigestSettings().concurrency


def test_send_windows_of_several_workers_follow_each_other(database: Database) -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    starts = [database.reserve_sends(50, 25.0, now) for _ in range(3)]
    assert starts == [now, now + timedelta(seconds=2), now + timedelta(seconds=4)]
    later = now + timedelta(minutes=5)  # an idle schedule does not hold a later worker back
    assert database.reserve_sends(10, 25.0, later) == later
