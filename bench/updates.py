"""Benchmark: the bot against a bare python-telegram-bot echo bot, through the sandbox.

N simulated users each send M messages (a mix of typed questions, commands and small
talk), each user waiting for the reply before sending the next, all users at once. Each bot
runs in a process of its own, as in production, talking real HTTP to the local Bot API
sandbox in this process (which plays Telegram and the users, so its work is not charged to
the bot). Both use the same ``concurrent_updates``; the echo bot answers every text with
itself.

Latency is from the moment the sandbox queues an update to the bot's first reply to it.
Prints replies per second and p50/p99 latency for each, then the ratio of p50 latencies
last. Target: the bot within 1.3 times the echo bot.

Per-user flood control is raised out of the way for the run (a benchmark user is a script).

    python bench/updates.py [--users 20] [--messages 20]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import ApplicationBuilder, MessageHandler, filters  # noqa: E402

from bot.devtools.sandbox import BotApiSandbox  # noqa: E402
from bot.knowledge.catalog import build_catalog  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.telegram.app import build_application  # noqa: E402
from bot.telegram.flood import FloodGate  # noqa: E402
from bot.telegram.state import CONTEXT_TYPES, BotApplication, Context  # noqa: E402

CONCURRENT_UPDATES = 64
TEXTS = [
    "how does the treatment work",
    "is it safe?",
    "what did the study find",
    "/symptoms",
    "can i get this treatment",
    "where can I learn more",
    "what are the side effects",
    "hello",
    "/start",
    "what is lupus",
]


async def echo(update: Update, context: Context) -> None:
    if update.effective_message is not None and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


def echo_application_for(api_url: str, token: str) -> BotApplication:
    application: BotApplication = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api_url}/bot")
        .base_file_url(f"{api_url}/file/bot")
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(CONCURRENT_UPDATES)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


def _replies_to(update_id: int, message: object) -> bool:
    return getattr(message, "reply_to_update_id", None) == update_id


async def drive(sandbox: BotApiSandbox, users: int, messages: int) -> tuple[float, list[float]]:
    async def one_user(user_id: int) -> None:
        for i in range(messages):
            sent = await sandbox.send_message(user_id, TEXTS[(user_id + i) % len(TEXTS)])
            update = next(
                u
                for u in reversed(sandbox.updates)
                if u.chat_id == user_id
                and u.payload.get("message", {}).get("message_id") == sent["message_id"]
            )
            await sandbox.wait_for(partial(_replies_to, update.update_id), timeout=30)

    started = time.perf_counter()
    await asyncio.gather(*(one_user(1000 + u) for u in range(users)))
    elapsed = time.perf_counter() - started
    return elapsed, sandbox.latencies()


async def serve_child(kind: str, api_url: str, token: str) -> None:
    """In the child process: run one bot until SIGTERM."""
    from bot.telegram.app import serve
    from bot.telegram.outbox import Pace

    if kind == "echo":
        application = echo_application_for(api_url, token)
        application.bot_data.settings = load_settings(
            {"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": api_url, "HTTP_PORT": "0"}
        )
    else:
        settings = load_settings(
            {"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": api_url, "HTTP_PORT": "0"}
        )
        catalog = build_catalog(ROOT / "content", seeds_dir=ROOT / "seeds")
        application = build_application(
            settings,
            catalog,
            flood=FloodGate(limit=1_000_000),
            concurrent_updates=CONCURRENT_UPDATES,
            # A benchmark "user" is a script sending far faster than a person can read;
            # Telegram's per-chat pacing would measure the pacing, not the bot.
            pace=Pace(per_second=1_000_000, burst=1_000_000),
        )
    await serve(application)


async def measure(kind: str, users: int, messages: int) -> dict[str, float]:
    async with BotApiSandbox() as sandbox:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve",
            kind,
            "--api",
            sandbox.url,
            "--token",
            sandbox.token,
        )
        try:
            await sandbox.wait_for_call("getUpdates", timeout=60)
            await drive(sandbox, 2, 3)  # warm-up: connections, caches
            sandbox.updates.clear()
            elapsed, latencies = await drive(sandbox, users, messages)
        finally:
            child.terminate()
            await child.wait()
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "updates": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": cuts[98] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--serve", choices=["bot", "echo"], help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.serve:
        asyncio.run(serve_child(args.serve, args.api, args.token))
        return

    results: dict[str, list[dict[str, float]]] = {"echo": [], "bot": []}
    for _ in range(args.rounds):  # interleaved, so drift on the machine hits both alike
        for kind in ("echo", "bot"):
            results[kind].append(asyncio.run(measure(kind, args.users, args.messages)))
    summary = {
        kind: {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        for kind, runs in results.items()
    }
    print(f"users: {args.users}, messages each: {args.messages}, rounds: {args.rounds}")
    for kind, label in (("echo", "echo bot (baseline)"), ("bot", "lupus bot")):
        s = summary[kind]
        print(
            f"{label:20} {s['per_second']:7.1f} replies/s  "
            f"p50 {s['p50_ms']:6.1f} ms  p99 {s['p99_ms']:6.1f} ms"
        )
    ratio = summary["bot"]["p50_ms"] / summary["echo"]["p50_ms"]
    print(f"ratio p50 latency bot / echo: {ratio:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
