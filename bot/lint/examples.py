"""Every rule's passing and failing examples (``examples.yml``), as whole content files.

Editors read them with ``python -m bot lint --explain RULE``; the test suite lints each one
and fails when a registered rule has no example of either kind, or when an example does
not pass or fail as it says.

An example in another language (``lang: es``) starts from that language's base and is
linted as ``content/es/example.md``, beside the English base as ``content/example.md``
(the topic the Spanish base translates).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.text.content import DEFAULT_LANGUAGE
from bot.text.yamlfile import parse_yaml

FILE = "examples.yml"


@dataclass(frozen=True)
class Example:
    rule: str
    passes: bool
    why: str
    #: The whole content file: front matter and body.
    text: str
    #: The language it is written in; linted in that language's folder.
    language: str = DEFAULT_LANGUAGE

    @property
    def path(self) -> str:
        """Where it is linted, relative to the content folder."""
        return "example.md" if self.language == DEFAULT_LANGUAGE else f"{self.language}/example.md"

    @property
    def beside(self) -> dict[str, str]:
        """The other files linted with it: the English base beside a translation."""
        if self.language == DEFAULT_LANGUAGE:
            return {}
        return {"example.md": base_file()}


@cache
def _data() -> dict[str, Any]:
    raw = resources.files("bot.lint").joinpath(FILE).read_text("utf-8")
    data: dict[str, Any] = parse_yaml(raw, Path("bot/lint") / FILE)
    return data


def languages() -> list[str]:
    """The languages the examples are written in, English first."""
    return [DEFAULT_LANGUAGE, *(_data().get("languages") or {})]


def _language_data(language: str) -> dict[str, Any]:
    if language == DEFAULT_LANGUAGE:
        return _data()
    found: dict[str, Any] = (_data().get("languages") or {})[language]
    return found


def jargon(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """The jargon list the examples of a language are written against."""
    return {str(k): str(v) for k, v in (_language_data(language).get("jargon") or {}).items()}


def base_file(language: str = DEFAULT_LANGUAGE) -> str:
    """A language's base file, which passes every rule."""
    return _file({}, language)


def _file(changes: dict[str, Any], language: str = DEFAULT_LANGUAGE) -> str:
    base = _language_data(language)["base"]
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
            language = str(item.get("lang") or DEFAULT_LANGUAGE)
            why = str(item.get("why", ""))
            found.append(Example(rule, passes, why, _file(item, language), language))
    return found


def documented_rules() -> set[str]:
    return set(_data().get("rules") or {})
