"""Greetings, thanks and goodbyes (``content/smalltalk.yml``): a friendly answer, not "not sure".

A message counts as small talk only when nothing is left after its small-talk phrases and
filler words are taken out, so "hi, what is lupus?" is still routed as a question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.text.normalise import normalise, strip_accents
from bot.text.yamlfile import load_mapping

FILE_NAME = "smalltalk.yml"


_RUN = re.compile(r"(.)\1+")


def _words(text: str) -> tuple[str, ...]:
    """Words with runs of a letter made one, on both sides: "hiii" and "heyyy" are "hi" and
    "hey", and "good" is compared as "god" with "good" written in the file."""
    return tuple(_RUN.sub(r"\1", w) for w in strip_accents(normalise(text)).split())


@dataclass(frozen=True)
class SmallTalk:
    """Phrases by kind (in priority order) and the filler words that may come with them."""

    phrases: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    filler: frozenset[str] = frozenset()

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.phrases)

    def _phrase_words(self) -> frozenset[str]:
        cached: frozenset[str] | None = self.__dict__.get("_words")
        if cached is None:
            cached = frozenset(w for items in self.phrases.values() for p in items for w in p)
            object.__setattr__(self, "_words", cached)
        return cached

    def _longest_first(self) -> list[tuple[tuple[str, ...], str]]:
        cached: list[tuple[tuple[str, ...], str]] | None = self.__dict__.get("_sorted")
        if cached is None:
            cached = _ordered(self.phrases)
            object.__setattr__(self, "_sorted", cached)
        return cached

    def kind(self, text: str) -> str | None:
        """ "greeting", "thanks" or "goodbye" for pure small talk, else None."""
        words = list(_words(text))
        if not words or len(words) > 20:
            return None
        if not all(w in self.filler or w in self._phrase_words() for w in words):
            return None  # a word that is neither: a question, not small talk
        found: list[str] = []
        everything = self._longest_first()
        i = 0
        rest: list[str] = []
        while i < len(words):
            for phrase, kind in everything:
                if tuple(words[i : i + len(phrase)]) == phrase:
                    found.append(kind)
                    i += len(phrase)
                    break
            else:
                rest.append(words[i])
                i += 1
        if not found or any(w not in self.filler for w in rest):
            return None
        return next(kind for kind in self.kinds if kind in found)


def _ordered(
    phrases: Mapping[str, tuple[tuple[str, ...], ...]],
) -> list[tuple[tuple[str, ...], str]]:
    pairs = [(phrase, kind) for kind, items in phrases.items() for phrase in items]
    return sorted(pairs, key=lambda item: -len(item[0]))


def load_smalltalk(folder: Path) -> SmallTalk:
    """The folder's small-talk file; none at all means no small talk is recognised."""
    path = folder / FILE_NAME
    if not path.is_file():
        return SmallTalk()
    data = load_mapping(path, "the small-talk file")
    order = data.get("order") or list((data.get("phrases") or {}).keys())
    raw = data.get("phrases") or {}
    if not isinstance(raw, dict) or not isinstance(order, list) or set(order) != set(raw):
        raise ValueError(f"{path}: 'order' must list every kind under 'phrases' once")
    phrases: dict[str, tuple[tuple[str, ...], ...]] = {}
    for kind in order:
        items = raw[kind]
        if not isinstance(items, list) or not all(isinstance(p, str) for p in items):
            raise ValueError(f"{path}: phrases: {kind}: a list of phrases (quote yes and no)")
        phrases[str(kind)] = tuple(w for w in (_words(p) for p in items) if w)
    filler = data.get("filler") or []
    if not isinstance(filler, list) or not all(isinstance(w, str) for w in filler):
        raise ValueError(f"{path}: filler must be a list of words (quote yes and no)")
    return SmallTalk(phrases, frozenset(w for f in filler for w in _words(f)))
