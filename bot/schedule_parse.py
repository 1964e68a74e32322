"""Parse what users type for reminder times, days and the one-line /remind form."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.languages import fold
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


_CLOCK = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a|p)?", re.ASCII)
_MILITARY = re.compile(r"(\d{2})(\d{2})", re.ASCII)
_NAMED_TIMES = {"noon": (12, 0), "midday": (12, 0), "midnight": (0, 0)}
_MERIDIEM_WORDS = frozenset({"am", "pm", "a.m.", "p.m.", "a.m", "p.m"})
_COMMAND_PREFIX = re.compile(r"^/\w+(?:@\w+)?(?:\s+|$)", re.ASCII)
# Spanish day words, accents folded ("sábado" is read as "sabado").
SPANISH_DAY_NAMES = ("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo")
_DAY_PHRASES = (
    (re.compile(r"\b(?:every|each|all)\s+days?\b"), "daily"),
    (re.compile(r"\b(?:todos\s+los|cada)\s+dias?\b|\bdiario\b"), "daily"),
    (re.compile(r"\bentre\s+semana\b|\bdias\s+de\s+semana\b"), "weekdays"),
    (re.compile(r"\bfines?\s+de\s+semana\b"), "weekends"),
    (re.compile(r"\s+(?:to|through|thru|till|until|a|al|hasta)\s+"), "-"),
    (re.compile(r"\s*[-–—]\s*"), "-"),  # hyphen, en dash, em dash
)
_DAY_SEPARATORS = re.compile(r"[\s,;/&+]+")
_DAY_FILLERS = frozenset({"every", "each", "on", "and", "los", "el", "y", "de", "cada"})
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
        raise ScheduleInputError("schedule.time_too_long", "schedule.time_help")
    key = cleaned.casefold().replace(".m.", "m").replace(".m", "m")
    if key in _NAMED_TIMES:
        return _NAMED_TIMES[key]
    if military := _MILITARY.fullmatch(key):
        return _checked(int(military[1]), int(military[2]), text)
    clock = _CLOCK.fullmatch(key)
    if clock is None:
        raise ScheduleInputError("schedule.not_a_time", "schedule.time_help", text=echo(text))
    hour, minutes, meridiem = int(clock[1]), clock[2], clock[3]
    minute = int(minutes) if minutes is not None else 0
    if meridiem is None:
        if minutes is None:
            raise ScheduleInputError(
                "schedule.needs_meridiem", text=echo(text), clock=f"{hour:02d}:00", hour=str(hour)
            )
        return _checked(hour, minute, text)
    if not 1 <= hour <= 12:
        raise ScheduleInputError("schedule.not_a_time", "schedule.time_help", text=echo(text))
    hour %= 12
    if meridiem.startswith("p"):
        hour += 12
    return _checked(hour, minute, text)


def parse_days(text: str) -> frozenset[int]:
    """Parse daily, weekdays, weekends, day names (mon,wed,fri / Tue Thu) or ranges (mon-fri),
    in English or Spanish (lun,mié,vie / de lunes a viernes / entre semana)."""
    cleaned = fold(_clean(text))
    if len(cleaned) > MAX_DAYS_CHARS:
        raise ScheduleInputError("schedule.days_too_long", "schedule.days_help")
    for pattern, replacement in _DAY_PHRASES:
        cleaned = pattern.sub(replacement, cleaned)
    days: set[int] = set()
    for token in _DAY_SEPARATORS.split(cleaned):
        if token and token not in _DAY_FILLERS:
            days |= _parse_day_token(token)
    if not days:
        raise ScheduleInputError("schedule.which_days", "schedule.days_help")
    return frozenset(days)


def parse_remind_args(text: str, default_tz: str | None) -> ReminderSpec:
    """Parse "/remind TIME [DAYS] [ZONE]"; days default to every day, zone to ``default_tz``."""
    cleaned = _clean(text)
    if len(cleaned) > MAX_REMIND_CHARS:
        raise ScheduleInputError("schedule.remind_too_long", "schedule.remind_usage")
    tokens = _COMMAND_PREFIX.sub("", cleaned, count=1).split()
    if not tokens:
        raise ScheduleInputError("schedule.remind_when", "schedule.remind_usage")
    time_words = 2 if len(tokens) > 1 and tokens[1].casefold() in _MERIDIEM_WORDS else 1
    hour, minute = parse_time(" ".join(tokens[:time_words]))
    rest = tokens[time_words:]
    zone, rest = _take_zone(rest)
    days = parse_days(" ".join(rest)) if rest else EVERY_DAY
    tz = zone or default_tz
    if tz is None:
        raise ScheduleInputError("schedule.missing_zone")
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
            "schedule.not_a_day", "schedule.days_help", "schedule.zone_last", text=echo(token)
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
    spanish = word[:-1] if word.endswith(("dos", "gos")) else word  # sábados, domingos
    for number, name in enumerate(SPANISH_DAY_NAMES):
        if name.startswith(spanish):
            return number
    return None


def _checked(hour: int, minute: int, text: str) -> tuple[int, int]:
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ScheduleInputError("schedule.not_a_time", "schedule.time_help", text=echo(text))
    return hour, minute


def _clean(text: str) -> str:
    """Fold full-width and other compatibility forms to ASCII, drop invisible characters."""
    normal = unicodedata.normalize("NFKC", text)
    visible = "".join(ch for ch in normal if unicodedata.category(ch) not in {"Cf", "Cc"})
    return " ".join(visible.split())
