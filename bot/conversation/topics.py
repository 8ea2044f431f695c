"""What the bot answers, as plain functions of the catalog: no Telegram objects here.

Order matters for safety: a typed message is triaged first (urgent symptoms, crisis,
personal decisions), and only then routed to a topic. When the router is not confident,
the bot says so and shows the menu instead of guessing.
"""

from __future__ import annotations

from bot.knowledge.catalog import Catalog, Topic
from bot.knowledge.language import detect
from bot.knowledge.outgoing import (
    CHECK_PREFIX,
    DIGEST_PREFIX,
    HELPFUL_PREFIX,
    LANGUAGE_PREFIX,
    MENU_DATA,
    TOPIC_PREFIX,
    Button,
    OutMessage,
    Reply,
)
from bot.knowledge.triage import TriageRules, Verdict, triage
from bot.text.render import MAX_MESSAGE_CHARS, escape, visible_length

#: Longest text we read; Telegram allows 4,096, and routing needs far less.
MAX_TEXT = 1000


def menu_buttons(catalog: Catalog) -> tuple[tuple[Button, ...], ...]:
    """One topic per row: titles are short, and phones are narrow."""
    return tuple((Button(t.title, TOPIC_PREFIX + t.command),) for t in catalog.topics)


def _with_menu(catalog: Catalog, html: str) -> OutMessage:
    return OutMessage(html, menu_buttons(catalog))


def topic_messages(catalog: Catalog, topic: Topic, intro: str | None = None) -> list[OutMessage]:
    """The explainer, with buttons to go on (next topic, all topics) under its last part."""
    nav: list[Button] = []
    following = catalog.next_topic(topic.command)
    if following is not None:
        nav.append(
            Button(
                catalog.messages.raw("next_button", title=following.title),
                TOPIC_PREFIX + following.command,
            )
        )
    nav.append(Button(catalog.messages.get("menu_button"), MENU_DATA))
    parts = list(topic.parts)
    if topic.untranslated:  # served in the base language: say so first
        note = catalog.messages.get("untranslated")
        intro = f"{intro}\n\n{note}" if intro else note
    messages: list[OutMessage] = []
    if intro:
        # One message reads better on a phone (and costs one request) when it fits.
        joined = f"{intro}\n\n{parts[0]}"
        if visible_length(joined) <= MAX_MESSAGE_CHARS:
            parts[0] = joined
        else:
            messages.append(OutMessage(intro))
    messages.extend(OutMessage(part) for part in parts[:-1])
    rows: tuple[tuple[Button, ...], ...] = (tuple(nav),)
    if topic.check is not None and not topic.untranslated:
        # Always optional: a button under the navigation, never a question pushed at you.
        check = Button(
            catalog.messages.get("check_button"), f"{CHECK_PREFIX}{catalog.language}:{topic.key}"
        )
        rows = (*rows, (check,))
    messages.append(OutMessage(parts[-1], rows))
    return messages


def language_buttons(catalog: Catalog, *, others_only: bool) -> tuple[Button, ...]:
    """One button per language, each named in its own language ("Español", "English")."""
    return tuple(
        Button(other.messages.get("language_name"), LANGUAGE_PREFIX + code)
        for code, other in sorted(catalog.languages.items())
        if not (others_only and code == catalog.language)
    )


def welcome(catalog: Catalog, first_name: str | None) -> Reply:
    name = (first_name or "").strip()[:64] or catalog.messages.get("welcome_no_name")
    text = catalog.messages.get("welcome", name=name)
    rows = menu_buttons(catalog)
    switch = language_buttons(catalog, others_only=True)
    return Reply((OutMessage(text, (*rows, switch) if switch else rows),), "welcome")


def language_choice(catalog: Catalog) -> Reply:
    """/language: every language as a button."""
    buttons = language_buttons(catalog, others_only=False)
    return Reply((OutMessage(catalog.messages.get("language_ask"), (buttons,)),), "language")


def language_set(catalog: Catalog) -> Reply:
    """After a language button: said in the new language, with its menu."""
    return Reply((_with_menu(catalog, catalog.messages.get("language_set")),), "language_set")


def with_language_offer(catalog: Catalog, answer: Reply) -> Reply:
    """An answer in the language the person wrote in, and a one-tap offer to keep it."""
    button = Button(
        catalog.messages.get("language_offer_button"), LANGUAGE_PREFIX + catalog.language
    )
    offer = OutMessage(catalog.messages.get("language_offer"), ((button,),))
    extra = {**answer.extra, "language": catalog.language}
    return Reply((*answer.messages, offer), answer.kind, answer.topic, extra)


def help_reply(catalog: Catalog) -> Reply:
    commands = "\n".join(f"/{t.command} – {escape(t.title)}" for t in catalog.topics)
    text = catalog.messages.raw("help", commands=commands)
    return Reply((_with_menu(catalog, text),), "help")


def menu(catalog: Catalog) -> Reply:
    return Reply((_with_menu(catalog, catalog.messages.get("topics")),), "menu")


def topic_reply(catalog: Catalog, command: str) -> Reply | None:
    topic = catalog.topic(command)
    if topic is None:
        return None
    return Reply(tuple(topic_messages(catalog, topic)), "topic", topic.key)


def for_command(catalog: Catalog, command: str) -> Reply:
    """A /command that is not one of the bot's own (``bot.commands``): a topic from the
    content, or the unknown-command answer with the menu."""
    reply = topic_reply(catalog, command.lower())
    if reply is not None:
        return reply
    return Reply((_with_menu(catalog, catalog.messages.get("unknown_command")),), "unknown_command")


def for_text(catalog: Catalog, text: str) -> Reply:
    """A typed message: safety first, then the best topic, or an honest "not sure"."""
    cleaned = text.strip()
    if not cleaned:
        return Reply((_with_menu(catalog, catalog.messages.get("empty")),), "empty")
    truncated = len(cleaned) > MAX_TEXT
    # Triage reads the whole message: an urgent line at the end must not be missed.
    verdict = _triage(cleaned, catalog)
    if verdict is not None:
        return Reply((OutMessage(verdict.reply),), verdict.kind, extra={"rule": verdict.rule_id})
    chat = catalog.smalltalk.kind(cleaned)
    if chat is not None:
        return Reply((_with_menu(catalog, catalog.messages.get(f"smalltalk_{chat}")),), chat)
    result = catalog.router.route(cleaned[:MAX_TEXT])
    prefix = [OutMessage(catalog.messages.get("too_long"))] if truncated else []
    if result.offers:
        return Reply(
            (*prefix, did_you_mean(catalog, result.offers)),
            "did_you_mean",
            extra={"options": ",".join(_keys(catalog, result.offers))},
        )
    if result.command is None or not result.confident:
        messages = (*prefix, _with_menu(catalog, catalog.messages.get("not_sure")))
        return Reply(messages, "not_sure")
    topic = catalog.topic(result.command)
    if topic is None:  # the router and the catalog are built together; this is a bug
        return Reply((*prefix, _with_menu(catalog, catalog.messages.get("not_sure"))), "not_sure")
    intro = catalog.messages.get("routed", title=topic.title)
    runner_up = catalog.topic(result.runner_up) if result.runner_up else None
    ask = helpful_question(catalog, topic, runner_up)
    return Reply((*prefix, *topic_messages(catalog, topic, intro), ask), "routed", topic.key)


def helpful_question(catalog: Catalog, topic: Topic, runner_up: Topic | None) -> OutMessage:
    """ "Did this answer your question?" with Yes / No, naming the answer's language and
    topic key; "No" carries the next-best topic's key too, so any replica can offer it
    (callback data stays well under Telegram's 64 bytes)."""
    about = f"{catalog.language}:{topic.key}"
    no = f"{HELPFUL_PREFIX}n:{about}"
    if runner_up is not None and runner_up.key != topic.key:
        no += f":{runner_up.key}"
    buttons = (
        Button(catalog.messages.get("helpful_yes_button"), f"{HELPFUL_PREFIX}y:{about}"),
        Button(catalog.messages.get("helpful_no_button"), no),
    )
    return OutMessage(catalog.messages.get("helpful_ask"), (buttons,))


def safety_first(catalog: Catalog, text: str) -> Reply | None:
    """The emergency or crisis reply when the message needs one (the kinds the safety file
    marks ``urgent``), else None. Read before flood control and before anything that
    waits on the database, so nothing can hold it back.

    A message clearly written in one language is read by that language's rules ("no puedo
    respirar" from a phone set to English gets the Spanish emergency reply, in Spanish);
    one that is not clearly in any (short, mixed) by every language's, the reader's first."""
    cleaned = text.strip()
    if not cleaned:
        return None
    for language in _safety_order(catalog, cleaned):
        verdict = _triage(cleaned, language)
        if verdict is not None and verdict.kind in language.safety.urgent_kinds:
            return Reply(
                (OutMessage(verdict.reply),),
                verdict.kind,
                extra={"rule": verdict.rule_id, "language": language.language},
            )
    return None


def _keys(catalog: Catalog, commands: tuple[str, ...]) -> list[str]:
    """Topic commands as language-neutral keys (for counting and measuring)."""
    return [t.key if (t := catalog.topic(c)) is not None else c for c in commands]


def answer(catalog: Catalog, text: str, *, safety_read: bool = False) -> Reply:
    """What the bot answers a typed message, every step that needs no database: safety in
    every language (unless ``safety_read``: the handlers' gate did it already), then, for a
    message clearly in another language, the answer in that language with an offer to
    switch; else ``for_text`` in the reader's language."""
    first = None if safety_read else safety_first(catalog, text)
    if first is not None:
        return first
    written = detect(text, catalog.languages)
    if written is not None and written != catalog.language:
        other = catalog.in_language(written)
        return with_language_offer(other, for_text(other, text))
    return for_text(catalog, text)


#: The last messages' verdicts, by (rules, text): the gate reads a message for safety, then
#: the text handler reads it again for the other kinds; the second read is free.
_RECENT: dict[tuple[int, str], tuple[TriageRules, Verdict | None]] = {}


def _triage(text: str, catalog: Catalog) -> Verdict | None:
    key = (id(catalog.safety), text)
    kept = _RECENT.get(key)
    if kept is not None and kept[0] is catalog.safety:
        return kept[1]
    verdict = triage(text, catalog.safety, catalog.language)
    if len(_RECENT) >= 256:
        _RECENT.pop(next(iter(_RECENT)))
    _RECENT[key] = (catalog.safety, verdict)
    return verdict


def _safety_order(catalog: Catalog, text: str) -> list[Catalog]:
    """The languages whose safety rules read a message: only the one it is clearly written
    in, else the reader's first and then every other (a short or mixed message)."""
    written = detect(text, catalog.languages)
    if written is not None:
        return [catalog.in_language(written)]
    return [catalog, *catalog.translations.values()]


def did_you_mean(catalog: Catalog, commands: tuple[str, ...]) -> OutMessage:
    """The close topics as buttons, each on its own row, then "All topics"."""
    offered = [t for c in commands if (t := catalog.topic(c)) is not None]
    rows = tuple((Button(t.title, TOPIC_PREFIX + t.command),) for t in offered)
    menu_row = (Button(catalog.messages.get("menu_button"), MENU_DATA),)
    return OutMessage(catalog.messages.get("did_you_mean"), (*rows, menu_row))


def for_callback(catalog: Catalog, data: str | None) -> Reply:
    """A button press; stale or unknown buttons (old menus, removed topics) get the menu."""
    if data == MENU_DATA:
        return menu(catalog)
    if data and data.startswith(TOPIC_PREFIX):
        reply = topic_reply(catalog, data[len(TOPIC_PREFIX) :])
        if reply is not None:
            return reply
    if data and data.startswith(DIGEST_PREFIX):  # a digest's "read it all": counted as a read
        reply = topic_reply(catalog, data[len(DIGEST_PREFIX) :])
        if reply is not None:
            return Reply(reply.messages, "digest_read", reply.topic)
    return Reply((_with_menu(catalog, catalog.messages.get("not_sure")),), "stale_button")


def unsupported(catalog: Catalog) -> Reply:
    return Reply((_with_menu(catalog, catalog.messages.get("unsupported")),), "unsupported")


def slow_down(catalog: Catalog) -> Reply:
    return Reply((OutMessage(catalog.messages.get("slow_down")),), "flood")
