"""The safety file (``content/safety.yml``, one per language) compiled into triage rules.

Everything a message is checked for is data: the concepts (a symptom, a crisis, a request
for a personal decision) with their surface forms, the words that frame a message (a
negation, a general question, a past event, someone being described), numbers read as
measurements, and the replies. The code only knows the mechanism; a mistake in the file
is a ``ValueError`` naming the file and the place.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from bot.knowledge.learned import Learned, examples_of
from bot.knowledge.triage.patterns import (
    Pattern,
    PatternError,
    Phrase,
    compile_pattern,
    parse_phrase,
    prepare,
)
from bot.knowledge.triage.spelling import Speller
from bot.text.yamlfile import load_yaml

#: What a kind pays attention to: a "report" kind (urgent) is cancelled by a general
#: question, a past or hypothetical event; an "any" kind (crisis, advice) by negation only.
CONTEXTS = ("report", "any")
#: The framing word lists of ``reading:`` and what each one does.
FRAMES = (
    "negation",
    "negation_after",
    "not_negation",
    "person",
    "general",
    "hypothetical",
    "now",
    "recent",
    "report",
    "past",
    "resolved",
    "literal",
)

_ALLOWED_TAGS = re.compile(r"</?(b|i|u|s|em|strong|code)>")
_ENTITY = re.compile(r"&(amp|lt|gt|quot|#\d{1,6});")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class _Problem(Exception):
    """A mistake in the file; the message says where."""


@dataclass(frozen=True)
class Concept:
    """One thing to recognise: any ``match`` pattern, or one of each ``together`` list
    within one sentence (a headache AND "worst" or "sudden")."""

    id: str
    kind: str
    about: str
    match: tuple[Pattern, ...]
    together: tuple[tuple[Pattern, ...], ...] = ()
    #: Patterns that, where they cover the words found, mean something else.
    unless: tuple[Pattern, ...] = ()
    #: Where ``together`` lists must all be found: one "sentence", or the whole "message".
    within: str = "sentence"
    #: The patterns' identities, to skip a concept a message cannot match (see ``could``).
    _match_ids: frozenset[int] = field(init=False, compare=False, repr=False)
    _together_ids: tuple[frozenset[int], ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_match_ids", frozenset(id(p) for p in self.match))
        together = tuple(frozenset(id(p) for p in part) for part in self.together)
        object.__setattr__(self, "_together_ids", together)

    def could(self, possible: set[int]) -> bool:
        """Whether a message whose possible patterns are ``possible`` could match at all."""
        if not self._match_ids.isdisjoint(possible):
            return True
        return bool(self._together_ids) and all(
            not part.isdisjoint(possible) for part in self._together_ids
        )


@dataclass(frozen=True)
class Measurement:
    """Numbers that mean a concept: a temperature of 38 or more near "fever" or "temp"."""

    concept: str
    near: tuple[Pattern, ...]
    alarm: tuple[tuple[float, float], ...]
    #: "single" (39.8 near a word), "decimal" (39.5 alone) or "pair" (a reading, 80/50).
    form: str = "single"
    reach: int = 4


@dataclass(frozen=True)
class Kind:
    name: str
    reply: str
    context: str
    #: The learned reader's score from which a message counts (None: no learned reader).
    learned_threshold: float | None = None
    #: A person may be in danger: the reply goes first, past flood control and ahead of
    #: everything else queued for the chat, and is tried until it is sent.
    urgent: bool = False


@dataclass(frozen=True)
class TriageRules:
    """One language's safety file, compiled."""

    kinds: tuple[Kind, ...]
    concepts: tuple[Concept, ...]
    frames: Mapping[str, tuple[Pattern, ...]]
    #: Words (or two-word phrases, "and i") that start a new clause.
    clause_breaks: frozenset[str]
    shorthand: Mapping[str, str]
    #: Two break words that together break nothing ("just now").
    clause_joins: frozenset[str] = frozenset()
    #: Words that end a negation's reach: a new subject ("... not work for me, I will ...").
    negation_stops: frozenset[str] = frozenset()
    measurements: tuple[Measurement, ...] = ()
    negation_reach: int = 6
    speller: Speller | None = field(default=None, compare=False, repr=False)
    #: Anchor word -> patterns, and (prefix, patterns): which patterns a message may match.
    anchors: Mapping[str, tuple[Pattern, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    prefix_anchors: tuple[tuple[str, tuple[Pattern, ...]], ...] = field(
        default=(), compare=False, repr=False
    )
    #: Readers learned from ``safety_examples.yml``, by kind.
    learned: Mapping[str, Learned] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def prefix_index(self) -> dict[str, tuple[Pattern, ...]]:
        return dict(self.prefix_anchors)

    @cached_property
    def prefix_lengths(self) -> tuple[int, ...]:
        """The lengths of the prefix anchors, shortest first: the only ones worth trying."""
        return tuple(sorted({len(prefix) for prefix, _ in self.prefix_anchors}))

    @property
    def replies(self) -> dict[str, str]:
        return {kind.name: kind.reply for kind in self.kinds}

    @property
    def kind_names(self) -> tuple[str, ...]:
        """Kinds in priority order (the first one found wins)."""
        return tuple(kind.name for kind in self.kinds)

    @property
    def urgent_kinds(self) -> frozenset[str]:
        """The kinds whose replies go first and are never given up early."""
        return frozenset(kind.name for kind in self.kinds if kind.urgent)

    def kind(self, name: str) -> Kind:
        return next(k for k in self.kinds if k.name == name)


# --- loading -----------------------------------------------------------------------------


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Problem(f"{where} must be a mapping of 'name: value' lines")
    return {str(k): v for k, v in value.items()}


def _keys(value: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(value) - allowed)
    if unknown:
        listed = ", ".join(sorted(allowed))
        raise _Problem(f"{where}: unknown field(s) {', '.join(unknown)} (allowed: {listed})")


def _texts(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list) and any(isinstance(v, bool) for v in value):
        raise _Problem(
            f'{where}: put no, yes, on and off in quotes ("no"): YAML reads them as true/false'
        )
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise _Problem(
            f"{where} must be a list of text lines (quote lines that start with a symbol)"
        )
    return [str(v) for v in value]


def _patterns(
    value: Any, where: str, groups: Mapping[str, tuple[Phrase, ...]]
) -> tuple[Pattern, ...]:
    out = []
    for source in _texts(value, where):
        try:
            out.append(compile_pattern(source, groups))
        except PatternError as err:
            raise _Problem(f"{where}: {err}") from None
    return tuple(out)


def _check_reply(text: str, where: str) -> None:
    stripped = _ALLOWED_TAGS.sub("", text)
    if "<" in stripped or ">" in stripped:
        raise _Problem(
            f"{where}: only the tags <b>, <i>, <u>, <s>, <em>, <strong>, <code> may be used;"
            " write other < or > as words"
        )
    if "&" in _ENTITY.sub("", stripped):
        raise _Problem(
            f"{where}: write '&' as 'and' (or &amp;):"
            " Telegram reads a bare & as the start of a code"
        )


def _range(value: Any, where: str) -> tuple[float, float]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        or value[0] > value[1]
    ):
        raise _Problem(f"{where}: each alarm range is [lowest, highest], e.g. [38, 45]")
    return float(value[0]), float(value[1])


def _groups(raw: Any) -> dict[str, tuple[Phrase, ...]]:
    groups: dict[str, tuple[Phrase, ...]] = {}
    for name, phrases in _mapping(raw or {}, "groups").items():
        where = f"groups: {name}"
        if not _ID.match(name):
            raise _Problem(f"{where}: a group name is lowercase letters, digits and _")
        items = _texts(phrases, where)
        if not items:
            raise _Problem(f"{where}: the group is empty")
        try:
            groups[name] = tuple(parse_phrase(p, p) for p in items)
        except PatternError as err:
            raise _Problem(f"{where}: {err}") from None
    return groups


def _kinds(raw: Any, order: list[str]) -> tuple[Kind, ...]:
    specs = _mapping(raw, "kinds")
    if set(order) != set(specs) or len(order) != len(set(order)):
        raise _Problem(
            "order: must list every kind under kinds: exactly once "
            f"(order: {', '.join(order) or 'none'}; kinds: {', '.join(specs) or 'none'})"
        )
    kinds: list[Kind] = []
    for name in order:
        spec = _mapping(specs[name], f"kinds: {name}")
        _keys(spec, {"reply", "context", "learned_threshold", "urgent"}, f"kinds: {name}")
        reply = spec.get("reply")
        if not isinstance(reply, str) or not reply.strip():
            raise _Problem(f"kinds: {name}: a reply text is needed")
        _check_reply(reply, f"kinds: {name}: reply")
        context = spec.get("context", "any")
        if context not in CONTEXTS:
            raise _Problem(f"kinds: {name}: context must be one of {', '.join(CONTEXTS)}")
        threshold = spec.get("learned_threshold")
        if threshold is not None and (
            isinstance(threshold, bool) or not isinstance(threshold, int | float)
        ):
            raise _Problem(f"kinds: {name}: learned_threshold must be a number")
        learned = None if threshold is None else float(threshold)
        urgent = spec.get("urgent", False)
        if not isinstance(urgent, bool):
            raise _Problem(f"kinds: {name}: urgent is true or false")
        kinds.append(Kind(name, reply.strip(), str(context), learned, urgent))
    return tuple(kinds)


def _concepts(
    raw: Any, kinds: set[str], groups: Mapping[str, tuple[Phrase, ...]]
) -> tuple[Concept, ...]:
    concepts: list[Concept] = []
    for concept_id, body in _mapping(raw, "concepts").items():
        where = f"concepts: {concept_id}"
        if not _ID.match(concept_id):
            raise _Problem(f"{where}: a concept id is lowercase letters, digits and _")
        spec = _mapping(body, where)
        _keys(spec, {"kind", "about", "match", "together", "unless", "within"}, where)
        within = spec.get("within", "sentence")
        if within not in ("sentence", "message"):
            raise _Problem(f"{where}: within is sentence (the default) or message")
        kind = spec.get("kind")
        if kind not in kinds:
            raise _Problem(f"{where}: kind must be one of {', '.join(sorted(kinds))}")
        match = _patterns(spec.get("match"), f"{where}: match", groups)
        together_raw = spec.get("together") or []
        if not isinstance(together_raw, list):
            raise _Problem(f"{where}: together is a list of lists of patterns")
        together = tuple(
            _patterns(part, f"{where}: together {n}", groups)
            for n, part in enumerate(together_raw, 1)
        )
        if together and (len(together) < 2 or not all(together)):
            raise _Problem(f"{where}: together needs two or more non-empty lists")
        if not match and not together:
            raise _Problem(f"{where}: give match patterns, or together lists, or both")
        unless = _patterns(spec.get("unless"), f"{where}: unless", groups)
        about = str(spec.get("about", ""))
        concepts.append(Concept(concept_id, str(kind), about, match, together, unless, str(within)))
    if not concepts:
        raise _Problem("concepts: at least one concept is needed")
    return tuple(concepts)


def _measurements(
    raw: Any, concept_ids: set[str], groups: Mapping[str, tuple[Phrase, ...]]
) -> tuple[Measurement, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _Problem("measurements must be a list")
    out: list[Measurement] = []
    for n, body in enumerate(raw, 1):
        spec = _mapping(body, f"measurements: {n}")
        where = f"measurements: {spec.get('concept', n)}"
        _keys(spec, {"concept", "near", "alarm", "form", "reach"}, where)
        if spec.get("concept") not in concept_ids:
            raise _Problem(f"{where}: concept must be one of the concepts' ids")
        form = spec.get("form", "single")
        if form not in ("single", "decimal", "pair"):
            raise _Problem(f"{where}: form is single (39.8), decimal (39.5 alone) or pair (80/50)")
        alarm = tuple(_range(r, where) for r in (spec.get("alarm") or []))
        near = _patterns(spec.get("near"), f"{where}: near", groups)
        if not alarm or (not near and form != "decimal"):
            raise _Problem(f"{where}: needs near words and alarm ranges")
        reach = spec.get("reach", 4)
        if not isinstance(reach, int) or not 1 <= reach <= 10:
            raise _Problem(f"{where}: reach is a number of words from 1 to 10")
        out.append(Measurement(str(spec["concept"]), near, alarm, str(form), reach))
    return tuple(out)


def compile_rules(data: Any, zipf: Callable[[str], float]) -> TriageRules:
    top = _mapping(data, "the file")
    _keys(
        top,
        {"order", "kinds", "shorthand", "groups", "reading", "measurements", "concepts"},
        "the file",
    )
    order = _texts(top.get("order"), "order")
    kinds = _kinds(top.get("kinds"), order)
    groups = _groups(top.get("groups"))
    reading = _mapping(top.get("reading") or {}, "reading")
    _keys(
        reading,
        {*FRAMES, "clause_breaks", "clause_joins", "negation_reach", "negation_stops"},
        "reading",
    )
    stops = frozenset(prepare(w) for w in _texts(reading.get("negation_stops"), "negation_stops"))
    frames = {name: _patterns(reading.get(name), f"reading: {name}", groups) for name in FRAMES}
    breaks = frozenset(
        prepare(w) for w in _texts(reading.get("clause_breaks"), "reading: clause_breaks")
    )
    joins = frozenset(
        prepare(w) for w in _texts(reading.get("clause_joins"), "reading: clause_joins")
    )
    if any(len(j.split()) != 2 for j in joins):
        raise _Problem("reading: clause_joins are two-word phrases, such as 'just now'")
    reach = reading.get("negation_reach", 6)
    if not isinstance(reach, int) or not 1 <= reach <= 12:
        raise _Problem("reading: negation_reach is a number of words from 1 to 12")
    shorthand: dict[str, str] = {}
    for short, full in _mapping(top.get("shorthand") or {}, "shorthand").items():
        key, value = prepare(short), prepare(str(full))
        if len(key.split()) != 1 or not value:
            raise _Problem(
                f"shorthand: {short!r}: one word on the left, its full form on the right"
            )
        shorthand[key] = value
    concepts = _concepts(top.get("concepts"), {k.name for k in kinds}, groups)
    measurements = _measurements(top.get("measurements"), {c.id for c in concepts}, groups)
    patterns = [
        p
        for c in concepts
        for p in (*c.match, *c.unless, *(q for part in c.together for q in part))
    ]
    patterns += [p for ps in frames.values() for p in ps]
    patterns += [p for m in measurements for p in m.near]
    by_word: dict[str, list[Pattern]] = {}
    by_prefix: dict[str, list[Pattern]] = {}
    for pattern in patterns:
        exact_anchor, prefix_anchor = pattern.anchor()
        for word in exact_anchor:
            by_word.setdefault(word, []).append(pattern)
        for prefix in prefix_anchor:
            by_prefix.setdefault(prefix, []).append(pattern)
    exact = {w.text for p in patterns for w in p.words() if not w.prefix}
    prefixes = {w.text for p in patterns for w in p.words() if w.prefix}
    exact |= {w for phrase in breaks for w in phrase.split()} | set(shorthand.values())
    return TriageRules(
        kinds=kinds,
        concepts=concepts,
        frames=frames,
        clause_breaks=breaks,
        clause_joins=joins,
        negation_stops=stops,
        shorthand=shorthand,
        measurements=measurements,
        negation_reach=reach,
        speller=Speller(exact, prefixes, zipf),
        anchors={w: tuple(ps) for w, ps in by_word.items()},
        prefix_anchors=tuple((p, tuple(ps)) for p, ps in sorted(by_prefix.items())),
    )


EXAMPLES_FILE = "safety_examples.yml"


def _learned(path: Path, kinds: Sequence[Kind], ordinary: Sequence[str] = ()) -> dict[str, Learned]:
    """One reader per kind that has a learned_threshold, from the examples beside the file.

    A kind learns from its own `is` and `is_not` examples; the other kinds' `is` examples
    are counted as `is_not` too (an emergency is not a crisis, and the other way round), and
    so are ``ordinary`` messages (the topics' example questions, greetings).
    """
    wanted = [k for k in kinds if k.learned_threshold is not None]
    if not wanted:
        return {}
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: write one section per kind, each with is: and is_not: lists")
    sections: dict[str, tuple[list[str], list[str]]] = {}
    for name, section in data.items():
        if not isinstance(section, dict) or set(map(str, section)) - {"is", "is_not"}:
            raise ValueError(f"{path}: {name}: needs 'is:' and 'is_not:' lists of messages")
        sections[str(name)] = (
            examples_of(section.get("is") or []),
            examples_of(section.get("is_not") or []),
        )
    readers: dict[str, Learned] = {}
    for kind in wanted:
        if kind.name not in sections or not sections[kind.name][0]:
            raise ValueError(f"{path}: {kind.name}: no examples to learn from (is: ...)")
        positives, negatives = sections[kind.name]
        others = [m for name, (pos, _) in sections.items() if name != kind.name for m in pos]
        assert kind.learned_threshold is not None
        readers[kind.name] = Learned.train(
            positives, [*negatives, *others, *ordinary], kind.learned_threshold
        )
    return readers


def load_triage_rules(
    path: Path, zipf: Callable[[str], float], ordinary: Sequence[str] = ()
) -> TriageRules:
    """Read and compile one safety file (and its examples); ValueError names the file.

    ``ordinary`` are messages that are none of the kinds (the topics' example questions),
    which the learned readers also learn from."""
    data = load_yaml(path)
    try:
        rules = compile_rules(data, zipf)
    except _Problem as err:
        raise ValueError(f"{path}: {err}") from None
    learned = _learned(path.parent / EXAMPLES_FILE, rules.kinds, ordinary)
    return dataclasses.replace(rules, learned=learned) if learned else rules
