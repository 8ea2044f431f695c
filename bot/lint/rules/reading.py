"""Reading level: the formulas over the whole body, and sentences that are hard on their own.

Which formulas apply, and how one sentence is judged, is each language's data
(``reading_level.formulas``, ``sentences.measure``): Flesch-Kincaid and SMOG and the
Hemingway editor's ARI for English; Fernández-Huerta, INFLESZ and the INFLESZ of one
sentence for Spanish.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.lint.config import LintConfig
from bot.lint.document import Context, LintDoc, formulas
from bot.lint.findings import Finding
from bot.lint.registry import Finder, cut, rule
from bot.lint.scores import FORMULAS
from bot.text import readability, spanish


@rule("reading-level", "error")
def reading_level(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """The body's reading level by its language's formulas (Flesch-Kincaid and SMOG for
    English, Fernández-Huerta and INFLESZ for Spanish)."""
    limits = ctx.config.section("reading_level")
    line = doc.explainer.body_line
    for name in formulas(ctx.config):
        formula = FORMULAS[name]
        limit = float(limits[formula.limit_key])
        score = doc.scores.get(name)
        if score is None or not doc.plain.word_count or formula.within(score, limit):
            continue
        side = "below" if formula.higher_is_easier else "above"
        if name == "smog_index":
            message = (
                f"SMOG grade {score:.1f} is above {limit:g} "
                f"({len(doc.plain.sentences)} sentences; SMOG is coarse on short texts)"
            )
        elif name == "flesch_kincaid_grade":
            message = f"Flesch-Kincaid grade {score:.1f} is {side} {limit:g}"
        else:
            band = formula.band(limit)
            message = f"{formula.describe(score)} is {side} {limit:g}" + (
                f" ({band})" if band else ""
            )
        yield found(line, 1, message, _hint(doc, name))


def _hint(doc: LintDoc, name: str) -> str:
    formula = FORMULAS[name]
    if name != "flesch_kincaid_grade":
        # Words to replace: not numbers, and not names (capitalised inside a sentence).
        long_words = sorted(
            {
                w.lower()
                for s in doc.plain.sentences
                for i, w in enumerate(s.words)
                if not w[0].isdigit()
                and not (i and w[0].isupper())
                and formula.syllables(w) >= formula.long_word
            }
        )
        if name == "smog_index":
            return "Replace some words of three or more syllables: " + ", ".join(long_words[:12])
        if long_words:
            return (
                f"Use shorter sentences and shorter words (of {formula.long_word} syllables "
                "or more here: " + ", ".join(long_words[:12]) + ")."
            )
    longest = sorted(doc.plain.sentences, key=lambda s: len(s.words), reverse=True)[:2]
    return "Use shorter sentences and shorter words. Longest sentences: " + "; ".join(
        f"line {s.line} ({len(s.words)} words)" for s in longest
    )


@dataclass(frozen=True, slots=True)
class SentenceLevel:
    """How hard one sentence is: "hard", "very hard" or "" (easy), and why."""

    level: str
    words: int
    measure: str
    score: float

    def describe(self) -> str:
        # ARI in whole grades, as the Hemingway editor; INFLESZ to the tenth, so that a
        # score just under a band's limit (54.6) does not read as the limit itself.
        score = f"{self.score:.0f}" if self.measure == "ARI" else f"{self.score:.1f}"
        return f"{self.words} words, {self.measure} {score}"


def sentence_level(
    text: str, words: tuple[str, ...], letters: int, config: LintConfig
) -> SentenceLevel:
    """One sentence judged by its language's measure (``sentences.measure``): ARI for
    English (Hemingway: hard from 10, very hard from 14), the sentence's own INFLESZ for
    Spanish (hard under 55, very hard under 40). Sentences under ``min_words_to_judge``
    words are never hard."""
    limits = config.section("sentences")
    count = len(words)
    if str(limits.get("measure", "ari")) == "szigriszt_pazos":
        counts = spanish.sentence_difficulty(text)
        score = counts.szigriszt_pazos if counts.words else 0.0
        hard, very_hard = (
            float(limits["hard_szigriszt_pazos"]),
            float(limits["very_hard_szigriszt_pazos"]),
        )
        level = "very hard" if score < very_hard else "hard" if score < hard else ""
        measure = "INFLESZ"
    else:
        score = readability.sentence_ari(letters, count)
        hard, very_hard = float(limits["hard_ari"]), float(limits["very_hard_ari"])
        level = "very hard" if score >= very_hard else "hard" if score >= hard else ""
        measure = "ARI"
    if count < int(limits["min_words_to_judge"]):
        level = ""
    return SentenceLevel(level, count, measure, score)


@rule("hard-sentence", "warning")
def hard_sentence(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Sentences that are hard to read on their own (English: ARI 10-13, as the Hemingway
    editor; Spanish: INFLESZ 40-55)."""
    yield from _hard(doc, ctx, found, very=False)


@rule("very-hard-sentence", "error")
def very_hard_sentence(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Sentences that are very hard to read on their own (English: ARI 14 or more;
    Spanish: INFLESZ under 40)."""
    yield from _hard(doc, ctx, found, very=True)


def _hard(doc: LintDoc, ctx: Context, found: Finder, *, very: bool) -> Iterator[Finding | None]:
    minimum = int(ctx.config.section("sentences")["min_words_to_judge"])
    wanted = "very hard" if very else "hard"
    for sentence in doc.plain.sentences:
        if len(sentence.words) < minimum:
            continue
        judged = sentence_level(sentence.text, sentence.words, sentence.letters, ctx.config)
        if judged.level == wanted:
            yield found(
                sentence.line,
                sentence.column,
                f"{wanted} to read ({judged.describe()}): “{cut(sentence.text)}”",
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
