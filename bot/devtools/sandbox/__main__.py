"""``python -m bot.devtools.sandbox``: run a sandbox by itself."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import Iterable

from bot.devtools.sandbox import DEFAULT_TOKEN, BotApiSandbox


async def _serve(host: str, port: int, token: str) -> None:
    async with BotApiSandbox(token, host=host, port=port) as sandbox:
        print(f"Bot API sandbox at {sandbox.url}")
        print(f"token: {sandbox.token}  (a fake token, valid only here)")
        print(f'python-telegram-bot: .base_url("{sandbox.url}/bot")')
        print("Ctrl-C to stop.")
        await asyncio.Event().wait()


def main(argv: Iterable[str] | None = None) -> None:
    """Run a sandbox by itself, for poking at it with curl or a bot."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.devtools.sandbox", description=main.__doc__
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(list(argv) if argv is not None else None)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port, args.token))


if __name__ == "__main__":
    main()
