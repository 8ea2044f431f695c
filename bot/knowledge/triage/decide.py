"""Triage: is this message an emergency, a crisis, or a request for a personal decision?

Every typed message is read here before any topic is chosen. A concept (trouble
breathing, a seizure, thoughts of suicide...) found in the message counts unless:

* it is negated: a negation word ("no", "not", "without") comes shortly before it in the
  same clause, and is not part of the concept itself ("no fever, but I can't breathe"
  cancels only the fever; "not breathing" is itself a concept);
* it is not meant literally ("dying to know", "lol");
* and, for kinds whose context is "report" (urgent symptoms), the sentence is a general
  question with nobody described ("can CAR-T cause trouble breathing?"), a hypothetical,
  or an event in the past that is over ("two years ago", "went away"), unless the same
  clause says it is happening now.

When in doubt it counts: a bare "chest pain" or "fever 40 after car t" is a report.
Verdicts carry the kind, the reply and the concept's id, never the user's words.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from bot.knowledge.triage.patterns import Pattern, Tokens
from bot.knowledge.triage.reading import Reading, numbers_near, read
from bot.knowledge.triage.rules import Concept, Measurement, TriageRules


@dataclass(frozen=True)
class Verdict:
    """What to send instead of a topic. Holds no user text, so it is safe to log."""

    kind: str
    reply: str
    rule_id: str
    #: The language of the rules that fired (the reply is in it).
    language: str = ""


@dataclass(frozen=True)
class Hit:
    """One place a concept was found, and what was decided about it."""

    concept: str
    kind: str
    start: int
    end: int
    words: tuple[str, ...]
    how: str
    #: Empty when the hit counts; else why it does not ("negated by 'no'", "general question").
    cancelled: str = ""


@dataclass(frozen=True)
class Explanation:
    """Everything triage saw in a message, for ``python -m bot triage`` and tests."""

    words: tuple[str, ...]
    hits: tuple[Hit, ...] = field(default_factory=tuple)
    frames: dict[str, list[str]] = field(default_factory=dict)
    verdict: Verdict | None = None


class _Context:
    """The message read once, with its canonical words and the framing spans."""

    def __init__(self, text: str, rules: TriageRules) -> None:
        self.rules = rules
        raw = read(text, rules.clause_breaks, rules.shorthand, rules.clause_joins)
        speller = rules.speller
        words = [speller.canonical(w) for w in raw.words] if speller else list(raw.words)
        self.reading = Reading(
            tokens=Tokens(words),
            sentence=raw.sentence,
            clause=raw.clause,
            sentences=raw.sentences,
            questions=raw.questions,
            pairs=raw.pairs,
        )
        self._frames: dict[str, list[tuple[int, int]]] = {}
        # The patterns this message could match at all (by their anchor words), checked in
        # full below; the rest are never tried.
        present = set(words)
        possible: set[int] = set()
        for word in present:
            possible.update(id(p) for p in rules.anchors.get(word, ()))
        prefixes = rules.prefix_index
        lengths = rules.prefix_lengths
        for word in present:
            for n in lengths:
                if n > len(word):
                    break
                patterns = prefixes.get(word[:n])
                if patterns:
                    possible.update(id(p) for p in patterns)
        self.possible = possible

    @property
    def words(self) -> tuple[str, ...]:
        return self.reading.words

    def spans(self, frame: str) -> list[tuple[int, int]]:
        found = self._frames.get(frame)
        if found is None:
            found = [
                span
                for pattern in self.rules.frames.get(frame, ())
                if id(pattern) in self.possible
                for span in _all_spans(pattern, self)
            ]
            self._frames[frame] = found
        return found

    def in_sentence(self, frame: str, sentence: int) -> bool:
        return any(self.reading.sentence[s] == sentence for s, _ in self.spans(frame))

    def first_before_in_sentence(self, frame: str, sentence: int, end: int) -> int | None:
        """Where the frame first starts in the sentence before ``end``: "if she gets a fever,
        ..." frames what follows it, while "... ring if this happens" does not undo a report
        before it."""
        starts = [s for s, _ in self.spans(frame) if self.reading.sentence[s] == sentence]
        return min((s for s in starts if s < end), default=None)

    def in_clause_from(self, frame: str, clause: int, start: int) -> bool:
        """The frame is in the clause at or after word ``start`` ("if this is it, she can't
        breathe right now": the "now" after the "if" makes it a report)."""
        return any(self.reading.clause[s] == clause and s >= start for s, _ in self.spans(frame))

    def in_clause(self, frame: str, clause: int) -> bool:
        return any(self.reading.clause[s] == clause for s, _ in self.spans(frame))

    def described_in(self, sentence: int) -> bool:
        """Someone is described anywhere in the sentence (not only as an asker)."""
        clauses = {
            c
            for c, s in zip(self.reading.clause, self.reading.sentence, strict=True)
            if s == sentence
        }
        return any(self.described(c) for c in clauses)

    def described(self, clause: int) -> bool:
        """Someone is described in the clause: a person word that is not the asker of a
        question ("I read about...", "I was wondering...")."""
        asking = self.spans("general")
        return any(
            self.reading.clause[s] == clause and not any(a_s <= s < a_e for a_s, a_e in asking)
            for s, _ in self.spans("person")
        )


def _all_spans(pattern: Pattern, ctx: _Context) -> Iterator[tuple[int, int]]:
    reading = ctx.reading
    if id(pattern) not in ctx.possible or not pattern.present(reading.tokens):
        return
    for lo, hi in reading.sentences:
        start = lo
        while start < hi:
            found = pattern.find(reading.tokens, start, hi, checked=True)
            if found is None:
                break
            yield found
            start = found[0] + 1


#: A place a concept was found: start, end, the pattern(s) as written, and the words the
#: pattern(s) name (a negation word among them is part of the concept, not a negation).
_Found = tuple[int, int, str, frozenset[str]]


#: The "named words" of a measurement: a number read as a temperature is a report itself.
_MEASURED: frozenset[str] = frozenset({"<measured>"})


def _literal_words(*patterns: Pattern) -> frozenset[str]:
    return frozenset(w.text for p in patterns for w in p.words() if not w.prefix)


def _concept_hits(concept: Concept, ctx: _Context) -> Iterator[_Found]:
    reading = ctx.reading
    for pattern in concept.match:
        if id(pattern) not in ctx.possible:
            continue
        for start, end in _all_spans(pattern, ctx):
            yield start, end, pattern.source, _literal_words(pattern)
    if concept.together:
        whole = ((0, len(reading.words)),) if concept.within == "message" else ()
        for lo, hi in whole or reading.sentences:
            parts: list[tuple[int, int, Pattern]] = []
            for alternatives in concept.together:
                found = next(
                    (
                        (span[0], span[1], p)
                        for p in alternatives
                        if id(p) in ctx.possible
                        and (span := p.find(reading.tokens, lo, hi)) is not None
                    ),
                    None,
                )
                if found is None:
                    break
                parts.append(found)
            else:
                first = min(p[0] for p in parts)
                last = max(p[1] for p in parts)
                how = " + ".join(p[2].source for p in parts)
                yield first, last, how, _literal_words(*(p[2] for p in parts))


def _measurement_hits(measure: Measurement, ctx: _Context) -> Iterator[_Found]:
    reading = ctx.reading
    if measure.form == "decimal":
        for i, word in enumerate(reading.words):
            if "." in word and word[:1].isdigit():
                value = float(word)
                if any(lo <= value <= hi for lo, hi in measure.alarm):
                    yield i, i + 1, f"{word} alone", _MEASURED
        return
    near = [span for p in measure.near for span in _all_spans(p, ctx)]
    if not near:
        return
    if measure.form == "pair":
        for first, _second, index in reading.pairs:
            at = min(index, len(reading.words) - 1)
            close = [s for s, _ in near if reading.sentence[s] == reading.sentence[at]]
            if close and any(lo <= first <= hi for lo, hi in measure.alarm):
                yield min(close[0], at), at + 1, f"reading {first:g}/{_second:g}", _MEASURED
        return
    for start, end in near:
        for value in numbers_near(reading, start, measure.reach):
            if any(lo <= value <= hi for lo, hi in measure.alarm):
                yield start, end, f"{reading.words[start]} {value:g}", _MEASURED
                break


def _negated(
    ctx: _Context, start: int, end: int, named: frozenset[str], *, inside: bool = True
) -> str:
    """The negation that cancels the words found at ``start:end``, or ''.

    A negation the concept's own pattern names ("not breathing") is part of it; one that
    only falls inside a gap ("I'm not bleeding") or comes before it negates it.
    """
    reading = ctx.reading
    for t_start, t_end in ctx.spans("negation_after"):
        if end <= t_start <= end + 1 and reading.clause[t_start] == reading.clause[end - 1]:
            return " ".join(reading.words[t_start:t_end])
    pseudo = ctx.spans("not_negation")
    for t_start, t_end in ctx.spans("negation"):
        if any(p_s <= t_start < p_e for p_s, p_e in pseudo):
            continue  # "not going to lie", "no doubt"
        if start <= t_start < end:
            if inside and not named.intersection(reading.words[t_start:t_end]):
                return " ".join(reading.words[t_start:t_end])
            continue
        close = t_end <= start and start - t_end <= ctx.rules.negation_reach
        stopped = any(w in ctx.rules.negation_stops for w in reading.words[t_end : start + 1])
        if close and not stopped and reading.clause[t_start] == reading.clause[start]:
            return " ".join(reading.words[t_start:t_end])
    return ""


def _cancelled(ctx: _Context, concept: Concept, kind_context: str, found: _Found) -> str:
    start, end, _how, named = found
    for pattern in concept.unless:
        for u_start, u_end in _all_spans(pattern, ctx):
            if u_start < end and u_end > start:
                return f"means something else: '{pattern.source}'"
    # A question or a thought ("should I say no and wait?", "I don't want to live") keeps
    # a negation in its gap; a report's gap negation ("I'm not bleeding") cancels it.
    report = kind_context == "report"
    negation = _negated(ctx, start, end, named, inside=report)
    if negation:
        return f"negated by '{negation}'"
    if not report:  # crisis and advice: "lol" often hides what a person means
        return ""
    sentence = ctx.reading.sentence[start]
    clause = ctx.reading.clause[start]
    now = ctx.in_clause("now", clause)
    if not now and ctx.in_sentence("literal", sentence):  # "lol ... and now I'm short of breath"
        return "not meant literally"
    recent = now or ctx.in_clause("recent", clause)
    if not recent and ctx.in_clause("past", clause):
        return "a past event that is over"
    if not now and ctx.in_sentence("resolved", sentence):
        return "a past event that is over"
    if ctx.spans("report"):  # "... I have it right now" somewhere in the message
        return ""
    hypothetical = ctx.first_before_in_sentence("hypothetical", sentence, end)
    if hypothetical is not None and not ctx.in_clause_from("now", clause, hypothetical):
        return "a hypothetical"  # "what should I do if she ever can't breathe"
    reported = now or ctx.described(clause) or found[3] is _MEASURED
    if ctx.in_sentence("general", sentence) and not reported:
        return "a general question, nobody described"
    if sentence in ctx.reading.questions and not reported and not ctx.described_in(sentence):
        return "a question with nobody described in it"
    return ""


def _hits(ctx: _Context) -> Iterator[Hit]:
    rules = ctx.rules
    by_id = {c.id: c for c in rules.concepts}
    for kind in rules.kinds:
        for concept in rules.concepts:
            if concept.kind != kind.name:
                continue
            found = list(_concept_hits(concept, ctx)) if concept.could(ctx.possible) else []
            found += [
                hit
                for m in rules.measurements
                if m.concept == concept.id
                for hit in _measurement_hits(m, ctx)
            ]
            for item in found:
                start, end, how, _named = item
                yield Hit(
                    concept=concept.id,
                    kind=by_id[concept.id].kind,
                    start=start,
                    end=end,
                    words=ctx.words[start:end],
                    how=how,
                    cancelled=_cancelled(ctx, concept, kind.context, item),
                )


def explain(text: str, rules: TriageRules, language: str = "") -> Explanation:
    """Every hit, with why it counts or not, and the verdict."""
    ctx = _Context(text, rules)
    hits = tuple(_hits(ctx))
    verdict = _verdict(hits, rules, language, text)
    frames = {
        name: [" ".join(ctx.words[s:e]) for s, e in ctx.spans(name)]
        for name in rules.frames
        if ctx.spans(name)
    }
    return Explanation(ctx.words, hits, frames, verdict)


def _verdict(hits: Sequence[Hit], rules: TriageRules, language: str, text: str) -> Verdict | None:
    for kind in rules.kinds:
        hit = next((h for h in hits if h.kind == kind.name and not h.cancelled), None)
        if hit is not None:
            return Verdict(kind.name, kind.reply, f"{kind.name}.{hit.concept}", language)
    return _learned_verdict({h.kind for h in hits}, rules, language, text)


def _learned_verdict(
    found: set[str], rules: TriageRules, language: str, text: str
) -> Verdict | None:
    """When no concept counts: the first kind (not among the kinds ``found``, cancelled)
    whose learned reader says so.

    What an editor wrote down wins: a concept that counts decides ("should I stop my meds"
    is advice even if it reads a little like an emergency), and a concept of a kind found
    but cancelled ("a fever last week, gone now") is not brought back by the reader."""
    for kind in rules.kinds:
        if kind.name not in found and _learned_says(rules, kind.name, text):
            return Verdict(kind.name, kind.reply, f"{kind.name}.learned", language)
    return None


def _learned_says(rules: TriageRules, kind: str, text: str) -> bool:
    reader = rules.learned.get(kind)
    return reader is not None and reader.says(text)


def triage(text: str, rules: TriageRules, language: str = "") -> Verdict | None:
    """The first kind (in priority order) with a hit that counts, or None: safe to route."""
    if not text.strip():
        return None
    ctx = _Context(text, rules)
    if not ctx.words:
        return None
    kinds_found: set[str] = set()
    for hit in _hits(ctx):  # in priority order: the first hit that counts decides
        if not hit.cancelled:
            reply = rules.kind(hit.kind).reply
            return Verdict(hit.kind, reply, f"{hit.kind}.{hit.concept}", language)
        kinds_found.add(hit.kind)
    return _learned_verdict(kinds_found, rules, language, text)
