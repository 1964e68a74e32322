"""The delivery ledger: may this reminder be nudged for this occurrence?

Each reminder records in ``Reminder.last_fired`` (UTC ISO-8601) the last occurrence it was
delivered, or, for a reminder just added, resumed or moved, the moment from which it counts
(the service writes "now" then). An occurrence is delivered only if:

1. it is later than ``last_fired`` (UTC), and
2. ``last_fired`` does not already cover the occurrence's LOCAL date: if ``last_fired`` falls on
   the same local date (in the slot's zone) at or after the slot's wall time, that day is done.

Rule 2 is what makes "never twice a day" hold even when two instants claim one local date
(the fall-back fold, where APScheduler fires 01:30 EDT and then 01:30 EST; or a spring-forward
day recorded under another convention), while a reminder added at 08:00 for 09:00 still fires
at 09:00 the same day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo


def parse_instant(text: str | None) -> datetime | None:
    """Parse a stored ISO-8601 instant; a naive one is read as UTC. Raises ValueError if bad."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def covers(last_fired: datetime | None, occurrence: datetime, zone: tzinfo, wall: time) -> bool:
    """Whether a ledger entry ``last_fired`` already covers ``occurrence`` (both aware).

    ``zone`` and ``wall`` are the slot's zone and local wall time.
    """
    if last_fired is None:
        return False
    if occurrence <= last_fired:
        return True
    local = last_fired.astimezone(zone)
    return local.date() == occurrence.astimezone(zone).date() and local.time() >= wall


class LedgerView:
    """Ledger decisions for one occurrence of one slot, cached per distinct ``last_fired`` text.

    Reminders of a slot mostly share their ``last_fired`` string (the slot's previous
    occurrence), so a whole slot costs a few parses.
    """

    __slots__ = ("_cache", "_local_date", "_occurrence", "_wall", "_zone")

    def __init__(self, occurrence: datetime, zone: tzinfo, wall: time) -> None:
        self._occurrence = occurrence
        self._zone = zone
        self._wall = wall
        self._local_date: date = occurrence.astimezone(zone).date()
        self._cache: dict[str | None, bool] = {None: True}

    @property
    def occurrence(self) -> datetime:
        """The occurrence (aware UTC) this view decides for."""
        return self._occurrence

    def allows(self, last_fired: str | None) -> bool:
        """Whether a reminder whose ledger reads ``last_fired`` may get this occurrence.

        A ``last_fired`` that cannot be parsed allows nothing (never risk a duplicate).
        """
        found = self._cache.get(last_fired)
        if found is None:
            try:
                moment = parse_instant(last_fired)
            except ValueError:
                found = False
            else:
                found = not self._covered(moment)
            self._cache[last_fired] = found
        return found

    def _covered(self, moment: datetime | None) -> bool:
        if moment is None:
            return False
        if self._occurrence <= moment:
            return True
        local = moment.astimezone(self._zone)
        return local.date() == self._local_date and local.time() >= self._wall
