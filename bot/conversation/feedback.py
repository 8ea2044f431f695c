"""What readers tell us: "Did this answer your question?", and which events are counted.

Plain functions of the catalog, like ``topics``: the handlers parse nothing and decide
nothing here. Every event is a count (kind, topic key, language), never linked to a chat
or a user; a "No" keeps the question the way "not sure" questions are kept (masked).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.conversation.topics import did_you_mean, menu
from bot.knowledge.catalog import Catalog
from bot.knowledge.outgoing import HELPFUL_PREFIX, MENU_DATA, Button, OutMessage, Reply

#: The event a reply counts as, by the reply's kind (a topic's source decides views).
_EVENTS = {
    "routed": "view_routed",
    "not_sure": "not_sure",
    "digest_read": "digest_read",
    "helpful_yes": "helpful_yes",
    "helpful_no": "helpful_no",
    "check_right_first": "check_right_first",
    "check_wrong": "check_wrong",
}


@dataclass(frozen=True)
class Press:
    """A "Did this answer your question?" button: yes or no, about which topic, in which
    language the answer was."""

    helpful: bool
    language: str
    topic: str
    next_best: str | None = None


def parse(data: str) -> Press | None:
    """``h:y:<lang>:<key>`` or ``h:n:<lang>:<key>[:<next-best key>]``; None if malformed."""
    if not data.startswith(HELPFUL_PREFIX):
        return None
    parts = data[len(HELPFUL_PREFIX) :].split(":")
    if len(parts) not in (3, 4) or parts[0] not in ("y", "n") or not all(parts[1:3]):
        return None
    if parts[0] == "y" and len(parts) == 4:
        return None
    next_best = parts[3] if len(parts) == 4 and parts[3] else None
    return Press(parts[0] == "y", parts[1], parts[2], next_best)


def event_of(answer: Reply, *, from_command: bool = False) -> tuple[str, str | None] | None:
    """The reader event an answer counts as (kind, topic key), or None for no event.

    An explainer opened by a command is ``view_command``, by a button ``view_button``;
    a routed answer, a "not sure", a digest's "read it all" and the helpful buttons
    count as themselves.
    """
    if answer.kind == "topic":
        return ("view_command" if from_command else "view_button"), answer.topic
    kind = _EVENTS.get(answer.kind)
    return None if kind is None else (kind, answer.topic)


def pressed(catalog: Catalog, data: str) -> Reply:
    """The answer to a Yes / No press: thanks, or "Did you mean…" with the next-best
    topics and the menu. A stale or malformed button gets the menu."""
    press = parse(data)
    if press is None or press.language not in catalog.languages:
        return menu(catalog)
    catalog = catalog.in_language(press.language)  # answered in the answer's language
    if catalog.by_key(press.topic) is None:
        return menu(catalog)
    if press.helpful:
        message = OutMessage(catalog.messages.get("helpful_thanks"))
        return Reply((message,), "helpful_yes", press.topic, {"language": catalog.language})
    answered = catalog.by_key(press.topic)
    offered: list[str] = []
    if press.next_best is not None:
        best = catalog.by_key(press.next_best)
        if best is not None:
            offered.append(best.command)
    # Then the topics next to the one that did not help, in content order.
    for topic in catalog.topics:
        if len(offered) >= 2:
            break
        if topic is not answered and topic.command not in offered:
            offered.append(topic.command)
    sorry = did_you_mean(catalog, tuple(offered))
    message = OutMessage(catalog.messages.get("helpful_sorry"), sorry.buttons)
    if not message.buttons:
        message = OutMessage(
            message.html, ((Button(catalog.messages.get("menu_button"), MENU_DATA),),)
        )
    return Reply((message,), "helpful_no", press.topic, {"language": catalog.language})
