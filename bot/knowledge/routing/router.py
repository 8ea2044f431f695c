"""Match a question typed in the user's own words to the best explainer topic, or to none.

Nothing here knows about lupus: topics come from the explainers (their example questions
above all, then title, summary and body), and the word lists come from the editor's file.

How a question is scored, and why:

* Nearest examples. Each example question (and each title) is a small document; the
  question's terms are compared with every one of them (TF-IDF cosine), and a topic scores
  the mean of its three closest. Many examples in people's own words are what lets a new
  paraphrase land: an editor adds examples, not rules.
* The topic's whole text (summary and body too) adds a smaller share, so a question about
  something only the body mentions still finds it.
* Evidence. The share of the question's weight carried by words the topics use. A word
  no topic uses counts against every topic, and a word the topics only use inside a
  phrase ("car" in "car T") counts as unknown when it stands alone: "my car won't start"
  is not about the treatment.
* The answer is given only when the best score clears a threshold, the evidence is
  enough, and the runner-up is a margin behind; when two are close, both are offered
  ("Did you mean...?"); otherwise the caller says it is not sure.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.knowledge.learned import Learned, Panel, features_of
from bot.knowledge.routing.config import RouterConfig
from bot.knowledge.routing.terms import Terms
from bot.knowledge.words import Zipf, zipf_for

#: How many of a topic's closest examples its score averages.
NEAREST = 3
#: Share of the score from the nearest examples; the rest from the topic's whole text.
EXAMPLE_SHARE = 0.75
#: How much each part of an explainer says about what it covers, in its whole-text vector.
FIELD_WEIGHTS = {"title": 3.0, "examples": 1.0, "summary": 2.0, "body": 0.5}
#: A word used inside one phrase at least this often is bound to it ("car" to "car t"),
#: when it is an everyday word (this common or more on wordfreq's Zipf scale).
BOUND_SHARE = 0.8
EVERYDAY_ZIPF = 4.0
#: How the two readers are mixed: each topic's learned score plus this much of its
#: nearest-example score, then turned into shares that add up to 1 (softmax at TEMPERATURE).
NEAREST_WEIGHT = 4.0
TEMPERATURE = 2.0
#: The off-topic reader's score from which a question counts as about something else: 0, more
#: likely off topic than not (on the examples left out one at a time, it catches 88% of the
#: off-topic messages and loses 0.8% of the topic questions; 0.5 caught 85% and lost 0.6%).
OFF_THRESHOLD = 0.0
#: The off-topic reader's name beside the topics' (not a command: it has a space).
OFF_TOPIC = "off topic"


class ExplainerLike(Protocol):
    """What the router reads from an explainer (bot.text.content.Explainer fits)."""

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

    ``command`` is set only when the router is confident, so a caller that forgets to check
    ``confident`` still cannot send a guess; ``best`` is the top topic either way, and
    ``offers`` the topics to offer when two are close ("Did you mean...?").
    """

    command: str | None
    score: float
    confident: bool
    runner_up: str | None
    best: str | None = None
    runner_up_score: float = 0.0
    offers: tuple[str, ...] = ()
    evidence: float = 0.0
    scores: dict[str, float] = field(default_factory=dict, compare=False, repr=False)


def _norm(vector: dict[str, float]) -> float:
    return math.sqrt(sum(v * v for v in vector.values()))


@dataclass(frozen=True)
class _Doc:
    topic: str
    vector: dict[str, float]
    norm: float
    #: The example question as written (to leave it out again in the linter's check).
    text: str = ""


class Router:
    """Scores every topic for a question; build once at start-up, then call ``route``."""

    def __init__(
        self,
        terms: Terms,
        docs: Sequence[_Doc],
        wholes: dict[str, tuple[dict[str, float], float]],
        learned: dict[str, Learned],
        idf: dict[str, float],
        bound: dict[str, str],
        config: RouterConfig,
        weak: frozenset[str],
        off_topic: Learned | None = None,
    ) -> None:
        self.terms = terms
        self._docs = tuple(docs)
        self._wholes = wholes
        self._learned = learned
        self._panel = Panel({**learned, **({OFF_TOPIC: off_topic} if off_topic else {})})
        self.idf = idf
        self._bound = bound
        self._unknown_idf = max(idf.values(), default=1.0)
        self.config = config
        self._weak = weak
        self._off_topic = off_topic
        self._by_term: dict[str, list[int]] = defaultdict(list)
        for i, doc in enumerate(self._docs):
            for term in doc.vector:
                self._by_term[term].append(i)
        # Words in a fifth or more of all examples ("lupus") tell the topics apart little and
        # are in many examples: they are left out of the nearest-example sums (not of the
        # norms), which keeps a question's scoring to a fraction of a millisecond.
        common = max(20, len(self._docs) // 5)
        self._postings = {
            t: tuple((i, self._docs[i].vector[t]) for i in ids)
            for t, ids in self._by_term.items()
            if len(ids) <= common
        }
        self.topics = tuple(wholes)

    @classmethod
    def from_config(
        cls,
        explainers: Iterable[ExplainerLike],
        config: RouterConfig,
        *,
        language: str = "en",
        zipf: Zipf | None = None,
        off_topic: Sequence[str] = (),
    ) -> Router:
        """Index the explainers with the editor's word lists and thresholds.

        ``off_topic`` are messages about something else entirely; from them and the topics'
        examples a reader learns what an off-topic message looks like."""
        explainers = list(explainers)
        terms = Terms(config.synonyms, config.stopwords, language, zipf or zipf_for(language))
        vocabulary: set[str] = set()
        for e in explainers:
            for text in (e.title, e.summary, e.body, *e.examples):
                vocabulary.update(terms.plain_words(text))
        terms.learn_vocabulary(vocabulary)

        raw_docs: list[tuple[str, dict[str, float], str]] = []
        whole_counts: dict[str, defaultdict[str, float]] = {}
        for e in explainers:
            whole: defaultdict[str, float] = defaultdict(float)
            for name, texts in (
                ("title", [e.title]),
                ("examples", list(e.examples)),
                ("summary", [e.summary]),
                ("body", [e.body]),
            ):
                for text in texts:
                    vector = terms.vector(text, correct=False)
                    for term, weight in vector.items():
                        whole[term] += weight * FIELD_WEIGHTS[name]
                    if name in ("title", "examples") and vector:
                        raw_docs.append((e.command, vector, text))
            whole_counts[e.command] = whole

        df: Counter[str] = Counter()
        for _, vector, _ in raw_docs:
            df.update(vector.keys())
        for whole in whole_counts.values():
            df.update(k for k in whole if k not in df)
        n = len(raw_docs) + 1
        idf = {t: math.log((n + 1) / (c + 1)) + 1.0 for t, c in df.items()}

        # An everyday word the topics only use inside one phrase ("car" in "car T", "side"
        # in "side effects") is bound to it: alone it is no evidence for a topic.
        everyday = zipf or zipf_for(language)
        bound: dict[str, str] = {}
        in_bigrams: defaultdict[str, list[str]] = defaultdict(list)  # word -> its bigrams
        for bigram in df:
            if "_" in bigram:
                for part in dict.fromkeys(bigram.split("_")):
                    in_bigrams[part].append(bigram)
        for term, count in df.items():
            if "_" in term or everyday(term) < EVERYDAY_ZIPF:
                continue
            partners = [(b, df[b]) for b in in_bigrams.get(term, ())]
            for bigram, together in partners:
                if together >= BOUND_SHARE * count and count >= 2:
                    bound[term] = bigram
                    break

        weak = frozenset(terms.stem(w) for w in config.weak_words)

        def weigh(vector: dict[str, float]) -> dict[str, float]:
            return {
                t: w * idf.get(t, 1.0) * (config.weak_weight if t in weak else 1.0)
                for t, w in vector.items()
            }

        docs = [
            _Doc(topic, v, _norm(v), text)
            for topic, vector, text in raw_docs
            if (v := weigh(vector))
        ]
        questions = {
            e.command: [terms.expanded(q) for q in (e.title, *e.examples)] for e in explainers
        }
        learned = {
            topic: Learned.train(
                own, [q for other, qs in questions.items() if other != topic for q in qs]
            )
            for topic, own in questions.items()
        }
        wholes: dict[str, tuple[dict[str, float], float]] = {}
        for topic, counts in whole_counts.items():
            vector = weigh({t: math.log1p(c) for t, c in counts.items()})
            wholes[topic] = (vector, _norm(vector) or 1.0)
        off = None
        if off_topic:
            everything = [q for qs in questions.values() for q in qs]
            off = Learned.train([terms.expanded(q) for q in off_topic], everything, OFF_THRESHOLD)
        return cls(terms, docs, wholes, learned, idf, bound, config, weak, off)

    # --- query side ---------------------------------------------------------------------

    def query(self, text: str) -> tuple[dict[str, float], float]:
        """The question's weighted known terms, and the share of its weight they carry."""
        raw = self.terms.vector(text)
        present = set(raw)
        known: dict[str, float] = {}
        known_mass = unknown_mass = 0.0
        for term, weight in raw.items():
            unigram = "_" not in term
            partner = self._bound.get(term)
            if partner is not None and partner not in present:
                unknown_mass += weight * self._unknown_idf  # "car" without "t"
                continue
            if term in self.idf:
                w = weight * self.idf[term] * (self.config.weak_weight if term in self._weak else 1)
                known[term] = w
                if unigram:
                    known_mass += w
            elif unigram and weight >= 1.0:
                unknown_mass += self._unknown_idf
        total = known_mass + unknown_mass
        return known, (known_mass / total if total else 0.0)

    def scores(self, text: str) -> dict[str, float]:
        """Every topic's score in [0, 1] for the question."""
        return self._scores(self.query(text)[0])

    def _scores(self, vector: dict[str, float], skip: str | None = None) -> dict[str, float]:
        norm = _norm(vector)
        if not norm:
            return {topic: 0.0 for topic in self.topics}
        dots: dict[int, float] = defaultdict(float)
        for term, weight in vector.items():
            for i, doc_weight in self._postings.get(term, ()):
                dots[i] += weight * doc_weight
        nearest: dict[str, list[float]] = defaultdict(list)
        for i, dot in dots.items():
            doc = self._docs[i]
            if skip is not None and doc.text == skip:
                continue
            nearest[doc.topic].append(dot / (norm * doc.norm))
        result: dict[str, float] = {}
        for topic in self.topics:
            best = sorted(nearest.get(topic, []), reverse=True)[:NEAREST]
            knn = sum(best) / NEAREST if best else 0.0
            whole, whole_norm = self._wholes[topic]
            overlap = sum(w * whole.get(t, 0.0) for t, w in vector.items())
            result[topic] = EXAMPLE_SHARE * knn + (1 - EXAMPLE_SHARE) * overlap / (
                norm * whole_norm
            )
        return result

    def learned_scores(self, text: str, held_out_of: str | None = None) -> dict[str, float]:
        """Every reader's score (each topic's, and the off-topic one's) for the question."""
        found = features_of(self.terms.expanded(text))
        if held_out_of is None:
            return self._panel.scores(found)
        scores = {
            topic: reader.without(found, positive=topic == held_out_of)
            for topic, reader in self._learned.items()
        }
        if self._off_topic is not None:
            scores[OFF_TOPIC] = self._off_topic.without(found, positive=False)
        return scores

    def shares(
        self, text: str, nearest: dict[str, float], learned_scores: dict[str, float] | None = None
    ) -> dict[str, float]:
        """Each topic's share (adding up to 1): its learned score and nearest examples."""
        together = learned_scores if learned_scores is not None else self.learned_scores(text)

        def learned(topic: str) -> float:
            return together.get(topic, 0.0)

        raw = {t: learned(t) + NEAREST_WEIGHT * nearest[t] for t in self.topics}
        top = max(raw.values(), default=0.0)
        exp = {t: math.exp((v - top) / TEMPERATURE) for t, v in raw.items()}
        total = sum(exp.values()) or 1.0
        return {t: v / total for t, v in exp.items()}

    def route(self, text: str) -> RouteResult:
        """The best topic if the router is confident; the two closest if they tie."""
        return self._route(text, None)

    def route_held_out(self, text: str, topic: str) -> RouteResult:
        """How ``text``, one of ``topic``'s own examples, would route if it were not one:
        its own example is not among the nearest, and the learned readers forget it."""
        return self._route(text, topic)

    def _route(self, text: str, held_out_of: str | None) -> RouteResult:
        vector, evidence = self.query(text)
        nearest = self._scores(vector, skip=text if held_out_of else None)
        if not vector or max(nearest.values(), default=0.0) <= 0.0:
            return RouteResult(None, 0.0, False, None, evidence=evidence, scores=nearest)
        learned = self.learned_scores(text, held_out_of)
        scores = self.shares(text, nearest, learned)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        best, score = ranked[0]
        runner_up, second = ranked[1] if len(ranked) > 1 else (None, 0.0)
        c = self.config
        on_topic = evidence >= c.min_evidence and nearest[best] >= c.min_similarity
        if on_topic and self._off_topic is not None:
            on_topic = learned[OFF_TOPIC] < self._off_topic.threshold
        confident = on_topic and score >= c.threshold and score - second >= c.margin
        offers: tuple[str, ...] = ()
        if on_topic and not confident and runner_up and score + second >= c.offer_share:
            offers = (best, runner_up)
        return RouteResult(
            command=best if confident else None,
            score=round(score, 4),
            confident=confident,
            runner_up=runner_up,
            best=best,
            runner_up_score=round(second, 4),
            offers=offers,
            evidence=round(evidence, 4),
            scores=scores,
        )
