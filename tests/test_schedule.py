"""Digest schedules: parsing what people type, and local wall time across DST."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.conversation.schedules import describe, problem
from bot.knowledge.messages import load_messages
from bot.schedule import (
    DigestSpec,
    ScheduleError,
    next_due,
    parse_subscribe_args,
    parse_time,
    parse_weekday,
    parse_zone,
    previous_due,
    slot_to_send,
)

from .conftest import ROOT

MESSAGES = load_messages(ROOT / "content")


def said(err: ScheduleError) -> str:
    """The sentence a user reads for this error (the bot sends it as HTML)."""
    return html.unescape(problem(MESSAGES, err))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def daily(at: str, zone: str) -> DigestSpec:
    return DigestSpec("daily", time.fromisoformat(at), zone)


def weekly(day: int, at: str, zone: str) -> DigestSpec:
    return DigestSpec("weekly", time.fromisoformat(at), zone, day)


# --- parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9", time(9)),
        ("09:00", time(9)),
        ("9:30", time(9, 30)),
        ("21:05", time(21, 5)),
        ("9am", time(9)),
        ("9 AM", time(9)),
        ("9:30 pm", time(21, 30)),
        ("9:30p.m.", time(21, 30)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("0930", time(9, 30)),
        ("9.30", time(9, 30)),
        ("00:00", time(0)),
        ("23:59", time(23, 59)),
        ("noon", time(12)),
        (" midnight ", time(0)),
    ],
)
def test_parse_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text", ["", "24:00", "25", "9:60", "13pm", "0am", "nine", "9:3", "9m", "-1", "9:30:15"]
)
def test_parse_time_errors_are_friendly(text: str) -> None:
    with pytest.raises(ScheduleError) as err:
        parse_time(text)
    message = said(err.value)
    assert message.startswith("I could not read the time")
    assert "09:00" in message and "/subscribe daily" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("AMERICA/NEW_YORK", "America/New_York"),
        ("America/New York", "America/New_York"),
        ("berlin", "Europe/Berlin"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
        ("Etc/UTC", "UTC"),
        ("UTC+2", "UTC+02:00"),
        ("UTC +2", "UTC+02:00"),
        ("+05:30", "UTC+05:30"),
        ("UTC+0530", "UTC+05:30"),
        ("UTC-3", "UTC-03:00"),
        ("GMT+1", "UTC+01:00"),
        ("UTC+0", "UTC"),
        ("-00:00", "UTC"),
        ("UTC+14", "UTC+14:00"),
        ("UTC-12:00", "UTC-12:00"),
    ],
)
def test_parse_zone(text: str, expected: str) -> None:
    assert parse_zone(text) == expected
    assert parse_zone(expected) == expected  # canonical names read back as themselves


@pytest.mark.parametrize("text", ["", "Mars/Olympus", "PST", "UTC+15", "+14:30", "UTC+5:75"])
def test_parse_zone_errors_are_friendly(text: str) -> None:
    with pytest.raises(ScheduleError) as err:
        parse_zone(text)
    assert "UTC+02:00" in said(err.value)


def test_an_ambiguous_city_asks_for_the_whole_name() -> None:
    with pytest.raises(ScheduleError) as err:
        parse_zone("Eastern")
    assert re.search(r"could be .* or .*Write the whole name", said(err.value))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *[("mon", 0), ("Monday", 0), ("Mo", 0), ("tues", 1), ("Wed", 2), ("weds", 2)],
        *[("Thurs", 3), ("fri.", 4), ("SAT", 5), ("sundays", 6)],
    ],
)
def test_parse_weekday(text: str, expected: int) -> None:
    assert parse_weekday(text) == expected


@pytest.mark.parametrize("text", ["1", "0", "m", "t", "tomorrow", ""])
def test_parse_weekday_refuses_numbers_and_guesses(text: str) -> None:
    with pytest.raises(ScheduleError) as err:
        parse_weekday(text)
    assert "mon or Monday" in said(err.value)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("daily 09:00 Europe/Berlin", DigestSpec("daily", time(9), "Europe/Berlin")),
        ("weekly mon 18:30 UTC", DigestSpec("weekly", time(18, 30), "UTC", 0)),
        (
            "weekly Friday 7am america/new_york",
            DigestSpec("weekly", time(7), "America/New_York", 4),
        ),
        ("daily 9:30 pm UTC+2", DigestSpec("daily", time(21, 30), "UTC+02:00")),
        ("sun 20:00 GMT", DigestSpec("weekly", time(20), "UTC", 6)),
        ("09:00 berlin", DigestSpec("daily", time(9), "Europe/Berlin")),
    ],
)
def test_parse_subscribe_args(line: str, expected: DigestSpec) -> None:
    assert parse_subscribe_args(line.split()) == expected


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("", "/subscribe daily 09:00 Europe/Berlin"),
        ("weekly 18:30 UTC", "Which day of the week? Put it after weekly, for example: "),
        ("weekly", "/subscribe weekly mon 18:30 UTC"),
        ("weekly someday 18:30 UTC", "I could not read the day"),
        ("daily", "At what time?"),
        ("daily 9", "Which time zone?"),
        ("daily 27:00 UTC", "I could not read the time"),
        ("daily 9 Mars/Olympus", "I do not know the time zone"),
        ("hourly 9 UTC", "Start with daily or weekly"),
    ],
)
def test_parse_subscribe_args_errors_show_the_right_form(line: str, hint: str) -> None:
    with pytest.raises(ScheduleError) as err:
        parse_subscribe_args(line.split())
    message = said(err.value)
    assert hint in message
    assert "/subscribe " in message  # every error carries an example to copy


def test_weekly_without_a_day_shows_the_weekly_form() -> None:
    with pytest.raises(ScheduleError) as err:
        parse_subscribe_args(["weekly", "18:30", "UTC"])
    assert "/subscribe weekly mon 18:30 UTC" in said(err.value)


def test_spec_checks_itself() -> None:
    with pytest.raises(ScheduleError):
        DigestSpec("weekly", time(9), "UTC")  # no weekday
    with pytest.raises(ScheduleError):
        DigestSpec("daily", time(9), "UTC", 2)
    with pytest.raises(ScheduleError):
        DigestSpec("weekly", time(9), "UTC", 7)
    with pytest.raises(ScheduleError):
        DigestSpec("daily", time(9), "europe/berlin")  # not canonical
    with pytest.raises(ScheduleError):
        DigestSpec("daily", time(9, 0, 30), "UTC")
    with pytest.raises(ScheduleError):
        DigestSpec("hourly", time(9), "UTC")  # type: ignore[arg-type]


def test_describe_and_tzinfo() -> None:
    assert describe(MESSAGES, daily("09:00", "Europe/Berlin")) == "daily at 09:00, Europe/Berlin"
    assert describe(MESSAGES, weekly(0, "18:30", "UTC")) == "weekly on Monday at 18:30, UTC"
    assert daily("09:00", "Europe/Berlin").tzinfo() == ZoneInfo("Europe/Berlin")
    assert daily("09:00", "UTC").tzinfo() == UTC
    offset = daily("09:00", "UTC+05:30").tzinfo()
    assert offset == timezone(timedelta(hours=5, minutes=30))
    assert daily("09:00", "UTC-03:00").tzinfo().utcoffset(None) == timedelta(hours=-3)


# --- next_due ------------------------------------------------------------------------


def test_new_york_nine_am_is_nine_am_in_july_and_december() -> None:
    spec = daily("09:00", "America/New_York")
    assert next_due(spec, utc(2024, 7, 1)) == utc(2024, 7, 1, 13)  # EDT, UTC-4
    assert next_due(spec, utc(2024, 12, 1)) == utc(2024, 12, 1, 14)  # EST, UTC-5


@pytest.mark.parametrize(
    ("zone", "day_before", "day_of", "before_utc", "after_utc"),
    [
        # Spring forward: the UTC instant comes an hour earlier.
        ("America/New_York", date(2024, 3, 9), date(2024, 3, 10), 14, 13),
        ("Europe/Berlin", date(2024, 3, 30), date(2024, 3, 31), 8, 7),
        # Fall back: an hour later.
        ("America/New_York", date(2024, 11, 2), date(2024, 11, 3), 13, 14),
        ("Europe/Berlin", date(2024, 10, 26), date(2024, 10, 27), 7, 8),
    ],
)
def test_daily_across_dst(
    zone: str, day_before: date, day_of: date, before_utc: int, after_utc: int
) -> None:
    spec = daily("09:00", zone)
    first = next_due(spec, datetime.combine(day_before, time(0), UTC))
    second = next_due(spec, first)
    assert first == datetime.combine(day_before, time(before_utc), UTC)
    assert second == datetime.combine(day_of, time(after_utc), UTC)
    for instant in (first, second):
        assert instant.astimezone(ZoneInfo(zone)).time() == time(9)


@pytest.mark.parametrize(
    ("zone", "day", "expected_utc", "expected_local"),
    [
        ("America/New_York", date(2024, 3, 10), utc(2024, 3, 10, 7), time(3)),
        ("Europe/Berlin", date(2024, 3, 31), utc(2024, 3, 31, 1), time(3)),
    ],
)
def test_a_time_that_does_not_exist_is_sent_when_the_clock_resumes(
    zone: str, day: date, expected_utc: datetime, expected_local: time
) -> None:
    spec = daily("02:30", zone)
    due = next_due(spec, datetime.combine(day, time(0), ZoneInfo(zone)))
    assert due == expected_utc
    assert due.astimezone(ZoneInfo(zone)).time() == expected_local
    following = next_due(spec, due)  # the next day 02:30 exists again
    assert following.astimezone(ZoneInfo(zone)).replace(tzinfo=None) == datetime.combine(
        day + timedelta(days=1), time(2, 30)
    )


@pytest.mark.parametrize(
    ("zone", "at", "day", "first_utc"),
    [
        ("America/New_York", "01:30", date(2024, 11, 3), utc(2024, 11, 3, 5, 30)),
        ("Europe/Berlin", "02:30", date(2024, 10, 27), utc(2024, 10, 27, 0, 30)),
    ],
)
def test_an_ambiguous_time_is_sent_once_at_its_first_occurrence(
    zone: str, at: str, day: date, first_utc: datetime
) -> None:
    spec = daily(at, zone)
    due = next_due(spec, datetime.combine(day, time(0), ZoneInfo(zone)))
    assert due == first_utc
    assert due.astimezone(ZoneInfo(zone)).fold == 0
    # The same wall time an hour later is not a second slot: next comes the next day.
    following = next_due(spec, due)
    assert following - due == timedelta(hours=25)
    assert following.astimezone(ZoneInfo(zone)).date() == day + timedelta(days=1)


def test_a_change_at_midnight_moves_the_slot_to_the_first_hour() -> None:
    # Chile springs forward at 24:00: on 8 September 2024 the clock goes 23:59 -> 01:00.
    spec = daily("00:30", "America/Santiago")
    due = next_due(spec, utc(2024, 9, 7, 12))
    assert due.astimezone(ZoneInfo("America/Santiago")).replace(tzinfo=None) == datetime(
        2024, 9, 8, 1, 0
    )
    assert due == utc(2024, 9, 8, 4)


def test_weekly_across_dst() -> None:
    spec = weekly(6, "09:00", "America/New_York")  # Sundays; DST starts Sun 10 Mar 2024
    first = next_due(spec, utc(2024, 3, 1))
    second = next_due(spec, first)
    third = next_due(spec, second)
    assert first == utc(2024, 3, 3, 14)
    assert second == utc(2024, 3, 10, 13)
    assert second - first == timedelta(days=7) - timedelta(hours=1)
    assert third == utc(2024, 3, 17, 13)
    berlin = weekly(0, "07:15", "Europe/Berlin")  # Mondays, across the October change
    a = next_due(berlin, utc(2024, 10, 21))
    b = next_due(berlin, a)
    assert (a, b) == (utc(2024, 10, 21, 5, 15), utc(2024, 10, 28, 6, 15))


def test_weekly_on_the_day_itself() -> None:
    spec = weekly(0, "18:30", "UTC")  # 2024-07-01 is a Monday
    assert next_due(spec, utc(2024, 7, 1, 12)) == utc(2024, 7, 1, 18, 30)
    assert next_due(spec, utc(2024, 7, 1, 18, 30)) == utc(2024, 7, 8, 18, 30)


@pytest.mark.parametrize(("zone", "hour_utc"), [("UTC+05:30", (3, 30)), ("UTC-03:00", (12, 0))])
def test_fixed_offsets_never_shift(zone: str, hour_utc: tuple[int, int]) -> None:
    spec = daily("09:00", zone)
    for month in (1, 7):
        assert next_due(spec, utc(2024, month, 1)) == utc(2024, month, 1, *hour_utc)


def test_next_due_is_strictly_after_and_accepts_any_aware_instant() -> None:
    spec = daily("09:00", "Europe/Berlin")
    slot = utc(2024, 7, 1, 7)
    assert next_due(spec, slot) == slot + timedelta(days=1)
    assert next_due(spec, slot - timedelta(microseconds=1)) == slot
    in_tokyo = slot.astimezone(ZoneInfo("Asia/Tokyo"))
    assert next_due(spec, in_tokyo) == slot + timedelta(days=1)
    assert next_due(spec, slot).tzinfo is UTC
    with pytest.raises(ValueError, match="aware"):
        next_due(spec, datetime(2024, 7, 1))


# --- missed slots --------------------------------------------------------------------

GRACE = timedelta(hours=6)


def test_on_time_sends_and_moves_to_the_next_slot() -> None:
    spec = daily("09:00", "UTC")
    due = utc(2024, 7, 1, 9)
    assert slot_to_send(spec, due, due, GRACE) == (True, utc(2024, 7, 2, 9))
    late = due + timedelta(hours=5, minutes=59)
    assert slot_to_send(spec, due, late, GRACE) == (True, utc(2024, 7, 2, 9))


def test_a_slot_missed_beyond_grace_is_skipped() -> None:
    spec = daily("09:00", "UTC")
    due = utc(2024, 7, 1, 9)
    assert slot_to_send(spec, due, due + timedelta(hours=7), GRACE) == (False, utc(2024, 7, 2, 9))


def test_three_days_down_sends_once_for_the_latest_slot() -> None:
    spec = daily("09:00", "UTC")
    due = utc(2024, 7, 1, 9)  # stored before the bot went down
    now = utc(2024, 7, 4, 11)  # back two hours after the 4 July slot
    send, following = slot_to_send(spec, due, now, GRACE)
    assert (send, following) == (True, utc(2024, 7, 5, 9))
    # The stored due moves past now at once: the next tick finds nothing due.
    assert following > now


def test_several_missed_slots_make_one_send_not_one_per_slot() -> None:
    spec = daily("09:00", "UTC")
    due, now = utc(2024, 7, 1, 9), utc(2024, 7, 4, 10)
    sends = 0
    for _ in range(5):  # ticks every minute after the restart
        if due > now:
            break
        send, due = slot_to_send(spec, due, now, GRACE)
        sends += send
        now += timedelta(minutes=1)
    assert sends == 1


def test_a_week_down_sends_nothing_until_the_next_slot() -> None:
    spec = weekly(0, "09:00", "UTC")
    due = utc(2024, 7, 1, 9)
    now = utc(2024, 7, 10, 9)  # Wednesday: the Monday slot is two days old
    assert slot_to_send(spec, due, now, GRACE) == (False, utc(2024, 7, 15, 9))


def test_a_due_time_in_the_future_is_not_sent() -> None:
    spec = daily("09:00", "UTC")
    due = utc(2024, 7, 2, 9)
    assert slot_to_send(spec, due, utc(2024, 7, 1, 12), GRACE) == (False, due)


# --- properties ----------------------------------------------------------------------

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Europe/London",
    "America/Santiago",  # changes at midnight: 00:30 does not exist on the day
    "Australia/Sydney",
    "Australia/Lord_Howe",  # a half-hour DST change
    "Asia/Kolkata",
    "Pacific/Chatham",
    "UTC+05:30",
    "UTC-03:00",
    "UTC+14:00",
]

specs = st.builds(
    lambda cadence, hour, minute, zone, day: DigestSpec(
        cadence, time(hour, minute), zone, day if cadence == "weekly" else None
    ),
    st.sampled_from(["daily", "weekly"]),
    st.integers(0, 23),
    st.sampled_from([0, 1, 15, 30, 45, 59]),
    st.sampled_from(ZONES),
    st.integers(0, 6),
)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
)


def _exists(day: date, at: time, zone: ZoneInfo | timezone) -> bool:
    wall = datetime.combine(day, at)
    return wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


@settings(max_examples=400, deadline=None)
@given(specs, instants)
def test_next_due_properties(spec: DigestSpec, after: datetime) -> None:
    check_next_due(spec, after)


def check_next_due(spec: DigestSpec, after: datetime) -> None:
    """Strictly after, within a period and an hour, at the chosen wall time but in a gap."""
    due = next_due(spec, after)
    assert due > after
    assert due.tzinfo is UTC
    limit = timedelta(days=7 if spec.cadence == "weekly" else 1, hours=1)
    assert due - after <= limit
    zone = spec.tzinfo()
    local = due.astimezone(zone)
    if local.time() == spec.local_time:
        # The first occurrence of the wall time, on the chosen weekday.
        assert local.replace(fold=0).astimezone(UTC) == due
        assert spec.weekday is None or local.weekday() == spec.weekday
    else:
        # Only in a gap: the chosen time does not exist that day, and we send right after.
        assert isinstance(zone, ZoneInfo)
        assert not _exists(local.date(), spec.local_time, zone)
        assert local.time() > spec.local_time
        just_before = (due - timedelta(seconds=1)).astimezone(zone)
        assert just_before.utcoffset() != local.utcoffset()  # the clock jumped here
    assert previous_due(spec, due) == due  # it is a slot


@cache
def _change_days(zone: str) -> list[date]:
    """Days on which the zone's UTC offset changes, 2000-2037."""
    tz = ZoneInfo(zone)
    days = []
    day = date(2000, 1, 1)
    previous = datetime.combine(day, time(12), tz).utcoffset()
    while day < date(2038, 1, 1):
        day += timedelta(days=1)
        offset = datetime.combine(day, time(12), tz).utcoffset()
        if offset != previous:
            days.append(day)
        previous = offset
    return days


DST_ZONES = [z for z in ZONES if not z.startswith("UTC")]


@st.composite
def near_a_change(draw: st.DrawFn) -> tuple[str, datetime]:
    """A zone and an instant in the two days before one of its clock changes."""
    zone = draw(st.sampled_from(DST_ZONES))
    days = _change_days(zone)
    if not days:
        return zone, draw(instants)
    day = draw(st.sampled_from(days))
    start = datetime.combine(day - timedelta(days=2), time(0), UTC)
    return zone, start + timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))


@settings(max_examples=400, deadline=None)
@given(specs, near_a_change())
def test_next_due_properties_around_clock_changes(
    spec: DigestSpec, zone_and_instant: tuple[str, datetime]
) -> None:
    zone, after = zone_and_instant
    spec = DigestSpec(spec.cadence, spec.local_time, zone, spec.weekday)
    check_next_due(spec, after)


@settings(max_examples=300, deadline=None)
@given(specs, instants, st.integers(0, 60 * 24 * 10), st.integers(0, 12))
def test_slot_to_send_properties(
    spec: DigestSpec, due: datetime, minutes_late: int, grace_hours: int
) -> None:
    due = next_due(spec, due)  # a real slot, as stored
    now = due + timedelta(minutes=minutes_late)
    grace = timedelta(hours=grace_hours)
    send, following = slot_to_send(spec, due, now, grace)
    assert following > now
    assert following == next_due(spec, now)
    latest = previous_due(spec, now)
    assert due <= latest <= now
    assert send == (now - latest <= grace)
