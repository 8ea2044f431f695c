"""The bot's HTTP side: health, metrics, and (in webhook mode) Telegram's updates.

One small aiohttp server on a configurable port serves ``GET /healthz`` (ready only when
content is loaded and the database answers), ``GET /metrics`` (Prometheus), and, when
``WEBHOOK_URL`` is set, ``POST <its path>`` for updates. Telegram sends the secret given to
``setWebhook`` in ``X-Telegram-Bot-Api-Secret-Token``; a request without the right secret
is refused before its body is read.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from telegram import Update

from bot.metrics import REGISTRY

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Telegram's updates are small; anything far larger is not from Telegram.
MAX_BODY = 1 << 20


class WebServer:
    def __init__(
        self,
        application: Any,
        *,
        host: str,
        port: int,
        webhook_path: str | None = None,
        secret: str | None = None,
    ) -> None:
        self.application = application
        self.host = host
        self.port = port
        self.webhook_path = webhook_path
        self.secret = secret
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics)
        if self.webhook_path:
            app.router.add_post(self.webhook_path, self.webhook)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("http server on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def healthz(self, _request: web.Request) -> web.Response:
        problems = await readiness_problems(self.application)
        status = 200 if not problems else 503
        body = {"status": "ok" if not problems else "unavailable", "problems": problems}
        return web.json_response(body, status=status)

    async def metrics(self, _request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def webhook(self, request: web.Request) -> web.Response:
        # Header values arrive decoded as Latin-1 with surrogates for odd bytes; compare
        # the bytes, so a non-UTF-8 header is a wrong secret, not a server error.
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not self.secret or not hmac.compare_digest(given, self.secret.encode()):
            log.warning("webhook request refused: missing or wrong secret token")
            return web.Response(status=403, text="forbidden")
        if getattr(self.application.bot_data, "shutting_down", False):
            # Not 200: Telegram keeps the update and delivers it again (to another replica,
            # or to this one once it is back), instead of it being lost with this process.
            return web.Response(status=503, text="shutting down", headers={"Retry-After": "1"})
        update = parse_update(await request.read(), self.application.bot)
        if update is None:
            return web.Response(status=400, text="not an update")
        await self.application.update_queue.put(update)
        return web.Response(text="ok")


def parse_update(body: bytes, bot: Any) -> Update | None:
    """The update in a webhook body, or None for anything that is not one (a list, a
    number, broken or absurdly nested JSON, a field of the wrong type)."""
    try:
        data = json.loads(body)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return None
        return Update.de_json(data, bot)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError):
        return None


def _ping(database: Any) -> None:
    with database.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


async def readiness_problems(application: Any) -> list[str]:
    """Why the bot cannot serve users right now; empty when it can."""
    problems: list[str] = []
    state = application.bot_data
    catalog = getattr(state, "catalog", None)
    if catalog is None or not catalog.topics:
        problems.append("content not loaded")
    database = state.database
    worker = getattr(state, "worker", None)
    if database is not None:
        try:
            if worker is not None:  # its own lane: a silent database stalls nothing else
                await worker.call(_ping, database, lane="health", timeout=3.0)
            else:
                await asyncio.wait_for(asyncio.to_thread(_ping, database), timeout=3.0)
        except Exception as err:  # any failure means "not ready"; say which kind
            cause = err.__cause__ or err
            problems.append(f"database not answering ({type(cause).__name__})")
    if getattr(state, "conflict", False):
        problems.append("another process is polling with this token (409 Conflict)")
    if getattr(state, "shutting_down", False):
        problems.append("shutting down")
    if not application.running:
        problems.append("bot not running")
    return problems
