"""Groups in the field: upgraded to supergroups, forum topics, the bot removed and re-added,
and the one admin rule for every command and button that changes a group's state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.reminders import ReminderService
from bot.services import Services
from handlers.telegram.common import SERVICES_KEY
from handlers.telegram.reminder_context import telegram_chat
from tests.conftest import BOT_USERNAME, Coach
from tests.fakeapi.simulator import SentMessage, SimChat, SimUser

ADMIN = SimUser(7101, "Ada", "ada")
MEMBER = SimUser(7102, "Max", "max")
OLD_GROUP = SimChat.group(-4100200300, "Coders")
NEW_GROUP_ID = -1004100200300
FORUM = SimChat.group(-1007000000077, "Coders forum", supergroup=True, forum=True)
GROUP = SimChat.group(-1007100000001, "Study circle", supergroup=True)
REFUSAL = "only this group's admins"


def reminders(coach: Coach) -> ReminderService:
    found: Services = coach.app.bot_data[SERVICES_KEY]
    assert found.reminders is not None
    return found.reminders


def cmd(text: str) -> str:
    """``/name args`` as a group member types it: ``/name@Bot args``."""
    name, _, rest = text.partition(" ")
    return f"{name}@{BOT_USERNAME} {rest}".rstrip()


async def set_group_reminder(coach: Coach, chat: SimChat, line: str) -> SentMessage:
    coach.sim.set_member_status(chat, ADMIN, "administrator")
    reply = await coach.say(chat, ADMIN, cmd(line))
    assert "Reminder set" in reply.plain_text, reply.plain_text
    return reply


# ---- 1. a basic group upgraded to a supergroup ---------------------------------------------


async def test_upgrade_moves_reminders_zone_and_progress_and_nudges_go_to_the_new_id(
    coach: Coach,
) -> None:
    minute = coach.clock.set_seconds_before_next_minute(8)
    await set_group_reminder(coach, OLD_GROUP, f"/remind {minute:%H:%M} daily UTC")
    await coach.say(OLD_GROUP, ADMIN, cmd("/timezone Europe/Paris"))
    await coach.say(OLD_GROUP, ADMIN, cmd("/done"))
    new_group = coach.sim.migrate_to_supergroup(OLD_GROUP, NEW_GROUP_ID, ADMIN)
    await coach.settle()
    listing = await coach.say(new_group, ADMIN, cmd("/reminders"))
    assert f"{minute:%H:%M} every day (UTC)" in listing.plain_text
    progress = await coach.say(new_group, ADMIN, cmd("/progress"))
    assert "Days studied in all: 1" in progress.plain_text
    service = reminders(coach)
    assert await service.list(telegram_chat(OLD_GROUP.id)) == []
    moved = await service.profile(telegram_chat(NEW_GROUP_ID))
    assert moved.tz == "Europe/Paris" and moved.is_group
    nudge = await coach.sim.next_message(NEW_GROUP_ID, timeout=15)
    assert "Study time!" in nudge.plain_text
    await coach.settle()
    assert [c for c in coach.sim.calls_to("sendMessage") if not c.ok] == []
    assert (await service.list(telegram_chat(NEW_GROUP_ID)))[0].reminder.last_fired is not None
    assert coach.sim.unread_messages(OLD_GROUP.id) == []


async def test_a_send_refused_after_the_upgrade_moves_the_data_and_resends_there(
    coach: Coach,
) -> None:
    minute = coach.clock.set_seconds_before_next_minute(3)
    await set_group_reminder(coach, OLD_GROUP, f"/remind {minute:%H:%M} daily UTC")
    coach.sim.migrate_to_supergroup(OLD_GROUP, NEW_GROUP_ID, ADMIN, announce=False)
    nudge = await coach.sim.next_message(NEW_GROUP_ID, timeout=10)
    assert "Study time!" in nudge.plain_text
    await coach.settle()
    refused = [c for c in coach.sim.calls_to("sendMessage") if c.status == 400]
    assert [c.params["chat_id"] for c in refused] == [OLD_GROUP.id]
    assert refused[0].response["parameters"] == {"migrate_to_chat_id": NEW_GROUP_ID}
    service = reminders(coach)
    assert await service.list(telegram_chat(OLD_GROUP.id)) == []
    [moved] = await service.list(telegram_chat(NEW_GROUP_ID))
    assert moved.reminder.last_fired is not None and moved.next_due is not None
    assert coach.sim.unread_messages(NEW_GROUP_ID) == []


# ---- 2. forum topics -----------------------------------------------------------------------


async def test_a_reminder_set_in_a_topic_nudges_and_snoozes_into_that_topic(
    coach: Coach,
) -> None:
    coach.sim.set_member_status(FORUM, ADMIN, "administrator")
    minute = coach.clock.set_seconds_before_next_minute(3)
    coach.sim.send_text(FORUM, ADMIN, cmd(f"/remind {minute:%H:%M} daily UTC"), thread_id=77)
    confirmation = await coach.sim.next_message(FORUM.id)
    assert "Reminder set" in confirmation.plain_text
    assert confirmation.message_thread_id == 77
    nudge = await coach.sim.next_message(FORUM.id, timeout=10)
    assert nudge.message_thread_id == 77
    await coach.press(FORUM, ADMIN, nudge, "ng:snooze")
    snoozed = await coach.sim.next_edit(FORUM.id, nudge.message_id)
    assert snoozed.message_thread_id == 77
    coach.clock.advance(timedelta(minutes=59, seconds=58))
    reminders(coach).dispatcher.wake()
    again = await coach.sim.next_message(FORUM.id, timeout=10)
    assert again.message_thread_id == 77
    listing = await coach.say(FORUM, ADMIN, cmd("/reminders"))  # asked in General
    assert "in topic 77" in listing.plain_text
    assert listing.message_thread_id is None


async def test_a_deleted_topic_still_gets_its_nudge_in_the_chat(coach: Coach) -> None:
    coach.sim.set_member_status(FORUM, ADMIN, "administrator")
    minute = coach.clock.set_seconds_before_next_minute(3)
    coach.sim.send_text(FORUM, ADMIN, cmd(f"/remind {minute:%H:%M} daily UTC"), thread_id=78)
    await coach.sim.next_message(FORUM.id)
    coach.sim.delete_topic(FORUM, 78)
    nudge = await coach.sim.next_message(FORUM.id, timeout=10)
    assert "Study time!" in nudge.plain_text and nudge.message_thread_id is None


async def test_the_same_time_in_another_topic_is_a_second_reminder(coach: Coach) -> None:
    coach.sim.set_member_status(FORUM, ADMIN, "administrator")
    for topic in (77, 78, 77):
        coach.sim.send_text(FORUM, ADMIN, cmd("/remind 18:00 daily UTC"), thread_id=topic)
        await coach.sim.next_message(FORUM.id)
    stored = await reminders(coach).list(telegram_chat(FORUM.id))
    assert sorted(item.reminder.thread_id or 0 for item in stored) == [77, 78]


# ---- 6. removed and added back -------------------------------------------------------------


async def test_when_re_added_admins_are_offered_their_reminders_back(coach: Coach) -> None:
    await set_group_reminder(coach, GROUP, "/remind 18:00 daily UTC")
    coach.sim.my_chat_member(GROUP, ADMIN, "member", "kicked")
    coach.sim.my_chat_member(GROUP, ADMIN, "kicked", "member")
    offer = await coach.sim.next_message(GROUP.id)
    assert "adding me back" in offer.plain_text
    assert offer.button_data() == ["back:on"]
    await coach.press(GROUP, MEMBER, offer, "back:on")
    refused = await coach.sim.next_callback_answer()
    assert refused.text and REFUSAL in refused.text and refused.show_alert
    assert not (await reminders(coach).list(telegram_chat(GROUP.id)))[0].reminder.active
    await coach.press(GROUP, ADMIN, offer, "back:on")
    back = await coach.sim.next_edit(GROUP.id, offer.message_id)
    assert "1 reminder back on" in back.plain_text
    [item] = await reminders(coach).list(telegram_chat(GROUP.id))
    assert item.reminder.active and item.next_due is not None


async def test_start_in_a_switched_off_group_offers_the_resume_button_to_admins_only(
    coach: Coach,
) -> None:
    await set_group_reminder(coach, GROUP, "/remind 18:00 daily UTC")
    coach.sim.my_chat_member(GROUP, ADMIN, "member", "kicked")
    coach.sim.my_chat_member(GROUP, ADMIN, "kicked", "member")
    await coach.sim.next_message(GROUP.id)  # the offer made on re-adding
    coach.sim.set_member_status(GROUP, MEMBER, "member")
    welcome = await coach.say(GROUP, MEMBER, cmd("/start"))
    assert "back:on" not in welcome.button_data()
    await coach.settle()
    assert [m for m in coach.sim.unread_messages(GROUP.id) if "back:on" in m.button_data()] == []
    await coach.say(GROUP, ADMIN, cmd("/start"))
    offer = await coach.sim.next_message(GROUP.id)
    assert offer.button_data() == ["back:on"]
    assert await reminders(coach).is_blocked(telegram_chat(GROUP.id))


async def test_a_switched_off_reminder_lists_a_resume_button_that_works(coach: Coach) -> None:
    await set_group_reminder(coach, GROUP, "/remind 18:00 daily UTC")
    coach.sim.my_chat_member(GROUP, ADMIN, "administrator", "left")
    coach.sim.my_chat_member(GROUP, ADMIN, "left", "administrator")
    await coach.sim.next_message(GROUP.id)  # the offer
    listing = await coach.say(GROUP, ADMIN, cmd("/reminders"))
    assert "could not reach" in listing.plain_text
    resume = next(d for d in listing.button_data() if d.startswith("rm:on:"))
    await coach.press(GROUP, ADMIN, listing, resume)
    edited = await coach.sim.next_edit(GROUP.id, listing.message_id)
    assert "next nudge" in edited.plain_text
    assert any(d.startswith("rm:off:") for d in edited.button_data())
    service = reminders(coach)
    assert not await service.is_blocked(telegram_chat(GROUP.id))
    [item] = await service.list(telegram_chat(GROUP.id))
    assert item.reminder.active and not item.reminder.paused and item.next_due is not None


# ---- 7. one admin rule for everything that changes a group ---------------------------------

COMMANDS = [
    "/remind 19:00 daily UTC",
    "/remind",
    "/timezone Europe/Paris",
    "/pause",
    "/pause 3",
    "/resume",
    "/stopreminders",
    "/done",
]
BUTTONS = [
    "rf:1900",
    "rf:1900:127",
    "rf:1900:127:10",
    "rf:1900:c1",
    "rm:off:{id}",
    "rm:on:{id}",
    "rm:del:{id}",
    "stop:yes",
    "tz:move:Europe/Paris",
    "tz:keep",
    "back:on",
    "pg:2",
    "pg:done",
    "ng:done",
    "ng:snooze",
    "ng:skip",
]


async def group_state(coach: Coach) -> tuple[object, ...]:
    service = reminders(coach)
    return (
        await service.list(telegram_chat(GROUP.id)),
        await service.profile(telegram_chat(GROUP.id)),
        service.paused_until(telegram_chat(GROUP.id)),
    )


@pytest.mark.parametrize("line", COMMANDS)
async def test_a_member_cannot_change_the_group_by_command(coach: Coach, line: str) -> None:
    await set_group_reminder(coach, GROUP, "/remind 18:00 daily UTC")
    coach.sim.set_member_status(GROUP, MEMBER, "member")
    before = await group_state(coach)
    reply = await coach.say(GROUP, MEMBER, cmd(line))
    assert REFUSAL in reply.plain_text
    assert await group_state(coach) == before


@pytest.mark.parametrize("data", BUTTONS)
async def test_a_member_cannot_change_the_group_by_button(coach: Coach, data: str) -> None:
    confirmation = await set_group_reminder(coach, GROUP, "/remind 18:00 daily UTC")
    coach.sim.set_member_status(GROUP, MEMBER, "member")
    [item] = await reminders(coach).list(telegram_chat(GROUP.id))
    before = await group_state(coach)
    coach.sim.press_button(
        GROUP,
        MEMBER,
        confirmation.message_id,
        data.format(id=item.reminder.id),
        check_keyboard=False,
    )
    answer = await coach.sim.next_callback_answer()
    assert answer.text and REFUSAL in answer.text and answer.show_alert
    await coach.settle()
    assert await group_state(coach) == before
    assert coach.sim.unread_messages(GROUP.id) == []
    assert [e for e in coach.sim.edits if e.chat_id == GROUP.id] == []
