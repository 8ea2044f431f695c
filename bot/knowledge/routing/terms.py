"""A question turned into the terms the router compares: people's own words made the
topics' words.

Words are normalised (lowercase, accents and punctuation out), misspellings of the topics'
words corrected ("theraphy" is "therapy") unless the word is a common word of the language,
synonyms add the topics' own words ("safe" adds "side effects"), stopwords are dropped and
the rest stemmed ("cells" is "cell"). Two neighbouring stems also make a bigram term
("car_t", "side_effect"), because a phrase says more than its words: "car" alone in "my
car won't start" is not the treatment.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence

from nltk.stem.snowball import SnowballStemmer

from bot.knowledge.triage.spelling import Speller
from bot.knowledge.words import Zipf
from bot.text.normalise import normalise, strip_accents

_URL = re.compile(r"\]\([^)]*\)|https?://\S+|www\.\S+")
#: Only this many words of a very long message are read, to keep routing fast.
MAX_WORDS = 120
#: Words added by a synonym count a little less than the person's own words.
SYNONYM_WEIGHT = 0.7
#: Snowball's name for each language we route.
STEMMERS = {"en": "english", "es": "spanish"}


def words(text: str) -> list[str]:
    """Normalised words, accents removed ("qué" is "que"), links dropped."""
    return strip_accents(normalise(_URL.sub("]", text).replace("*", " "))).split()


class Stemmer:
    """Snowball stems with a cache; needs no downloaded NLTK data."""

    def __init__(self, language: str = "en") -> None:
        self._stemmer = SnowballStemmer(STEMMERS.get(language, "english"))
        self._cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        stem = self._cache.get(word)
        if stem is None:
            stem = strip_accents(str(self._stemmer.stem(word)))
            if len(self._cache) < 50_000:
                self._cache[word] = stem
        return stem


class Terms:
    """Turns text into weighted terms the same way for the topics and for questions."""

    def __init__(
        self,
        synonyms: Mapping[str, Sequence[str]],
        stopwords: Iterable[str],
        language: str,
        zipf: Zipf,
    ) -> None:
        self.stem = Stemmer(language)
        self.stopwords = frozenset(w for s in stopwords for w in words(s))
        syn: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
        for key, values in synonyms.items():
            key_words = tuple(words(key))
            expansions = tuple(tuple(words(v)) for v in values if words(v))
            if key_words and expansions:
                syn[key_words] = syn.get(key_words, ()) + expansions
        self.synonyms = syn
        self._longest = max((len(k) for k in syn), default=0)
        self._zipf = zipf
        self._speller: Speller | None = None

    def learn_vocabulary(self, vocabulary: Iterable[str]) -> None:
        """The words the topics use: misspellings are corrected towards them only."""
        known = set(vocabulary) | {w for key in self.synonyms for w in key}
        self._speller = Speller(known | self.stopwords, (), self._zipf)

    def _correct(self, word: str) -> str:
        if self._speller is None or word in self.stopwords:
            return word
        return self._speller.canonical(word)

    def weighted(self, text: str, *, correct: bool = True) -> list[tuple[str, float]]:
        """(term, weight) in order: the text's stems, then bigrams, then synonym stems."""
        typed = words(text)[:MAX_WORDS]
        if correct:
            typed = [self._correct(w) for w in typed]
        added: list[str] = []
        i = 0
        while i < len(typed):
            for size in range(min(self._longest, len(typed) - i), 0, -1):
                expansions = self.synonyms.get(tuple(typed[i : i + size]))
                if expansions:
                    for phrase in expansions:
                        added.extend(phrase)
                    break
            i += 1
        kept = [self.stem(w) for w in typed if w not in self.stopwords]
        terms = [(t, 1.0) for t in kept]
        terms += [(f"{a}_{b}", 1.0) for a, b in itertools.pairwise(kept)]
        extra = [self.stem(w) for w in added if w not in self.stopwords]
        terms += [(t, SYNONYM_WEIGHT) for t in extra]
        terms += [(f"{a}_{b}", SYNONYM_WEIGHT) for a, b in itertools.pairwise(extra)]
        return terms

    def expanded(self, text: str) -> str:
        """The text's words, spelling corrected, with its synonyms' words after them."""
        typed = [self._correct(w) for w in words(text)[:MAX_WORDS]]
        added: list[str] = []
        for i in range(len(typed)):
            for size in range(min(self._longest, len(typed) - i), 0, -1):
                expansions = self.synonyms.get(tuple(typed[i : i + size]))
                if expansions:
                    added.extend(w for phrase in expansions for w in phrase)
                    break
        return " ".join(typed + added)

    def vector(self, text: str, *, correct: bool = True) -> dict[str, float]:
        """Each term once, at its highest weight."""
        found: dict[str, float] = {}
        for term, weight in self.weighted(text, correct=correct):
            if weight > found.get(term, 0.0):
                found[term] = weight
        return found

    def plain_words(self, text: str) -> list[str]:
        """The text's words without stopwords (for the spelling vocabulary)."""
        return [w for w in words(text) if w not in self.stopwords]
