"""Production shape: webhook mode, two replicas behind a load balancer, one PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import signal
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import text

from bot.devtools.sandbox import BotApiSandbox
from bot.schedule import DigestSpec
from bot.storage.database import Database

from .conftest import ROOT
from .dbs import database_url

SECRET = "replica-test-secret_1"
ADMIN = 77


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LoadBalancer:
    """Round-robin HTTP proxy: what sits in front of replicas in production."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.port = free_port()
        self.served: Counter[int] = Counter()
        self._next = itertools.cycle(backends)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.Response:
        assert self._session is not None
        backend = next(self._next)
        self.served[backend] += 1
        async with self._session.post(
            f"http://127.0.0.1:{backend}{request.path}",
            data=await request.read(),
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
        ) as response:
            return web.Response(status=response.status, body=await response.read())

    async def __aenter__(self) -> LoadBalancer:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_post("/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None and self._session is not None
        await self._runner.cleanup()
        await self._session.close()


async def healthy(port: int, timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"replica on {port} never became healthy")
            await asyncio.sleep(0.2)


@pytest.fixture
async def postgres(tmp_path: Path) -> AsyncIterator[str]:
    with database_url("postgresql", tmp_path) as url:
        yield url


async def start_replica(
    sandbox: BotApiSandbox, url: str, port: int, lb: int, content: Path = ROOT / "content"
) -> asyncio.subprocess.Process:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))},
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": sandbox.token,
        "TELEGRAM_API_URL": sandbox.url,
        "WEBHOOK_URL": f"http://127.0.0.1:{lb}/telegram",
        "WEBHOOK_SECRET": SECRET,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
        "DATABASE_URL": url,
        "DIGEST_TICK_SECONDS": "1",
        "DIGEST_RATE_PER_SECOND": "500",
        "CONTENT_DIR": str(content),
        "CONTENT_POLL_SECONDS": "0.5",
        "ADMIN_CHAT_IDS": str(ADMIN),
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.mark.slow
async def test_two_replicas_answer_each_update_once_and_send_each_digest_once(
    postgres: str, tmp_path: Path
) -> None:
    database = Database(postgres)
    database.migrate()
    ports = [free_port(), free_port()]
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")  # the provenance check reads them
    async with BotApiSandbox() as sandbox, LoadBalancer(ports) as lb:
        replicas = [
            await start_replica(sandbox, postgres, port, lb.port, content) for port in ports
        ]
        try:
            for port in ports:
                await healthy(port)
            assert sandbox.calls_to("setWebhook")

            # Without the secret, or with a wrong one, a replica refuses the request.
            async with aiohttp.ClientSession() as session:
                for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                    async with session.post(
                        f"http://127.0.0.1:{ports[0]}/telegram",
                        json={"update_id": 1},
                        headers=headers,
                    ) as response:
                        assert response.status == 403

            # Every update is answered exactly once, by whichever replica received it.
            chats = list(range(500, 540))
            for chat in chats:
                await sandbox.send_message(chat, "/help")
            await sandbox.wait_for(lambda m: m.chat_id in chats, count=len(chats), timeout=30)
            await asyncio.sleep(0.5)
            assert Counter(m.chat_id for m in sandbox.sent if m.chat_id in chats) == Counter(chats)
            assert all(lb.served[p] > 0 for p in ports)

            # Digests due now: both replicas tick every second; each goes out once.
            spec = DigestSpec(cadence="daily", local_time=time(9, 0), zone="UTC", weekday=None)
            subscribers = list(range(1000, 1300))
            for chat in subscribers:
                sandbox.add_chat(chat)
            database.bulk_subscribe([(c, spec) for c in subscribers], datetime.now(UTC))
            with database.engine.begin() as connection:
                connection.execute(
                    text("UPDATE subscriptions SET next_due_at = :due"),
                    {"due": datetime.now(UTC) - timedelta(minutes=1)},
                )
            await sandbox.wait_for(
                lambda m: m.chat_id in subscribers, count=len(subscribers), timeout=60
            )
            await asyncio.sleep(2.5)  # two more ticks on each replica: still nothing twice
            per_chat = Counter(m.chat_id for m in sandbox.sent if m.chat_id >= 1000)
            assert per_chat == Counter(subscribers)

            # "Type your time zone": the tap and the typed zone reach different replicas
            # (round robin), and the step is completed all the same.
            await sandbox.send_message(600, "/subscribe")
            [ask] = await sandbox.wait_for(600, timeout=10)
            for _ in range(2):  # daily, then the first time offered
                data = ask.callback_data[0]
                await sandbox.press_button(600, ask.message_id, data)
                [ask] = await sandbox.wait_for(600, timeout=10)
            typed = next(d for d in ask.callback_data if d.endswith("|?"))
            await sandbox.press_button(600, ask.message_id, typed)
            await sandbox.wait_for(600, timeout=10)
            await sandbox.send_message(600, "America/Mexico_City")
            await sandbox.wait_for(600, timeout=10)
            subscription = database.get(600)
            assert subscription is not None and subscription.spec.zone == "America/Mexico_City"

            # /reload on one replica: the other serves the new content within a poll or two.
            explainer = content / "01-symptoms.md"
            explainer.write_text(
                explainer.read_text(encoding="utf-8").replace(
                    "title: What is lupus?", "title: What lupus is"
                ),
                encoding="utf-8",
            )
            await sandbox.send_message(ADMIN, "/reload")
            [done] = await sandbox.wait_for(ADMIN, timeout=20)
            assert done.text.startswith("Reloaded."), done.text
            # Linting the content takes a replica a few seconds; then four in a row (round
            # robin: both replicas, twice each) show the new title.
            deadline = asyncio.get_running_loop().time() + 30
            fresh, chat = 0, 601
            while fresh < 4:
                assert asyncio.get_running_loop().time() < deadline, "a replica kept old content"
                await sandbox.send_message(chat, "/symptoms")
                [explained] = await sandbox.wait_for(chat, timeout=10)
                fresh = fresh + 1 if explained.text.startswith("What lupus is") else 0
                chat += 1
                await asyncio.sleep(0.2)
        finally:
            for replica in replicas:
                if replica.returncode is None:
                    replica.send_signal(signal.SIGTERM)
            outputs = [await replica.communicate() for replica in replicas]
            database.close()
        for replica, (_, err) in zip(replicas, outputs, strict=True):
            assert replica.returncode == 0, err.decode()[-2000:]
            assert sandbox.token not in err.decode()
