"""How common a word is in a language (wordfreq, shipped offline), for spelling decisions.

A word that is common in the language is a real word, not a typo of a symptom or a topic
word; wordfreq's Zipf scale (0 unknown, 3 once per million words, 7 "the") tells.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from wordfreq import zipf_frequency

Zipf = Callable[[str], float]


@cache
def zipf_for(language: str) -> Zipf:
    """A cached Zipf lookup for one language ("en", "es")."""

    @cache
    def zipf(word: str) -> float:
        return float(zipf_frequency(word, language))

    return zipf
