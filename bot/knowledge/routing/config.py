"""The editor's word lists for routing (``content/synonyms.yml``, one per language).

Synonyms bring people's own words to the topics' words ("safe" to "side effects"),
stopwords are ignored, and the confidence settings say when the router may answer, when
it offers two topics ("Did you mean...?") and when it says it is not sure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.text.normalise import normalise
from bot.text.yamlfile import load_yaml

#: The best topic's share (the shares of all topics add up to 1) must reach this ...
DEFAULT_THRESHOLD = 0.6
#: ... and be this far ahead of the second's; otherwise the two are offered, when ...
DEFAULT_MARGIN = 0.2
#: ... their shares together reach this ("Did you mean A or B?"); else "not sure".
DEFAULT_OFFER_SHARE = 0.8
#: At least this share of the question's weight must be words the topics use ...
DEFAULT_MIN_EVIDENCE = 0.4
#: ... and the question must be at least this close to some example (0 to 1).
DEFAULT_MIN_SIMILARITY = 0.1
DEFAULT_WEAK_WEIGHT = 0.3


@dataclass(frozen=True)
class RouterConfig:
    """Word lists and confidence settings, as loaded from the editor's file."""

    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    stopwords: frozenset[str] = frozenset()
    weak_words: frozenset[str] = frozenset()
    weak_weight: float = DEFAULT_WEAK_WEIGHT
    threshold: float = DEFAULT_THRESHOLD
    margin: float = DEFAULT_MARGIN
    offer_share: float = DEFAULT_OFFER_SHARE
    min_evidence: float = DEFAULT_MIN_EVIDENCE
    min_similarity: float = DEFAULT_MIN_SIMILARITY


def _fail(path: Path, message: str) -> ValueError:
    return ValueError(f"{path}: {message}")


def _phrase_list(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


_SETTINGS = ("threshold", "margin", "offer_share", "min_evidence", "min_similarity", "weak_weight")


def load_router_config(path: Path) -> RouterConfig:
    """Read a synonyms file; any mistake raises ValueError naming the file and the problem."""
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
    defaults = RouterConfig()
    settings: dict[str, float] = {name: float(getattr(defaults, name)) for name in _SETTINGS}
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
        **settings,
    )
