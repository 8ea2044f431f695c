"""Content files (YAML front matter + Markdown body) loaded into explainer records.

Loading never raises for an editor's mistake: a broken file becomes a `ContentProblem`
with a line number, so the linter can report it and the bot can skip it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.text.yamlfile import ENCODING, YamlError, parse_yaml

FRONT_MATTER_FENCE = "---"


@dataclass(frozen=True)
class Explainer:
    """One topic as an editor wrote it."""

    path: Path
    title: str
    command: str
    order: int
    summary: str
    examples: tuple[str, ...]
    sources: tuple[str, ...]
    body: str
    #: 1-based line of the file where the body starts, to map body positions to file lines.
    body_line: int
    #: The raw front matter mapping, for rules that check fields.
    meta: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    #: 1-based line of each top-level front-matter key.
    meta_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class ContentProblem:
    """Why a file could not be read as an explainer, and where."""

    path: Path
    line: int
    column: int
    message: str
    hint: str


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _str_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    if isinstance(value, list):
        return tuple(
            str(v).strip() for v in value if isinstance(v, str | int | float) and str(v).strip()
        )
    return ()


def _order(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return 0


def _key_lines(front: str, first_line: int) -> dict[str, int]:
    lines: dict[str, int] = {}
    for offset, raw in enumerate(front.splitlines()):
        if raw and not raw[0].isspace() and not raw.startswith("#") and ":" in raw:
            key = raw.split(":", 1)[0].strip().strip("'\"")
            lines.setdefault(key, first_line + offset)
    return lines


def parse_explainer(path: Path, data: bytes) -> Explainer | ContentProblem:
    """Parse one file's bytes; a problem is returned, not raised."""
    if not data.strip():
        return ContentProblem(
            path,
            1,
            1,
            "the file is empty",
            "Start with '---', the front matter, '---', then the text.",
        )
    if b"\x00" in data:
        return ContentProblem(
            path,
            1,
            1,
            "this looks like a binary file, not text",
            "Save the explainer as plain UTF-8 Markdown.",
        )
    try:
        text = data.decode(ENCODING)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        return ContentProblem(
            path, line, 1, "the file is not valid UTF-8 text", "Save the file with UTF-8 encoding."
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[0].strip() != FRONT_MATTER_FENCE:
        return ContentProblem(
            path,
            1,
            1,
            "no front matter: the file must start with a line '---'",
            "Add the fields (title, command, order, summary, examples, sources) "
            "between two '---' lines at the top.",
        )
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FRONT_MATTER_FENCE)
    except StopIteration:
        return ContentProblem(
            path, 1, 1, "the front matter is never closed", "Add a line '---' after the last field."
        )
    front = "\n".join(lines[1:end])
    try:
        meta = parse_yaml(front, path, first_line=2)
    except YamlError as err:
        return ContentProblem(
            path,
            err.line,
            err.column,
            f"the front matter is {err.problem}",
            "Check the indentation and quote values that contain ':' or '#'.",
        )
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return ContentProblem(
            path,
            2,
            1,
            "the front matter must be a list of 'field: value' lines",
            "Write each field as 'name: value'.",
        )
    meta = {str(k): v for k, v in meta.items()}
    body_line = end + 2
    body = "\n".join(lines[end + 1 :])
    return Explainer(
        path=path,
        title=_str(meta.get("title")),
        command=_str(meta.get("command")).lstrip("/"),
        order=_order(meta.get("order")),
        summary=_str(meta.get("summary")),
        examples=_str_list(meta.get("examples")),
        sources=_str_list(meta.get("sources")),
        body=body,
        body_line=body_line,
        meta=meta,
        meta_lines=_key_lines(front, 2),
    )


def load_file(path: Path) -> Explainer | ContentProblem:
    try:
        data = path.read_bytes()
    except OSError as err:
        return ContentProblem(
            path,
            1,
            1,
            f"cannot read the file: {err.strerror}",
            "Check the file exists and can be read.",
        )
    return parse_explainer(path, data)


def content_files(directory: Path) -> list[Path]:
    """Explainer files in a folder: every *.md, sorted, README.md excepted."""
    return sorted(p for p in directory.glob("*.md") if p.name.lower() != "readme.md")


def load_directory(directory: Path) -> tuple[list[Explainer], list[ContentProblem]]:
    explainers: list[Explainer] = []
    problems: list[ContentProblem] = []
    for path in content_files(directory):
        result = load_file(path)
        (explainers if isinstance(result, Explainer) else problems).append(result)  # type: ignore[arg-type]
    explainers.sort(key=lambda e: (e.order, e.command))
    return explainers, problems
