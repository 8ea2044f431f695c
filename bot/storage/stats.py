"""Statistics for admins and editors: digest outcomes per hour and the questions the bot
was not sure about. Counts and masked texts only, never a chat or user id."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import delete, func, select

from bot.storage.engine import Store
from bot.storage.schema import (
    OUTCOME_RETENTION,
    QUESTION_CHARS,
    UNSURE_RETENTION,
    digest_outcomes,
    unsure_questions,
)

_EMAIL = re.compile(r"\S+@\S+")
_DIGITS = re.compile(r"\+?\d[\d\s().-]{3,}\d")
_HANDLE = re.compile(r"(?<!\w)@\w+")


def normalise_question(text_: str) -> str:
    """Lowercased, whitespace collapsed, cut to 200 characters: one row per question.

    Stored without any id, but a user may still type a phone number, an e-mail address or
    an @name into a question: those are masked before anything is written.
    """
    masked = _EMAIL.sub("<email>", text_.replace("\x00", ""))
    masked = _HANDLE.sub("<name>", _DIGITS.sub("<number>", masked))
    return " ".join(masked.lower().split())[:QUESTION_CHARS].rstrip()


def hour_of(instant: datetime) -> datetime:
    """The UTC hour bucket an instant falls in."""
    return instant.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


class Stats(Store):
    """Totals several workers add to, never clash over."""

    def record_digest_outcomes(self, counts: dict[str, int], now: datetime) -> None:
        """Add one run's outcomes to the hour's totals; several workers add up, never clash."""
        rows = [
            {"hour": hour_of(now), "outcome": outcome, "total": n}
            for outcome, n in sorted(counts.items())
            if n > 0
        ]
        if not rows:
            return
        insert = self._insert(digest_outcomes)
        statement = insert.on_conflict_do_update(
            index_elements=[digest_outcomes.c.hour, digest_outcomes.c.outcome],
            set_={"total": digest_outcomes.c.total + insert.excluded.total},
        )
        with self._write() as connection:
            connection.execute(statement, rows)
            connection.execute(
                delete(digest_outcomes).where(digest_outcomes.c.hour < now - OUTCOME_RETENTION)
            )

    def digest_outcomes_since(self, since: datetime) -> dict[str, int]:
        """Outcome totals over the hour buckets from ``since``'s hour on."""
        with self._read() as connection:
            rows = connection.execute(
                select(digest_outcomes.c.outcome, func.sum(digest_outcomes.c.total))
                .where(digest_outcomes.c.hour >= hour_of(since))
                .group_by(digest_outcomes.c.outcome)
            )
            return {outcome: int(n) for outcome, n in rows}

    def record_unsure(self, question: str, now: datetime) -> None:
        """Count one question the bot was not sure about (normalised here; empty is ignored)."""
        normalised = normalise_question(question)
        if not normalised:
            return
        insert = self._insert(unsure_questions)
        statement = insert.values(question=normalised, total=1, last_seen=now)
        statement = statement.on_conflict_do_update(
            index_elements=[unsure_questions.c.question],
            set_={
                "total": unsure_questions.c.total + 1,
                "last_seen": insert.excluded.last_seen,
            },
        )
        with self._write() as connection:
            connection.execute(statement)
            connection.execute(
                delete(unsure_questions).where(
                    unsure_questions.c.last_seen < now - UNSURE_RETENTION
                )
            )

    def top_unsure(self, limit: int = 10) -> list[tuple[str, int]]:
        """The most asked questions the bot was not sure about, most asked first."""
        with self._read() as connection:
            rows = connection.execute(
                select(unsure_questions.c.question, unsure_questions.c.total)
                .order_by(
                    unsure_questions.c.total.desc(),
                    unsure_questions.c.last_seen.desc(),
                    unsure_questions.c.question,
                )
                .limit(limit)
            )
            return [(question, int(n)) for question, n in rows]
