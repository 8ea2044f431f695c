"""``python -m bot chat``: talk to the real bot in a terminal, with no account and no network.

The same Application as ``run`` talks over HTTP to the local Bot API sandbox on 127.0.0.1
(the one the end-to-end tests use). What the bot sends is printed as plain text; buttons
are numbered, and typing a number presses one. Type /quit (or Ctrl-D) to leave.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
import threading
from pathlib import Path
from typing import TextIO

from bot.conversation.subscriptions import load_choices
from bot.devtools.sandbox import BotApiSandbox, SandboxEvent, SentMessage
from bot.knowledge.catalog import CatalogError, build_catalog
from bot.logs import setup_logging
from bot.settings import load_settings
from bot.storage.database import Database
from bot.telegram.app import build_application, start, stop
from bot.telegram.flood import FloodGate

CHAT_ID = 1001
PROMPT = "you> "


class Terminal:
    """Prints the bot's messages and remembers the buttons on screen."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.buttons: list[tuple[int, str, str]] = []  # (message id, label, callback data)

    def show(self, event: SandboxEvent) -> None:
        if event.kind not in ("sent", "edited") or event.message is None:
            return
        message: SentMessage = event.message
        if message.chat_id != CHAT_ID:
            return
        print(f"\nbot> {message.text}", file=self.out)
        labels = [
            (message.message_id, b.get("text", ""), b["callback_data"])
            for row in message.buttons
            for b in row
            if "callback_data" in b
        ]
        if labels:
            self.buttons = labels
            for number, (_, label, _) in enumerate(labels, start=1):
                print(f"  [{number}] {label}", file=self.out)
        self.out.flush()


async def converse(content: Path, lines: asyncio.Queue[str | None], out: TextIO) -> int:
    """Run bot and sandbox until the input ends; each input line is a message or a choice."""
    try:
        catalog = build_catalog(content)
    except CatalogError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    scratch = tempfile.TemporaryDirectory(prefix="bot-chat-")
    database = Database(f"sqlite:///{Path(scratch.name) / 'chat.sqlite3'}")
    database.migrate()
    async with BotApiSandbox() as sandbox:
        settings = load_settings(
            {"TELEGRAM_BOT_TOKEN": sandbox.token, "TELEGRAM_API_URL": sandbox.url}
        )
        # A throwaway database, so /subscribe and /privacy can be tried too.
        application = build_application(
            settings,
            catalog,
            flood=FloodGate(limit=30),
            database=database,
            choices=load_choices(content),
        )
        terminal = Terminal(out)
        sandbox.add_listener(terminal.show)
        await start(application)
        try:
            print(
                "Talking to the bot offline. Type a message, a /command, or a button number. "
                "/quit to leave.",
                file=out,
            )
            await sandbox.send_command(CHAT_ID, "/start", first_name="Editor")
            while True:
                line = await lines.get()
                if line is None or line.strip() in ("/quit", "/exit"):
                    break
                text = line.strip()
                if text.isdigit() and 1 <= int(text) <= len(terminal.buttons):
                    message_id, _, data = terminal.buttons[int(text) - 1]
                    await sandbox.press_button(CHAT_ID, message_id, data)
                elif text:
                    await sandbox.send_message(CHAT_ID, text, first_name="Editor")
                else:
                    continue
                await asyncio.sleep(0.3)  # let the replies print before the next prompt
        finally:
            await stop(application)
            database.close()
            scratch.cleanup()
    return 0


def _read_stdin(loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str | None]) -> None:
    """Runs in a daemon thread, so a blocked read never keeps the program from exiting."""
    for line in sys.stdin:
        loop.call_soon_threadsafe(lines.put_nowait, line)
    loop.call_soon_threadsafe(lines.put_nowait, None)


async def _main(content: Path) -> int:
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    reader = threading.Thread(
        target=_read_stdin, args=(asyncio.get_running_loop(), lines), daemon=True
    )
    reader.start()
    return await converse(content, lines, sys.stdout)


def run_chat(content: str | None) -> int:
    import os

    setup_logging(logging.WARNING)
    folder = Path(content or os.environ.get("CONTENT_DIR", "content"))
    try:
        return asyncio.run(_main(folder))
    except KeyboardInterrupt:
        return 0
