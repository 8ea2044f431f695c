"""Provenance: every quote is in the source article, every number is in a quote."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.lint.document import Context, LintDoc
from bot.lint.findings import Finding
from bot.lint.registry import Finder, cut, rule

_NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "twenty": 20,
    "thirty": 30,
    "fifty": 50,
    "hundred": 100,
    "thousand": 1000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
}
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b|\b(?:" + "|".join(_NUMBER_WORDS) + r")s?\b", re.I)


def _number_values(text: str) -> set[str]:
    values: set[str] = set()
    for match in _NUMBER.finditer(text):
        token = match.group(0).lower()
        word = token[:-1] if token.endswith("s") and token[:-1] in _NUMBER_WORDS else token
        values.add(str(_NUMBER_WORDS[word]) if word in _NUMBER_WORDS else token.replace(",", ""))
    return values


def _source_line(doc: LintDoc, quote: str) -> int:
    raw = doc.explainer.path.read_text("utf-8", errors="replace").split("\n")
    needle = quote[:30]
    for index, line in enumerate(raw[: doc.explainer.body_line], start=1):
        if needle and needle in line:
            return index
    return doc.meta_line("sources")


@rule("provenance", "error")
def provenance(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Every quote in `sources` occurs in the source article; every explainer has one."""
    sources = doc.explainer.sources
    if not sources:
        if "sources" in doc.explainer.meta:
            yield found(
                doc.meta_line("sources"),
                1,
                "no source quotes: every fact must be backed by the article",
                "Under 'sources:', copy the article's sentences that back the facts here.",
            )
        return
    for quote in sources:
        if ctx.seeds.find(quote) is None:
            yield found(
                _source_line(doc, quote),
                1,
                f"quote not found in the source article: “{cut(quote, 90)}”",
                "Copy the words exactly from the article in the seeds folder.",
            )


def _is_number(word: str) -> bool:
    lowered = word.lower()
    return word[0].isdigit() or lowered in _NUMBER_WORDS or lowered[:-1] in _NUMBER_WORDS


@rule("unsourced-number", "error")
def unsourced_number(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Every number in the body also appears in the file's source quotes."""
    backed: set[str] | None = None
    seen: set[str] = set()
    for sentence in doc.plain.sentences:
        if not _NUMBER.search(sentence.text):
            continue
        for word in sentence.words:
            if not _is_number(word):
                continue
            if backed is None:
                backed = _number_values(" ".join(doc.explainer.sources))
            values = _number_values(word)
            if not values or values <= backed or values <= seen:
                continue
            seen |= values
            yield found(
                sentence.line,
                sentence.column + max(sentence.text.find(word), 0),
                f"the number “{word}” is not in any of this file's source quotes",
                "Add the article's sentence with this number to 'sources', or remove it.",
            )
