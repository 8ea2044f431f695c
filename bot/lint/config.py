"""Linter settings: packaged defaults, overridden by the editors' ``lint.yml``.

The defaults are a documented data file (``bot/lint/defaults.yml``), not code, and an
editor's file only lists what it changes. A mistake in the editor's file is reported as a
finding on that file and the default is kept, so one typo never stops the whole lint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from bot.lint.findings import Finding
from bot.text.yamlfile import YamlError, load_yaml, parse_yaml

CONFIG_NAME = "lint.yml"


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
        if key == "severity" and where == "":
            if not isinstance(value, dict):
                problems.append(_problem(path, f"'{name}' must be a mapping of rule: level"))
                continue
            merged[key] = {**base.get(key, {}), **value}
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


@dataclass(frozen=True)
class LintConfig:
    data: dict[str, Any]
    #: Folder the config was found in (relative paths in it are resolved from here).
    base: Path
    jargon: dict[str, str] = field(default_factory=dict)
    problems: tuple[Finding, ...] = ()

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
    data["severity"] = {
        k: v for k, v in data.get("severity", {}).items() if v in ("error", "warning", "off")
    }
    jargon = _load_jargon(base / str(data["jargon_file"]), problems)
    return LintConfig(data, base, jargon, tuple(problems))


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
    """The ``lint.yml`` beside the first folder (or file) being linted, if there is one."""
    for path in paths:
        folder = path if path.is_dir() else path.parent
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None
