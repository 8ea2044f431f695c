"""Typo-tolerant matching of a message's words against the safety file's vocabulary.

"feverr", "siezure", "brething", "unconcious": a frightened person does not spell-check.
Rather than a list of known typos, every word that is not a common word of the language
and is close to a word the safety patterns use (one edit for short words, two for long
ones, a swap of two letters counting as one) is read as that word. Distances come from
rapidfuzz; results are cached, so a word is looked up once per process.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

#: Words shorter than this are never corrected (too many neighbours: "fit", "cut", "sick").
MIN_LENGTH = 4
#: A word at least this common (wordfreq's Zipf scale) is a real word, not a typo.
COMMON_ZIPF = 3.0
_CACHE_LIMIT = 20_000


def edits_allowed(word: str) -> int:
    return 1 if len(word) <= 6 else 2


class Speller:
    """Maps a typed word onto the vocabulary: itself if known, else its nearest neighbour."""

    def __init__(
        self,
        exact: Iterable[str],
        prefixes: Iterable[str],
        zipf: Callable[[str], float],
    ) -> None:
        self._exact = frozenset(exact)
        self._prefixes = tuple(sorted({p for p in prefixes if p}, key=len, reverse=True))
        self._long_prefixes = tuple(p for p in self._prefixes if len(p) >= 5)
        self._zipf = zipf
        by_length: dict[int, list[str]] = defaultdict(list)
        for word in self._exact:
            if len(word) >= MIN_LENGTH and word.isalpha():
                by_length[len(word)].append(word)
        self._by_length = {n: sorted(words) for n, words in by_length.items()}
        self._cache: dict[str, str] = {}

    def known(self, word: str) -> bool:
        return word in self._exact or word.startswith(self._prefixes)

    def canonical(self, word: str) -> str:
        """The vocabulary word this one was probably meant to be (or the word itself)."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        result = self._correct(word)
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[word] = result
        return result

    def _correct(self, word: str) -> str:
        if self.known(word) or len(word) < MIN_LENGTH or not word.isalpha():
            return word
        if self._zipf(word) >= COMMON_ZIPF:
            return word
        limit = edits_allowed(word)
        best: tuple[int, str] | None = None
        for length in range(len(word) - limit, len(word) + limit + 1):
            candidates = self._by_length.get(length)
            if not candidates:
                continue
            found = process.extractOne(
                word, candidates, scorer=OSA.distance, score_cutoff=limit, processor=None
            )
            if found is not None and (best is None or found[1] < best[0]):
                best = (int(found[1]), str(found[0]))
        for prefix in self._long_prefixes:
            head = word[: len(prefix)]
            if OSA.distance(head, prefix, score_cutoff=1) <= 1:
                distance = OSA.distance(head, prefix)
                if best is None or distance < best[0]:
                    best = (distance, prefix + word[len(prefix) :])
        return best[1] if best is not None else word
