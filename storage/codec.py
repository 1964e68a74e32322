"""Records <-> JSON documents, with the same type checks in both directions.

Decoding runs for every record at start-up, so it accepts well-formed records on a fast
path (a few C-level checks) and only works out a precise message for bad ones.
"""

from __future__ import annotations

import sys
from itertools import product
from types import NoneType
from typing import Any

from storage.records import ChatProfile, Reminder

StringPool = dict[str, str]  # shares equal strings (zones, dates, times) among records

# A record's chat is not in the record: its id is the document id and its platform the
# table's (schema version 3). Schema version 1 records lack the trailing fields added in
# version 2; the migration decodes both and writes them back whole.
REMINDER_FIELDS_V1 = ("id", "hour", "minute", "days", "tz", "active", "last_fired", "paused")
REMINDER_FIELDS = (*REMINDER_FIELDS_V1, "thread_id")
PROFILE_FIELDS_V1 = (
    "is_group",
    "tz",
    "step",
    "studied",
    "paused_until",
    "blocked",
    "nudge_counter",
    "snoozed_until",
)
PROFILE_FIELDS_V2 = (*PROFILE_FIELDS_V1, "snoozed_thread", "moved_to")
# ``language``: the chat's chosen language (/language), or null for its members' own;
# ``announcements``: whether the chat takes the operators' announcements (/announcements).
PROFILE_FIELDS = (*PROFILE_FIELDS_V2, "language", "announcements")
_OPTIONAL_STR = (str, NoneType)
_OPTIONAL_INT = (int, NoneType)
_OPTIONAL_BOOL = (bool, NoneType)
_REMINDER_TYPES = frozenset(
    product(
        (str,), (int,), (int,), (list,), (str,), (bool,), _OPTIONAL_STR, (bool,), _OPTIONAL_INT
    )
)
_PROFILE_TYPES = frozenset(
    product(
        (bool,),
        _OPTIONAL_STR,
        (int,),
        (list,),
        _OPTIONAL_STR,
        (bool,),
        (int,),
        _OPTIONAL_STR,
        _OPTIONAL_INT,
        _OPTIONAL_INT,
        _OPTIONAL_STR,
        _OPTIONAL_BOOL,
    )
)
_ONLY_INT = frozenset({int})
_ONLY_STR = frozenset({str})

# At most 128 distinct day sets exist, so sharing them costs nothing and saves ~200 B each.
_SHARED_DAY_SETS: dict[tuple[int, ...], frozenset[int]] = {}


class RecordError(ValueError):
    """A record does not have the shape its schema version requires."""


def encode_reminder(reminder: Reminder) -> dict[str, Any]:
    """Return the stored form of ``reminder`` (its chat is the table and document id)."""
    try:
        days: Any = sorted(reminder.days)
    except TypeError:
        days = reminder.days  # not numbers: the check below explains what is wrong
    item = {
        "id": reminder.id,
        "hour": reminder.hour,
        "minute": reminder.minute,
        "days": days,
        "tz": reminder.tz,
        "active": reminder.active,
        "last_fired": reminder.last_fired,
        "paused": reminder.paused,
        "thread_id": reminder.thread_id,
    }
    decode_reminder(
        reminder.platform, reminder.chat_id, item
    )  # refuse to store what could not be read back
    return item


def decode_reminder(
    platform: str, chat_id: int, item: Any, pool: StringPool | None = None
) -> Reminder:
    """Build chat (``platform``, ``chat_id``)'s Reminder from its stored form, or raise
    RecordError saying what is wrong."""
    fields = _values(item, REMINDER_FIELDS, REMINDER_FIELDS_V1)
    if fields is None or tuple(map(type, fields)) not in _REMINDER_TYPES:
        raise RecordError(_explain_reminder(item))
    reminder_id, hour, minute, days, tz, active, last_fired, paused, thread_id = fields
    if not (reminder_id and tz and 0 <= hour <= 23 and 0 <= minute <= 59):
        raise RecordError(_explain_reminder(item))
    if pool is None:
        tz = sys.intern(tz)
    else:
        tz = pool.setdefault(tz, tz)
        if last_fired is not None:
            last_fired = pool.setdefault(last_fired, last_fired)
    try:
        day_set = _day_set(days)
    except RecordError as error:
        raise RecordError(f"reminder {reminder_id!r}: {error}") from None
    return Reminder(
        reminder_id,
        chat_id,
        hour,
        minute,
        day_set,
        tz,
        active,
        last_fired,
        paused,
        thread_id,
        platform,
    )


def encode_profile(profile: ChatProfile) -> dict[str, Any]:
    """Return the stored form of ``profile`` (its chat is the table and document id)."""
    studied = profile.studied
    document = {
        "is_group": profile.is_group,
        "tz": profile.tz,
        "step": profile.step,
        "studied": list(studied) if isinstance(studied, tuple | list) else studied,
        "paused_until": profile.paused_until,
        "blocked": profile.blocked,
        "nudge_counter": profile.nudge_counter,
        "snoozed_until": profile.snoozed_until,
        "snoozed_thread": profile.snoozed_thread,
        "moved_to": profile.moved_to,
        "language": profile.language,
        "announcements": profile.announcements,
    }
    decode_profile(
        profile.platform, profile.chat_id, document
    )  # refuse to store what could not be read back
    return document


def decode_profile(
    platform: str, chat_id: int, document: Any, pool: StringPool | None = None
) -> ChatProfile:
    """Build chat (``platform``, ``chat_id``)'s ChatProfile from its stored form, or raise
    RecordError saying what is wrong."""
    fields = _values(document, PROFILE_FIELDS, PROFILE_FIELDS_V2, PROFILE_FIELDS_V1)
    if (
        fields is None
        or tuple(map(type, fields)) not in _PROFILE_TYPES
        or not _ONLY_STR.issuperset(map(type, fields[3]))
    ):
        raise RecordError(_explain_profile(document))
    (is_group, tz, step, studied, paused_until, blocked, counter, snoozed, thread, moved) = fields[
        :10
    ]
    lang, announcements = fields[10:]
    if pool is None:
        tz = None if tz is None else sys.intern(tz)
        days = tuple(map(sys.intern, studied))
    else:
        tz = None if tz is None else pool.setdefault(tz, tz)
        days = tuple(map(pool.setdefault, studied, studied))
    return ChatProfile(
        chat_id,
        is_group,
        tz,
        step,
        days,
        paused_until,
        blocked,
        counter,
        snoozed,
        thread,
        moved,
        platform,
        None if lang is None else sys.intern(lang),
        announcements is not False,
    )


def _values(
    record: Any, names: tuple[str, ...], *old_names: tuple[str, ...]
) -> tuple[Any, ...] | None:
    """The record's values in ``names`` order; a record with the fields of an older version
    (``old_names``, each a prefix of ``names``) gets None for the newer fields."""
    if not isinstance(record, dict):
        return None
    if len(record) == len(names):
        if tuple(record) == names:  # the order this module writes: no lookups needed
            return tuple(record.values())
        missing: tuple[None, ...] = ()
    else:
        older = next((old for old in old_names if len(old) == len(record)), None)
        if older is None:
            return None
        names, missing = older, (None,) * (len(names) - len(older))
    try:
        return (*map(record.__getitem__, names), *missing)
    except KeyError:
        return None


def _day_set(days: list[Any]) -> frozenset[int]:
    shared = _SHARED_DAY_SETS.get(tuple(days))
    if shared is not None and _ONLY_INT.issuperset(map(type, days)):
        return shared
    if (
        not _ONLY_INT.issuperset(map(type, days))
        or any(not 0 <= day <= 6 for day in days)
        or days != sorted(set(days))
    ):
        raise RecordError(f"days must be a sorted list of distinct 0..6, got {days!r}")
    shared = _SHARED_DAY_SETS[tuple(days)] = frozenset(days)
    return shared


def _explain_reminder(item: Any) -> str:
    problem = _explain_shape(item, REMINDER_FIELDS)
    if problem:
        return problem
    where = f"reminder {item['id']!r}: "
    if type(item["id"]) is not str or not item["id"]:
        return f"reminder id must be a non-empty string, got {item['id']!r}"
    for name, low, high in (("hour", 0, 23), ("minute", 0, 59)):
        value = item[name]
        if type(value) is not int or not low <= value <= high:
            return f"{where}{name} must be an integer {low}..{high}, got {value!r}"
    if type(item["days"]) is not list:
        return f"{where}days must be a list, got {item['days']!r}"
    if type(item["tz"]) is not str or not item["tz"]:
        return f"{where}tz must be a non-empty string, got {item['tz']!r}"
    for name in ("active", "paused"):
        if type(item[name]) is not bool:
            return f"{where}{name} must be true or false, got {item[name]!r}"
    if type(item.get("thread_id")) not in _OPTIONAL_INT:
        return f"{where}thread_id must be an integer or null, got {item['thread_id']!r}"
    return f"{where}last_fired must be a string or null, got {item['last_fired']!r}"


def _explain_profile(document: Any) -> str:
    problem = _explain_shape(document, PROFILE_FIELDS)
    if problem:
        return problem
    for name in ("is_group", "blocked"):
        if type(document[name]) is not bool:
            return f"{name} must be true or false, got {document[name]!r}"
    for name in ("step", "nudge_counter"):
        if type(document[name]) is not int:
            return f"{name} must be an integer, got {document[name]!r}"
    studied = document["studied"]
    if type(studied) is not list or not _ONLY_STR.issuperset(map(type, studied)):
        return f"studied must be a list of ISO date strings, got {studied!r}"
    for name in ("tz", "paused_until", "snoozed_until", "language"):
        if type(document.get(name)) not in _OPTIONAL_STR:
            return f"{name} must be a string or null, got {document[name]!r}"
    if type(document.get("announcements")) not in _OPTIONAL_BOOL:
        return f"announcements must be true, false or null, got {document['announcements']!r}"
    for name in ("snoozed_thread", "moved_to"):
        if type(document.get(name)) not in _OPTIONAL_INT:
            return f"{name} must be an integer or null, got {document[name]!r}"
    return "unreadable profile"


def _explain_shape(record: Any, names: tuple[str, ...]) -> str | None:
    shapes = (
        (REMINDER_FIELDS_V1,)
        if names == REMINDER_FIELDS
        else (PROFILE_FIELDS_V2, PROFILE_FIELDS_V1)
    )
    if isinstance(record, dict) and record.keys() in [set(names), *map(set, shapes)]:
        return None
    return f"expected an object with exactly the fields {', '.join(names)}, got {record!r}"
