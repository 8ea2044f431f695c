"""A fake Telegram Bot API server on 127.0.0.1, for end-to-end tests, benchmarks and ``chat``.

The real bot (a python-telegram-bot ``Application``) talks to it over HTTP exactly as it talks
to Telegram, so handlers, error handling, retries and rate limiting are exercised for real:

    async with BotApiSandbox() as sandbox:
        app = (
            ApplicationBuilder()
            .token(sandbox.token)
            .base_url(f"{sandbox.url}/bot")
            .base_file_url(f"{sandbox.url}/file/bot")
            .build()
        )
        ...  # initialize, start, updater.start_polling(poll_interval=0)
        await sandbox.send_command(42, "/start")
        [reply] = await sandbox.wait_for(42)

Telegram's behaviour is copied where a bot can notice it: the same JSON, the same status codes
and error descriptions (so python-telegram-bot raises the same exception classes), message
texts parsed and limited by ``telegram_html``, inline keyboards validated, blocked users,
flood control. Tests drive the "user" side with ``send_message``, ``press_button`` and
friends, inject faults with ``block_chat`` and ``fail_next``, and read what the bot did from
``calls``, ``messages_to`` and ``callback_answers``. Everything runs in the caller's event
loop; nothing leaves 127.0.0.1 unless the bot sets a webhook elsewhere.

Deliberate differences from Telegram: webhooks may use plain http to a loopback host; an
inline button must use exactly one action field (Telegram silently takes the first); a group
chat always contains the bot; only the methods listed in ``BotApiSandbox.METHODS`` exist
(others answer 404 "Not Found", which python-telegram-bot reports as ``InvalidToken``).
"""

from __future__ import annotations

from bot.devtools.sandbox.core import DEFAULT_TOKEN
from bot.devtools.sandbox.methods import _BotApiMethods
from bot.devtools.sandbox.models import (
    ApiCall,
    ApiError,
    CallbackAnswer,
    ChatAction,
    QueuedUpdate,
    SandboxEvent,
    SentMessage,
)
from bot.devtools.sandbox.reading import _Reading
from bot.devtools.sandbox.server import _Server
from bot.devtools.sandbox.users import _UserSide

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "ApiError",
    "BotApiSandbox",
    "CallbackAnswer",
    "ChatAction",
    "QueuedUpdate",
    "SandboxEvent",
    "SentMessage",
]


# The parts, one module each, all on the shared state ``core._SandboxCore`` declares: the user
# side (users), reading what the bot did (reading), the HTTP server with updates and webhooks
# (server), and the Bot API methods (methods, on top of checks and faults).
class BotApiSandbox(_UserSide, _Reading, _Server, _BotApiMethods):
    """A local Bot API server with a scriptable user side. See the module docstring."""
