"""Safety triage: spot emergencies, crises and requests for personal advice first.

Every message passes through `triage` before any topic is chosen, so a person who
writes "I can't breathe" is told to call for help instead of being sent an
explainer. The phrases and replies live in a data file (content/safety.yml) that an
editor can change; this module only knows the small pattern language documented
at the top of that file. Matching is on whole words over normalised text, so it
is pure, needs no network, and takes well under a millisecond per message.

The user's text is never logged or stored here: a verdict carries only the kind,
the reply and the id of the rule that fired, which is safe to count in metrics.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.text.normalise import fold, normalise
from bot.text.yamlfile import load_yaml

__all__ = [
    "Message",
    "Pattern",
    "SafetyRule",
    "SafetyRules",
    "SafetyVerdict",
    "load_safety_rules",
    "parse_pattern",
    "tokenize",
    "triage",
]

DEFAULT_GAP = 3
MAX_GAP = 20

_APOSTROPHE = re.compile(r"'+")
_WORD = re.compile(r"[^\W_]+\*?")
_GAP = re.compile(r"\.\.\.(\d*)")
_PATTERN_TOKEN = re.compile(r"\([^()]*\)|\S+")
_ALLOWED_TAGS = re.compile(r"</?(b|i|u|s|em|strong|code)>")
_ENTITY = re.compile(r"&(amp|lt|gt|quot|#\d{1,6});")


def tokenize(text: str, typos: Mapping[str, str] | None = None) -> list[str]:
    """Normalised words of `text`, each misspelling in `typos` replaced."""
    words = normalise(text).split()
    if typos:
        words = [typos.get(w, w) for w in words]
    return words


@dataclass(frozen=True, slots=True)
class _Word:
    text: str
    prefix: bool

    def matches(self, token: str) -> bool:
        return token.startswith(self.text) if self.prefix else token == self.text


_Phrase = tuple[_Word, ...]


class Message:
    """A message's words plus the indexes that make matching many patterns cheap."""

    __slots__ = ("_prefix_starts", "_vocab", "positions", "tokens")

    def __init__(self, tokens: Sequence[str]) -> None:
        self.tokens: tuple[str, ...] = tuple(tokens)
        self.positions: dict[str, list[int]] = {}
        for i, token in enumerate(self.tokens):
            self.positions.setdefault(token, []).append(i)
        self._vocab: list[str] | None = None
        self._prefix_starts: dict[str, list[int]] = {}

    def starts(self, word: _Word) -> list[int]:
        """Positions where `word` occurs (cached for prefixes)."""
        if not word.prefix:
            return self.positions.get(word.text, [])
        found = self._prefix_starts.get(word.text)
        if found is None:
            if self._vocab is None:
                self._vocab = sorted(self.positions)
            found = []
            i = bisect_left(self._vocab, word.text)
            while i < len(self._vocab) and self._vocab[i].startswith(word.text):
                found.extend(self.positions[self._vocab[i]])
                i += 1
            self._prefix_starts[word.text] = found
        return found


@dataclass(frozen=True, slots=True)
class _Slot:
    """One place in a pattern: any of several words or phrases."""

    #: One-word alternatives, split by kind so a token is tested with one set or tuple lookup.
    exact: frozenset[str]
    prefixes: tuple[str, ...]
    #: Alternatives of two or more words.
    phrases: tuple[_Phrase, ...]
    #: How many other words may come between the previous slot and this one.
    gap_before: int

    @classmethod
    def of(cls, alternatives: Sequence[_Phrase], gap_before: int) -> _Slot:
        singles = [a[0] for a in alternatives if len(a) == 1]
        return cls(
            exact=frozenset(w.text for w in singles if not w.prefix),
            prefixes=tuple(w.text for w in singles if w.prefix),
            phrases=tuple(a for a in alternatives if len(a) > 1),
            gap_before=gap_before,
        )

    def present(self, message: Message) -> bool:
        """Cheap test: could this slot match anywhere in the message?"""
        if not self.exact.isdisjoint(message.positions):
            return True
        if any(message.starts(_Word(p, True)) for p in self.prefixes):
            return True
        return any(message.starts(phrase[0]) for phrase in self.phrases)

    def starts(self, message: Message) -> set[int]:
        found: set[int] = set()
        for word in self.exact:
            found.update(message.positions.get(word, ()))
        for prefix in self.prefixes:
            found.update(message.starts(_Word(prefix, True)))
        for phrase in self.phrases:
            found.update(message.starts(phrase[0]))
        return found

    def ends(self, tokens: tuple[str, ...], start: int) -> list[int]:
        """Where this slot can end if it starts at `start` (empty if it can't)."""
        token = tokens[start]
        found = []
        if token in self.exact or (self.prefixes and token.startswith(self.prefixes)):
            found.append(start + 1)
        for phrase in self.phrases:
            end = _phrase_end(phrase, tokens, start)
            if end >= 0:
                found.append(end)
        return found


@dataclass(frozen=True, slots=True)
class Pattern:
    """One compiled phrase pattern; `source` is the editor's text, for error messages."""

    source: str
    slots: tuple[_Slot, ...]

    def search(self, message: Message) -> bool:
        """True if the pattern occurs anywhere in the message."""
        if not all(slot.present(message) for slot in self.slots):
            return False
        tokens = message.tokens
        first = self.slots[0]
        for start in first.starts(message):
            for end in first.ends(tokens, start):
                if len(self.slots) == 1 or _match_from(self.slots, 1, tokens, end):
                    return True
        return False


def _phrase_end(phrase: _Phrase, tokens: tuple[str, ...], start: int) -> int:
    """Index after the phrase if it matches at `start`, else -1."""
    if start + len(phrase) > len(tokens):
        return -1
    for offset, word in enumerate(phrase):
        if not word.matches(tokens[start + offset]):
            return -1
    return start + len(phrase)


def _match_from(slots: tuple[_Slot, ...], index: int, tokens: tuple[str, ...], pos: int) -> bool:
    slot = slots[index]
    last_start = min(pos + slot.gap_before, len(tokens) - 1)
    for start in range(pos, last_start + 1):
        for end in slot.ends(tokens, start):
            if index + 1 == len(slots) or _match_from(slots, index + 1, tokens, end):
                return True
    return False


def _any(patterns: Sequence[Pattern], message: Message) -> bool:
    return any(p.search(message) for p in patterns)


@dataclass(frozen=True)
class SafetyRule:
    """Patterns that, when one matches, give the reply of `kind`."""

    id: str
    kind: str
    patterns: tuple[Pattern, ...]
    #: A general question ("can it cause ...") cancels this rule.
    general: bool = False
    #: Patterns that cancel this rule.
    unless: tuple[Pattern, ...] = ()


@dataclass(frozen=True)
class SafetyRules:
    """Everything in the safety file, compiled, with rules in the order they are tried."""

    rules: tuple[SafetyRule, ...]
    replies: Mapping[str, str]
    general_question: tuple[Pattern, ...] = ()
    happening_now: tuple[Pattern, ...] = ()
    typos: Mapping[str, str] = field(default_factory=dict)

    @property
    def kinds(self) -> tuple[str, ...]:
        """Kinds in priority order."""
        return tuple(dict.fromkeys(rule.kind for rule in self.rules))


@dataclass(frozen=True)
class SafetyVerdict:
    """What to send instead of a topic. Holds no user text, so it is safe to log."""

    kind: str
    reply: str
    rule_id: str


def triage(text: str, rules: SafetyRules) -> SafetyVerdict | None:
    """The first rule the message sets off (kinds in priority order), or None: safe to route."""
    message = Message(tokenize(text, rules.typos))
    if not message.tokens:
        return None
    general: bool | None = None
    for rule in rules.rules:
        if not _any(rule.patterns, message):
            continue
        if rule.unless and _any(rule.unless, message):
            continue
        if rule.general:
            if general is None:
                general = _any(rules.general_question, message) and not _any(
                    rules.happening_now, message
                )
            if general:
                continue
        return SafetyVerdict(kind=rule.kind, reply=rules.replies[rule.kind], rule_id=rule.id)
    return None


# --- loading -------------------------------------------------------------------------


class _Problem(Exception):
    """A mistake in the file, reported with where it is."""


def _prepare(source: str) -> str:
    return " ".join(_APOSTROPHE.sub("", fold(source)).split())


def _parse_word(raw: str, source: str) -> _Word:
    if not _WORD.fullmatch(raw):
        hint = ""
        if any(c in raw for c in "-/.,"):
            hint = (
                " (punctuation in a message becomes a space, so write 'self harm', not 'self-harm')"
            )
        raise _Problem(f"pattern {source!r}: {raw!r} is not a word{hint}")
    return _Word(raw.rstrip("*"), raw.endswith("*"))


def _parse_phrase(raw: str, source: str) -> _Phrase:
    words = raw.split()
    if not words:
        raise _Problem(f"pattern {source!r}: an empty alternative")
    return tuple(_parse_word(w, source) for w in words)


def parse_pattern(source: str, groups: Mapping[str, Sequence[str]] | None = None) -> Pattern:
    """Compile one pattern (groups: name -> phrases); raises ValueError saying what is wrong."""
    try:
        compiled = {
            name: tuple(_parse_phrase(_prepare(p), p) for p in phrases)
            for name, phrases in (groups or {}).items()
        }
        return _parse_pattern(source, compiled)
    except _Problem as err:
        raise ValueError(str(err)) from None


def _parse_pattern(source: str, groups: Mapping[str, tuple[_Phrase, ...]]) -> Pattern:
    if not isinstance(source, str) or not source.strip():
        raise _Problem(f"pattern {source!r}: a pattern must be non-empty text")
    text = _prepare(source)
    slots: list[_Slot] = []
    gap: int | None = None
    for token in _PATTERN_TOKEN.findall(text):
        gap_match = _GAP.fullmatch(token)
        if gap_match:
            if gap is not None or not slots:
                raise _Problem(f"pattern {source!r}: '...' must come between two words")
            gap = int(gap_match.group(1)) if gap_match.group(1) else DEFAULT_GAP
            if gap > MAX_GAP:
                raise _Problem(
                    f"pattern {source!r}: a gap of {gap} words is too wide (at most {MAX_GAP})"
                )
            continue
        if token.startswith("(") and token.endswith(")") and len(token) > 1:
            inner = token[1:-1]
            alternatives = tuple(_parse_phrase(alt, source) for alt in inner.split("|"))
        elif token.startswith("$"):
            name = token[1:]
            if name not in groups:
                known = ", ".join(sorted(groups)) or "none"
                raise _Problem(f"pattern {source!r}: unknown group ${name} (groups: {known})")
            alternatives = groups[name]
        elif "(" in token or ")" in token:
            raise _Problem(f"pattern {source!r}: unbalanced brackets in {token!r}")
        else:
            parts = token.split("|")
            alternatives = tuple((_parse_word(p, source),) for p in parts)
        slots.append(_Slot.of(alternatives, gap or 0))
        gap = None
    if gap is not None:
        raise _Problem(f"pattern {source!r}: '...' must come between two words")
    if not slots:
        raise _Problem(f"pattern {source!r}: no words")
    return Pattern(source, tuple(slots))


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Problem(f"{where} must be a mapping of 'name: value' lines")
    return {str(k): v for k, v in value.items()}


def _check_keys(value: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(value) - allowed)
    if unknown:
        listed = ", ".join(sorted(allowed))
        raise _Problem(f"{where}: unknown field(s) {', '.join(unknown)} (allowed: {listed})")


def _str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Problem(
            f"{where} must be a list of text lines (quote lines that start with a symbol)"
        )
    return list(value)


def _patterns(
    value: Any, where: str, groups: Mapping[str, tuple[_Phrase, ...]]
) -> tuple[Pattern, ...]:
    out = []
    for source in _str_list(value, where):
        try:
            out.append(_parse_pattern(source, groups))
        except _Problem as err:
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


def _compile(data: Any) -> SafetyRules:
    top = _mapping(data, "the file")
    _check_keys(
        top, {"order", "typos", "groups", "general_question", "happening_now", "kinds"}, "the file"
    )

    typos: dict[str, str] = {}
    for wrong, right in _mapping(top.get("typos") or {}, "typos").items():
        w = normalise(str(wrong))
        r = normalise(right) if isinstance(right, str) else ""
        if len(w.split()) != 1 or len(r.split()) != 1:
            raise _Problem(f"typos: {wrong!r}: {right!r}: each side must be one word")
        typos[w] = r

    groups: dict[str, tuple[_Phrase, ...]] = {}
    for name, phrases in _mapping(top.get("groups") or {}, "groups").items():
        where = f"groups: {name}"
        if not re.fullmatch(r"\w+", name):
            raise _Problem(f"{where}: a group name must be one word (letters, digits, _)")
        items = _str_list(phrases, where)
        if not items:
            raise _Problem(f"{where}: the group is empty")
        try:
            groups[name] = tuple(_parse_phrase(_prepare(p), p) for p in items)
        except _Problem as err:
            raise _Problem(f"{where}: {err}") from None

    kinds = _mapping(top.get("kinds"), "kinds")
    if not kinds:
        raise _Problem("kinds: at least one kind (with a reply and rules) is needed")
    order = _str_list(top.get("order") or list(kinds), "order")
    missing = [k for k in kinds if k not in order]
    unknown = [k for k in order if k not in kinds]
    if missing or unknown or len(set(order)) != len(order):
        raise _Problem(
            "order: must list every kind exactly once"
            f" (missing: {missing or 'none'}, not a kind: {unknown or 'none'})"
        )

    replies: dict[str, str] = {}
    rules: list[SafetyRule] = []
    seen: set[str] = set()
    for kind in order:
        spec = _mapping(kinds[kind], f"kinds: {kind}")
        _check_keys(spec, {"reply", "rules"}, f"kinds: {kind}")
        reply = spec.get("reply")
        if not isinstance(reply, str) or not reply.strip():
            raise _Problem(f"kinds: {kind}: a reply text is needed")
        _check_reply(reply, f"kinds: {kind}: reply")
        replies[kind] = reply.strip()
        rule_specs = spec.get("rules")
        if not isinstance(rule_specs, list) or not rule_specs:
            raise _Problem(f"kinds: {kind}: rules must be a non-empty list")
        for n, raw_rule in enumerate(rule_specs, 1):
            rule = _mapping(raw_rule, f"kinds: {kind}: rule {n}")
            rule_id = rule.get("id")
            where = f"kinds: {kind}: rule {rule_id or n}"
            _check_keys(rule, {"id", "match", "general", "unless"}, where)
            if not isinstance(rule_id, str) or not rule_id.strip():
                raise _Problem(f"{where}: an id is needed")
            if rule_id in seen:
                raise _Problem(f"{where}: the id is used twice")
            seen.add(rule_id)
            general = rule.get("general", False)
            if not isinstance(general, bool):
                raise _Problem(f"{where}: general must be true or false")
            patterns = _patterns(rule.get("match"), f"{where}: match", groups)
            if not patterns:
                raise _Problem(f"{where}: match needs at least one pattern")
            unless = _patterns(rule.get("unless"), f"{where}: unless", groups)
            rules.append(SafetyRule(rule_id, kind, patterns, general, unless))

    return SafetyRules(
        rules=tuple(rules),
        replies=replies,
        general_question=_patterns(top.get("general_question"), "general_question", groups),
        happening_now=_patterns(top.get("happening_now"), "happening_now", groups),
        typos=typos,
    )


def load_safety_rules(path: Path) -> SafetyRules:
    """Read and compile the safety file; a mistake raises ValueError naming the file and problem."""
    data = load_yaml(path)
    try:
        return _compile(data)
    except _Problem as err:
        raise ValueError(f"{path}: {err}") from None
