"""Study reminders end to end: subscribe, bad input, delivery, snooze, pause, 403, 429, groups."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.reminders import ReminderService
from bot.services import Services
from handlers.telegram.app import RATE_LIMIT_RETRIES
from handlers.telegram.common import SERVICES_KEY
from handlers.telegram.reminder_context import telegram_chat
from tests.conftest import BOT_USERNAME, Coach
from tests.fakeapi.simulator import SentMessage, SimChat, SimUser

ANN = SimUser(6001, "Ann", "ann")
CHAT = SimChat.private(ANN)
NUDGE_BUTTONS = ["ng:done", "ng:snooze", "ng:skip"]


def services(coach: Coach) -> Services:
    return coach.app.bot_data[SERVICES_KEY]


async def stored_reminders(coach: Coach, chat_id: int) -> list:
    service = services(coach).reminders
    assert service is not None
    return await service.list(telegram_chat(chat_id))


async def remind_next_minute(coach: Coach, chat: SimChat, user: SimUser, seconds: float) -> str:
    """Set a reminder for the next whole minute, which the clock puts ``seconds`` away."""
    minute = coach.clock.set_seconds_before_next_minute(seconds)
    hhmm = f"{minute:%H:%M}"
    reply = await coach.say(chat, user, f"/remind {hhmm} daily UTC")
    assert "Reminder set" in reply.plain_text, reply.plain_text
    return hhmm


async def test_one_line_reminder_is_stored_and_listed(coach: Coach) -> None:
    reply = await coach.say(CHAT, ANN, "/remind 19:30 mon,wed,fri America/Chicago")
    assert "19:30 on Mon, Wed, Fri (America/Chicago)" in reply.plain_text
    assert "Next nudge:" in reply.plain_text
    listing = await coach.say(CHAT, ANN, "/reminders")
    assert "19:30 on Mon, Wed, Fri" in listing.plain_text and "next " in listing.plain_text
    assert len(await stored_reminders(coach, CHAT.id)) == 1


async def test_zone_is_remembered_for_the_next_reminder(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/remind 07:00 weekdays America/Chicago")
    reply = await coach.say(CHAT, ANN, "/remind 21:00")
    assert "21:00 every day (America/Chicago)" in reply.plain_text


async def test_reminder_by_buttons(coach: Coach) -> None:
    start = await coach.say(CHAT, ANN, "/remind")
    assert "rf:1930" in start.button_data()
    await coach.press(CHAT, ANN, start, "rf:1930")
    days = await coach.sim.next_edit(CHAT.id, start.message_id)
    await coach.press(CHAT, ANN, days, "rf:1930:c0")
    choose = await coach.sim.next_edit(CHAT.id, start.message_id)
    await coach.press(CHAT, ANN, choose, "rf:1930:c1")  # Monday
    monday = await coach.sim.next_edit(CHAT.id, start.message_id)
    await coach.press(CHAT, ANN, monday, "rf:1930:c17")  # and Friday
    friday = await coach.sim.next_edit(CHAT.id, start.message_id)
    await coach.press(CHAT, ANN, friday, "rf:1930:17")
    zones = await coach.sim.next_edit(CHAT.id, start.message_id)
    assert "time zone" in zones.plain_text
    await coach.press(CHAT, ANN, zones, "rf:1930:17:7")  # Europe/London
    saved = await coach.sim.next_edit(CHAT.id, start.message_id)
    assert "19:30 on Mon, Fri (Europe/London)" in saved.plain_text
    assert len(await stored_reminders(coach, CHAT.id)) == 1


async def test_typed_time_in_the_button_flow(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/timezone Asia/Kolkata")
    await coach.say(CHAT, ANN, "/remind")
    days = await coach.say(CHAT, ANN, "6:45 pm")
    assert "18:45" in days.plain_text
    await coach.press(CHAT, ANN, days, "rf:1845:31")
    saved = await coach.sim.next_edit(CHAT.id, days.message_id)
    assert "18:45 on weekdays (Asia/Kolkata)" in saved.plain_text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/remind 25:00 daily UTC", "25:00"),
        ("/remind 19:30 someday UTC", "someday"),
        ("/remind 19:30 daily Mars/Olympus", "time zone"),
        ("/remind 19:30", "time zone"),
        ("/remind " + "9" * 5000, "That is too long for a reminder. Use /remind TIME"),
    ],
)
async def test_bad_input_gets_a_clear_reply_and_stores_nothing(
    coach: Coach, line: str, expected: str
) -> None:
    reply = await coach.say(CHAT, ANN, line)
    assert expected in reply.plain_text
    assert "Reminder set" not in reply.plain_text
    assert await stored_reminders(coach, CHAT.id) == []


async def test_sixth_reminder_is_refused(coach: Coach) -> None:
    for hour in range(5):
        reply = await coach.say(CHAT, ANN, f"/remind {hour + 6:02d}:00 daily UTC")
        assert "Reminder set" in reply.plain_text
    sixth = await coach.say(CHAT, ANN, "/remind 20:00 daily UTC")
    assert "already have 5 reminders" in sixth.plain_text
    assert len(await stored_reminders(coach, CHAT.id)) == 5


@pytest.mark.parametrize("data", ["rf:2561", "rf:1930:200", "rf:1930:17:99", "rm:del:zzzz", "rf:"])
async def test_forged_reminder_buttons_change_nothing(coach: Coach, data: str) -> None:
    start = await coach.say(CHAT, ANN, "/remind")
    coach.sim.press_button(CHAT, ANN, start.message_id, data, check_keyboard=False)
    answer = await coach.sim.next_callback_answer()
    assert answer.text and "no longer valid" in answer.text
    assert await stored_reminders(coach, CHAT.id) == []


async def test_due_reminder_arrives_once_with_step_text_and_buttons(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/progress")
    await remind_next_minute(coach, CHAT, ANN, seconds=2)
    nudge = await coach.sim.next_message(CHAT.id, timeout=10)
    assert "Time to study" in nudge.plain_text
    assert "step 1: Complete basic education requirements" in nudge.plain_text
    assert "Next action:" in nudge.plain_text
    assert nudge.button_data() == NUDGE_BUTTONS
    await coach.settle()
    assert coach.sim.unread_messages(CHAT.id) == []
    listed = await stored_reminders(coach, CHAT.id)
    assert listed[0].reminder.last_fired is not None


async def test_studied_button_records_the_day_and_streak(coach: Coach) -> None:
    await remind_next_minute(coach, CHAT, ANN, seconds=2)
    nudge = await coach.sim.next_message(CHAT.id, timeout=10)
    await coach.press(CHAT, ANN, nudge, "ng:done")
    done = await coach.sim.next_edit(CHAT.id, nudge.message_id)
    assert "Streak: 1 scheduled day in a row" in done.plain_text
    progress = await coach.say(CHAT, ANN, "/progress")
    assert "Studied today: yes" in progress.plain_text


async def test_snooze_sends_once_more_an_hour_later(coach: Coach) -> None:
    await remind_next_minute(coach, CHAT, ANN, seconds=2)
    nudge = await coach.sim.next_message(CHAT.id, timeout=10)
    await coach.press(CHAT, ANN, nudge, "ng:snooze")
    snoozed = await coach.sim.next_edit(CHAT.id, nudge.message_id)
    assert "Snoozed until" in snoozed.plain_text
    service = services(coach).reminders
    assert service is not None
    coach.clock.advance(timedelta(minutes=59, seconds=58))
    service.dispatcher.wake()
    again = await coach.sim.next_message(CHAT.id, timeout=10)
    assert "Snoozed reminder" in again.plain_text
    await coach.settle()
    assert coach.sim.unread_messages(CHAT.id) == []
    assert len(await stored_reminders(coach, CHAT.id)) == 1


async def test_pause_skips_nudges_and_resume_restores_them(coach: Coach) -> None:
    paused = await coach.say(CHAT, ANN, "/pause 2")
    assert "paused for 2 days" in paused.plain_text
    await remind_next_minute(coach, CHAT, ANN, seconds=1)
    service = services(coach).reminders
    assert service is not None
    await coach.sim.wait_for(lambda: service.dispatcher.skipped_paused >= 1, timeout=10)
    assert coach.sim.unread_messages(CHAT.id) == []
    resumed = await coach.say(CHAT, ANN, "/resume")
    assert "resumed" in resumed.plain_text
    listing = await coach.say(CHAT, ANN, "/reminders")
    assert "paused" not in listing.plain_text


async def test_pause_button_on_one_reminder(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/remind 08:00 daily UTC")
    listing = await coach.say(CHAT, ANN, "/reminders")
    pause = next(d for d in listing.button_data() if d.startswith("rm:off:"))
    await coach.press(CHAT, ANN, listing, pause)
    edited = await coach.sim.next_edit(CHAT.id, listing.message_id)
    assert "paused" in edited.plain_text
    resume = next(d for d in edited.button_data() if d.startswith("rm:on:"))
    await coach.press(CHAT, ANN, edited, resume)
    again = await coach.sim.next_edit(CHAT.id, listing.message_id)
    assert "next " in again.plain_text


async def test_delete_button_and_stop_all_with_confirmation(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/remind 08:00 daily UTC")
    await coach.say(CHAT, ANN, "/remind 09:00 daily UTC")
    listing = await coach.say(CHAT, ANN, "/reminders")
    delete = next(d for d in listing.button_data() if d.startswith("rm:del:"))
    await coach.press(CHAT, ANN, listing, delete)
    await coach.sim.next_edit(CHAT.id, listing.message_id)
    assert len(await stored_reminders(coach, CHAT.id)) == 1
    confirm = await coach.say(CHAT, ANN, "/stopreminders")
    await coach.press(CHAT, ANN, confirm, "stop:no")
    await coach.sim.next_edit(CHAT.id, confirm.message_id)
    assert len(await stored_reminders(coach, CHAT.id)) == 1
    confirm = await coach.say(CHAT, ANN, "/stopreminders")
    await coach.press(CHAT, ANN, confirm, "stop:yes")
    done = await coach.sim.next_edit(CHAT.id, confirm.message_id)
    assert "Removed 1 reminder" in done.plain_text
    assert await stored_reminders(coach, CHAT.id) == []


async def test_blocked_user_is_deactivated_and_offered_resume_on_start(coach: Coach) -> None:
    await remind_next_minute(coach, CHAT, ANN, seconds=2)
    coach.sim.block(CHAT)
    service = services(coach).reminders
    assert service is not None
    await coach.sim.wait_for(lambda: service.outbox.stats.unreachable >= 1, timeout=10)
    await asyncio.wait_for(service.outbox.join(), 10)  # the deactivation callback has run
    assert await service.is_blocked(telegram_chat(CHAT.id))
    assert not (await stored_reminders(coach, CHAT.id))[0].reminder.active
    coach.sim.unblock(CHAT)
    welcome = await coach.say(CHAT, ANN, "/start")
    assert "Hi, Ann" in welcome.plain_text
    offer = await coach.sim.next_message(CHAT.id)
    await coach.press(CHAT, ANN, offer, "back:on")
    back = await coach.sim.next_edit(CHAT.id, offer.message_id)
    assert "1 reminder back on" in back.plain_text
    assert (await stored_reminders(coach, CHAT.id))[0].reminder.active


async def test_my_chat_member_kicked_deactivates(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/remind 08:00 daily UTC")
    coach.sim.my_chat_member(CHAT, ANN, "member", "kicked")
    service = services(coach).reminders
    assert service is not None
    await coach.settle()
    assert await service.is_blocked(telegram_chat(CHAT.id))


async def test_429_is_retried_and_the_nudge_arrives_once(coach: Coach) -> None:
    await remind_next_minute(coach, CHAT, ANN, seconds=2)
    coach.sim.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=CHAT.id
    )
    nudge = await coach.sim.next_message(CHAT.id, timeout=15)
    assert "Time to study" in nudge.plain_text
    await coach.settle()
    assert coach.sim.unread_messages(CHAT.id) == []
    refused = [c for c in coach.sim.calls_to("sendMessage") if c.status == 429]
    assert len(refused) == 1


async def test_a_5xx_is_retried_by_the_engine_a_minute_later(coach: Coach) -> None:
    await remind_next_minute(coach, CHAT, ANN, seconds=2)
    coach.sim.fail_next("sendMessage", 502, "Bad Gateway", chat_id=CHAT.id)
    service = services(coach).reminders
    assert service is not None
    await until(lambda: settled_failures(service) == 1)
    assert coach.sim.unread_messages(CHAT.id) == []  # the outbox did not retry on its own
    coach.clock.advance(RETRY_DELAY)
    service.dispatcher.wake()
    nudge = await coach.sim.next_message(CHAT.id, timeout=10)
    assert "Time to study" in nudge.plain_text
    await coach.settle()
    assert coach.sim.unread_messages(CHAT.id) == []
    statuses = [call.status for call in coach.sim.calls_to("sendMessage")]
    assert statuses.count(502) == 1


RETRY_DELAY = timedelta(minutes=1)
GRACE = timedelta(minutes=30)  # REMINDER_GRACE_MINUTES' default


async def until(condition: Callable[[], bool], within: float = 10) -> None:
    """Poll ``condition`` every millisecond (the bot's state, not a fake-server change)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.001)


def settled_failures(service: ReminderService) -> int:
    """Failed sends whose outcome callback has run (nothing left in the outbox)."""
    return service.outbox.stats.failed if service.outbox.pending == 0 else -1


def failures_settled_at(service: ReminderService, count: int) -> Callable[[], bool]:
    """A condition: ``count`` failed sends, each with its outcome callback run."""
    return lambda: settled_failures(service) == count


def nudge_attempts(coach: Coach, status: int) -> int:
    """How many nudge sends to CHAT the fake server answered with ``status``."""
    return sum(
        1
        for call in coach.sim.calls_to("sendMessage")
        if call.status == status and call.params.get("chat_id") in (CHAT.id, str(CHAT.id))
    )


async def test_one_nudge_under_endless_502_is_tried_once_a_minute_within_the_grace(
    coach: Coach,
) -> None:
    """Only the engine retries 5xx: at the due time, then every minute while under 30 min."""
    await remind_next_minute(coach, CHAT, ANN, seconds=2)
    [listed] = await stored_reminders(coach, CHAT.id)
    due = listed.next_due
    coach.sim.fail_next("sendMessage", 502, "Bad Gateway", times=1000, chat_id=CHAT.id)
    service = services(coach).reminders
    assert service is not None
    expected = GRACE // RETRY_DELAY  # attempts at +0, +1, ... +29 min; +30 min is too late
    for attempt in range(1, expected + 1):
        await until(failures_settled_at(service, attempt))
        assert nudge_attempts(coach, 502) == attempt
        coach.clock.advance(RETRY_DELAY)
        service.dispatcher.wake()
    await until(lambda: service.dispatcher.skipped_late == 1)
    assert service.dispatcher.in_flight() == 0
    assert service.dispatcher.next_due(listed.reminder.id) == due + timedelta(days=1)
    assert nudge_attempts(coach, 502) == expected == 30
    assert coach.sim.unread_messages(CHAT.id) == []


async def test_one_nudge_under_endless_429_is_tried_only_by_the_rate_limiter(
    coach: Coach,
) -> None:
    """Only PTB's rate limiter retries 429 (after retry_after): 1 + 3 attempts, then dropped."""
    await remind_next_minute(coach, CHAT, ANN, seconds=1)
    [listed] = await stored_reminders(coach, CHAT.id)
    due = listed.next_due
    coach.sim.fail_next(
        "sendMessage",
        429,
        "Too Many Requests: retry after 1",
        retry_after=1,
        times=1000,
        chat_id=CHAT.id,
    )
    service = services(coach).reminders
    assert service is not None
    await until(lambda: service.dispatcher.dropped == 1, within=20)
    assert nudge_attempts(coach, 429) == 1 + RATE_LIMIT_RETRIES == 4
    assert service.dispatcher.in_flight() == 0
    assert service.dispatcher.next_due(listed.reminder.id) == due + timedelta(days=1)
    coach.clock.advance(RETRY_DELAY)
    service.dispatcher.wake()
    await coach.settle()
    assert nudge_attempts(coach, 429) == 4
    assert coach.sim.unread_messages(CHAT.id) == []


GROUP = SimChat.group(-100600, "Coders united", supergroup=True)
ADMIN = SimUser(6101, "Ada", "ada")
MEMBER = SimUser(6102, "Max", "max")


async def test_group_admin_can_set_a_group_reminder(coach: Coach) -> None:
    coach.sim.set_member_status(GROUP, ADMIN, "administrator")
    sent = coach.sim.send_text(GROUP, ADMIN, f"/remind@{BOT_USERNAME} 18:00 weekdays UTC")
    reply = await coach.sim.next_message(GROUP.id)
    assert "Reminder set" in reply.plain_text
    assert reply.reply_to_message_id == sent["message_id"]
    assert len(await stored_reminders(coach, GROUP.id)) == 1


async def test_group_member_is_refused_politely(coach: Coach) -> None:
    coach.sim.set_member_status(GROUP, MEMBER, "member")
    reply = await coach.say(GROUP, MEMBER, f"/remind@{BOT_USERNAME} 18:00 weekdays UTC")
    assert "only this group's admins" in reply.plain_text
    assert await stored_reminders(coach, GROUP.id) == []


async def test_group_nudge_is_a_general_prompt(coach: Coach) -> None:
    coach.sim.set_member_status(GROUP, ADMIN, "creator")
    minute = coach.clock.set_seconds_before_next_minute(2)
    await coach.say(GROUP, ADMIN, f"/remind@{BOT_USERNAME} {minute:%H:%M} daily UTC")
    nudge: SentMessage = await coach.sim.next_message(GROUP.id, timeout=10)
    assert "Study time!" in nudge.plain_text
    assert "step 1" not in nudge.plain_text


async def test_editing_a_remind_message_sets_no_second_reminder(coach: Coach) -> None:
    sent = coach.sim.send_text(CHAT, ANN, "/remind 08:00 daily UTC")
    await coach.sim.next_message(CHAT.id)
    coach.sim.edit_text(CHAT, ANN, sent["message_id"], "/remind 09:00 daily UTC")
    await coach.settle()
    assert coach.sim.unread_messages(CHAT.id) == []
    assert len(await stored_reminders(coach, CHAT.id)) == 1
