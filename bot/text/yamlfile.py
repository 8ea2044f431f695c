"""One way to read the YAML that editors write: UTF-8 (with or without a BOM), and every
mistake reported with its file, line and column, never as a traceback.

Content front matter, the bot's data files (messages, safety, synonyms, digest choices)
and the linter's settings all go through here, so an editor sees the same kind of message
whichever file they broke.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# libyaml's loader is about ten times faster; fall back to the pure-Python one without it.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ENCODING = "utf-8-sig"


class YamlError(ValueError):
    """A YAML file (or part of one) that cannot be read; ``str()`` is one line for editors."""

    def __init__(self, path: Path, line: int, column: int, problem: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {problem}")
        self.path = path
        self.line = line
        self.column = column
        self.problem = problem


def parse_yaml(text: str, path: Path, first_line: int = 1) -> Any:
    """The data in ``text``, which starts at line ``first_line`` of ``path``."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        column = 1 + mark.column if mark is not None else 1
        problem = getattr(err, "problem", None) or "invalid YAML"
        raise YamlError(path, line, column, f"not valid YAML: {problem}") from None


def read_text(path: Path) -> str:
    """A data file's text; YamlError (line 1) when it is missing, unreadable or not UTF-8."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise YamlError(path, 1, 1, "cannot read the file: not found") from None
    except OSError as err:
        raise YamlError(path, 1, 1, f"cannot read the file: {err.strerror or err}") from None
    try:
        return data.decode(ENCODING)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise YamlError(path, line, 1, "not valid UTF-8 text; save it as UTF-8") from None


def load_yaml(path: Path) -> Any:
    """Read and parse one YAML file (``None`` for an empty one)."""
    return parse_yaml(read_text(path), path)


def load_mapping(path: Path, what: str) -> dict[str, Any]:
    """A YAML file that must hold ``name: value`` lines (an empty file is an empty mapping)."""
    data = load_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise YamlError(path, 1, 1, f"{what} must be a list of 'name: value' lines")
    return {str(key): value for key, value in data.items()}
