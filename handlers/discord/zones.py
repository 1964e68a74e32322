"""Time-zone autocomplete for /remind and /timezone: IANA names that match what is typed.

:func:`zone_choices` returns at most 25 IANA names (Discord's limit), best first: the chat's
stored zone (the previous choice) when nothing is typed yet or it matches; then the zone an
alias or a city names exactly (``est``, ``chicago``); then every name containing the text
(names or cities starting with it first); then close spellings found by rapidfuzz
(:func:`bot.schedule_zones.suggest_zones`). With nothing typed, the common zones follow the
previous choice.
"""

from __future__ import annotations

import functools
import zoneinfo

from bot.schedule_zones import CITY_REGIONS, NOT_ZONES, UTC_NAME, find_zone, suggest_zones
from bot.screens.reminders import COMMON_ZONES

MAX_CHOICES = 25  # an autocomplete answer holds at most 25 choices


@functools.cache
def zone_names() -> tuple[str, ...]:
    """Every ``Area/City`` IANA zone, sorted, then ``UTC``."""
    names = {
        name
        for name in zoneinfo.available_timezones()
        if name.split("/")[0] in CITY_REGIONS and name not in NOT_ZONES
    }
    return (*sorted(names), UTC_NAME)


def _key(text: str) -> str:
    return "_".join(text.split()).casefold()


def zone_choices(typed: str, previous: str | None) -> list[str]:
    """Up to 25 IANA zone names for the text ``typed`` so far; ``previous``: the stored zone."""
    key = _key(typed)
    found: dict[str, None] = {}  # ordered, without repeats
    if previous and (not key or key in previous.casefold()):
        found[previous] = None
    if not key:
        found.update(dict.fromkeys(COMMON_ZONES))
        return list(found)[:MAX_CHOICES]
    exact = find_zone(typed)
    if exact is not None:
        found[exact] = None
    containing = [name for name in zone_names() if key in name.casefold()]
    containing.sort(key=lambda name: not _starts(name, key))  # stable: still sorted by name
    found.update(dict.fromkeys(containing))
    if len(found) < MAX_CHOICES:
        found.update(dict.fromkeys(suggest_zones(typed, MAX_CHOICES)))
    return list(found)[:MAX_CHOICES]


def _starts(name: str, key: str) -> bool:
    folded = name.casefold()
    return folded.startswith(key) or folded.rsplit("/", 1)[-1].startswith(key)
