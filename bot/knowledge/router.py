"""Match a question typed in the user's own words to the best explainer topic, or to none.

Nothing here knows about lupus: topics come from the explainers (title, summary,
examples and body text), and the word lists that help with people's own wording
(synonyms, stopwords, the confidence threshold) come from a data file an editor can
change (content/synonyms.yml).

How a question is scored, and why:

* Words are normalised (lowercase, NFKC, punctuation removed), misspellings of words
  the topics use are corrected ("theraphy" -> "therapy") unless the word is a common
  English word in its own right, synonyms add the topics' own words ("safe" -> "side
  effects"), stopwords are dropped, and the rest are stemmed ("cells" -> "cell").
* Coverage: how much of the question a topic explains. Each word counts by how rare
  it is across topics (idf), times how strongly the topic uses it (examples and title
  above summary above body). Words no topic knows lower every topic's coverage, so
  an off-topic question ("what's the weather") scores low everywhere.
* Example match: the closest of the topic's example questions and title, so a
  question phrased like an example wins even if the body says little.
* The answer is only given when the best score clears a threshold and beats the
  runner-up by a margin; otherwise the caller should say it is not sure and show the
  menu, never guess.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from nltk.stem.snowball import SnowballStemmer

from bot.text.normalise import normalise
from bot.text.yamlfile import load_yaml

__all__ = [
    "DEFAULT_MARGIN",
    "DEFAULT_THRESHOLD",
    "FIELD_WEIGHTS",
    "RouteResult",
    "Router",
    "RouterConfig",
    "load_router_config",
]

DEFAULT_THRESHOLD = 0.2
DEFAULT_MARGIN = 0.05
DEFAULT_WEAK_WEIGHT = 0.3
#: How much each part of an explainer says about what it covers.
FIELD_WEIGHTS: Mapping[str, float] = {"title": 3.0, "examples": 3.0, "summary": 2.0, "body": 1.0}
#: Evidence saturates: tf / (tf + K), so a word repeated in a long body does not swamp the rest.
_SATURATION = 1.0
#: A word found evenly in every topic still counts this much (it shows the question is on-topic).
_MIN_INFO = 0.05
#: Words added by a synonym count a little less than the user's own words.
_SYNONYM_WEIGHT = 0.7
#: An unknown word weighs this much against every topic (a word only one topic uses weighs 1).
_UNKNOWN_WEIGHT = 1.0
#: Share of the score from coverage; the rest is the best example match.
_COVERAGE_SHARE = 0.5
#: Only this many words of a very long message are read, to keep routing fast.
_MAX_TOKENS = 120
#: Words shorter than this are never spell-corrected (too many near neighbours).
_MIN_CORRECT_LEN = 4
#: A word at least this frequent in English (Zipf scale) is a real word, not a misspelling.
_REAL_WORD_ZIPF = 3.0
#: Words rarer than this in English (Zipf) are strong evidence even if a topic uses them once.
_RARE_ZIPF = 5.0
_RARE_SPAN = 3.0

_URL = re.compile(r"\]\([^)]*\)|https?://\S+|www\.\S+")


class _ExplainerLike(Protocol):
    """What the router reads from an explainer (bot.content.Explainer fits)."""

    @property
    def command(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def examples(self) -> tuple[str, ...]: ...
    @property
    def body(self) -> str: ...


@dataclass(frozen=True)
class RouteResult:
    """The router's answer.

    `command` is set only when the router is confident, so a caller that forgets to
    check `confident` still cannot send a guess; `best` is the top topic either way,
    for metrics and debugging.
    """

    command: str | None
    score: float
    confident: bool
    runner_up: str | None
    best: str | None = None
    runner_up_score: float = 0.0


@dataclass(frozen=True)
class RouterConfig:
    """The editor's word lists and confidence settings (content/synonyms.yml)."""

    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    stopwords: frozenset[str] = frozenset()
    weak_words: frozenset[str] = frozenset()
    weak_weight: float = DEFAULT_WEAK_WEIGHT
    threshold: float = DEFAULT_THRESHOLD
    margin: float = DEFAULT_MARGIN


@dataclass(frozen=True)
class TopicIndex:
    """One explainer, indexed."""

    command: str
    #: Stem -> strength in [0, 1): the topic's share of the word times saturated evidence.
    weights: Mapping[str, float]
    #: Stem sets of the title and each example question.
    examples: tuple[frozenset[str], ...]


def _default_zipf() -> Callable[[str], float]:
    """How common a word is in English (Zipf scale, 0 = unknown, 7 = "the"), from wordfreq."""
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # pragma: no cover - wordfreq is a dependency; be safe without it
        return lambda word: 0.0

    def zipf(word: str) -> float:
        return float(zipf_frequency(word, "en"))

    return zipf


def _rarity(zipf: float) -> float:
    """0 for everyday words, 1 for rare ones."""
    return min(1.0, max(0.0, (_RARE_ZIPF - zipf) / _RARE_SPAN))


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap counts as one edit); limit+1 if over limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _deletes(word: str, depth: int) -> set[str]:
    """Every string made by deleting up to `depth` letters (symmetric-delete spelling index)."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def _max_edits(word: str) -> int:
    return 1 if len(word) <= 5 else 2


class _Speller:
    """Corrects a word to the closest word the topics use, within one or two edits."""

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        self._counts = dict(vocabulary)
        self._index: dict[str, list[str]] = defaultdict(list)
        for word in vocabulary:
            if len(word) >= _MIN_CORRECT_LEN:
                for key in _deletes(word, _max_edits(word)):
                    self._index[key].append(word)
        self._cache: dict[str, str | None] = {}

    def correct(self, word: str) -> str | None:
        if word in self._cache:
            return self._cache[word]
        limit = _max_edits(word)
        best: tuple[int, int, str] | None = None
        candidates = {c for key in _deletes(word, limit) for c in self._index.get(key, ())}
        for candidate in candidates:
            distance = _edit_distance(word, candidate, limit)
            if distance <= limit:
                rank = (distance, -self._counts[candidate], candidate)
                if best is None or rank < best:
                    best = rank
        result = best[2] if best else None
        if len(self._cache) < 10_000:
            self._cache[word] = result
        return result


class _Stemmer:
    """Snowball stems with a cache; needs no downloaded NLTK data."""

    def __init__(self) -> None:
        self._stemmer = SnowballStemmer("english")
        self._cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        stem = self._cache.get(word)
        if stem is None:
            stem = str(self._stemmer.stem(word))
            if len(self._cache) < 50_000:
                self._cache[word] = stem
        return stem


def _words(text: str) -> list[str]:
    return normalise(_URL.sub("]", text).replace("*", " ")).split()


def _informativeness(
    topic_tfs: Sequence[Mapping[str, float]], totals: Mapping[str, float]
) -> dict[str, float]:
    """1 for a word only one topic uses, near 0 for a word every topic uses equally.

    One minus the normalised entropy of the word's spread over topics: it plays the
    part idf plays in search, but also sees *how unevenly* a shared word is used.
    """
    n = len(topic_tfs)
    if n < 2:
        return {term: 1.0 for term in totals}
    info: dict[str, float] = {}
    for term, total in totals.items():
        entropy = 0.0
        for tf in topic_tfs:
            share = tf.get(term, 0.0) / total
            if share > 0:
                entropy -= share * math.log(share)
        info[term] = max(_MIN_INFO, 1.0 - entropy / math.log(n))
    return info


class Router:
    """Scores every topic for a question; build once at start-up, then call `route`."""

    def __init__(
        self,
        topics: Sequence[TopicIndex],
        info: Mapping[str, float],
        synonyms: Mapping[tuple[str, ...], tuple[tuple[str, ...], ...]],
        stopwords: frozenset[str],
        weak: Mapping[str, float],
        speller: _Speller,
        known_words: frozenset[str],
        stem: _Stemmer,
        zipf: Callable[[str], float],
        threshold: float,
        margin: float,
    ) -> None:
        self.topics = tuple(topics)
        self.info = dict(info)
        self.threshold = threshold
        self.margin = margin
        self._synonyms = dict(synonyms)
        self._longest_synonym = max((len(k) for k in synonyms), default=0)
        self._stopwords = stopwords
        self._weak = dict(weak)
        self._speller = speller
        self._known = known_words
        self._stem = stem
        self._zipf = zipf

    @classmethod
    def build(
        cls,
        explainers: Iterable[_ExplainerLike],
        synonyms: Mapping[str, Sequence[str]] | None = None,
        *,
        stopwords: Iterable[str] = (),
        weak_words: Iterable[str] = (),
        weak_weight: float = DEFAULT_WEAK_WEIGHT,
        threshold: float = DEFAULT_THRESHOLD,
        margin: float = DEFAULT_MARGIN,
        zipf: Callable[[str], float] | None = None,
    ) -> Router:
        """Index the explainers. Synonym keys and values are words or short phrases.

        Weak words (like "why" or "where") are kept but count only `weak_weight` as much.
        """
        stem = _Stemmer()
        zipf = zipf or _default_zipf()
        stops = frozenset(normalise(w) for w in stopwords)
        weak = {stem(normalise(w)): weak_weight for w in weak_words if normalise(w)}
        syn: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
        for key, values in (synonyms or {}).items():
            key_words = tuple(normalise(key).split())
            expansions = tuple(tuple(normalise(v).split()) for v in values if normalise(v))
            if key_words and expansions:
                syn[key_words] = syn.get(key_words, ()) + expansions

        surface: Counter[str] = Counter()
        #: Stem -> the most everyday English frequency among the words that share it.
        stem_zipf: dict[str, float] = {}
        word_zipf: dict[str, float] = {}
        raw_topics: list[tuple[str, dict[str, float], list[frozenset[str]]]] = []
        for explainer in explainers:
            fields = {
                "title": [explainer.title],
                "summary": [explainer.summary],
                "examples": list(explainer.examples),
                "body": [explainer.body],
            }
            tf: dict[str, float] = defaultdict(float)
            for name, texts in fields.items():
                for text in texts:
                    for word in _words(text):
                        surface[word] += 1
                        if word not in stops:
                            term = stem(word)
                            tf[term] += FIELD_WEIGHTS[name]
                            if word not in word_zipf:
                                word_zipf[word] = zipf(word)
                            stem_zipf[term] = max(stem_zipf.get(term, 0.0), word_zipf[word])
            example_sets = [
                frozenset(stem(w) for w in _words(q) if w not in stops)
                for q in (explainer.title, *explainer.examples)
            ]
            raw_topics.append((explainer.command, tf, [s for s in example_sets if s]))

        totals: Counter[str] = Counter()
        for _, tf, _ in raw_topics:
            totals.update(tf)
        info = _informativeness([tf for _, tf, _ in raw_topics], totals)

        # A topic's strength for a word: its share of the word across topics, times how
        # much evidence it has. Evidence saturates, so an everyday word once in a body is
        # weak evidence ("time"), but a rare word is strong evidence wherever it is ("CD19").
        def strength(term: str, w: float) -> float:
            evidence = w / (w + _SATURATION)
            evidence += (1 - evidence) * _rarity(stem_zipf.get(term, 0.0))
            return (w / totals[term]) * evidence

        topics = [
            TopicIndex(
                command=command,
                weights={t: strength(t, w) for t, w in tf.items()},
                examples=tuple(examples),
            )
            for command, tf, examples in raw_topics
        ]
        known = set(surface) | stops
        for key_words, expansions in syn.items():
            known.update(key_words)
            for phrase in expansions:
                surface.update(phrase)
        # The speller corrects only towards words a topic or a synonym key uses.
        spell_vocab = {w: c for w, c in surface.items() if w not in stops and not w.isdigit()}
        for key_words in syn:
            for word in key_words:
                spell_vocab.setdefault(word, 1)
        return cls(
            topics=topics,
            info=info,
            synonyms=syn,
            stopwords=stops,
            weak=weak,
            speller=_Speller(spell_vocab),
            known_words=frozenset(known),
            stem=stem,
            zipf=zipf,
            threshold=threshold,
            margin=margin,
        )

    @classmethod
    def from_config(cls, explainers: Iterable[_ExplainerLike], config: RouterConfig) -> Router:
        """Build with the editor's word lists and thresholds."""
        return cls.build(
            explainers,
            config.synonyms,
            stopwords=config.stopwords,
            weak_words=config.weak_words,
            weak_weight=config.weak_weight,
            threshold=config.threshold,
            margin=config.margin,
        )

    # --- query side ---------------------------------------------------------------

    def _correct(self, word: str) -> str:
        if (
            word in self._known
            or len(word) < _MIN_CORRECT_LEN
            or not word.isalpha()
            or self._zipf(word) >= _REAL_WORD_ZIPF
        ):
            return word
        return self._speller.correct(word) or word

    def query_terms(self, text: str) -> tuple[dict[str, float], float]:
        """Stem -> weight for the known words of a question, and the weight of unknown ones."""
        words = [self._correct(w) for w in _words(text)[:_MAX_TOKENS]]
        covered = [False] * len(words)
        weighted: list[tuple[str, float]] = []
        i = 0
        while i < len(words):
            for size in range(min(self._longest_synonym, len(words) - i), 0, -1):
                key = words[i : i + size]
                expansions = self._synonyms.get(tuple(key))
                if expansions:
                    for phrase in expansions:
                        weighted.extend((w, _SYNONYM_WEIGHT) for w in phrase)
                    for j in range(i, i + size):
                        covered[j] = True
                    break
            i += 1
        weighted.extend((w, 1.0) for w in words)
        terms: dict[str, float] = {}
        for word, weight in weighted:
            if word in self._stopwords:
                continue
            term = self._stem(word)
            if term in self.info:
                terms[term] = max(terms.get(term, 0.0), weight)
        unknown = {
            self._stem(w)
            for w, c in zip(words, covered, strict=True)
            if not c and w not in self._stopwords and self._stem(w) not in self.info
        }
        return terms, float(len(unknown))

    def _example_weight(self, term: str) -> float:
        return self.info.get(term, 0.0) * self._weak.get(term, 1.0)

    def scores(self, text: str) -> dict[str, float]:
        """Every topic's score in [0, 1] for the question."""
        return self._score(text)[0]

    def _score(self, text: str) -> tuple[dict[str, float], bool]:
        """Scores, and whether the question has any known word that is not a weak word."""
        terms, unknown = self.query_terms(text)
        if not terms:
            return {t.command: 0.0 for t in self.topics}, False
        full = {term: weight * self.info[term] for term, weight in terms.items()}
        mass = {term: m * self._weak.get(term, 1.0) for term, m in full.items()}
        # Weak and unknown words count in full against every topic: a question whose only
        # known word is "who" or "where" explains little, and neither does one whose
        # main words no topic uses.
        total = sum(full.values()) + unknown * _UNKNOWN_WEIGHT
        # Normalised by the full weights, so a match on weak words alone stays small.
        query_norm = math.sqrt(sum(m * m for m in full.values()))
        result: dict[str, float] = {}
        for topic in self.topics:
            coverage = sum(m * topic.weights.get(term, 0.0) for term, m in mass.items()) / total
            example = 0.0
            for words in topic.examples:
                shared = sum(mass[t] * self._example_weight(t) for t in words if t in mass)
                if shared > 0:
                    norm = math.sqrt(sum(self._example_weight(t) ** 2 for t in words))
                    example = max(example, shared / (query_norm * norm))
            # Unknown words also dilute the example match, so chatter is not over-trusted.
            example *= math.sqrt(sum(full.values()) / total)
            result[topic.command] = _COVERAGE_SHARE * coverage + (1 - _COVERAGE_SHARE) * example
        return result, any(term not in self._weak for term in terms)

    def route(self, text: str) -> RouteResult:
        """The best topic, if the router is confident enough to answer with it."""
        scores, has_content = self._score(text)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        if not ranked or ranked[0][1] <= 0.0:
            return RouteResult(command=None, score=0.0, confident=False, runner_up=None)
        best, score = ranked[0]
        runner_up, second = ranked[1] if len(ranked) > 1 and ranked[1][1] > 0 else (None, 0.0)
        # Weak words alone ("who are you") never make the router sure.
        confident = has_content and score >= self.threshold and score - second >= self.margin
        return RouteResult(
            command=best if confident else None,
            score=round(score, 4),
            confident=confident,
            runner_up=runner_up,
            best=best,
            runner_up_score=round(second, 4),
        )


# --- loading the editor's file ---------------------------------------------------


def _fail(path: Path, message: str) -> ValueError:
    return ValueError(f"{path}: {message}")


def _phrase_list(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def load_router_config(path: Path) -> RouterConfig:
    """Read content/synonyms.yml; any mistake raises ValueError naming the file and the problem."""
    data = load_yaml(path)
    if data is None:
        return RouterConfig()
    if not isinstance(data, dict):
        raise _fail(path, "the file must be a mapping with synonyms, stopwords and confidence")
    sections = {"synonyms", "stopwords", "weak_words", "confidence"}
    unknown = sorted(set(map(str, data)) - sections)
    if unknown:
        allowed = ", ".join(sorted(sections))
        raise _fail(path, f"unknown section(s) {', '.join(unknown)} (allowed: {allowed})")

    synonyms: dict[str, tuple[str, ...]] = {}
    raw_synonyms = data.get("synonyms") or {}
    if not isinstance(raw_synonyms, dict):
        raise _fail(path, "synonyms must be a mapping of 'words: [other words]' lines")
    for key, value in raw_synonyms.items():
        values = _phrase_list(value)
        if not isinstance(key, str) or not normalise(key) or values is None or not values:
            raise _fail(
                path,
                f"synonyms: {key!r}: write 'words: [other words, ...]'"
                " (quote yes, no, on, off, true, false: YAML reads them as true/false)",
            )
        synonyms[key] = values

    word_lists: dict[str, frozenset[str]] = {}
    for name in ("stopwords", "weak_words"):
        raw = data.get(name) or ""
        if isinstance(raw, str):
            raw = raw.replace(",", " ").split()
        if not isinstance(raw, list) or not all(isinstance(w, str) for w in raw):
            raise _fail(path, f"{name} must be words separated by spaces (use '{name}: |')")
        word_lists[name] = frozenset(raw)

    raw_conf = data.get("confidence") or {}
    if not isinstance(raw_conf, dict):
        raise _fail(path, "confidence must have threshold and margin")
    settings: dict[str, float] = {
        "threshold": DEFAULT_THRESHOLD,
        "margin": DEFAULT_MARGIN,
        "weak_weight": DEFAULT_WEAK_WEIGHT,
    }
    for name in raw_conf:
        if name not in settings:
            raise _fail(
                path, f"confidence: unknown setting {name!r} (allowed: {', '.join(settings)})"
            )
        value = raw_conf[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise _fail(path, f"confidence: {name} must be a number from 0 to 1")
        settings[name] = float(value)
    return RouterConfig(
        synonyms=synonyms,
        stopwords=word_lists["stopwords"],
        weak_words=word_lists["weak_words"],
        weak_weight=settings["weak_weight"],
        threshold=settings["threshold"],
        margin=settings["margin"],
    )
