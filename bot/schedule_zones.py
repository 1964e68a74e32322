"""Turn what a user types as a time zone into a canonical IANA name (or a helpful error)."""

from __future__ import annotations

import functools
import re
import unicodedata
import zoneinfo

from rapidfuzz import fuzz, process

from bot.schedule_errors import ScheduleInputError, echo

MAX_ZONE_CHARS = 64
MAX_SUGGESTIONS = 3
SUGGESTION_FLOOR = 70  # rapidfuzz WRatio score below which a zone is not worth suggesting
SUGGESTION_SPREAD = 10  # suggest only zones scoring within this of the best match
UTC_NAME = "UTC"

# Keys are casefolded with spaces as underscores. Aliases win over IANA keys on purpose:
# IANA's own "EST" and "MST" are fixed offsets without daylight saving, which is never what
# a user typing "EST" wants.
ZONE_ALIASES: dict[str, str] = {
    "utc": UTC_NAME,
    "gmt": UTC_NAME,
    "z": UTC_NAME,
    "zulu": UTC_NAME,
    "est": "America/New_York",
    "edt": "America/New_York",
    "et": "America/New_York",
    "eastern": "America/New_York",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "ct": "America/Chicago",
    "central": "America/Chicago",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "mt": "America/Denver",
    "mountain": "America/Denver",
    "arizona": "America/Phoenix",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
    "uk": "Europe/London",
    "bst": "Europe/London",
    "ist": "Asia/Kolkata",
    "india": "Asia/Kolkata",
    "calcutta": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "pht": "Asia/Manila",
    "philippines": "Asia/Manila",
    "aest": "Australia/Sydney",
    "aedt": "Australia/Sydney",
}

# Regions whose "Region/City" names are offered as suggestions and matched by city alone.
CITY_REGIONS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
# Keys that zoneinfo may list from the host's zone directory but that are not real zones.
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory", "posix", "right"})

_FIXED_OFFSET = re.compile(r"(?:utc|gmt)?\s*[+-]\s*\d{1,2}(?::?\d{2})?", re.ASCII)
_IGNORED_CATEGORIES = frozenset({"Cf", "Cc"})


def parse_zone(text: str) -> str:
    """Return the canonical IANA name for ``text``; raise ScheduleInputError with suggestions."""
    found = find_zone(text)
    if found is not None:
        return found
    key = _zone_key(text)
    if not key:
        raise ScheduleInputError("schedule.which_zone", "schedule.zone_help")
    if len(key) > MAX_ZONE_CHARS:
        raise ScheduleInputError("schedule.zone_too_long")
    if _FIXED_OFFSET.fullmatch(key):
        raise ScheduleInputError("schedule.fixed_offset", text=echo(text))
    suggestions = suggest_zones(key)
    if suggestions:
        raise ScheduleInputError(
            "schedule.unknown_zone",
            "schedule.zone_suggestions",
            "schedule.zone_help",
            text=echo(text),
            zones=", ".join(suggestions),
        )
    raise ScheduleInputError("schedule.unknown_zone", "schedule.zone_help", text=echo(text))


def find_zone(text: str) -> str | None:
    """Return the canonical IANA name for ``text`` if it names a zone unambiguously, else None."""
    key = _zone_key(text)
    if not key or len(key) > MAX_ZONE_CHARS:
        return None
    if key in ZONE_ALIASES:
        return ZONE_ALIASES[key]
    by_key = _zones_by_key()
    if key in by_key:
        return by_key[key]
    return _zones_by_city().get(key)


def suggest_zones(text: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Return up to ``limit`` zone names that look like ``text``, best first."""
    key = _zone_key(text)
    if not key:
        return []
    choices = _suggestion_choices()
    # Score against both the full name and the city alone, so "chicgo" finds America/Chicago.
    ranked = process.extract(
        key,
        choices,
        scorer=fuzz.WRatio,
        processor=None,
        limit=limit * 4,
        score_cutoff=SUGGESTION_FLOOR,
    )
    names: list[str] = []
    for _choice, score, index in ranked:
        if score < ranked[0][1] - SUGGESTION_SPREAD or len(names) == limit:
            break
        name = _suggestion_names()[index]
        if name not in names:
            names.append(name)
    return names


def _zone_key(text: str) -> str:
    cleaned = "".join(
        ch
        for ch in unicodedata.normalize("NFKC", text)
        if unicodedata.category(ch) not in _IGNORED_CATEGORIES
    )
    return "_".join(cleaned.split()).casefold()


@functools.cache
def _zones_by_key() -> dict[str, str]:
    return {
        name.casefold(): name
        for name in zoneinfo.available_timezones()
        if name not in NOT_ZONES and name.split("/")[0] not in NOT_ZONES
    }


@functools.cache
def _city_zone_names() -> tuple[str, ...]:
    names = (name for name in _zones_by_key().values() if name.split("/")[0] in CITY_REGIONS)
    return tuple(sorted(names))


@functools.cache
def _zones_by_city() -> dict[str, str]:
    seen: dict[str, list[str]] = {}
    for name in _city_zone_names():
        seen.setdefault(name.rsplit("/", 1)[-1].casefold(), []).append(name)
    # A city that appears under two regions (Europe/Istanbul, Asia/Istanbul) stays ambiguous.
    return {city: names[0] for city, names in seen.items() if len(names) == 1}


@functools.cache
def _suggestion_names() -> tuple[str, ...]:
    cities = _city_zone_names()
    return (*cities, *cities, UTC_NAME)


@functools.cache
def _suggestion_choices() -> tuple[str, ...]:
    cities = _city_zone_names()
    full = tuple(name.casefold() for name in cities)
    short = tuple(name.rsplit("/", 1)[-1].casefold() for name in cities)
    return (*full, *short, UTC_NAME.casefold())
