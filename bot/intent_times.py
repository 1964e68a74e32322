"""Read a time of day, days of the week and a time zone out of a message's folded words.

The words come folded by :func:`bot.intents.fold` (lower case, no accents, digits apart from
letters: "A las 7pm" -> ``["a", "las", "7", "pm"]``) and the vocabulary from
``content/intents.toml`` (:class:`TimeWords`), English and Spanish alike, since people mix them.

A bare hour is a time only with evidence around it: a marker before it ("at 7", "a las 7"),
minutes ("7:30", "half past 7"), a clock word ("7 o'clock", "19 h") or a part of the day
("7pm", "8 de la noche"); so "study 2 hours" holds no time. An hour from 1 to 12 with no am/pm
and no part of the day anywhere in the message is *ambiguous* ("at 7", "a las 7:30"): it is
returned as said, flagged, for the bot to ask "07:00 or 19:00?". A leading zero ("07:30"), 0 and
13-23 are read as a 24-hour clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.schedule_zones import ZONE_ALIASES, find_zone

Phrase = tuple[str, ...]
_T = TypeVar("_T")

HOURS_PER_DAY = 24
HOURS_PER_HALF_DAY = 12
LAST_HOUR = 23
LAST_MINUTE = 59
DAYS_PER_WEEK = 7

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)
_NUMBER = re.compile(r"\d{1,2}", re.ASCII)
_MINUTES = re.compile(r"\d{2}", re.ASCII)


class IntentsError(Exception):
    """The intents data file is missing, malformed or inconsistent; the message names the field."""


@dataclass(frozen=True, slots=True)
class DayPart:
    """Words for a part of the day and its hours: [start, end), end up to 30 (past midnight)."""

    phrases: tuple[Phrase, ...]
    start: int
    end: int
    attached: bool  # counts only right after the hour ("7 pm"), not anywhere in the message

    def hour(self, said: int) -> int | None:
        """The 24-hour reading of ``said`` (0-12) that falls in [start, end), or None."""
        for reading in range(said % HOURS_PER_HALF_DAY, self.end, HOURS_PER_HALF_DAY):
            if reading >= self.start:
                return reading % HOURS_PER_DAY
        return None


@dataclass(frozen=True, slots=True)
class TimeWords:
    """The folded vocabulary of times, days and zones; every phrase is a tuple of words."""

    markers: tuple[Phrase, ...]
    suffixes: tuple[Phrase, ...]
    tails: tuple[Phrase, ...]
    range_words: tuple[Phrase, ...]
    zone_before: tuple[Phrase, ...]
    zone_after: tuple[Phrase, ...]
    named: Mapping[Phrase, tuple[int, int]]
    minutes_before: Mapping[Phrase, int]
    minutes_after: Mapping[Phrase, int]
    day_parts: tuple[DayPart, ...]
    hour_words: Mapping[str, int]
    day_names: Mapping[str, int]  # 0 = Monday ... 6 = Sunday, as bot/schedule_parse.py
    day_sets: Mapping[Phrase, frozenset[int]]


@dataclass(frozen=True, slots=True)
class SaidTime:
    """A time of day read from words: 24-hour ``hour`` and ``minute``; ``end`` indexes the
    first word after it. ``ambiguous``: an hour 1-12 said with no am/pm or part of the day,
    ``hour`` as said; the other reading is 12 hours later (12 -> 0)."""

    hour: int
    minute: int
    ambiguous: bool
    end: int


def read_time(words: Sequence[str], vocabulary: TimeWords) -> SaidTime | None:
    """The first time of day in ``words``, or None when none is said (or it is not a time)."""
    for index in range(len(words)):
        found = _time_at(words, index, vocabulary)
        if found is not None:
            return found
    return None


def read_days(words: Sequence[str], vocabulary: TimeWords) -> frozenset[int] | None:
    """Every weekday named in ``words`` (0 = Monday ... 6 = Sunday), None when none is."""
    days: set[int] = set()
    found = False
    index = 0
    while index < len(words):
        length, day_set = _longest(words, index, vocabulary.day_sets)
        if day_set is not None:
            days |= day_set
            found = True
            index += length
            continue
        first = vocabulary.day_names.get(words[index])
        index += 1
        if first is None:
            continue
        found = True
        link = _phrase_length(words, index, vocabulary.range_words)
        after = index + link
        last = vocabulary.day_names.get(words[after]) if link and after < len(words) else None
        if last is None:
            days.add(first)
            continue
        span = (last - first) % DAYS_PER_WEEK
        days |= {(first + offset) % DAYS_PER_WEEK for offset in range(span + 1)}
        index += link + 1
    return frozenset(days) if found else None


def read_zone(words: Sequence[str], vocabulary: TimeWords, after_time: int | None) -> str | None:
    """The IANA zone the user named: an Area/City anywhere, a zone after "in"/"en" or before
    "time", or an abbreviation right after the time ("7pm EST"); None when none is named."""
    for word in words:
        if "/" in word and (zone := find_zone(word)) is not None:
            return zone
    for index in range(len(words)):
        length = _phrase_length(words, index, vocabulary.zone_before)
        if length and (zone := _zone_in(words[index + length : index + length + 2])):
            return zone
        if _phrase_length(words, index, vocabulary.zone_after) and (
            zone := _zone_in(words[max(0, index - 2) : index], from_end=True)
        ):
            return zone
    if after_time is not None and after_time < len(words):
        return ZONE_ALIASES.get(words[after_time])
    return None


def _zone_in(words: Sequence[str], *, from_end: bool = False) -> str | None:
    """The zone named by the two words, else by the one nearest the marker."""
    if not words:
        return None
    nearest = words[-1] if from_end else words[0]
    for candidate in (" ".join(words), nearest) if len(words) > 1 else (nearest,):
        zone = find_zone(candidate)
        if zone is not None:
            return zone
    return None


def _time_at(words: Sequence[str], start: int, vocabulary: TimeWords) -> SaidTime | None:
    length, named = _longest(words, start, vocabulary.named)
    if named is not None:
        return SaidTime(named[0], named[1], ambiguous=False, end=start + length)
    length, minutes_before = _longest(words, start, vocabulary.minutes_before)
    index = start + length
    if index >= len(words):
        return None
    hour, minute, padded = _hour_word(words[index], vocabulary)
    if hour is None:
        return None
    index += 1
    evidence = (
        minutes_before is not None
        or minute is not None
        or _ends_with_marker(words, start, vocabulary)
    )
    if length := _phrase_length(words, index, vocabulary.suffixes):
        evidence = True
        index += length
        if minute is None and index < len(words) and _MINUTES.fullmatch(words[index]):
            minute, index = int(words[index]), index + 1
    index += _phrase_length(words, index, vocabulary.tails)
    length, minutes_after = _longest(words, index, vocabulary.minutes_after)
    if minutes_after is not None:
        evidence, index = True, index + length
    elif minute is None and index + 1 < len(words) and _MINUTES.fullmatch(words[index]):
        attached, _ = _day_part_at(words, index + 1, vocabulary, attached_only=True)
        if attached is not None:  # "7 30 pm"
            minute, index = int(words[index]), index + 1
    part, length = _day_part_at(words, index, vocabulary, attached_only=False)
    if part is not None:
        evidence, index = True, index + length
    if not evidence:
        return None
    offset = minutes_before if minutes_before is not None else minutes_after
    if offset is not None:
        minute = offset % 60
        if offset < 0:
            hour = hour - 1 if hour > 1 else (HOURS_PER_HALF_DAY if hour == 1 else LAST_HOUR)
    part = part or _first_free_day_part(words, vocabulary)
    resolved = _resolve(hour, padded, part)
    if resolved is None or (minute or 0) > LAST_MINUTE:
        return None
    return SaidTime(resolved[0], minute or 0, ambiguous=resolved[1], end=index)


def _hour_word(word: str, vocabulary: TimeWords) -> tuple[int | None, int | None, bool]:
    """(hour as said, minute if given, written with a leading zero) for one word."""
    if clock := _CLOCK.fullmatch(word):
        return int(clock[1]), int(clock[2]), clock[1].startswith("0")
    if _NUMBER.fullmatch(word):
        return int(word), None, word.startswith("0")
    return vocabulary.hour_words.get(word), None, False


def _resolve(hour: int, padded: bool, part: DayPart | None) -> tuple[int, bool] | None:
    """(24-hour hour, ambiguous) for an hour as said, or None when it is no hour at all."""
    if hour > LAST_HOUR:
        return None
    if hour > HOURS_PER_HALF_DAY:
        return hour, False
    if part is not None and (reading := part.hour(hour)) is not None:
        return reading, False
    return hour, not (padded or hour == 0)


def _ends_with_marker(words: Sequence[str], index: int, vocabulary: TimeWords) -> bool:
    return any(
        len(marker) <= index and tuple(words[index - len(marker) : index]) == marker
        for marker in vocabulary.markers
    )


def _day_part_at(
    words: Sequence[str], index: int, vocabulary: TimeWords, *, attached_only: bool
) -> tuple[DayPart | None, int]:
    """The part of the day said at ``index`` and its length in words; (None, 0) if none."""
    for part in vocabulary.day_parts:
        if attached_only and not part.attached:
            continue
        if length := _phrase_length(words, index, part.phrases):
            return part, length
    return None, 0


def _first_free_day_part(words: Sequence[str], vocabulary: TimeWords) -> DayPart | None:
    """The first part of the day said anywhere that may stand apart from the hour."""
    free = [part for part in vocabulary.day_parts if not part.attached]
    for index in range(len(words)):
        for part in free:
            if _phrase_length(words, index, part.phrases):
                return part
    return None


def _phrase_length(words: Sequence[str], index: int, phrases: Sequence[Phrase]) -> int:
    """The length of the longest phrase that starts at ``index``, 0 when none does."""
    best = 0
    for phrase in phrases:
        if len(phrase) > best and tuple(words[index : index + len(phrase)]) == phrase:
            best = len(phrase)
    return best


def _longest(
    words: Sequence[str], index: int, table: Mapping[Phrase, _T]
) -> tuple[int, _T | None]:
    """The length and value of the longest phrase of ``table`` at ``index``; (0, None) if none."""
    length = _phrase_length(words, index, tuple(table))
    return length, table[tuple(words[index : index + length])] if length else None
