"""Command line: ``python -m bot run | chat | lint``.

Every failure a user or operator can cause ends in one line on stderr and a non-zero exit
code, never a traceback; the bot token never appears in what is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from telegram.error import InvalidToken, NetworkError, TelegramError

from .lint import cli as lint_cli
from .logs import RedactTokens


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Plain-language health news bot and content linter."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="serve Telegram (long polling); settings from the environment")
    chat = commands.add_parser("chat", help="talk to the bot in this terminal, offline")
    chat.add_argument("--content", help="content folder (default: CONTENT_DIR or content/)")
    lint = commands.add_parser("lint", help="check content files before publishing")
    lint_cli.add_arguments(lint)
    return parser


def fail(message: str, code: int = 1, secrets: tuple[str, ...] = ()) -> int:
    print(f"error: {RedactTokens(secrets).redact(message)}", file=sys.stderr)
    return code


def run_bot() -> int:
    from .app import build_application, serve
    from .catalog import CatalogError, build_catalog
    from .config import ConfigError, environment, load_settings
    from .logs import setup_logging

    try:
        settings = load_settings(environment())
    except ConfigError as err:
        return fail(str(err), 2)
    secrets = (settings.token,)
    setup_logging(settings.log_level, secrets)
    try:
        catalog = build_catalog(settings.content_dir)
    except CatalogError as err:
        return fail(str(err))
    application = build_application(settings, catalog)
    try:
        asyncio.run(serve(application))
    except InvalidToken:
        return fail("Telegram refused the bot token (401): check TELEGRAM_BOT_TOKEN", 1, secrets)
    except NetworkError as err:
        return fail(
            f"cannot reach the Telegram Bot API at {settings.api_url}: {err.message}", 1, secrets
        )
    except TelegramError as err:
        return fail(f"Telegram said: {err.message}", 1, secrets)
    except KeyboardInterrupt:
        return 0
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "lint":
        return lint_cli.run(args)
    if args.command == "run":
        return run_bot()
    if args.command == "chat":
        from .chat import run_chat

        return run_chat(args.content)
    return 2


if __name__ == "__main__":
    sys.exit(main())
