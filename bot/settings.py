"""Settings from the environment (and an optional ``.env``), validated once at start.

A bad setting is a ``ConfigError`` with one sentence that says what to fix; the command
line prints it as one line and exits non-zero, never with a traceback.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_URL = "sqlite:///data/bot.sqlite3"
_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    token: str
    api_url: str
    content_dir: Path
    database_url: str
    admin_chat_ids: frozenset[int]
    log_level: int
    #: Digest messages a second, overall (Telegram allows about 30 for bulk sends).
    digest_rate_per_second: float = 25.0
    #: Webhook mode when set: Telegram POSTs updates to this https URL.
    webhook_url: str = ""
    webhook_secret: str = ""
    #: The health, metrics and webhook server.
    http_host: str = "0.0.0.0"
    http_port: int = 8080
    log_format: str = "text"
    #: How often the in-process scheduler looks for due digests.
    digest_tick_seconds: float = 60.0
    #: How often a replica asks the database whether another replica ran /reload.
    content_poll_seconds: float = 10.0
    #: Reader events (views, helpful yes/no, quick checks) are purged after this many days.
    reader_events_days: int = 90

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url).path or "/" if self.webhook_url else ""

    def __repr__(self) -> str:  # never show the token, even in a debugger or a traceback
        return (
            f"Settings(token='***', api_url={self.api_url!r}, content_dir={self.content_dir!r}, "
            f"database_url={self.database_url!r}, admin_chat_ids={set(self.admin_chat_ids)!r}, "
            f"webhook_url={self.webhook_url!r}, webhook_secret='***')"
        )


def environment(env_file: Path | None = Path(".env")) -> dict[str, str]:
    """The process environment over the values of ``.env`` (the environment wins)."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)
    return values


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ConfigError(f"{name} must be a number from {low:g} to {high:g}, not {text!r}")
    return value


def load_settings(env: Mapping[str, str], *, need_token: bool = True) -> Settings:
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if need_token and not token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: put the token from @BotFather in the environment "
            "or in .env"
        )
    if token and not _TOKEN.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then "
            "30+ letters, digits, '_' or '-'); copy it again from @BotFather"
        )
    api_url = env.get("TELEGRAM_API_URL", DEFAULT_API_URL).strip().rstrip("/") or DEFAULT_API_URL
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"TELEGRAM_API_URL must be an http(s) address, not {api_url!r}")
    admins: set[int] = set()
    for item in re.split(r"[,\s]+", env.get("ADMIN_CHAT_IDS", "").strip()):
        if not item:
            continue
        try:
            admins.add(int(item))
        except ValueError:
            raise ConfigError(
                f"ADMIN_CHAT_IDS must be chat ids separated by commas, not {item!r}"
            ) from None
    level_name = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    level = logging.getLevelName(level_name)
    if not isinstance(level, int):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level_name!r}")
    rate = _number(env, "DIGEST_RATE_PER_SECOND", 25.0, 0.01, 100_000)
    webhook_url = env.get("WEBHOOK_URL", "").strip()
    webhook_secret = env.get("WEBHOOK_SECRET", "").strip()
    if webhook_url:
        parts = urlsplit(webhook_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"WEBHOOK_URL must be an https address, not {webhook_url!r}")
        if not _SECRET.match(webhook_secret):
            raise ConfigError(
                "WEBHOOK_SECRET must be set with WEBHOOK_URL: 1 to 256 letters, digits, "
                "'_' or '-' (Telegram sends it back with every update)"
            )
    port_text = env.get("HTTP_PORT", "8080").strip() or "8080"
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ConfigError(f"HTTP_PORT must be a port number, not {port_text!r}")
    log_format = env.get("LOG_FORMAT", "text").strip().lower() or "text"
    if log_format not in ("text", "json"):
        raise ConfigError(f"LOG_FORMAT must be text or json, not {log_format!r}")
    tick = _number(env, "DIGEST_TICK_SECONDS", 60.0, 0.1, 3600)
    poll = _number(env, "CONTENT_POLL_SECONDS", 10.0, 0.1, 3600)
    days = _number(env, "READER_EVENTS_DAYS", 90, 1, 3660)
    if days != int(days):
        raise ConfigError(f"READER_EVENTS_DAYS must be a whole number of days, not {days:g}")
    return Settings(
        reader_events_days=int(days),
        digest_tick_seconds=tick,
        content_poll_seconds=poll,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        http_host=env.get("HTTP_HOST", "0.0.0.0").strip() or "0.0.0.0",
        http_port=int(port_text),
        log_format=log_format,
        digest_rate_per_second=rate,
        token=token,
        api_url=api_url,
        content_dir=Path(env.get("CONTENT_DIR", "content").strip() or "content"),
        database_url=env.get("DATABASE_URL", DEFAULT_DATABASE_URL).strip() or DEFAULT_DATABASE_URL,
        admin_chat_ids=frozenset(admins),
        log_level=level,
    )
