"""Admin commands (/stats, /reload, /preview) as plain functions: no Telegram objects here.

Only chats listed in ``ADMIN_CHAT_IDS`` reach these; ``handlers`` answers anyone else with
the ordinary unknown-command reply, so the commands are not even hinted at. Every text
comes from ``messages.yml``; whatever is filled in from files or users is escaped here.

The functions that read the database or lint the content folder are synchronous, like
``store``; the handlers call them through ``asyncio.to_thread``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot import metrics
from bot.conversation import report
from bot.conversation.topics import topic_messages
from bot.knowledge.catalog import Catalog, CatalogError, Topic, build_catalog
from bot.knowledge.outgoing import OutMessage, Reply
from bot.lint.findings import Finding
from bot.lint.runner import UsageError, lint_paths, problem_finding
from bot.settings import Settings
from bot.storage.database import Database, hour_of
from bot.text.content import ContentProblem, Explainer, content_files, load_file, read_check
from bot.text.render import (
    MAX_MESSAGE_CHARS,
    escape,
    pack,
    render_explainer,
    split_message,
    visible_length,
)

#: The admin commands; never registered with setMyCommands.
COMMANDS = frozenset({"stats", "reload", "preview"})
#: Questions shown by /stats.
TOP_QUESTIONS = 10
#: /stats shows the reader figures of this many days (``python -m bot report`` any span).
READER_DAYS = 30
#: Findings listed in one answer; an editor fixes the first ones first anyway.
MAX_FINDINGS = 20
#: A finding's message is cut here, so 20 of them stay readable on a phone.
MAX_FINDING_CHARS = 240
#: /stats counts digests over the current hour bucket and the 23 before it.
STATS_HOURS = 24


def is_admin(settings: Settings | None, chat_id: int) -> bool:
    return settings is not None and chat_id in settings.admin_chat_ids


def split_lines(html_text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Telegram-sized parts cut between lines, keeping single line breaks.

    Admin texts hold no tag across a line break, so every part stays valid HTML.
    """
    if visible_length(html_text) <= limit:
        return [html_text]
    pieces = [
        piece
        for line in html_text.split("\n")
        for piece in ([line] if visible_length(line) <= limit else split_message(line, limit))
    ]
    return pack(pieces, "\n", limit)


def _reply(html_text: str, kind: str) -> Reply:
    return Reply(tuple(OutMessage(part) for part in split_lines(html_text)), kind)


def _shown_path(path: Path, content_dir: Path) -> str:
    try:
        return str(path.relative_to(content_dir))
    except ValueError:
        return path.name


def finding_lines(
    catalog: Catalog, findings: Sequence[Finding], content_dir: Path, *, severity: bool = False
) -> str:
    """At most ``MAX_FINDINGS`` lines of "file:line rule: message", escaped for HTML."""
    lines: list[str] = []
    for finding in findings[:MAX_FINDINGS]:
        message = finding.message
        if len(message) > MAX_FINDING_CHARS:
            message = message[: MAX_FINDING_CHARS - 1] + "…"
        level = f"{finding.severity} " if severity else ""
        where = f"{_shown_path(finding.path, content_dir)}:{finding.line}"
        lines.append(escape(f"{where}: {level}{finding.rule}: {message}"))
    if len(findings) > MAX_FINDINGS:
        lines.append(
            catalog.messages.get("admin_findings_more", count=str(len(findings) - MAX_FINDINGS))
        )
    return "\n".join(lines)


# --- /stats --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    """What /stats shows: counts only, never a chat or user id."""

    subscribers: dict[str, int]
    #: Digest outcomes ("sent", "up_to_date", "failed", "ended") since ``since``.
    outcomes: dict[str, int]
    #: (normalised question, times asked), most asked first.
    questions: list[tuple[str, int]]
    since: datetime
    #: The reader report's headline figures over ``READER_DAYS`` (views, yes, no...).
    readers: dict[str, int] = dataclasses.field(default_factory=dict)


def collect_stats(
    database: Database, now: datetime, top: int = TOP_QUESTIONS, catalog: Catalog | None = None
) -> Stats:
    """Read the shared totals, so every replica shows the same numbers after restarts."""
    since = hour_of(now) - timedelta(hours=STATS_HOURS - 1)
    return Stats(
        subscribers=database.count_by_cadence(),
        outcomes=database.digest_outcomes_since(since),
        questions=database.top_unsure(top),
        since=since,
        readers=report.headline(report.collect(database, catalog, now, timedelta(days=READER_DAYS)))
        if catalog is not None
        else {},
    )


def stats_reply(catalog: Catalog, stats: Stats) -> Reply:
    messages = catalog.messages
    subscribers = ", ".join(
        messages.get("admin_stats_cadence", cadence=cadence, count=str(count))
        for cadence, count in stats.subscribers.items()
    )
    questions = "\n".join(
        messages.get("admin_stats_question", count=str(count), question=question)
        for question, count in stats.questions
    ) or messages.get("admin_stats_no_questions")
    text = messages.raw(
        "admin_stats",
        subscribers=subscribers,
        since=escape(stats.since.strftime("%Y-%m-%d %H:%M")),
        sent=str(stats.outcomes.get("sent", 0)),
        up_to_date=str(stats.outcomes.get("up_to_date", 0)),
        failed=str(stats.outcomes.get("failed", 0)),
        ended=str(stats.outcomes.get("ended", 0)),
        questions=questions,
    )
    if stats.readers:
        readers = messages.get(
            "admin_stats_readers",
            days=str(READER_DAYS),
            **{k: str(v) for k, v in stats.readers.items()},
        )
        text = f"{text}\n\n{readers}"
    return _reply(text, "admin_stats")


def no_database(catalog: Catalog) -> Reply:
    return _reply(catalog.messages.get("admin_no_database"), "admin_stats")


# --- /reload -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reloaded:
    """The catalog to serve from now on, or why the old one stays."""

    catalog: Catalog | None
    refusal: Reply | None = None


def reload_content(
    current: Catalog, content_dir: Path, *, seeds_dir: Path | None = None
) -> Reloaded:
    """Lint and build the folder again; all or nothing.

    Start-up serves the files that pass and skips the rest, but a reload that dropped a
    topic patients are reading, because of one typo, would be worse than no reload: any
    error keeps the old catalog, whole, and the admin gets the findings.
    """
    try:
        fresh = build_catalog(content_dir, seeds_dir=seeds_dir)
    except (CatalogError, UsageError) as err:
        metrics.TOPICS.set(len(current.topics))
        text = current.messages.get("admin_reload_broken", problem=str(err))
        return Reloaded(None, _reply(text, "admin_reload"))
    if fresh.rejected:
        metrics.TOPICS.set(len(current.topics))
        findings = [f for path in sorted(fresh.rejected) for f in fresh.rejected[path]]
        text = current.messages.raw(
            "admin_reload_refused",
            errors=str(len(findings)),
            files=str(len(fresh.rejected)),
            findings=finding_lines(current, findings, content_dir),
        )
        return Reloaded(None, _reply(text, "admin_reload"))
    return Reloaded(fresh)


def reload_done(catalog: Catalog, *, registered: bool) -> Reply:
    key = "admin_reload_done" if registered else "admin_reload_unregistered"
    commands = ", ".join(f"/{t.command}" for t in catalog.topics)
    return _reply(
        catalog.messages.get(key, count=str(len(catalog.topics)), commands=commands),
        "admin_reload",
    )


# --- /preview ------------------------------------------------------------------------------


def _find(
    loaded: dict[Path, Explainer | ContentProblem], wanted: str
) -> tuple[Path, Explainer | ContentProblem] | None:
    """A file by its command first, else by its file name (with or without ``.md``)."""
    for path, item in loaded.items():
        if isinstance(item, Explainer) and item.command.lower() == wanted:
            return path, item
    for path, item in loaded.items():
        if wanted in (path.name.lower(), path.stem.lower()):
            return path, item
    return None


def _file_list(catalog: Catalog, loaded: dict[Path, Explainer | ContentProblem]) -> str:
    lines: list[str] = []
    for path, item in loaded.items():
        if isinstance(item, Explainer) and item.command:
            lines.append(
                catalog.messages.get("admin_preview_file", command=item.command, file=path.name)
            )
        else:
            lines.append(catalog.messages.get("admin_preview_file_broken", file=path.name))
    return "\n".join(lines)


def preview_topic(explainer: Explainer) -> Topic:
    """The explainer rendered exactly as ``build_catalog`` renders a served one."""
    title = explainer.title or explainer.path.name
    return Topic(
        command=explainer.command or explainer.path.stem,
        title=title,
        summary=explainer.summary,
        order=explainer.order,
        parts=tuple(split_message(render_explainer(title, explainer.body))),
        translates=explainer.translates,
        check=read_check(explainer.meta.get("check"))[0],
    )


def _with_topic(catalog: Catalog, topic: Topic) -> Catalog:
    """The catalog as it would be with this topic published, for its "Next" button."""
    others = [t for t in catalog.topics if t.command != topic.command]
    topics = sorted([*others, topic], key=lambda t: (t.order, t.command))
    return dataclasses.replace(catalog, topics=tuple(topics))


def _lint_summary(
    catalog: Catalog, path: Path, content_dir: Path, command: str, seeds_dir: Path | None
) -> str:
    try:
        # The whole folder, as a reload would: duplicate commands are checked across files.
        report = lint_paths([content_dir], seeds_dir=seeds_dir)
    except UsageError as err:
        return catalog.messages.get("admin_lint_failed", problem=str(err))
    target = path.resolve()
    findings = [f for f in report.findings if f.path.resolve() == target]
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity != "error"]
    served_key = "admin_preview_served" if catalog.topic(command) else "admin_preview_not_served"
    served = catalog.messages.get(served_key, command=command)
    if not errors:
        clean = catalog.messages.raw(
            "admin_preview_lint_clean", warnings=str(len(warnings)), served=served
        )
        listed = finding_lines(catalog, warnings, content_dir, severity=True)
        return f"{clean}\n{listed}" if listed else clean
    return catalog.messages.raw(
        "admin_preview_lint",
        errors=str(len(errors)),
        warnings=str(len(warnings)),
        served=served,
        findings=finding_lines(catalog, errors + warnings, content_dir, severity=True),
    )


def preview(
    catalog: Catalog, content_dir: Path, argument: str, *, seeds_dir: Path | None = None
) -> Reply:
    """A file on disk as users would get it, marked as a preview, with its lint summary.

    Read from disk even when it fails lint: an editor wants to see the draft before it
    passes. The buttons are the real ones (next topic, all topics), so they work.
    """
    loaded = {path: load_file(path) for path in content_files(content_dir)}
    wanted = argument.strip().split(maxsplit=1)[0].lstrip("/").lower() if argument.strip() else ""
    files = _file_list(catalog, loaded)
    if not wanted:
        example = catalog.topics[0].command if catalog.topics else "symptoms"
        text = catalog.messages.raw("admin_preview_usage", example=escape(example), files=files)
        return _reply(text, "admin_preview")
    found = _find(loaded, wanted)
    if found is None:
        text = catalog.messages.raw(
            "admin_preview_unknown", command=escape(f"/{wanted}"), files=files
        )
        return _reply(text, "admin_preview")
    path, item = found
    marker = catalog.messages.get("admin_preview_marker")
    if isinstance(item, ContentProblem):
        text = catalog.messages.raw(
            "admin_preview_unreadable",
            file=escape(path.name),
            findings=finding_lines(catalog, [problem_finding(item)], content_dir, severity=True),
        )
        return _reply(f"{marker}\n{text}", "admin_preview")
    topic = preview_topic(item)
    shown = topic_messages(_with_topic(catalog, topic), topic, intro=marker)
    summary = _lint_summary(catalog, path, content_dir, topic.command, seeds_dir)
    lint_parts = [OutMessage(part) for part in split_lines(summary)]
    return Reply((*shown, *lint_parts), "admin_preview", topic.command)
