"""The one way the bot sends a message, and the one reading of Telegram's errors.

Everything the bot says goes out through ``send_html``: Telegram HTML, inline buttons, no
link previews. When Telegram refuses, ``classify`` turns the library's exception into a
``SendFailure`` that says what to do about it (retry, wait, the chat is gone, give up, or
"it may have arrived": a timeout after the request was sent), as Telegram documents its
errors; chat replies (``outbox``) and digests both act on that, so the two can never
disagree about what a 403 or a 429 means.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.knowledge.outgoing import Failure, OutMessage, SendFailure

log = logging.getLogger(__name__)


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
    if isinstance(err, TimedOut):
        cause = err.__cause__
        if isinstance(cause, httpx.ConnectTimeout | httpx.PoolTimeout):
            return SendFailure(Failure.RETRY, type(cause).__name__)  # never left this machine
        return SendFailure(Failure.UNSURE, type(cause or err).__name__)
    if isinstance(err, NetworkError):  # 5xx, connection refused or reset
        return SendFailure(Failure.RETRY, type(err).__name__)
    return SendFailure(Failure.GIVE_UP, type(err).__name__)


class Transport:
    """A send function over a Bot client: ``await transport(chat_id, message)``.

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
