"""Benchmark: the reader report over a million stored events, and what counting costs a reply.

1. The ``reader_events`` table is filled with ROWS rows (default 1,000,000), each a
   distinct (hour, kind, topic, language) count, spread over the 90-day retention window;
   ``report.collect`` (every query the report makes: totals per topic, language and kind;
   weekly totals; the top unanswered questions) over those 90 days is timed, median of
   several runs, with a baseline from the same run: one full scan of the table
   (``SELECT count(*), sum(total)``). Target: the report under 2 s.
2. Counting an event on the reply path is handing it to the database worker's background
   lane (``DatabaseWorker.background``): that hand-off is timed per call (p50, p99) against
   building the reply itself (``topics.answer`` for a routed question), and the background
   lane's write rate is measured. Target: p99 under 1 ms.

    python bench/feedback.py [--rows 1000000] [--database postgresql+psycopg://...]

Without --database a temporary SQLite file is used; a --database's reader_events table is
emptied first. The ratio to the baseline is the last line.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bot.conversation import report, topics  # noqa: E402
from bot.knowledge.catalog import build_catalog  # noqa: E402
from bot.storage.database import Database, hour_of  # noqa: E402
from bot.storage.schema import EVENT_KINDS, reader_events  # noqa: E402
from bot.storage.worker import DatabaseWorker  # noqa: E402

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAYS = 90
BATCH = 20_000


def fill(database: Database, rows: int) -> float:
    """ROWS distinct rows over the last 90 days' hours; seconds taken."""
    hours = DAYS * 24
    combos_per_hour = -(-rows // hours)
    topics_needed = -(-combos_per_hour // (len(EVENT_KINDS) * 2))
    keys = [f"topic_{i:03d}" for i in range(topics_needed)]
    start = hour_of(NOW) - timedelta(hours=hours - 1)
    began = time.perf_counter()
    batch: list[dict[str, object]] = []
    made = 0
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM reader_events"))
        for h in range(hours):
            hour = start + timedelta(hours=h)
            for i in range(combos_per_hour):
                if made >= rows:
                    break
                kind = EVENT_KINDS[i % len(EVENT_KINDS)]
                rest = i // len(EVENT_KINDS)
                batch.append(
                    {
                        "hour": hour,
                        "kind": kind,
                        "topic": keys[rest // 2],
                        "language": ("en", "es")[rest % 2],
                        "total": 1 + (h + i) % 7,
                    }
                )
                made += 1
                if len(batch) >= BATCH:
                    connection.execute(insert(reader_events), batch)
                    batch = []
        if batch:
            connection.execute(insert(reader_events), batch)
    with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            connection.execute(text("ANALYZE reader_events"))
        else:
            connection.execute(text("ANALYZE"))
    return time.perf_counter() - began


def median_time(function: object, runs: int) -> float:
    assert callable(function)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--database", help="a database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-feedback-") as scratch:
        url = args.database or f"sqlite:///{Path(scratch) / 'bench.sqlite3'}"
        database = Database(url)
        database.migrate()
        catalog = build_catalog(ROOT / "content", seeds_dir=ROOT / "seeds")
        try:
            filled = fill(database, args.rows)
            with database.engine.connect() as connection:
                stored, events = connection.execute(
                    text("SELECT count(*), sum(total) FROM reader_events")
                ).one()
            print(f"{database.dialect}: {stored:,} rows ({int(events):,} events) in {filled:.1f} s")

            def scan() -> None:
                with database.engine.connect() as connection:
                    connection.execute(text("SELECT count(*), sum(total) FROM reader_events")).one()

            def whole_report() -> None:
                figures = report.collect(database, catalog, NOW, timedelta(days=DAYS))
                report.render_text(figures)
                report.render_html(figures)

            whole_report()  # warm the page cache and the statement cache
            baseline = median_time(scan, args.runs)
            taken = median_time(whole_report, args.runs)

            # The reply path: hand an event to the background lane, vs build the reply.
            worker = DatabaseWorker(background_queue=args.calls + 10)
            question = "how does the treatment work"
            reply_times: list[float] = []
            count_times: list[float] = []
            for _ in range(args.calls):
                began = time.perf_counter()
                answer = topics.answer(catalog, question)
                middle = time.perf_counter()
                worker.background(
                    database.record_event, "view_routed", answer.topic, "en", datetime.now(UTC)
                )
                count_times.append(time.perf_counter() - middle)
                reply_times.append(middle - began)
            began = time.perf_counter()
            done = threading_drain(database, int(events) + args.calls)
            drained = time.perf_counter() - began
            worker.stop()
        finally:
            database.close()
    ms = 1000.0
    print(f"full scan (baseline), median of {args.runs}: {baseline * ms:.0f} ms")
    print(
        f"report over {DAYS} days (collect + text + HTML), median of {args.runs}: "
        f"{taken * ms:.0f} ms"
    )
    print(
        f"reply (topics.answer, routed): p50 {percentile(reply_times, 0.5) * ms:.3f} ms, "
        f"p99 {percentile(reply_times, 0.99) * ms:.3f} ms"
    )
    print(
        f"counting an event on the reply path (background hand-off): "
        f"p50 {percentile(count_times, 0.5) * ms:.4f} ms, "
        f"p99 {percentile(count_times, 0.99) * ms:.4f} ms"
    )
    print(
        f"background lane wrote {args.calls:,} events ({'all' if done else 'not all'} in "
        f"{drained:.1f} s after the last hand-off)"
    )
    print(
        f"counting / reply p99: {percentile(count_times, 0.99) / percentile(reply_times, 0.99):.4f}"
    )
    print(f"report / full scan: {taken / baseline:.1f}")
    return 0 if taken < 2.0 and percentile(count_times, 0.99) < 0.001 else 1


def threading_drain(database: Database, expected: int, timeout: float = 120.0) -> bool:
    """Wait until the background lane has written every handed-off event."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with database.engine.connect() as connection:
            total = connection.execute(text("SELECT sum(total) FROM reader_events")).scalar_one()
        if int(total) >= expected:
            return True
        time.sleep(0.1)
    return False


if __name__ == "__main__":
    raise SystemExit(main())
