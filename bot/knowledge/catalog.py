"""What the bot serves: content that passed the linter, pre-rendered once at start.

A file with lint errors is not served (and is logged with its findings), so an editor's
mistake cannot reach a patient. Handlers only look things up here; nothing is parsed
per request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from bot.knowledge.checks import example_findings, safety_findings
from bot.knowledge.messages import Messages, load_messages
from bot.knowledge.routing import Router, RouterConfig, load_router_config
from bot.knowledge.smalltalk import SmallTalk, load_smalltalk
from bot.knowledge.triage import TriageRules, load_triage_rules
from bot.knowledge.words import zipf_for
from bot.lint.findings import Finding
from bot.lint.runner import collect_files, lint_paths
from bot.metrics import LINT_REJECTIONS, TOPICS
from bot.text.content import (
    DEFAULT_LANGUAGE,
    Check,
    Explainer,
    language_of_folder,
    load_file,
    read_check,
)
from bot.text.markdown import parse
from bot.text.normalise import strip_accents
from bot.text.plaintext import to_plain
from bot.text.render import render_explainer, split_message
from bot.text.yamlfile import load_mapping

log = logging.getLogger(__name__)
T = TypeVar("T")

#: The language of the files at the top of the content folder (the content model's).
BASE_LANGUAGE = DEFAULT_LANGUAGE
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
    #: The base language's command of the same topic ("sintomas" translates "symptoms");
    #: the base language's own topics name themselves. Deliveries are stored under it.
    translates: str = ""
    #: Served in the base language because this language has no version of it yet.
    untranslated: bool = False
    #: The quick check after the explainer (``check:``), if the file has a valid one.
    check: Check | None = None
    #: The explainer's sentence that says the check's right answer (for a wrong answer).
    check_sentence: str = ""

    @property
    def key(self) -> str:
        """The language-neutral name of the topic: the base language's command."""
        return self.translates or self.command


@dataclass(frozen=True)
class Catalog:
    topics: tuple[Topic, ...]
    router: Router
    safety: TriageRules
    messages: Messages
    smalltalk: SmallTalk = field(default_factory=SmallTalk)
    #: Files not served, with the lint errors that kept them out.
    rejected: dict[Path, list[Finding]] = field(default_factory=dict)
    language: str = BASE_LANGUAGE
    #: The same bot in the other languages of the content folder, by language code.
    translations: Mapping[str, Catalog] = field(default_factory=dict)

    def topic(self, command: str) -> Topic | None:
        """The topic of a command in this language, or of the same topic's command in
        another language ("/symptoms" to a Spanish reader is "sintomas", in Spanish)."""
        found = next((t for t in self.topics if t.command == command), None)
        if found is not None:
            return found
        for other in self.languages.values():
            theirs = next((t for t in other.topics if t.command == command), None)
            if theirs is not None:
                return self.by_key(theirs.key)
        return None

    def by_key(self, key: str) -> Topic | None:
        return next((t for t in self.topics if t.key == key), None)

    @property
    def languages(self) -> dict[str, Catalog]:
        """Every language's catalog, this one included."""
        return {self.language: self, **self.translations}

    def in_language(self, language: str | None) -> Catalog:
        """This bot in ``language``; itself for a language it does not have."""
        if not language or language == self.language:
            return self
        return self.translations.get(language, self)

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


def load_knowledge(
    content_dir: Path, explainers: Sequence[Explainer], language: str = BASE_LANGUAGE
) -> Knowledge:
    """The router, triage, messages and small talk of a content folder (ValueError names
    the file at fault). Used by the catalog and by the linter's routing checks.

    Building it trains the safety readers and indexes the router (about a second a
    language), so the result is kept for the same data files (by modification time and
    size) and the same explainers: the linter's routing check and the catalog then share
    one build, and a /reload after an edit to one language rebuilds only that one."""
    key = (
        str(content_dir.resolve()),
        language,
        _data_files_signature(content_dir),
        tuple(_explainer_signature(e) for e in explainers),
    )
    found = _KNOWLEDGE.get(key)
    if found is None:
        found = _keep(_KNOWLEDGE, key, _build_knowledge(content_dir, explainers, language))
    return found


_KNOWLEDGE: dict[tuple[object, ...], Knowledge] = {}


def _keep(
    cache: dict[tuple[object, ...], T], key: tuple[object, ...], value: T, limit: int = 8
) -> T:
    """Store ``value`` in a small cache (a few languages, an edit or two back), forgetting
    the oldest entry when it holds ``limit``."""
    if len(cache) >= limit:
        cache.pop(next(iter(cache)))
    cache[key] = value
    return value


_SAFETY: dict[tuple[object, ...], TriageRules] = {}


_UNREACHABLE: dict[tuple[object, ...], tuple[TriageRules, list[Finding]]] = {}


def _unreachable(accepted: Sequence[Explainer], safety: TriageRules) -> list[Finding]:
    """``safety_findings``, kept while the rules (the same object) and the example
    questions are the same (triaging every example of every language takes a second)."""
    key = (id(safety), tuple((str(e.path), e.examples) for e in accepted))
    kept = _UNREACHABLE.get(key)
    if kept is None or kept[0] is not safety:
        kept = _keep(_UNREACHABLE, key, (safety, list(safety_findings(accepted, safety))))
    return list(kept[1])


def _data_files_signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    files = sorted(folder.glob("*.yml"))
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)


def _explainer_signature(e: Explainer) -> tuple[object, ...]:
    return (str(e.path), e.command, e.title, e.summary, e.examples, e.body, e.language)


def _build_knowledge(
    content_dir: Path, explainers: Sequence[Explainer], language: str
) -> Knowledge:
    synonyms = content_dir / SYNONYMS_FILE
    smalltalk = load_smalltalk(content_dir)
    off_topic = load_off_topic(content_dir)
    # Messages that are none of the safety kinds, for the learned readers to learn from: the
    # topics' questions, small talk and everyday messages about other things.
    ordinary = [q for e in explainers for q in (e.title, *e.examples)]
    ordinary += [" ".join(p) for phrases in smalltalk.phrases.values() for p in phrases]
    ordinary += off_topic
    # The readers learn from titles and examples, not from the explainers' text: an edit
    # to a body reuses them.
    safety_key = (
        str(content_dir.resolve()),
        language,
        _data_files_signature(content_dir),
        tuple(ordinary),
    )
    safety = _SAFETY.get(safety_key)
    if safety is None:
        rules = load_triage_rules(content_dir / SAFETY_FILE, zipf_for(language), ordinary)
        safety = _keep(_SAFETY, safety_key, rules, limit=4)
    messages = load_messages(content_dir)
    config = load_router_config(synonyms) if synonyms.is_file() else RouterConfig()
    router = Router.from_config(explainers, config, off_topic=off_topic, language=language)
    return Knowledge(router, safety, messages, smalltalk)


def routing_checks(explainers: Sequence[Explainer], folder: Path) -> list[Finding]:
    """The linter's corpus check: example questions that never reach, or leave, their topic."""
    if not (folder / SAFETY_FILE).is_file() or not explainers:
        return []
    language = explainers[0].language
    try:
        knowledge = load_knowledge(folder, explainers, language)
    except ValueError as err:
        first = explainers[0].path
        return [Finding("data", "error", first, 1, 1, str(err), "Fix the data file it names.")]
    return list(example_findings(explainers, knowledge.router, knowledge.safety))


def language_folders(content_dir: Path) -> list[Path]:
    """The content folder's other languages: subfolders named by a language code ("es"),
    as the linter sees them (``bot.text.content.language_of_folder``)."""
    return sorted(
        p for p in content_dir.iterdir() if p.is_dir() and language_of_folder(p) is not None
    )


def _rejections(report: Any) -> dict[Path, list[Finding]]:
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
    return rejected


def build_catalog(content_dir: Path, *, seeds_dir: Path | None = None) -> Catalog:
    """Lint the folder, keep what passed, render it, and load the bot's own data files;
    the same for each language folder (``content/es/``), as ``Catalog.translations``."""
    if not content_dir.is_dir():
        raise CatalogError(f"{content_dir}: content folder not found")
    report = lint_paths([content_dir], seeds_dir=seeds_dir)
    rejected = _rejections(report)
    linted = {file.path for file in report.files}
    by_language: dict[str, list[Explainer]] = {}
    for path in collect_files([content_dir]):
        if path in rejected or path not in linted:
            continue  # nothing unlinted is ever served
        loaded = load_file(path)
        if isinstance(loaded, Explainer):
            by_language.setdefault(loaded.language, []).append(loaded)
    base = _language_catalog(content_dir, by_language.get(BASE_LANGUAGE, []), rejected)
    others: dict[str, Catalog] = {}
    for folder in language_folders(content_dir):
        language = folder.name.lower()
        try:
            others[language] = _language_catalog(
                folder, by_language.get(language, []), rejected, language, base
            )
        except CatalogError as err:  # the other languages are still served
            log.warning("not serving the language %s: %s", language, err)
    everyone = {BASE_LANGUAGE: base, **others}
    log.info(
        "serving %d topic(s) in %s; %d file(s) rejected",
        len(base.topics),
        ", ".join(everyone),
        len(rejected),
    )
    LINT_REJECTIONS.inc(len(rejected))
    TOPICS.set(len(base.topics))
    linked = {
        language: replace(
            catalog,
            rejected=rejected,
            translations={k: v for k, v in everyone.items() if k != language},
        )
        for language, catalog in everyone.items()
    }
    # The base catalog leads to the linked translations, so each of them knows every
    # other language too (its buttons, its commands).
    others_linked = {k: v for k, v in linked.items() if k != BASE_LANGUAGE}
    return replace(linked[BASE_LANGUAGE], translations=others_linked)


def says_it(explainer: Explainer, check: Check | None) -> str:
    """The explainer's own sentence that backs the check's right answer: the one sharing
    the most words with the right answer and the explanation ("" without a check)."""
    if check is None:
        return ""
    common = zipf_for(explainer.language)
    answer = {w for w in _content_words(check.answers[check.right]) if common(w) < 6.0}
    explained = {w for w in _content_words(check.explanation) if common(w) < 6.0}
    best, best_score = "", 0
    for block in to_plain(parse(explainer.body)).blocks:
        for sentence in block.sentences:
            words = set(_content_words(sentence.text))
            score = 3 * len(answer & words) + len(explained & words)  # the answer counts most
            if score > best_score:
                best, best_score = sentence.text, score
    return best


def _content_words(text: str) -> list[str]:
    cleaned = "".join(c if c.isalnum() else " " for c in strip_accents(text.lower()))
    return [w for w in cleaned.split() if len(w) >= 3]


def _topic(explainer: Explainer, translates: str = "") -> Topic:
    check = read_check(explainer.meta.get("check"))[0]
    return Topic(
        command=explainer.command,
        title=explainer.title,
        summary=explainer.summary,
        order=explainer.order,
        parts=tuple(split_message(render_explainer(explainer.title, explainer.body))),
        translates=translates,
        check=check,
        check_sentence=says_it(explainer, check),
    )


def _translates(explainer: Explainer) -> str:
    return explainer.translates


def _language_catalog(
    folder: Path,
    accepted: list[Explainer],
    rejected: dict[Path, list[Finding]],
    language: str = BASE_LANGUAGE,
    base: Catalog | None = None,
) -> Catalog:
    """One language's catalog from its linted explainers and its folder's data files.

    In another language than the base, each topic names the base topic it translates, and
    a base topic with no translation yet is served in the base language (marked
    ``untranslated``, so the reader is told), so every language has every topic."""
    if not accepted and base is None:
        raise CatalogError(
            f"{folder}: no explainer passed the linter; run `python -m bot lint` to see why"
        )
    accepted = sorted(accepted, key=lambda e: (e.order, e.command))
    try:
        knowledge = load_knowledge(folder, accepted, language)
    except ValueError as err:
        raise CatalogError(str(err)) from None
    # An example question triage answers first can never reach its topic: the file is
    # held back like any file with a lint error (the linter reports the same finding).
    unreachable = _unreachable(accepted, knowledge.safety)
    if unreachable:
        for finding in unreachable:
            rejected.setdefault(finding.path, []).append(finding)
            log.warning("not serving %s: %s:%d", finding.path, finding.rule, finding.line)
        accepted = [e for e in accepted if e.path not in rejected]
        if not accepted and base is None:
            raise CatalogError(f"{folder}: no explainer can be served; run the linter")
        knowledge = load_knowledge(folder, accepted, language)
    if base is not None and knowledge.safety.urgent_kinds != base.safety.urgent_kinds:
        # Safety-critical: an emergency in this language must go first as in the base one.
        raise CatalogError(
            f"{folder / SAFETY_FILE}: the kinds marked 'urgent: true' must be the same as in "
            f"the base language ({', '.join(sorted(base.safety.urgent_kinds))})"
        )
    if base is None:
        topics = tuple(_topic(e) for e in accepted)
    else:
        mine = {_translates(e): e for e in accepted if _translates(e)}
        topics = tuple(
            replace(_topic(mine[t.command], t.command), order=t.order)
            if t.command in mine
            else replace(t, untranslated=True)
            for t in base.topics
        )
    return Catalog(
        topics,
        knowledge.router,
        knowledge.safety,
        knowledge.messages,
        knowledge.smalltalk,
        language=language,
    )
