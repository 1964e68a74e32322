"""Slot keys and slot times: when one (hour, minute, days, zone) slot fires, DST-safe.

A slot's occurrence on a local date ``D`` (a weekday in its day set) is the instant
``datetime(D, hour:minute, zone)`` with ``fold=0``, in UTC. So, in every zone:

- a wall time that happens twice (fall-back fold) fires once, at its FIRST instant:
  01:30 in America/New_York on 2027-11-07 fires at 01:30 EDT (05:30 UTC), never again at
  01:30 EST; likewise 01:30 Europe/London on 2027-10-31 and 02:30 Australia/Sydney on
  2027-04-04;
- a wall time that does not exist (spring-forward gap) fires once, shifted forward by the
  gap: 02:30 in America/New_York on 2027-03-14 fires at 03:30 EDT (07:30 UTC).

APScheduler's ``CronTrigger`` proposes the candidate local date; these rules decide the
instant. That guards against what APScheduler 3.11.3 does on its own: it yields a second
fire time in the fold (01:30 EST after 01:30 EDT), it skips the gap day when asked from a
"now" between the gap and the shifted time (03:10 EDT on 2027-03-14 gives 03-15), and older
3.x releases (issue #1021) return the same or an earlier time forever for a ``fold=1`` input.
Every candidate that does not move forward is stepped past, and a final calendar walk makes
``next_after`` total for any valid slot.

Days are ``datetime.weekday()`` numbers (0 = Monday) of the LOCAL date.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.cron.fields import DEFAULT_VALUES

# (hour, minute, sorted weekdays, IANA zone): hashable and shared by a slot's reminders
SlotKey = tuple[int, int, tuple[int, ...], str]

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ONE_DAY = timedelta(days=1)
# Candidates a cron trigger may propose before the calendar walk takes over.
_MAX_CANDIDATES = 8
# The calendar walk: a week plus slack for the day before and odd transitions.
_WALK_DAYS = 16
# Two occurrences of one slot are never closer than this (23 h days aside, DST twins are
# not occurrences), so "after the previous fire time" is safely "after it plus this".
MIN_SPACING = timedelta(minutes=1)


class TimeBase:
    """The engine's time base: engine time (UTC) = real time (UTC) + ``offset``.

    In production ``offset`` is zero; tests that inject a shifted clock move it. APScheduler
    only ever sees real time; triggers convert through this object.
    """

    __slots__ = ("offset",)

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset


def slot_key(hour: int, minute: int, days: frozenset[int] | tuple[int, ...], tz: str) -> SlotKey:
    """Return the slot key of a schedule (days sorted)."""
    return (hour, minute, tuple(sorted(days)), tz)


@functools.lru_cache(maxsize=1024)
def zone_for(tz: str) -> ZoneInfo:
    """Return the cached ZoneInfo for an IANA name; raises ZoneInfoNotFoundError if unknown."""
    return ZoneInfo(tz)


class SlotTrigger(CronTrigger):
    """The ``CronTrigger(hour, minute, day_of_week, timezone)`` of one slot, made DST-safe.

    ``next_after`` works in engine time (aware UTC in and out). APScheduler calls
    ``get_next_fire_time`` with real times; the answer is the slot's next occurrence
    converted through the shared :class:`TimeBase`.

    Raises ``ValueError`` (bad hour, minute or days) or ``ZoneInfoNotFoundError`` (bad zone)
    on construction.
    """

    __slots__ = ("_allowed", "_base", "_wall", "key")

    def __init__(self, key: SlotKey, base: TimeBase | None = None) -> None:
        hour, minute, days, tz = key
        if not days or not set(days) <= set(range(7)):
            raise ValueError(f"days must be a non-empty set of 0-6 (0 = Monday), got {days!r}")
        # What CronTrigger(hour=, minute=, day_of_week=, timezone=) builds, through its own
        # state protocol, with the field objects (immutable once compiled) shared between
        # slots: 10x faster to build and far smaller for thousands of slots. A unit test
        # checks it against the plain constructor.
        fields = _cron_fields(
            {
                "day_of_week": ",".join(WEEKDAY_NAMES[day] for day in days),
                "hour": str(hour),
                "minute": str(minute),
            }
        )
        self.__setstate__(
            {
                "version": 2,
                "timezone": zone_for(tz),
                "start_date": None,
                "end_date": None,
                "fields": fields,
                "jitter": None,
            }
        )
        self.key = key
        self._wall = time(hour, minute)
        self._allowed = frozenset(days)
        self._base = base if base is not None else TimeBase()

    @property
    def zone(self) -> tzinfo:
        """The slot's time zone."""
        zone: tzinfo = self.timezone
        return zone

    @property
    def wall(self) -> time:
        """The slot's local wall time (naive)."""
        return self._wall

    def occurrence_on(self, day: date) -> datetime:
        """Return the slot's instant (aware UTC) on local date ``day``, by the rules above."""
        wall = self._wall
        local = datetime(day.year, day.month, day.day, wall.hour, wall.minute, tzinfo=self.zone)
        return local.astimezone(UTC)

    def local_date(self, instant: datetime) -> date:
        """Return the local date in the slot's zone of an aware instant."""
        return instant.astimezone(self.zone).date()

    def next_after(self, after: datetime) -> datetime:
        """Return the first occurrence strictly after ``after`` (aware, any zone), in UTC.

        The cron trigger proposes a date; dates it skipped are checked by the calendar
        rules and candidates that do not move forward (a DST twin, #1021) are stepped past.
        """
        after = after.astimezone(UTC)
        zone = self.zone
        allowed = self._allowed
        scan_from = after.astimezone(zone).date() - ONE_DAY
        candidate = super().get_next_fire_time(None, after.astimezone(zone))
        for _ in range(_MAX_CANDIDATES):
            if candidate is None:
                break
            proposed = candidate.date()
            day = scan_from
            while day <= proposed:  # the proposed date and any date the trigger skipped
                if day.weekday() in allowed:
                    occurrence = self.occurrence_on(day)
                    if occurrence > after:
                        return occurrence
                day += ONE_DAY
            scan_from = proposed + ONE_DAY
            following = super().get_next_fire_time(candidate, candidate)
            if following is None or following.astimezone(UTC) <= candidate.astimezone(UTC):
                # #1021: no progress; restart the trigger from the next local midnight
                midnight = datetime.combine(scan_from, time(0), zone)
                following = super().get_next_fire_time(None, midnight)
            candidate = following
        return self.next_by_calendar(after)

    def previous_before(self, before: datetime) -> datetime | None:
        """Return the last occurrence strictly before ``before``, within 16 days, in UTC."""
        before = before.astimezone(UTC)
        day = before.astimezone(self.zone).date() + ONE_DAY
        for _ in range(_WALK_DAYS):
            if day.weekday() in self._allowed:
                occurrence = self.occurrence_on(day)
                if occurrence < before:
                    return occurrence
            day -= ONE_DAY
        return None

    def due_at(self, now: datetime, grace: timedelta) -> datetime | None:
        """Return the occurrence due at ``now``: the latest in ``[now - grace, now]``, or None.

        ``grace`` must be shorter than a day, so at most one occurrence fits.
        """
        occurrence = self.next_after(now - grace - timedelta(microseconds=1))
        return occurrence if occurrence <= now else None

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """APScheduler's hook, in REAL time: the next occurrence after the previous fire time.

        With no previous fire time, the first occurrence after ``now``.
        """
        offset = self._base.offset
        if previous_fire_time is not None:
            after = previous_fire_time.astimezone(UTC) + offset + MIN_SPACING
        else:
            after = now.astimezone(UTC) + offset
        return self.next_after(after) - offset

    def next_by_calendar(self, after: datetime) -> datetime:
        """The rules alone (no cron): the first occurrence strictly after ``after``, in UTC.

        Equal to ``next_after`` by construction (unit-tested across DST); used at start-up,
        where it is ten times cheaper for thousands of slots.
        """
        day = after.astimezone(self.zone).date() - ONE_DAY
        for _ in range(_WALK_DAYS):
            if day.weekday() in self._allowed:
                occurrence = self.occurrence_on(day)
                if occurrence > after:
                    return occurrence
            day += ONE_DAY
        raise RuntimeError(f"no occurrence of slot {self.key} within {_WALK_DAYS} days of {after}")

    def __str__(self) -> str:
        days = ",".join(WEEKDAY_NAMES[day] for day in self.key[2])
        return f"slot {self._wall:%H:%M} {days} {self.key[3]}"


def _cron_fields(values: dict[str, str]) -> list[Any]:
    """The field list ``CronTrigger(**values)`` builds (the same default rules), shared."""
    fields = []
    assign_defaults = False
    for name in CronTrigger.FIELD_NAMES:
        if name in values:
            exprs = values.pop(name)
            is_default = False
            assign_defaults = not values
        elif assign_defaults:
            exprs, is_default = str(DEFAULT_VALUES[name]), True
        else:
            exprs, is_default = "*", True
        fields.append(_shared_field(name, exprs, is_default))
    return fields


@functools.lru_cache(maxsize=4096)
def _shared_field(name: str, exprs: str, is_default: bool) -> Any:
    """One compiled cron field; raises ValueError for an out-of-range value."""
    return CronTrigger.FIELDS_MAP[name](name, exprs, is_default)
