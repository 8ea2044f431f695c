"""Real databases for tests: a SQLite file, and a fresh database on the local PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(_libpq(PG_ADMIN_URL), connect_timeout=3):
            return True
    except Exception:
        return False


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new, empty database for one test, dropped afterwards."""
    import psycopg

    name = f"bot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(PG_ADMIN_URL), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(_libpq(PG_ADMIN_URL), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.sqlite3'}"
        return
    if not postgres_available():
        message = "PostgreSQL is not reachable on 127.0.0.1:5432 (start it: see README)"
        if os.environ.get("ALLOW_NO_POSTGRES"):
            pytest.skip(message)
        pytest.fail(message + "; set ALLOW_NO_POSTGRES=1 to skip these tests")
    with fresh_postgres() as url:
        yield url


DATABASES = ["sqlite", "postgresql"]
