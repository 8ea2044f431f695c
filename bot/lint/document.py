"""Everything the rules need about one file, computed once: parse, plain text, scores.

Rules only read a ``LintDoc``; none of them re-parses Markdown or re-tokenises text, which
keeps the full lint close to the cost of scoring alone (see bench/lint.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from bot.lint.config import LintConfig
from bot.lint.scores import FORMULAS
from bot.text.content import DEFAULT_LANGUAGE, Explainer
from bot.text.markdown import Document, parse
from bot.text.normalise import normalise_quote
from bot.text.plaintext import PlainText, to_plain
from bot.text.render import render_document


@dataclass
class Seeds:
    """The source article(s), normalised once for quote look-ups."""

    files: dict[Path, str]

    @cached_property
    def normalised(self) -> dict[Path, str]:
        return {p: normalise_quote(t) for p, t in self.files.items()}

    def find(self, quote: str) -> Path | None:
        needle = normalise_quote(quote)
        if not needle:
            return None
        for path, text in self.normalised.items():
            if needle in text:
                return path
        return None


@dataclass(frozen=True)
class Topic:
    """One explainer as the rules across languages see it."""

    path: Path
    language: str
    command: str
    translates: str

    @property
    def key(self) -> str:
        """The topic in any language: the English command (its own, or the one translated)."""
        return self.command if self.language == DEFAULT_LANGUAGE else self.translates


def topic_of(explainer: Explainer) -> Topic:
    return Topic(explainer.path, explainer.language, explainer.command, explainer.translates)


@dataclass
class Topics:
    """Every explainer under each content folder, in every language: the files linted and
    the others on disk beside them, so that linting one Spanish file still knows the
    English topics."""

    by_root: dict[Path, list[Topic]] = field(default_factory=dict)

    def add(self, root: Path, topic: Topic) -> None:
        mine = self.by_root.setdefault(root, [])
        if all(t.path != topic.path for t in mine):
            mine.append(topic)

    def under(self, root: Path) -> list[Topic]:
        return self.by_root.get(root, [])


@dataclass
class Context:
    """What rules share across files: settings, sources, and the other files' commands."""

    config: LintConfig
    seeds: Seeds
    commands: dict[str, Path] = field(default_factory=dict)
    #: Every file's topic and language, for the rules that compare languages.
    topics: Topics = field(default_factory=Topics)
    #: The settings of the file's language were found (a file in a language with no
    #: settings is linted with English's, and the ``language`` rule says so).
    language_known: bool = True
    #: The settings of every language (``config`` is the file's language's).
    all_settings: LintConfig | None = None

    def settings(self, language: str) -> LintConfig | None:
        """The settings of ``language``, None when it has none."""
        return (self.all_settings or self.config).for_language(language)

    def for_language(self, language: str) -> Context:
        """The same context with the settings of ``language`` (English's if it has none)."""
        everything = self.all_settings or self.config
        chosen = everything.for_language(language)
        known = chosen is not None
        if chosen is None:
            chosen = everything.for_language(DEFAULT_LANGUAGE) or everything
        if chosen is self.config and known == self.language_known:
            return self
        return replace(self, config=chosen, language_known=known, all_settings=everything)


@dataclass
class LintDoc:
    explainer: Explainer
    document: Document
    plain: PlainText
    scoring_text: str
    #: The scores of the formulas the file's language uses (``reading_level.formulas``).
    scores: dict[str, float]
    html: str

    @property
    def path(self) -> Path:
        return self.explainer.path

    @property
    def language(self) -> str:
        return self.explainer.language

    @property
    def flesch_kincaid_grade(self) -> float:
        return self.scores.get("flesch_kincaid_grade", 0.0)

    @property
    def smog_index(self) -> float:
        return self.scores.get("smog_index", 0.0)

    def meta_line(self, key: str) -> int:
        return self.explainer.meta_lines.get(key, 1)


def formulas(config: LintConfig) -> list[str]:
    """The formulas the settings ask for, known ones only (config problems say the rest)."""
    names = config.section("reading_level").get("formulas") or []
    return [str(n) for n in names if str(n) in FORMULAS]


def analyse(explainer: Explainer, config: LintConfig) -> LintDoc:
    """Parse and score one file, with the settings of its language."""
    document = parse(explainer.body, explainer.body_line)
    plain = to_plain(document, config.abbreviations)
    text = plain.scoring_text()
    return LintDoc(
        explainer=explainer,
        document=document,
        plain=plain,
        scoring_text=text,
        scores={name: FORMULAS[name].score(plain) for name in formulas(config)},
        html=render_document(explainer.title or explainer.command, document),
    )
