"""The editors' panel: the content files with their lint status, and saving one.

Saving goes the way production publishes content: the file is written, the linter runs
(its JSON report, the same one ``python -m bot lint --format json`` prints), and then the
bot's own ``/reload`` path (``handlers.reload_catalog``: ``admin.reload_content`` and
``state.swap_catalog``) swaps the new content in, or keeps the old catalog whole when any
file has an error, exactly as an admin's ``/reload`` does.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.lint.output import format_json
from bot.lint.runner import UsageError, lint_paths
from bot.telegram import handlers
from bot.telegram.state import BotApplication
from bot.text.content import Explainer, content_files, load_file
from bot.text.telegram_html import TelegramHtmlError, parse_html

JSON = dict[str, Any]

#: An explainer is a page of text; anything far larger is not one.
MAX_FILE_BYTES = 256 * 1024


class ContentDesk:
    """Lists, reads, lints and saves the files of one content folder."""

    def __init__(self, application: BotApplication, content_dir: Path) -> None:
        self.application = application
        self.content_dir = content_dir
        #: What the last save's reload did, for pages opened later.
        self.last_reload: JSON | None = None
        self._lock = asyncio.Lock()

    # --- which files ----------------------------------------------------------------------

    def files(self) -> list[Path]:
        """``content/*.md`` and each language folder's (``content/es/*.md``)."""
        folders = [self.content_dir]
        if self.content_dir.is_dir():
            folders += sorted(p for p in self.content_dir.iterdir() if p.is_dir())
        return [path for folder in folders for path in content_files(folder)]

    def name_of(self, path: Path) -> str:
        return path.relative_to(self.content_dir).as_posix()

    def find(self, name: str) -> Path | None:
        """The listed file with this name (``03-study.md``, ``es/03-study.md``), or None:
        the panel can only open and write files the bot serves, never an arbitrary path."""
        return next((p for p in self.files() if self.name_of(p) == name), None)

    # --- linting --------------------------------------------------------------------------

    def lint(self) -> JSON:
        """Every listed file with its findings and scores (blocking: call in a thread).

        The content folder is linted as the bot lints it at start; a language folder the
        linter did not cover that way is linted on its own, as ``bot lint content/es``."""
        wanted = self.files()
        results: dict[Path, JSON] = {}
        problems: list[str] = []
        folders = [self.content_dir, *sorted({p.parent for p in wanted} - {self.content_dir})]
        for folder in folders:
            if all(p.resolve() in results for p in wanted if p.parent == folder):
                continue
            try:
                report = json.loads(format_json(lint_paths([folder])))
            except UsageError as err:
                problems.append(str(err))
                continue
            for item in report["files"]:
                results.setdefault(Path(item["path"]).resolve(), item)
        files = [self._entry(path, results.get(path.resolve())) for path in wanted]
        return {"files": files, "problems": problems}

    def _entry(self, path: Path, linted: JSON | None) -> JSON:
        loaded = load_file(path)
        findings = list(linted["findings"]) if linted else []
        errors = sum(1 for f in findings if f["severity"] == "error")
        return {
            "path": self.name_of(path),
            "title": loaded.title if isinstance(loaded, Explainer) else "",
            "command": loaded.command if isinstance(loaded, Explainer) else "",
            "language": getattr(loaded, "language", "en"),
            "errors": errors,
            "warnings": len(findings) - errors,
            "metrics": dict(linted["metrics"]) if linted else {},
            "findings": findings,
        }

    # --- reading and saving ---------------------------------------------------------------

    def read(self, path: Path) -> str:
        return path.read_text("utf-8", errors="replace")

    async def save(self, path: Path, text: str) -> JSON:
        """Write the file, lint, then reload as /reload does; what the panel shows."""
        async with self._lock:
            started = time.monotonic()
            await asyncio.to_thread(_write_atomically, path, text)
            linted = await asyncio.to_thread(self.lint)
            lint_seconds = time.monotonic() - started
            state = self.application.bot_data
            before = state.catalog
            context = self.application.context_types.context(self.application)
            answer = await handlers.reload_catalog(context)
            swapped = state.catalog is not before
            self.last_reload = {
                "path": self.name_of(path),
                "published": swapped,
                "topics": len(state.catalog.topics),
                "reply": [_shown(m.html) for m in answer.messages],
                "lint_seconds": round(lint_seconds, 3),
                "seconds": round(time.monotonic() - started, 3),
                "at": time.time(),
            }
            return {"lint": linted, "reload": self.last_reload}


def _write_atomically(path: Path, text: str) -> None:
    """Replace the file in one step, so the bot never reads half of it."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _shown(html: str) -> JSON:
    """The bot's reply to /reload as Telegram stores it: text plus entities."""
    try:
        parsed = parse_html(html)
    except TelegramHtmlError:
        return {"text": html, "entities": []}
    return {"text": parsed.text, "entities": parsed.entities_json()}
