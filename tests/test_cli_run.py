"""`python -m bot run` and `chat` as a user starts them: clear one-line failures, no token."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.devtools.sandbox import BotApiSandbox
from bot.settings import ConfigError, load_settings

from .conftest import ROOT

#: These start real processes (the bot, the CLI); `make check` leaves them out.
pytestmark = pytest.mark.slow


TOKEN = "123456789:" + "fake-token-for-tests_" * 2


def run_bot(
    env: dict[str, str], cwd: Path = ROOT, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(ROOT), "HTTP_PORT": "0", **env},
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_malformed_token(tmp_path: Path) -> None:
    # No token at all is not an error: `run` then serves the local web chat (test_webchat).
    result = run_bot({"TELEGRAM_BOT_TOKEN": "not-a-token"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "does not look like a bot token" in one_line_error(result)


def test_unreachable_api_is_one_line_without_the_token() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run_bot({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": url})
    assert result.returncode == 1
    line = one_line_error(result)
    assert "cannot reach the Telegram Bot API" in line and url in line
    assert TOKEN not in result.stderr + result.stdout
    assert TOKEN.split(":")[1] not in result.stderr + result.stdout


def test_rejected_token_is_one_line() -> None:
    async def scenario() -> subprocess.CompletedProcess[str]:
        async with BotApiSandbox() as sandbox:  # knows only its own token: ours gets 401
            return await asyncio.to_thread(
                run_bot, {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": sandbox.url}
            )

    result = asyncio.run(scenario())
    assert result.returncode == 1
    assert "refused the bot token" in one_line_error(result)
    assert TOKEN not in result.stderr


def test_refuses_to_start_without_a_valid_explainer(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    (content / "bad.md").write_text("---\ntitle: x\n---\nno\n")
    result = run_bot({"TELEGRAM_BOT_TOKEN": TOKEN}, cwd=tmp_path)
    assert result.returncode == 1
    assert "no explainer passed the linter" in one_line_error(result)


def test_settings_validation() -> None:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": "http://127.0.0.1:8081/",
            "ADMIN_CHAT_IDS": "1, -100200",
            "LOG_LEVEL": "debug",
        }
    )
    assert settings.api_url == "http://127.0.0.1:8081"
    assert settings.admin_chat_ids == {1, -100200}
    assert TOKEN not in repr(settings)
    for bad in (
        {"ADMIN_CHAT_IDS": "me"},
        {"TELEGRAM_API_URL": "ftp://x"},
        {"LOG_LEVEL": "loud"},
        {"DIGEST_RATE_PER_SECOND": "fast"},
        {"DIGEST_RATE_PER_SECOND": "0"},
        {"DIGEST_TICK_SECONDS": "0"},
        {"HTTP_PORT": "http"},
        {"LOG_FORMAT": "xml"},
        {"WEBHOOK_URL": "https://bot.example.org/hook"},  # no secret
        {"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": "bad secret!"},
    ):
        with pytest.raises(ConfigError):
            load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, **bad})


def test_chat_sandbox_in_the_terminal() -> None:
    script = "/therapy\n1\nI can't breathe\n/subscribe daily 09:00 UTC\n/quit\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input=script,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "bot> Hello, Editor." in out
    assert "[1] What is lupus?" in out
    assert "bot> How does CAR-T work?" in out
    assert "emergency" in out.lower()
    assert "daily at 09:00" in out
    assert "Traceback" not in result.stderr
