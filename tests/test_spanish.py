"""A Spanish-speaking reader, end to end: the real bot over HTTP against the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.devtools.sandbox import BotApiSandbox, SentMessage
from bot.digests.fanout import DigestSender, DigestSettings
from bot.knowledge.catalog import Catalog
from bot.knowledge.language import detect, from_code
from bot.settings import load_settings
from bot.storage.database import Database
from bot.telegram.app import build_application, start, stop
from bot.telegram.flood import FloodGate
from bot.telegram.outbox import Pace
from bot.telegram.send import Transport

from .conftest import shipped_catalog

FAST = Pace(per_second=1000, burst=1000)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return shipped_catalog()


def plain(html: str) -> str:
    for tag in ("<b>", "</b>", "<i>", "</i>"):
        html = html.replace(tag, "")
    return html


def says(catalog: Catalog, language: str, key: str) -> str:
    return plain(catalog.in_language(language).messages.get(key))[:30]


def safety(catalog: Catalog, language: str, kind: str) -> str:
    return plain(catalog.in_language(language).safety.kind(kind).reply)[:40]


class Session:
    def __init__(self, sandbox: BotApiSandbox, database: Database) -> None:
        self.sandbox = sandbox
        self.database = database

    async def say(self, chat: int, words: str, count: int = 1) -> list[SentMessage]:
        await self.sandbox.send_message(chat, words)
        return await self.sandbox.wait_for(chat, count=count, timeout=10)

    async def press(self, message: SentMessage, data: str, count: int = 1) -> list[SentMessage]:
        await self.sandbox.press_button(message.chat_id, message.message_id, data)
        return await self.sandbox.wait_for(message.chat_id, count=count, timeout=10)


@pytest.fixture
async def session(catalog: Catalog, tmp_path: Path) -> AsyncIterator[Session]:
    database = Database(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    database.migrate()
    async with BotApiSandbox() as sandbox:
        settings = load_settings(
            {"TELEGRAM_BOT_TOKEN": sandbox.token, "TELEGRAM_API_URL": sandbox.url}
        )
        application = build_application(
            settings,
            catalog,
            database=database,
            flood=FloodGate(limit=10_000),
            tick=False,
            pace=FAST,
        )
        await start(application)
        try:
            yield Session(sandbox, database)
        finally:
            await stop(application)
            database.close()


def test_every_language_puts_the_same_kinds_first(catalog: Catalog) -> None:
    assert set(catalog.languages) == {"en", "es"}
    for language in catalog.languages.values():
        assert language.safety.urgent_kinds == {"urgent", "crisis"}, language.language
        assert not any(t.untranslated for t in language.topics), language.language


def test_language_codes_and_detection() -> None:
    languages = ("en", "es")
    for code in ("es", "es-MX", "es-419", "ES_es"):
        assert from_code(code, languages, "en") == "es"
    for code in ("en", "en-GB", "fr", "pt-BR", "", None):
        assert from_code(code, languages, "en") == "en"
    assert detect("mi esposo tiene fiebre muy alta despues de la infusion", languages) == "es"
    assert detect("how does the car t treatment work", languages) == "en"
    for unclear in ("hola", "ok", "lupus", "car t", "👍", ""):
        assert detect(unclear, languages) is None


async def test_a_spanish_reader_gets_the_bot_in_spanish(session: Session, catalog: Catalog) -> None:
    sandbox = session.sandbox
    sandbox.add_user(300, language_code="es-MX", first_name="Lupe")
    [welcome] = await session.say(300, "/start")
    assert "Lupe" in welcome.text
    assert says(catalog, "es", "welcome_no_name")[:0] == ""  # the key exists in Spanish
    assert "lang:en" in welcome.callback_data
    es = catalog.in_language("es")
    assert welcome.callback_data[: len(es.topics)] == [f"t:{t.command}" for t in es.topics]

    # Safety in Spanish, with Spanish-speaking numbers, accents or not.
    for urgent in ("no puedo respirar", "tiene 39 de fiebre y temblores", "me falta el aire"):
        [reply] = await session.say(300, urgent)
        assert safety(catalog, "es", "urgent") in reply.text, urgent
        assert "911" in reply.text and "112" in reply.text
    [crisis] = await session.say(300, "me quiero morir")
    assert safety(catalog, "es", "crisis") in crisis.text
    assert "988" in crisis.text and "024" in crisis.text

    # The English topic command answers in Spanish, and so does the Spanish one.
    for command in ("/symptoms", f"/{es.topics[0].command}"):
        [explainer] = await session.say(300, command)
        assert explainer.text.startswith(es.topics[0].title), explainer.text[:40]

    # The command menu is registered once per language, and once as the fallback.
    codes = {call.params.get("language_code") for call in sandbox.calls_to("setMyCommands")}
    assert codes == {None, "es"}


async def test_an_english_user_writing_spanish_is_answered_in_spanish_and_may_switch(
    session: Session, catalog: Catalog
) -> None:
    sandbox = session.sandbox
    sandbox.add_user(301, language_code="en")
    [urgent] = await session.say(301, "mi esposo tiene fiebre muy alta despues de la infusion")
    assert safety(catalog, "es", "urgent") in urgent.text

    await sandbox.send_message(301, "como funciona la terapia car t en el lupus")
    [offer] = await sandbox.wait_for(lambda m: "lang:es" in m.callback_data, timeout=10)
    # Sent before the offer: the explainer, then "Did this answer your question?".
    [explainer, helpful] = await sandbox.wait_for(301, count=2)
    assert helpful.text == says(catalog, "es", "helpful_ask")
    therapy = catalog.in_language("es").topic("therapy")
    assert therapy is not None and therapy.title in explainer.text  # answered in Spanish
    assert offer.callback_data == ["lang:es"]
    assert says(catalog, "es", "language_offer") in offer.text
    [done] = await session.press(offer, "lang:es")
    assert says(catalog, "es", "language_set") in done.text
    assert session.database.language(301) == ("es", True)
    [menu] = await session.say(301, "/topics")
    assert menu.callback_data[0] == f"t:{catalog.in_language('es').topics[0].command}"

    # /privacy shows the stored language; /language switches back.
    [shown] = await session.say(301, "/privacy")
    assert "chat_languages" in shown.text and "es" in shown.text
    [ask] = await session.say(301, "/idioma")
    assert set(ask.callback_data) == {"lang:en", "lang:es"}
    [back] = await session.press(ask, "lang:en")
    assert says(catalog, "en", "language_set") in back.text
    [english] = await session.say(301, "/symptoms")
    assert english.text.startswith(catalog.topics[0].title)


async def test_subscribing_in_spanish_words_brings_spanish_digests(
    session: Session, catalog: Catalog
) -> None:
    sandbox = session.sandbox
    sandbox.add_user(302, language_code="es")
    [saved] = await session.say(302, "/subscribe diario 09:00 America/Mexico_City")
    subscription = session.database.get(302)
    assert subscription is not None and subscription.spec.cadence == "daily", saved.text
    [weekly] = await session.say(302, "/subscribe semanal miércoles 18:30 Europe/Madrid")
    subscription = session.database.get(302)
    assert subscription is not None and subscription.spec.weekday == 2, weekly.text
    assert session.database.language(302) == ("es", False)

    # Due now: the real fan-out sends the digest, in Spanish.
    with session.database.engine.begin() as connection:
        connection.execute(
            text("UPDATE subscriptions SET next_due_at = :due WHERE chat_id = 302"),
            {"due": datetime.now(UTC) - timedelta(minutes=1)},
        )
    from telegram import Bot

    bot = Bot(sandbox.token, base_url=f"{sandbox.url}/bot")
    transport = Transport(bot)
    await transport.initialize()
    try:
        sender = DigestSender(
            transport, session.database, catalog, DigestSettings(rate_per_second=100)
        )
        stats = await sender.run_once()
    finally:
        await transport.shutdown()
    assert stats.as_dict()["sent"] == 1
    [digest] = await sandbox.wait_for(302, timeout=10)
    es = catalog.in_language("es")
    assert es.topics[0].title in digest.text
    assert f"d:{es.topics[0].command}" in digest.callback_data
    assert session.database.delivered(302) == {catalog.topics[0].command}

    # And the reader leaves: /deletedata, confirmed in Spanish, removes every row.
    [ask] = await session.say(302, "/deletedata")
    assert says(catalog, "es", "delete_confirm") in ask.text
    yes = next(d for d in ask.callback_data if d.endswith("del:yes"))
    [gone] = await session.press(ask, yes)
    assert says(catalog, "es", "deleted") in gone.text
    assert session.database.get(302) is None and session.database.language(302) is None
    assert session.database.delivered(302) == set()
