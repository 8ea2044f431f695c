"""What the bot serves: content that passed the linter, pre-rendered once at start.

A file with lint errors is not served (and is logged with its findings), so an editor's
mistake cannot reach a patient. Handlers only look things up here; nothing is parsed
per request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.messages import Messages, load_messages
from bot.knowledge.routing import Router, RouterConfig, load_router_config
from bot.knowledge.smalltalk import SmallTalk, load_smalltalk
from bot.knowledge.triage import TriageRules, load_triage_rules
from bot.knowledge.words import zipf_for
from bot.lint.findings import Finding
from bot.lint.runner import collect_files, lint_paths
from bot.metrics import LINT_REJECTIONS, TOPICS
from bot.text.content import Explainer, load_file
from bot.text.render import render_explainer, split_message

log = logging.getLogger(__name__)

SAFETY_FILE = "safety.yml"
SYNONYMS_FILE = "synonyms.yml"


class CatalogError(Exception):
    """The content cannot be served at all (no valid explainer, missing bot files)."""


@dataclass(frozen=True)
class Topic:
    command: str
    title: str
    summary: str
    order: int
    #: The explainer as Telegram HTML, split to Telegram's size limit.
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    topics: tuple[Topic, ...]
    router: Router
    safety: TriageRules
    messages: Messages
    smalltalk: SmallTalk = field(default_factory=SmallTalk)
    #: Files not served, with the lint errors that kept them out.
    rejected: dict[Path, list[Finding]] = field(default_factory=dict)

    def topic(self, command: str) -> Topic | None:
        return next((t for t in self.topics if t.command == command), None)

    def next_topic(self, command: str) -> Topic | None:
        commands = [t.command for t in self.topics]
        if command not in commands:
            return None
        index = commands.index(command)
        return self.topics[index + 1] if index + 1 < len(self.topics) else None


def build_catalog(content_dir: Path, *, seeds_dir: Path | None = None) -> Catalog:
    """Lint the folder, keep what passed, render it, and load the bot's own data files."""
    if not content_dir.is_dir():
        raise CatalogError(f"{content_dir}: content folder not found")
    report = lint_paths([content_dir], seeds_dir=seeds_dir)
    rejected: dict[Path, list[Finding]] = {}
    for file in report.files:
        errors = [f for f in file.findings if f.severity == "error"]
        if errors:
            rejected[file.path] = errors
            for finding in errors:
                log.warning(
                    "not serving %s: %s:%d: %s",
                    file.path,
                    finding.rule,
                    finding.line,
                    finding.message,
                )
    accepted: list[Explainer] = []
    for path in collect_files([content_dir]):
        if path in rejected:
            continue
        loaded = load_file(path)
        if isinstance(loaded, Explainer):
            accepted.append(loaded)
    if not accepted:
        raise CatalogError(
            f"{content_dir}: no explainer passed the linter; run `python -m bot lint` to see why"
        )
    accepted.sort(key=lambda e: (e.order, e.command))
    topics = tuple(
        Topic(
            command=e.command,
            title=e.title,
            summary=e.summary,
            order=e.order,
            parts=tuple(split_message(render_explainer(e.title, e.body))),
        )
        for e in accepted
    )
    synonyms = content_dir / SYNONYMS_FILE
    try:
        smalltalk = load_smalltalk(content_dir)
        ordinary = [q for e in accepted for q in (e.title, *e.examples)]
        ordinary += [" ".join(p) for phrases in smalltalk.phrases.values() for p in phrases]
        safety = load_triage_rules(content_dir / SAFETY_FILE, zipf_for("en"), ordinary)
        messages = load_messages(content_dir)
        router_config = load_router_config(synonyms) if synonyms.is_file() else RouterConfig()
    except ValueError as err:
        raise CatalogError(str(err)) from None
    router = Router.from_config(accepted, router_config)
    log.info("serving %d topic(s); %d file(s) rejected", len(topics), len(rejected))
    LINT_REJECTIONS.inc(len(rejected))
    TOPICS.set(len(topics))
    return Catalog(topics, router, safety, messages, smalltalk, rejected)
