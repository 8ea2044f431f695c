"""Health, metrics and structured logs, in polling mode (webhooks: test_webhook_replicas)."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import aiohttp

from bot.devtools.sandbox import BotApiSandbox
from bot.logs import setup_logging
from bot.settings import load_settings
from bot.storage.database import Database
from bot.telegram.app import build_application, start, stop, web_server
from bot.telegram.flood import FloodGate

from .conftest import shipped_catalog


async def get(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


async def test_health_and_metrics(tmp_path: Path) -> None:
    catalog = shipped_catalog()
    database = Database(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    database.migrate()
    async with BotApiSandbox() as sandbox:
        settings = load_settings(
            {
                "TELEGRAM_BOT_TOKEN": sandbox.token,
                "TELEGRAM_API_URL": sandbox.url,
                "HTTP_HOST": "127.0.0.1",
                "HTTP_PORT": "0",
            }
        )
        application = build_application(
            settings, catalog, database=database, flood=FloodGate(limit=1000), tick=False
        )
        server = web_server(application, settings)
        await server.start()
        try:
            status, body = await get(server.port, "/healthz")
            assert status == 503 and "bot not running" in body  # up, but not ready yet
            await start(application)
            status, body = await get(server.port, "/healthz")
            assert status == 200 and json.loads(body)["status"] == "ok"

            await sandbox.send_message(5, "how does the treatment work")
            await sandbox.send_message(6, "tell me a joke")
            await sandbox.send_message(7, "I have chest pain right now")
            await sandbox.send_sticker(8)
            await sandbox.wait_for(count=5)  # a routed answer asks "Did this answer...?" too
            status, metrics = await get(server.port, "/metrics")
            assert status == 200
            for line in (
                'bot_updates_total{kind="message"}',
                'bot_routing_total{outcome="topic"}',
                'bot_routing_total{outcome="not_sure"}',
                'bot_safety_replies_total{kind="urgent"}',
                'bot_replies_total{kind="unsupported"}',
                "bot_topics 6.0",
                "bot_lint_rejections_total",
            ):
                assert line in metrics, line
            assert "tell me a joke" not in metrics

            database.close()
            (tmp_path / "bot.sqlite3").unlink()
            (tmp_path / "bot.sqlite3").mkdir()  # the database is gone and cannot come back
            status, body = await get(server.port, "/healthz")
            assert status == 503 and "database not answering" in body
        finally:
            await stop(application)
            await server.stop()


def test_json_logs_have_no_token_and_no_text() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    token = "123456789:" + "fake-token-for-tests_" * 2
    try:
        setup_logging(logging.DEBUG, (token,), json_lines=True)
        logging.getLogger("httpx").warning("POST https://api.telegram.org/bot%s/sendMessage", token)
        try:
            raise RuntimeError(f"failed at /bot{token}/getMe")
        except RuntimeError:
            logging.getLogger("bot").exception("boom")
    finally:
        root.removeHandler(handler)
        setup_logging(logging.WARNING)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [entry["level"] for entry in lines] == ["WARNING", "ERROR"]
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in lines)
    assert token not in stream.getvalue()
    assert "<redacted>" in lines[0]["message"] and "<redacted>" in lines[1]["error"]


SECRET = "web-test-secret_1"


async def post(port: int, body: bytes, secret: bytes | str = SECRET) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"http://127.0.0.1:{port}/hook", data=body, headers=headers) as response,
    ):
        return response.status


async def test_the_webhook_answers_400_to_non_updates_and_503_while_shutting_down() -> None:
    catalog = shipped_catalog()
    async with BotApiSandbox() as sandbox:
        settings = load_settings(
            {
                "TELEGRAM_BOT_TOKEN": sandbox.token,
                "TELEGRAM_API_URL": sandbox.url,
                "HTTP_HOST": "127.0.0.1",
                "HTTP_PORT": "0",
                "WEBHOOK_URL": "http://127.0.0.1:1/hook",
                "WEBHOOK_SECRET": SECRET,
            }
        )
        application = build_application(settings, catalog, flood=FloodGate(limit=1000))
        server = web_server(application, settings)
        await server.start()
        try:
            await start(application)
            sandbox.add_chat(9)
            nested = b"[" * 100_000 + b"]" * 100_000
            for body in (b"[]", b'"x"', b"1", b"null", b"{", nested, b'{"update_id": "1"}'):
                assert await post(server.port, body) == 400, body[:20]
            # A header that is not UTF-8 is a wrong secret, not a server error.
            raw = SECRET.encode() + b"\xff\xfe"
            assert await post(server.port, b"{}", raw.decode("latin-1")) == 403
            update = {
                "update_id": 7,
                "message": {
                    "message_id": 1,
                    "date": 1,
                    "chat": {"id": 9, "type": "private", "first_name": "U"},
                    "from": {"id": 9, "is_bot": False, "first_name": "U"},
                    "text": "/help",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
                },
                "a_kind_telegram_adds_later": {"x": 1},
            }
            assert await post(server.port, json.dumps(update).encode()) == 200
            await sandbox.wait_for(9, timeout=5)
            status, metrics = await get(server.port, "/metrics")
            assert "a_kind_telegram_adds_later" not in metrics

            # Shutdown has begun: Telegram must keep the update and deliver it again.
            application.bot_data.shutting_down = True
            update["update_id"] = 8
            assert await post(server.port, json.dumps(update).encode()) == 503
            status, body = await get(server.port, "/healthz")
            assert status == 503 and "shutting down" in body
        finally:
            await stop(application)
            await server.stop()


async def test_debug_logs_hold_no_user_text_and_no_name(tmp_path: Path) -> None:
    catalog = shipped_catalog()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        async with BotApiSandbox() as sandbox:
            setup_logging(logging.DEBUG, (sandbox.token,))
            settings = load_settings(
                {"TELEGRAM_BOT_TOKEN": sandbox.token, "TELEGRAM_API_URL": sandbox.url}
            )
            application = build_application(settings, catalog)
            await start(application)
            try:
                await sandbox.send_message(
                    12, "my rash zebrafinch question", first_name="Quintessa"
                )
                await sandbox.send_message(12, "I can't breathe", first_name="Quintessa")
                await sandbox.wait_for(12, count=2, timeout=5)
            finally:
                await stop(application)
    finally:
        root.removeHandler(handler)
        setup_logging(logging.WARNING)
    logged = stream.getvalue()
    assert "Calling Bot API endpoint" in logged  # the library did log at DEBUG
    for private in ("zebrafinch", "Quintessa", "breathe"):
        assert private not in logged, private
