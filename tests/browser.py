"""Headless Chromium through its command line only, for tests of the HTML report.

No Selenium or Playwright: ``--dump-dom`` prints the document after the browser parsed
and laid it out, and ``--screenshot`` saves what an editor would see. Debian's
``chromium`` package provides the browser (``make test`` installs it when missing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
TIMEOUT = 60


def find_chromium() -> str | None:
    """The browser named by $CHROMIUM, or the first Chromium on PATH."""
    named = os.environ.get("CHROMIUM")
    if named:
        return shutil.which(named)
    return next((found for name in NAMES if (found := shutil.which(name))), None)


def require_chromium() -> str:
    """The browser, or skip the test saying how to get it (fail in CI, where a skip would
    hide a missing install step)."""
    found = find_chromium()
    if found is None:
        reason = (
            "chromium is not installed: browser tests need it "
            "(apt-get install chromium, or `make test` as root, or set $CHROMIUM)"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def _run(binary: str, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        return subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *extra, url],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )


def dump_dom(binary: str, page: Path) -> str:
    """The page's DOM as serialised by the browser after loading it from disk."""
    result = _run(binary, page.resolve().as_uri(), "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def screenshot(binary: str, page: Path, out: Path, size: str = "1280,1600") -> Path:
    """A PNG of the page at ``size``; replaces ``out`` if it exists."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    result = _run(binary, page.resolve().as_uri(), f"--screenshot={out}", f"--window-size={size}")
    assert result.returncode == 0 and out.is_file(), result.stderr[-2000:]
    return out
