"""Provenance: every quote is in the source article, every number is in a quote (numbers
read the way the file's language writes them, from its ``numbers:`` settings)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from bot.lint.config import LintConfig
from bot.lint.document import Context, LintDoc
from bot.lint.findings import Finding
from bot.lint.registry import Finder, cut, rule
from bot.text.content import DEFAULT_LANGUAGE


@dataclass(frozen=True, eq=False)
class NumberReading:
    """How a language writes numbers (its ``numbers:`` settings), compiled once (and
    cached, so equal settings give the same object)."""

    decimal_marks: tuple[str, ...]
    words: Mapping[str, Decimal]
    multipliers: Mapping[str, Decimal]
    #: Finds a number: digits or a number word, maybe with a multiplier after it.
    pattern: re.Pattern[str]
    #: Finds the words that make a number a percentage ("por ciento"), to be skipped.
    percent: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class Mention:
    """A number as written ("1,5 millones", "five", "15"), where it starts, and the values
    it may mean: each reading of the whole, and of each part ("1.5" and "million")."""

    text: str
    start: int
    values: frozenset[str]
    parts: tuple[frozenset[str], ...]


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation of words and phrases, longest first, any spacing in phrases."""
    return "|".join(
        r"\s+".join(re.escape(p) for p in w.split()) for w in sorted(words, key=len, reverse=True)
    )


def _key(words: str) -> str:
    return " ".join(words.lower().split())


@cache
def _reading(
    decimal_marks: tuple[str, ...],
    words: tuple[tuple[str, Decimal], ...],
    multipliers: tuple[tuple[str, Decimal], ...],
    percent: tuple[str, ...],
) -> NumberReading:
    single = r"(?P<digits>\d+(?:[.,]\d+)*)"
    if words:
        single += rf"|(?P<word>{_alternation(w for w, _ in words)})(?!\w)"
    scale = alone = ""
    if multipliers:
        scales = _alternation(w for w, _ in multipliers)
        scale = rf"(?:\s+(?P<scale>{scales})(?!\w))?"
        alone = rf"|(?P<alone>{scales})(?!\w)"
    # Not inside a word or a name ("CD19", "COVID-19"); "15th" and "100-day" are numbers.
    pattern = re.compile(rf"(?<![\w.,‐‑-])(?:(?:{single}){scale}{alone})", re.IGNORECASE)
    spelled = [p for p in percent if p[:1].isalpha()]
    percent_pattern = (
        re.compile(rf"(?<!\w)(?:{_alternation(spelled)})(?!\w)", re.IGNORECASE) if spelled else None
    )
    return NumberReading(decimal_marks, dict(words), dict(multipliers), pattern, percent_pattern)


def number_reading(config: LintConfig) -> NumberReading:
    """The number settings of a language, compiled (cached for equal settings)."""
    section = config.section("numbers")

    def table(key: str) -> tuple[tuple[str, Decimal], ...]:
        items = (section.get(key) or {}).items()
        return tuple(sorted((_key(str(k)), Decimal(str(v))) for k, v in items if _key(str(k))))

    return _reading(
        tuple(str(m) for m in section.get("decimal_marks") or ()),
        table("words"),
        table("multipliers"),
        tuple(str(p).lower() for p in section.get("percent") or ()),
    )


def _canonical(value: Decimal) -> str:
    return format(value.normalize(), "f")


def digit_values(token: str, decimal_marks: Sequence[str]) -> set[Decimal]:
    """The values a number in digits may have, by the decimal marks a language uses:
    "1,5" is 1.5 and "1.500" 1500 (or 1.5) in Spanish, "1,500" is 1500 in English. A
    number no reading fits ("1,5" in English) is its digits run together."""
    if "." not in token and "," not in token:
        return {Decimal(token)}
    found: set[Decimal] = set()
    for mark in decimal_marks:
        group = "," if mark == "." else "."
        if token.count(mark) > 1:
            continue
        whole, has_mark, fraction = token.partition(mark)
        if group in fraction:
            continue
        parts = whole.split(group)
        if len(parts) > 1 and (len(parts[0]) > 3 or any(len(p) != 3 for p in parts[1:])):
            continue
        found.add(Decimal("".join(parts) + (f".{fraction}" if has_mark else "")))
    return found or {Decimal(re.sub(r"\D", "", token))}


def mentions(text: str, reading: NumberReading) -> list[Mention]:
    """Every number written in ``text``, with the values each may mean; a percentage's
    words ("por ciento") are not numbers themselves."""
    if reading.percent is not None:
        text = reading.percent.sub(lambda m: " " * len(m.group(0)), text)
    found: list[Mention] = []
    for match in reading.pattern.finditer(text):
        alone = match.group("alone")
        if alone is not None:
            values = frozenset({_canonical(reading.multipliers[_key(alone)])})
            found.append(Mention(match.group(0), match.start(), values, (values,)))
            continue
        digits, word = match.group("digits"), match.group("word")
        bases = (
            digit_values(digits, reading.decimal_marks)
            if digits is not None
            else {reading.words[_key(word)]}
        )
        own = frozenset(_canonical(b) for b in bases)
        scale = match.group("scale")
        if scale is None:
            found.append(Mention(match.group(0), match.start(), own, (own,)))
            continue
        factor = reading.multipliers[_key(scale)]
        products = frozenset(_canonical(b * factor) for b in bases)
        parts = (own, frozenset({_canonical(factor)}))
        found.append(Mention(match.group(0), match.start(), products, parts))
    return found


def backed_values(quotes: Iterable[str], readings: Iterable[NumberReading]) -> set[str]:
    """Every value a number in the quotes may have, whole ("1.5 million" is 1500000) and
    in parts (1.5 and 1000000), read in each of the ways of ``readings``."""
    values: set[str] = set()
    text = "\n".join(quotes)
    for reading in readings:
        for mention in mentions(text, reading):
            values |= mention.values
            for part in mention.parts:
                values |= part
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


@rule("unsourced-number", "error")
def unsourced_number(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Every number in the body also appears in the file's source quotes, however the
    body's language writes it ("1,5 millones", "cinco" and "15 de septiembre" match
    "1.5 million", "Five" and "September 15")."""
    reading = number_reading(ctx.config)
    backed: set[str] | None = None
    seen: set[str] = set()
    for sentence in doc.plain.sentences:
        for mention in mentions(sentence.text, reading):
            if backed is None:
                # The quotes are the article's words: read them as English (the article's
                # language) and as the file's language.
                english = ctx.settings(DEFAULT_LANGUAGE) or ctx.config
                readings = {number_reading(english), reading}
                backed = backed_values(doc.explainer.sources, readings)
            if mention.values & backed or all(part & backed for part in mention.parts):
                continue
            if mention.values <= seen:
                continue
            seen |= mention.values
            yield found(
                sentence.line,
                sentence.column + mention.start,
                f"the number “{mention.text}” is not in any of this file's source quotes",
                "Add the article's sentence with this number to 'sources', or remove it.",
            )
