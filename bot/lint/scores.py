"""The readability formulas a language's settings can choose, and how each is shown.

``reading_level.formulas`` in the settings names some of these; each is held to
``max_<name>`` (lower is easier) or ``min_<name>`` (higher is easier) from the same section.
English uses Flesch-Kincaid and SMOG (textstat, over ``PlainText.scoring_text``); Spanish
uses Fernández-Huerta and Szigriszt-Pazos (``bot.text.spanish``), counted over the same
sentences the rules see, so a list item or a heading is a sentence in both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

from bot.text import readability, spanish
from bot.text.plaintext import PlainText


@dataclass(frozen=True)
class Formula:
    #: The key in the settings (``max_<name>``/``min_<name>``) and in ``metrics``.
    name: str
    #: How the text output and the report name it.
    label: str
    #: True when a higher score is easier to read (the limit is then a minimum).
    higher_is_easier: bool
    score: Callable[[PlainText], float]
    #: Syllables of one word, for the hint that lists long words.
    syllables: Callable[[str], int]
    #: A word with this many syllables or more is "long" for the hint.
    long_word: int
    #: A short description of a score ("bastante fácil"), or "".
    band: Callable[[float], str] = lambda score: ""

    @property
    def limit_key(self) -> str:
        return f"{'min' if self.higher_is_easier else 'max'}_{self.name}"

    def within(self, score: float, limit: float) -> bool:
        return score >= limit if self.higher_is_easier else score <= limit

    def describe(self, score: float) -> str:
        band = self.band(score)
        return f"{self.label} {score:.1f}" + (f" ({band})" if band else "")


def _english(function: Callable[[str], float]) -> Callable[[PlainText], float]:
    def score(plain: PlainText) -> float:
        text = plain.scoring_text()
        return function(text) if text else 0.0

    return score


def spanish_counts(plain: PlainText) -> spanish.Counts:
    """Sentences, words and syllables of a body as the Spanish formulas count them."""
    found = [spanish.words(s.text) for s in plain.sentences]
    found = [w for w in found if w]
    return spanish.Counts(
        sentences=len(found),
        words=sum(len(w) for w in found),
        syllables=sum(spanish.syllables(word) for words in found for word in words),
    )


def _spanish(name: str) -> Callable[[PlainText], float]:
    def score(plain: PlainText) -> float:
        counts = spanish_counts(plain)
        return float(getattr(counts, name)) if counts.words else 0.0

    return score


@cache
def english_syllables(word: str) -> int:
    return sum(readability.syllables(p) for p in re.split(r"[-'’]", word.lower()) if p)


def _inflesz(score: float) -> str:
    return "" if math.isnan(score) else spanish.inflesz_band(score)


FORMULAS: Mapping[str, Formula] = {
    f.name: f
    for f in (
        Formula(
            "flesch_kincaid_grade",
            "grade",
            False,
            _english(readability.flesch_kincaid_grade),
            english_syllables,
            3,
        ),
        Formula(
            "smog_index", "SMOG", False, _english(readability.smog_index), english_syllables, 3
        ),
        Formula(
            "fernandez_huerta",
            "Fernández-Huerta",
            True,
            _spanish("fernandez_huerta"),
            spanish.syllables,
            4,
        ),
        Formula(
            "szigriszt_pazos",
            "INFLESZ",
            True,
            _spanish("szigriszt_pazos"),
            spanish.syllables,
            4,
            _inflesz,
        ),
    )
}


def describe_scores(metrics: Mapping[str, float | int]) -> str:
    """A file's scores in words, as the text output and --watch show them."""
    return ", ".join(
        formula.describe(float(metrics[name]))
        for name, formula in FORMULAS.items()
        if name in metrics
    )
