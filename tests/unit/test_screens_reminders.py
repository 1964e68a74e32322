"""Reminder and progress screens: what they say (spans) and which actions their buttons carry."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.actions import (
    AnswerNudge,
    ConfirmStop,
    ManageReminder,
    MoveZone,
    RemindFlow,
    SetProgress,
    encode,
)
from bot.guide import load_guide
from bot.messages import default_messages, load_messages
from bot.reminders import FOREVER, Listed, Nudge, Progress
from bot.replies import Paragraph, Reply, Span
from bot.screens import reminders as screens
from storage.records import Reminder

M = default_messages()
REFUSAL = "Sorry, only this group's admins can change its study reminders and progress."
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC


def plain(reply: Reply) -> str:
    """The reply's text without styles: blocks by a blank line, lines by a line break."""
    blocks = []
    for block in reply.blocks:
        assert isinstance(block, Paragraph)
        blocks.append("\n".join("".join(span.text for span in ln) for ln in block.lines))
    return "\n\n".join(blocks)


def actions(reply: Reply) -> list[object]:
    return [button.action for row in reply.buttons for button in row]


def reminder(rid: str = "0123abcd", **changes: object) -> Reminder:
    fields: dict[str, object] = {
        "id": rid,
        "chat_id": 1,
        "hour": 19,
        "minute": 30,
        "days": frozenset({0, 2, 4}),
        "tz": "America/Chicago",
    }
    fields.update(changes)
    return Reminder(**fields)  # type: ignore[arg-type]


def test_pick_time_offers_the_presets_as_flow_actions() -> None:
    reply = screens.pick_time(M)
    assert actions(reply) == [RemindFlow(h, m) for h, m in screens.TIME_PRESETS]
    assert [len(row) for row in reply.buttons] == [3, 3]
    assert Span("/remind 19:30 mon,wed,fri", "code") in reply.blocks[1].lines[1]  # type: ignore[union-attr]


def test_choose_days_toggles_each_day_and_offers_done_once_one_is_on() -> None:
    none = screens.choose_days(M, 19, 30, 0)
    assert RemindFlow(19, 30, 1, choosing=True) in actions(none)
    assert not any(isinstance(a, RemindFlow) and not a.choosing for a in actions(none))
    monday = screens.choose_days(M, 19, 30, 1)
    assert monday.buttons[0][0].label == "✓ Mon"
    assert monday.buttons[0][0].action == RemindFlow(19, 30, 0, choosing=True)
    assert monday.buttons[-1][0].action == RemindFlow(19, 30, 1)
    assert monday.replace


def test_pick_zone_offers_every_common_zone_by_index() -> None:
    reply = screens.pick_zone(M, 7, 0, 31)
    assert actions(reply) == [
        RemindFlow(7, 0, 31, zone=index) for index in range(len(screens.COMMON_ZONES))
    ]
    assert "time zone" in plain(reply)


def test_saved_reminder_shows_the_next_nudge_in_the_chat_zone() -> None:
    reply = screens.reminder_saved(M, Listed(reminder(thread_id=77), NOW), "Asia/Tokyo")
    assert plain(reply) == (
        "✅ Reminder set: 19:30 on Mon, Wed, Fri (America/Chicago) · in topic 77.\n"
        "Next nudge: Mon 2 Mar, 18:00 (Asia/Tokyo).\n\nSee all with /reminders."
    )
    assert (
        Span("19:30 on Mon, Wed, Fri (America/Chicago) · in topic 77", "bold")
        in (
            reply.blocks[0].lines[0]  # type: ignore[union-attr]
        )
    )


def test_an_existing_reminder_says_nothing_changed() -> None:
    reply = screens.reminder_saved(M, Listed(reminder(), NOW, existed=True), "America/Chicago")
    assert "You already have this reminder" in plain(reply)
    assert "Next nudge: Mon 2 Mar, 03:00." in plain(reply)


def test_list_shows_states_zone_note_pause_and_buttons() -> None:
    items = [
        Listed(reminder("0000000a"), NOW),
        Listed(reminder("0000000b", hour=7, minute=0, paused=True), None),
        Listed(reminder("0000000c", hour=8, minute=0, active=False), None),
    ]
    reply = screens.reminder_list(M, items, FOREVER, "UTC")
    text = plain(reply)
    assert (
        "1. 19:30 on Mon, Wed, Fri (America/Chicago) – next nudge Mon 2 Mar, 09:00 (UTC)" in text
    )
    assert "2. 19:30" not in text and "– paused" in text and "off: I could not reach" in text
    assert "Your time zone is UTC; each reminder keeps the zone it shows." in text
    assert text.endswith("⏸ All reminders are paused until you send /resume.")
    assert actions(reply) == [
        ManageReminder("off", "0000000a"),
        ManageReminder("del", "0000000a"),
        ManageReminder("on", "0000000b"),
        ManageReminder("del", "0000000b"),
        ManageReminder("on", "0000000c"),
        ManageReminder("del", "0000000c"),
    ]


def test_an_empty_list_points_to_remind() -> None:
    reply = screens.reminder_list(M, [], None)
    assert (
        plain(reply) == "You have no study reminders. Set one with /remind." and not reply.buttons
    )


def test_zone_set_offers_to_move_reminders_that_keep_another_zone() -> None:
    reply = screens.zone_set(M, "America/Argentina/ComodRivadavia", [Listed(reminder(), NOW)])
    assert "These reminders keep their own zone:\n• 19:30 on Mon, Wed, Fri" in plain(reply)
    assert actions(reply) == [MoveZone("America/Argentina/ComodRivadavia"), MoveZone(None)]
    assert all(encode(a) for a in actions(reply))  # type: ignore[arg-type]
    assert screens.zone_set(M, "UTC", []).buttons == ()


def test_stop_confirmation_and_its_answers() -> None:
    assert actions(screens.confirm_stop(M)) == [ConfirmStop(True), ConfirmStop(False)]
    assert plain(screens.stopped(M, None)) == "OK, your reminders stay as they are."
    assert plain(screens.stopped(M, 1)) == "🗑 Removed 1 reminder."
    assert plain(screens.stopped(M, 0)) == "🗑 All your study reminders are removed."


def test_refusal_is_an_alert_for_a_button_and_a_message_for_a_command() -> None:
    pressed = screens.refusal(M, button=True)
    assert pressed.blocks == () and pressed.notice == REFUSAL and pressed.alert
    assert plain(screens.refusal(M, button=False)) == REFUSAL


def test_progress_marks_the_current_step_and_offers_studied_today() -> None:
    guide = load_guide()
    reply = screens.progress(guide, Progress(step=2, streak=1, studied_today=True, total_days=4))
    text = plain(reply)
    assert "Study streak: 1 scheduled day in a row" in text and "Studied today: yes ✅" in text
    assert reply.buttons[0][1].label == "● Step 2"
    assert actions(reply)[-1] == SetProgress(None)


def test_nudges_carry_the_three_answers() -> None:
    guide = load_guide()
    private = screens.nudge(guide, Nudge(1, False, 1, "Read chapter 1", snoozed=True))
    assert plain(private).startswith("⏰ Snoozed reminder\nYou're on step 1:")
    assert plain(private).endswith("Next action: Read chapter 1")
    group = screens.nudge(guide, Nudge(-5, True, 1, "Quiz each other", snoozed=False))
    assert plain(group) == "📚 Quiz each other"
    assert actions(group) == [AnswerNudge("done"), AnswerNudge("snooze"), AnswerNudge("skip")]


def test_times_are_shown_in_the_named_zone() -> None:
    m = default_messages()
    assert screens.when_in(m, NOW, None) == "Mon 2 Mar, 09:00 (UTC)"
    assert screens.when_in(m, NOW, "Asia/Kolkata") == "Mon 2 Mar, 14:30 (Asia/Kolkata)"


def test_times_are_shown_in_spanish_words() -> None:
    m = load_messages(language="es")
    expected = m.text(
        "schedule.when",
        weekday=m.text("reminders.day_0"),
        day=2,
        month=m.text("schedule.month_3"),
        time="09:00",
    )
    assert screens.when_in(m, NOW, None) == f"{expected} (UTC)"
    assert "Mon" not in expected and "Mar," not in expected
