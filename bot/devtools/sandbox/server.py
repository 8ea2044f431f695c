"""The HTTP side: the aiohttp app, start and stop, request parsing and dispatch to the
methods, and delivering updates (the pending queue, getUpdates long polling, webhooks)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from types import TracebackType
from typing import Final, Self
from urllib.parse import urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from bot.devtools.sandbox.core import (
    _UPDATE_TYPES_BY_DEFAULT,
    _as_bool,
    _as_float,
    _as_int,
    _as_str,
    log,
)
from bot.devtools.sandbox.faults import _Faults
from bot.devtools.sandbox.models import JSON, ApiCall, ApiError, QueuedUpdate, _Described

_SECRET_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")

# Parameters python-telegram-bot sends as JSON strings inside form data.
_JSON_FIELDS: Final = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "menu_button",
        "rights",
        "media",
    }
)

_LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


class _Server(_Faults):
    """Serving the Bot API over HTTP and handing the bot its updates."""

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The Bot API root, e.g. ``http://127.0.0.1:PORT`` (requests go to /bot<token>/...)."""
        if not self._url:
            raise RuntimeError("the sandbox is not started")
        return self._url

    async def start(self) -> None:
        """Listen on host:port (port 0 picks a free one)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._not_found)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        # No access log: every request path holds the token.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self._closing = False
        host, port = runner.addresses[0][:2]
        self.port = int(port)
        shown = f"[{host}]" if ":" in str(host) else str(host)
        self._url = f"http://{shown}:{self.port}"
        log.info("Bot API sandbox listening on %s", self._url)

    async def stop(self) -> None:
        """Wake long polls, stop webhook delivery and close the server."""
        self._closing = True
        self._bump()
        await self._stop_webhook_task()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- internals: HTTP ----------------------------------------------------------------------

    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response(ApiError(404, "Not Found").payload(), status=404)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        name = request.match_info["method"]
        method = self._methods.get(name.lower())
        if method is None:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        try:
            params = await _read_params(request)
        except ApiError as err:
            return web.json_response(err.payload(), status=err.code)
        call = ApiCall(name, params, time.monotonic())
        self.calls.append(call)
        try:
            self._inject_fault(name.lower())
            await self._inject_delay(name.lower())
            result = await method(params)
        except ApiError as err:
            call.ok, call.error_code, call.description = False, err.code, err.description
            log.debug("sandbox %s -> %s %s", name, err.code, err.description)
            self._bump()
            return web.json_response(err.payload(), status=err.code)
        body: JSON = {"ok": True, "result": result}
        if isinstance(result, _Described):
            body = {"ok": True, "result": result.result, "description": result.description}
        call.result = body["result"]
        self._bump()
        return web.json_response(body)

    # --- internals: update delivery ---------------------------------------------------------

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            while len(self._pending) > -offset:
                self._pending.popleft().confirmed = True
            return
        while self._pending and self._pending[0].update_id < offset:
            self._pending.popleft().confirmed = True

    def _deliverable(self, limit: int, allowed: frozenset[str]) -> list[QueuedUpdate]:
        """Up to ``limit`` pending updates, dropping types the bot did not ask for."""
        batch: list[QueuedUpdate] = []
        now = time.monotonic()
        for update in list(self._pending):
            if len(batch) >= limit:
                break
            if update.kind not in allowed:
                self._pending.remove(update)
                update.confirmed = True
                continue
            if update.delivered_at is None:
                update.delivered_at = now
                if update.chat_id is not None:
                    self._last_delivered[update.chat_id] = update
            batch.append(update)
        return batch

    # --- Bot API methods: updates and webhooks ----------------------------------------------

    async def _api_get_updates(self, params: JSON) -> list[JSON]:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _as_int(params.get("offset"))
        limit = min(max(_as_int(params.get("limit")) or 100, 1), 100)
        timeout = max(_as_float(params.get("timeout")) or 0.0, 0.0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) or _UPDATE_TYPES_BY_DEFAULT
        self._poll_generation += 1
        generation = self._poll_generation
        self._bump()  # an older long poll sees the new generation and ends with 409
        self._confirm(offset)
        deadline = time.monotonic() + timeout
        while True:
            event = self._changed
            batch = self._deliverable(limit, self._allowed_updates)
            if batch or self._closing:
                return [u.payload for u in batch]
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            if self._webhook_url:
                raise ApiError(409, "Conflict: terminated by setWebhook request")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def _api_set_webhook(self, params: JSON) -> _Described:
        url = _as_str(params.get("url"))
        if not url:
            await self._api_delete_webhook(params)
            return _Described(True, "Webhook was deleted")
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or not host:
            raise ApiError(400, "Bad Request: bad webhook: Failed to resolve host")
        if parts.scheme == "http" and host not in _LOOPBACK_HOSTS:
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret not in (None, ""):
            if not isinstance(secret, str) or not _SECRET_RE.fullmatch(secret):
                raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        else:
            secret = None
        if _as_bool(params.get("drop_pending_updates")):
            self._confirm(self._next_update_id)
        allowed = params.get("allowed_updates")
        self._webhook_allowed = allowed if isinstance(allowed, list) else None
        if self._webhook_allowed is not None:
            self._allowed_updates = frozenset(self._webhook_allowed) or _UPDATE_TYPES_BY_DEFAULT
        self._webhook_max_connections = _as_int(params.get("max_connections")) or 40
        already = self._webhook_url == url and self._webhook_secret == secret
        self._webhook_url, self._webhook_secret = url, secret
        self._last_webhook_error = None
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._deliver_to_webhook())
        self._bump()
        return _Described(True, "Webhook is already set" if already else "Webhook was set")

    async def _api_delete_webhook(self, params: JSON) -> _Described:
        had = bool(self._webhook_url)
        self._webhook_url, self._webhook_secret = "", None
        if _as_bool(params.get("drop_pending_updates")):
            self._confirm(self._next_update_id)
        await self._stop_webhook_task()
        return _Described(True, "Webhook was deleted" if had else "Webhook is already deleted")

    async def _api_get_webhook_info(self, params: JSON) -> JSON:
        info: JSON = {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook_url:
            info["max_connections"] = self._webhook_max_connections
            info["ip_address"] = "127.0.0.1"
            if self._webhook_allowed is not None:
                info["allowed_updates"] = self._webhook_allowed
        if self._last_webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._last_webhook_error
        return info

    async def _stop_webhook_task(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_to_webhook(self) -> None:
        """POST pending updates one at a time, as Telegram does with max_connections=1."""
        backoff = 0.05
        async with ClientSession(timeout=ClientTimeout(total=10)) as session:
            while self._webhook_url and not self._closing:
                event = self._changed
                batch = self._deliverable(1, self._allowed_updates)
                if not batch:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(event.wait(), 1.0)
                    continue
                update = batch[0]
                headers = {"Content-Type": "application/json"}
                if self._webhook_secret:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook_secret
                error: str | None = None
                try:
                    async with session.post(
                        self._webhook_url, data=json.dumps(update.payload), headers=headers
                    ) as response:
                        await response.read()
                        if not 200 <= response.status < 300:
                            status = f"{response.status} {response.reason}"
                            error = f"Wrong response from the webhook: {status}"
                except (ClientError, OSError, TimeoutError) as exc:
                    error = f"Connection failed: {type(exc).__name__}"
                if error is None:
                    self._confirm(update.update_id + 1)
                    backoff = 0.05
                    self._bump()
                else:
                    self._last_webhook_error = (int(time.time()), error)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 2.0)


async def _read_params(request: web.Request) -> JSON:
    """Query string, form (urlencoded or multipart) or JSON body, JSON fields decoded."""
    params: JSON = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON object") from None
            if isinstance(body, dict):
                params.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = {
                        "filename": value.filename,
                        "content_type": value.content_type,
                        "size": len(value.file.read()),
                    }
                else:
                    params[key] = value
    for key in _JSON_FIELDS & params.keys():
        value = params[key]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params
