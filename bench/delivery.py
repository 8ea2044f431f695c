"""Does every reply get out? The hostile probes of the delivery issue, as figures.

Each probe runs the real bot (the same Application as ``run``) over real HTTP against the
local Bot API sandbox, with SQLite or PostgreSQL, and prints what a person would notice:

1. floods: urgent replies delivered when the urgent line comes in a burst of messages;
2. Telegram's flood control (429) on: urgent replies delivered, explainers duplicated;
3. a silent database (PostgreSQL behind a proxy that stops forwarding): seconds to the
   first reply to /symptoms, "I can't breathe" and a question, and to a clean stop;
4. SIGTERM during a 1,000-digest fan-out: seconds to exit, rows still held by claims,
   and webhook updates answered 200 after shutdown began but never handled;
5. slow Telegram (sendMessage answering after the client's timeout): copies of one reply;
6. two pollers on one token: users answered twice, and whether the health check says so.

The baseline measured in the same run is the echo of the probe itself: how long the
sandbox takes to answer a plain getMe (so a slow machine shows as such), ratio last.

    .venv/bin/python bench/delivery.py
    .venv/bin/python bench/delivery.py --database postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from bot.devtools.partition import SilentProxy  # noqa: E402
from bot.devtools.sandbox import BotApiSandbox  # noqa: E402
from bot.knowledge.catalog import Catalog, build_catalog  # noqa: E402
from bot.schedule import DigestSpec  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.storage.database import Database  # noqa: E402
from bot.storage.schema import subscriptions  # noqa: E402
from bot.telegram.app import build_application, serve, start, stop  # noqa: E402

URGENT = "I can't breathe"
SECRET = "bench-secret_1"
Figures = list[str]


def _plain(html: str) -> str:
    return html.replace("<b>", "").replace("</b>", "")


def _settings(sandbox: BotApiSandbox, **extra: str) -> Any:
    env = {"TELEGRAM_BOT_TOKEN": sandbox.token, "TELEGRAM_API_URL": sandbox.url, **extra}
    return load_settings(env)


def _is(catalog: Catalog, kind: str) -> Callable[[str], bool]:
    marker = _plain(catalog.safety.kind(kind).reply)[:40]
    return lambda message_text: marker in message_text


#: When each urgent line was sent (chat id -> monotonic time), for the reply latency.
URGENT_SENT: dict[int, float] = {}


async def _burst(sandbox: BotApiSandbox, chat_id: int, texts: list[str], seconds: float) -> None:
    gap = seconds / max(len(texts), 1)
    for message in texts:
        if message == URGENT:
            URGENT_SENT[chat_id] = time.monotonic()
        await sandbox.send_message(chat_id, message)
        await asyncio.sleep(gap)


async def _settle(sandbox: BotApiSandbox, seconds: float, quiet: float = 6.0) -> None:
    """Wait until nothing has been sent for ``quiet`` seconds (or ``seconds`` have passed)."""
    deadline = time.monotonic() + seconds
    last, since = len(sandbox.sent), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        if len(sandbox.sent) != last:
            last, since = len(sandbox.sent), time.monotonic()
        elif time.monotonic() - since >= quiet:
            return


async def probe_floods(catalog: Catalog, limits: bool) -> Figures:
    """Urgent line 20th of 30 in 5 s (and, with 429s on, 5th of 30 and last of 10 in 4 s)."""
    urgent = _is(catalog, "urgent")
    async with BotApiSandbox() as sandbox:
        if limits:
            sandbox.set_rate_limits(global_per_second=30, per_chat_per_second=1, burst=3)
        application = build_application(_settings(sandbox), catalog)
        await start(application)
        try:
            plans: list[tuple[int, list[str], float]] = []
            for user in range(10):
                texts = [f"and another thing {i}" for i in range(30)]
                texts[19] = URGENT
                plans.append((1000 + user, texts, 5.0))
            if limits:
                for user in range(10):
                    texts = [f"one more question {i}" for i in range(30)]
                    texts[4] = URGENT
                    plans.append((2000 + user, texts, 5.0))
                for user in range(10):
                    texts = [f"what about {i}" for i in range(9)] + [URGENT]
                    plans.append((3000 + user, texts, 4.0))
            await asyncio.gather(*(_burst(sandbox, c, t, s) for c, t, s in plans))
            await _settle(sandbox, 120 if limits else 20)
            delivered = sum(
                any(m.chat_id == chat and urgent(m.text) for m in sandbox.sent)
                for chat, _, _ in plans
            )
            waits = sorted(
                min(m.sent_at for m in sandbox.sent if m.chat_id == chat and urgent(m.text))
                - URGENT_SENT[chat]
                for chat, _, _ in plans
                if any(m.chat_id == chat and urgent(m.text) for m in sandbox.sent)
            )
            limited = sum(1 for c in sandbox.calls if c.error_code == 429)
        finally:
            await stop(application)
    label = "with Telegram's 429s on" if limits else "no 429s"
    median = waits[len(waits) // 2] if waits else float("nan")
    FLOOD_MEDIANS.append(median)
    return [
        f"floods, {label}: urgent replies delivered {delivered}/{len(plans)}, "
        f"median {median * 1000:.0f} ms after the urgent line"
        + (f" (429s the bot provoked: {limited})" if limits else "")
    ]


#: The median urgent-reply latency of each flood probe, for the ratio line.
FLOOD_MEDIANS: list[float] = []


async def probe_slow_telegram(catalog: Catalog) -> Figures:
    """sendMessage answering 7 s late, twice: how many copies of one explainer arrive."""
    async with BotApiSandbox() as sandbox:
        application = build_application(_settings(sandbox), catalog)
        await start(application)
        try:
            sandbox.delay_next("sendMessage", 7.0, count=2)
            await sandbox.send_message(50, "/symptoms")
            await _settle(sandbox, 40, quiet=12)
            title = catalog.topics[0].title
            copies = sum(1 for m in sandbox.sent if m.chat_id == 50 and m.text.startswith(title))
            sandbox.delay_next("sendMessage", 7.0, count=2)
            await sandbox.send_message(51, URGENT)
            await _settle(sandbox, 40, quiet=12)
            urgent = _is(catalog, "urgent")
            safety = sum(1 for m in sandbox.sent if m.chat_id == 51 and urgent(m.text))
        finally:
            await stop(application)
    return [f"slow Telegram (7 s late twice): explainer copies {copies}, urgent copies {safety}"]


async def probe_two_pollers(catalog: Catalog) -> Figures:
    """A second replica polling the same token by mistake."""
    from bot.telegram.web import readiness_problems

    async with BotApiSandbox() as sandbox:
        first = build_application(_settings(sandbox), catalog)
        second = build_application(_settings(sandbox), catalog)
        await start(first)
        await start(second)
        try:
            await asyncio.sleep(1.0)
            for user in range(20):
                await sandbox.send_message(4000 + user, "/symptoms")
                await asyncio.sleep(0.1)
            await _settle(sandbox, 15)
            title = catalog.topics[0].title
            twice = sum(
                sum(1 for m in sandbox.sent if m.chat_id == 4000 + u and m.text.startswith(title))
                > 1
                for u in range(20)
            )
            healthy = [not await readiness_problems(app) for app in (first, second)]
        finally:
            await stop(second)
            await stop(first)
    return [
        f"two pollers: users answered twice {twice}/20; "
        f"health checks saying healthy {sum(healthy)}/2"
    ]


async def probe_silent_database(catalog: Catalog, url: str) -> Figures:
    """PostgreSQL behind a proxy that goes silent: replies, and a clean stop."""
    with SilentProxy.in_front_of(url) as proxy:
        proxied = proxy.url_for(url)
        database = Database(proxied)
        database.migrate()
        async with BotApiSandbox() as sandbox:
            settings = _settings(sandbox, DATABASE_URL=proxied, HTTP_PORT="0")
            application = build_application(settings, catalog, database=database, tick=False)
            stop_event = asyncio.Event()
            task = asyncio.create_task(serve(application, stop_event))
            await sandbox.send_message(60, "/start")
            await sandbox.wait_for(60, timeout=20)
            proxy.silence()
            started = time.monotonic()
            # Twenty people asking things the bot is not sure about (each answer records the
            # question) and looking at their settings, then the four probes.
            for user in range(20):
                await sandbox.send_message(100 + user, f"what colour is a flamingo {user}")
                await sandbox.send_message(200 + user, "/settings")
            await asyncio.sleep(0.5)
            asks = {61: "/symptoms", 62: URGENT, 63: "what colour is a flamingo", 64: "/settings"}
            for chat, message in asks.items():
                await sandbox.send_message(chat, message)
            firsts: dict[int, float | None] = {}
            for chat in asks:
                try:
                    await sandbox.wait_for(
                        chat, timeout=max(0.1, 45 - (time.monotonic() - started))
                    )
                    firsts[chat] = time.monotonic() - started
                except TimeoutError:
                    firsts[chat] = None
            stop_event.set()
            stopping = time.monotonic()
            done, _ = await asyncio.wait({task}, timeout=30)
            stopped = time.monotonic() - stopping if done else None
            proxy.restore()
            if not done:
                await asyncio.wait({task}, timeout=30)

    def shown(value: float | None, cap: float) -> str:
        return f"{value:.1f} s" if value is not None else f"none in {cap:.0f} s"

    return [
        "silent database: first reply to /symptoms "
        f"{shown(firsts[61], 45)}, to '{URGENT}' {shown(firsts[62], 45)}, "
        f"to a question {shown(firsts[63], 45)}, to /settings {shown(firsts[64], 45)}",
        f"silent database: stop after SIGTERM {shown(stopped, 30)}",
    ]


async def probe_start_against_silent_database(url: str) -> Figures:
    """``python -m bot run`` when the database host accepts connections and says nothing."""
    with SilentProxy.in_front_of(url) as proxy:
        proxy.silence()
        async with BotApiSandbox() as sandbox:
            env = {
                **os.environ,
                "TELEGRAM_BOT_TOKEN": sandbox.token,
                "TELEGRAM_API_URL": sandbox.url,
                "DATABASE_URL": proxy.url_for(url),
                "HTTP_PORT": "0",
                "CONTENT_DIR": str(ROOT / "content"),
            }
            started = time.monotonic()
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                await asyncio.wait_for(process.wait(), 30)
                took = f"exit {process.returncode} after {time.monotonic() - started:.1f} s"
            except TimeoutError:
                process.kill()
                await process.wait()
                took = "still starting after 30 s (killed)"
    return [f"start against a silent database: {took}"]


async def probe_shutdown(catalog: Catalog, url: str) -> Figures:
    """Webhook mode; 1,000 digests due; SIGTERM 10 s in; then 10 updates POSTed."""
    database = Database(url)
    database.migrate()
    with database.engine.begin() as connection:
        for table in ("deliveries", "subscriptions"):
            connection.execute(text(f"DELETE FROM {table}"))
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    slot = now - timedelta(minutes=1)
    spec = DigestSpec("daily", slot.time(), "UTC")
    database.bulk_subscribe(((9_000_000 + i, spec) for i in range(1000)), slot - timedelta(hours=1))
    async with BotApiSandbox() as sandbox:
        for i in range(1000):
            sandbox.add_chat(9_000_000 + i)
        port = _free_port()
        settings = _settings(
            sandbox,
            DATABASE_URL=url,
            HTTP_HOST="127.0.0.1",
            HTTP_PORT=str(port),
            WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
            WEBHOOK_SECRET=SECRET,
            DIGEST_TICK_SECONDS="1",
        )
        application = build_application(settings, catalog, database=database)
        stop_event = asyncio.Event()
        task = asyncio.create_task(serve(application, stop_event))
        await asyncio.sleep(10.0)
        sent_before = len(sandbox.sent)
        stop_event.set()
        stopping = time.monotonic()
        statuses: list[int] = []
        await asyncio.sleep(0.05)
        async with aiohttp.ClientSession() as session:
            for i in range(10):
                chat = 70 + i
                sandbox.add_chat(chat)
                update = {
                    "update_id": 900_000 + i,
                    "message": {
                        "message_id": 1,
                        "date": int(time.time()),
                        "chat": {"id": chat, "type": "private", "first_name": "U"},
                        "from": {"id": chat, "is_bot": False, "first_name": "U"},
                        "text": "/symptoms",
                        "entities": [{"type": "bot_command", "offset": 0, "length": 9}],
                    },
                }
                try:
                    async with session.post(
                        f"http://127.0.0.1:{port}/hook",
                        json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                        timeout=aiohttp.ClientTimeout(total=5),
                    ) as response:
                        statuses.append(response.status)
                except (aiohttp.ClientError, TimeoutError):
                    statuses.append(0)
        done, _ = await asyncio.wait({task}, timeout=120)
        exited = time.monotonic() - stopping if done else None
        answered = {m.chat_id for m in sandbox.sent if 70 <= m.chat_id < 80}
        lost = sum(1 for i, s in enumerate(statuses) if s == 200 and 70 + i not in answered)
        digests = len([m for m in sandbox.sent if m.chat_id >= 9_000_000])
    with database.engine.connect() as connection:
        held = connection.execute(
            select(func.count()).where(subscriptions.c.claimed_until > datetime.now(UTC))
        ).scalar_one()
    shown = f"{exited:.1f} s" if exited is not None else "not within 120 s"
    return [
        f"SIGTERM during a 1,000-digest fan-out: exit after {shown}; digests sent {digests} "
        f"({sent_before} before the signal); rows still held by claims {held}",
        f"webhook updates after shutdown began: {statuses.count(200)}/10 answered 200, "
        f"{statuses.count(503)}/10 got 503; lost (200 and never handled) {lost}",
    ]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def baseline() -> float:
    async with BotApiSandbox() as sandbox, aiohttp.ClientSession() as session:
        started = time.perf_counter()
        for _ in range(50):
            async with session.get(f"{sandbox.url}/bot{sandbox.token}/getMe") as response:
                await response.read()
        return (time.perf_counter() - started) / 50 * 1000


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.CRITICAL)
    catalog = build_catalog(ROOT / "content", seeds_dir=ROOT / "seeds")
    base = await baseline()
    probes: list[Callable[[], Awaitable[Figures]]] = [
        lambda: probe_floods(catalog, limits=False),
        lambda: probe_floods(catalog, limits=True),
        lambda: probe_slow_telegram(catalog),
        lambda: probe_two_pollers(catalog),
        lambda: probe_silent_database(catalog, args.postgres),
        lambda: probe_start_against_silent_database(args.postgres),
    ]
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{folder}/bench.sqlite3"
        probes.append(lambda: probe_shutdown(catalog, args.database or sqlite_url))
        for probe in probes:
            started = time.monotonic()
            try:
                lines = await probe()
            except Exception as err:  # a probe that breaks is a figure too
                lines = [f"probe failed: {type(err).__name__}: {err}"]
            for line in lines:
                print(line, flush=True)
            print(f"  ({time.monotonic() - started:.0f} s)", flush=True)
    print(f"baseline: sandbox getMe round trip {base:.2f} ms")
    if FLOOD_MEDIANS:
        ratio = FLOOD_MEDIANS[0] * 1000 / base
        print(f"ratio: urgent reply in a flood (no 429s, median) / getMe round trip {ratio:.0f}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="PostgreSQL for the silent-database probes",
    )
    parser.add_argument("--database", help="database for the shutdown probe (default SQLite)")
    code = asyncio.run(main(parser.parse_args()))
    sys.stdout.flush()
    os._exit(code)  # threads stuck on a silent database must not hold the process
