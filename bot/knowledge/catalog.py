"""What the bot serves: content that passed the linter, pre-rendered once at start.

A file with lint errors is not served (and is logged with its findings), so an editor's
mistake cannot reach a patient. Handlers only look things up here; nothing is parsed
per request.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.checks import example_findings, safety_findings
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
from bot.text.yamlfile import load_mapping

log = logging.getLogger(__name__)

SAFETY_FILE = "safety.yml"
SYNONYMS_FILE = "synonyms.yml"
OFF_TOPIC_FILE = "off_topic.yml"


def load_off_topic(folder: Path) -> list[str]:
    """Example messages about something else entirely (``off_topic.yml``), if any."""
    path = folder / OFF_TOPIC_FILE
    if not path.is_file():
        return []
    items = load_mapping(path, "the off-topic examples").get("examples") or []
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValueError(f"{path}: 'examples' must be a list of messages")
    return [str(i) for i in items]


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


@dataclass(frozen=True)
class Knowledge:
    """A folder's data files, loaded for a set of explainers: what routing and triage need."""

    router: Router
    safety: TriageRules
    messages: Messages
    smalltalk: SmallTalk


def load_knowledge(content_dir: Path, explainers: Sequence[Explainer]) -> Knowledge:
    """The router, triage, messages and small talk of a content folder (ValueError names
    the file at fault). Used by the catalog and by the linter's routing checks."""
    synonyms = content_dir / SYNONYMS_FILE
    smalltalk = load_smalltalk(content_dir)
    off_topic = load_off_topic(content_dir)
    # Messages that are none of the safety kinds, for the learned readers to learn from: the
    # topics' questions, small talk and everyday messages about other things.
    ordinary = [q for e in explainers for q in (e.title, *e.examples)]
    ordinary += [" ".join(p) for phrases in smalltalk.phrases.values() for p in phrases]
    ordinary += off_topic
    safety = load_triage_rules(content_dir / SAFETY_FILE, zipf_for("en"), ordinary)
    messages = load_messages(content_dir)
    config = load_router_config(synonyms) if synonyms.is_file() else RouterConfig()
    router = Router.from_config(explainers, config, off_topic=off_topic)
    return Knowledge(router, safety, messages, smalltalk)


def routing_checks(explainers: Sequence[Explainer], folder: Path) -> list[Finding]:
    """The linter's corpus check: example questions that never reach, or leave, their topic."""
    if not (folder / SAFETY_FILE).is_file() or not explainers:
        return []
    try:
        knowledge = load_knowledge(folder, explainers)
    except ValueError as err:
        first = explainers[0].path
        return [Finding("data", "error", first, 1, 1, str(err), "Fix the data file it names.")]
    return list(example_findings(explainers, knowledge.router, knowledge.safety))


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
    accepted_before = list(accepted)
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
    try:
        knowledge = load_knowledge(content_dir, accepted)
    except ValueError as err:
        raise CatalogError(str(err)) from None
    # An example question triage answers first can never reach its topic: the file is
    # held back like any file with a lint error (the linter reports the same finding).
    unreachable = list(safety_findings(accepted, knowledge.safety))
    if unreachable:
        for finding in unreachable:
            rejected.setdefault(finding.path, []).append(finding)
            log.warning("not serving %s: %s:%d", finding.path, finding.rule, finding.line)
        accepted = [e for e in accepted if e.path not in rejected]
        topics = tuple(
            t for t, e in zip(topics, accepted_before, strict=True) if e.path not in rejected
        )
        if not accepted:
            raise CatalogError(f"{content_dir}: no explainer can be served; run the linter")
        knowledge = load_knowledge(content_dir, accepted)
    log.info("serving %d topic(s); %d file(s) rejected", len(topics), len(rejected))
    LINT_REJECTIONS.inc(len(rejected))
    TOPICS.set(len(topics))
    return Catalog(
        topics,
        knowledge.router,
        knowledge.safety,
        knowledge.messages,
        knowledge.smalltalk,
        rejected,
    )
