"""Parsing of reminder times, days, zones and the one-line /remind form; wording; dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.messages import default_messages, load_messages
from bot.schedule import (
    EVERY_DAY,
    WEEKDAYS,
    WEEKENDS,
    ReminderSpec,
    ScheduleInputError,
    local_date,
    parse_days,
    parse_remind_args,
    parse_time,
    parse_zone,
)
from bot.schedule_zones import suggest_zones
from bot.screens.reminders import schedule_text

HUGE = "7" * 10_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19:30", (19, 30)),
        ("7:05", (7, 5)),
        ("07:05", (7, 5)),
        ("0730", (7, 30)),
        ("1930", (19, 30)),
        ("19.30", (19, 30)),
        ("19h30", (19, 30)),
        ("7pm", (19, 0)),
        ("7 PM", (19, 0)),
        ("7:30 pm", (19, 30)),
        ("7:30p.m.", (19, 30)),
        ("12am", (0, 0)),
        ("12:15 am", (0, 15)),
        ("12pm", (12, 0)),
        ("noon", (12, 0)),
        ("Midnight", (0, 0)),
        ("00:00", (0, 0)),
        ("23:59", (23, 59)),
        ("  19:30  ", (19, 30)),
        ("\uff11\uff19\uff1a\uff13\uff10", (19, 30)),  # full-width "19:30"
        ("19:\u200b30", (19, 30)),  # zero-width space
    ],
)
def test_parse_time_accepts_common_forms(text: str, expected: tuple[int, int]) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "25:00",
        "24:00",
        "19:60",
        "13pm",
        "0pm",
        "7:5",
        "730",
        "abc",
        "",
        "-1:00",
        "7:30 xm",
        "\u0667:\u0663\u0660",  # Arabic-Indic digits are not accepted
    ],
)
def test_parse_time_rejects_with_a_helpful_message(text: str) -> None:
    with pytest.raises(ScheduleInputError) as caught:
        parse_time(text)
    assert "HH:MM" in caught.value.message
    assert str(caught.value) == caught.value.message


def test_parse_time_names_the_bad_input() -> None:
    with pytest.raises(ScheduleInputError, match=r"“25:00” is not a time\. Use HH:MM, like 07:30"):
        parse_time("25:00")


def test_parse_time_asks_for_minutes_or_meridiem_for_a_bare_hour() -> None:
    with pytest.raises(ScheduleInputError, match="needs minutes or am/pm, like 07:00 or 7pm"):
        parse_time("7")


def test_parse_time_rejects_huge_input_with_a_short_message() -> None:
    with pytest.raises(ScheduleInputError) as caught:
        parse_time(HUGE)
    assert len(caught.value.message) < 120


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("daily", EVERY_DAY),
        ("every day", EVERY_DAY),
        ("Everyday", EVERY_DAY),
        ("weekdays", WEEKDAYS),
        ("WEEKENDS", WEEKENDS),
        ("mon,wed,fri", {0, 2, 4}),
        ("Tue Thu", {1, 3}),
        ("tues, weds", {1, 2}),
        ("Monday and Thursday", {0, 3}),
        ("mondays", {0}),
        ("mon-fri", WEEKDAYS),
        ("Mon – Fri", WEEKDAYS),  # an en dash
        ("monday to wednesday", {0, 1, 2}),
        ("fri-mon", {4, 5, 6, 0}),
        ("sat-sun", WEEKENDS),
        ("weekdays sat", {0, 1, 2, 3, 4, 5}),
        ("mon,,wed", {0, 2}),
        ("\uff2d\uff2f\uff2e", {0}),  # full-width "MON"
    ],
)
def test_parse_days_accepts_common_forms(text: str, expected: set[int]) -> None:
    assert parse_days(text) == frozenset(expected)


@pytest.mark.parametrize("text", ["someday", "", "m", "t", "mon-someday", "funday", "😀", HUGE])
def test_parse_days_rejects_and_lists_accepted_forms(text: str) -> None:
    with pytest.raises(ScheduleInputError) as caught:
        parse_days(text)
    message = caught.value.message
    assert "daily, weekdays, weekends" in message
    assert "mon-fri" in message
    assert len(message) < 260


def test_parse_days_names_the_bad_word() -> None:
    with pytest.raises(ScheduleInputError, match="“someday” is not a day"):
        parse_days("someday")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("america/chicago", "America/Chicago"),
        ("America/Chicago", "America/Chicago"),
        ("  Europe/\u200bParis ", "Europe/Paris"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("EST", "America/New_York"),
        ("Eastern", "America/New_York"),
        ("cst", "America/Chicago"),
        ("Central", "America/Chicago"),
        ("MST", "America/Denver"),
        ("Mountain", "America/Denver"),
        ("PST", "America/Los_Angeles"),
        ("pacific", "America/Los_Angeles"),
        ("London", "Europe/London"),
        ("IST", "Asia/Kolkata"),
        ("India", "Asia/Kolkata"),
        ("new york", "America/New_York"),
        ("kolkata", "Asia/Kolkata"),
        ("america/argentina/buenos_aires", "America/Argentina/Buenos_Aires"),
    ],
)
def test_parse_zone_returns_canonical_names(text: str, expected: str) -> None:
    assert parse_zone(text) == expected


def test_parse_zone_suggests_close_matches_and_the_command_form() -> None:
    with pytest.raises(ScheduleInputError) as caught:
        parse_zone("Amerca/Chicgo")
    assert "Did you mean America/Chicago?" in caught.value.message
    assert "/timezone Area/City" in caught.value.message


@pytest.mark.parametrize("text", ["Europe/Lodnon", "chicgo", "istanbul", "berlni", "sydny"])
def test_zone_suggestions_are_few_and_relevant(text: str) -> None:
    suggestions = suggest_zones(text)
    assert 1 <= len(suggestions) <= 3
    assert all("/" in name for name in suggestions)


def test_ambiguous_city_is_not_guessed_but_suggested() -> None:
    with pytest.raises(ScheduleInputError) as caught:
        parse_zone("istanbul")
    assert "Europe/Istanbul" in caught.value.message
    assert "Asia/Istanbul" in caught.value.message


@pytest.mark.parametrize("text", ["Mars/Olympus", "someday", "", "localtime", "Factory", HUGE])
def test_parse_zone_rejects_unknown_names(text: str) -> None:
    with pytest.raises(ScheduleInputError, match="Area/City"):
        parse_zone(text)


def test_parse_zone_explains_fixed_offsets() -> None:
    with pytest.raises(ScheduleInputError, match="daylight saving"):
        parse_zone("UTC+3")


@pytest.mark.parametrize(
    ("text", "default_tz", "expected"),
    [
        (
            "19:30 mon,wed,fri",
            "Europe/London",
            ReminderSpec(19, 30, frozenset({0, 2, 4}), "Europe/London"),
        ),
        ("07:00 weekdays America/Chicago", None, ReminderSpec(7, 0, WEEKDAYS, "America/Chicago")),
        ("7pm", "UTC", ReminderSpec(19, 0, EVERY_DAY, "UTC")),
        ("7 pm Tue Thu", "UTC", ReminderSpec(19, 0, frozenset({1, 3}), "UTC")),
        ("/remind 6:45 am daily est", None, ReminderSpec(6, 45, EVERY_DAY, "America/New_York")),
        ("/remind@CoachBot 0730 sat sun", "UTC", ReminderSpec(7, 30, WEEKENDS, "UTC")),
        ("21:00 mon-fri new york", None, ReminderSpec(21, 0, WEEKDAYS, "America/New_York")),
        ("21:00 asia/kolkata", "UTC", ReminderSpec(21, 0, EVERY_DAY, "Asia/Kolkata")),
    ],
)
def test_parse_remind_args(text: str, default_tz: str | None, expected: ReminderSpec) -> None:
    assert parse_remind_args(text, default_tz) == expected


def test_parse_remind_args_asks_for_a_zone_when_none_is_stored() -> None:
    with pytest.raises(ScheduleInputError, match="Which time zone") as caught:
        parse_remind_args("19:30 mon,wed,fri", None)
    assert "/timezone" in caught.value.message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "When should I remind you?"),
        ("/remind", "When should I remind you?"),
        ("25:00 daily", "is not a time"),
        ("7pm someday", "“someday” is not a day"),
        ("7pm mon Amerca/Chicgo", "Did you mean America/Chicago?"),
        ("mon 7pm", "is not a time"),
        (HUGE, "too long"),
    ],
)
def test_parse_remind_args_errors(text: str, fragment: str) -> None:
    with pytest.raises(ScheduleInputError, match=fragment):
        parse_remind_args(text, "UTC")


def test_reminder_spec_is_frozen() -> None:
    spec = ReminderSpec(7, 0, EVERY_DAY, "UTC")
    with pytest.raises(AttributeError):
        spec.hour = 8  # type: ignore[misc]


@pytest.mark.parametrize(
    ("days", "tz", "expected"),
    [
        (frozenset({0, 2, 4}), "America/Chicago", "19:30 on Mon, Wed, Fri (America/Chicago)"),
        (EVERY_DAY, "UTC", "19:30 every day (UTC)"),
        (WEEKDAYS, "UTC", "19:30 on weekdays (UTC)"),
        (WEEKENDS, "Asia/Kolkata", "19:30 on weekends (Asia/Kolkata)"),
        (frozenset({6}), "UTC", "19:30 on Sun (UTC)"),
    ],
)
def test_describe_schedule(days: frozenset[int], tz: str, expected: str) -> None:
    assert schedule_text(default_messages(), 19, 30, days, tz) == expected


def test_describe_schedule_pads_hours_and_minutes() -> None:
    assert schedule_text(default_messages(), 7, 5, EVERY_DAY, "UTC") == "07:05 every day (UTC)"


def test_a_schedule_in_spanish() -> None:
    spanish = load_messages(language="es")
    text = schedule_text(spanish, 19, 30, frozenset({0, 2}), "America/Chicago")
    assert text.startswith("19:30 ") and text.endswith(" (America/Chicago)")
    monday, wednesday = spanish.text("reminders.day_0"), spanish.text("reminders.day_2")
    assert f"{monday}, {wednesday}" in text
    assert schedule_text(spanish, 19, 30, EVERY_DAY, "UTC") != schedule_text(
        default_messages(), 19, 30, EVERY_DAY, "UTC"
    )


def test_local_date_crosses_the_date_line() -> None:
    instant = datetime(2026, 6, 1, 20, 0, tzinfo=UTC)  # Monday in UTC
    assert local_date(instant, "Pacific/Auckland") == date(2026, 6, 2)
    assert local_date(instant, "Pacific/Honolulu") == date(2026, 6, 1)
    assert local_date(instant, "UTC") == date(2026, 6, 1)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_date(datetime(2026, 1, 1), "UTC")


@pytest.mark.parametrize("days", [frozenset(), frozenset({7}), frozenset({-1})])
def test_bad_day_sets_are_refused(days: frozenset[int]) -> None:
    with pytest.raises(ValueError, match="days"):
        schedule_text(default_messages(), 7, 0, days, "UTC")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lun,mié,vie", frozenset({0, 2, 4})),
        ("de lunes a viernes", WEEKDAYS),
        ("entre semana", WEEKDAYS),
        ("fines de semana", WEEKENDS),
        ("todos los días", EVERY_DAY),
        ("sábados y domingos", WEEKENDS),
        ("MAR JUE", frozenset({1, 3})),
    ],
)
def test_spanish_days(text: str, expected: frozenset[int]) -> None:
    assert parse_days(text) == expected


def test_a_schedule_error_is_said_in_the_chats_language() -> None:
    with pytest.raises(ScheduleInputError) as caught:
        parse_time("25:99")
    spanish = caught.value.in_words(load_messages(language="es"))
    assert caught.value.message.startswith("“25:99” is not a time.")
    assert spanish.startswith("“25:99” no es una hora.")
    assert spanish != caught.value.message
