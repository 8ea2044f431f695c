"""The python-telegram-bot Application: wiring, start-up checks, and a clean run loop.

``serve`` is shared by ``python -m bot run``, the terminal sandbox (``chat``), the
end-to-end tests and the benchmark, so all of them exercise the same code path.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import Application, ApplicationBuilder

from . import handlers
from .catalog import Catalog
from .config import Settings
from .flood import FloodGate

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

#: The bot's own commands, shown in Telegram's command menu after the topics.
OWN_COMMANDS = (("start", "Start here"), ("topics", "All topics"), ("help", "How to use me"))


def bot_commands(catalog: Catalog) -> list[BotCommand]:
    topics = [BotCommand(t.command, t.title[:256]) for t in catalog.topics]
    own = [BotCommand(name, text) for name, text in OWN_COMMANDS]
    return (topics + own)[:100]


async def _post_init(application: AnyApplication) -> None:
    catalog: Catalog = application.bot_data["catalog"]
    await application.bot.set_my_commands(bot_commands(catalog))
    log.info("registered %d commands", len(bot_commands(catalog)))


def build_application(
    settings: Settings,
    catalog: Catalog,
    *,
    flood: FloodGate | None = None,
    concurrent_updates: int = 64,
) -> AnyApplication:
    application: AnyApplication = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{settings.api_url}/bot")
        .base_file_url(f"{settings.api_url}/file/bot")
        .concurrent_updates(concurrent_updates)
        .post_init(_post_init)
        .build()
    )
    application.bot_data["catalog"] = catalog
    application.bot_data["flood"] = flood or FloodGate()
    application.bot_data["settings"] = settings
    handlers.register(application)
    return application


async def start(application: AnyApplication, *, poll_interval: float = 0.0) -> None:
    """Initialise (getMe, setMyCommands) and start long polling."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=poll_interval, allowed_updates=Update.ALL_TYPES
    )


async def stop(application: AnyApplication) -> None:
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()


async def serve(application: AnyApplication, stop_event: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or ``stop_event``), then shut down cleanly."""
    event = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not possible outside the main thread, or off POSIX: Ctrl-C still ends asyncio.run.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, event.set)
    try:
        await start(application)
        log.info("bot @%s is running", application.bot.username)
        await event.wait()
    finally:
        await stop(application)
