"""Logging that never leaks the bot token, nor users' words or names, at any level.

The HTTP client logs every request URL at INFO, and Bot API URLs carry the token
(``/bot<token>/sendMessage``). We raise httpx/httpcore to WARNING and, as a second line of
defence, every handler gets a filter that redacts the token and any token-shaped string
from every record, at every level. At DEBUG, python-telegram-bot logs whole updates and
API results (health questions, names): ``HideLibraryPayloads`` keeps those records but
replaces every argument that is not a plain name or number with its type.
"""

from __future__ import annotations

import json
import logging
import re

_TOKEN_SHAPE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{30,64}")
REDACTED = "<redacted>"


class RedactTokens(logging.Filter):
    """Rewrites a record's message so that no bot token survives, whatever logged it."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_SHAPE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(formatted)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


_PLAIN_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,63}")


class HideLibraryPayloads(logging.Filter):
    """python-telegram-bot's own records: arguments shown only when they are numbers or
    single identifiers (a method name such as ``sendMessage``), else as ``<dict>``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("telegram") or not record.args:
            return True
        args = record.args if isinstance(record.args, tuple) else (record.args,)
        record.args = tuple(_shown(arg) for arg in args)
        return True


def _shown(value: object) -> object:
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, str) and _PLAIN_WORD.fullmatch(value):
        return value
    return f"<{type(value).__name__}>"


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for log collectors (LOG_FORMAT=json)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(level: int, secrets: tuple[str, ...] = (), *, json_lines: bool = False) -> None:
    root = logging.getLogger()
    root.setLevel(level)
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for existing in root.handlers:
        existing.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    for existing in root.handlers:
        for old in [
            f for f in existing.filters if isinstance(f, RedactTokens | HideLibraryPayloads)
        ]:
            existing.removeFilter(old)
        existing.addFilter(HideLibraryPayloads())
        existing.addFilter(RedactTokens(secrets))
    # Request logs hold the token in their URLs and say nothing an operator needs at INFO.
    for noisy in ("httpx", "httpcore", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
