"""Languages: a file's language is one the linter has settings for, a translation names
the English topic it translates, and every topic exists in every language offered.

A file is in a language by ``lang:`` in its front matter or by its language folder
(``content/es/``). A language is offered under a content folder once it has a file there;
then every English topic needs a version in it (or the bot answers that topic in English,
with a note), which is a warning, not an error: a topic can be published before its
translation is ready.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.lint.document import Context, LintDoc, Topic
from bot.lint.findings import Finding
from bot.lint.registry import Finder, rule
from bot.text.content import (
    DEFAULT_LANGUAGE,
    content_root,
    declared_language,
    language_of_folder,
)


def _name(ctx: Context, language: str) -> str:
    settings = ctx.settings(language)
    name = str(settings.data.get("language_name") or "") if settings is not None else ""
    return f"{name} ({language})" if name else f"“{language}”"


def _topics(doc: LintDoc, ctx: Context) -> list[Topic]:
    return ctx.topics.under(content_root(doc.path))


@rule("language", "error")
def language(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """The file's language is a language code the linter has settings for, and its
    `lang` agrees with its language folder."""
    explainer = doc.explainer
    key = "lang" if "lang" in explainer.meta else "language"
    line = doc.meta_line(key) if key in explainer.meta else 1
    code = explainer.language
    if not (len(code) == 2 and code.isascii() and code.isalpha()):
        yield found(
            line,
            1,
            f"“{explainer.meta.get(key)}” is not a language code",
            "Write the two-letter code of the language, e.g. 'lang: es'.",
        )
        return
    folder = language_of_folder(doc.path.parent)
    declared = declared_language(explainer.meta.get(key))
    if folder and declared and declared != folder:
        yield found(
            line,
            1,
            f"the file says it is in {_name(ctx, declared)} but is in the folder "
            f"“{doc.path.parent.name}/”",
            "Move the file to the folder of its language, or correct 'lang'.",
        )
    if not ctx.language_known:
        yield found(
            line,
            1,
            f"the linter has no settings for the language “{code}”",
            f"Add a section '{code}:' under 'languages:' in lint.yml (see "
            "bot/lint/defaults.yml for Spanish's), or correct the language.",
        )


@rule("translation", "error")
def translation(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """A file in another language names the English topic it translates, and only one
    file of a language translates each topic."""
    explainer = doc.explainer
    target = explainer.translates
    if not target:
        return
    line = doc.meta_line("translates")
    if explainer.language == DEFAULT_LANGUAGE:
        yield found(
            line,
            1,
            "an English file translates nothing: 'translates' is for files in other languages",
            "Remove 'translates', or add 'lang:' if the file is in another language.",
            severity="warning",
        )
        return
    topics = _topics(doc, ctx)
    english = sorted(t.command for t in topics if t.language == DEFAULT_LANGUAGE and t.command)
    if target not in english:
        yield found(
            line,
            1,
            f"'translates: {target}' names no English topic",
            "Use the command of the English file this one translates: "
            + (", ".join(english) if english else "there are no English files yet"),
        )
        return
    same = sorted(
        t.path
        for t in topics
        if t.language == explainer.language and t.translates == target and t.path != doc.path
    )
    if same and same[0] < doc.path:
        yield found(
            line,
            1,
            f"{same[0]} already translates /{target} into {_name(ctx, explainer.language)}",
            "Each topic has one file per language: merge the two, or correct 'translates'.",
        )


@rule("parity", "warning")
def parity(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """Every topic exists in every language offered (else the bot answers it in English,
    saying so); a topic in another language translates an English one."""
    explainer = doc.explainer
    topics = _topics(doc, ctx)
    if explainer.language != DEFAULT_LANGUAGE:
        if not explainer.translates:
            yield found(
                doc.meta_line("command") if "command" in explainer.meta else 1,
                1,
                f"this {_name(ctx, explainer.language)} topic translates no English topic, "
                "so English readers do not have it",
                "Add 'translates: <command of the English topic>', or write the English one.",
            )
        return
    if not explainer.command:
        return
    offered = sorted({t.language for t in topics if t.language != DEFAULT_LANGUAGE})
    for other in offered:
        if not any(t.language == other and t.translates == explainer.command for t in topics):
            yield found(
                doc.meta_line("command"),
                1,
                f"/{explainer.command} has no {_name(ctx, other)} version: those readers get "
                "it in English",
                f"Add a file in {other}/ with 'translates: {explainer.command}'.",
            )
