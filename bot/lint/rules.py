"""The lint rules: one function per rule, each with an id and a default severity.

A rule reads a ``LintDoc`` (computed once per file) and the shared ``Context`` and yields
findings. Thresholds and word lists come from the config, so editors tune rules without
touching code; ``severity:`` in ``lint.yml`` can also switch a rule to warning or off.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import wordfreq

from bot.commands import RESERVED
from bot.lint.document import Context, LintDoc
from bot.lint.findings import Finding
from bot.text import readability
from bot.text.markdown import walk
from bot.text.plaintext import Sentence, split_sentences
from bot.text.render import MAX_MESSAGE_CHARS
from bot.text.telegram_html import TelegramHtmlError, parse_html

RuleFunction = Callable[[LintDoc, Context], Iterable[Finding | None]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    check: RuleFunction
    summary: str


RULES: list[Rule] = []


def rule(rule_id: str, severity: str) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule; its docstring's first line is its summary in ``--list-rules``."""

    def register(function: RuleFunction) -> RuleFunction:
        summary = (function.__doc__ or "").strip().splitlines()[0] if function.__doc__ else ""
        RULES.append(Rule(rule_id, severity, function, summary))
        return function

    return register


def _cut(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- reading level ---------------------------------------------------------------------------


@rule("reading-level", "error")
def reading_level(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """Flesch-Kincaid grade and SMOG of the body as a reader sees it."""
    limits = ctx.config.section("reading_level")
    line = doc.explainer.body_line
    fk_max = float(limits["max_flesch_kincaid_grade"])
    if doc.flesch_kincaid_grade > fk_max:
        longest = sorted(doc.plain.sentences, key=lambda s: len(s.words), reverse=True)[:2]
        yield doc.finding(
            ctx,
            "reading-level",
            "error",
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
        yield doc.finding(
            ctx,
            "reading-level",
            "error",
            line,
            1,
            f"SMOG grade {doc.smog_index:.1f} is above {smog_max:g} "
            f"({len(doc.plain.sentences)} sentences; SMOG is coarse on short texts)",
            "Replace some words of three or more syllables: " + ", ".join(long_words[:12]),
        )


@cache
def _syllables(word: str) -> int:
    return sum(readability.syllables(part) for part in re.split(r"[-'’]", word.lower()) if part)


# --- sentences -------------------------------------------------------------------------------


@rule("hard-sentence", "warning")
def hard_sentence(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """Sentences that are hard to read on their own (Hemingway-style ARI 10-13)."""
    yield from _hard(doc, ctx, very=False)


@rule("very-hard-sentence", "error")
def very_hard_sentence(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """Sentences that are very hard to read on their own (Hemingway-style ARI 14 or more)."""
    yield from _hard(doc, ctx, very=True)


def _hard(doc: LintDoc, ctx: Context, *, very: bool) -> Iterator[Finding | None]:
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
            rule_id = "very-hard-sentence" if very else "hard-sentence"
            label = "very hard" if very else "hard"
            yield doc.finding(
                ctx,
                rule_id,
                "error" if very else "warning",
                sentence.line,
                sentence.column,
                f"{label} to read ({count} words, ARI {ari:.0f}): “{_cut(sentence.text)}”",
                "Split it in two, or use shorter words.",
            )


@rule("long-sentence", "warning")
def long_sentence(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """Sentences longer than the word limit, however easy their words."""
    limit = int(ctx.config.section("sentences")["max_words"])
    for sentence in doc.plain.sentences:
        if len(sentence.words) > limit:
            yield doc.finding(
                ctx,
                "long-sentence",
                "warning",
                sentence.line,
                sentence.column,
                f"sentence of {len(sentence.words)} words (limit {limit}): “{_cut(sentence.text)}”",
                "Split it into two or three short sentences.",
            )


# --- plain style -----------------------------------------------------------------------------


def _content_words(text: str) -> set[str]:
    return {w.lower()[:5] for w in re.findall(r"[A-Za-z]{4,}", text)}


@rule("main-message-first", "warning")
def main_message_first(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """The first paragraph carries the main message (the summary's point)."""
    blocks = doc.plain.blocks
    if not blocks:
        return
    first = blocks[0]
    if first.kind != "paragraph":
        yield doc.finding(
            ctx,
            "main-message-first",
            "warning",
            first.line,
            1,
            f"the body starts with a {first.kind.replace('_', ' ')}, not the main message",
            "Open with one or two plain sentences that say the main point.",
        )
    elif doc.explainer.summary and not (
        _content_words(first.text) & _content_words(doc.explainer.summary)
    ):
        yield doc.finding(
            ctx,
            "main-message-first",
            "warning",
            first.line,
            1,
            "the first paragraph shares no key word with the summary",
            "Say the main message (the summary's point) in the first paragraph.",
        )


def _is_call_to_action(sentence: Sentence, verbs: frozenset[str], phrases: Iterable[str]) -> bool:
    if not sentence.words:
        return False
    if sentence.words[0].lower() in verbs:
        return True
    lowered = f" {sentence.text.lower()} "
    return any(phrase in lowered for phrase in phrases)


@rule("call-to-action", "error")
def call_to_action(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """At least one call to action addressed to the reader, ending the explainer."""
    style = ctx.config.section("style")
    verbs = ctx.config.words("style", "action_verbs")
    phrases = [str(p).lower() for p in style["action_phrases"]]
    sentences = doc.plain.sentences
    whole = " ".join(b.text for b in doc.plain.blocks).lower()
    phrases = [p for p in phrases if p in f" {whole} "]
    actions = [s for s in sentences if _is_call_to_action(s, verbs, phrases)]
    line = doc.explainer.body_line
    if not actions:
        yield doc.finding(
            ctx,
            "call-to-action",
            "error",
            line,
            1,
            "no call to action: nothing tells the reader what to do",
            "End with one concrete next step, e.g. “Write down your questions for your care team.”",
        )
        return
    last_block = doc.plain.blocks[-1]
    if not any(_is_call_to_action(s, verbs, phrases) for s in last_block.sentences):
        yield doc.finding(
            ctx,
            "call-to-action",
            "warning",
            last_block.line,
            1,
            "the explainer does not end with a next step for the reader",
            "Make the last paragraph one concrete thing the reader can do.",
        )


@rule("care-team", "error")
def care_team(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """Every explainer says when to talk to the care team."""
    phrases = [str(p).lower() for p in ctx.config.section("style")["care_team_phrases"]]
    text = " ".join(b.text for b in doc.plain.blocks).lower()
    if not any(p in text for p in phrases):
        yield doc.finding(
            ctx,
            "care-team",
            "error",
            doc.explainer.body_line,
            1,
            "the explainer never says when to talk to the care team",
            "Add when to talk to the doctor or care team, e.g. “Ask your care team if ...”.",
        )


@rule("personal-advice", "error")
def personal_advice(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """No dosing, diagnosis or personal treatment advice in an explainer."""
    text = " ".join(b.text for b in doc.plain.blocks).lower()
    phrases = [p for p in ctx.config.section("style")["advice_phrases"] if p.strip() in text]
    for sentence in doc.plain.sentences if phrases else ():
        lowered = f" {sentence.text.lower()} "
        hit = next((p for p in phrases if p in lowered), None)
        if hit:
            yield doc.finding(
                ctx,
                "personal-advice",
                "error",
                sentence.line,
                sentence.column,
                f"sounds like personal medical advice (“{hit.strip()}”): “{_cut(sentence.text)}”",
                "Explain, do not advise: send the reader to their care team for decisions.",
            )


_BE_WORDS = frozenset(
    ["am", "is", "are", "was", "were", "be", "been", "being", "get", "gets", "got", "gotten"]
)
_BE = "(?:" + "|".join(sorted(_BE_WORDS)) + ")"
_BE_PREFILTER = re.compile(rf"\b{_BE}\b", re.IGNORECASE)


@cache
def _passive_pattern(irregular: frozenset[str]) -> re.Pattern[str]:
    participles = "|".join(sorted(irregular))
    return re.compile(
        rf"\b{_BE}\s+(?:\w+ly\s+)?(?:not\s+)?(?P<verb>\w+ed|{participles})\b", re.IGNORECASE
    )


def is_passive(text: str, irregular: frozenset[str], not_passive: frozenset[str]) -> bool:
    if not _BE_PREFILTER.search(text):
        return False
    for match in _passive_pattern(irregular).finditer(text):
        if match.group("verb").lower() not in not_passive:
            return True
    return False


@rule("passive-voice", "warning")
def passive_voice(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """Passive voice in only a small share of sentences."""
    style = ctx.config.section("style")
    irregular = ctx.config.words("style", "irregular_participles")
    not_passive = ctx.config.words("style", "not_passive")
    sentences = doc.plain.sentences
    passive = [s for s in sentences if is_passive(s.text, irregular, not_passive)]
    share = float(style["max_passive_share"])
    if sentences and len(passive) / len(sentences) > share:
        for sentence in passive:
            yield doc.finding(
                ctx,
                "passive-voice",
                "warning",
                sentence.line,
                sentence.column,
                f"passive voice ({len(passive)} of {len(sentences)} sentences, limit "
                f"{share:.0%}): “{_cut(sentence.text)}”",
                "Say who does what: “Doctors use ...” rather than “... is used”.",
            )


@rule("paragraph-length", "warning")
def paragraph_length(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """Short paragraphs: a phone screen shows little at once."""
    limit = int(ctx.config.section("style")["max_paragraph_sentences"])
    for block in doc.plain.blocks:
        if len(block.sentences) > limit:
            yield doc.finding(
                ctx,
                "paragraph-length",
                "warning",
                block.line,
                1,
                f"paragraph of {len(block.sentences)} sentences (limit {limit})",
                "Break it into shorter paragraphs, or make a list.",
            )


_ACRONYM = re.compile(r"\b(?:[A-Z][A-Z0-9]*[A-Z0-9])(?:-[A-Z0-9]+)?\b")


def explained_at(sentence: str, term: str) -> bool:
    """Is ``term`` explained where it first appears ("X (plain)", "X means", "called X")?"""
    return _explanation_pattern(term.lower()).search(sentence.lower()) is not None


@cache
def _explanation_pattern(term: str) -> re.Pattern[str]:
    t = re.escape(term) + r"(?:e?s)?"
    forms = [
        rf"\b{t}\s*\(",
        rf"\(\s*{t}\s*\)",
        rf"\b{t},?\s+(?:which|that|who)\s+(?:is|are|means|mean)\b",
        rf"\b{t}\s+(?:is|are|means|mean|stands for)\b",
        rf"\b(?:called|named|known as|known as the)\s+(?:an?\s+|the\s+)?{t}\b",
        rf"\b{t}\s*[-–—:]\s",
    ]
    return re.compile("|".join(forms))


@rule("acronym", "warning")
def acronym(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """Acronyms are spelled out or explained the first time they are used."""
    known = {a.upper() for a in ctx.config.section("style")["known_acronyms"]}
    seen: set[str] = set()
    for sentence in doc.plain.sentences:
        for match in _ACRONYM.finditer(sentence.text):
            word = match.group(0)
            if word in seen or word in known or word.isdigit() or not re.search("[A-Z]", word):
                continue
            seen.add(word)
            if not explained_at(sentence.text, word):
                yield doc.finding(
                    ctx,
                    "acronym",
                    "warning",
                    sentence.line,
                    sentence.column + match.start(),
                    f"acronym {word} is not spelled out or explained at first use",
                    f"Write it out first, or explain it: “{word} (...)” or “called {word}”.",
                )


@cache
def _zipf(word: str) -> float:
    return float(wordfreq.zipf_frequency(word, "en"))


@rule("rare-word", "warning")
def rare_word(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """Uncommon words, by how often they occur in everyday English (wordfreq)."""
    threshold = float(ctx.config.section("style")["rare_word_zipf"])
    known = ctx.config.words("style", "known_words") | ctx.config.jargon.keys()
    first_use: dict[str, tuple[Sentence, str]] = {}
    for sentence in doc.plain.sentences:
        for index, word in enumerate(sentence.words):
            # Names (capitalised inside a sentence) and acronyms are not vocabulary.
            if (index and word[0].isupper()) or word.isupper() or not word.isalpha():
                continue
            first_use.setdefault(word.lower(), (sentence, word))
    for lowered, (sentence, word) in first_use.items():
        if lowered in known or _zipf(lowered) >= threshold or _stem_known(lowered, known):
            continue
        yield doc.finding(
            ctx,
            "rare-word",
            "warning",
            sentence.line,
            sentence.column + max(sentence.text.find(word), 0),
            f"“{word}” is an uncommon word",
            "Use a more common word, or explain it the first time.",
        )


def _stem_known(word: str, known: Iterable[str]) -> bool:
    return any(word.endswith(suffix) and word[: -len(suffix)] in known for suffix in ("es", "s"))


@cache
def _jargon_pattern(terms: frozenset[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    # "(?<![-\w])": "T cells" inside "CAR-T cells" is a different term.
    return re.compile(rf"(?<![-\w])(?P<term>{alternatives})(?:e?s)?\b", re.IGNORECASE)


@rule("jargon", "error")
def jargon(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """Listed medical words, unless the file explains them where they first appear."""
    glossary = ctx.config.jargon
    if not glossary:
        return
    whole = " ".join(b.text for b in doc.plain.blocks).lower()
    present = frozenset(term for term in glossary if term in whole)
    if not present:
        return
    pattern = _jargon_pattern(present)
    seen: set[str] = set()
    for sentence in doc.plain.sentences:
        for match in pattern.finditer(sentence.text):
            term = match.group("term").lower()
            if term in seen:
                continue
            seen.add(term)
            if not explained_at(sentence.text, term):
                plain = glossary[term]
                yield doc.finding(
                    ctx,
                    "jargon",
                    "error",
                    sentence.line,
                    sentence.column + match.start(),
                    f"“{match.group(0)}” is medical jargon",
                    f"Say “{plain}” instead, or explain it here: “{term} ({plain})”.",
                )


# --- structure -------------------------------------------------------------------------------

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")


@rule("front-matter", "error")
def front_matter(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """Required fields are present and of the right kind; unknown fields are likely typos."""
    structure = ctx.config.section("structure")
    meta = doc.explainer.meta
    required = [str(f) for f in structure["required_fields"]]
    allowed = set(required) | {str(f) for f in structure["optional_fields"]}
    for name in required:
        if meta.get(name) in (None, "", []):
            yield doc.finding(
                ctx,
                "front-matter",
                "error",
                doc.meta_line(name) if name in meta else 2,
                1,
                f"required field '{name}' is missing or empty",
                f"Add '{name}:' to the front matter.",
            )
    expectations: dict[str, tuple[Callable[[Any], bool], str]] = {
        "title": (lambda v: isinstance(v, str), "text"),
        "command": (lambda v: isinstance(v, str), "text"),
        "summary": (lambda v: isinstance(v, str), "text"),
        "order": (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
        "examples": (
            lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
            "a list of questions",
        ),
        "sources": (
            lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
            "a list of quotes",
        ),
    }
    for name, (ok, kind) in expectations.items():
        value = meta.get(name)
        if value not in (None, "", []) and not ok(value):
            yield doc.finding(
                ctx,
                "front-matter",
                "error",
                doc.meta_line(name),
                1,
                f"field '{name}' must be {kind}",
                "Lists are written as lines starting with '  - '.",
            )
    for name in meta:
        if name not in allowed:
            yield doc.finding(
                ctx,
                "front-matter",
                "warning",
                doc.meta_line(name),
                1,
                f"unknown field '{name}'",
                "Check the spelling; known fields: " + ", ".join(sorted(allowed)),
            )


@rule("command", "error")
def command(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """The command is valid for Telegram, not reserved, and unique across files."""
    name = doc.explainer.command
    if not name:
        return
    line = doc.meta_line("command")
    if not _COMMAND.match(name):
        yield doc.finding(
            ctx,
            "command",
            "error",
            line,
            1,
            f"'{name}' is not a valid Telegram command",
            "Use 1 to 32 characters: lowercase a-z, digits 0-9 and '_'.",
        )
    elif name in RESERVED:
        yield doc.finding(
            ctx,
            "command",
            "error",
            line,
            1,
            f"/{name} is used by the bot itself",
            "Choose another command name for this topic.",
        )
    first = ctx.commands.get(name)
    if first is not None and first != doc.path:
        yield doc.finding(
            ctx,
            "command",
            "error",
            line,
            1,
            f"/{name} is already used by {first}",
            "Each topic needs its own command.",
        )


@rule("title", "error")
def title(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """The title fits on a menu button."""
    limit = int(ctx.config.section("structure")["max_title_chars"])
    if len(doc.explainer.title) > limit:
        yield doc.finding(
            ctx,
            "title",
            "error",
            doc.meta_line("title"),
            1,
            f"title of {len(doc.explainer.title)} characters (limit {limit})",
            "Shorten the title: it is also the menu button.",
        )


@rule("summary", "error")
def summary(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """The summary is one sentence, short enough for a menu or a digest line."""
    text = doc.explainer.summary
    if not text:
        return
    limit = int(ctx.config.section("structure")["max_summary_chars"])
    line = doc.meta_line("summary")
    if len(text) > limit:
        yield doc.finding(
            ctx,
            "summary",
            "error",
            line,
            1,
            f"summary of {len(text)} characters (limit {limit})",
            "Say the main point in one short sentence.",
        )
    if len(split_sentences(text, ctx.config.abbreviations)) > 1:
        yield doc.finding(
            ctx,
            "summary",
            "warning",
            line,
            1,
            "the summary has more than one sentence",
            "Keep only the sentence with the main message.",
        )


@rule("examples", "warning")
def examples(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """Enough example questions for the bot to recognise the topic."""
    minimum = int(ctx.config.section("structure")["min_examples"])
    count = len(doc.explainer.examples)
    if 0 < count < minimum:
        yield doc.finding(
            ctx,
            "examples",
            "warning",
            doc.meta_line("examples"),
            1,
            f"only {count} example question(s) (at least {minimum} help the bot)",
            "Add questions a patient might type, in their own words.",
        )


@rule("body-length", "error")
def body_length(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """The body is there and fits about one phone screen."""
    structure = ctx.config.section("structure")
    words = doc.plain.word_count
    line = doc.explainer.body_line
    chars = len(doc.explainer.body.strip())
    if words == 0:
        yield doc.finding(
            ctx,
            "body-length",
            "error",
            line,
            1,
            "the explainer has no text",
            "Write the explainer below the front matter.",
        )
        return
    if words < int(structure["min_body_words"]):
        yield doc.finding(
            ctx,
            "body-length",
            "warning",
            line,
            1,
            f"only {words} words",
            "Add what the reader needs: the main message, what it means, a next step.",
        )
    if words > int(structure["max_body_words"]) or chars > int(structure["max_body_chars"]):
        yield doc.finding(
            ctx,
            "body-length",
            "error",
            line,
            1,
            f"{words} words, {chars} characters: longer than one phone screen "
            f"(limits {structure['max_body_words']} words, {structure['max_body_chars']} chars)",
            "Cut to the main message, or split the topic in two.",
        )


@rule("message", "error")
def message(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """The message as sent is valid Telegram HTML of at most 4,096 characters."""
    line = doc.explainer.body_line
    try:
        parsed = parse_html(doc.html, strict=True)
    except TelegramHtmlError as err:
        yield doc.finding(
            ctx,
            "message",
            "error",
            line,
            1,
            f"Telegram would reject this message: {err}",
            "Remove the formatting near the problem; this is likely a bug worth reporting.",
        )
        return
    length = len(parsed.text)
    if length > MAX_MESSAGE_CHARS:
        yield doc.finding(
            ctx,
            "message",
            "error",
            line,
            1,
            f"the message is {length} characters; Telegram allows {MAX_MESSAGE_CHARS}",
            "Shorten the explainer.",
        )


@rule("markdown", "warning")
def markdown(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """Markdown that Telegram cannot show (tables, images, raw HTML)."""
    for item in doc.document.unsupported:
        yield doc.finding(
            ctx,
            "markdown",
            "warning",
            item.line,
            item.column,
            f"{item.what} is shown as typed: Telegram cannot display it",
            "Use plain sentences, lists, **bold** and [links](https://...) only.",
        )


# --- provenance ------------------------------------------------------------------------------

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
def provenance(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """Every quote in `sources` occurs in the source article; every explainer has one."""
    sources = doc.explainer.sources
    if not sources:
        if "sources" in doc.explainer.meta:
            yield doc.finding(
                ctx,
                "provenance",
                "error",
                doc.meta_line("sources"),
                1,
                "no source quotes: every fact must be backed by the article",
                "Under 'sources:', copy the article's sentences that back the facts here.",
            )
        return
    for quote in sources:
        if ctx.seeds.find(quote) is None:
            yield doc.finding(
                ctx,
                "provenance",
                "error",
                _source_line(doc, quote),
                1,
                f"quote not found in the source article: “{_cut(quote, 90)}”",
                "Copy the words exactly from the article in the seeds folder.",
            )


def _is_number(word: str) -> bool:
    lowered = word.lower()
    return word[0].isdigit() or lowered in _NUMBER_WORDS or lowered[:-1] in _NUMBER_WORDS


@rule("unsourced-number", "error")
def unsourced_number(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
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
            yield doc.finding(
                ctx,
                "unsourced-number",
                "error",
                sentence.line,
                sentence.column + max(sentence.text.find(word), 0),
                f"the number “{word}” is not in any of this file's source quotes",
                "Add the article's sentence with this number to 'sources', or remove it.",
            )


# --- links -----------------------------------------------------------------------------------


@rule("link", "error")
def link(doc: LintDoc, ctx: Context) -> Iterator[Finding | None]:
    """Links are https and well formed."""
    for block in doc.document.blocks:
        for node in walk(block.inlines):
            if node.kind != "link":
                continue
            href = node.href
            line, column = block.position(node.start)
            parts = urlsplit(href) if href else None
            if parts is None or not parts.scheme:
                problem = f"link “{href}” is not a full web address"
            elif parts.scheme != "https":
                problem = f"link “{href}” does not use https"
            elif "." not in parts.netloc or any(c.isspace() for c in href) or "@" in parts.netloc:
                problem = f"link “{href}” is not a well-formed address"
            else:
                continue
            yield doc.finding(
                ctx,
                "link",
                "error",
                line,
                column,
                problem,
                "Use a full https:// address, e.g. https://www.example.org/page",
            )
