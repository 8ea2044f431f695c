"""``python -m bot run`` without a token: the real bot, a local Telegram, and a web chat.

The bot is built and served exactly as in production (``build_application`` and
``serve``: long polling, the outbox, the digest ticker, the health server); only its
Bot API root is the sandbox on 127.0.0.1 instead of api.telegram.org. The chat page
listens on ``HTTP_PORT`` (default 8080); the bot's own health and metrics server, which
production puts there, moves to a free loopback port, and the page's server answers
``/healthz`` (always 503: not live) and ``/metrics`` itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
from collections.abc import Callable

from bot.conversation.subscriptions import Choices
from bot.devtools.sandbox import BotApiSandbox
from bot.devtools.webchat.editor import ContentDesk
from bot.devtools.webchat.server import WebChat
from bot.knowledge.catalog import Catalog
from bot.settings import Settings
from bot.storage.database import Database
from bot.telegram.app import build_application, serve
from bot.telegram.state import BotApplication

#: Prints one line on stderr and returns the exit code (``bot.__main__.fail``).
Fail = Callable[[str, int], int]

LOCAL = "(no TELEGRAM_BOT_TOKEN: the real bot, talking to a local Telegram sandbox)"
GO_LIVE = (
    "To go live on Telegram, set TELEGRAM_BOT_TOKEN (from @BotFather) in the environment "
    "or in .env, and run again."
)


def run_embedded(
    settings: Settings,
    catalog: Catalog,
    database: Database,
    choices: Choices,
    *,
    host: str,
    fail: Fail,
) -> int:
    """Serve until SIGTERM or Ctrl-C; the page on ``host``:``settings.http_port``."""
    try:
        asyncio.run(_serve(settings, catalog, database, choices, host))
    except KeyboardInterrupt:
        return 0
    except OSError as err:
        return fail(_cannot_listen(host, settings.http_port, err), 1)
    return 0


def listen_problem(host: str, port: int) -> str | None:
    """Why the page could not listen on ``host``:``port``, or None. Checked before the
    content is built, so a taken port is said in a moment, not after the start-up work."""
    if port == 0:
        return None
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp binds
            probe.bind((host, port))
    except OSError as err:
        return _cannot_listen(host, port, err)
    return None


def _cannot_listen(host: str, port: int, err: OSError) -> str:
    return f"cannot listen on {host}:{port}: {err.strerror or err}"


async def _serve(
    settings: Settings, catalog: Catalog, database: Database, choices: Choices, host: str
) -> None:
    async with BotApiSandbox() as sandbox:
        local = dataclasses.replace(
            settings,
            token=sandbox.token,
            api_url=sandbox.url,
            http_host="127.0.0.1",
            http_port=0,
            webhook_url="",
            webhook_secret="",
        )
        application = build_application(local, catalog, database=database, choices=choices)
        chat = WebChat(application, sandbox, ContentDesk(application, settings.content_dir))
        await chat.start(host, settings.http_port)  # first: a taken port fails at once
        stop = asyncio.Event()
        serving = asyncio.create_task(serve(application, stop))
        try:
            await _running(application, serving)
            print(f"Chat with the bot in your browser: {chat.url} {LOCAL}", flush=True)
            print(GO_LIVE, flush=True)
            await serving
        finally:
            stop.set()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await serving
            await chat.stop()


async def _running(application: BotApplication, serving: asyncio.Task[None]) -> None:
    """Wait until the bot polls for updates (or ``serve`` ended, with its error)."""
    while not (application.updater is not None and application.updater.running):
        if serving.done():
            serving.result()
            return
        await asyncio.sleep(0.05)
