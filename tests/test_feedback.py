"""Reader feedback: events counted without ids, "Did this answer your question?", retention."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import inspect

from bot.conversation import feedback, quiz, report
from bot.conversation import topics as replies
from bot.devtools.sandbox import BotApiSandbox, SentMessage
from bot.knowledge.catalog import Catalog, build_catalog
from bot.settings import ConfigError, load_settings
from bot.storage.database import Database
from bot.storage.events import EventTotal, UnknownEvent
from bot.storage.schema import EVENT_KINDS
from bot.telegram.app import build_application, start, stop
from bot.telegram.flood import FloodGate
from bot.telegram.handlers import purge_reader_events
from bot.telegram.state import BotApplication
from bot.text.telegram_html import parse_html

from .conftest import ROOT
from .dbs import DATABASES, database_url

NOW = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)  # a Wednesday
TOKEN = "123456:" + "A" * 35
ADMIN = 900
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return build_catalog(ROOT / "content", seeds_dir=ROOT / "seeds")


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database_url(request.param, tmp_path) as url:
        db = Database(url)
        db.migrate()
        yield db
        db.close()


# --- storage -----------------------------------------------------------------------------


def test_events_are_counted_per_topic_language_and_kind_without_ids(database: Database) -> None:
    database.record_event("view_command", "symptoms", "en", NOW)
    database.record_event("view_command", "symptoms", "en", NOW + timedelta(minutes=5))
    database.record_event("view_command", "symptoms", "es", NOW)
    database.record_events(
        [("helpful_yes", "therapy", "en", 2), ("helpful_yes", "therapy", "en", 1)], NOW
    )
    database.record_event("not_sure", None, "en", NOW)
    totals = set(database.event_totals(NOW - timedelta(days=1)))
    assert totals == {
        EventTotal("symptoms", "en", "view_command", 2),
        EventTotal("symptoms", "es", "view_command", 1),
        EventTotal("therapy", "en", "helpful_yes", 3),
        EventTotal("", "en", "not_sure", 1),
    }
    with database.engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("reader_events")}
    assert columns == {"hour", "kind", "topic", "language", "total"}
    with pytest.raises(UnknownEvent):
        database.record_event("chat_id_12345", "symptoms", "en", NOW)


def test_weekly_totals_start_on_monday(database: Database) -> None:
    database.record_event("view_button", "study", "en", NOW)  # Wednesday 25 November
    database.record_event("view_button", "study", "en", NOW - timedelta(days=2))  # Monday
    database.record_event("view_button", "study", "en", NOW - timedelta(days=3))  # Sunday
    weeks = database.weekly_events(NOW - timedelta(days=30))
    assert weeks == {(date(2026, 11, 23), "view_button"): 2, (date(2026, 11, 16), "view_button"): 1}


def test_retention_purges_events_older_than_the_setting(database: Database) -> None:
    keep = timedelta(days=load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}).reader_events_days)
    assert keep == timedelta(days=90)
    database.record_event("view_routed", "caveats", "en", NOW - timedelta(days=91))
    database.record_event("view_routed", "caveats", "en", NOW - timedelta(days=89))
    assert database.purge_events(NOW, keep) == 1
    assert database.event_totals(NOW - timedelta(days=400)) == [
        EventTotal("caveats", "en", "view_routed", 1)
    ]
    assert database.purge_events(NOW, keep) == 0


def test_the_retention_setting_is_checked() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN}
    assert load_settings({**env, "READER_EVENTS_DAYS": "30"}).reader_events_days == 30
    for bad in ("0", "1.5", "many", "100000"):
        with pytest.raises(ConfigError, match="READER_EVENTS_DAYS"):
            load_settings({**env, "READER_EVENTS_DAYS": bad})


# --- the plain functions -----------------------------------------------------------------


def test_every_routed_answer_asks_whether_it_helped_in_both_languages(catalog: Catalog) -> None:
    for language, question in (
        ("en", "how does the treatment work"),
        ("es", "¿cómo funciona el tratamiento?"),
    ):
        reader = catalog.in_language(language)
        answer = replies.for_text(reader, question)
        assert answer.kind == "routed", question
        ask = answer.messages[-1]
        assert ask.html == reader.messages.get("helpful_ask")
        yes, no = ask.buttons[0]
        assert yes.callback_data == f"h:y:{language}:{answer.topic}"
        assert no.callback_data.startswith(f"h:n:{language}:{answer.topic}:")
    for reader in (catalog, catalog.in_language("es")):
        for topic in reader.topics:
            for other in reader.topics:
                ask = replies.helpful_question(reader, topic, other)
                for button in ask.buttons[0]:
                    assert len(button.callback_data.encode()) <= 64


def test_yes_thanks_and_no_offers_the_next_best_and_the_menu(catalog: Catalog) -> None:
    thanks = feedback.pressed(catalog, "h:y:en:therapy")
    assert (thanks.kind, thanks.topic) == ("helpful_yes", "therapy")
    assert thanks.messages[0].html == catalog.messages.get("helpful_thanks")
    sorry = feedback.pressed(catalog, "h:n:en:therapy:study")
    assert (sorry.kind, sorry.topic) == ("helpful_no", "therapy")
    data = [b.callback_data for row in sorry.messages[0].buttons for b in row]
    assert data[0] == "t:study" and data[-1] == "menu" and "t:therapy" not in data
    spanish = feedback.pressed(catalog, "h:n:es:therapy:study")  # an English reader's phone
    assert spanish.messages[0].html == catalog.in_language("es").messages.get("helpful_sorry")
    first = spanish.messages[0].buttons[0][0]
    assert first.callback_data == "t:estudio"
    stale_buttons = ("h:", "h:y:", "h:x:en:therapy", "h:y:en:nope", "h:y:xx:therapy")
    for stale in (*stale_buttons, "h:y:en:therapy:study", "h:y:therapy"):
        assert feedback.pressed(catalog, stale).kind == "menu"


def test_answers_count_as_their_events(catalog: Catalog) -> None:
    topic = replies.for_command(catalog, "symptoms")
    assert feedback.event_of(topic, from_command=True) == ("view_command", "symptoms")
    assert feedback.event_of(topic) == ("view_button", "symptoms")
    read = replies.for_callback(catalog, "d:symptoms")
    assert feedback.event_of(read) == ("digest_read", "symptoms")
    assert feedback.event_of(replies.menu(catalog)) is None
    for kind in ("view_command", "view_button", "view_routed", "digest_read", "not_sure"):
        assert kind in EVENT_KINDS


# --- end to end --------------------------------------------------------------------------


class Running:
    def __init__(
        self, sandbox: BotApiSandbox, application: BotApplication, database: Database
    ) -> None:
        self.sandbox = sandbox
        self.application = application
        self.database = database

    async def say_all(self, chat: int, text_: str) -> list[SentMessage]:
        await self.sandbox.send_message(chat, text_)
        return await self._rest(chat)

    async def press_all(self, message: SentMessage, data: str) -> list[SentMessage]:
        await self.sandbox.press_button(message.chat_id, message.message_id, data)
        return await self._rest(message.chat_id)

    async def _rest(self, chat: int) -> list[SentMessage]:
        answer = await self.sandbox.wait_for(chat, timeout=10.0)
        while True:
            try:
                answer += await self.sandbox.wait_for(chat, timeout=0.5)
            except TimeoutError:
                return answer

    async def totals(self, expected: int) -> dict[tuple[str, str, str], int]:
        """The stored totals, once ``expected`` events are in (they are written behind)."""
        for _ in range(100):
            rows = self.database.event_totals(datetime.now(UTC) - timedelta(days=1))
            if sum(r.total for r in rows) >= expected:
                return {(r.kind, r.topic, r.language): r.total for r in rows}
            await asyncio.sleep(0.05)
        raise AssertionError(f"fewer than {expected} events stored")


@pytest.fixture
async def running(
    tmp_path: Path, database: Database, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Running]:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    catalog = build_catalog(tmp_path / "content")
    async with BotApiSandbox() as sandbox:
        settings = load_settings(
            {
                "TELEGRAM_BOT_TOKEN": sandbox.token,
                "TELEGRAM_API_URL": sandbox.url,
                "CONTENT_DIR": str(tmp_path / "content"),
                "ADMIN_CHAT_IDS": str(ADMIN),
            }
        )
        application = build_application(
            settings, catalog, flood=FloodGate(limit=10_000), database=database, tick=False
        )
        await start(application)
        try:
            yield Running(sandbox, application, database)
        finally:
            await stop(application)


@pytest.mark.slow
async def test_helpful_yes_and_no_end_to_end_are_counted_and_the_no_question_kept(
    running: Running,
) -> None:
    answer = await running.say_all(501, "how does the treatment work")
    ask = answer[-1]
    assert ask.text == "Did this answer your question?"
    yes, no = ask.callback_data
    assert yes.startswith("h:y:en:") and no.startswith("h:n:en:")
    topic = yes.split(":")[3]
    [thanks] = await running.press_all(ask, yes)
    assert thanks.text.startswith("Thank you!")

    answer = await running.say_all(502, "how does the treatment work, my number is 555-123-4567")
    [sorry] = await running.press_all(answer[-1], answer[-1].callback_data[1])
    assert sorry.text.startswith("Sorry about that.")
    assert sorry.callback_data[-1] == "menu" and f"t:{topic}" not in sorry.callback_data

    spanish = await running.say_all(503, "¿cómo funciona el tratamiento?")
    ask_es = next(m for m in spanish if m.text == "¿Esto respondió su pregunta?")
    [gracias] = await running.press_all(ask_es, ask_es.callback_data[0])
    assert gracias.text.startswith("¡Gracias!")

    await running.say_all(504, "/symptoms")
    totals = await running.totals(7)
    assert totals == {
        ("view_routed", topic, "en"): 2,
        ("helpful_yes", topic, "en"): 1,
        ("helpful_no", topic, "en"): 1,
        ("view_routed", topic, "es"): 1,
        ("helpful_yes", topic, "es"): 1,
        ("view_command", "symptoms", "en"): 1,
    }
    for _ in range(100):
        if running.database.top_unsure():
            break
        await asyncio.sleep(0.05)
    assert running.database.top_unsure() == [
        ("how does the treatment work, my number is <number>", 1)
    ]


@pytest.mark.slow
async def test_the_purge_job_forgets_old_events_through_the_background_lane(
    running: Running,
) -> None:
    now = datetime.now(UTC)
    running.database.record_event("view_button", "study", "en", now - timedelta(days=91))
    running.database.record_event("view_button", "study", "en", now)
    await purge_reader_events(SimpleNamespace(bot_data=running.application.bot_data))  # type: ignore[arg-type]
    for _ in range(100):
        if sum(t.total for t in running.database.event_totals(now - timedelta(days=400))) == 1:
            break
        await asyncio.sleep(0.05)
    assert running.database.event_totals(now - timedelta(days=400)) == [
        EventTotal("study", "en", "view_button", 1)
    ]


# --- the report --------------------------------------------------------------------------


def test_since_is_read_with_an_example_when_wrong() -> None:
    assert report.parse_since("30d") == timedelta(days=30)
    assert report.parse_since(" 12W ") == timedelta(weeks=12)
    assert report.parse_since("48h") == timedelta(hours=48)
    for bad in ("", "0d", "30", "d", "3 months", "-1d"):
        with pytest.raises(ValueError, match="like 30d"):
            report.parse_since(bad)


def stored_report(database: Database, catalog: Catalog) -> report.Report:
    """A few weeks of made-up events, and some unanswered questions."""
    for week in range(4):
        at = NOW - timedelta(weeks=week)
        database.record_events(
            [
                ("view_command", "symptoms", "en", 10 + week),
                ("view_button", "therapy", "en", 4),
                ("view_routed", "therapy", "en", 6),
                ("view_routed", "therapy", "es", 3),
                ("digest_read", "study", "es", 2),
                ("helpful_yes", "therapy", "en", 5),
                ("helpful_no", "therapy", "en", 1),
                ("helpful_no", "therapy", "es", 2),
                ("not_sure", None, "en", 2),
                ("not_sure", None, "es", 1),
            ],
            at,
        )
    database.record_unsure("what about <b>children</b> & teens?", NOW)
    database.record_unsure("What about <b>children</b> & teens?", NOW)
    database.record_unsure("mail me at someone@example.org", NOW)
    return report.collect(database, catalog, NOW, timedelta(days=30))


def test_the_report_adds_up_and_groups_the_unanswered(database: Database, catalog: Catalog) -> None:
    figures = stored_report(database, catalog)
    assert report.headline(figures) == {
        "views": 4 * (4 + 6 + 3 + 2) + 10 + 11 + 12 + 13,
        "yes": 20,
        "no": 12,
        "right_first": 0,
        "not_sure": 12,
    }
    assert figures.not_sure_rate("en") == pytest.approx(8 / (8 + 24))
    assert [(r.topic, r.language) for r in figures.rows] == [
        ("symptoms", "en"),
        ("therapy", "en"),
        ("therapy", "es"),
        ("study", "es"),
    ]
    assert figures.rows[2].title == catalog.in_language("es").by_key("therapy").title  # type: ignore[union-attr]
    assert figures.unanswered == [
        ("what about <b>children</b> & teens?", 2),
        ("mail me at <email>", 1),
    ]
    assert [monday for monday, _ in figures.week_list()] == [
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
        date(2026, 11, 23),
    ]
    page = report.render_html(figures)
    assert "<script" not in page.lower() and "http://" not in page and "https://" not in page
    assert "&lt;b&gt;children&lt;/b&gt; &amp; teens?" in page


def test_report_command_prints_and_writes_html(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalog: Catalog
) -> None:
    from bot.__main__ import main

    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    database = Database(url)
    database.migrate()
    database.record_event("view_command", "symptoms", "en", datetime.now(UTC))
    database.close()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CONTENT_DIR", str(ROOT / "content"))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(ROOT)
    assert main(["report", "--since", "7d", "--html", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "index.html").read_text()
    assert 'data-topic="symptoms"' in page
    assert main(["report", "--since", "a week"]) == 2


@pytest.mark.browser
def test_the_html_report_in_chromium(tmp_path: Path, catalog: Catalog) -> None:
    from .browser import dump_dom, require_chromium, screenshot

    chromium = require_chromium()
    database = Database(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    database.migrate()
    figures = stored_report(database, catalog)
    database.close()
    page = report.write_html(figures, tmp_path / "site")
    dom = dump_dom(chromium, page)
    assert "<script" not in dom
    assert re.search(r'data-figure="views"><b>106</b>', dom)
    row = re.search(r'<tr data-topic="therapy" data-language="en">(.*?)</tr>', dom, re.S)
    assert row is not None and 'data-kind="helpful_yes">20<' in row.group(1)
    png = screenshot(chromium, page, ARTIFACTS / "reader-report.png", size="1280,1400")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000


# --- the quick check ---------------------------------------------------------------------


def test_every_explainer_has_a_quick_check_in_both_languages(catalog: Catalog) -> None:
    for reader in (catalog, catalog.in_language("es")):
        for topic in reader.topics:
            assert topic.check is not None, (reader.language, topic.key)
            last = replies.topic_reply(reader, topic.command)
            assert last is not None
            data = [b.callback_data for row in last.messages[-1].buttons for b in row]
            assert data[-1] == f"c:{reader.language}:{topic.key}"


def test_the_quick_check_right_and_wrong(catalog: Catalog) -> None:
    asked = quiz.pressed(catalog, "c:en:therapy")
    assert asked.kind == "check_asked" and asked.messages[0].html == "What is CAR-T made from?"
    answers = [row[0].callback_data for row in asked.messages[0].buttons]
    assert answers == ["c:en:therapy:1", "c:en:therapy:2", "c:en:therapy:3"]
    right = quiz.pressed(catalog, "c:en:therapy:2", first_try=True)
    assert right.kind == "check_right_first"
    assert right.messages[0].html.startswith("Yes, that is right. A lab trains")
    assert quiz.pressed(catalog, "c:en:therapy:2").kind == "check_right"
    wrong = quiz.pressed(catalog, "c:en:therapy:1", first_try=True)
    assert wrong.kind == "check_wrong"
    assert "the answer is <b>Your own T cells</b>" in wrong.messages[0].html
    assert "The therapy employs your body’s own T-cells" in wrong.messages[0].html
    # The explainer's own sentence that says it, from the explainer's text.
    topic = catalog.by_key("therapy")
    assert topic is not None and topic.check_sentence
    assert f"The explainer says: “{topic.check_sentence}”" in wrong.messages[0].html
    assert topic.check_sentence in parse_html("\n".join(topic.parts)).text
    assert "wrong" not in wrong.messages[0].html.lower() and "score" not in wrong.messages[0].html
    spanish = quiz.pressed(catalog, "c:es:therapy:1")
    assert "la respuesta es <b>Con sus propios linfocitos T</b>" in spanish.messages[0].html
    for stale in ("c:", "c:en:nope", "c:xx:therapy", "c:en:therapy:0", "c:en:therapy:9", "c:en"):
        assert quiz.pressed(catalog, stale).kind == "menu", stale
    assert feedback.event_of(right) == ("check_right_first", "therapy")
    assert feedback.event_of(wrong) == ("check_wrong", "therapy")
    assert feedback.event_of(quiz.pressed(catalog, "c:en:therapy:2")) is None


@pytest.mark.slow
async def test_the_quick_check_end_to_end_right_first_and_wrong_in_both_languages(
    running: Running,
) -> None:
    [explainer] = await running.say_all(601, "/therapy")
    [question] = await running.press_all(explainer, "c:en:therapy")
    assert question.text == "What is CAR-T made from?"
    [wrong] = await running.press_all(question, "c:en:therapy:1")
    assert wrong.text.startswith("Not quite, and that is fine: the answer is Your own T cells.")
    [right] = await running.press_all(question, "c:en:therapy:2")  # a second try: not counted
    assert right.text.startswith("Yes, that is right.")

    [explainer] = await running.say_all(602, "/therapy")
    [question] = await running.press_all(explainer, "c:en:therapy")
    await running.press_all(question, "c:en:therapy:2")

    running.sandbox.add_user(603, language_code="es")
    [explicacion] = await running.say_all(603, "/terapia")
    [pregunta] = await running.press_all(explicacion, "c:es:therapy")
    assert pregunta.text == "¿Con qué se hace el CAR-T?"
    [bien] = await running.press_all(pregunta, "c:es:therapy:2")
    assert bien.text.startswith("Sí, es correcto.")
    [mal] = await running.press_all(pregunta, "c:es:therapy:3")
    assert mal.text.startswith("No exactamente, y no pasa nada")

    totals = await running.totals(3 + 1 + 1 + 1)
    assert {k: v for k, v in totals.items() if k[0].startswith("check")} == {
        ("check_wrong", "therapy", "en"): 1,
        ("check_right_first", "therapy", "en"): 1,
        ("check_right_first", "therapy", "es"): 1,
        ("check_wrong", "therapy", "es"): 1,
    }
    figures = report.collect(
        running.database, running.application.bot_data.catalog, datetime.now(UTC), timedelta(days=1)
    )
    assert report.headline(figures)["right_first"] == 2


@pytest.mark.slow
async def test_privacy_says_feedback_is_only_counted_in_both_languages(running: Running) -> None:
    [english] = await running.say_all(701, "/privacy")
    shown = " ".join(english.text.split())
    assert 'Your "Yes" and "No" answers and the topics you read are only counted' in shown
    running.sandbox.add_user(702, language_code="es")
    [spanish] = await running.say_all(702, "/privacy")
    shown = " ".join(spanish.text.split())
    assert 'Sus respuestas "Sí" y "No" y los temas que lee solo se cuentan' in shown


def test_near_identical_unanswered_questions_are_one_group() -> None:
    grouped = report.group_questions(
        [
            ("is it safe for kids", 5),
            ("is it safe for kids?", 3),
            ("is it saef for kids", 1),
            ("is it safe", 2),
            ("what about the cost", 4),
        ]
    )
    assert grouped == [("is it safe for kids", 9), ("what about the cost", 4), ("is it safe", 2)]
