"""Admin commands: the plain functions, the 0002 migration, and end to end via the sandbox."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.conversation import admin
from bot.conversation import topics as replies
from bot.devtools.sandbox import BotApiSandbox, SentMessage
from bot.digests.fanout import DigestSender, DigestSettings
from bot.knowledge.catalog import Catalog, build_catalog
from bot.schedule import DigestSpec
from bot.settings import load_settings
from bot.storage.database import MIGRATIONS, Database, hour_of, metadata, normalise_question
from bot.storage.schema import OUTCOME_RETENTION, UNSURE_RETENTION
from bot.telegram.app import build_application, digest_transport, start, stop
from bot.telegram.flood import FloodGate
from bot.telegram.handlers import admin_chats
from bot.telegram.state import BotApplication
from bot.text.render import MAX_MESSAGE_CHARS, visible_length
from bot.text.telegram_html import parse_html

from .conftest import ROOT, shipped_catalog
from .dbs import DATABASES, database_url

NOW = datetime(2026, 11, 24, 12, 30, tzinfo=UTC)
T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SLOT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
DAILY_9 = DigestSpec(cadence="daily", local_time=time(9, 0), zone="UTC", weekday=None)
WEEKLY = DigestSpec(cadence="weekly", local_time=time(18, 30), zone="UTC", weekday=0)
ADMIN = 900
BAD_QUOTE = '  - "a quote that is not in the article"'


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return shipped_catalog()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the content and the article; the bot's folder, as /reload sees it."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)  # seeds_dir defaults to ./seeds, as in production
    return tmp_path


def new_topic(content: Path, *, command_: str = "more_help", broken: bool = False) -> Path:
    """A seventh topic made from /learn_more; ``broken`` adds a quote the article lacks."""
    source = (content / "06-learn-more.md").read_text("utf-8")
    text_ = (
        source.replace("command: learn_more", f"command: {command_}")
        .replace("title: Where to learn more", "title: More help")
        .replace("order: 6", "order: 7")
    )
    if broken:
        text_ = text_.replace("sources:\n", f"sources:\n{BAD_QUOTE}\n", 1)
    path = content / "07-more-help.md"
    path.write_text(text_, "utf-8")
    return path


def all_valid(reply: replies.Reply) -> None:
    for message in reply.messages:
        parsed = parse_html(message.html)
        assert parsed.text.strip()
        assert len(parsed.text) <= MAX_MESSAGE_CHARS


# --- plain functions -------------------------------------------------------------------------


def test_questions_are_normalised_lowercased_collapsed_and_cut() -> None:
    assert (
        normalise_question("  What's   the\tWEATHER\n in Paris? ") == "what's the weather in paris?"
    )
    assert normalise_question("a\x00b") == "ab"
    assert len(normalise_question("word " * 100)) <= 200
    assert normalise_question(" \n ") == ""


def test_only_listed_chats_are_admins() -> None:
    settings = load_settings({"ADMIN_CHAT_IDS": "900, -1001"}, need_token=False)
    chats = admin_chats(settings)
    assert chats is not None and chats.chat_ids == {900, -1001}
    assert admin_chats(load_settings({}, need_token=False)) is None


def test_stats_reply_shows_counts_and_escaped_questions(catalog: Catalog) -> None:
    stats = admin.Stats(
        subscribers={"daily": 3, "weekly": 1},
        outcomes={"sent": 7, "failed": 2, "ended": 1},
        questions=[("<b>is it & safe", 4), ("tell me a joke", 1)],
        since=datetime(2026, 11, 23, 13, 0, tzinfo=UTC),
    )
    reply = admin.stats_reply(catalog, stats)
    all_valid(reply)
    [message] = reply.messages
    shown = parse_html(message.html).text
    assert "daily 3, weekly 1" in shown
    assert "7 sent" in shown and "0 “up to date” notes" in shown
    assert "2 failed" in shown and "1 ended" in shown
    assert "4 × <b>is it & safe" in shown  # escaped, so shown as typed
    assert "2026-11-23 13:00 UTC" in shown
    empty = admin.stats_reply(catalog, admin.Stats({"daily": 0, "weekly": 0}, {}, [], NOW))
    assert "None yet." in parse_html(empty.messages[0].html).text
    no_database = admin.no_database(catalog)
    all_valid(no_database)
    assert "without a database" in no_database.messages[0].html


def test_long_texts_are_split_between_lines_within_telegram_s_limit() -> None:
    lines = [f"line {i}: " + "x" * 300 for i in range(40)]
    parts = admin.split_lines("\n".join(lines))
    assert len(parts) > 1
    assert all(visible_length(p) <= MAX_MESSAGE_CHARS for p in parts)
    assert "\n".join(parts).split("\n") == lines


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database_url(request.param, tmp_path) as url:
        db = Database(url)
        db.migrate()
        yield db
        db.close()


def test_stats_are_read_from_the_database(database: Database) -> None:
    database.subscribe(1, DAILY_9, T0)
    database.subscribe(2, DAILY_9, T0)
    database.subscribe(3, WEEKLY, T0)
    for question in ["What's the weather", "what's   the WEATHER", "tell me a joke"]:
        database.record_unsure(question, NOW)
    for i in range(12):
        database.record_unsure(f"rare question {i}", NOW - timedelta(minutes=i))
    # Two workers add to the same hour; one bucket is older than the 24-hour window.
    database.record_digest_outcomes({"sent": 5, "ended": 1, "failed": 0}, NOW)
    database.record_digest_outcomes({"sent": 2, "failed": 3}, NOW - timedelta(minutes=20))
    database.record_digest_outcomes({"sent": 100}, NOW - timedelta(hours=25))
    stats = admin.collect_stats(database, NOW)
    assert stats.subscribers == {"daily": 2, "weekly": 1}
    assert stats.outcomes == {"sent": 7, "ended": 1, "failed": 3}
    assert stats.since == hour_of(NOW) - timedelta(hours=23)
    assert len(stats.questions) == 10
    assert stats.questions[:2] == [("what's the weather", 2), ("rare question 0", 1)]
    assert ("tell me a joke", 1) in database.top_unsure(20)


def test_new_tables_hold_no_ids_and_old_rows_are_pruned(database: Database) -> None:
    with database.engine.connect() as connection:
        for table in ("digest_outcomes", "unsure_questions"):
            columns = {c["name"] for c in inspect(connection).get_columns(table)}
            assert not {"chat_id", "user_id"} & columns
    database.record_unsure("old question", NOW - UNSURE_RETENTION - timedelta(days=1))
    database.record_digest_outcomes({"sent": 1}, NOW - OUTCOME_RETENTION - timedelta(days=1))
    database.record_unsure("new question", NOW)
    database.record_digest_outcomes({"sent": 1}, NOW)
    assert database.top_unsure() == [("new question", 1)]
    with database.engine.connect() as connection:
        hours = connection.execute(text("SELECT count(*) FROM digest_outcomes")).scalar_one()
    assert hours == 1


def migrate_to(database: Database, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def raw_rows(
    database: Database, tables: tuple[str, ...], chats: tuple[int, ...]
) -> dict[int, dict[str, list[dict[str, object]]]]:
    """Every row about each chat in these tables, read with plain SQL (no schema code)."""
    with database.engine.connect() as connection:
        return {
            chat: {
                table: [
                    dict(row._mapping)
                    for row in connection.execute(
                        text(f"SELECT * FROM {table} WHERE chat_id = :chat"), {"chat": chat}
                    )
                ]
                for table in tables
            }
            for chat in chats
        }


@pytest.mark.parametrize("kind", DATABASES)
def test_0001_database_with_rows_migrates_to_head_and_keeps_them(kind: str, tmp_path: Path) -> None:
    with database_url(kind, tmp_path) as url:
        database = Database(url)
        migrate_to(database, "0001")
        with database.engine.connect() as connection:
            assert not inspect(connection).has_table("unsure_questions")
        database.subscribe(1, DAILY_9, T0)
        database.subscribe(2, WEEKLY, T0)
        [claim] = database.claim_due(SLOT, 10, timedelta(minutes=5), "w")
        next_day = SLOT + timedelta(days=1)
        database.complete(
            claim, command="symptoms", next_due_at=next_day, now=SLOT, up_to_date_sent=False
        )
        old_tables = ("subscriptions", "deliveries")  # what 0001 had
        before = raw_rows(database, old_tables, (1, 2))
        database.migrate()
        database.migrate()  # and again: nothing to do
        with database.engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
        assert versions == [("0006",)]
        after = raw_rows(database, old_tables, (1, 2))
        assert after == before and before[1]["subscriptions"]
        assert database.export_chat(1)["pending_steps"] == []
        assert database.delivered(1) == {"symptoms"}
        database.record_unsure("works after the upgrade", NOW)
        assert database.top_unsure() == [("works after the upgrade", 1)]
        database.close()


@pytest.mark.slow
def test_reload_refuses_content_with_errors_and_lists_findings(
    catalog: Catalog, project: Path
) -> None:
    new_topic(project / "content", broken=True)
    result = admin.reload_content(catalog, project / "content")
    assert result.catalog is None and result.refusal is not None
    all_valid(result.refusal)
    shown = "\n".join(parse_html(m.html).text for m in result.refusal.messages)
    assert "Not reloaded" in shown and "old content is still served" in shown
    assert "07-more-help.md:" in shown and "provenance" in shown
    assert "a quote that is not in the article" in shown


@pytest.mark.slow
def test_reload_lists_at_most_twenty_findings(catalog: Catalog, project: Path) -> None:
    quotes = "\n".join(f'  - "missing quote number {i}"' for i in range(30))
    path = new_topic(project / "content")
    path.write_text(path.read_text().replace("sources:\n", f"sources:\n{quotes}\n", 1))
    result = admin.reload_content(catalog, project / "content")
    assert result.refusal is not None
    all_valid(result.refusal)
    shown = "\n".join(parse_html(m.html).text for m in result.refusal.messages)
    assert shown.count("07-more-help.md:") == admin.MAX_FINDINGS
    assert "… and 10 more." in shown


def test_reload_refuses_content_that_cannot_be_served(catalog: Catalog, project: Path) -> None:
    (project / "content" / "messages.yml").write_text("welcome: hi\n")
    result = admin.reload_content(catalog, project / "content")
    assert result.catalog is None and result.refusal is not None
    all_valid(result.refusal)
    assert "messages.yml" in result.refusal.messages[0].html


@pytest.mark.slow
def test_reload_with_valid_content_returns_the_new_catalog(catalog: Catalog, project: Path) -> None:
    new_topic(project / "content")
    result = admin.reload_content(catalog, project / "content")
    assert result.refusal is None and result.catalog is not None
    assert result.catalog.topic("more_help") is not None
    done = admin.reload_done(result.catalog, registered=True)
    all_valid(done)
    assert "/more_help" in done.messages[0].html and "7 topic(s)" in done.messages[0].html


def test_preview_is_the_explainer_as_users_get_it_with_a_marker(
    catalog: Catalog, project: Path
) -> None:
    reply = admin.preview(catalog, project / "content", "/therapy")
    users = replies.for_command(catalog, "therapy")
    marker = catalog.messages.get("admin_preview_marker")
    [*shown, summary] = reply.messages
    assert shown[0].html == f"{marker}\n\n{users.messages[0].html}"
    assert shown[1:] == list(users.messages[1:])
    assert shown[-1].buttons == users.messages[-1].buttons
    assert "Lint: no errors" in summary.html and "served now" in summary.html
    all_valid(reply)


def test_preview_shows_a_file_that_fails_lint(catalog: Catalog, project: Path) -> None:
    new_topic(project / "content", broken=True)
    reply = admin.preview(catalog, project / "content", "more_help")
    all_valid(reply)
    first = parse_html(reply.messages[0].html).text
    assert first.startswith("PREVIEW — not published\n\nMore help")
    # As if published: after /learn_more, so no "Next" button, only the menu.
    assert [b.callback_data for b in reply.messages[-2].buttons[0]] == ["menu"]
    summary = parse_html(reply.messages[-1].html).text
    assert "Lint: 1 error(s)" in summary and "provenance" in summary
    assert "/more_help is not served now" in summary


def test_preview_unknown_empty_and_unreadable(catalog: Catalog, project: Path) -> None:
    (project / "content" / "09-broken.md").write_text("no front matter here\n")
    unknown = admin.preview(catalog, project / "content", "nope")
    all_valid(unknown)
    listed = parse_html(unknown.messages[0].html).text
    assert "No content file has the command /nope" in listed
    assert "/symptoms (01-symptoms.md)" in listed and "/learn_more (06-learn-more.md)" in listed
    assert "09-broken.md (cannot be read" in listed
    usage = admin.preview(catalog, project / "content", "  ")
    assert "/preview symptoms" in parse_html(usage.messages[0].html).text
    broken = admin.preview(catalog, project / "content", "09-broken")
    all_valid(broken)
    shown = parse_html(broken.messages[0].html).text
    assert shown.startswith("PREVIEW — not published") and "09-broken.md:1:" in shown


# --- end to end ------------------------------------------------------------------------------


class Running:
    def __init__(
        self, sandbox: BotApiSandbox, application: BotApplication, sender: DigestSender
    ) -> None:
        self.sandbox = sandbox
        self.application = application
        self.sender = sender

    async def say(
        self, chat: int, text_: str, count: int = 1, timeout: float = 5.0
    ) -> list[SentMessage]:
        await self.sandbox.send_message(chat, text_)
        return await self.sandbox.wait_for(chat, count=count, timeout=timeout)

    async def say_all(self, chat: int, text_: str, timeout: float = 30.0) -> list[SentMessage]:
        """Everything the bot answers, however many messages that is."""
        await self.sandbox.send_message(chat, text_)
        answer = await self.sandbox.wait_for(chat, timeout=timeout)
        while True:
            try:
                answer += await self.sandbox.wait_for(chat, timeout=0.5)
            except TimeoutError:
                return answer

    def registered(self) -> list[str]:
        return [c["command"] for c in next(iter(self.sandbox.commands.values()))]


@pytest.fixture
async def bot(project: Path, database: Database) -> AsyncIterator[Running]:
    catalog = build_catalog(project / "content")
    async with BotApiSandbox() as sandbox:
        settings = load_settings(
            {
                "TELEGRAM_BOT_TOKEN": sandbox.token,
                "TELEGRAM_API_URL": sandbox.url,
                "CONTENT_DIR": str(project / "content"),
                "ADMIN_CHAT_IDS": str(ADMIN),
            }
        )
        application = build_application(
            settings, catalog, flood=FloodGate(limit=10_000), database=database, tick=False
        )
        await start(application)
        # The sender the tick would use, without a tick that could fire during a test.
        sender = DigestSender(
            digest_transport(settings),
            database,
            catalog,
            DigestSettings(rate_per_second=1000.0, per_chat_interval=0.0),
        )
        await sender.send.initialize()
        application.bot_data.digest_sender = sender
        try:
            yield Running(sandbox, application, sender)
        finally:
            await sender.send.shutdown()
            await stop(application)
        assert not [c for c in sandbox.errors(400) if "parse entities" in (c.description or "")]


@pytest.mark.slow
async def test_non_admins_get_the_unknown_command_answer(bot: Running) -> None:
    [unknown] = await bot.say(901, "/frobnicate")
    for line in ("/stats", "/reload", "/preview symptoms", "/preview"):
        [reply] = await bot.say(901, line)
        assert (reply.raw_text, reply.buttons) == (unknown.raw_text, unknown.buttons)
    assert not {"stats", "reload", "preview"} & set(bot.registered())


@pytest.mark.slow
async def test_admin_stats_after_questions_and_a_digest_run(
    bot: Running, database: Database
) -> None:
    for chat, question in [
        (901, "what's the weather in paris"),
        (902, "What's  the WEATHER in Paris"),
        (903, "tell me a joke"),
    ]:
        [reply] = await bot.say(chat, question)
        assert "not sure" in reply.text
    await bot.say(904, "how does the treatment work")  # routed: not counted
    for chat in (910, 911):
        bot.sandbox.add_chat(chat)
    database.subscribe(910, DAILY_9, T0)
    database.subscribe(911, DAILY_9, T0)
    database.subscribe(912, WEEKLY, T0)
    bot.sandbox.block_chat(911, notify=False)
    stats = await bot.sender.run_once(SLOT)
    assert (stats.sent, stats.ended) == (1, 1)
    [shown] = await bot.say(ADMIN, "/stats")
    assert "daily 1, weekly 1" in shown.text  # 911 blocked the bot: its subscription ended
    assert "1 sent" in shown.text and "0 failed" in shown.text and "1 ended" in shown.text
    assert "2 × what's the weather in paris" in shown.text
    assert "1 × tell me a joke" in shown.text
    assert "how does the treatment work" not in shown.text
    for chat_id in ("901", "902", "903", "910", "911"):
        assert chat_id not in shown.text


@pytest.mark.slow
async def test_admin_reload_keeps_old_content_on_errors_then_swaps_when_fixed(
    bot: Running, project: Path
) -> None:
    old = bot.application.bot_data.catalog
    new_topic(project / "content", broken=True)
    refused = await bot.say_all(ADMIN, "/reload")
    assert "Not reloaded" in refused[0].text
    assert "07-more-help.md:" in refused[0].text and "provenance" in refused[0].text
    assert bot.application.bot_data.catalog is old and bot.sender.catalog is old
    [unknown] = await bot.say(901, "/more_help")
    assert "do not know that command" in unknown.text
    assert "more_help" not in bot.registered()

    new_topic(project / "content")
    [done] = await bot.say(ADMIN, "/reload", timeout=30)
    assert "Reloaded" in done.text and "/more_help" in done.text
    fresh = bot.application.bot_data.catalog
    assert fresh is not old and bot.sender.catalog is fresh
    [explainer] = await bot.say(901, "/more_help")
    assert explainer.text.startswith("More help")
    assert "more_help" in bot.registered()
    assert not {"stats", "reload", "preview"} & set(bot.registered())


@pytest.mark.slow
async def test_admin_preview_of_a_file_failing_lint(bot: Running, project: Path) -> None:
    new_topic(project / "content", broken=True)
    shown = await bot.say_all(ADMIN, "/preview more_help")
    assert shown[0].text.startswith("PREVIEW — not published\n\nMore help")
    assert shown[-2].callback_data == ["menu", "c:en:more_help"]  # its quick check too
    assert "Lint: 1 error(s)" in shown[-1].text and "provenance" in shown[-1].text
    [unknown] = await bot.say(901, "/more_help")  # still not published
    assert "do not know that command" in unknown.text


def test_stored_questions_mask_numbers_addresses_and_names() -> None:
    from bot.storage.database import normalise_question

    masked = normalise_question("Call me on +1 (555) 010-2030 or mail ann@example.org, @annie")
    assert "555" not in masked and "example" not in masked and "annie" not in masked
    assert "<number>" in masked and "<email>" in masked and "<name>" in masked
    assert normalise_question("Is it safe for a 5 year old?") == "is it safe for a 5 year old?"
