"""Readers learned from example messages: for triage (``safety_examples.yml``) and routing
(each explainer's example questions).

The concepts in ``safety.yml`` catch what an editor has written down; people in crisis
also say it in ways nobody wrote down ("got the rope, just need to decide when"). A reader
learns, from example messages that are and are not of a kind (a crisis, an emergency, a
topic), which words, word pairs and pieces of words (so a typo or a new ending still
counts) point which way, and scores a new message by all of them together.

It is Naive Bayes with binarised features and log-count ratios (Wang and Manning, 2012):
one pass over the examples at start-up, a few microseconds per message, no model file,
no randomness. Editors improve it by adding examples, never by touching code.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.text.normalise import normalise_typed

#: Pieces of words this long: "suicid", "pills", "wakin" survive typos and endings.
CHAR_GRAMS = (4, 5)
#: Smoothing: how much an unseen feature is worth.
ALPHA = 0.5


def features(text: str) -> set[str]:
    """Words, word pairs and pieces of words of a message (accents, case, typos folded)."""
    words = _words(normalise_typed(text))
    found = {f"w:{w}" for w in words}
    found.update(f"b:{a}_{b}" for a, b in itertools.pairwise(words))
    for word in words:
        found.update(_pieces(word))
    return found


@lru_cache(maxsize=8192)
def _pieces(word: str) -> tuple[str, ...]:
    """A word's pieces (cached: the same few thousand words make up most messages)."""
    padded = f"<{word}>"
    return tuple(
        f"c:{padded[i : i + n]}"
        for n in CHAR_GRAMS
        if len(padded) > n
        for i in range(len(padded) - n + 1)
    )


@lru_cache(maxsize=256)
def features_of(text: str) -> frozenset[str]:
    """``features``, cached: triage and routing read the same message several times."""
    return frozenset(features(text))


_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


@dataclass(frozen=True)
class Learned:
    """Log-count ratios of the features, and the score from which a message counts."""

    ratios: dict[str, float]
    bias: float
    threshold: float
    #: The counts the ratios came from, so a training message can be left out again.
    counts: tuple[Counter[str], Counter[str], float, float] | None = None

    @classmethod
    def train(
        cls, positives: Sequence[str], negatives: Sequence[str], threshold: float = 0.0
    ) -> Learned:
        pos: Counter[str] = Counter()
        neg: Counter[str] = Counter()
        for text in positives:
            pos.update(features(text))
        for text in negatives:
            neg.update(features(text))
        vocabulary = set(pos) | set(neg)
        pos_total = sum(pos.values()) + ALPHA * len(vocabulary)
        neg_total = sum(neg.values()) + ALPHA * len(vocabulary)
        ratios = {
            f: math.log((pos[f] + ALPHA) / pos_total) - math.log((neg[f] + ALPHA) / neg_total)
            for f in vocabulary
        }
        bias = math.log(max(len(positives), 1) / max(len(negatives), 1))
        return cls(ratios, bias, threshold, (pos, neg, pos_total, neg_total))

    def without(self, found_features: frozenset[str], positive: bool) -> float:
        """The score of a training message as if it had been left out of training (for the
        linter's leave-one-out check): its own counts are taken off its features only."""
        if self.counts is None:
            return self.score_features(found_features)
        pos, neg, pos_total, neg_total = self.counts
        ratios = []
        for f in found_features:
            if f not in self.ratios:
                continue
            p, n = pos[f] - (1 if positive else 0), neg[f] - (0 if positive else 1)
            ratios.append(math.log((p + ALPHA) / pos_total) - math.log((n + ALPHA) / neg_total))
        if not ratios:
            return self.bias
        return self.bias + sum(ratios) / math.sqrt(len(ratios))

    def score(self, text: str) -> float:
        """Positive when the message reads like the examples that are; the larger, the surer.

        Averaged over the message's known features, so a long message is not surer just for
        being long."""
        return self.score_features(features_of(text))

    def score_features(self, found_features: frozenset[str]) -> float:
        """``score`` for features already taken out of a message (``features_of``)."""
        found = [self.ratios[f] for f in found_features if f in self.ratios]
        if not found:
            return self.bias
        return self.bias + sum(found) / math.sqrt(len(found))

    def says(self, text: str) -> bool:
        return self.score(text) >= self.threshold

    def says_features(self, found_features: frozenset[str]) -> bool:
        return self.score_features(found_features) >= self.threshold

    def strongest(self, text: str, count: int = 5) -> list[tuple[str, float]]:
        """The features that pushed the score up most, for ``python -m bot triage``."""
        found = [(f, self.ratios[f]) for f in features(text) if f in self.ratios]
        return sorted(found, key=lambda kv: -kv[1])[:count]


def examples_of(value: Iterable[object]) -> list[str]:
    return [str(v) for v in value if isinstance(v, str | int | float) and str(v).strip()]


class Panel:
    """Several readers scoring one message together: one pass over its features.

    The router asks every topic's reader (and the off-topic one) about the same message;
    looking each feature up once for all of them is several times faster than asking each
    reader in turn, and gives the same scores."""

    def __init__(self, readers: dict[str, Learned]) -> None:
        self.names = tuple(readers)
        self._bias = tuple(reader.bias for reader in readers.values())
        vocabulary = set().union(*(reader.ratios for reader in readers.values()))
        # One row per feature, one column per reader: the sums then run in C (zip, sum).
        self._table = {
            f: (
                tuple(reader.ratios.get(f, 0.0) for reader in readers.values()),
                tuple(1 if f in reader.ratios else 0 for reader in readers.values()),
            )
            for f in vocabulary
        }

    def scores(self, found_features: frozenset[str]) -> dict[str, float]:
        rows = [self._table[f] for f in found_features if f in self._table]
        if not rows:
            return dict(zip(self.names, self._bias, strict=True))
        sums = [sum(column) for column in zip(*(ratios for ratios, _ in rows), strict=True)]
        counts = [sum(column) for column in zip(*(known for _, known in rows), strict=True)]
        return {
            name: bias + (total / math.sqrt(count) if count else 0.0)
            for name, bias, total, count in zip(self.names, self._bias, sums, counts, strict=True)
        }
