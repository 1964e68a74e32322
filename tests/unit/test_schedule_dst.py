"""When a slot fires (bot.slot_times.SlotTrigger, the engine's trigger) across DST changes,
the date line, and a seeded property check against the calendar rules."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.schedule import EVERY_DAY, WEEKDAYS, local_date
from bot.slot_times import SlotTrigger, slot_key


def next_occurrence(
    hour: int, minute: int, days: frozenset[int], tz: str, after: datetime
) -> datetime:
    """The engine's next fire time (UTC) strictly after ``after``, APScheduler-driven."""
    return SlotTrigger(slot_key(hour, minute, days, tz)).next_after(after)


def occurrences_between(
    hour: int, minute: int, days: frozenset[int], tz: str, start: datetime, end: datetime
) -> list[datetime]:
    """Every fire time the engine's trigger yields with ``start < instant <= end``."""
    trigger = SlotTrigger(slot_key(hour, minute, days, tz))
    found: list[datetime] = []
    while (fired := trigger.next_after(start)) <= end:
        found.append(fired)
        start = fired
    return found


def _local_day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """UTC instants just before the local day starts and at the start of the next local day."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)
    return start - timedelta(microseconds=1), end - timedelta(microseconds=1)


def _at(
    tz: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0
) -> datetime:
    """The UTC instant of a local wall time in ``tz``."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz), fold=fold).astimezone(UTC)


# (zone, day, hour, minute, the one UTC instant it must fire at)
DST_DAYS = [
    # Spring forward, 02:00 -> 03:00: 02:30 does not exist and fires at 03:30 EDT.
    ("America/New_York", date(2026, 3, 8), 2, 30, datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
    # Fall back, 02:00 -> 01:00: 01:30 happens twice and fires at the first, 01:30 EDT.
    ("America/New_York", date(2026, 11, 1), 1, 30, datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
    # 02:30 on the fall-back day is not repeated: one ordinary instant, in EST.
    ("America/New_York", date(2026, 11, 1), 2, 30, datetime(2026, 11, 1, 7, 30, tzinfo=UTC)),
    # London springs forward 01:00 -> 02:00: 01:30 fires at 02:30 BST.
    ("Europe/London", date(2026, 3, 29), 1, 30, datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
    # London falls back 02:00 -> 01:00: 01:30 fires once, at 01:30 BST.
    ("Europe/London", date(2026, 10, 25), 1, 30, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    # Sydney falls back 03:00 -> 02:00 on 5 April: 02:30 fires once, at 02:30 AEDT.
    ("Australia/Sydney", date(2026, 4, 5), 2, 30, datetime(2026, 4, 4, 15, 30, tzinfo=UTC)),
    # Sydney springs forward 02:00 -> 03:00 on 4 October: 02:30 fires at 03:30 AEDT.
    ("Australia/Sydney", date(2026, 10, 4), 2, 30, datetime(2026, 10, 3, 16, 30, tzinfo=UTC)),
    # Kolkata has no DST and a half-hour offset.
    ("Asia/Kolkata", date(2026, 3, 8), 2, 30, datetime(2026, 3, 7, 21, 0, tzinfo=UTC)),
    ("Asia/Kolkata", date(2026, 11, 1), 1, 30, datetime(2026, 10, 31, 20, 0, tzinfo=UTC)),
]


@pytest.mark.parametrize(("tz", "day", "hour", "minute", "expected"), DST_DAYS)
def test_fires_exactly_once_on_a_dst_day(
    tz: str, day: date, hour: int, minute: int, expected: datetime
) -> None:
    start, end = _local_day_bounds(day, tz)
    assert occurrences_between(hour, minute, EVERY_DAY, tz, start, end) == [expected]


@pytest.mark.parametrize(("tz", "day", "hour", "minute", "expected"), DST_DAYS)
def test_next_occurrence_agrees_with_catch_up_on_a_dst_day(
    tz: str, day: date, hour: int, minute: int, expected: datetime
) -> None:
    start, end = _local_day_bounds(day, tz)
    first = next_occurrence(hour, minute, EVERY_DAY, tz, start)
    assert first == expected
    assert next_occurrence(hour, minute, EVERY_DAY, tz, first) > end


def test_gap_resolution_matches_fold_zero() -> None:
    fired = next_occurrence(2, 30, EVERY_DAY, "America/New_York", _at("UTC", 2026, 3, 8))
    assert fired == _at("America/New_York", 2026, 3, 8, 2, 30, fold=0)
    assert fired.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") == "03:30"


def test_never_fires_again_in_the_repeated_hour() -> None:
    tz = "America/New_York"
    first_0130 = _at(tz, 2026, 11, 1, 1, 30, fold=0)
    inside_repeat = _at(tz, 2026, 11, 1, 1, 15, fold=1)  # the second 01:15, after the first 01:30
    assert inside_repeat > first_0130
    assert next_occurrence(1, 30, EVERY_DAY, tz, inside_repeat) == _at(tz, 2026, 11, 2, 1, 30)


def test_result_is_aware_utc() -> None:
    fired = next_occurrence(9, 0, EVERY_DAY, "Asia/Kolkata", datetime(2026, 5, 1, tzinfo=UTC))
    assert fired.tzinfo is UTC
    assert fired == datetime(2026, 5, 1, 3, 30, tzinfo=UTC)


def test_is_strictly_after() -> None:
    at = datetime(2026, 5, 1, 7, 0, tzinfo=UTC)
    assert next_occurrence(7, 0, EVERY_DAY, "UTC", at) == at + timedelta(days=1)
    assert next_occurrence(7, 0, EVERY_DAY, "UTC", at - timedelta(microseconds=1)) == at


def test_accepts_an_aware_non_utc_after() -> None:
    after = datetime(2026, 5, 1, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # 06:00 UTC
    assert next_occurrence(7, 0, EVERY_DAY, "UTC", after) == datetime(2026, 5, 1, 7, tzinfo=UTC)


def test_weekday_is_the_local_one_east_of_the_date_line() -> None:
    # Sunday 2026-05-31 20:00 UTC is already Monday 08:00 in Auckland.
    after = datetime(2026, 5, 31, 20, 0, tzinfo=UTC)
    fired = next_occurrence(9, 0, frozenset({0}), "Pacific/Auckland", after)  # Mondays
    assert fired == datetime(2026, 5, 31, 21, 0, tzinfo=UTC)  # a Sunday in UTC
    assert local_date(fired, "Pacific/Auckland") == date(2026, 6, 1)


def test_weekday_is_the_local_one_west_of_the_date_line() -> None:
    # Monday 2026-06-01 05:00 UTC is still Sunday 19:00 in Honolulu.
    after = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
    fired = next_occurrence(20, 0, frozenset({6}), "Pacific/Honolulu", after)  # Sundays
    assert fired == datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday in UTC
    assert local_date(fired, "Pacific/Honolulu").weekday() == 6


def test_weekday_only_schedule_skips_the_weekend() -> None:
    friday_evening = datetime(2026, 5, 29, 22, 0, tzinfo=UTC)
    fired = next_occurrence(7, 0, WEEKDAYS, "UTC", friday_evening)
    assert fired == datetime(2026, 6, 1, 7, 0, tzinfo=UTC)


ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
    "America/St_Johns",
    "Pacific/Kiritimati",
]


def test_consecutive_occurrences_increase_and_never_skip_an_allowed_day() -> None:
    rng = random.Random(20260308)
    for _ in range(300):
        tz = rng.choice(ZONES)
        hour, minute = rng.randrange(24), rng.choice((0, 15, 30, 45, rng.randrange(60)))
        days = frozenset(rng.sample(range(7), rng.randint(1, 7)))
        after = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(525_600))
        previous = after
        fired_days: list[date] = []
        for _ in range(20):
            fired = next_occurrence(hour, minute, days, tz, previous)
            assert fired > previous
            fired_days.append(local_date(fired, tz))
            previous = fired
        context = (tz, hour, minute, sorted(days), after)
        assert all(day.weekday() in days for day in fired_days), context
        first, last = fired_days[0], fired_days[-1]
        expected = [
            first + timedelta(days=offset)
            for offset in range((last - first).days + 1)
            if (first + timedelta(days=offset)).weekday() in days
        ]
        assert fired_days == expected, context
        by_calendar = SlotTrigger(slot_key(hour, minute, days, tz)).next_by_calendar
        assert next_occurrence(hour, minute, days, tz, after) == by_calendar(after), context


def test_first_occurrence_is_not_later_than_the_first_allowed_local_day() -> None:
    rng = random.Random(7)
    for _ in range(300):
        tz = rng.choice(ZONES)
        days = frozenset(rng.sample(range(7), rng.randint(1, 7)))
        after = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(525_600))
        fired = next_occurrence(rng.randrange(24), rng.randrange(60), days, tz, after)
        start_day = local_date(after, tz)
        fired_day = local_date(fired, tz)
        allowed_before = [
            start_day + timedelta(days=offset)
            for offset in range(1, (fired_day - start_day).days)
            if (start_day + timedelta(days=offset)).weekday() in days
        ]
        assert not allowed_before, (tz, sorted(days), after, fired)
        assert (fired_day - start_day).days <= 7
