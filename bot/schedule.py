"""Reminder schedules as users see them: wording, local dates, and the parsing re-exported.

Days are ``datetime.weekday()`` numbers (0 = Monday) of the LOCAL date. When a schedule fires
(DST gaps and folds included) is the engine's business: ``bot.slot_times`` and
``bot.slot_scheduler``. Parsing lives in ``bot.schedule_parse`` and ``bot.schedule_zones``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.schedule_errors import ScheduleInputError
from bot.schedule_parse import (
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
    "local_date",
    "parse_days",
    "parse_remind_args",
    "parse_time",
    "parse_zone",
    "zone_info",
]


@functools.lru_cache(maxsize=1024)
def zone_info(tz: str) -> ZoneInfo:
    """Return the (cached) ZoneInfo for an IANA name; raises ZoneInfoNotFoundError if unknown."""
    return ZoneInfo(tz)


def local_date(instant_utc: datetime, tz: str) -> date:
    """Return the calendar date in ``tz`` at an aware instant.

    Raises ValueError for a naive datetime, ZoneInfoNotFoundError for an unknown zone.
    """
    return _aware(instant_utc).astimezone(zone_info(tz)).date()


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
