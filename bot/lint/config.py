"""Linter settings: packaged defaults, overridden by the editors' ``lint.yml``.

The defaults are a documented data file (``bot/lint/defaults.yml``), not code, and an
editor's file only lists what it changes. A mistake in the editor's file is reported as a
finding on that file and the default is kept, so one typo never stops the whole lint.

The top-level settings are English's; each language under ``languages:`` changes some of
them for the files in that language (``LintConfig.for_language``), so a new language is a
section of data, not code.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from bot.lint.findings import Finding
from bot.text.content import DEFAULT_LANGUAGE, content_root
from bot.text.yamlfile import YamlError, load_yaml, parse_yaml

CONFIG_NAME = "lint.yml"
LANGUAGES = "languages"
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")
_LANGUAGE_SECTION = re.compile(rf"{LANGUAGES}\.[a-z]{{2}}\.")

#: Settings that are mappings of words an editor chooses (not named settings), with the
#: kind of value each word maps to. Like a list, a mapping set in lint.yml replaces the
#: default one whole.
_WORD_MAPPINGS: dict[str, tuple[type, ...]] = {
    "numbers.words": (int, float),
    "numbers.multipliers": (int, float),
    "style.informal_forms": (str,),
}


def _defaults() -> dict[str, Any]:
    text = resources.files("bot.lint").joinpath("defaults.yml").read_text("utf-8")
    data: dict[str, Any] = parse_yaml(text, Path("bot/lint/defaults.yml"))
    return data


def _merge(
    base: dict[str, Any], override: dict[str, Any], where: str, path: Path, problems: list[Finding]
) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        name = f"{where}{key}"
        if key == "severity" and (where == "" or _LANGUAGE_SECTION.fullmatch(where)):
            if not isinstance(value, dict):
                problems.append(_problem(path, f"'{name}' must be a mapping of rule: level"))
                continue
            merged[key] = {**base.get(key, {}), **value}
            continue
        if key == LANGUAGES and where == "":
            continue  # merged by _merge_languages, against the settings they change
        mapping = _WORD_MAPPINGS.get(
            name.split(".", 2)[-1] if where.startswith(LANGUAGES) else name
        )
        if mapping is not None and key in base:
            if not isinstance(value, dict) or not all(
                isinstance(v, mapping) and not isinstance(v, bool) for v in value.values()
            ):
                kind = "text" if mapping == (str,) else "a number"
                problems.append(_problem(path, f"'{name}' must be a mapping of word: {kind}"))
            else:
                merged[key] = {str(k).strip().lower(): v for k, v in value.items()}
            continue
        if key not in base:
            problems.append(_problem(path, f"unknown setting '{name}'", "Check the spelling."))
            continue
        default = base[key]
        if isinstance(default, dict):
            if isinstance(value, dict):
                merged[key] = _merge(default, value, f"{name}.", path, problems)
            else:
                problems.append(_problem(path, f"'{name}' must be a group of settings"))
        elif isinstance(default, bool) or not _same_type(default, value):
            problems.append(
                _problem(path, f"'{name}' must be {_kind(default)}, not {_kind(value)}")
            )
        else:
            merged[key] = [str(v) for v in value] if isinstance(default, list) else value
    return merged


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, list):
        return isinstance(value, list) and all(isinstance(v, str | int) for v in value)
    return isinstance(value, type(default))


def _kind(value: Any) -> str:
    return {
        bool: "true or false",
        int: "a whole number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a group of settings",
    }.get(type(value), type(value).__name__)


def _problem(path: Path, message: str, hint: str = "See bot/lint/defaults.yml.") -> Finding:
    return Finding("config", "error", path, 1, 1, message, hint)


def _overlay(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` laid over it: groups merged, anything else replaced."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict) and not _is_mapping(key):
            merged[key] = _overlay(base[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _is_mapping(key: str) -> bool:
    return any(name.rsplit(".", 1)[-1] == key for name in _WORD_MAPPINGS)


def _changes(base: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """What ``data`` sets differently from ``base`` (for --show-config)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in base:
            out[key] = value
        elif isinstance(value, dict) and isinstance(base[key], dict) and not _is_mapping(key):
            inner = _changes(base[key], value)
            if inner:
                out[key] = inner
        elif value != base[key]:
            out[key] = value
    return out


def _merge_languages(
    defaults: dict[str, Any],
    override: Any,
    base: dict[str, Any],
    path: Path,
    problems: list[Finding],
) -> dict[str, dict[str, Any]]:
    """Each language's full settings: ``base`` (English, with the editor's changes), the
    language's defaults, then the editor's section for it, checked like the rest."""
    result = {str(code): _overlay(base, section or {}) for code, section in defaults.items()}
    if override is None:
        return result
    if not isinstance(override, dict):
        problems.append(_problem(path, f"'{LANGUAGES}' must be a group of languages"))
        return result
    for raw_code, section in override.items():
        code = str(raw_code)
        if not _LANGUAGE_CODE.fullmatch(code):
            problems.append(
                _problem(
                    path,
                    f"'{LANGUAGES}.{code}' is not a language code",
                    "Name each language by its two-letter code (es, fr, pt).",
                )
            )
            continue
        if section is None:
            section = {}
        if not isinstance(section, dict):
            problems.append(_problem(path, f"'{LANGUAGES}.{code}' must be a group of settings"))
            continue
        start = result.get(code, base)
        result[code] = _merge(
            start, {str(k): v for k, v in section.items()}, f"{LANGUAGES}.{code}.", path, problems
        )
    return result


@dataclass(frozen=True)
class LintConfig:
    data: dict[str, Any]
    #: Folder the config was found in (relative paths in it are resolved from here).
    base: Path
    jargon: dict[str, str] = field(default_factory=dict)
    problems: tuple[Finding, ...] = ()
    #: The language these settings are for.
    language: str = DEFAULT_LANGUAGE
    #: Every language's settings, by code (English's included); empty in those settings.
    languages: dict[str, LintConfig] = field(default_factory=dict, compare=False, repr=False)

    def for_language(self, language: str) -> LintConfig | None:
        """The settings for files in ``language``; None when it has none."""
        if not self.languages:
            return self if language == self.language else None
        return self.languages.get(language)

    def section(self, name: str) -> dict[str, Any]:
        value: dict[str, Any] = self.data[name]
        return value

    #: Word sets built once from lists in ``data`` (rules ask for them per file).
    _word_sets: dict[tuple[str, str], frozenset[str]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def words(self, section: str, key: str) -> frozenset[str]:
        cached = self._word_sets.get((section, key))
        if cached is None:
            values = self.data[section][key] if section else self.data[key]
            cached = frozenset(str(w).lower() for w in values)
            self._word_sets[(section, key)] = cached
        return cached

    @property
    def abbreviations(self) -> frozenset[str]:
        return self.words("", "abbreviations")

    def severity(self, rule: str, default: str) -> str:
        level = self.data.get("severity", {}).get(rule, default)
        return str(level)


def load_config(path: Path | None, base: Path) -> LintConfig:
    """Settings from ``path`` (or the defaults when None) plus the jargon list they name."""
    data = _defaults()
    problems: list[Finding] = []
    override: Any = None
    if path is not None:
        base = path.parent
        try:
            override = load_yaml(path)
        except YamlError as err:
            problems.append(
                Finding(
                    "config",
                    "error",
                    path,
                    err.line,
                    err.column,
                    f"the settings file is {err.problem}",
                    "Check the indentation; the defaults are used until this is fixed.",
                )
            )
            override = None
        if isinstance(override, dict):
            data = _merge(data, {str(k): v for k, v in override.items()}, "", path, problems)
        elif override is not None:
            problems.append(_problem(path, "the settings file must be a list of 'name: value'"))
    for rule, level in data.get("severity", {}).items():
        if level not in ("error", "warning", "off"):
            problems.append(
                _problem(path or base, f"severity of '{rule}' must be error, warning or off")
            )
    data["severity"] = _severities(data.get("severity", {}), path or base, "", problems)
    override_languages = (
        override.get(LANGUAGES) if path is not None and isinstance(override, dict) else None
    )
    english = {k: v for k, v in data.items() if k != LANGUAGES}
    full = _merge_languages(
        data.get(LANGUAGES, {}), override_languages, english, path or base, problems
    )
    full.setdefault(DEFAULT_LANGUAGE, english)
    languages: dict[str, LintConfig] = {}
    for code, settings in full.items():
        chosen = settings.get("jargon_file")
        if code != DEFAULT_LANGUAGE and chosen == english.get("jargon_file"):
            # The English list is no use in another language: its own folder's list is.
            settings["jargon_file"] = f"{code}/jargon.yml"
        settings["severity"] = _severities(
            settings.get("severity", {}), path or base, f"{LANGUAGES}.{code}.", problems
        )
        jargon = _load_jargon(base / str(settings["jargon_file"]), problems)
        languages[code] = LintConfig(settings, base, jargon, (), code)
    data[LANGUAGES] = {code: _changes(english, full[code]) for code in full}
    main = languages[DEFAULT_LANGUAGE]
    return LintConfig(data, base, main.jargon, tuple(problems), DEFAULT_LANGUAGE, languages)


def _severities(levels: Any, path: Path, where: str, problems: list[Finding]) -> dict[str, str]:
    if not isinstance(levels, dict):
        return {}
    kept: dict[str, str] = {}
    for rule, level in levels.items():
        if level in ("error", "warning", "off"):
            kept[str(rule)] = str(level)
        elif where:  # the top level's were reported already
            problems.append(
                _problem(
                    path,
                    f"severity of '{rule}' in '{where.rstrip('.')}' must be error, warning or off",
                )
            )
    return kept


def _load_jargon(path: Path, problems: list[Finding]) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        raw = load_yaml(path)
    except YamlError as err:
        problems.append(
            Finding(
                "config",
                "error",
                path,
                err.line,
                err.column,
                f"the jargon list cannot be read: {err.problem}",
                "Write one 'word: plain alternative' per line.",
            )
        )
        return {}
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(
            Finding(
                "config",
                "error",
                path,
                1,
                1,
                "the jargon list must be 'word: plain alternative' lines",
                "Write one 'word: plain alternative' per line.",
            )
        )
        return {}
    return {str(k).strip().lower(): str(v).strip() for k, v in raw.items() if str(k).strip()}


def find_config(paths: list[Path]) -> Path | None:
    """The ``lint.yml`` beside the first folder (or file) being linted, if there is one;
    for a language folder (``content/es``) or a file in one, the content folder's."""
    for path in paths:
        folder = path if path.is_dir() else path.parent
        for candidate in (folder / CONFIG_NAME, content_root(path) / CONFIG_NAME):
            if candidate.is_file():
                return candidate
    return None
