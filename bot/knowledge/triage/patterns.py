"""The small pattern language of the safety file, compiled once and matched with positions.

An editor writes patterns as plain lowercase words (the syntax is documented at the top of
``content/safety.yml``):

    chest pain            the words, in this order, next to each other
    cant|cannot breathe   ``|`` gives alternatives for ONE word
    breath*               ``*`` at the end: any word starting with "breath"
    want ... die          ``...`` up to 3 other words between; ``...N`` up to N
    (can not|cant) go on  ``( | )`` alternatives that may be several words
    $person ...3 fever    ``$name`` any phrase of the group ``name``

A pattern matches inside one sentence, on whole words; ``find`` returns where, so the
triage can tell whether a negation comes before it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from bot.text.normalise import fold, strip_accents

DEFAULT_GAP = 3
MAX_GAP = 20

_WORD = re.compile(r"[^\W_]+\*?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_GAP = re.compile(r"\.\.\.(\d*)")
_PATTERN_TOKEN = re.compile(r"\([^()]*\)|\S+")
_APOSTROPHE = re.compile(r"'+")


class PatternError(ValueError):
    """A pattern an editor wrote that cannot be compiled; the message says why."""


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    prefix: bool

    def matches(self, token: str) -> bool:
        return token.startswith(self.text) if self.prefix else token == self.text


Phrase = tuple[Word, ...]


class Tokens:
    """A message's words plus the indexes that make matching many patterns cheap."""

    __slots__ = ("_prefix_starts", "_vocab", "positions", "words")

    def __init__(self, words: Sequence[str]) -> None:
        self.words: tuple[str, ...] = tuple(words)
        self.positions: dict[str, list[int]] = {}
        for i, token in enumerate(self.words):
            self.positions.setdefault(token, []).append(i)
        self._vocab: list[str] | None = None
        self._prefix_starts: dict[str, list[int]] = {}

    def starts(self, word: Word) -> list[int]:
        """Positions where ``word`` occurs."""
        if not word.prefix:
            return self.positions.get(word.text, [])
        return self.starting_with(word.text)

    def starting_with(self, prefix: str) -> list[int]:
        """Positions of words that start with ``prefix`` (cached: many patterns ask)."""
        found = self._prefix_starts.get(prefix)
        if found is None:
            if self._vocab is None:
                self._vocab = sorted(self.positions)
            found = []
            i = bisect_left(self._vocab, prefix)
            while i < len(self._vocab) and self._vocab[i].startswith(prefix):
                found.extend(self.positions[self._vocab[i]])
                i += 1
            found.sort()
            self._prefix_starts[prefix] = found
        return found


@dataclass(frozen=True, slots=True)
class _Slot:
    """One place in a pattern: any of several words or phrases."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]
    phrases: tuple[Phrase, ...]
    #: How many other words may come between the previous slot and this one.
    gap_before: int

    @classmethod
    def of(cls, alternatives: Sequence[Phrase], gap_before: int) -> _Slot:
        singles = [a[0] for a in alternatives if len(a) == 1]
        return cls(
            exact=frozenset(w.text for w in singles if not w.prefix),
            prefixes=tuple(w.text for w in singles if w.prefix),
            phrases=tuple(a for a in alternatives if len(a) > 1),
            gap_before=gap_before,
        )

    def present(self, tokens: Tokens) -> bool:
        """Cheap test: could this slot match anywhere in the message?"""
        if not self.exact.isdisjoint(tokens.positions):
            return True
        if any(tokens.starting_with(p) for p in self.prefixes):
            return True
        return any(tokens.starts(phrase[0]) for phrase in self.phrases)

    def starts(self, tokens: Tokens) -> list[int]:
        found: set[int] = set()
        for word in self.exact:
            found.update(tokens.positions.get(word, ()))
        for prefix in self.prefixes:
            found.update(tokens.starting_with(prefix))
        for phrase in self.phrases:
            found.update(tokens.starts(phrase[0]))
        return sorted(found)

    def ends(self, words: tuple[str, ...], start: int, limit: int) -> list[int]:
        """Where this slot can end if it starts at ``start`` (before ``limit``)."""
        token = words[start]
        found = []
        if token in self.exact or (self.prefixes and token.startswith(self.prefixes)):
            found.append(start + 1)
        for phrase in self.phrases:
            end = _phrase_end(phrase, words, start, limit)
            if end >= 0:
                found.append(end)
        return found

    def words(self) -> Iterator[Word]:
        yield from (Word(w, False) for w in self.exact)
        yield from (Word(p, True) for p in self.prefixes)
        for phrase in self.phrases:
            yield from phrase


@dataclass(frozen=True, slots=True)
class Pattern:
    """One compiled pattern; ``source`` is the editor's text, for messages and explanations."""

    source: str
    slots: tuple[_Slot, ...]

    def present(self, tokens: Tokens) -> bool:
        return all(slot.present(tokens) for slot in self.slots)

    def find(
        self, tokens: Tokens, lo: int = 0, hi: int | None = None, *, checked: bool = False
    ) -> tuple[int, int] | None:
        """The first match inside ``tokens.words[lo:hi]`` as (start, end), or None.

        ``checked``: the caller already knows every slot is present in the message."""
        if not checked and not self.present(tokens):
            return None
        words = tokens.words
        limit = len(words) if hi is None else hi
        first = self.slots[0]
        for start in first.starts(tokens):
            if start < lo or start >= limit:
                continue
            for end in first.ends(words, start, limit):
                last = (
                    end if len(self.slots) == 1 else _match_from(self.slots, 1, words, end, limit)
                )
                if last >= 0:
                    return start, last
        return None

    def words(self) -> Iterator[Word]:
        for slot in self.slots:
            yield from slot.words()

    def anchor(self) -> tuple[frozenset[str], tuple[str, ...]]:
        """The exact words and prefixes of its most selective slot: a message without any
        of them cannot match, so most patterns are never tried on most messages."""

        def cost(slot: _Slot) -> tuple[int, int]:
            firsts = len(slot.exact) + len(slot.phrases)
            return (
                len(slot.prefixes) * 10 + firsts,
                -min((len(p) for p in slot.prefixes), default=9),
            )

        slot = min(self.slots, key=cost)
        exact = set(slot.exact) | {p[0].text for p in slot.phrases if not p[0].prefix}
        prefixes = set(slot.prefixes) | {p[0].text for p in slot.phrases if p[0].prefix}
        return frozenset(exact), tuple(sorted(prefixes))


def _phrase_end(phrase: Phrase, words: tuple[str, ...], start: int, limit: int) -> int:
    """Index after the phrase if it matches at ``start``, else -1."""
    if start + len(phrase) > limit:
        return -1
    for offset, word in enumerate(phrase):
        if not word.matches(words[start + offset]):
            return -1
    return start + len(phrase)


def _match_from(
    slots: tuple[_Slot, ...], index: int, words: tuple[str, ...], pos: int, limit: int
) -> int:
    """The end of the match of ``slots[index:]`` from ``pos``, or -1."""
    slot = slots[index]
    last_start = min(pos + slot.gap_before, limit - 1)
    for start in range(pos, last_start + 1):
        for end in slot.ends(words, start, limit):
            if index + 1 == len(slots):
                return end
            found = _match_from(slots, index + 1, words, end, limit)
            if found >= 0:
                return found
    return -1


# --- compiling -------------------------------------------------------------------------


def prepare(source: str) -> str:
    """An editor's text made comparable with a message: folded, no accents, no apostrophes."""
    return " ".join(_APOSTROPHE.sub("", strip_accents(fold(source))).split())


def _parse_word(raw: str, source: str) -> Word:
    if not (_WORD.fullmatch(raw) or _NUMBER.fullmatch(raw)):
        hint = ""
        if "?" in raw:
            hint = " (there is no '?': write '...1' for a word that may or may not be there)"
        elif any(c in raw for c in "-/.,"):
            hint = (
                " (punctuation in a message becomes a space, so write 'self harm', not 'self-harm')"
            )
        raise PatternError(f"pattern {source!r}: {raw!r} is not a word{hint}")
    return Word(raw.rstrip("*"), raw.endswith("*"))


def parse_phrase(raw: str, source: str) -> Phrase:
    words = prepare(raw).split()
    if not words:
        raise PatternError(f"pattern {source!r}: an empty alternative")
    return tuple(_parse_word(w, source) for w in words)


def _group(token: str, groups: Mapping[str, tuple[Phrase, ...]], source: str) -> tuple[Phrase, ...]:
    name = token[1:]
    if name not in groups:
        known = ", ".join(sorted(groups)) or "none"
        raise PatternError(f"pattern {source!r}: unknown group ${name} (groups: {known})")
    return groups[name]


def compile_pattern(source: str, groups: Mapping[str, tuple[Phrase, ...]]) -> Pattern:
    """One pattern (groups: name -> phrases); PatternError says what is wrong."""
    if not isinstance(source, str) or not source.strip():
        raise PatternError(f"pattern {source!r}: a pattern must be non-empty text")
    text = prepare(source)
    slots: list[_Slot] = []
    gap: int | None = None
    if re.search(r"\([^()]*\.\.\.", text):
        raise PatternError(
            f"pattern {source!r}: a gap '...' cannot be inside brackets; write two patterns"
        )
    for token in _PATTERN_TOKEN.findall(text):
        gap_match = _GAP.fullmatch(token)
        if gap_match:
            if gap is not None or not slots:
                raise PatternError(f"pattern {source!r}: '...' must come between two words")
            gap = int(gap_match.group(1)) if gap_match.group(1) else DEFAULT_GAP
            if gap > MAX_GAP:
                raise PatternError(
                    f"pattern {source!r}: a gap of {gap} words is too wide (at most {MAX_GAP})"
                )
            continue
        if token.startswith("(") and token.endswith(")") and len(token) > 1:
            alternatives = tuple(
                phrase
                for alt in token[1:-1].split("|")
                for phrase in (
                    _group(alt.strip(), groups, source)
                    if alt.strip().startswith("$")
                    else (parse_phrase(alt, source),)
                )
            )
        elif token.startswith("$"):
            alternatives = _group(token, groups, source)
        elif "(" in token or ")" in token:
            raise PatternError(
                f"pattern {source!r}: unbalanced or nested brackets in {token!r}"
                " (brackets cannot hold brackets: list the phrases one by one)"
            )
        else:
            alternatives = tuple((_parse_word(p, source),) for p in token.split("|"))
        slots.append(_Slot.of(alternatives, gap or 0))
        gap = None
    if gap is not None:
        raise PatternError(f"pattern {source!r}: '...' must come between two words")
    if not slots:
        raise PatternError(f"pattern {source!r}: no words")
    return Pattern(source, tuple(slots))
