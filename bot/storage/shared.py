"""State the replicas share through the database: pending steps, languages, the content version.

Behind a load balancer each message of a chat may reach another replica, so nothing a
multi-step flow needs between two messages may live in one process's memory.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from bot.storage.engine import Store
from bot.storage.schema import PENDING_FOR, chat_languages, content_version, pending_steps


class SharedState(Store):
    def set_pending(self, chat_id: int, step: str, state: str, now: datetime) -> None:
        """The chat's next message completes ``step`` (with the choices in ``state``)."""
        values = {"step": step, "state": state[:64], "expires_at": now + PENDING_FOR}
        insert = self._insert(pending_steps).values(chat_id=chat_id, **values)
        with self._write() as connection:
            connection.execute(
                insert.on_conflict_do_update(index_elements=["chat_id"], set_=values)
            )

    def pop_pending(self, chat_id: int, now: datetime) -> tuple[str, str] | None:
        """The chat's pending step and its state, taken (so it completes once), or None."""
        row = pending_steps.c
        with self._read() as connection:  # most messages have none: no write for them
            waiting = connection.execute(
                select(row.chat_id).where(row.chat_id == chat_id)
            ).one_or_none()
        if waiting is None:
            return None
        with self._write() as connection:
            found = connection.execute(
                select(row.step, row.state, row.expires_at).where(row.chat_id == chat_id)
            ).one_or_none()
            if found is None:
                return None
            connection.execute(delete(pending_steps).where(row.chat_id == chat_id))
        step, state, expires_at = found
        return (step, state) if expires_at > now else None

    def clear_pending(self, chat_id: int) -> None:
        with self._write() as connection:
            connection.execute(delete(pending_steps).where(pending_steps.c.chat_id == chat_id))

    def language(self, chat_id: int) -> tuple[str, bool] | None:
        """The chat's language and whether a person chose it (else: subscribed in it)."""
        row = chat_languages.c
        with self._read() as connection:
            found = connection.execute(
                select(row.language, row.chosen).where(row.chat_id == chat_id)
            ).one_or_none()
        return None if found is None else (str(found[0]), bool(found[1]))

    def set_language(self, chat_id: int, language: str, now: datetime, *, chosen: bool) -> None:
        """Keep the chat's language; a language only subscribed in never overrides a choice."""
        values = {"language": language, "chosen": chosen, "updated_at": now}
        insert = self._insert(chat_languages).values(chat_id=chat_id, **values)
        if chosen:
            statement = insert.on_conflict_do_update(index_elements=["chat_id"], set_=values)
        else:
            statement = insert.on_conflict_do_nothing(index_elements=["chat_id"])
        with self._write() as connection:
            connection.execute(statement)

    def content_version(self) -> int:
        with self._read() as connection:
            value = connection.execute(
                select(content_version.c.version).where(content_version.c.name == "content")
            ).scalar_one_or_none()
        return int(value or 0)

    def bump_content_version(self, now: datetime) -> int:
        """A new content version (after a /reload): every replica will reload."""
        row = content_version.c
        with self._write() as connection:
            connection.execute(
                update(content_version)
                .where(row.name == "content")
                .values(version=row.version + 1, changed_at=now)
            )
            value = connection.execute(
                select(row.version).where(row.name == "content")
            ).scalar_one()
        return int(value)
