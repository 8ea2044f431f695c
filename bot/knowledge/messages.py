"""The bot's own words (``content/messages.yml``), checked once at start.

Keeping them in a data file lets editors change wording, and later add a language, without
code. Values filled in at run time are HTML-escaped here, so a user's name such as
``<b>&`` can never break a message.
"""

from __future__ import annotations

import html
import string
from dataclasses import dataclass, field
from pathlib import Path

from bot.commands import MENU_KEYS
from bot.text.yamlfile import YamlError, load_mapping

FILE_NAME = "messages.yml"

#: Every message the code uses, with the fields it fills in.
REQUIRED: dict[str, frozenset[str]] = {
    "welcome": frozenset({"name"}),
    "welcome_no_name": frozenset(),
    "help": frozenset({"commands"}),
    "topics": frozenset(),
    "routed": frozenset({"title"}),
    "not_sure": frozenset(),
    "did_you_mean": frozenset(),
    "helpful_ask": frozenset(),
    "helpful_yes_button": frozenset(),
    "helpful_no_button": frozenset(),
    "helpful_thanks": frozenset(),
    "helpful_sorry": frozenset(),
    "check_button": frozenset(),
    "check_right": frozenset({"explanation"}),
    "check_wrong": frozenset({"answer", "explanation", "source", "sentence"}),
    "smalltalk_greeting": frozenset(),
    "smalltalk_thanks": frozenset(),
    "smalltalk_goodbye": frozenset(),
    "unknown_command": frozenset(),
    "unsupported": frozenset(),
    "too_long": frozenset(),
    "empty": frozenset(),
    "slow_down": frozenset(),
    "error": frozenset(),
    "next_button": frozenset({"title"}),
    "menu_button": frozenset(),
    "digest": frozenset({"title", "summary"}),
    "digest_read_button": frozenset(),
    "digest_up_to_date": frozenset(),
    "sub_ask_cadence": frozenset(),
    "sub_ask_weekday": frozenset(),
    "sub_ask_time": frozenset(),
    "sub_ask_zone": frozenset(),
    "sub_type_zone": frozenset(),
    "sub_done": frozenset({"schedule", "first"}),
    "sub_bad": frozenset({"problem"}),
    "settings_none": frozenset(),
    "settings": frozenset({"schedule", "next"}),
    "unsubscribed": frozenset(),
    "privacy": frozenset({"stored"}),
    "privacy_nothing": frozenset(),
    "delete_confirm": frozenset(),
    "deleted": frozenset(),
    "delete_cancelled": frozenset(),
    "btn_daily": frozenset(),
    "btn_weekly": frozenset(),
    "btn_type_zone": frozenset(),
    "btn_change": frozenset(),
    "btn_stop": frozenset(),
    "btn_delete_yes": frozenset(),
    "btn_delete_no": frozenset(),
    "admin_stats": frozenset(
        {"subscribers", "since", "sent", "up_to_date", "failed", "ended", "questions"}
    ),
    "admin_stats_cadence": frozenset({"cadence", "count"}),
    "admin_stats_readers": frozenset({"days", "views", "yes", "no", "right_first", "not_sure"}),
    "admin_stats_question": frozenset({"count", "question"}),
    "admin_stats_no_questions": frozenset(),
    "admin_no_database": frozenset(),
    "admin_reload_done": frozenset({"count", "commands"}),
    "admin_reload_unregistered": frozenset({"count", "commands"}),
    "admin_reload_refused": frozenset({"errors", "files", "findings"}),
    "admin_reload_broken": frozenset({"problem"}),
    "admin_findings_more": frozenset({"count"}),
    "admin_preview_marker": frozenset(),
    "admin_preview_lint_clean": frozenset({"warnings", "served"}),
    "admin_preview_lint": frozenset({"errors", "warnings", "served", "findings"}),
    "admin_preview_served": frozenset({"command"}),
    "admin_preview_not_served": frozenset({"command"}),
    "admin_preview_unreadable": frozenset({"file", "findings"}),
    "admin_preview_unknown": frozenset({"command", "files"}),
    "admin_preview_usage": frozenset({"example", "files"}),
    "admin_preview_file": frozenset({"command", "file"}),
    "admin_preview_file_broken": frozenset({"file"}),
    "admin_lint_failed": frozenset({"problem"}),
    "schedule_daily": frozenset({"time", "zone"}),
    "schedule_weekly": frozenset({"day", "time", "zone"}),
    "when": frozenset({"weekday", "day", "month", "time"}),
    "word_or": frozenset(),
    "sched_example_daily": frozenset(),
    "sched_example_weekly": frozenset(),
    **{
        f"sched_{key}": frozenset({"example", "example_daily", "example_weekly", *extra})
        for key, extra in {
            "cadence": (),
            "weekly_needs_day": (),
            "daily_has_no_day": (),
            "minutes": (),
            "time": ("text",),
            "zone": ("zone",),
            "offset": ("zone",),
            "city": ("zone", "options", "first"),
            "day": ("day",),
            "empty": (),
            "which_day": (),
            "start": (),
            "what_time": (),
            "which_zone": (),
        }.items()
    },
    **{key: frozenset() for key in MENU_KEYS},
}

#: Lists of words (day and month names), with how many each must have.
REQUIRED_LISTS: dict[str, int] = {"weekdays": 7, "weekdays_short": 7, "months_short": 12}


class MessagesError(ValueError):
    """The messages file is missing, unreadable, or lacks a message the bot needs."""


@dataclass(frozen=True)
class Messages:
    texts: dict[str, str]
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def words(self, key: str) -> tuple[str, ...]:
        """A list of words, such as the day names."""
        return self.lists[key]

    def get(self, key: str, **fields: str) -> str:
        """The message with fields filled in, each escaped for Telegram HTML."""
        template = self.texts[key]
        if not fields:
            return template
        return template.format(**{k: html.escape(v, quote=False) for k, v in fields.items()})

    def raw(self, key: str, **fields: str) -> str:
        """The message with fields filled in as given (already-safe HTML, or button text)."""
        return self.texts[key].format(**fields)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def load_messages(folder: Path) -> Messages:
    path = folder / FILE_NAME
    try:
        data = load_mapping(path, "the messages file")
    except YamlError as err:
        raise MessagesError(str(err)) from None
    texts = {
        k: str(v).strip() for k, v in data.items() if v is not None and not isinstance(v, list)
    }
    lists = {k: tuple(str(w).strip() for w in v) for k, v in data.items() if isinstance(v, list)}
    for key, needed in REQUIRED.items():
        if not texts.get(key):
            raise MessagesError(f"{path}: the message '{key}' is missing or empty")
        try:
            found = _fields(texts[key])
        except ValueError as err:
            raise MessagesError(f"{path}: message '{key}' has a broken {{field}}: {err}") from None
        if found - needed:
            unknown = ", ".join(sorted(found - needed))
            raise MessagesError(f"{path}: message '{key}' uses unknown field(s): {unknown}")
    for key, count in REQUIRED_LISTS.items():
        if len(lists.get(key, ())) != count or not all(lists[key]):
            raise MessagesError(f"{path}: '{key}' must be a list of {count} words")
    return Messages(texts, lists)
