"""Study streaks: consecutive scheduled days studied, and the bounded list of study dates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

DEFAULT_KEEP = 400
_EVERY_DAY = frozenset(range(7))


def study_streak(studied: Sequence[date], scheduled_days: frozenset[int], today: date) -> int:
    """Count consecutive scheduled days studied, back from ``today``.

    Unscheduled days are skipped (they neither count nor break the streak); today, if
    scheduled and not yet studied, does not break it either. No scheduled days = every day.
    """
    days = scheduled_days or _EVERY_DAY
    done = {day for day in studied if day <= today}
    if not done:
        return 0
    oldest = min(done)
    streak = 0
    day = today
    if day.weekday() in days and day not in done:
        day -= timedelta(days=1)
    while day >= oldest:
        if day.weekday() in days:
            if day not in done:
                break
            streak += 1
        day -= timedelta(days=1)
    return streak


def record_study(studied: tuple[str, ...], day: date, keep: int = DEFAULT_KEEP) -> tuple[str, ...]:
    """Add ``day`` to ISO study dates: sorted, deduplicated, only the newest ``keep`` kept."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    dates = set(parse_study_dates(studied))
    dates.add(day)
    return tuple(sorted(found.isoformat() for found in dates)[-keep:])


def parse_study_dates(studied: Iterable[str]) -> list[date]:
    """Turn stored ISO date strings into dates, skipping any that are malformed."""
    dates: list[date] = []
    for text in studied:
        try:
            dates.append(date.fromisoformat(text))
        except (TypeError, ValueError):
            continue
    return dates
