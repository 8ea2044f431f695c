"""Per-user flood control: one person cannot keep the bot busy for everyone else.

A sliding window per user. The first message over the limit gets one "please slow down"
answer; later ones in the same window are dropped (and counted), so a flood costs us no
replies at all.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"
    DROP = "drop"


@dataclass
class FloodGate:
    #: A person reading and tapping sends far fewer; a script or a stuck key sends more.
    limit: int = 12
    window_seconds: float = 15.0
    #: Users we have not heard from for this long are forgotten (memory stays bounded).
    forget_after: float = 600.0
    _seen: dict[int, deque[float]] = field(default_factory=dict)
    _warned: dict[int, float] = field(default_factory=dict)
    _last_sweep: float = 0.0

    def check(self, user_id: int, now: float) -> Verdict:
        self._sweep(now)
        stamps = self._seen.setdefault(user_id, deque())
        while stamps and now - stamps[0] >= self.window_seconds:
            stamps.popleft()
        if len(stamps) < self.limit:
            stamps.append(now)
            self._warned.pop(user_id, None)
            return Verdict.ALLOW
        warned_at = self._warned.get(user_id)
        if warned_at is not None and now - warned_at < self.window_seconds:
            return Verdict.DROP
        self._warned[user_id] = now
        return Verdict.WARN

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < self.forget_after:
            return
        self._last_sweep = now
        for user_id in [
            u for u, s in self._seen.items() if not s or now - s[-1] > self.forget_after
        ]:
            self._seen.pop(user_id, None)
            self._warned.pop(user_id, None)
