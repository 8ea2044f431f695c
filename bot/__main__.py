"""Command line: ``python -m bot run | chat | lint | report``.

Every failure a user or operator can cause ends in one line on stderr and a non-zero exit
code, never a traceback; the bot token never appears in what is printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.lint import cli as lint_cli
from bot.logs import RedactTokens

if TYPE_CHECKING:
    from bot.conversation.subscriptions import Choices
    from bot.knowledge.catalog import Catalog
    from bot.settings import Settings
    from bot.storage.database import Database


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Plain-language health news bot and content linter."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run",
        help="serve Telegram (long polling); settings from the environment; with no token, "
        "the bot in a local web chat",
    )
    chat = commands.add_parser("chat", help="talk to the bot in this terminal, offline")
    chat.add_argument("--content", help="content folder (default: CONTENT_DIR or content/)")
    lint = commands.add_parser("lint", help="check content files before publishing")
    lint_cli.add_arguments(lint)
    triage = commands.add_parser(
        "triage", help="show what triage and routing decide about a message, and why"
    )
    triage.add_argument("message", nargs="?", help="the message, in quotes")
    triage.add_argument("--file", type=Path, help="a file of messages, one per line")
    triage.add_argument("--content", help="content folder (default: CONTENT_DIR or content/)")
    commands.add_parser(
        "healthcheck", help="exit 0 if the running bot's /healthz says ready (for Docker)"
    )
    report = commands.add_parser(
        "report", help="what readers did: views, helpful yes/no, unanswered questions"
    )
    report.add_argument("--since", default="30d", help="how far back: 30d, 12w, 48h (30d)")
    report.add_argument("--html", type=Path, help="also write DIR/index.html, offline")
    digests = commands.add_parser("digests", help="scheduled digests")
    digest_commands = digests.add_subparsers(dest="digest_command", required=True)
    send_due = digest_commands.add_parser(
        "send-due", help="send every digest due at one instant, then exit (for cron)"
    )
    send_due.add_argument("--now", help="the instant, ISO 8601 (default: now); without a zone, UTC")
    return parser


def fail(message: str, code: int = 1, secrets: tuple[str, ...] = ()) -> int:
    print(f"error: {RedactTokens(secrets).redact(message)}", file=sys.stderr)
    return code


@dataclass
class Runtime:
    settings: Settings
    catalog: Catalog
    database: Database
    choices: Choices


def prepare(settings: Settings | None = None) -> Runtime | int:
    """Settings (unless given), logging, linted content and a migrated database, or an
    exit code."""
    from bot.conversation.subscriptions import load_choices
    from bot.knowledge.catalog import CatalogError, build_catalog
    from bot.logs import setup_logging
    from bot.settings import ConfigError, environment, load_settings
    from bot.storage.database import Database, DatabaseError

    if settings is None:
        try:
            settings = load_settings(environment())
        except ConfigError as err:
            return fail(str(err), 2)
    secrets = (settings.token,)
    setup_logging(settings.log_level, secrets, json_lines=settings.log_format == "json")
    try:
        catalog = build_catalog(settings.content_dir)
        choices = load_choices(settings.content_dir)
    except (CatalogError, ValueError) as err:
        return fail(str(err))
    try:
        database = Database(settings.database_url)
        database.migrate()
    except DatabaseError as err:
        return fail(str(err), 1, secrets)
    return Runtime(settings, catalog, database, choices)


def run_bot() -> int:
    from bot.settings import ConfigError, environment, load_settings
    from bot.telegram import entry

    env = environment()
    try:
        settings = load_settings(env, need_token=False)
    except ConfigError as err:
        return fail(str(err), 2)
    if not settings.token:
        return run_embedded(settings, env.get("WEBCHAT_HOST", "").strip() or "127.0.0.1")
    runtime = prepare(settings)
    if isinstance(runtime, int):
        return runtime
    r = runtime
    return entry.run(r.settings, r.catalog, r.database, r.choices, _failer(r.settings))


def run_embedded(settings: Settings, host: str) -> int:
    """No token: the real bot against the local Bot API sandbox, in a web chat on
    127.0.0.1 (``bot.devtools.webchat``), with a throwaway SQLite database."""
    import dataclasses
    import tempfile

    from bot.devtools.webchat import listen_problem
    from bot.devtools.webchat import run_embedded as serve_web_chat

    problem = listen_problem(host, settings.http_port)
    if problem is not None:
        return fail(problem)
    with tempfile.TemporaryDirectory(prefix="bot-webchat-") as scratch:
        database_url = f"sqlite:///{Path(scratch) / 'webchat.sqlite3'}"
        runtime = prepare(dataclasses.replace(settings, database_url=database_url))
        if isinstance(runtime, int):
            return runtime
        r = runtime
        try:
            return serve_web_chat(
                r.settings, r.catalog, r.database, r.choices, host=host, fail=_failer(r.settings)
            )
        finally:
            r.database.close()


def _failer(settings: Settings) -> Callable[[str, int], int]:
    return lambda message, code: fail(message, code, (settings.token,))


def send_due(now_text: str | None) -> int:
    from bot.telegram import entry

    now: datetime | None = None
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError:
            return fail(
                f"--now must be an ISO 8601 instant like 2026-11-24T09:00:00Z, not {now_text!r}", 2
            )
        now = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(UTC)
    runtime = prepare()
    if isinstance(runtime, int):
        return runtime
    r = runtime
    code, result = entry.send_due(r.settings, r.catalog, r.database, now, _failer(r.settings))
    if code == 0:
        print(" ".join(f"{k}={v}" for k, v in result.items()))
    return code


def explain_triage(args: argparse.Namespace) -> int:
    """``python -m bot triage "..."``: the decision about each message, for editors."""
    import os

    from bot.knowledge.catalog import CatalogError, build_catalog
    from bot.knowledge.explain import describe

    if (args.message is None) == (args.file is None):
        return fail("give a message in quotes, or --file with one message a line", 2)
    if args.file is not None:
        try:
            text = args.file.read_text("utf-8", errors="replace")
        except OSError as err:
            return fail(f"cannot read {args.file}: {err.strerror or err}", 2)
        messages = [line for line in text.splitlines() if line.strip()]
    else:
        messages = [args.message]
    folder = Path(args.content or os.environ.get("CONTENT_DIR", "content"))
    try:
        catalog = build_catalog(folder)
    except CatalogError as err:
        return fail(str(err))
    for message in messages:
        print(describe(catalog, message))
    return 0


def reader_report(args: argparse.Namespace) -> int:
    """``python -m bot report``: the reader events and unanswered questions, for editors."""
    from bot.conversation import report
    from bot.knowledge.catalog import CatalogError, build_catalog
    from bot.settings import ConfigError, environment, load_settings
    from bot.storage.database import Database, DatabaseError

    try:
        since = report.parse_since(args.since)
    except ValueError as err:
        return fail(str(err), 2)
    if args.html is not None and args.html.exists() and not args.html.is_dir():
        return fail(f"--html {args.html} is a file, not a folder", 2)
    try:
        settings = load_settings(environment(), need_token=False)
    except ConfigError as err:
        return fail(str(err), 2)
    try:
        catalog = build_catalog(settings.content_dir)
    except CatalogError as err:
        return fail(str(err))
    try:
        database = Database(settings.database_url)
        database.migrate()
    except DatabaseError as err:
        return fail(str(err))
    try:
        result = report.collect(database, catalog, datetime.now(UTC), since)
    finally:
        database.close()
    print(report.render_text(result), end="")
    if args.html is not None:
        print(f"HTML report: {report.write_html(result, args.html)}")
    return 0


def healthcheck() -> int:
    """Ask the bot's own HTTP server; stdlib only, so it works in a minimal image."""
    import os
    import urllib.error
    import urllib.request

    port = os.environ.get("HTTP_PORT", "8080").strip() or "8080"
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            ok = response.status == 200
    except urllib.error.HTTPError as err:
        print(f"not ready: {err.code} {err.read().decode(errors='replace')[:200]}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"not ready: {url}: {err}", file=sys.stderr)
        return 1
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "lint":
        from bot.knowledge.catalog import routing_checks

        return lint_cli.run(args, corpus_checks=(routing_checks,))
    if args.command == "run":
        return run_bot()
    if args.command == "triage":
        return explain_triage(args)
    if args.command == "healthcheck":
        return healthcheck()
    if args.command == "report":
        return reader_report(args)
    if args.command == "digests":
        return send_due(args.now)
    if args.command == "chat":
        from bot.devtools.chat import run_chat

        return run_chat(args.content)
    return 2


if __name__ == "__main__":
    sys.exit(main())
