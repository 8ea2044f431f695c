"""The Telegram side of ``python -m bot run`` and ``digests send-due``.

Start-up failures Telegram reports (a refused token, an unreachable API) become one line
for the operator and an exit code, never a traceback; the token never appears in it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.conversation.subscriptions import Choices
from bot.knowledge.catalog import Catalog
from bot.settings import Settings
from bot.storage.database import Database
from bot.telegram.app import build_application, digest_sender, serve
from bot.telegram.send import Transport

#: Prints one line on stderr (with secrets redacted) and returns the exit code.
Fail = Callable[[str, int], int]


def _guarded(settings: Settings, fail: Fail, work: Callable[[], Awaitable[object]]) -> int:
    try:
        asyncio.run(work())  # type: ignore[arg-type]
    except InvalidToken:
        return fail("Telegram refused the bot token (401): check TELEGRAM_BOT_TOKEN", 1)
    except NetworkError as err:
        return fail(f"cannot reach the Telegram Bot API at {settings.api_url}: {err.message}", 1)
    except TelegramError as err:
        return fail(f"Telegram said: {err.message}", 1)
    except OSError as err:  # the health/metrics/webhook port
        return fail(f"cannot listen on {settings.http_host}:{settings.http_port}: {err}", 1)
    except KeyboardInterrupt:
        return 0
    return 0


def run(
    settings: Settings, catalog: Catalog, database: Database, choices: Choices, fail: Fail
) -> int:
    """Serve until SIGTERM or Ctrl-C."""
    application = build_application(settings, catalog, database=database, choices=choices)
    return _guarded(settings, fail, lambda: serve(application))


def send_due(
    settings: Settings,
    catalog: Catalog,
    database: Database,
    now: datetime | None,
    fail: Fail,
) -> tuple[int, dict[str, int]]:
    """One pass over the due digests; the exit code and the pass's counts."""
    result: dict[str, int] = {}

    async def once() -> None:
        sender = digest_sender(settings, database, catalog)
        assert isinstance(sender.send, Transport)
        await sender.send.initialize()
        try:
            result.update((await sender.run_once(now)).as_dict())
        finally:
            await sender.send.shutdown()

    return _guarded(settings, fail, once), result
