"""The one way the bot sends a message, and the one reading of Telegram's errors.

Everything the bot says goes out through ``send_html``: Telegram HTML, inline buttons, no
link previews. When Telegram refuses, ``classify`` turns the library's exception into a
``SendFailure`` that says what to do about it (retry, wait, the chat is gone, give up),
as Telegram documents its errors; chat replies and digests both act on that, so the two
can never disagree about what a 403 or a 429 means.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.knowledge.outgoing import Failure, OutMessage, Reply, SendFailure

log = logging.getLogger(__name__)

#: Longest wait we accept from a 429 before giving up on an interactive reply.
MAX_RETRY_AFTER = 30.0
SEND_ATTEMPTS = 3


def keyboard(message: OutMessage) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.callback_data) for b in row]
            for row in message.buttons
        ]
    )


async def send_html(bot: Bot, chat_id: int, message: OutMessage) -> None:
    """One rendered message as Telegram HTML with its buttons; the one way we send."""
    await bot.send_message(
        chat_id,
        message.html,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(message),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


def retry_seconds(err: RetryAfter) -> float:
    """RetryAfter.retry_after as seconds, whichever type python-telegram-bot gives."""
    wait: Any = err.retry_after
    return float(wait.total_seconds() if hasattr(wait, "total_seconds") else wait)


def classify(err: TelegramError) -> SendFailure:
    """What Telegram's refusal means for this send (see the Bot API's error list)."""
    if isinstance(err, RetryAfter):
        return SendFailure(Failure.WAIT, "429 flood control", retry_seconds(err))
    if isinstance(err, Forbidden):  # blocked by the user, or the account is gone
        return SendFailure(Failure.GONE, err.message)
    if isinstance(err, BadRequest):
        if "chat not found" in err.message.lower():
            return SendFailure(Failure.GONE, err.message)
        return SendFailure(Failure.GIVE_UP, err.message)
    if isinstance(err, NetworkError):  # 5xx, timeouts, connection errors
        return SendFailure(Failure.RETRY, type(err).__name__)
    return SendFailure(Failure.GIVE_UP, type(err).__name__)


class Transport:
    """A send function over its own Bot client: ``await transport(chat_id, message)``.

    Raises ``SendFailure`` (never a library exception), so code below the Telegram layer
    (the digest fan-out) can act on failures without importing ``telegram``.
    """

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def __call__(self, chat_id: int, message: OutMessage) -> None:
        try:
            await send_html(self.bot, chat_id, message)
        except TelegramError as err:
            raise classify(err) from err

    async def initialize(self) -> None:
        await self.bot.initialize()

    async def shutdown(self) -> None:
        await self.bot.shutdown()


async def send_reply(bot: Bot, chat_id: int, reply: Reply) -> bool:
    """Send every message of a chat reply; False when the chat cannot be reached any more.

    A 429 is waited out (up to ``MAX_RETRY_AFTER``) and a passing error retried, each up to
    ``SEND_ATTEMPTS`` times; a message Telegram refuses for good raises ``SendFailure``,
    which the error handler logs.
    """
    for message in reply.messages:
        if not await _send_one(bot, chat_id, message):
            return False
    return True


async def _send_one(bot: Bot, chat_id: int, message: OutMessage) -> bool:
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            await send_html(bot, chat_id, message)
            return True
        except TelegramError as err:
            failure = classify(err)
        if failure.failure is Failure.WAIT:
            if failure.retry_after > MAX_RETRY_AFTER or attempt == SEND_ATTEMPTS:
                log.warning(
                    "flood control: gave up a reply after retry_after=%ss", failure.retry_after
                )
                return False
            await asyncio.sleep(failure.retry_after)
        elif failure.failure is Failure.GONE:
            log.info("chat unreachable (%s)", failure.reason)
            log.debug("unreachable chat id %s", chat_id)
            return False
        elif failure.failure is Failure.RETRY and attempt < SEND_ATTEMPTS:
            await asyncio.sleep(0.5 * attempt)
        else:
            raise failure
    return False
