"""Plain style: main message first, a next step, the care team, no advice, active voice,
short paragraphs, explained acronyms and jargon, everyday words."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache

import wordfreq

from bot.lint.document import Context, LintDoc
from bot.lint.findings import Finding
from bot.lint.registry import Finder, cut, rule
from bot.text.plaintext import Sentence


def _content_words(text: str) -> set[str]:
    return {w.lower()[:5] for w in re.findall(r"[A-Za-z]{4,}", text)}


@rule("main-message-first", "warning")
def main_message_first(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """The first paragraph carries the main message (the summary's point)."""
    blocks = doc.plain.blocks
    if not blocks:
        return
    first = blocks[0]
    if first.kind != "paragraph":
        yield found(
            first.line,
            1,
            f"the body starts with a {first.kind.replace('_', ' ')}, not the main message",
            "Open with one or two plain sentences that say the main point.",
        )
    elif doc.explainer.summary and not (
        _content_words(first.text) & _content_words(doc.explainer.summary)
    ):
        yield found(
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
def call_to_action(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
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
        yield found(
            line,
            1,
            "no call to action: nothing tells the reader what to do",
            "End with one concrete next step, e.g. “Write down your questions for your care team.”",
        )
        return
    last_block = doc.plain.blocks[-1]
    if not any(_is_call_to_action(s, verbs, phrases) for s in last_block.sentences):
        yield found(
            last_block.line,
            1,
            "the explainer does not end with a next step for the reader",
            "Make the last paragraph one concrete thing the reader can do.",
            severity="warning",
        )


@rule("care-team", "error")
def care_team(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Every explainer says when to talk to the care team."""
    phrases = [str(p).lower() for p in ctx.config.section("style")["care_team_phrases"]]
    text = " ".join(b.text for b in doc.plain.blocks).lower()
    if not any(p in text for p in phrases):
        yield found(
            doc.explainer.body_line,
            1,
            "the explainer never says when to talk to the care team",
            "Add when to talk to the doctor or care team, e.g. “Ask your care team if ...”.",
        )


@rule("personal-advice", "error")
def personal_advice(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """No dosing, diagnosis or personal treatment advice in an explainer."""
    text = " ".join(b.text for b in doc.plain.blocks).lower()
    phrases = [p for p in ctx.config.section("style")["advice_phrases"] if p.strip() in text]
    for sentence in doc.plain.sentences if phrases else ():
        lowered = f" {sentence.text.lower()} "
        hit = next((p for p in phrases if p in lowered), None)
        if hit:
            yield found(
                sentence.line,
                sentence.column,
                f"sounds like personal medical advice (“{hit.strip()}”): “{cut(sentence.text)}”",
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
def passive_voice(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Passive voice in only a small share of sentences."""
    style = ctx.config.section("style")
    irregular = ctx.config.words("style", "irregular_participles")
    not_passive = ctx.config.words("style", "not_passive")
    sentences = doc.plain.sentences
    passive = [s for s in sentences if is_passive(s.text, irregular, not_passive)]
    share = float(style["max_passive_share"])
    if sentences and len(passive) / len(sentences) > share:
        for sentence in passive:
            yield found(
                sentence.line,
                sentence.column,
                f"passive voice ({len(passive)} of {len(sentences)} sentences, limit "
                f"{share:.0%}): “{cut(sentence.text)}”",
                "Say who does what: “Doctors use ...” rather than “... is used”.",
            )


@rule("paragraph-length", "warning")
def paragraph_length(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Short paragraphs: a phone screen shows little at once."""
    limit = int(ctx.config.section("style")["max_paragraph_sentences"])
    for block in doc.plain.blocks:
        if len(block.sentences) > limit:
            yield found(
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
def acronym(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
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
                yield found(
                    sentence.line,
                    sentence.column + match.start(),
                    f"acronym {word} is not spelled out or explained at first use",
                    f"Write it out first, or explain it: “{word} (...)” or “called {word}”.",
                )


@cache
def _zipf(word: str) -> float:
    return float(wordfreq.zipf_frequency(word, "en"))


@rule("rare-word", "warning")
def rare_word(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
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
        yield found(
            sentence.line,
            sentence.column + max(sentence.text.find(word), 0),
            f"“{word}” is an uncommon word",
            "Use a more common word, or explain it the first time.",
        )


def _stem_known(word: str, known: Iterable[str]) -> bool:
    return any(word.endswith(suffix) and word[: -len(suffix)] in known for suffix in ("es", "s"))


@cache
def jargon_pattern(terms: frozenset[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    # "(?<![-\w])": "T cells" inside "CAR-T cells" is a different term.
    return re.compile(rf"(?<![-\w])(?P<term>{alternatives})(?:e?s)?\b", re.IGNORECASE)


@rule("jargon", "error")
def jargon(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Listed medical words, unless the file explains them where they first appear."""
    glossary = ctx.config.jargon
    if not glossary:
        return
    whole = " ".join(b.text for b in doc.plain.blocks).lower()
    present = frozenset(term for term in glossary if term in whole)
    if not present:
        return
    pattern = jargon_pattern(present)
    seen: set[str] = set()
    for sentence in doc.plain.sentences:
        for match in pattern.finditer(sentence.text):
            term = match.group("term").lower()
            if term in seen:
                continue
            seen.add(term)
            if not explained_at(sentence.text, term):
                plain = glossary[term]
                yield found(
                    sentence.line,
                    sentence.column + match.start(),
                    f"“{match.group(0)}” is medical jargon",
                    f"Say “{plain}” instead, or explain it here: “{term} ({plain})”.",
                )
