"""Every rule's passing and failing examples (``examples.yml``), as whole content files.

Editors read them with ``python -m bot lint --explain RULE``; the test suite lints each one
and fails when a registered rule has no example of either kind, or when an example does
not pass or fail as it says.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.text.yamlfile import parse_yaml

FILE = "examples.yml"


@dataclass(frozen=True)
class Example:
    rule: str
    passes: bool
    why: str
    #: The whole content file: front matter and body.
    text: str


@cache
def _data() -> dict[str, Any]:
    raw = resources.files("bot.lint").joinpath(FILE).read_text("utf-8")
    data: dict[str, Any] = parse_yaml(raw, Path("bot/lint") / FILE)
    return data


def jargon() -> dict[str, str]:
    """The jargon list the examples are written against."""
    return {str(k): str(v) for k, v in (_data().get("jargon") or {}).items()}


def _file(changes: dict[str, Any]) -> str:
    base = _data()["base"]
    meta = dict(base["front_matter"])
    for key, value in (changes.get("front_matter") or {}).items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    body = changes.get("body", base["body"])
    if "repeat_body" in changes:
        body = "\n".join([base["body"]] * int(changes["repeat_body"]))
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n{body}"


def examples(rule: str) -> list[Example]:
    """The examples of one rule, passing ones first (empty when it has none)."""
    spec = (_data().get("rules") or {}).get(rule) or {}
    found: list[Example] = []
    for kind, passes in (("pass", True), ("fail", False)):
        for item in spec.get(kind) or ():
            found.append(Example(rule, passes, str(item.get("why", "")), _file(item)))
    return found


def documented_rules() -> set[str]:
    return set(_data().get("rules") or {})
