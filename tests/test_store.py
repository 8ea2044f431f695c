"""Digest storage on SQLite and PostgreSQL: privacy, migrations, claims, and real processes.

Every test runs on both databases: SQLite in a file under tmp_path, PostgreSQL in a fresh
schema of ``TEST_POSTGRES_URL`` (default: the local server's ``test`` database), dropped
afterwards. PostgreSQL tests are skipped, with the reason, only if the server is down.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time as clock
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, insert, inspect, select, text
from sqlalchemy.engine import make_url

from bot.schedule import DigestSpec, next_due
from bot.storage.database import Claim, Database, DatabaseError, Subscription, metadata
from bot.storage.engine import normalise_url
from bot.storage.schema import deliveries, subscriptions

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday
BERLIN = DigestSpec("daily", time(9), "Europe/Berlin")
WEEKLY = DigestSpec("weekly", time(18, 30), "UTC", 0)
LEASE = timedelta(minutes=5)
SPAWN = multiprocessing.get_context("spawn")


@cache
def postgres_unreachable() -> str | None:
    engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return None
    except Exception as err:
        first_line = str(getattr(err, "orig", None) or err).splitlines()[0]
        return f"PostgreSQL at {make_url(PG_URL).render_as_string()} unreachable: {first_line}"
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/data/bot.sqlite3"
        return
    reason = postgres_unreachable()
    if reason:
        # CI has PostgreSQL: a silent skip there would hide failures.
        if not os.environ.get("ALLOW_NO_POSTGRES"):
            pytest.fail(reason + "; set ALLOW_NO_POSTGRES=1 to skip these tests")
        pytest.skip(reason)
    schema = f"test_store_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        scoped = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db(url: str) -> Iterator[Database]:
    database = Database(url)
    database.migrate()
    yield database
    database.close()


#: Tables that by design hold no chat or user id (admin statistics); checked to stay so.
NO_ID_TABLES = {
    "digest_outcomes",
    "unsure_questions",
    "send_schedule",
    "content_version",
    "reader_events",
}


def rows_about(db: Database, chat_id: int) -> dict[str, int]:
    """A raw count per table, over every table the database has (not only known ones)."""
    with db.engine.connect() as connection:
        inspector = inspect(connection)
        tables: list[str] = []
        for table in inspector.get_table_names():
            columns = {c["name"] for c in inspector.get_columns(table)}
            if table in NO_ID_TABLES:
                assert not {"chat_id", "user_id"} & columns, table
            elif table != "alembic_version":
                tables.append(table)
        return {
            table: connection.execute(
                text(f"SELECT count(*) FROM {table} WHERE chat_id = :id"), {"id": chat_id}
            ).scalar_one()
            for table in tables
        }


def stored(db: Database, chat_id: int) -> Subscription:
    subscription = db.get(chat_id)
    assert subscription is not None
    return subscription


def claim_one(db: Database, now: datetime, worker: str = "w") -> Claim:
    (claim,) = db.claim_due(now, 10, LEASE, worker)
    return claim


def finish(db: Database, claim: Claim, now: datetime, command: str | None = "symptoms") -> bool:
    return db.complete(
        claim,
        command=command,
        next_due_at=next_due(claim.spec, now),
        now=now,
        up_to_date_sent=False,
    )


# --- opening and migrating -----------------------------------------------------------


def test_urls_are_normalised_and_limited() -> None:
    assert normalise_url("postgresql://u:p@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u:p@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///data/bot.sqlite3").drivername == "sqlite"
    with pytest.raises(DatabaseError, match="not supported"):
        normalise_url("mysql://u:secret@h/db")
    with pytest.raises(DatabaseError, match="not a database URL"):
        normalise_url("data/bot.sqlite3")


def test_an_unreachable_server_is_one_clear_error_without_the_password() -> None:
    database = Database("postgresql://bot:hunter2@127.0.0.1:1/nowhere?connect_timeout=2")
    with pytest.raises(DatabaseError) as err:
        database.migrate()
    assert "cannot migrate the database" in str(err.value)
    assert "hunter2" not in str(err.value)


def test_default_sqlite_file_creates_its_folder_and_uses_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    database = Database()
    database.migrate()
    assert (tmp_path / "data" / "bot.sqlite3").is_file()
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 5000
    database.close()


def test_migrate_twice_and_schema_matches_the_code(db: Database) -> None:
    db.migrate()
    with db.engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert versions == [("0006",)]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        indexes = {i["name"] for i in inspect(connection).get_indexes("subscriptions")}
    assert "ix_subscriptions_next_due_at" in indexes


def _migrate(url: str, start: Any) -> None:
    start.wait(30)
    database = Database(url)
    database.migrate()
    database.close()


@pytest.mark.slow
def test_migrate_from_several_processes_at_once(url: str) -> None:
    start = SPAWN.Event()
    workers = [SPAWN.Process(target=_migrate, args=(url, start)) for _ in range(3)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    database = Database(url)
    assert database.get(1) is None  # the tables are there
    database.close()


# --- subscribers and privacy ---------------------------------------------------------


def test_subscribe_get_change_unsubscribe(db: Database) -> None:
    created = db.subscribe(42, BERLIN, NOW)
    assert created.spec == BERLIN
    assert created.next_due_at == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert db.get(42) == created
    assert db.get(43) is None

    later = NOW + timedelta(hours=1)
    changed = db.subscribe(42, WEEKLY, later)
    assert changed.spec == WEEKLY
    assert changed.next_due_at == datetime(2026, 3, 2, 18, 30, tzinfo=UTC)
    assert (changed.created_at, changed.updated_at) == (NOW, later)
    assert db.count_by_cadence() == {"daily": 0, "weekly": 1}

    assert db.unsubscribe(42) is True
    assert db.unsubscribe(42) is False
    assert db.get(42) is None
    assert db.count_by_cadence() == {"daily": 0, "weekly": 0}


def test_unsubscribe_keeps_history_and_delete_chat_leaves_no_row_anywhere(db: Database) -> None:
    db.subscribe(7, BERLIN, NOW)
    db.subscribe(8, BERLIN, NOW)  # another chat, untouched throughout
    day = NOW + timedelta(days=1)
    for claim in db.claim_due(day, 10, LEASE, "w"):
        assert finish(db, claim, day)
        assert db.release(claim, day) is False  # already completed: nothing to give back
    assert db.delivered(7) == {"symptoms"}

    db.unsubscribe(7)  # resubscribing later must not repeat old news
    assert rows_about(db, 7) == {
        "subscriptions": 0,
        "deliveries": 1,
        "pending_steps": 0,
        "chat_languages": 0,
    }
    db.subscribe(7, BERLIN, day)
    db.set_pending(7, "zone", "d|0900", day)  # half-way through "type your time zone"
    db.set_language(7, "es", day, chosen=True)
    db.set_language(7, "en", day, chosen=False)  # subscribing in English keeps the choice
    assert db.language(7) == ("es", True)

    assert db.delete_chat(7) == 4
    assert rows_about(db, 7) == {
        "subscriptions": 0,
        "deliveries": 0,
        "pending_steps": 0,
        "chat_languages": 0,
    }
    assert db.export_chat(7) == {
        "subscriptions": [],
        "deliveries": [],
        "pending_steps": [],
        "chat_languages": [],
    }
    assert db.delete_chat(7) == 0
    assert rows_about(db, 8) == {
        "subscriptions": 1,
        "deliveries": 1,
        "pending_steps": 0,
        "chat_languages": 0,
    }


def test_bulk_subscribe_creates_and_changes(db: Database) -> None:
    db.subscribe(1, BERLIN, NOW)
    assert db.bulk_subscribe([(1, WEEKLY), *((chat, BERLIN) for chat in range(2, 2502))], NOW)
    assert stored(db, 1).spec == WEEKLY
    assert stored(db, 2501) == db.subscribe(2501, BERLIN, NOW)
    assert db.count_by_cadence() == {"daily": 2500, "weekly": 1}


def test_end_keeps_nothing(db: Database) -> None:
    db.subscribe(9, BERLIN, NOW)
    claim = claim_one(db, NOW + timedelta(days=1))
    finish(db, claim, NOW + timedelta(days=1))
    db.end(9)
    assert rows_about(db, 9) == {
        "subscriptions": 0,
        "deliveries": 0,
        "pending_steps": 0,
        "chat_languages": 0,
    }


def test_export_is_exactly_what_is_stored(db: Database) -> None:
    db.subscribe(5, WEEKLY, NOW)
    claim = claim_one(db, NOW + timedelta(days=1))
    db.complete(
        claim,
        command="therapy",
        next_due_at=next_due(WEEKLY, NOW + timedelta(days=1)),
        now=NOW + timedelta(days=1),
        up_to_date_sent=False,
    )
    stored = db.export_chat(5)
    assert set(stored) == {"subscriptions", "deliveries", "pending_steps", "chat_languages"}
    (subscription,) = stored["subscriptions"]
    assert set(subscription) == {c.name for c in subscriptions.columns}
    assert subscription == {
        "chat_id": 5,
        "cadence": "weekly",
        "weekday": 0,
        "local_time": "18:30",
        "zone": "UTC",
        "next_due_at": "2026-03-09T18:30:00+00:00",
        "claimed_until": None,
        "claim_token": None,
        "up_to_date_sent": False,
        "created_at": "2026-03-02T12:00:00+00:00",
        "updated_at": "2026-03-03T12:00:00+00:00",
    }
    assert stored["deliveries"] == [
        {"chat_id": 5, "command": "therapy", "delivered_at": "2026-03-03T12:00:00+00:00"}
    ]


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="aware"):
        db.subscribe(1, BERLIN, datetime(2026, 3, 2, 12))


# --- claims --------------------------------------------------------------------------


def test_claim_takes_due_rows_oldest_first_up_to_the_limit(db: Database) -> None:
    for chat, hour in ((1, 3), (2, 1), (3, 2), (4, 5)):
        db.subscribe(chat, DigestSpec("daily", time(hour), "UTC"), NOW)
    now = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # chat 4 (05:00) is not due yet
    first = db.claim_due(now, 2, LEASE, "a")
    assert [c.chat_id for c in first] == [2, 3]
    rest = db.claim_due(now, 10, LEASE, "b")
    assert [c.chat_id for c in rest] == [1]
    assert rest[0].claim_token not in (first[0].claim_token, first[1].claim_token)
    assert db.claim_due(now, 10, LEASE, "c") == []  # held: nobody else takes them
    assert db.claim_due(now, 0, LEASE, "c") == []


def test_an_expired_lease_is_claimed_again_and_the_old_token_is_rejected(db: Database) -> None:
    db.subscribe(1, BERLIN, NOW)
    due_at = stored(db, 1).next_due_at
    now = due_at + timedelta(minutes=1)
    old = claim_one(db, now, "crashed")
    assert old.next_due_at == due_at and old.spec == BERLIN and not old.up_to_date_sent
    assert db.claim_due(now + LEASE - timedelta(seconds=1), 10, LEASE, "b") == []
    new = claim_one(db, now + LEASE, "b")  # the lease ran out: the row is free again
    assert new.claim_token != old.claim_token
    assert new.next_due_at == due_at  # still the missed slot, so grace counts from it

    assert finish(db, old, now + LEASE) is False  # too late, and nothing was written
    assert db.delivered(1) == set()
    assert db.release(old, now) is False
    assert finish(db, new, now + LEASE) is True
    assert db.delivered(1) == {"symptoms"}
    assert finish(db, new, now + LEASE) is False  # completing twice is refused
    row = db.export_chat(1)["subscriptions"][0]
    assert row["claim_token"] is None and row["claimed_until"] is None
    assert stored(db, 1).next_due_at > now


def test_release_gives_the_row_back_from_retry_at(db: Database) -> None:
    db.subscribe(1, BERLIN, NOW)
    now = NOW + timedelta(days=1)
    claim = claim_one(db, now)
    assert db.release(claim, now + timedelta(minutes=1)) is True
    assert db.claim_due(now + timedelta(seconds=59), 10, LEASE, "w") == []
    again = claim_one(db, now + timedelta(minutes=1))
    assert again.next_due_at == claim.next_due_at
    assert finish(db, claim, now) is False  # the released claim is no longer ours


def test_complete_without_a_delivery_and_the_up_to_date_note(db: Database) -> None:
    db.subscribe(1, BERLIN, NOW)
    now = NOW + timedelta(days=1)
    claim = claim_one(db, now)
    assert db.complete(
        claim, command=None, next_due_at=next_due(BERLIN, now), now=now, up_to_date_sent=True
    )
    assert db.delivered(1) == set()
    assert stored(db, 1).up_to_date_sent is True
    assert claim_one(db, now + timedelta(days=1)).up_to_date_sent is True


def test_unsubscribing_during_a_claim_wins(db: Database) -> None:
    db.subscribe(1, BERLIN, NOW)
    now = NOW + timedelta(days=1)
    claim = claim_one(db, now)
    db.unsubscribe(1)
    assert finish(db, claim, now) is False
    assert rows_about(db, 1) == {
        "subscriptions": 0,
        "deliveries": 0,
        "pending_steps": 0,
        "chat_languages": 0,
    }
    db.subscribe(1, BERLIN, now)  # and subscribing again does not revive the old claim
    assert finish(db, claim, now) is False


def test_a_schedule_changed_during_a_claim_keeps_its_new_due_time(db: Database) -> None:
    db.subscribe(1, BERLIN, NOW)
    now = NOW + timedelta(days=1)
    claim = claim_one(db, now)
    changed = db.subscribe(1, WEEKLY, now)
    assert finish(db, claim, now) is True  # the digest went out: it is recorded
    assert db.delivered(1) == {"symptoms"}
    assert stored(db, 1).next_due_at == changed.next_due_at


def seed_due(db: Database, count: int, due: datetime, later: int = 0) -> None:
    """``count`` subscribers due by ``due`` (chat ids 1..count), and ``later`` due at NOW."""
    rows = [
        {
            "chat_id": chat,
            "cadence": "daily",
            "weekday": None,
            "local_time": "09:00",
            "zone": "UTC",
            "next_due_at": due - timedelta(seconds=chat % 600) if chat <= count else NOW,
            "created_at": NOW,
            "updated_at": NOW,
        }
        for chat in range(1, count + later + 1)
    ]
    with db.engine.begin() as connection:
        connection.execute(insert(subscriptions), rows)
        if db.dialect == "postgresql":
            connection.execute(text("ANALYZE subscriptions"))


def test_the_claim_query_uses_the_next_due_index(db: Database) -> None:
    seed_due(db, 100, NOW - timedelta(days=1), later=3000)
    plan = db.explain_claim_sql(NOW - timedelta(days=1))
    assert "ix_subscriptions_next_due_at" in plan, plan
    if db.dialect == "postgresql":
        assert "SKIP LOCKED" not in plan  # a plan, not the SQL
        assert "LockRows" in plan
    with db.engine.connect() as connection:  # planned, not run: nothing was claimed
        held = select(func.count()).where(subscriptions.c.claim_token.is_not(None))
        assert connection.execute(held).scalar_one() == 0


# --- several processes ---------------------------------------------------------------


def _worker(
    url: str,
    name: str,
    due: str,
    log_path: str,
    batch: int,
    lease_seconds: float,
    start: Any,
    ready: Any,
    stall_after: int,
) -> None:
    """Claim and complete until nothing due at ``due`` is left. Writes one line per event:
    ``T <iso>`` a claim's instant, ``C <id>`` claimed, ``D <id>`` completed, ``L <id>``
    lost. With ``stall_after`` it sets ``ready`` after that many completions and goes on
    slowly, so the test can kill it in the middle of its batch."""
    database = Database(url)
    cutoff = datetime.fromisoformat(due)
    remaining = select(func.count()).where(subscriptions.c.next_due_at <= cutoff)
    done = 0
    if not stall_after:
        ready.set()
    start.wait(30)
    with open(log_path, "a", buffering=1) as log:
        while True:
            now = datetime.now(UTC)
            claims = database.claim_due(now, batch, timedelta(seconds=lease_seconds), name)
            if not claims:
                with database.engine.connect() as connection:
                    if connection.execute(remaining).scalar_one() == 0:
                        break
                clock.sleep(0.05)
                continue
            log.write(f"T {now.isoformat()}\n")
            log.write("".join(f"C {c.chat_id}\n" for c in claims))
            for claim in claims:
                now = datetime.now(UTC)
                sent = database.complete(
                    claim,
                    command="symptoms",
                    next_due_at=next_due(claim.spec, now),
                    now=now,
                    up_to_date_sent=False,
                )
                log.write(f"{'D' if sent else 'L'} {claim.chat_id}\n")
                done += 1
                if stall_after and done >= stall_after:
                    ready.set()
                    clock.sleep(0.02)
    database.close()


def read_log(path: Path) -> dict[str, list[str]]:
    events: dict[str, list[str]] = {"T": [], "C": [], "D": [], "L": []}
    if path.exists():
        for line in path.read_text().splitlines():
            kind, _, value = line.partition(" ")
            if kind in events and value:
                events[kind].append(value)
    return events


def start_workers(
    url: str, tmp_path: Path, names: list[str], start: Any, *, batch: int, lease: float
) -> list[Any]:
    workers = []
    for name in names:
        ready = SPAWN.Event()
        args = (url, name, DUE.isoformat(), str(tmp_path / f"{name}.log"))
        process = SPAWN.Process(
            target=_worker, args=(*args, batch, lease, start, ready, 0), name=name
        )
        process.start()
        workers.append((process, ready))
    for _, ready in workers:
        assert ready.wait(30), "a worker did not start"
    return [process for process, _ in workers]


def join_all(processes: list[Any]) -> None:
    for process in processes:
        process.join(45)
        if process.is_alive():
            process.kill()
            pytest.fail(f"{process.name} did not finish")


DUE = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
SUBSCRIBERS = 3000


def assert_each_delivered_once(db: Database) -> None:
    with db.engine.connect() as connection:
        per_chat = connection.execute(
            select(deliveries.c.chat_id, func.count()).group_by(deliveries.c.chat_id)
        ).all()
        held = connection.execute(
            select(func.count()).where(subscriptions.c.claim_token.is_not(None))
        ).scalar_one()
    assert len(per_chat) == SUBSCRIBERS
    assert {n for _, n in per_chat} == {1}
    assert held == 0
    assert db.claim_due(DUE, 10, LEASE, "check") == []


@pytest.mark.slow
def test_three_worker_processes_complete_every_subscriber_exactly_once(
    db: Database, url: str, tmp_path: Path
) -> None:
    seed_due(db, SUBSCRIBERS, DUE)
    start = SPAWN.Event()
    names = ["w1", "w2", "w3"]
    processes = start_workers(url, tmp_path, names, start, batch=50, lease=60)
    start.set()
    join_all(processes)
    assert [p.exitcode for p in processes] == [0, 0, 0]

    logs = {name: read_log(tmp_path / f"{name}.log") for name in names}
    completed = Counter(chat for log in logs.values() for chat in log["D"])
    assert len(completed) == SUBSCRIBERS
    assert set(completed.values()) == {1}  # no subscriber completed twice
    assert not any(log["L"] for log in logs.values())  # long leases: no claim was lost
    assert sum(1 for log in logs.values() if log["D"]) >= 2  # they really shared the work
    assert_each_delivered_once(db)


@pytest.mark.slow
def test_a_killed_worker_s_rows_are_taken_over_after_its_lease(
    db: Database, url: str, tmp_path: Path
) -> None:
    seed_due(db, SUBSCRIBERS, DUE)
    lease = 3.0
    start, ready = SPAWN.Event(), SPAWN.Event()
    victim_log = tmp_path / "victim.log"
    victim = SPAWN.Process(
        target=_worker,
        args=(url, "victim", DUE.isoformat(), str(victim_log), 400, lease, start, ready, 40),
        name="victim",
    )
    victim.start()
    start.set()
    assert ready.wait(30), "the victim never got going"
    others = start_workers(
        url, tmp_path, ["w1", "w2"], start, batch=100, lease=lease
    )  # they start now, while the victim is still completing its batch
    clock.sleep(0.2)
    assert victim.pid is not None
    os.kill(victim.pid, signal.SIGKILL)
    victim.join(10)
    assert victim.exitcode == -signal.SIGKILL
    join_all(others)
    assert [p.exitcode for p in others] == [0, 0]

    victim_events = read_log(victim_log)
    claimed_at = datetime.fromisoformat(victim_events["T"][0])
    claimed = set(victim_events["C"])
    finished_by_victim = set(victim_events["D"])
    assert len(claimed) == 400 and 40 <= len(finished_by_victim) < 400  # killed mid-batch

    survivors = {name: read_log(tmp_path / f"{name}.log") for name in ("w1", "w2")}
    completed = Counter(chat for log in survivors.values() for chat in log["D"])
    assert set(completed.values()) == {1}
    assert not finished_by_victim & set(completed)
    taken_over = claimed & set(completed)
    # Every row the victim held but did not finish was finished by a survivor, except
    # possibly the one it completed in the instant before its log line.
    assert len(claimed - finished_by_victim - taken_over) <= 1
    with db.engine.connect() as connection:
        delivered_at = dict(
            connection.execute(
                select(deliveries.c.chat_id, deliveries.c.delivered_at).where(
                    deliveries.c.chat_id.in_([int(c) for c in taken_over])
                )
            ).all()
        )
    # ... and only after the lease ran out.
    assert min(delivered_at.values()) >= claimed_at + timedelta(seconds=lease)
    assert_each_delivered_once(db)
