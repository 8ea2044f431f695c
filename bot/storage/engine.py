"""Connections to SQLite or PostgreSQL, and the two kinds of transaction the stores use.

``Store`` is the base of ``Database``: it opens the engine (SQLite in WAL mode with a busy
timeout; PostgreSQL with a pre-ping pool) and hands out read and write transactions. The
stores on top (subscriptions, claims, statistics) only write queries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from bot.settings import DEFAULT_DATABASE_URL

#: How long a SQLite writer waits for another process's write lock before failing.
SQLITE_BUSY_SECONDS = 10.0
#: PostgreSQL: connecting (the whole start-up exchange), one statement, waiting for a lock.
#: A silent server (packets dropped) is noticed by these and by TCP keepalives, not never.
CONNECT_SECONDS = 5
STATEMENT_SECONDS = 15
LOCK_SECONDS = 5
#: How long a thread waits for a free pooled connection before failing.
POOL_SECONDS = 5


class DatabaseError(Exception):
    """The database cannot be opened or migrated; the message says why (no password)."""


def normalise_url(url: str) -> URL:
    """SQLite or PostgreSQL only; a bare ``postgresql://`` goes through psycopg 3."""
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        raise DatabaseError(
            "DATABASE_URL is not a database URL; use sqlite:///data/bot.sqlite3 or "
            "postgresql+psycopg://user:password@host/dbname"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"DATABASE_URL {parsed.render_as_string(hide_password=True)!r} is not supported: "
            "use SQLite (sqlite:///path) or PostgreSQL (postgresql+psycopg://...)"
        )
    return parsed


def postgres_connect_args(url_options: str = "") -> dict[str, Any]:
    """libpq settings for every connection: time limits, and TCP keepalives so a dead peer
    is noticed in seconds (``tcp_user_timeout``: unacknowledged data for 10 s). Options
    already in the URL (``?options=-csearch_path=...``) are kept, ahead of ours."""
    options = (f"{url_options} " if url_options else "") + (
        f"-c statement_timeout={STATEMENT_SECONDS * 1000}"
        f" -c lock_timeout={LOCK_SECONDS * 1000}"
        " -c idle_in_transaction_session_timeout=30000"
    )
    return {
        "connect_timeout": CONNECT_SECONDS,
        "options": options,
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": 10_000,
    }


def _url_options(url: URL) -> str:
    value = url.query.get("options", "")
    return " ".join(value) if isinstance(value, tuple) else str(value)


class Store:
    """An engine for one database URL, with read and write transactions."""

    def __init__(self, url: str = DEFAULT_DATABASE_URL) -> None:
        self.url = normalise_url(url)
        self.dialect = self.url.get_backend_name()
        shown = self.url.render_as_string(hide_password=True)
        try:
            if self.dialect == "sqlite":
                self.engine = self._sqlite_engine()
            else:
                self.engine = create_engine(
                    self.url,
                    pool_pre_ping=True,
                    pool_size=5,
                    max_overflow=20,
                    pool_timeout=POOL_SECONDS,
                    connect_args=postgres_connect_args(_url_options(self.url)),
                )
        except (NoSuchModuleError, ArgumentError, ImportError, OSError) as err:
            raise DatabaseError(f"cannot open the database {shown}: {err}") from None

    def _sqlite_engine(self) -> Engine:
        path = self.url.database
        memory = not path or path == ":memory:"
        if path and not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            self.url,
            connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False},
            **({"poolclass": StaticPool} if memory else {}),
        )

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            # We say BEGIN ourselves (below), so writers can take the lock up front.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_SECONDS * 1000)}")
            cursor.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
            cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, no fsync per commit
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            # IMMEDIATE takes the write lock at BEGIN: a deferred reader that later writes
            # can fail with SQLITE_BUSY at once instead of waiting its turn.
            mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine

    def dispose(self) -> None:
        """Close the pooled connections (the object can still be used: they reopen)."""
        self.engine.dispose()

    close = dispose

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction; on SQLite it holds the database's write lock from BEGIN."""
        with self.engine.connect() as connection:
            if self.dialect == "sqlite":
                connection.execution_options(sqlite_begin="IMMEDIATE")
            with connection.begin():
                yield connection

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection, connection.begin():
            yield connection

    def _insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)
