"""Digest schedules: what a subscriber typed, and when their next digest is due.

Pure time arithmetic, no database. A schedule is a local wall-clock time in a zone, so
09:00 in New York stays 09:00 there in July and in December; instants are always aware
UTC datetimes. On a spring-forward day a time that does not exist (02:30 in New York) is
sent at the first instant that does (03:00); on a fall-back day an ambiguous time is sent
once, at its first occurrence (``fold=0``).

Errors a user can cause are ``ScheduleError``: a message key and its fields, which the
conversation layer turns into a sentence in the reader's language (``messages.yml``,
keys starting ``sched_``), always with an example of the right form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache, lru_cache
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

Cadence = Literal["daily", "weekly"]
CADENCES: tuple[Cadence, ...] = get_args(Cadence)
#: English day names, for reading what a user types ("mon", "Tuesday"); what the bot
#: writes comes from messages.yml.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Real offsets run from UTC-12:00 to UTC+14:00.
MAX_OFFSET = timedelta(hours=14)


class ScheduleError(ValueError):
    """Input we cannot read: ``key`` names the sentence to show (``sched_<key>`` in
    messages.yml) and ``fields`` fill it in; ``cadence`` picks the example to show."""

    def __init__(
        self, key: str, cadence: str = "daily", options: tuple[str, ...] = (), **fields: str
    ) -> None:
        super().__init__(key)
        self.key = key
        self.cadence = cadence
        #: Alternatives to list ("could be A or B"), joined in the reader's language.
        self.options = options
        self.fields = fields


@dataclass(frozen=True)
class DigestSpec:
    """When one subscriber wants digests: daily, or weekly on ``weekday`` (0 is Monday).

    ``zone`` is canonical (as ``parse_zone`` returns it): an IANA name, ``UTC``, or a
    fixed offset such as ``UTC+05:30``. Construction checks all of it, so a spec read back
    from storage is as valid as one parsed from a chat.
    """

    cadence: Cadence
    local_time: time
    zone: str
    weekday: int | None = None

    def __post_init__(self) -> None:
        if self.cadence not in CADENCES:
            raise ScheduleError("cadence")
        if self.cadence == "weekly" and (
            self.weekday is None or not 0 <= self.weekday <= 6 or isinstance(self.weekday, bool)
        ):
            raise ScheduleError("weekly_needs_day", "weekly")
        if self.cadence == "daily" and self.weekday is not None:
            raise ScheduleError("daily_has_no_day")
        t = self.local_time
        if t.tzinfo is not None or t.second or t.microsecond:
            raise ScheduleError("minutes")
        _zone_info(self.zone)  # raises ScheduleError for a zone that is not canonical

    def tzinfo(self) -> tzinfo:
        """``ZoneInfo`` for an IANA name, a fixed ``timezone`` for UTC and offsets."""
        return _zone_info(self.zone)


# --- parsing -------------------------------------------------------------------------

#: '9', '09:00', '9.30', '9h30', '0930', '9am', '9:30p.m.' (spaces are removed first).
_CLOCK = re.compile(r"^(?P<h>\d{1,2})(?:[:.h]?(?P<m>\d{2}))?(?:(?P<ampm>[ap])\.?(?:m\.?)?)?$")


def parse_time(text: str) -> time:
    """'9', '09:00', '9:30', '21:05', '9am', '9:30 pm', '0930', 'noon' into a local time."""
    raw = text.strip().lower().replace(" ", "")
    named = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}
    if raw in named:
        return named[raw]
    match = _CLOCK.match(raw)
    problem = ScheduleError("time", text=text.strip())
    if match is None:
        raise problem
    hour, minute = int(match["h"]), int(match["m"] or 0)
    ampm = match["ampm"]
    if ampm is not None:
        if not 1 <= hour <= 12:
            raise problem
        hour = hour % 12 + (12 if ampm == "p" else 0)
    if hour > 23 or minute > 59:
        raise problem
    return time(hour, minute)


_UTC_NAMES = frozenset(
    {"utc", "gmt", "z", "zulu", "uct", "universal", "greenwich", "gmt0", "gmt+0", "gmt-0"}
    | {f"etc/{n}" for n in ("utc", "gmt", "uct", "universal", "zulu", "greenwich", "gmt0")}
    | {"etc/gmt+0", "etc/gmt-0"}
)
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$")


def parse_zone(text: str) -> str:
    """A time zone as typed into its canonical name.

    IANA names in any case ('europe/berlin' is 'Europe/Berlin', spaces may stand for
    underscores), a city alone when only one zone has it ('berlin'), 'UTC' or 'GMT', and
    fixed offsets ('UTC+2', '+05:30', 'GMT-3', 'UTC+0530') written as 'UTC+05:30'.
    """
    raw = " ".join(text.split())
    key = raw.lower()
    problem = ScheduleError("zone", zone=raw)
    if not key:
        raise problem
    if key in _UTC_NAMES:
        return "UTC"
    match = _OFFSET.match(key)
    if match is not None:
        hours, minutes = int(match["h"]), int(match["m"] or 0)
        offset = timedelta(hours=hours, minutes=minutes)
        if minutes > 59 or offset > MAX_OFFSET:
            raise ScheduleError("offset", zone=raw)
        if not offset:
            return "UTC"
        return f"UTC{match['sign']}{hours:02d}:{minutes:02d}"
    names = _iana_names()
    found = names.get(key.replace(" ", "_"))
    if found is None and "/" not in key:
        cities = _iana_cities().get(key.replace(" ", "_"), ())
        if len(cities) == 1:
            found = cities[0]
        elif cities:
            raise ScheduleError("city", options=cities[:3], zone=raw, first=cities[0])
    if found is None:
        raise problem
    return "UTC" if found.lower() in _UTC_NAMES else found


_DAY_ALIASES = {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}


def parse_weekday(text: str) -> int:
    """'mon', 'Monday', 'Mo', 'tues', 'thurs', 'Sundays' into 0 (Monday) to 6 (Sunday).

    Numbers are refused: people number weekdays from Sunday or Monday, from 0 or 1, and a
    digest on the wrong day is worse than a question.
    """
    raw = text.strip().lower().rstrip(".")
    problem = ScheduleError("day", "weekly", day=text.strip())
    if raw in _DAY_ALIASES:
        return _DAY_ALIASES[raw]
    for word in (raw, raw[:-1] if raw.endswith("s") else raw):
        if len(word) >= 2:
            for number, name in enumerate(WEEKDAYS):
                if name.lower().startswith(word):
                    return number
    raise problem


def _is_weekday(word: str) -> bool:
    try:
        parse_weekday(word)
    except ScheduleError:
        return False
    return True


_AMPM = frozenset({"am", "pm", "a.m.", "p.m.", "a.m", "p.m"})


def parse_subscribe_args(args: Sequence[str]) -> DigestSpec:
    """The one-line ``/subscribe`` form into a spec.

    ``daily TIME ZONE`` or ``weekly DAY TIME ZONE``; a day alone also means weekly
    (``mon 18:30 UTC``) and a time first means daily (``09:00 Europe/Berlin``). Weekly
    without a day is refused rather than guessed: a digest on a day nobody chose is a
    surprise. The zone is required for the same reason. Examples:
    ``daily 09:00 Europe/Berlin``, ``weekly mon 18:30 UTC``, ``daily 9:30 pm UTC+2``.
    """
    words = [w for arg in args for w in arg.split()]
    if not words:
        raise ScheduleError("empty")
    first = words[0].lower()
    weekday: int | None = None
    cadence: Cadence
    if first in ("daily", "day", "everyday"):
        cadence, rest = "daily", words[1:]
    elif first in ("weekly", "week"):
        cadence, rest = "weekly", words[1:]
        if not rest or rest[0][:1].isdigit():
            raise ScheduleError("which_day", "weekly")
        weekday, rest = parse_weekday(rest[0]), rest[1:]
    elif _is_weekday(first):
        cadence, weekday, rest = "weekly", parse_weekday(first), words[1:]
    elif first[:1].isdigit() or first in ("noon", "midday", "midnight"):
        cadence, rest = "daily", words
    else:
        raise ScheduleError("start")
    if not rest:
        raise ScheduleError("what_time", cadence)
    clock = rest[0]
    rest = rest[1:]
    if rest and rest[0].lower() in _AMPM:
        clock, rest = clock + rest[0], rest[1:]
    local_time = parse_time(clock)
    if not rest:
        raise ScheduleError("which_zone", cadence)
    return DigestSpec(cadence, local_time, parse_zone(" ".join(rest)), weekday)


@cache
def _iana_names() -> dict[str, str]:
    """Lower-case IANA name to its spelling (zone names differ only in case)."""
    return {name.lower(): name for name in available_timezones()}


@cache
def _iana_cities() -> dict[str, tuple[str, ...]]:
    """'berlin' to ('Europe/Berlin',): the last part of each regional zone name."""
    cities: dict[str, list[str]] = {}
    for name in sorted(available_timezones()):
        region, _, city = name.rpartition("/")
        if region and not name.startswith(("Etc/", "posix/", "right/", "SystemV/")):
            cities.setdefault(city.lower(), []).append(name)
    return {city: tuple(names) for city, names in cities.items()}


@lru_cache(maxsize=1024)
def _zone_info(zone: str) -> tzinfo:
    """The tzinfo of a canonical zone name; ScheduleError for anything else."""
    if zone == "UTC":
        return UTC
    match = re.fullmatch(r"UTC([+-])(\d{2}):(\d{2})", zone)
    if match is not None:
        offset = timedelta(hours=int(match[2]), minutes=int(match[3]))
        if offset and offset <= MAX_OFFSET and int(match[3]) < 60:
            return timezone(offset if match[1] == "+" else -offset, zone)
    elif _iana_names().get(zone.lower()) == zone and zone.lower() not in _UTC_NAMES:
        try:
            return ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise ScheduleError("zone", zone=zone)


# --- arithmetic ----------------------------------------------------------------------


def _require_aware(instant: datetime, name: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (UTC), got {instant!r}")


def _slot(day: date, at: time, zone: tzinfo) -> datetime:
    """The UTC instant of wall time ``at`` on ``day``: the first occurrence when it happens
    twice, the end of the gap when it does not happen at all."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant  # exists (fold=0 is the first of two if ambiguous)
    # A gap: fold=0 reads the wall time with the offset before the jump, fold=1 after it.
    # The jump lies in (wall - offset_after, wall - offset_before]; find its second.
    after = wall.replace(tzinfo=zone, fold=1).utcoffset()
    before = first.utcoffset()
    assert after is not None and before is not None
    lo = (wall - after).replace(tzinfo=UTC)  # still on the old offset
    hi = (wall - before).replace(tzinfo=UTC)  # already on the new offset
    old = lo.astimezone(zone).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid <= lo:
            mid = lo + timedelta(seconds=1)
        if mid.astimezone(zone).utcoffset() == old:
            lo = mid
        else:
            hi = mid
    return hi


def _slots_from(spec: DigestSpec, start: date, count: int) -> list[datetime]:
    zone = spec.tzinfo()
    days = (start + timedelta(days=n) for n in range(count))
    return [
        _slot(day, spec.local_time, zone)
        for day in days
        if spec.weekday is None or day.weekday() == spec.weekday
    ]


def next_due(spec: DigestSpec, after: datetime) -> datetime:
    """The first slot strictly after ``after`` (aware), as an aware UTC datetime."""
    _require_aware(after, "after")
    local_day = after.astimezone(spec.tzinfo()).date()
    # From the day before: a gap can push a slot past midnight into the next local day.
    for instant in _slots_from(spec, local_day - timedelta(days=1), 10):
        if instant > after:
            return instant
    raise AssertionError("unreachable: every spec has a slot within 9 days")


def previous_due(spec: DigestSpec, at: datetime) -> datetime:
    """The last slot at or before ``at`` (aware), as an aware UTC datetime."""
    _require_aware(at, "at")
    local_day = at.astimezone(spec.tzinfo()).date()
    for instant in reversed(_slots_from(spec, local_day - timedelta(days=8), 10)):
        if instant <= at:
            return instant
    raise AssertionError("unreachable: every spec has a slot within 9 days")


def slot_to_send(
    spec: DigestSpec, due: datetime, now: datetime, grace: timedelta = timedelta(hours=6)
) -> tuple[bool, datetime]:
    """Whether to send now, and the next due instant (always strictly after ``now``).

    The slot that counts is the latest one at or before ``now`` (the stored ``due`` or a
    later one missed while nothing ran); it is sent when it is at most ``grace`` old. So
    a bot down for three days sends one digest when it returns, not three, and one down
    for a week sends none until the next slot.
    """
    _require_aware(due, "due")
    _require_aware(now, "now")
    if due > now:
        return False, due.astimezone(UTC)
    latest = max(due, previous_due(spec, now))
    return now - latest <= grace, next_due(spec, now)
