"""Reminders in the field: double taps, presses made while the bot was down, moving time
zones, times shown in the user's zone, odd digits, and chats Telegram no longer knows."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.reminders import ReminderService
from bot.services import Services
from handlers.telegram.common import SERVICES_KEY
from handlers.telegram.reminder_context import telegram_chat
from tests.conftest import Coach
from tests.fakeapi.simulator import SentMessage, SimChat, SimUser

ANN = SimUser(8001, "Ann", "ann")
CHAT = SimChat.private(ANN)
TOO_OLD = "Bad Request: query is too old and response timeout expired or query id is invalid"


def reminders(coach: Coach) -> ReminderService:
    found: Services = coach.app.bot_data[SERVICES_KEY]
    assert found.reminders is not None
    return found.reminders


async def stored(coach: Coach) -> list:
    return [item.reminder for item in await reminders(coach).list(telegram_chat(CHAT.id))]


def double_tap(coach: Coach, message: SentMessage, data: str) -> None:
    """Two presses of one button that both reach the bot before it changed the message."""
    coach.sim.press_button(CHAT, ANN, message.message_id, data)
    coach.sim.press_button(CHAT, ANN, message.message_id, data)


async def due_nudge(coach: Coach) -> SentMessage:
    minute = coach.clock.set_seconds_before_next_minute(2)
    await coach.say(CHAT, ANN, f"/remind {minute:%H:%M} daily UTC")
    return await coach.sim.next_message(CHAT.id, timeout=10)


# ---- 3. a repeated press or command changes nothing ----------------------------------------


async def test_double_tap_on_every_day_stores_one_reminder(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/timezone UTC")
    start = await coach.say(CHAT, ANN, "/remind")
    await coach.press(CHAT, ANN, start, "rf:1930")
    days = await coach.sim.next_edit(CHAT.id, start.message_id)
    double_tap(coach, days, "rf:1930:127")
    first = await coach.sim.next_edit(CHAT.id, start.message_id)
    assert "Reminder set" in first.plain_text
    second = await coach.sim.next_edit(CHAT.id, start.message_id)
    assert "already have this reminder" in second.plain_text
    assert len(await stored(coach)) == 1


async def test_the_same_one_line_reminder_twice_is_stored_once(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/remind 19:30 mon UTC")
    again = await coach.say(CHAT, ANN, "/remind 19:30 mon UTC")
    assert "already have this reminder" in again.plain_text
    assert "Nothing changed" in again.plain_text
    assert len(await stored(coach)) == 1


async def test_stop_all_pressed_twice(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/remind 08:00 daily UTC")
    await coach.say(CHAT, ANN, "/remind 09:00 daily UTC")
    confirm = await coach.say(CHAT, ANN, "/stopreminders")
    double_tap(coach, confirm, "stop:yes")
    first = await coach.sim.next_edit(CHAT.id, confirm.message_id)
    assert "Removed 2 reminders" in first.plain_text
    second = await coach.sim.next_edit(CHAT.id, confirm.message_id)
    assert "Removed 0" not in second.plain_text and "removed" in second.plain_text
    assert await stored(coach) == []


async def test_delete_pressed_twice(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/remind 08:00 daily UTC")
    await coach.say(CHAT, ANN, "/remind 09:00 daily UTC")
    listing = await coach.say(CHAT, ANN, "/reminders")
    delete = next(d for d in listing.button_data() if d.startswith("rm:del:"))
    double_tap(coach, listing, delete)
    await coach.sim.next_edit(CHAT.id, listing.message_id)
    answers = [await coach.sim.next_callback_answer() for _ in range(2)]
    assert [a.text for a in answers] == ["Reminder deleted.", "That reminder is already gone."]
    assert [r.hour for r in await stored(coach)] == [9]


async def test_resume_pressed_twice(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/remind 08:00 daily UTC")
    listing = await coach.say(CHAT, ANN, "/reminders")
    await coach.press(CHAT, ANN, listing, next(d for d in listing.button_data() if "off" in d))
    paused = await coach.sim.next_edit(CHAT.id, listing.message_id)
    double_tap(coach, paused, next(d for d in paused.button_data() if d.startswith("rm:on:")))
    resumed = await coach.sim.next_edit(CHAT.id, listing.message_id)
    assert "next nudge" in resumed.plain_text
    await coach.settle()
    [reminder] = await stored(coach)
    assert reminder.active and not reminder.paused


async def test_studied_pressed_twice_records_one_day(coach: Coach) -> None:
    nudge = await due_nudge(coach)
    double_tap(coach, nudge, "ng:done")
    done = await coach.sim.next_edit(CHAT.id, nudge.message_id)
    assert "Streak: 1 scheduled day" in done.plain_text
    await coach.settle()
    assert (await reminders(coach).profile(telegram_chat(CHAT.id))).studied == (
        f"{coach.clock():%Y-%m-%d}",
    )


async def test_snooze_pressed_again_keeps_the_first_snooze(coach: Coach) -> None:
    nudge = await due_nudge(coach)
    await coach.press(CHAT, ANN, nudge, "ng:snooze")
    await coach.sim.next_edit(CHAT.id, nudge.message_id)
    first = (await reminders(coach).profile(telegram_chat(CHAT.id))).snoozed_until
    coach.clock.advance(timedelta(minutes=10))
    coach.sim.press_button(CHAT, ANN, nudge.message_id, "ng:snooze", check_keyboard=False)
    await coach.sim.next_callback_answer()
    await coach.sim.next_callback_answer()
    await coach.settle()
    assert (await reminders(coach).profile(telegram_chat(CHAT.id))).snoozed_until == first


async def test_back_on_pressed_twice_says_the_same(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/remind 08:00 daily UTC")
    await reminders(coach).chat_unreachable(telegram_chat(CHAT.id))
    await coach.say(CHAT, ANN, "/start")
    offer = await coach.sim.next_message(CHAT.id)
    double_tap(coach, offer, "back:on")
    first = await coach.sim.next_edit(CHAT.id, offer.message_id)
    assert "1 reminder back on" in first.plain_text
    await coach.settle()
    edits = [e for e in coach.sim.edits if e.message_id == offer.message_id]
    assert all("1 reminder back on" in e.plain_text for e in edits)
    assert (await stored(coach))[0].active


# ---- 4. a press the bot answers too late ---------------------------------------------------


async def test_stop_all_pressed_while_the_bot_was_down_is_carried_out(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/remind 08:00 daily UTC")
    await coach.say(CHAT, ANN, "/remind 09:00 daily UTC")
    confirm = await coach.say(CHAT, ANN, "/stopreminders")
    coach.sim.fail_next("answerCallbackQuery", 400, TOO_OLD)
    await coach.press(CHAT, ANN, confirm, "stop:yes")
    done = await coach.sim.next_edit(CHAT.id, confirm.message_id)
    assert "Removed 2 reminders" in done.plain_text
    assert await stored(coach) == []


@pytest.mark.parametrize(
    ("setup", "data", "expected"),
    [
        ("/remind", "rf:1930", "On which days"),
        ("/progress", "pg:2", "Current step: 2."),
        ("/reminders", "rm:off:{id}", "paused"),
        ("/timezone Asia/Tokyo", "tz:move:Asia/Tokyo", "Moved 1 reminder"),
    ],
)
async def test_every_button_acts_when_its_answer_is_refused(
    coach: Coach, setup: str, data: str, expected: str
) -> None:
    await coach.say(CHAT, ANN, "/remind 08:00 daily Europe/London")
    message = await coach.say(CHAT, ANN, setup)
    [reminder] = await stored(coach)
    coach.sim.fail_next("answerCallbackQuery", 400, TOO_OLD)
    await coach.press(CHAT, ANN, message, data.format(id=reminder.id))
    edited = await coach.sim.next_edit(CHAT.id, message.message_id)
    assert expected in edited.plain_text


# ---- 5. time zones -------------------------------------------------------------------------


async def test_a_new_zone_offers_to_move_reminders_at_the_same_local_time(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/remind 19:30 mon,wed,fri Europe/London")
    reply = await coach.say(CHAT, ANN, "/timezone Asia/Tokyo")
    assert "Time zone set to Asia/Tokyo" in reply.plain_text
    assert "19:30 on Mon, Wed, Fri (Europe/London)" in reply.plain_text
    assert "(Asia/Tokyo)" in reply.plain_text  # its next nudge, in the new zone
    assert reply.button_data() == ["tz:move:Asia/Tokyo", "tz:keep"]
    await coach.press(CHAT, ANN, reply, "tz:move:Asia/Tokyo")
    moved = await coach.sim.next_edit(CHAT.id, reply.message_id)
    assert "Moved 1 reminder to Asia/Tokyo" in moved.plain_text
    [reminder] = await stored(coach)
    assert (reminder.hour, reminder.minute, reminder.tz) == (19, 30, "Asia/Tokyo")
    listing = await coach.say(CHAT, ANN, "/reminders")
    assert "19:30 on Mon, Wed, Fri (Asia/Tokyo)" in listing.plain_text


async def test_keeping_the_old_zone_is_shown_in_the_listing(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/remind 19:30 mon,wed,fri Europe/London")
    reply = await coach.say(CHAT, ANN, "/timezone Asia/Tokyo")
    await coach.press(CHAT, ANN, reply, "tz:keep")
    await coach.sim.next_edit(CHAT.id, reply.message_id)
    listing = await coach.say(CHAT, ANN, "/reminders")
    assert "(Europe/London)" in listing.plain_text
    assert "Your time zone is Asia/Tokyo" in listing.plain_text
    assert (await stored(coach))[0].tz == "Europe/London"


def local(moment: datetime, tz: str) -> str:
    shown = moment.astimezone(ZoneInfo(tz))
    return f"{shown:%a} {shown.day} {shown:%b}, {shown:%H:%M} ({tz})"


async def test_pause_shows_its_end_in_the_chats_zone(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/timezone Asia/Tokyo")
    reply = await coach.say(CHAT, ANN, "/pause 2")
    until = reminders(coach).paused_until(telegram_chat(CHAT.id))
    assert until is not None
    assert f"until {local(until, 'Asia/Tokyo')}" in reply.plain_text
    listing = await coach.say(CHAT, ANN, "/reminders")
    assert "UTC" not in listing.plain_text


async def test_snooze_shows_its_time_in_the_chats_zone(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/timezone America/Chicago")
    minute = coach.clock.set_seconds_before_next_minute(2)
    await coach.say(CHAT, ANN, f"/remind {minute:%H:%M} daily UTC")
    nudge = await coach.sim.next_message(CHAT.id, timeout=10)
    await coach.press(CHAT, ANN, nudge, "ng:snooze")
    snoozed = await coach.sim.next_edit(CHAT.id, nudge.message_id)
    at = (await reminders(coach).profile(telegram_chat(CHAT.id))).snoozed_until
    assert at is not None
    assert f"Snoozed until {local(datetime.fromisoformat(at), 'America/Chicago')}" in (
        snoozed.plain_text
    )


# ---- 10. digits that are not ASCII ---------------------------------------------------------


@pytest.mark.parametrize("arg", ["²", "③", "٣", "0", "366"])
async def test_pause_with_odd_digits_gets_a_clear_answer(coach: Coach, arg: str) -> None:
    reply = await coach.say(CHAT, ANN, f"/pause {arg}")
    assert "Give a number of days" in reply.plain_text
    assert reminders(coach).paused_until(telegram_chat(CHAT.id)) is None


# ---- a chat Telegram no longer knows -------------------------------------------------------


async def test_chat_not_found_on_a_nudge_switches_the_chats_reminders_off(coach: Coach) -> None:
    minute = coach.clock.set_seconds_before_next_minute(2)
    await coach.say(CHAT, ANN, f"/remind {minute:%H:%M} daily UTC")
    coach.sim.fail_next("sendMessage", 400, "Bad Request: chat not found", chat_id=CHAT.id)
    service = reminders(coach)
    await coach.sim.wait_for(lambda: service.outbox.stats.unreachable >= 1, timeout=10)
    await asyncio.wait_for(service.outbox.join(), 10)
    assert await service.is_blocked(telegram_chat(CHAT.id))
    assert not (await stored(coach))[0].active
    assert service.outbox.stats.failed == 0


@pytest.mark.parametrize(
    "data", ["rf:1930", "rm:off:0123abcd", "stop:yes", "tz:keep", "back:on", "pg:2", "ng:snooze"]
)
async def test_a_press_on_an_inline_message_is_answered(coach: Coach, data: str) -> None:
    payload = {
        "id": "4999000000000000001",
        "from": ANN.to_dict(),
        "inline_message_id": "AAEAAAEAAAA",
        "chat_instance": "-77",
        "data": data,
    }
    coach.sim.push_update("callback_query", payload)
    answer = await coach.sim.next_callback_answer("4999000000000000001")
    assert answer.data == data
