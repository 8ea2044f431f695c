"""Plain style: main message first, a next step, the care team, no advice, active voice,
short paragraphs, explained acronyms and jargon, everyday words."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache

import wordfreq

from bot.lint.config import LintConfig
from bot.lint.document import Context, LintDoc
from bot.lint.findings import Finding
from bot.lint.registry import Finder, cut, rule
from bot.text.normalise import strip_accents
from bot.text.plaintext import Sentence


def _content_words(text: str) -> set[str]:
    return {w.lower()[:5] for w in re.findall(r"[^\W\d_]{4,}", text)}


def _hint_example(config: LintConfig, name: str) -> str:
    return str(config.data.get("hints", {}).get(name, ""))


def _folded(text: str) -> str:
    """Lowercase without accents, for phrases people type either way ("medico")."""
    return strip_accents(text.lower())


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


@cache
def _verb_forms(verbs: frozenset[str], enclitics: frozenset[str]) -> frozenset[str]:
    """The verbs without accents, and each with each pronoun after it ("preguntele")."""
    plain = {_folded(v) for v in verbs}
    return frozenset(plain | {v + e for v in plain for e in (_folded(x) for x in enclitics)})


def _is_action_verb(word: str, forms: frozenset[str]) -> bool:
    return _folded(word) in forms


_CLAUSE = re.compile(r"[,;:]\s*([^\W\d_]+)")


def _is_call_to_action(sentence: Sentence, verbs: frozenset[str], phrases: Iterable[str]) -> bool:
    """The sentence starts with an action verb, or a clause of it does ("If you feel
    worse, call ..."; "Si empeora, hable ..."), or it has an action phrase."""
    if not sentence.words:
        return False
    if _is_action_verb(sentence.words[0], verbs):
        return True
    if any(_is_action_verb(m.group(1), verbs) for m in _CLAUSE.finditer(sentence.text)):
        return True
    lowered = f" {sentence.text.lower()} "
    return any(phrase in lowered for phrase in phrases)


@rule("call-to-action", "error")
def call_to_action(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """At least one call to action addressed to the reader, ending the explainer."""
    style = ctx.config.section("style")
    verbs = _verb_forms(
        ctx.config.words("style", "action_verbs"), ctx.config.words("style", "enclitics")
    )
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
            "End with one concrete next step, e.g. "
            f"“{_hint_example(ctx.config, 'call_to_action')}”",
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
    phrases = [_folded(str(p)) for p in ctx.config.section("style")["care_team_phrases"]]
    text = _folded(" ".join(b.text for b in doc.plain.blocks))
    if not any(p in text for p in phrases):
        listed = ", ".join(f"“{p}”" for p in ctx.config.section("style")["care_team_phrases"][:4])
        yield found(
            doc.explainer.body_line,
            1,
            f"the explainer never says when to talk to the care team ({listed} ...)",
            "Add when to talk to the doctor or care team, e.g. "
            f"“{_hint_example(ctx.config, 'care_team')}”.",
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


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _passive_patterns(
    auxiliaries: frozenset[str],
    endings: frozenset[str],
    irregular: frozenset[str],
    fillers: frozenset[str],
    adverbs: frozenset[str],
) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """A quick test for an auxiliary, and the passive itself: an auxiliary ("is", "fue"),
    up to two fillers or adverbs ("not", "widely"; "ya", "ampliamente"), a participle."""
    if not auxiliaries or not (endings or irregular):
        return None
    aux = f"(?:{_alternatives(auxiliaries)})"
    between = [f"(?:{_alternatives(fillers)})"] if fillers else []
    between += [rf"\w+(?:{_alternatives(adverbs)})"] if adverbs else []
    gap = rf"(?:(?:{'|'.join(between)})\s+){{0,2}}" if between else ""
    verbs = [rf"\w+(?:{_alternatives(endings)})"] if endings else []
    verbs += [_alternatives(irregular)] if irregular else []
    return (
        re.compile(rf"(?<!\w){aux}(?!\w)", re.IGNORECASE),
        re.compile(rf"(?<!\w){aux}\s+{gap}(?P<verb>{'|'.join(verbs)})(?!\w)", re.IGNORECASE),
    )


def is_passive(
    text: str,
    irregular: frozenset[str],
    not_passive: frozenset[str],
    config: LintConfig | None = None,
) -> bool:
    """Whether a sentence has a passive, by the words of ``config``'s language (English's
    built-in auxiliaries when no config is given)."""
    words = (lambda key: config.words("style", key)) if config is not None else _ENGLISH.get
    patterns = _passive_patterns(
        words("passive_auxiliaries") or frozenset(),
        words("participle_endings") or frozenset(),
        irregular,
        words("passive_fillers") or frozenset(),
        words("adverb_endings") or frozenset(),
    )
    if patterns is None or not patterns[0].search(text):
        return False
    return any(m.group("verb").lower() not in not_passive for m in patterns[1].finditer(text))


_ENGLISH: Mapping[str, frozenset[str]] = {
    "passive_auxiliaries": frozenset(
        ["am", "is", "are", "was", "were", "be", "been", "being", "get", "gets", "got", "gotten"]
    ),
    "participle_endings": frozenset(["ed"]),
    "passive_fillers": frozenset(["not"]),
    "adverb_endings": frozenset(["ly"]),
}


@rule("passive-voice", "warning")
def passive_voice(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Passive voice in only a small share of sentences ("is linked"; "fue publicado",
    while the Spanish "se" passive is fine)."""
    style = ctx.config.section("style")
    irregular = ctx.config.words("style", "irregular_participles")
    not_passive = ctx.config.words("style", "not_passive")
    sentences = doc.plain.sentences
    passive = [s for s in sentences if is_passive(s.text, irregular, not_passive, ctx.config)]
    share = float(style["max_passive_share"])
    if sentences and len(passive) / len(sentences) > share:
        example = _hint_example(ctx.config, "passive")
        for sentence in passive:
            yield found(
                sentence.line,
                sentence.column,
                f"passive voice ({len(passive)} of {len(sentences)} sentences, limit "
                f"{share:.0%}): “{cut(sentence.text)}”",
                f"Say who does what: {example}." if example else "Say who does what.",
            )


@cache
def _informal_pattern(forms: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?P<form>{_alternatives(forms)})(?![\w-])", re.IGNORECASE)


@rule("formal-address", "warning")
def formal_address(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """The reader is addressed formally where the language asks it ("usted", not "tú")."""
    forms: dict[str, str] = {
        str(k).lower(): str(v) for k, v in ctx.config.section("style")["informal_forms"].items()
    }
    if not forms:
        return
    pattern = _informal_pattern(tuple(sorted(forms)))
    places = [
        (doc.meta_line(key), 1, str(doc.explainer.meta.get(key) or ""), False)
        for key in ("title", "summary")
    ]
    places += [(s.line, s.column, s.text, True) for s in doc.plain.sentences]
    seen: set[str] = set()
    for line, column, text, in_body in places:
        for match in pattern.finditer(text):
            form = match.group("form")
            if form.lower() in seen:
                continue  # once per form, where it first appears
            seen.add(form.lower())
            polite = forms.get(form.lower(), "")
            yield found(
                line,
                column + match.start() if in_body else 1,
                f"“{form}” addresses the reader informally: “{cut(text, 60)}”",
                f"Address the reader as “usted”: “{polite}” instead of “{form}”."
                if polite
                else "Address the reader formally.",
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

#: The English ways of explaining a term, for callers without a language's settings.
_ENGLISH_EXPLANATIONS = (
    ("is", "are", "means", "mean", "stands for"),
    ("which", "that", "who"),
    ("called", "named", "known as"),
    ("a", "an", "the"),
)

Explanations = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def explanations(config: LintConfig) -> Explanations:
    """The words of ``explanations:`` in a language's settings, in the order the pattern
    takes them: after the term, relatives, before the term, articles."""
    section = config.section("explanations")
    keys = ("after_term", "relatives", "before_term", "articles")
    after, relatives, before, articles = (
        tuple(str(w).lower() for w in section.get(key) or ()) for key in keys
    )
    return after, relatives, before, articles


def explained_at(sentence: str, term: str, words: Explanations | None = None) -> bool:
    """Is ``term`` explained where it first appears ("X (plain)", "X means", "called X";
    in another language, by the words of its ``explanations:``)?"""
    pattern = _explanation_pattern(term.lower(), words or _ENGLISH_EXPLANATIONS)
    return pattern.search(sentence.lower()) is not None


@cache
def _explanation_pattern(term: str, words: Explanations) -> re.Pattern[str]:
    after, relatives, before, articles = (_alternatives(w) for w in words)
    t = re.escape(term) + r"(?:e?s)?"
    forms = [rf"\b{t}\s*\(", rf"\(\s*{t}\s*\)", rf"\b{t}\s*[-–—:]\s"]
    if after:
        forms.append(rf"\b{t}\s+(?:{after})\b")
        if relatives:
            forms.append(rf"\b{t},?\s+(?:{relatives})\s+(?:{after})\b")
    if before:
        article = rf"(?:(?:{articles})\s+)?" if articles else ""
        forms.append(rf"\b(?:{before})\s+{article}{t}\b")
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
            ways = explanations(ctx.config)
            if not explained_at(sentence.text, word, ways):
                called = ways[2][0] if ways[2] else "called"
                yield found(
                    sentence.line,
                    sentence.column + match.start(),
                    f"acronym {word} is not spelled out or explained at first use",
                    f"Write it out first, or explain it: “{word} (...)” or “{called} {word}”.",
                )


@cache
def _zipf(word: str, language: str = "en") -> float:
    return float(wordfreq.zipf_frequency(word, language))


@cache
def _has_word_list(language: str) -> bool:
    try:
        wordfreq.zipf_frequency("a", language)
    except LookupError:
        return False
    return True


#: How many of a language's most frequent words make up its word families (about Zipf
#: 2.6 and up in Spanish): enough for every everyday family, and built in under a second.
FAMILY_VOCABULARY = 60_000


@cache
def _families(language: str, stemmer_name: str) -> dict[str, float]:
    """Each stem's total frequency (as a Zipf value) over the language's common words."""
    from nltk.stem.snowball import SnowballStemmer

    stem = SnowballStemmer(stemmer_name).stem
    totals: dict[str, float] = {}
    for index, word in enumerate(wordfreq.iter_wordlist(language)):
        if index >= FAMILY_VOCABULARY:
            break
        key = stem(word)
        totals[key] = totals.get(key, 0.0) + wordfreq.word_frequency(word, language)
    return {k: math.log10(v * 1e9) for k, v in totals.items() if v > 0}


def _family_zipf(word: str, language: str, stemmer_name: str) -> float:
    """How common a word's family is ("necesitaron" with "necesita", "necesito" ...)."""
    if not stemmer_name:
        return 0.0
    try:
        from nltk.stem.snowball import SnowballStemmer

        key = SnowballStemmer(stemmer_name).stem(word)
    except ValueError:  # not a language the stemmer knows: no families
        return 0.0
    return _families(language, stemmer_name).get(key, 0.0)


def _without_enclitic(word: str, enclitics: frozenset[str]) -> list[str]:
    """The verb inside a verb with pronouns after it ("llévelas" is "lleve")."""
    return [
        strip_accents(word[: -len(e)])
        for e in sorted(enclitics, key=len, reverse=True)
        if len(word) > len(e) + 2 and word.endswith(e)
    ]


def is_common(word: str, config: LintConfig, threshold: float) -> bool:
    """A word is common when it, the verb inside it ("pregúntele") or its family (by the
    language's ``rare_word_stemmer``) is at least ``threshold`` on wordfreq's list."""
    language = config.language
    if _zipf(word, language) >= threshold:
        return True
    enclitics = config.words("style", "enclitics")
    if any(_zipf(v, language) >= threshold for v in _without_enclitic(word, enclitics)):
        return True
    stemmer = str(config.section("style").get("rare_word_stemmer") or "")
    return _family_zipf(word, language, stemmer) >= threshold


@rule("rare-word", "warning")
def rare_word(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Uncommon words, by how often they occur in everyday use of the file's language
    (wordfreq's lists; in Spanish, a word whose family is common is common too)."""
    threshold = float(ctx.config.section("style")["rare_word_zipf"])
    language = ctx.config.language
    if not _has_word_list(language):
        yield found(
            doc.explainer.body_line,
            1,
            f"no word frequencies for the language “{language}”: rare words are not checked",
            "wordfreq has no list for it; switch rare-word off for this language in lint.yml.",
        )
        return
    # Jargon is the jargon rule's to flag, and so is each word of a jargon phrase
    # ("inmunitario" in "sistema inmunitario").
    known = ctx.config.words("style", "known_words") | _jargon_words(ctx.config)
    first_use: dict[str, tuple[Sentence, str]] = {}
    for sentence in doc.plain.sentences:
        for index, word in enumerate(sentence.words):
            # Names (capitalised inside a sentence) and acronyms are not vocabulary.
            if (index and word[0].isupper()) or word.isupper() or not word.isalpha():
                continue
            first_use.setdefault(word.lower(), (sentence, word))
    for lowered, (sentence, word) in first_use.items():
        if (
            lowered in known
            or _stem_known(lowered, known)
            or is_common(lowered, ctx.config, threshold)
        ):
            continue
        yield found(
            sentence.line,
            sentence.column + max(sentence.text.find(word), 0),
            f"“{word}” is an uncommon word",
            "Use a more common word, or explain it the first time.",
        )


def _jargon_words(config: LintConfig) -> frozenset[str]:
    return frozenset(config.jargon) | {w for term in config.jargon for w in term.split()}


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
            if not explained_at(sentence.text, term, explanations(ctx.config)):
                plain = glossary[term]
                yield found(
                    sentence.line,
                    sentence.column + match.start(),
                    f"“{match.group(0)}” is medical jargon",
                    f"Say “{plain}” instead, or explain it here: “{term} ({plain})”.",
                )
