"""Reading level: the formulas over the whole body, and sentences that are hard on their own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from bot.lint.document import Context, LintDoc
from bot.lint.findings import Finding
from bot.lint.registry import Finder, cut, rule
from bot.text import readability


@rule("reading-level", "error")
def reading_level(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Flesch-Kincaid grade and SMOG of the body as a reader sees it."""
    limits = ctx.config.section("reading_level")
    line = doc.explainer.body_line
    fk_max = float(limits["max_flesch_kincaid_grade"])
    if doc.flesch_kincaid_grade > fk_max:
        longest = sorted(doc.plain.sentences, key=lambda s: len(s.words), reverse=True)[:2]
        yield found(
            line,
            1,
            f"Flesch-Kincaid grade {doc.flesch_kincaid_grade:.1f} is above {fk_max:g}",
            "Use shorter sentences and shorter words. Longest sentences: "
            + "; ".join(f"line {s.line} ({len(s.words)} words)" for s in longest),
        )
    smog_max = float(limits["max_smog_index"])
    if doc.smog_index > smog_max:
        long_words = sorted(
            {w.lower() for s in doc.plain.sentences for w in s.words if _syllables(w) >= 3}
        )
        yield found(
            line,
            1,
            f"SMOG grade {doc.smog_index:.1f} is above {smog_max:g} "
            f"({len(doc.plain.sentences)} sentences; SMOG is coarse on short texts)",
            "Replace some words of three or more syllables: " + ", ".join(long_words[:12]),
        )


@cache
def _syllables(word: str) -> int:
    return sum(readability.syllables(part) for part in re.split(r"[-'’]", word.lower()) if part)


@rule("hard-sentence", "warning")
def hard_sentence(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Sentences that are hard to read on their own (Hemingway-style ARI 10-13)."""
    yield from _hard(doc, ctx, found, very=False)


@rule("very-hard-sentence", "error")
def very_hard_sentence(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Sentences that are very hard to read on their own (Hemingway-style ARI 14 or more)."""
    yield from _hard(doc, ctx, found, very=True)


def _hard(doc: LintDoc, ctx: Context, found: Finder, *, very: bool) -> Iterator[Finding | None]:
    limits = ctx.config.section("sentences")
    minimum, hard, very_hard = (
        int(limits["min_words_to_judge"]),
        float(limits["hard_ari"]),
        float(limits["very_hard_ari"]),
    )
    for sentence in doc.plain.sentences:
        count = len(sentence.words)
        if count < minimum:
            continue
        ari = readability.sentence_ari(sentence.letters, count)
        if (very and ari >= very_hard) or (not very and hard <= ari < very_hard):
            label = "very hard" if very else "hard"
            yield found(
                sentence.line,
                sentence.column,
                f"{label} to read ({count} words, ARI {ari:.0f}): “{cut(sentence.text)}”",
                "Split it in two, or use shorter words.",
            )


@rule("long-sentence", "warning")
def long_sentence(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Sentences longer than the word limit, however easy their words."""
    limit = int(ctx.config.section("sentences")["max_words"])
    for sentence in doc.plain.sentences:
        if len(sentence.words) > limit:
            yield found(
                sentence.line,
                sentence.column,
                f"sentence of {len(sentence.words)} words (limit {limit}): “{cut(sentence.text)}”",
                "Split it into two or three short sentences.",
            )
