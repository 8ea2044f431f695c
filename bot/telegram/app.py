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

from telegram import Bot, Update
from telegram.error import Conflict, TelegramError
from telegram.ext import ApplicationBuilder
from telegram.request import HTTPXRequest

from bot.conversation.subscriptions import Choices
from bot.digests.fanout import DigestSender, DigestSettings, Ticker
from bot.knowledge.catalog import Catalog
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.worker import DatabaseUnavailable, DatabaseWorker
from bot.telegram import handlers
from bot.telegram.flood import FloodGate
from bot.telegram.menu import register_commands
from bot.telegram.outbox import Outbox, Pace
from bot.telegram.send import Transport
from bot.telegram.state import CONTEXT_TYPES, BotApplication
from bot.telegram.web import WebServer

log = logging.getLogger(__name__)

#: At shutdown, how long a digest fan-out may take to give its unsent rows back.
FANOUT_STOP_SECONDS = 5.0
#: How often old reader events are purged.
PURGE_EVERY_SECONDS = 3600.0


async def _post_init(application: BotApplication) -> None:
    state = application.bot_data
    menus = await register_commands(application.bot, state)
    log.info("registered the command menu in %d language(s)", menus)
    assert application.job_queue is not None
    if state.database is not None and state.worker is not None:
        try:
            state.content_version = await state.worker.call(
                state.database.content_version, lane="health", timeout=5.0
            )
        except DatabaseUnavailable:
            log.warning("could not read the content version; the next poll will")
        every = state.settings.content_poll_seconds
        application.job_queue.run_repeating(
            handlers.check_content_version, interval=every, first=every
        )
        # Reader events older than READER_EVENTS_DAYS go, hourly (and once at start).
        application.job_queue.run_repeating(
            handlers.purge_reader_events, interval=PURGE_EVERY_SECONDS, first=1.0
        )
    sender = state.digest_sender
    if sender is not None:
        assert isinstance(sender.send, Transport)
        await sender.send.initialize()
        state.ticker = Ticker(sender)
        every = state.settings.digest_tick_seconds
        # On the minute (for the default 60 s), so "09:00" goes out at 09:00:00, not 09:00:47.
        application.job_queue.run_repeating(
            state.ticker.tick, interval=every, first=every - time.time() % every
        )


async def _post_shutdown(application: BotApplication) -> None:
    state = application.bot_data
    sender = state.digest_sender
    if sender is not None:
        assert isinstance(sender.send, Transport)
        await sender.send.shutdown()
    if state.worker is not None:
        state.worker.stop()


def digest_transport(settings: Settings) -> Transport:
    """A second client for fan-outs: its own connection pool, so that users chatting with
    the bot never queue behind ten thousand digests for a free connection."""
    return Transport(
        Bot(
            settings.token,
            base_url=f"{settings.api_url}/bot",
            base_file_url=f"{settings.api_url}/file/bot",
            request=HTTPXRequest(connection_pool_size=64),
        )
    )


def digest_sender(
    settings: Settings,
    database: Database,
    catalog: Catalog,
    digest_settings: DigestSettings | None = None,
    worker: DatabaseWorker | None = None,
) -> DigestSender:
    """The fan-out as ``run`` and ``digests send-due`` both build it; its ``send`` is a
    ``Transport`` to ``initialize`` before the first tick and ``shutdown`` after the last.
    With a ``worker``, its database calls run in the worker's digest lane, with deadlines."""

    async def on_worker(function: object, *args: object) -> object:
        assert worker is not None and callable(function)
        return await worker.call(function, *args, lane="digests", timeout=20.0)

    return DigestSender(
        digest_transport(settings),
        database,
        catalog,
        digest_settings or DigestSettings(rate_per_second=settings.digest_rate_per_second),
        database_call=on_worker if worker is not None else None,
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
    pace: Pace | None = None,
) -> BotApplication:
    """The bot; with a database it also offers digests and, with ``tick``, sends them.

    ``pace`` replaces Telegram's per-chat limits in the outbox (benchmarks and tests whose
    "user" is a script that sends hundreds of messages)."""
    application: BotApplication = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{settings.api_url}/bot")
        .base_file_url(f"{settings.api_url}/file/bot")
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(concurrent_updates)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    state = application.bot_data
    state.settings = settings
    state.catalog = catalog
    state.flood = flood or FloodGate()
    transport = Transport(application.bot)
    if pace is None:
        state.outbox = Outbox(transport)
    else:
        state.outbox = Outbox(transport, private=pace, group=pace, overall=pace)
    if database is not None:
        state.database = database
        state.worker = DatabaseWorker()
        state.choices = choices or Choices()
        if tick:
            state.digest_sender = digest_sender(
                settings, database, catalog, digest_settings, state.worker
            )
    handlers.register(application)
    return application


async def start(application: BotApplication, *, poll_interval: float = 0.0) -> None:
    """Initialise (getMe, setMyCommands), then long polling, or register the webhook."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    settings = application.bot_data.settings
    if settings.webhook_url:
        await application.bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        log.info("webhook registered; updates arrive over HTTP")
        return
    assert application.updater is not None
    state = application.bot_data

    def on_polling_error(err: TelegramError) -> None:
        if isinstance(err, Conflict):  # another process polls with this token
            if not state.conflict:
                log.error("another bot process is polling with this token (409 Conflict)")
            state.conflict_at = time.monotonic()
            return
        log.warning("polling failed: %s; retrying", type(err).__name__)

    await application.updater.start_polling(
        poll_interval=poll_interval,
        allowed_updates=Update.ALL_TYPES,
        error_callback=on_polling_error,
    )


def web_server(application: BotApplication, settings: Settings) -> WebServer:
    return WebServer(
        application,
        host=settings.http_host,
        port=settings.http_port,
        webhook_path=settings.webhook_path or None,
        secret=settings.webhook_secret or None,
    )


async def stop(application: BotApplication) -> None:
    """Stop taking updates, let the digest fan-out give its rows back, finish the updates
    being handled and the replies queued, then close."""
    state = application.bot_data
    state.shutting_down = True  # the webhook answers 503 from now on: Telegram retries
    if state.ticker is not None:
        await state.ticker.stop(FANOUT_STOP_SECONDS)
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await state.outbox.close()
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


async def serve(application: BotApplication, stop_event: asyncio.Event | None = None) -> None:
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
    server = web_server(application, application.bot_data.settings)
    await server.start()
    try:
        await start(application)
        log.info("bot @%s is running", application.bot.username)
        await event.wait()
    finally:
        await stop(application)
        await server.stop()
