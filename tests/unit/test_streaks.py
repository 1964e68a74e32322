"""Study streaks over scheduled days, and the bounded study-date list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.streaks import parse_study_dates, record_study, study_streak

EVERY_DAY: frozenset[int] = frozenset()  # no reminders: every day counts as scheduled
MON_WED_FRI = frozenset({0, 2, 4})
WEDNESDAY = date(2026, 6, 3)


def _days_back(today: date, *offsets: int) -> list[date]:
    return [today - timedelta(days=offset) for offset in offsets]


def test_no_study_is_no_streak() -> None:
    assert study_streak([], EVERY_DAY, WEDNESDAY) == 0


def test_counts_consecutive_days_including_today() -> None:
    assert study_streak(_days_back(WEDNESDAY, 0, 1, 2), EVERY_DAY, WEDNESDAY) == 3


def test_today_not_yet_studied_does_not_break_the_streak() -> None:
    assert study_streak(_days_back(WEDNESDAY, 1, 2), EVERY_DAY, WEDNESDAY) == 2


def test_a_missed_scheduled_day_breaks_the_streak() -> None:
    assert study_streak(_days_back(WEDNESDAY, 0, 2, 3), EVERY_DAY, WEDNESDAY) == 1


def test_unscheduled_days_are_skipped() -> None:
    # Wed today, Mon, and last Fri, Wed studied; Tue, Sat, Sun, Thu are unscheduled.
    studied = _days_back(WEDNESDAY, 0, 2, 5, 7)
    assert study_streak(studied, MON_WED_FRI, WEDNESDAY) == 4


def test_study_on_unscheduled_days_does_not_count() -> None:
    studied = _days_back(WEDNESDAY, 0, 1, 2)  # Tuesday is not scheduled
    assert study_streak(studied, MON_WED_FRI, WEDNESDAY) == 2


def test_unscheduled_today_looks_back_to_the_last_scheduled_day() -> None:
    thursday = WEDNESDAY + timedelta(days=1)
    assert study_streak([WEDNESDAY, WEDNESDAY - timedelta(days=2)], MON_WED_FRI, thursday) == 2


def test_missing_a_scheduled_day_before_today_breaks_it() -> None:
    studied = _days_back(WEDNESDAY, 5)  # last Friday, but Monday was missed
    assert study_streak(studied, MON_WED_FRI, WEDNESDAY) == 0


def test_future_dates_are_ignored() -> None:
    studied = [WEDNESDAY + timedelta(days=1), WEDNESDAY]
    assert study_streak(studied, EVERY_DAY, WEDNESDAY) == 1


def test_long_streak_is_counted_fully() -> None:
    studied = _days_back(WEDNESDAY, *range(400))
    assert study_streak(studied, EVERY_DAY, WEDNESDAY) == 400


def test_record_study_sorts_dedupes_and_trims() -> None:
    stored = ("2026-06-02", "2026-06-01", "2026-06-02")
    assert record_study(stored, date(2026, 5, 31)) == ("2026-05-31", "2026-06-01", "2026-06-02")
    assert record_study(stored, date(2026, 6, 3), keep=2) == ("2026-06-02", "2026-06-03")


def test_record_study_twice_on_one_day_is_idempotent() -> None:
    once = record_study((), WEDNESDAY)
    assert record_study(once, WEDNESDAY) == once == ("2026-06-03",)


def test_record_study_drops_malformed_entries() -> None:
    assert record_study(("not a date", "2026-13-01"), WEDNESDAY) == ("2026-06-03",)


def test_record_study_keeps_at_most_keep_entries() -> None:
    stored = tuple(day.isoformat() for day in _days_back(WEDNESDAY, *range(1, 500)))
    kept = record_study(stored, WEDNESDAY)
    assert len(kept) == 400
    assert kept[-1] == "2026-06-03"


def test_record_study_rejects_a_zero_keep() -> None:
    with pytest.raises(ValueError, match="keep"):
        record_study((), WEDNESDAY, keep=0)


def test_parse_study_dates_round_trips() -> None:
    assert parse_study_dates(record_study((), WEDNESDAY)) == [WEDNESDAY]
