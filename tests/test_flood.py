from __future__ import annotations

from bot.telegram.flood import FloodGate, Verdict


def test_allows_up_to_the_limit_then_warns_once_then_drops() -> None:
    gate = FloodGate(limit=3, window_seconds=10)
    verdicts = [gate.check(1, 1000.0 + i * 0.1) for i in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.DROP, Verdict.DROP]


def test_window_slides_and_users_are_independent() -> None:
    gate = FloodGate(limit=2, window_seconds=10)
    assert gate.check(1, 0.0) is Verdict.ALLOW
    assert gate.check(1, 1.0) is Verdict.ALLOW
    assert gate.check(2, 1.0) is Verdict.ALLOW
    assert gate.check(1, 2.0) is Verdict.WARN
    assert gate.check(1, 10.5) is Verdict.ALLOW


def test_idle_users_are_forgotten() -> None:
    gate = FloodGate(limit=2, window_seconds=1, forget_after=60)
    for user in range(100):
        gate.check(user, 1000.0)
    gate.check(999, 2000.0)
    assert set(gate._seen) == {999}
