"""Slot times and the ledger: DST rules, APScheduler's own behaviour, the #1021 guard."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.ledger import LedgerView, covers
from bot.slot_times import SlotTrigger, TimeBase, slot_key

DAILY = tuple(range(7))
NEW_YORK = ZoneInfo("America/New_York")
FALL_BACK = [  # (zone, hour, minute, local date of the fold)
    ("America/New_York", 1, 30, datetime(2027, 11, 7)),
    ("Europe/London", 1, 30, datetime(2027, 10, 31)),
    ("Australia/Sydney", 2, 30, datetime(2027, 4, 4)),
]


def trigger(hour: int, minute: int, tz: str, days: tuple[int, ...] = DAILY) -> SlotTrigger:
    return SlotTrigger(slot_key(hour, minute, frozenset(days), tz))


def walk(slot: SlotTrigger, start: datetime, count: int) -> list[datetime]:
    """``count`` successive occurrences after ``start``."""
    found, moment = [], start
    for _ in range(count):
        moment = slot.next_after(moment)
        found.append(moment)
    return found


def cron_fire_times(
    tz: str, hour: int, minute: int, start: datetime, count: int
) -> list[datetime]:
    """What a plain APScheduler CronTrigger yields, stepping from fire time to fire time."""
    cron = CronTrigger(hour=hour, minute=minute, timezone=ZoneInfo(tz))
    found: list[datetime] = []
    previous = None
    for _ in range(count):
        fire = cron.get_next_fire_time(previous, previous or start)
        found.append(fire)
        previous = fire
    return found


def test_slot_key_sorts_days() -> None:
    assert slot_key(9, 5, frozenset({4, 0, 2}), "UTC") == (9, 5, (0, 2, 4), "UTC")


def test_slot_trigger_is_the_plain_cron_trigger_with_shared_fields() -> None:
    for key in [(7, 30, (0, 1, 2, 3, 4), "America/Chicago"), (23, 59, (5, 6), "Asia/Kolkata")]:
        hour, minute, days, tz = key
        plain = CronTrigger(
            hour=hour,
            minute=minute,
            day_of_week=",".join(
                ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][d] for d in days
            ),
            timezone=ZoneInfo(tz),
        )
        slot = SlotTrigger(key)
        assert isinstance(slot, CronTrigger)
        assert [(f.name, str(f), f.is_default) for f in slot.fields] == [
            (f.name, str(f), f.is_default) for f in plain.fields
        ]
        start = datetime(2027, 1, 4, tzinfo=UTC)
        assert walk(slot, start, 20) == [
            t.astimezone(UTC) for t in cron_fire_times_for(plain, start, 20)
        ]
    assert (
        SlotTrigger((8, 0, DAILY, "UTC")).fields[5] is SlotTrigger((8, 0, (1,), "UTC")).fields[5]
    )


def cron_fire_times_for(cron: CronTrigger, start: datetime, count: int) -> list[datetime]:
    found: list[datetime] = []
    previous = None
    for _ in range(count):
        previous = cron.get_next_fire_time(previous, previous or start)
        found.append(previous)
    return found


def test_bad_slots_raise() -> None:
    with pytest.raises(ValueError):
        trigger(24, 0, "UTC")
    with pytest.raises(ValueError):
        SlotTrigger((9, 0, (), "UTC"))
    with pytest.raises(Exception, match="Nowhere"):
        trigger(9, 0, "Mars/Nowhere")


@pytest.mark.parametrize(("tz", "hour", "minute", "day"), FALL_BACK)
def test_apscheduler_alone_fires_twice_on_the_fall_back_day(
    tz: str, hour: int, minute: int, day: datetime
) -> None:
    """Documents APScheduler 3.11.3: two fire times on one local date (why the rules exist)."""
    start = (day - timedelta(days=1)).replace(hour=12, tzinfo=ZoneInfo(tz))
    fires = cron_fire_times(tz, hour, minute, start, 3)
    assert [f.date() for f in fires[:2]] == [day.date(), day.date()]
    assert [f.fold for f in fires[:2]] == [0, 1]


@pytest.mark.parametrize(("tz", "hour", "minute", "day"), FALL_BACK)
def test_fall_back_day_fires_once_at_the_first_instant(
    tz: str, hour: int, minute: int, day: datetime
) -> None:
    zone = ZoneInfo(tz)
    slot = trigger(hour, minute, tz)
    start = (day - timedelta(days=1)).replace(hour=12, tzinfo=zone)
    occurrences = walk(slot, start, 3)
    local_dates = [o.astimezone(zone).date() for o in occurrences]
    assert local_dates == [day.date() + timedelta(days=n) for n in range(3)]
    first_instant = day.replace(hour=hour, minute=minute, tzinfo=zone, fold=0)
    assert occurrences[0] == first_instant.astimezone(UTC)
    assert occurrences[1] - occurrences[0] == timedelta(hours=25)


def test_spring_forward_gap_fires_once_an_hour_later_even_asked_from_inside_the_gap() -> None:
    slot = trigger(2, 30, "America/New_York")
    expected = datetime(2027, 3, 14, 7, 30, tzinfo=UTC)  # 03:30 EDT
    assert walk(slot, datetime(2027, 3, 13, 12, tzinfo=UTC), 2) == [
        expected,
        datetime(2027, 3, 15, 6, 30, tzinfo=UTC),
    ]
    inside = datetime(2027, 3, 14, 3, 10, tzinfo=NEW_YORK)  # after the gap, before 03:30
    assert slot.next_after(inside) == expected
    # APScheduler alone skips that day when asked from there:
    cron = CronTrigger(hour=2, minute=30, timezone=NEW_YORK)
    assert cron.get_next_fire_time(None, inside).date() == datetime(2027, 3, 15).date()


@pytest.mark.parametrize(
    ("tz", "hour", "minute", "day", "expected_utc"),
    [
        ("Europe/London", 1, 30, datetime(2027, 3, 28), datetime(2027, 3, 28, 1, 30)),
        ("Australia/Sydney", 2, 30, datetime(2027, 10, 3), datetime(2027, 10, 2, 16, 30)),
        ("Asia/Kolkata", 2, 30, datetime(2027, 3, 14), datetime(2027, 3, 13, 21, 0)),
    ],
)
def test_gap_days_elsewhere_and_kolkata(
    tz: str, hour: int, minute: int, day: datetime, expected_utc: datetime
) -> None:
    slot = trigger(hour, minute, tz)
    before = (day - timedelta(days=1)).replace(tzinfo=UTC)
    occurrences = walk(slot, before, 3)
    assert expected_utc.replace(tzinfo=UTC) in occurrences
    assert len({o.astimezone(ZoneInfo(tz)).date() for o in occurrences}) == 3


def test_a_fold_1_time_goes_to_the_next_day() -> None:
    slot = trigger(1, 30, "America/New_York")
    second = datetime(2027, 11, 7, 1, 30, fold=1, tzinfo=NEW_YORK)  # 01:30 EST
    next_day = datetime(2027, 11, 8, 6, 30, tzinfo=UTC)
    assert slot.next_after(second) == next_day
    assert slot.get_next_fire_time(second, second) == next_day
    inside_fold = datetime(2027, 11, 7, 1, 10, fold=1, tzinfo=NEW_YORK)  # after 01:30 EDT
    assert slot.next_after(inside_fold) == next_day


class StuckCron(SlotTrigger):
    """A slot trigger whose cron part has bug #1021: it returns its input forever."""

    __slots__ = ()

    def next_after(self, after: datetime) -> datetime:
        original = CronTrigger.get_next_fire_time
        stuck = datetime(2027, 11, 7, 1, 30, fold=1, tzinfo=NEW_YORK)

        def forever(self: CronTrigger, previous: datetime | None, now: datetime) -> datetime:
            return stuck

        CronTrigger.get_next_fire_time = forever
        try:
            return super().next_after(after)
        finally:
            CronTrigger.get_next_fire_time = original


def test_issue_1021_a_trigger_stuck_on_a_fold_1_time_cannot_stall_or_repeat() -> None:
    slot = StuckCron((1, 30, DAILY, "America/New_York"))
    after = datetime(2027, 11, 7, 6, 30, tzinfo=UTC)
    assert slot.next_after(after) == datetime(2027, 11, 8, 6, 30, tzinfo=UTC)
    fire = slot.get_next_fire_time(after, after)
    assert fire is not None and fire > after


@pytest.mark.parametrize(
    "tz", ["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata"]
)
def test_cron_driven_next_after_equals_the_calendar_rules_through_a_year(tz: str) -> None:
    rng = random.Random(tz)
    zone = ZoneInfo(tz)
    for hour, minute in [(0, 0), (1, 30), (2, 30), (3, 0), (12, 0), (23, 59)]:
        for days in [DAILY, (6,), (0, 2, 4)]:
            slot = trigger(hour, minute, tz, days)
            for _ in range(60):
                after = datetime(2027, 1, 1, tzinfo=UTC) + timedelta(
                    minutes=rng.randrange(365 * 24 * 60)
                )
                found = slot.next_after(after)
                assert found == slot.next_by_calendar(after)
                local = found.astimezone(zone)
                assert found > after and local.weekday() in days
                assert found - after <= timedelta(days=7, hours=2)


def test_due_at_is_the_occurrence_within_the_grace() -> None:
    slot = trigger(9, 0, "UTC")
    nine = datetime(2027, 5, 3, 9, 0, tzinfo=UTC)
    grace = timedelta(minutes=30)
    assert slot.due_at(nine, grace) == nine
    assert slot.due_at(nine + grace, grace) == nine
    assert slot.due_at(nine + grace + timedelta(seconds=1), grace) is None
    assert slot.due_at(nine - timedelta(seconds=1), grace) is None


def test_real_time_hook_converts_through_the_time_base() -> None:
    base = TimeBase(timedelta(hours=2))  # the engine's clock runs two hours ahead
    slot = SlotTrigger((9, 0, DAILY, "UTC"), base)
    real_now = datetime(2027, 5, 3, 6, 0, tzinfo=UTC)  # engine: 08:00
    assert slot.get_next_fire_time(None, real_now) == datetime(2027, 5, 3, 7, 0, tzinfo=UTC)
    fired = datetime(2027, 5, 3, 7, 0, tzinfo=UTC)
    assert slot.get_next_fire_time(fired, fired) == datetime(2027, 5, 4, 7, 0, tzinfo=UTC)


# ----- the ledger ------------------------------------------------------------------------

NINE = time(9, 0)


def test_ledger_an_earlier_floor_the_same_day_still_allows_the_occurrence() -> None:
    occurrence = datetime(2027, 5, 3, 9, 0, tzinfo=UTC)
    assert not covers(datetime(2027, 5, 3, 8, 0, tzinfo=UTC), occurrence, UTC, NINE)
    assert covers(datetime(2027, 5, 3, 9, 5, tzinfo=UTC), occurrence, UTC, NINE)
    assert covers(occurrence, occurrence, UTC, NINE)
    assert not covers(None, occurrence, UTC, NINE)


def test_ledger_one_nudge_per_local_date_whatever_instant_claims_it() -> None:
    wall = time(1, 30)
    first = datetime(2027, 11, 7, 5, 30, tzinfo=UTC)  # 01:30 EDT
    twin = datetime(2027, 11, 7, 6, 30, tzinfo=UTC)  # 01:30 EST
    assert covers(first, twin, NEW_YORK, wall)
    gap_wall = time(2, 30)
    other_convention = datetime(2027, 3, 14, 7, 0, tzinfo=UTC)  # recorded as 03:00 EDT
    ours = datetime(2027, 3, 14, 7, 30, tzinfo=UTC)  # 03:30 EDT
    assert covers(other_convention, ours, NEW_YORK, gap_wall)
    view = LedgerView(ours, NEW_YORK, gap_wall)
    assert not view.allows(other_convention.isoformat())
    assert view.allows((ours - timedelta(days=1)).isoformat())
    assert view.allows(None)
    assert not view.allows("not a time")
