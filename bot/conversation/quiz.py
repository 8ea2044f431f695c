"""The quick check after an explainer: one question, two to four answers, always optional.

A right answer gets "yes, because..."; a wrong one a kind correction with the right answer,
the explainer's sentence that says it, and the article's words behind it. Never a score,
never more than one question at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.conversation.topics import menu
from bot.knowledge.catalog import Catalog, Topic
from bot.knowledge.outgoing import CHECK_PREFIX, MENU_DATA, TOPIC_PREFIX, Button, OutMessage, Reply
from bot.text.render import escape


@dataclass(frozen=True)
class CheckPress:
    language: str
    topic: str
    #: The answer chosen (0-based), or None for "ask me the question".
    answer: int | None


def parse(data: str) -> CheckPress | None:
    """``c:<lang>:<key>`` or ``c:<lang>:<key>:<n>`` (n counted from 1); None if malformed."""
    if not data.startswith(CHECK_PREFIX):
        return None
    parts = data[len(CHECK_PREFIX) :].split(":")
    if len(parts) not in (2, 3) or not all(parts):
        return None
    if len(parts) == 3:
        if not parts[2].isdigit() or int(parts[2]) < 1:
            return None
        return CheckPress(parts[0], parts[1], int(parts[2]) - 1)
    return CheckPress(parts[0], parts[1], None)


def _after(catalog: Catalog, topic: Topic) -> tuple[tuple[Button, ...], ...]:
    """Back to the explainer or on to the menu."""
    return (
        (Button(topic.title, TOPIC_PREFIX + topic.command),),
        (Button(catalog.messages.get("menu_button"), MENU_DATA),),
    )


def pressed(catalog: Catalog, data: str, *, first_try: bool = False) -> Reply:
    """The question with its answers as buttons, or what an answer gets; a stale button
    (a topic whose check changed or went) gets the menu. A right answer on the first try
    (``first_try``: the first answer since the question was shown) is ``check_right_first``;
    a later one ``check_right``, which is not counted."""
    press = parse(data)
    if press is None or press.language not in catalog.languages:
        return menu(catalog)
    catalog = catalog.in_language(press.language)
    topic = catalog.by_key(press.topic)
    if topic is None or topic.check is None:
        return menu(catalog)
    check = topic.check
    if press.answer is None:
        base = f"{CHECK_PREFIX}{catalog.language}:{topic.key}"
        rows = tuple(
            (Button(answer, f"{base}:{i}"),) for i, answer in enumerate(check.answers, start=1)
        )
        return Reply((OutMessage(escape(check.question), rows),), "check_asked", topic.key)
    if press.answer >= len(check.answers):
        return menu(catalog)
    extra = {"language": catalog.language}
    if press.answer == check.right:
        html = catalog.messages.get("check_right", explanation=check.explanation)
        kind = "check_right_first" if first_try else "check_right"
        return Reply((OutMessage(html, _after(catalog, topic)),), kind, topic.key, extra)
    html = catalog.messages.get(
        "check_wrong",
        answer=check.answers[check.right],
        explanation=check.explanation,
        source=check.source,
        sentence=topic.check_sentence,
    )
    return Reply((OutMessage(html, _after(catalog, topic)),), "check_wrong", topic.key, extra)
