"""Structure: front matter, the command, title, summary, examples, length, and what
Telegram will accept and show."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bot.commands import RESERVED
from bot.lint.document import Context, LintDoc, topic_of
from bot.lint.findings import Finding
from bot.lint.registry import Finder, rule
from bot.text.content import content_root
from bot.text.plaintext import split_sentences
from bot.text.render import MAX_MESSAGE_CHARS
from bot.text.telegram_html import TelegramHtmlError, parse_html

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")


@rule("front-matter", "error")
def front_matter(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Required fields are present and of the right kind; unknown fields are likely typos."""
    structure = ctx.config.section("structure")
    meta = doc.explainer.meta
    required = [str(f) for f in structure["required_fields"]]
    allowed = set(required) | {str(f) for f in structure["optional_fields"]}
    for name in required:
        if meta.get(name) in (None, "", []):
            yield found(
                doc.meta_line(name) if name in meta else 2,
                1,
                f"required field '{name}' is missing or empty",
                f"Add '{name}:' to the front matter.",
            )
    expectations: dict[str, tuple[Callable[[Any], bool], str]] = {
        "title": (lambda v: isinstance(v, str), "text"),
        "command": (lambda v: isinstance(v, str), "text"),
        "summary": (lambda v: isinstance(v, str), "text"),
        "order": (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
        "examples": (
            lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
            "a list of questions",
        ),
        "sources": (
            lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
            "a list of quotes",
        ),
        "lang": (lambda v: isinstance(v, str), "a language code such as es"),
        "translates": (lambda v: isinstance(v, str), "the command of an English topic"),
    }
    for name, (ok, kind) in expectations.items():
        value = meta.get(name)
        if value not in (None, "", []) and not ok(value):
            yield found(
                doc.meta_line(name),
                1,
                f"field '{name}' must be {kind}",
                "Lists are written as lines starting with '  - '.",
            )
    for name in meta:
        if name not in allowed:
            yield found(
                doc.meta_line(name),
                1,
                f"unknown field '{name}'",
                "Check the spelling; known fields: " + ", ".join(sorted(allowed)),
                severity="warning",
            )


@rule("command", "error")
def command(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """The command is valid for Telegram, not reserved, and unique across files."""
    name = doc.explainer.command
    if not name:
        return
    line = doc.meta_line("command")
    if not _COMMAND.match(name):
        yield found(
            line,
            1,
            f"'{name}' is not a valid Telegram command",
            "Use 1 to 32 characters: lowercase a-z, digits 0-9 and '_'.",
        )
    elif name in RESERVED:
        yield found(
            line,
            1,
            f"/{name} is used by the bot itself",
            "Choose another command name for this topic.",
        )
    first = ctx.commands.get(name)
    if first is not None and first != doc.path and not _same_topic(ctx, first, doc):
        yield found(
            line,
            1,
            f"/{name} is already used by {first}",
            "Each topic needs its own command.",
        )


def _same_topic(ctx: Context, other: Path, doc: LintDoc) -> bool:
    """Two files of one topic in two languages may share a command (a Spanish file that
    keeps /symptoms for the topic it translates)."""
    mine = topic_of(doc.explainer)
    theirs = next((t for t in ctx.topics.under(content_root(other)) if t.path == other), None)
    return (
        theirs is not None
        and theirs.language != mine.language
        and bool(mine.key)
        and theirs.key == mine.key
    )


@rule("title", "error")
def title(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """The title fits on a menu button."""
    limit = int(ctx.config.section("structure")["max_title_chars"])
    if len(doc.explainer.title) > limit:
        yield found(
            doc.meta_line("title"),
            1,
            f"title of {len(doc.explainer.title)} characters (limit {limit})",
            "Shorten the title: it is also the menu button.",
        )


@rule("summary", "error")
def summary(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """The summary is one sentence, short enough for a menu or a digest line."""
    text = doc.explainer.summary
    if not text:
        return
    limit = int(ctx.config.section("structure")["max_summary_chars"])
    line = doc.meta_line("summary")
    if len(text) > limit:
        yield found(
            line,
            1,
            f"summary of {len(text)} characters (limit {limit})",
            "Say the main point in one short sentence.",
        )
    if len(split_sentences(text, ctx.config.abbreviations)) > 1:
        yield found(
            line,
            1,
            "the summary has more than one sentence",
            "Keep only the sentence with the main message.",
            severity="warning",
        )


@rule("examples", "warning")
def examples(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Enough example questions for the bot to recognise the topic."""
    minimum = int(ctx.config.section("structure")["min_examples"])
    count = len(doc.explainer.examples)
    if 0 < count < minimum:
        yield found(
            doc.meta_line("examples"),
            1,
            f"only {count} example question(s) (at least {minimum} help the bot)",
            "Add questions a patient might type, in their own words.",
        )


@rule("body-length", "error")
def body_length(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """The body is there and fits about one phone screen."""
    structure = ctx.config.section("structure")
    words = doc.plain.word_count
    line = doc.explainer.body_line
    chars = len(doc.explainer.body.strip())
    if words == 0:
        yield found(
            line,
            1,
            "the explainer has no text",
            "Write the explainer below the front matter.",
        )
        return
    if words < int(structure["min_body_words"]):
        yield found(
            line,
            1,
            f"only {words} words",
            "Add what the reader needs: the main message, what it means, a next step.",
            severity="warning",
        )
    if words > int(structure["max_body_words"]) or chars > int(structure["max_body_chars"]):
        yield found(
            line,
            1,
            f"{words} words, {chars} characters: longer than one phone screen "
            f"(limits {structure['max_body_words']} words, {structure['max_body_chars']} chars)",
            "Cut to the main message, or split the topic in two.",
        )


@rule("message", "error")
def message(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """The message as sent is valid Telegram HTML of at most 4,096 characters."""
    line = doc.explainer.body_line
    try:
        parsed = parse_html(doc.html, strict=True)
    except TelegramHtmlError as err:
        yield found(
            line,
            1,
            f"Telegram would reject this message: {err}",
            "Remove the formatting near the problem; this is likely a bug worth reporting.",
        )
        return
    length = len(parsed.text)
    if length > MAX_MESSAGE_CHARS:
        yield found(
            line,
            1,
            f"the message is {length} characters; Telegram allows {MAX_MESSAGE_CHARS}",
            "Shorten the explainer.",
        )


@rule("markdown", "warning")
def markdown(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Markdown that Telegram cannot show (tables, images, raw HTML)."""
    for item in doc.document.unsupported:
        yield found(
            item.line,
            item.column,
            f"{item.what} is shown as typed: Telegram cannot display it",
            "Use plain sentences, lists, **bold** and [links](https://...) only.",
        )
