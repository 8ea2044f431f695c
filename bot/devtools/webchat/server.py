"""The web chat's HTTP side: the page, and a small JSON API over the Bot API sandbox.

The page is three static files shipped in this package (no CDN: it works offline). Its
"users" act through the sandbox's user side (``send_message``, ``press_button``), so the
bot receives real updates over HTTP, exactly as from Telegram; what the bot sends comes
back through a sandbox listener into the event log the page polls.

Only loopback by default. Because the API can write content files, it also refuses what a
web page elsewhere could send through the user's browser: a request whose Host is not this
server's (DNS rebinding), and a write that is not JSON or comes from another Origin.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from aiohttp import web

from bot.devtools.sandbox import BotApiSandbox
from bot.devtools.webchat.editor import MAX_FILE_BYTES, ContentDesk
from bot.devtools.webchat.events import BotOutput, EventLog
from bot.storage.worker import DatabaseUnavailable
from bot.telegram.state import BotApplication
from bot.telegram.web import WebServer, readiness_problems

log = logging.getLogger(__name__)

JSON = dict[str, Any]

#: The page's files, and their types; nothing else is served from the package.
STATIC = {
    "index.html": "text/html",
    "app.js": "text/javascript",
    "style.css": "text/css",
}
#: Everything from this server, nothing from anywhere else; no inline scripts or styles.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
#: Telegram's limit on one message; a client cannot send more.
MAX_TEXT = 4096
#: The first simulated user is the editor; the others get these names, then "Reader N".
NAMES = ("Editor", "Maria", "Sam", "Lucía", "Ben", "Amara", "José", "Kim")
FIRST_USER_ID = 1001
LANGUAGES = ({"code": "en", "name": "English"}, {"code": "es", "name": "Español"})
_LANGUAGE_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
_LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")
#: How long one long poll of /api/events waits for something new.
POLL_SECONDS = 20.0


class WebChat:
    """The page and its API for one bot application running against one sandbox."""

    def __init__(
        self, application: BotApplication, sandbox: BotApiSandbox, desk: ContentDesk
    ) -> None:
        self.application = application
        self.sandbox = sandbox
        self.desk = desk
        self.events = EventLog()
        self.users: dict[int, JSON] = {}
        # Not started: only its /metrics handler is used, so both servers show the same.
        self.health = WebServer(application, host="127.0.0.1", port=0)
        self.host = "127.0.0.1"
        self.port = 0
        self._runner: web.AppRunner | None = None
        sandbox.add_listener(BotOutput(self.events, sandbox))
        self.add_user("en")

    @property
    def url(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        if self.host in ("0.0.0.0", "::", ""):
            shown = "127.0.0.1"
        return f"http://{shown}:{self.port}/"

    # --- lifecycle ------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard], client_max_size=2 * MAX_FILE_BYTES)
        get, post = app.router.add_get, app.router.add_post
        get("/", self.page)
        get("/static/{name}", self.static)
        get("/healthz", self.healthz)
        get("/metrics", self.health.metrics)
        get("/api/state", self.state)
        get("/api/events", self.poll_events)
        get("/api/commands", self.commands)
        get("/api/calls", self.calls)
        get("/api/content", self.content)
        get("/api/content/file", self.content_file)
        post("/api/users", self.new_user)
        post("/api/users/language", self.set_language)
        post("/api/send", self.send)
        post("/api/press", self.press)
        post("/api/clock/next-digest", self.next_digest)
        post("/api/content/file", self.save_file)
        return app

    async def start(self, host: str, port: int) -> None:
        """Listen (port 0 picks a free one); OSError when the port is taken."""
        runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.host = host
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        self.events.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- users ----------------------------------------------------------------------------

    def add_user(self, language_code: str) -> JSON:
        """A new simulated Telegram user, with a private chat of their own."""
        user_id = FIRST_USER_ID + len(self.users)
        index = len(self.users)
        name = NAMES[index] if index < len(NAMES) else f"Reader {index + 1}"
        self.sandbox.add_user(user_id, first_name=name, language_code=language_code)
        self.sandbox.add_chat(user_id, first_name=name)
        user = {"id": user_id, "first_name": name, "language_code": language_code}
        self.users[user_id] = user
        return user

    def _user(self, body: JSON) -> JSON:
        user_id = body.get("user_id")
        user = self.users.get(user_id) if isinstance(user_id, int) else None
        if user is None:
            raise _Problem(404, "There is no such user in this chat page.")
        return user

    # --- the guard ------------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        host = request.host.rsplit(":", 1)[0] if request.host else ""
        if self.host in _LOOPBACK and host not in _LOOPBACK:
            return web.Response(status=403, text="this page answers on 127.0.0.1 only")
        if request.method not in ("GET", "HEAD"):
            origin = request.headers.get("Origin")
            if origin is not None and origin.split("://", 1)[-1] != request.host:
                return web.Response(status=403, text="requests from other sites are refused")
            if request.content_type != "application/json":
                return web.Response(status=415, text="send JSON")
        try:
            response = await handler(request)
        except _Problem as problem:
            response = web.json_response({"error": problem.text}, status=problem.status)
        response.headers.update(HEADERS)
        return response  # type: ignore[no-any-return]

    # --- the page -------------------------------------------------------------------------

    async def page(self, _request: web.Request) -> web.Response:
        return _static_file("index.html")

    async def static(self, request: web.Request) -> web.Response:
        return _static_file(request.match_info["name"])

    async def healthz(self, _request: web.Request) -> web.Response:
        """Never "ready" here: this bot talks to the sandbox, not to Telegram. So a
        container started without its token shows unhealthy instead of silently idle."""
        problems = await readiness_problems(self.application)
        problems.insert(0, "no TELEGRAM_BOT_TOKEN: running against the local sandbox")
        return web.json_response({"status": "unavailable", "problems": problems}, status=503)

    async def state(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "bot": {"name": self.sandbox.bot_first_name, "username": self.sandbox.bot_username},
                # The Bot API root the bot uses, for scripting the sandbox (its token is the
                # sandbox's fake one, DEFAULT_TOKEN).
                "api_url": self.sandbox.url,
                "users": list(self.users.values()),
                "languages": LANGUAGES,
                "clock": self._clock(),
            }
        )

    def _clock(self) -> JSON:
        now = datetime.fromtimestamp(self.sandbox.now(), UTC)
        return {"now": now.isoformat(timespec="seconds"), "offset": self.sandbox.clock_offset}

    # --- chatting -------------------------------------------------------------------------

    async def poll_events(self, request: web.Request) -> web.Response:
        after = _int(request.query.get("after"), 0)
        wait = min(max(_float(request.query.get("wait"), POLL_SECONDS), 0.0), POLL_SECONDS)
        entries = await self.events.wait_after(after, wait)
        return web.json_response({"events": entries, "last": len(self.events.entries)})

    async def new_user(self, request: web.Request) -> web.Response:
        body = await _body(request)
        return web.json_response(self.add_user(_language(body.get("language_code", "en"))))

    async def set_language(self, request: web.Request) -> web.Response:
        body = await _body(request)
        user = self._user(body)
        user["language_code"] = _language(body.get("language_code"))
        self.sandbox.set_language_code(user["id"], user["language_code"])
        return web.json_response(user)

    async def commands(self, request: web.Request) -> web.Response:
        user = self._user({"user_id": _int(request.query.get("user_id"), 0)})
        found = self.sandbox.commands_for(user["id"], user["language_code"])
        return web.json_response({"commands": found})

    async def send(self, request: web.Request) -> web.Response:
        body = await _body(request)
        user = self._user(body)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _Problem(400, "Type a message first.")
        if len(text.encode("utf-16-le")) // 2 > MAX_TEXT:
            raise _Problem(400, f"A Telegram message holds at most {MAX_TEXT} characters.")
        sent = await self.sandbox.send_message(user["id"], text, first_name=user["first_name"])
        self.events.add(
            "user_message",
            user["id"],
            message={"message_id": sent["message_id"], "text": sent["text"], "date": sent["date"]},
        )
        return web.json_response({"message_id": sent["message_id"]})

    async def press(self, request: web.Request) -> web.Response:
        body = await _body(request)
        user = self._user(body)
        message_id, data = body.get("message_id"), body.get("data")
        if not isinstance(message_id, int) or not isinstance(data, str):
            raise _Problem(400, "Which button?")
        try:
            query_id = await self.sandbox.press_button(user["id"], message_id, data)
        except ValueError:  # the bot removed or replaced that keyboard meanwhile
            raise _Problem(409, "That button is no longer there.") from None
        return web.json_response({"callback_query_id": query_id})

    async def calls(self, request: web.Request) -> web.Response:
        """The Bot API requests the bot made: method, parameters, status, and result."""
        after = _int(request.query.get("after"), 0)
        offset = time.time() - time.monotonic()
        shown = [
            {
                "n": n,
                "method": call.method,
                "params": call.params,
                "status": 200 if call.ok else call.error_code,
                "description": call.description,
                "result": _clip(call.result),
                "at": call.time + offset,
            }
            for n, call in enumerate(self.sandbox.calls[after:], start=after + 1)
        ]
        return web.json_response({"calls": shown, "last": after + len(shown)}, dumps=_dumps)

    # --- the clock ------------------------------------------------------------------------

    async def next_digest(self, request: web.Request) -> web.Response:
        """Move the clock to this user's next digest and run the real send-due pass there
        (``DigestSender.run_once``, as ``digests send-due --now`` does)."""
        user = self._user(await _body(request))
        state = self.application.bot_data
        if state.database is None or state.worker is None or state.digest_sender is None:
            raise _Problem(409, "Digests need the database, and this bot has none.")
        try:
            subscription = await state.worker.call(
                state.database.get, user["id"], lane="chat", timeout=5.0
            )
        except DatabaseUnavailable:
            raise _Problem(503, "The database did not answer; try again.") from None
        if subscription is None:
            raise _Problem(409, "This user has no digest yet: send /subscribe first.")
        real = datetime.now(UTC)
        due = max(subscription.next_due_at, real)
        self.sandbox.clock_offset = max(self.sandbox.clock_offset, (due - real).total_seconds())
        result = await state.digest_sender.run_once(now=due)
        return web.json_response({"clock": self._clock(), "result": result.as_dict()})

    # --- content --------------------------------------------------------------------------

    async def content(self, _request: web.Request) -> web.Response:
        listing = await asyncio.to_thread(self.desk.lint)
        return web.json_response({**listing, "reload": self.desk.last_reload})

    async def content_file(self, request: web.Request) -> web.Response:
        path = self.desk.find(request.query.get("path", ""))
        if path is None:
            raise _Problem(404, "No such content file.")
        return web.json_response({"path": self.desk.name_of(path), "text": self.desk.read(path)})

    async def save_file(self, request: web.Request) -> web.Response:
        body = await _body(request)
        path = self.desk.find(str(body.get("path", "")))
        text = body.get("text")
        if path is None or not isinstance(text, str):
            raise _Problem(404, "No such content file.")
        if len(text.encode()) > MAX_FILE_BYTES:
            raise _Problem(413, "That is far longer than an explainer.")
        outcome = await self.desk.save(path, text)
        reload = outcome["reload"]
        self.events.add("content_reloaded", None, reload=reload)
        log.info("content saved; published=%s in %.2fs", reload["published"], reload["seconds"])
        return web.json_response(outcome)


class _Problem(Exception):
    """A request the API turns down, with a sentence for the page (no exception text)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


async def _body(request: web.Request) -> JSON:
    try:
        body = await request.json()
    except ValueError:
        raise _Problem(400, "The request was not JSON.") from None
    if not isinstance(body, dict):
        raise _Problem(400, "The request was not a JSON object.")
    return body


def _language(value: object) -> str:
    if not isinstance(value, str) or not _LANGUAGE_RE.fullmatch(value):
        raise _Problem(400, "A language is a code such as en or es.")
    return value


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _float(text: str | None, default: float) -> float:
    try:
        return float(text) if text is not None else default
    except ValueError:
        return default


def _clip(result: Any, limit: int = 4000) -> Any:
    """A result as sent, unless it is long (a busy getUpdates): then its start, as text."""
    text = _dumps(result)
    return result if len(text) <= limit else text[:limit] + " …"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _static_file(name: str) -> web.Response:
    kind = STATIC.get(name)
    if kind is None:
        raise web.HTTPNotFound()
    data = (resources.files(__package__) / "static" / name).read_bytes()
    return web.Response(body=data, content_type=kind, charset="utf-8")
