"""What a subscriber gets next: the first explainer they have not had, in content order.

Plain data in, plain messages out: the fan-out decides when, this decides what.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge.catalog import Catalog, Topic
from bot.knowledge.outgoing import DIGEST_PREFIX, MENU_DATA, Button, OutMessage


@dataclass(frozen=True)
class Digest:
    command: str | None
    messages: tuple[OutMessage, ...]
    up_to_date_sent: bool


def compose(catalog: Catalog, delivered: set[str], up_to_date_sent: bool) -> Digest:
    """The next explainer not yet had, in content order; "up to date" once; then nothing.

    A digest is short: the topic's title and one-sentence summary, with buttons to read
    the whole explainer or see every topic. New content reaches existing subscribers next,
    because it is simply the first topic they have not had.
    """
    # Deliveries are kept under the topic's language-neutral key, so a subscriber who
    # changes language is not sent the same explainer again.
    pending: Topic | None = next((t for t in catalog.topics if t.key not in delivered), None)
    messages = catalog.messages
    if pending is not None:
        html = messages.get("digest", title=pending.title, summary=pending.summary)
        buttons = (
            (Button(messages.get("digest_read_button"), DIGEST_PREFIX + pending.command),),
            (Button(messages.get("menu_button"), MENU_DATA),),
        )
        return Digest(pending.key, (OutMessage(html, buttons),), False)
    if not up_to_date_sent:
        html = messages.get("digest_up_to_date")
        return Digest(
            None, (OutMessage(html, ((Button(messages.get("menu_button"), MENU_DATA),),)),), True
        )
    return Digest(None, (), True)
