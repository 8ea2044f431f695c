"""Content files (YAML front matter + Markdown body) loaded into explainer records.

Loading never raises for an editor's mistake: a broken file becomes a `ContentProblem`
with a line number, so the linter can report it and the bot can skip it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.text.yamlfile import ENCODING, YamlError, parse_yaml

FRONT_MATTER_FENCE = "---"

#: The language of a file that says nothing and sits in no language folder.
DEFAULT_LANGUAGE = "en"
#: A language code as Telegram sends it and folders are named: ISO 639-1, two letters.
#: A front-matter value may carry a region ("es-MX", "es_419"); only the language counts.
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")
_LANGUAGE_TAG = re.compile(r"(?P<code>[a-z]{2})(?:[-_][a-z0-9]{1,8})*")


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
    #: The language it is written in: ``lang:`` in the front matter, else the language
    #: folder it sits in (``content/es/``), else English. Lowercase; for a ``lang:`` that
    #: is no language code, the value as written (lowercase), which the linter reports.
    language: str = DEFAULT_LANGUAGE
    #: In another language than English, the command of the English topic it translates
    #: ("" when the front matter has no ``translates:``).
    translates: str = ""


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


def language_of_folder(folder: Path) -> str | None:
    """The language a folder is for, when its name is a language code ("es"), else None."""
    return folder.name if _LANGUAGE_CODE.fullmatch(folder.name) else None


def content_root(path: Path) -> Path:
    """The content folder a file or folder belongs to: a language folder's parent
    (``content/es/01.md`` and ``content/es`` belong to ``content``), else its own folder."""
    folder = path if path.is_dir() else path.parent
    return folder.parent if language_of_folder(folder) else folder


def declared_language(value: Any) -> str:
    """A front matter's ``lang`` as a language code ("es-MX" is "es"); "" when there is none.

    A value that is not a language code comes back lowercased as written, so that the
    linter can say so; a value that is not text comes back as its text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    text = str(value).strip().lower()
    match = _LANGUAGE_TAG.fullmatch(text)
    return match.group("code") if match else text


def _language(meta: dict[str, Any], path: Path) -> str:
    declared = declared_language(meta.get("lang", meta.get("language")))
    return declared or language_of_folder(path.parent) or DEFAULT_LANGUAGE


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
        language=_language(meta, path),
        translates=_str(meta.get("translates")).lstrip("/"),
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


def content_tree(directory: Path) -> list[Path]:
    """Explainer files of a content folder and of its language folders (``es/``, any
    subfolder named by a language code): the folder's own files first, then each language
    folder's, in name order."""
    files = content_files(directory)
    try:
        children = sorted(p for p in directory.iterdir() if p.is_dir())
    except OSError:  # gone or unreadable: as glob, no files rather than an error
        children = []
    for child in children:
        if language_of_folder(child):
            files.extend(content_files(child))
    return files


def load_directory(directory: Path) -> tuple[list[Explainer], list[ContentProblem]]:
    """The explainers of one folder (not its language folders: see ``content_tree``)."""
    explainers: list[Explainer] = []
    problems: list[ContentProblem] = []
    for path in content_files(directory):
        result = load_file(path)
        (explainers if isinstance(result, Explainer) else problems).append(result)  # type: ignore[arg-type]
    explainers.sort(key=lambda e: (e.order, e.command))
    return explainers, problems


#: Answers a quick check may offer (buttons on a phone: two to four).
CHECK_ANSWERS = (2, 4)


@dataclass(frozen=True)
class Check:
    """A quick check after an explainer (``check:`` in the front matter): one question, two
    to four answers, which is right (``right:``, counted from 1), a one-line explanation,
    and ``source:``, the article's words that back the right answer."""

    question: str
    answers: tuple[str, ...]
    #: The right answer's index in ``answers`` (0-based here; the file counts from 1).
    right: int
    explanation: str
    source: str


def read_check(value: Any) -> tuple[Check | None, list[str]]:
    """The front matter's ``check:`` as a Check, or None and what is wrong with it."""
    if value is None:
        return None, []
    if not isinstance(value, dict):
        return None, ["'check' must be a mapping: question, answers, right, explanation, source"]
    problems: list[str] = []
    fields = ("question", "answers", "right", "explanation", "source")
    for name in value:
        if name not in fields:
            problems.append(f"unknown field 'check.{name}' (known: {', '.join(fields)})")
    texts = {}
    for name in ("question", "explanation", "source"):
        text = value.get(name)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"'check.{name}' must be text")
        else:
            texts[name] = " ".join(text.split())
    answers = value.get("answers")
    if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        problems.append("'check.answers' must be a list of answers")
        answers = []
    answers = [" ".join(a.split()) for a in answers]
    low, high = CHECK_ANSWERS
    if answers and not low <= len(answers) <= high:
        problems.append(f"'check.answers' must have {low} to {high} answers, not {len(answers)}")
    if len({a.casefold() for a in answers}) != len(answers):
        problems.append("'check.answers' must all be different")
    right = value.get("right")
    if not isinstance(right, int) or isinstance(right, bool) or not 1 <= right <= len(answers):
        problems.append(
            f"'check.right' must be the number of the one right answer, 1 to {len(answers)}"
        )
    if problems:
        return None, problems
    assert isinstance(right, int)
    check = Check(
        texts["question"], tuple(answers), right - 1, texts["explanation"], texts["source"]
    )
    return check, []
