"""Reader events: what readers did, counted per hour, kind, topic and language.

Counts only: no chat or user id is ever written, so no answer, view or "no, it did not
help" can be traced to a person. The questions behind a "no" are kept the way not-sure
questions are (``stats.normalise_question``: masked, lowercased, no id).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, literal_column, select

from bot.storage.engine import Store
from bot.storage.schema import EVENT_KINDS, reader_events
from bot.storage.stats import hour_of

#: Longest topic key and language code stored (the columns' widths).
_TOPIC_CHARS = 64
_LANGUAGE_CHARS = 16


class UnknownEvent(ValueError):
    """A kind of event the table does not count (a bug in the caller)."""


@dataclass(frozen=True)
class Event:
    kind: str
    topic: str
    language: str


@dataclass(frozen=True)
class EventTotal:
    topic: str
    language: str
    kind: str
    total: int


def _row(kind: str, topic: str | None, language: str, now: datetime, n: int) -> dict[str, Any]:
    if kind not in EVENT_KINDS:
        raise UnknownEvent(kind)
    return {
        "hour": hour_of(now),
        "kind": kind,
        "topic": (topic or "")[:_TOPIC_CHARS],
        "language": language[:_LANGUAGE_CHARS],
        "total": n,
    }


class Events(Store):
    """Reader event counts: several workers add to an hour's totals, never clash."""

    def record_event(
        self, kind: str, topic: str | None, language: str, now: datetime, n: int = 1
    ) -> None:
        """Count ``n`` events of ``kind`` about ``topic`` (a topic key, or None) in ``language``."""
        self.record_events([(kind, topic, language, n)], now)

    def record_events(
        self, events: Iterable[tuple[str, str | None, str, int]], now: datetime
    ) -> None:
        """Add several counts to ``now``'s hour in one transaction."""
        merged: dict[tuple[str, str, str], dict[str, Any]] = {}
        for kind, topic, language, n in events:
            row = _row(kind, topic, language, now, n)
            key = (row["kind"], row["topic"], row["language"])
            if key in merged:
                merged[key]["total"] += n
            else:
                merged[key] = row
        if not merged:
            return
        insert = self._insert(reader_events)
        statement = insert.on_conflict_do_update(
            index_elements=[
                reader_events.c.hour,
                reader_events.c.kind,
                reader_events.c.topic,
                reader_events.c.language,
            ],
            set_={"total": reader_events.c.total + insert.excluded.total},
        )
        with self._write() as connection:
            connection.execute(statement, list(merged.values()))

    def purge_events(self, now: datetime, keep: timedelta) -> int:
        """Delete the hours older than ``keep``; the number of rows deleted."""
        with self._write() as connection:
            result = connection.execute(
                delete(reader_events).where(reader_events.c.hour < hour_of(now - keep))
            )
            return int(result.rowcount or 0)

    def event_totals(self, since: datetime) -> list[EventTotal]:
        """Totals per topic, language and kind over the hours from ``since``'s hour on."""
        c = reader_events.c
        with self._read() as connection:
            rows = connection.execute(
                select(c.topic, c.language, c.kind, func.sum(c.total))
                .where(c.hour >= hour_of(since))
                .group_by(c.topic, c.language, c.kind)
            )
            return [EventTotal(t, lang, k, int(n)) for t, lang, k, n in rows]

    def weekly_events(self, since: datetime) -> dict[tuple[date, str], int]:
        """Totals per week (its Monday, UTC) and kind, from ``since``'s hour on."""
        c = reader_events.c
        week = self._week_of(c.hour)
        with self._read() as connection:
            rows = connection.execute(
                select(week.label("week"), c.kind, func.sum(c.total))
                .where(c.hour >= hour_of(since))
                .group_by(literal_column("week"), c.kind)
            )
            totals: dict[tuple[date, str], int] = {}
            for monday, kind, n in rows:
                day = _as_date(monday)
                totals[day, kind] = totals.get((day, kind), 0) + int(n)
            return totals

    def _week_of(self, column: Any) -> ColumnElement[Any]:
        if self.dialect == "sqlite":
            # Stored as "YYYY-MM-DD HH:MM:SS": the Monday on or before that day.
            return func.date(column, "weekday 0", "-6 days")
        return func.date_trunc("week", func.timezone("UTC", column))


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
