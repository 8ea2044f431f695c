"""End to end: the real Application over real HTTP against the local Bot API sandbox."""

from __future__ import annotations

import asyncio
import io
import logging
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.devtools.sandbox import BotApiSandbox, SentMessage
from bot.knowledge.catalog import Catalog, build_catalog
from bot.logs import setup_logging
from bot.settings import load_settings
from bot.telegram.app import build_application, start, stop
from bot.telegram.flood import FloodGate
from bot.telegram.state import BotApplication

from .conftest import ROOT, shipped_catalog

TOPICS = ["symptoms", "therapy", "study", "side_effects", "caveats", "learn_more"]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return shipped_catalog()


class Bot:
    """A running bot and its sandbox, with helpers that read like a conversation."""

    def __init__(self, sandbox: BotApiSandbox, application: BotApplication) -> None:
        self.sandbox = sandbox
        self.application = application

    async def say(self, chat_id: int, text: str, count: int = 1, **kw: Any) -> list[SentMessage]:
        await self.sandbox.send_message(chat_id, text, **kw)
        return await self.sandbox.wait_for(chat_id, count=count)

    async def press(self, message: SentMessage, data: str, count: int = 1) -> list[SentMessage]:
        await self.sandbox.press_button(message.chat_id, message.message_id, data)
        return await self.sandbox.wait_for(message.chat_id, count=count)

    async def silent(self, chat_id: int, seconds: float = 0.4) -> bool:
        """True when the bot sends nothing to ``chat_id`` for a while."""
        try:
            await self.sandbox.wait_for(chat_id, timeout=seconds)
        except TimeoutError:
            return True
        return False


async def running(catalog: Catalog, flood: FloodGate | None = None) -> AsyncIterator[Bot]:
    async with BotApiSandbox() as sandbox:
        settings = load_settings(
            {"TELEGRAM_BOT_TOKEN": sandbox.token, "TELEGRAM_API_URL": sandbox.url}
        )
        application = build_application(settings, catalog, flood=flood or FloodGate(limit=10_000))
        await start(application)
        try:
            yield Bot(sandbox, application)
        finally:
            await stop(application)
        # Telegram's HTML parser rejected nothing the bot sent, in any test.
        assert not [c for c in sandbox.errors(400) if "parse entities" in (c.description or "")]


@pytest.fixture
async def bot(catalog: Catalog) -> AsyncIterator[Bot]:
    async for running_bot in running(catalog):
        yield running_bot


async def test_start_shows_welcome_and_menu_and_commands_are_registered(bot: Bot) -> None:
    [welcome] = await bot.say(10, "/start", first_name="Ana <b>&")
    assert "Hello, Ana <b>&." in welcome.text
    assert "not a doctor" in welcome.text
    assert welcome.callback_data == [f"t:{c}" for c in TOPICS] + ["lang:es"]
    registered = [c["command"] for c in next(iter(bot.sandbox.commands.values()))]
    assert registered[: len(TOPICS)] == TOPICS
    assert {"start", "help", "topics"} <= set(registered)


@pytest.mark.parametrize("command", ["/help", "/topics", "/menu"])
async def test_help_and_topics_show_the_menu(bot: Bot, command: str) -> None:
    [reply] = await bot.say(11, command)
    assert reply.callback_data == [f"t:{c}" for c in TOPICS]


@pytest.mark.slow
async def test_every_topic_command_sends_its_explainer_with_buttons(
    bot: Bot, catalog: Catalog
) -> None:
    for index, command in enumerate(TOPICS):
        [reply] = await bot.say(12, f"/{command}")
        topic = catalog.topic(command)
        assert topic is not None and reply.text.startswith(topic.title)
        assert "care team" in reply.text.lower() or "doctor" in reply.text.lower()
        expected = ([f"t:{TOPICS[index + 1]}"] if index + 1 < len(TOPICS) else []) + ["menu"]
        assert reply.callback_data == [*expected, f"c:en:{command}"]  # then the quick check


@pytest.mark.slow
async def test_every_button_works_and_every_callback_is_answered(bot: Bot) -> None:
    [menu] = await bot.say(13, "/topics")
    for data in menu.callback_data:
        [reply] = await bot.press(menu, data)
        assert reply.text and reply.buttons
        for nav in reply.callback_data:
            [after] = await bot.press(reply, nav)
            assert after.buttons
    assert bot.sandbox.callback_answers
    assert bot.sandbox.unanswered_callback_queries() == []


async def test_stale_button_gets_the_menu_and_an_answer(bot: Bot) -> None:
    await bot.say(14, "/start")
    await bot.sandbox.press_button(14, 1, "t:removed_topic", check=False)
    [reply] = await bot.sandbox.wait_for(14)
    assert reply.callback_data[:1] == ["t:symptoms"]
    assert bot.sandbox.unanswered_callback_queries() == []


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("how does the treatment work", "therapy"),
        ("is it safe?", "side_effects"),
        ("what did they find", "study"),
        ("when will this be available?", "caveats"),
    ],
)
async def test_questions_in_own_words_get_the_matching_explainer(
    bot: Bot, catalog: Catalog, question: str, topic: str
) -> None:
    [reply] = await bot.say(15, question)
    wanted = catalog.topic(topic)
    assert wanted is not None
    intro, explainer = reply.text.split("\n\n", 1)
    assert wanted.title in intro
    assert explainer.startswith(wanted.title)


async def test_not_sure_says_so_and_shows_the_menu(bot: Bot) -> None:
    [reply] = await bot.say(16, "what's the weather in paris")
    assert "not sure" in reply.text
    assert reply.callback_data[0] == "t:symptoms"


async def test_urgent_symptoms_get_emergency_guidance_first(bot: Bot) -> None:
    replies = await bot.say(17, "I had my infusion and now I can't breathe and my chest hurts")
    assert "emergency" in replies[0].text.lower()
    assert await bot.silent(17)


async def test_personal_decisions_are_not_advised(bot: Bot) -> None:
    [reply] = await bot.say(18, "should I stop taking my medicine?")
    assert "care team" in reply.text.lower() or "rheumatologist" in reply.text.lower()


async def test_unknown_command(bot: Bot) -> None:
    [reply] = await bot.say(19, "/frobnicate")
    assert "do not know that command" in reply.text


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location", "contact", "document"])
async def test_non_text_messages_get_a_helpful_reply(bot: Bot, kind: str) -> None:
    sender = getattr(bot.sandbox, f"send_{kind}")
    args: dict[str, Any] = {
        "location": {"latitude": 52.5, "longitude": 13.4},
        "contact": {"phone_number": "+15550100", "first_name": "Ann"},
    }.get(kind, {})
    await sender(20, **args)
    [reply] = await bot.sandbox.wait_for(20)
    assert "only read text" in reply.text
    assert reply.buttons


@pytest.mark.parametrize(
    "text",
    [
        "x" * 4000,
        "<script>alert('hi')</script> & <b>",
        "😀😀😀",
        "ما هو الذئبة",
        "狼疮是什么",
        "   ",
        "*bold* _it_ `code` [a](b)",
    ],
)
async def test_odd_text_gets_a_reply_and_valid_html(bot: Bot, text: str) -> None:
    await bot.sandbox.send_message(21, text)
    replies = await bot.sandbox.wait_for(21)
    assert replies[0].text


async def test_long_text_is_read_only_in_part_but_safety_reads_all(bot: Bot) -> None:
    replies = await bot.say(22, "blah " * 700 + "I have chest pain right now")
    assert "emergency" in replies[0].text.lower()


async def test_edited_message_is_answered_like_a_new_one(bot: Bot, catalog: Catalog) -> None:
    message = await bot.sandbox.send_message(23, "hello there")
    await bot.sandbox.wait_for(23)
    await bot.sandbox.edit_message(23, message["message_id"], "how does the therapy work")
    [intro] = await bot.sandbox.wait_for(23)
    therapy = catalog.topic("therapy")
    assert therapy is not None and therapy.title in intro.text


async def test_groups_answer_only_what_is_addressed_to_the_bot(bot: Bot) -> None:
    group = -500
    await bot.sandbox.add_bot_to_group(group)
    name = bot.sandbox.bot_username
    await bot.sandbox.send_message(group, "/start@some_other_bot")
    assert await bot.silent(group)
    [reply] = await bot.say(group, f"/therapy@{name}")
    assert reply.text.startswith("How")
    [intro] = await bot.say(group, f"@{name} is it safe?")
    assert "side effects" in intro.text.lower()
    await bot.sandbox.send_sticker(group)
    assert await bot.silent(group)


async def test_group_without_privacy_ignores_chatter(catalog: Catalog) -> None:
    async with BotApiSandbox(group_privacy=False) as sandbox:
        settings = load_settings(
            {"TELEGRAM_BOT_TOKEN": sandbox.token, "TELEGRAM_API_URL": sandbox.url}
        )
        application = build_application(settings, catalog)
        await start(application)
        try:
            await sandbox.add_bot_to_group(-600)
            await sandbox.send_message(-600, "is it safe? asking for my aunt")
            bot = Bot(sandbox, application)
            assert await bot.silent(-600)
        finally:
            await stop(application)


async def test_blocked_user_does_not_stop_the_bot(bot: Bot) -> None:
    bot.sandbox.block_chat(30, notify=True)
    await bot.sandbox.send_message(30, "/start")
    await bot.sandbox.wait_for_call(lambda c: c.error_code == 403)
    [reply] = await bot.say(31, "/start")
    assert reply.buttons


async def test_flood_control_429_is_waited_out_and_retried(bot: Bot) -> None:
    bot.sandbox.fail_next("sendMessage", 429, retry_after=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    [reply] = await bot.say(32, "/start")
    assert reply.buttons
    assert loop.time() - started >= 0.9
    assert len(bot.sandbox.errors(429)) == 1


async def test_server_errors_are_retried(bot: Bot) -> None:
    bot.sandbox.fail_next("sendMessage", 502)
    [reply] = await bot.say(33, "/help")
    assert reply.buttons
    assert len(bot.sandbox.errors(502)) == 1


@pytest.mark.slow
async def test_one_user_cannot_flood_the_bot(catalog: Catalog) -> None:
    async for bot in running(catalog, flood=FloodGate(limit=5, window_seconds=60)):
        for i in range(12):
            await bot.sandbox.send_message(34, f"/help {i}")
        replies = await bot.sandbox.wait_for(34, count=6)
        assert sum("very fast" in r.text for r in replies) == 1
        assert await bot.silent(34, 0.6)
        [other] = await bot.say(35, "/help")
        assert other.buttons


@pytest.mark.slow
async def test_random_updates_always_get_valid_answers(bot: Bot) -> None:
    """A seeded stream of random texts, media, edits and button presses."""
    rng = random.Random(1234)
    alphabet = "abc xyz?!<>&*_`[]()/\n😀é狼"
    for i in range(60):
        chat = 40 + i % 5
        action = rng.choice(["text", "command", "sticker", "button", "edit"])
        if action == "text":
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 300)))
            await bot.sandbox.send_message(chat, text if text.strip() else "x")
        elif action == "command":
            await bot.sandbox.send_message(chat, "/" + rng.choice([*TOPICS, "start", "zzz"]))
        elif action == "sticker":
            await bot.sandbox.send_sticker(chat)
        elif action == "button":
            data = rng.choice(["menu", "t:study", "t:nope", "x" * 64, ""]) or "?"
            await bot.sandbox.press_button(chat, 1, data, check=False)
        else:
            sent = await bot.sandbox.send_message(chat, "hello")
            await bot.sandbox.wait_for(chat)
            await bot.sandbox.edit_message(chat, sent["message_id"], "what is lupus")
        await bot.sandbox.wait_for(chat, timeout=5)
        await asyncio.sleep(0)
    await asyncio.sleep(0.3)
    assert bot.sandbox.unanswered_callback_queries() == []
    assert not bot.sandbox.errors(400)


async def test_no_token_and_no_message_text_in_logs(catalog: Catalog) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    try:
        async with BotApiSandbox() as sandbox:
            setup_logging(logging.INFO, (sandbox.token,))
            # Even if someone turns the HTTP client's request log back on, the token is redacted.
            logging.getLogger("httpx").setLevel(logging.DEBUG)
            settings = load_settings(
                {"TELEGRAM_BOT_TOKEN": sandbox.token, "TELEGRAM_API_URL": sandbox.url}
            )
            application = build_application(settings, catalog)
            await start(application)
            try:
                await sandbox.send_message(50, "my private worry about kidneys zebra")
                await sandbox.wait_for(50, count=1)
            finally:
                await stop(application)
            token = sandbox.token
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        logging.getLogger("httpx").setLevel(logging.WARNING)
    output = stream.getvalue()
    assert "HTTP Request" in output  # the request log did run ...
    assert token not in output  # ... with the token redacted
    assert token.split(":")[1] not in output
    assert "zebra" not in output
    assert "<redacted>" in output


@pytest.mark.slow
def test_catalog_rejects_files_with_lint_errors(tmp_path: Path) -> None:
    import shutil

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    broken = content / "07-broken.md"
    broken.write_text(
        (ROOT / "content" / "01-symptoms.md")
        .read_text()
        .replace("command: symptoms", "command: broken")
        .replace("sources:", 'sources:\n  - "a quote that is not in the article"')
    )
    catalog = build_catalog(content, seeds_dir=ROOT / "seeds")
    assert broken in catalog.rejected
    assert catalog.topic("broken") is None
    assert catalog.topic("symptoms") is not None
