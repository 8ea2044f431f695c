"""What the bot sends, as plain data: messages with buttons, and why a send failed.

Replies are built by ``conversation`` and ``digests`` and sent by ``telegram``; these
types are the contract between them, so neither side needs the other's objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

#: Callback data of a button that opens a topic ("t:symptoms").
TOPIC_PREFIX = "t:"
#: Callback data of the "All topics" button.
MENU_DATA = "menu"
#: A language button: "lang:es".
LANGUAGE_PREFIX = "lang:"
#: A digest's "read it all" button ("d:symptoms"): opens the topic, counted as a read.
DIGEST_PREFIX = "d:"
#: "Did this answer your question?": "h:y:<topic key>", "h:n:<topic key>:<next-best key>".
HELPFUL_PREFIX = "h:"
#: The quick check: "c:<lang>:<topic key>" asks it, "c:<lang>:<topic key>:<n>" answers it.
CHECK_PREFIX = "c:"


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str


@dataclass(frozen=True)
class OutMessage:
    """One message as Telegram HTML, with rows of inline buttons under it."""

    html: str
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True)
class Reply:
    messages: tuple[OutMessage, ...]
    #: What kind of answer this was, for metrics and tests ("topic", "not_sure", "urgent"...).
    kind: str
    topic: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class Failure(Enum):
    """What to do about a send Telegram did not take, whoever sent it."""

    #: A passing problem (5xx, timeout, network): the same message may be tried again.
    RETRY = "retry"
    #: Flood control (429): wait ``retry_after`` seconds, then try again.
    WAIT = "wait"
    #: The chat cannot be reached any more (blocked, deactivated, not found): stop.
    GONE = "gone"
    #: Telegram refused this message for good (any other 400): do not repeat it.
    GIVE_UP = "give_up"
    #: The request may have reached Telegram (it timed out after it was sent): sending it
    #: again may deliver it twice. Explainers and digests are not repeated; a safety reply
    #: is, once (one duplicate is acceptable there, silence is not).
    UNSURE = "unsure"


class SendFailure(Exception):
    """A send that failed, classified; raised by the send functions ``telegram`` provides."""

    def __init__(self, failure: Failure, reason: str, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.failure = failure
        #: Telegram's own description, or the error type: safe to log (no user text).
        self.reason = reason
        self.retry_after = retry_after
