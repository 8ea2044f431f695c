"""The python-telegram-bot Application: wiring, start-up checks, and a clean run loop.

``serve`` is shared by ``python -m bot run``, the terminal sandbox (``chat``), the
end-to-end tests and the benchmark, so all of them exercise the same code path.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from typing import Any

from telegram import Bot, BotCommand, Update
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from bot.conversation.subscriptions import Choices
from bot.digests.fanout import DigestSender, DigestSettings, Ticker
from bot.knowledge.catalog import Catalog
from bot.settings import Settings
from bot.storage.database import Database
from bot.telegram import handlers
from bot.telegram.flood import FloodGate
from bot.telegram.web import WebServer

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

#: The bot's own commands, shown in Telegram's command menu after the topics.
OWN_COMMANDS = (("start", "Start here"), ("topics", "All topics"), ("help", "How to use me"))
DIGEST_COMMANDS = (
    ("subscribe", "Get a short digest at a time you choose"),
    ("settings", "See or change your digest"),
    ("unsubscribe", "Stop digests"),
    ("privacy", "What the bot stores about you"),
    ("deletedata", "Delete what the bot stores about you"),
)


def bot_commands(catalog: Catalog, *, digests: bool = False) -> list[BotCommand]:
    topics = [BotCommand(t.command, t.title[:256]) for t in catalog.topics]
    own = [BotCommand(name, text) for name, text in OWN_COMMANDS]
    if digests:
        own += [BotCommand(name, text) for name, text in DIGEST_COMMANDS]
    return (topics + own)[:100]


async def _post_init(application: AnyApplication) -> None:
    catalog: Catalog = application.bot_data["catalog"]
    commands = bot_commands(catalog, digests="database" in application.bot_data)
    await application.bot.set_my_commands(commands)
    log.info("registered %d commands", len(commands))
    sender: DigestSender | None = application.bot_data.get("digest_sender")
    if sender is not None:
        await sender.bot.initialize()
        ticker = Ticker(sender)
        application.bot_data["ticker"] = ticker
        assert application.job_queue is not None
        settings: Settings = application.bot_data["settings"]
        every = settings.digest_tick_seconds
        # On the minute (for the default 60 s), so "09:00" goes out at 09:00:00, not 09:00:47.
        application.job_queue.run_repeating(
            ticker.tick, interval=every, first=every - time.time() % every
        )


async def _post_shutdown(application: AnyApplication) -> None:
    sender: DigestSender | None = application.bot_data.get("digest_sender")
    if sender is not None:
        await sender.bot.shutdown()


def digest_bot(settings: Settings) -> Bot:
    """A second client for fan-outs: its own connection pool, so that users chatting with
    the bot never queue behind ten thousand digests for a free connection."""
    return Bot(
        settings.token,
        base_url=f"{settings.api_url}/bot",
        base_file_url=f"{settings.api_url}/file/bot",
        request=HTTPXRequest(connection_pool_size=64),
    )


def build_application(
    settings: Settings,
    catalog: Catalog,
    *,
    flood: FloodGate | None = None,
    concurrent_updates: int = 64,
    database: Database | None = None,
    choices: Choices | None = None,
    digest_settings: DigestSettings | None = None,
    tick: bool = True,
) -> AnyApplication:
    """The bot; with a database it also offers digests and, with ``tick``, sends them."""
    application: AnyApplication = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{settings.api_url}/bot")
        .base_file_url(f"{settings.api_url}/file/bot")
        .concurrent_updates(concurrent_updates)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data["catalog"] = catalog
    application.bot_data["flood"] = flood or FloodGate()
    application.bot_data["settings"] = settings
    if database is not None:
        application.bot_data["database"] = database
        application.bot_data["choices"] = choices or Choices()
        if tick:
            application.bot_data["digest_sender"] = DigestSender(
                digest_bot(settings),
                database,
                catalog,
                digest_settings or DigestSettings(rate_per_second=settings.digest_rate_per_second),
            )
    handlers.register(application)
    return application


async def start(application: AnyApplication, *, poll_interval: float = 0.0) -> None:
    """Initialise (getMe, setMyCommands), then long polling, or register the webhook."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    settings: Settings | None = application.bot_data.get("settings")
    if settings is not None and settings.webhook_url:
        await application.bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        log.info("webhook registered; updates arrive over HTTP")
        return
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=poll_interval, allowed_updates=Update.ALL_TYPES
    )


def web_server(application: AnyApplication, settings: Settings) -> WebServer:
    return WebServer(
        application,
        host=settings.http_host,
        port=settings.http_port,
        webhook_path=settings.webhook_path or None,
        secret=settings.webhook_secret or None,
    )


async def stop(application: AnyApplication) -> None:
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


async def serve(application: AnyApplication, stop_event: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or ``stop_event``), then shut down cleanly.

    The HTTP server (health, metrics, webhook) starts first, so a load balancer sees the
    replica as not ready (503) until the bot is, and a webhook never hits a closed port.
    """
    event = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not possible outside the main thread, or off POSIX: Ctrl-C still ends asyncio.run.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, event.set)
    settings: Settings = application.bot_data["settings"]
    server = web_server(application, settings)
    await server.start()
    try:
        await start(application)
        log.info("bot @%s is running", application.bot.username)
        await event.wait()
    finally:
        await stop(application)
        await server.stop()
