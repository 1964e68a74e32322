"""Parse what users type for reminder times, days and the one-line /remind form."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.schedule_errors import ScheduleInputError, echo
from bot.schedule_zones import find_zone, parse_zone

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
WEEKENDS = frozenset({5, 6})

MAX_TIME_CHARS = 24
MAX_DAYS_CHARS = 120
MAX_REMIND_CHARS = 200

TIME_HELP = "Use HH:MM, like 07:30 or 19:00 (7pm works too)."
DAYS_HELP = (
    "Use daily, weekdays, weekends, day names like mon,wed,fri or Tue Thu, "
    "or a range like mon-fri."
)
REMIND_USAGE = "Use /remind TIME [DAYS] [ZONE], like /remind 19:30 mon,wed,fri America/Chicago."
MISSING_ZONE = (
    "Which time zone is that in? Add it at the end, like /remind 19:30 mon,wed,fri "
    "America/Chicago, or set yours once with /timezone Area/City."
)

_CLOCK = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a|p)?", re.ASCII)
_MILITARY = re.compile(r"(\d{2})(\d{2})", re.ASCII)
_NAMED_TIMES = {"noon": (12, 0), "midday": (12, 0), "midnight": (0, 0)}
_MERIDIEM_WORDS = frozenset({"am", "pm", "a.m.", "p.m.", "a.m", "p.m"})
_COMMAND_PREFIX = re.compile(r"^/\w+(?:@\w+)?(?:\s+|$)", re.ASCII)
_DAY_PHRASES = (
    (re.compile(r"\b(?:every|each|all)\s+days?\b"), "daily"),
    (re.compile(r"\s+(?:to|through|thru|till|until)\s+"), "-"),
    (re.compile(r"\s*[-–—]\s*"), "-"),  # hyphen, en dash, em dash
)
_DAY_SEPARATORS = re.compile(r"[\s,;/&+]+")
_DAY_FILLERS = frozenset({"every", "each", "on", "and"})
_DAY_SETS = {
    "daily": EVERY_DAY,
    "everyday": EVERY_DAY,
    "all": EVERY_DAY,
    "weekdays": WEEKDAYS,
    "weekday": WEEKDAYS,
    "workdays": WEEKDAYS,
    "weekends": WEEKENDS,
    "weekend": WEEKENDS,
}


@dataclass(frozen=True, slots=True)
class ReminderSpec:
    """A validated reminder schedule: local wall time, weekdays (0 = Monday) and IANA zone."""

    hour: int
    minute: int
    days: frozenset[int]
    tz: str


def parse_time(text: str) -> tuple[int, int]:
    """Parse 19:30, 7:05, 0730, 19.30, 7pm or 7:30 pm into (hour, minute) on a 24-hour clock."""
    cleaned = _clean(text)
    if len(cleaned) > MAX_TIME_CHARS:
        raise ScheduleInputError(f"That is too long to be a time. {TIME_HELP}")
    key = cleaned.casefold().replace(".m.", "m").replace(".m", "m")
    if key in _NAMED_TIMES:
        return _NAMED_TIMES[key]
    if military := _MILITARY.fullmatch(key):
        return _checked(int(military[1]), int(military[2]), text)
    clock = _CLOCK.fullmatch(key)
    if clock is None:
        raise ScheduleInputError(_not_a_time(text))
    hour, minutes, meridiem = int(clock[1]), clock[2], clock[3]
    minute = int(minutes) if minutes is not None else 0
    if meridiem is None:
        if minutes is None:
            raise ScheduleInputError(
                f"{echo(text)} needs minutes or am/pm, like {hour:02d}:00 or {hour}pm."
            )
        return _checked(hour, minute, text)
    if not 1 <= hour <= 12:
        raise ScheduleInputError(_not_a_time(text))
    hour %= 12
    if meridiem.startswith("p"):
        hour += 12
    return _checked(hour, minute, text)


def parse_days(text: str) -> frozenset[int]:
    """Parse daily, weekdays, weekends, day names (mon,wed,fri / Tue Thu) or ranges (mon-fri)."""
    cleaned = _clean(text).casefold()
    if len(cleaned) > MAX_DAYS_CHARS:
        raise ScheduleInputError(f"That is too long to be a list of days. {DAYS_HELP}")
    for pattern, replacement in _DAY_PHRASES:
        cleaned = pattern.sub(replacement, cleaned)
    days: set[int] = set()
    for token in _DAY_SEPARATORS.split(cleaned):
        if token and token not in _DAY_FILLERS:
            days |= _parse_day_token(token)
    if not days:
        raise ScheduleInputError(f"Which days? {DAYS_HELP}")
    return frozenset(days)


def parse_remind_args(text: str, default_tz: str | None) -> ReminderSpec:
    """Parse "/remind TIME [DAYS] [ZONE]"; days default to every day, zone to ``default_tz``."""
    cleaned = _clean(text)
    if len(cleaned) > MAX_REMIND_CHARS:
        raise ScheduleInputError(f"That is too long for a reminder. {REMIND_USAGE}")
    tokens = _COMMAND_PREFIX.sub("", cleaned, count=1).split()
    if not tokens:
        raise ScheduleInputError(f"When should I remind you? {REMIND_USAGE}")
    time_words = 2 if len(tokens) > 1 and tokens[1].casefold() in _MERIDIEM_WORDS else 1
    hour, minute = parse_time(" ".join(tokens[:time_words]))
    rest = tokens[time_words:]
    zone, rest = _take_zone(rest)
    days = parse_days(" ".join(rest)) if rest else EVERY_DAY
    tz = zone or default_tz
    if tz is None:
        raise ScheduleInputError(MISSING_ZONE)
    return ReminderSpec(hour=hour, minute=minute, days=days, tz=tz)


def _take_zone(tokens: list[str]) -> tuple[str | None, list[str]]:
    """Split a trailing time zone (one word, or two like "New York") off the day words."""
    for width in (2, 1):
        if len(tokens) < width:
            continue
        words = tokens[-width:]
        if any(_is_day_word(word) for word in words):
            continue
        if "/" in words[-1] and width == 1:
            return parse_zone(words[-1]), tokens[:-1]
        zone = find_zone(" ".join(words))
        if zone is not None:
            return zone, tokens[:-width]
    return None, tokens


def _is_day_word(word: str) -> bool:
    try:
        parse_days(word)
    except ScheduleInputError:
        return False
    return True


def _parse_day_token(token: str) -> frozenset[int]:
    if token in _DAY_SETS:
        return _DAY_SETS[token]
    if token.count("-") == 1:
        first, last = (_day_number(part) for part in token.split("-"))
        if first is not None and last is not None:
            span = (last - first) % 7
            return frozenset((first + offset) % 7 for offset in range(span + 1))
    number = _day_number(token)
    if number is None:
        raise ScheduleInputError(
            f"{echo(token)} is not a day. {DAYS_HELP} "
            "A time zone goes at the end as Area/City, like America/Chicago."
        )
    return frozenset({number})


def _day_number(word: str) -> int | None:
    """Return 0-6 for a day name, its plural, "weds", or any prefix of two or more letters."""
    if word == "weds":
        return 2
    singular = word[:-1] if word.endswith("days") else word
    if len(singular) < 2:
        return None
    for number, name in enumerate(DAY_NAMES):
        if name.startswith(singular):
            return number
    return None


def _checked(hour: int, minute: int, text: str) -> tuple[int, int]:
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ScheduleInputError(_not_a_time(text))
    return hour, minute


def _not_a_time(text: str) -> str:
    return f"{echo(text)} is not a time. {TIME_HELP}"


def _clean(text: str) -> str:
    """Fold full-width and other compatibility forms to ASCII, drop invisible characters."""
    normal = unicodedata.normalize("NFKC", text)
    visible = "".join(ch for ch in normal if unicodedata.category(ch) not in {"Cf", "Cc"})
    return " ".join(visible.split())
