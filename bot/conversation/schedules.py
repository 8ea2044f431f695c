"""Schedules in words: what a subscriber reads about their digest, in the catalog's language.

``bot.schedule`` does the time arithmetic and reports what it cannot read as a key; the
sentences, day and month names and date format all come from ``messages.yml`` here.
"""

from __future__ import annotations

from datetime import datetime

from bot.knowledge.messages import Messages
from bot.schedule import DigestSpec, ScheduleError


def describe(messages: Messages, spec: DigestSpec) -> str:
    """'daily at 09:00, Europe/Berlin' or 'weekly on Monday at 18:30, UTC' (as plain text)."""
    clock = spec.local_time.strftime("%H:%M")
    if spec.cadence == "weekly" and spec.weekday is not None:
        day = messages.words("weekdays")[spec.weekday]
        return messages.raw("schedule_weekly", day=day, time=clock, zone=spec.zone)
    return messages.raw("schedule_daily", time=clock, zone=spec.zone)


def when(messages: Messages, instant: datetime, spec: DigestSpec) -> str:
    """An instant in the subscriber's own zone: 'Mon 02 Mar at 09:00'."""
    local = instant.astimezone(spec.tzinfo())
    return messages.raw(
        "when",
        weekday=messages.words("weekdays_short")[local.weekday()],
        day=f"{local.day:02d}",
        month=messages.words("months_short")[local.month - 1],
        time=local.strftime("%H:%M"),
    )


def problem(messages: Messages, err: ScheduleError) -> str:
    """The sentence for what could not be read, with an example of the right form (HTML)."""
    daily = messages.get("sched_example_daily")
    weekly = messages.get("sched_example_weekly")
    fields = dict(err.fields)
    if err.options:
        fields["options"] = f" {messages.raw('word_or')} ".join(err.options)
    return messages.get(
        f"sched_{err.key}",
        example=weekly if err.cadence == "weekly" else daily,
        example_daily=daily,
        example_weekly=weekly,
        **fields,
    )
