"""Everything the rules need about one file, computed once: parse, plain text, scores.

Rules only read a ``LintDoc``; none of them re-parses Markdown or re-tokenises text, which
keeps the full lint close to the cost of scoring alone (see bench/lint.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from bot.lint.config import LintConfig
from bot.text import readability
from bot.text.content import Explainer
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


@dataclass
class Context:
    """What rules share across files: settings, sources, and the other files' commands."""

    config: LintConfig
    seeds: Seeds
    commands: dict[str, Path] = field(default_factory=dict)


@dataclass
class LintDoc:
    explainer: Explainer
    document: Document
    plain: PlainText
    scoring_text: str
    flesch_kincaid_grade: float
    smog_index: float
    html: str

    @property
    def path(self) -> Path:
        return self.explainer.path

    def meta_line(self, key: str) -> int:
        return self.explainer.meta_lines.get(key, 1)


def analyse(explainer: Explainer, config: LintConfig) -> LintDoc:
    document = parse(explainer.body, explainer.body_line)
    plain = to_plain(document, config.abbreviations)
    text = plain.scoring_text()
    return LintDoc(
        explainer=explainer,
        document=document,
        plain=plain,
        scoring_text=text,
        flesch_kincaid_grade=readability.flesch_kincaid_grade(text) if text else 0.0,
        smog_index=readability.smog_index(text) if text else 0.0,
        html=render_document(explainer.title or explainer.command, document),
    )
