"""A message read for triage: words, sentences, clauses, and numbers with their units.

People type in a hurry: no capitals, run-on sentences, typos, a temperature glued to its
unit ("102f"), a decimal comma ("39,8"). This turns a message into words the patterns can
match and remembers which sentence and clause each word is in, so that a negation ("no
fever, but ...") or a past time ("two years ago") only touches its own part of the message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.knowledge.triage.patterns import Tokens
from bot.text.normalise import normalise_typed

_READING = re.compile(r"(?<!\d)(\d{2,3})\s*(?:/|\bover\b|\bsobre\b)\s*(\d{2,3})(?!\d)")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+|[.!?]+|[,;:()¿¡\-–—\n]+")
#: A new line only ends a clause: people break one thought over several lines on a phone.
_SENTENCE_END = frozenset(".!?")


@dataclass(frozen=True)
class Reading:
    """Everything the triage looks at in one message."""

    tokens: Tokens
    #: For each word: the sentence and the clause it is in (clauses number across the text).
    sentence: tuple[int, ...]
    clause: tuple[int, ...]
    #: (first word, end) of each sentence.
    sentences: tuple[tuple[int, int], ...]
    #: Sentences that end with a question mark (or open with ¿).
    questions: frozenset[int]
    #: Blood-pressure style readings ("75/40", "80 over 50") as (first, second, word index).
    pairs: tuple[tuple[float, float, int], ...]

    @property
    def words(self) -> tuple[str, ...]:
        return self.tokens.words


def read(
    text: str,
    clause_breaks: frozenset[str],
    shorthand: Mapping[str, str],
    joins: frozenset[str] = frozenset(),
) -> Reading:
    """Split a message into words, sentences and clauses (punctuation and break words).

    ``joins`` are two-word phrases made of break words that break nothing together
    ("just now": a time, not "just" starting a new thought)."""
    normal = normalise_typed(text)
    for symbol in [k for k in shorthand if not k[:1].isalnum()]:  # "😂" is "lol"
        if symbol in normal:
            normal = normal.replace(symbol, f" {shorthand[symbol]} ")
    pair_spans = [
        (float(m.group(1)), float(m.group(2)), m.start()) for m in _READING.finditer(normal)
    ]
    words: list[str] = []
    sentence_of: list[int] = []
    clause_of: list[int] = []
    sentences: list[tuple[int, int]] = []
    questions: set[int] = set()
    pairs: list[tuple[float, float, int]] = []
    sentence = clause = 0
    start = 0
    pending_pairs = list(pair_spans)
    for match in _TOKEN.finditer(normal):
        token = match.group(0)
        while pending_pairs and pending_pairs[0][2] <= match.start():
            first, second, _ = pending_pairs.pop(0)
            pairs.append((first, second, len(words)))
        if token[0] in _SENTENCE_END:
            if "?" in token:
                questions.add(sentence)
            if len(words) > start:
                sentences.append((start, len(words)))
                sentence += 1
                clause += 1
                start = len(words)
            continue
        if not (token[0].isalnum()):
            if token.startswith("¿"):
                questions.add(sentence)
            if words and clause_of and clause_of[-1] == clause:
                clause += 1
            continue
        token = shorthand.get(token, token)
        for word in token.split():
            if words and sentence_of[-1] == sentence and f"{words[-1]} {word}" in joins:
                if len(clause_of) > 1 and sentence_of[-2] == sentence:
                    clause = clause_of[-1] = clause_of[-2]  # undo the first word's break
            elif words and clause_of[-1] == clause and word in clause_breaks:
                clause += 1
            elif (
                words
                and sentence_of[-1] == sentence
                and f"{words[-1]} {word}" in clause_breaks
                and (len(clause_of) < 2 or clause_of[-2] == clause_of[-1])
            ):
                clause += 1
                clause_of[-1] = clause  # "and i": the clause starts at "and"
            words.append(word)
            sentence_of.append(sentence)
            clause_of.append(clause)
    if len(words) > start:
        sentences.append((start, len(words)))
    return Reading(
        tokens=Tokens(words),
        sentence=tuple(sentence_of),
        clause=tuple(clause_of),
        sentences=tuple(sentences),
        questions=frozenset(questions),
        pairs=tuple(pairs),
    )


def numbers_near(reading: Reading, index: int, reach: int) -> list[float]:
    """Numbers within ``reach`` words of ``index``, in the same sentence."""
    words = reading.words
    found: list[float] = []
    lo, hi = max(0, index - reach), min(len(words), index + reach + 1)
    for i in range(lo, hi):
        if reading.sentence[i] == reading.sentence[index] and words[i][:1].isdigit():
            try:
                found.append(float(words[i]))
            except ValueError:
                continue
    return found
