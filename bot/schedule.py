"""Reminder schedule maths: next occurrence in a local time zone (DST-safe), catch-up, wording.

Days are ``datetime.weekday()`` numbers (0 = Monday) of the LOCAL date. A wall time that does
not exist (spring-forward gap) fires once, at the instant ``fold=0`` gives, which is the wall
time shifted forward by the gap (02:30 in New York on 2026-03-08 fires at 03:30 EDT). A wall
time that happens twice (fall-back fold) fires once, at its first (``fold=0``) instant.
Parsing lives in ``bot.schedule_parse`` and ``bot.schedule_zones``; it is re-exported here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.schedule_errors import ScheduleInputError
from bot.schedule_parse import (
    DAY_ABBREVIATIONS,
    EVERY_DAY,
    WEEKDAYS,
    WEEKENDS,
    ReminderSpec,
    parse_days,
    parse_remind_args,
    parse_time,
)
from bot.schedule_zones import parse_zone

__all__ = [
    "EVERY_DAY",
    "WEEKDAYS",
    "WEEKENDS",
    "ReminderSpec",
    "ScheduleInputError",
    "describe_days",
    "describe_schedule",
    "local_date",
    "next_occurrence",
    "occurrences_between",
    "parse_days",
    "parse_remind_args",
    "parse_time",
    "parse_zone",
    "ptb_days",
    "zone_info",
]

_ONE_DAY = timedelta(days=1)
# Candidate local dates to try; a week plus slack for the day before and odd transitions.
_SEARCH_DAYS = 16


@functools.lru_cache(maxsize=1024)
def zone_info(tz: str) -> ZoneInfo:
    """Return the (cached) ZoneInfo for an IANA name; raises ZoneInfoNotFoundError if unknown."""
    return ZoneInfo(tz)


def local_date(instant_utc: datetime, tz: str) -> date:
    """Return the calendar date in ``tz`` at an aware instant."""
    return _aware(instant_utc).astimezone(zone_info(tz)).date()


def next_occurrence(
    hour: int, minute: int, days: Iterable[int], tz: str, after: datetime
) -> datetime:
    """Return the first scheduled instant strictly after ``after``, as an aware UTC datetime."""
    allowed = _checked_days(days)
    wall = _wall_time(hour, minute)
    zone = zone_info(tz)
    after = _aware(after)
    day = after.astimezone(zone).date() - _ONE_DAY
    for _ in range(_SEARCH_DAYS):
        if day.weekday() in allowed:
            instant = datetime.combine(day, wall, zone).astimezone(UTC)
            if instant > after:
                return instant
        day += _ONE_DAY
    raise RuntimeError(f"no occurrence of {wall} in {tz} within {_SEARCH_DAYS} days of {after}")


def occurrences_between(
    hour: int, minute: int, days: Iterable[int], tz: str, start: datetime, end: datetime
) -> list[datetime]:
    """Return every scheduled UTC instant with ``start < instant <= end``, oldest first."""
    allowed = _checked_days(days)
    wall = _wall_time(hour, minute)
    zone = zone_info(tz)
    start, end = _aware(start), _aware(end)
    if end <= start:
        return []
    day = start.astimezone(zone).date() - _ONE_DAY
    last_day = end.astimezone(zone).date() + _ONE_DAY
    found: list[datetime] = []
    while day <= last_day:
        if day.weekday() in allowed:
            instant = datetime.combine(day, wall, zone).astimezone(UTC)
            if start < instant <= end:
                found.append(instant)
        day += _ONE_DAY
    return found


def describe_days(days: Iterable[int]) -> str:
    """Word a day set: "every day", "on weekdays", "on weekends" or "on Mon, Wed, Fri"."""
    allowed = _checked_days(days)
    if allowed == EVERY_DAY:
        return "every day"
    if allowed == WEEKDAYS:
        return "on weekdays"
    if allowed == WEEKENDS:
        return "on weekends"
    return "on " + ", ".join(DAY_ABBREVIATIONS[day] for day in sorted(allowed))


def describe_schedule(hour: int, minute: int, days: Iterable[int], tz: str) -> str:
    """Word a schedule, like "19:30 on Mon, Wed, Fri (America/Chicago)"."""
    wall = _wall_time(hour, minute)
    return f"{wall:%H:%M} {describe_days(days)} ({tz})"


def ptb_days(days: Iterable[int]) -> tuple[int, ...]:
    """Convert weekday() numbers (0 = Monday) to PTB ``run_daily`` numbers (0 = Sunday)."""
    return tuple(sorted((day + 1) % 7 for day in _checked_days(days)))


def _checked_days(days: Iterable[int]) -> frozenset[int]:
    allowed = days if isinstance(days, frozenset) else frozenset(days)
    if not allowed or not allowed <= EVERY_DAY:
        raise ValueError(f"days must be a non-empty set of 0-6 (0 = Monday), got {days!r}")
    return allowed


@functools.lru_cache(maxsize=2048)
def _wall_time(hour: int, minute: int) -> time:
    return time(hour, minute)


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a naive datetime is ambiguous here; pass an aware UTC datetime")
    return instant
