"""Reminder and progress use cases over a real ReminderService and real temporary storage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio

from bot.actions import (
    Action,
    AnswerNudge,
    ConfirmStop,
    ManageReminder,
    MoveZone,
    RemindFlow,
    ResumeAfterBlock,
    SetProgress,
    ShowTopic,
    Unknown,
)
from bot.actor import Actor
from bot.guide import load_guide
from bot.messages import default_messages
from bot.reminders import Nudge, ReminderService
from bot.replies import Paragraph, Reply
from bot.schedule import ReminderSpec
from bot.screens import reminders as screens
from bot.use_cases.reminders import (
    COMMANDS,
    MANAGING_COMMANDS,
    ReminderUseCases,
    chat_key,
    needs_manager,
)
from storage.async_repository import AsyncRepository
from storage.records import ChatKey

START = datetime(2026, 3, 2, 8, 59, 58, tzinfo=UTC)  # a Monday, UTC
M = default_messages()
REFUSAL = "Sorry, only this group's admins can change its study reminders and progress."
ANN = Actor("telegram", chat_id=1, user_id=1)
GROUP_ID = -100_200
GROUP = ChatKey("telegram", GROUP_ID)
ADMIN = Actor("telegram", chat_id=GROUP_ID, user_id=7, is_group=True, thread_id=77)
MEMBER = Actor("telegram", chat_id=GROUP_ID, user_id=8, is_group=True, may_manage=False)


@pytest_asyncio.fixture
async def cases(tmp_path: Path) -> AsyncIterator[ReminderUseCases]:
    guide = load_guide()
    repository = await AsyncRepository.open(tmp_path / "data", shards=8)
    service = ReminderService(
        repository, guide.actions_by_step(), guide.group_prompts, clock=lambda: START
    )
    await service.start({"telegram": _ignore})
    yield ReminderUseCases(service, guide)
    await service.stop()
    await repository.close()


async def _ignore(nudge: Nudge) -> None:
    return None


def plain(reply: Reply) -> str:
    return "\n\n".join(
        "\n".join("".join(span.text for span in ln) for ln in block.lines)
        for block in reply.blocks
        if isinstance(block, Paragraph)
    )


async def test_one_line_remind_stores_the_reminder_in_the_actors_topic(
    cases: ReminderUseCases,
) -> None:
    reply = await cases.command(ADMIN, "remind", "19:30 mon,wed,fri America/Chicago")
    assert "Reminder set: 19:30 on Mon, Wed, Fri (America/Chicago) · in topic 77" in plain(reply)
    [listed] = await cases.service.list(GROUP)
    assert listed.reminder.thread_id == 77 and listed.reminder.days == frozenset({0, 2, 4})
    assert (await cases.service.profile(GROUP)).tz == "America/Chicago"


async def test_remind_without_a_zone_asks_for_one_and_stores_nothing(
    cases: ReminderUseCases,
) -> None:
    reply = await cases.command(ANN, "remind", "19:30")
    assert "Which time zone is that in?" in plain(reply)
    assert await cases.service.list(chat_key(ANN)) == []


async def test_the_button_flow_walks_time_days_zone_then_saves(cases: ReminderUseCases) -> None:
    assert (await cases.command(ANN, "remind")).buttons == screens.pick_time(M).buttons
    days = await cases.press(ANN, RemindFlow(19, 30))
    assert days.replace and "At 19:30. On which days?" in plain(days)
    zone = await cases.press(ANN, RemindFlow(19, 30, 17))
    assert zone == screens.pick_zone(M, 19, 30, 17)
    saved = await cases.press(ANN, RemindFlow(19, 30, 17, zone=7))
    assert saved.replace and "19:30 on Mon, Fri (Europe/London)" in plain(saved)
    [listed] = await cases.service.list(chat_key(ANN))
    assert (listed.reminder.hour, listed.reminder.tz) == (19, "Europe/London")


async def test_a_zone_index_out_of_range_is_stale_and_stores_nothing(
    cases: ReminderUseCases,
) -> None:
    reply = await cases.press(ANN, RemindFlow(19, 30, 17, zone=99))
    assert (
        reply.blocks == ()
        and reply.notice == "This button is no longer valid. Send /remind to start again."
    )
    assert await cases.service.list(chat_key(ANN)) == []


async def test_typed_time_goes_on_to_the_days_or_explains(cases: ReminderUseCases) -> None:
    assert (await cases.typed_time(ANN, "6:45 pm")) == screens.pick_days(M, 18, 45)
    assert plain(await cases.typed_time(ANN, "soon")).endswith("Send /remind to try again.")


async def test_a_sixth_reminder_is_refused(cases: ReminderUseCases) -> None:
    for hour in range(5):
        await cases.command(ANN, "remind", f"{hour:02d}:00 daily UTC")
    reply = await cases.command(ANN, "remind", "20:00 daily UTC")
    assert "already have 5 reminders" in plain(reply)
    assert len(await cases.service.list(chat_key(ANN))) == 5


async def test_pause_resume_delete_one_reminder_then_find_it_gone(
    cases: ReminderUseCases,
) -> None:
    await cases.command(ANN, "remind", "19:30 daily UTC")
    [listed] = await cases.service.list(chat_key(ANN))
    rid = listed.reminder.id
    paused = await cases.press(ANN, ManageReminder("off", rid))
    assert paused.notice == "Reminder paused." and paused.replace and "– paused" in plain(paused)
    assert (await cases.service.list(chat_key(ANN)))[0].reminder.paused
    resumed = await cases.press(ANN, ManageReminder("on", rid))
    assert resumed.notice == "Reminder resumed."
    assert (await cases.press(ANN, ManageReminder("del", rid))).notice == "Reminder deleted."
    again = await cases.press(ANN, ManageReminder("del", rid))
    assert (
        again.notice == "That reminder is already gone."
        and await cases.service.list(chat_key(ANN)) == []
    )


async def test_list_shows_next_times_in_the_chats_zone(cases: ReminderUseCases) -> None:
    await cases.command(ANN, "remind", "09:00 daily UTC")
    await cases.command(ANN, "timezone", "Asia/Tokyo")
    text = plain(await cases.command(ANN, "reminders"))
    assert "09:00 every day (UTC) – next nudge Mon 2 Mar, 18:00 (Asia/Tokyo)" in text


async def test_timezone_offers_to_move_and_the_move_keeps_local_time(
    cases: ReminderUseCases,
) -> None:
    await cases.command(ANN, "remind", "19:30 daily UTC")
    offer = await cases.command(ANN, "timezone", "Europe/Berlin")
    assert [b.action for row in offer.buttons for b in row] == [
        MoveZone("Europe/Berlin"),
        MoveZone(None),
    ]
    moved = await cases.press(ANN, MoveZone("Europe/Berlin"))
    assert plain(moved) == (
        "✅ Moved 1 reminder to Europe/Berlin at the same local time. See /reminders."
    )
    [listed] = await cases.service.list(chat_key(ANN))
    assert (listed.reminder.hour, listed.reminder.tz) == (19, "Europe/Berlin")
    assert "Your time zone is Europe/Berlin." in plain(await cases.command(ANN, "timezone"))


async def test_a_forged_zone_to_move_to_is_stale(cases: ReminderUseCases) -> None:
    await cases.command(ANN, "remind", "19:30 daily UTC")
    reply = await cases.press(ANN, MoveZone("Nowhere/Atlantis"))
    assert (
        reply.notice == "This button is no longer valid. Send /start for the menu."
        and reply.blocks == ()
    )
    assert (await cases.service.list(chat_key(ANN)))[0].reminder.tz == "UTC"


async def test_pause_takes_days_shown_in_the_chats_zone_and_resume_ends_it(
    cases: ReminderUseCases,
) -> None:
    assert "Give a number of days from 1 to 365" in plain(await cases.command(ANN, "pause", "x"))
    assert cases.service.paused_until(chat_key(ANN)) is None
    reply = await cases.command(ANN, "pause", "3")
    assert plain(reply) == "⏸ Reminders paused for 3 days, until Thu 5 Mar, 08:59 (UTC)."
    assert plain(await cases.command(ANN, "resume")) == "▶ Reminders resumed."
    assert plain(await cases.command(ANN, "resume")) == "Your reminders were not paused."


async def test_stop_asks_first_then_removes_all(cases: ReminderUseCases) -> None:
    await cases.command(ANN, "remind", "19:30 daily UTC")
    await cases.command(ANN, "stopreminders")
    assert len(await cases.service.list(chat_key(ANN))) == 1
    await cases.press(ANN, ConfirmStop(False))
    assert len(await cases.service.list(chat_key(ANN))) == 1
    assert plain(await cases.press(ANN, ConfirmStop(True))) == "🗑 Removed 1 reminder."
    assert plain(await cases.press(ANN, ConfirmStop(True))) == (
        "🗑 All your study reminders are removed."
    )


async def test_progress_step_and_study(cases: ReminderUseCases) -> None:
    moved = await cases.press(ANN, SetProgress(2))
    assert moved.notice == "You're on step 2 now." and moved.replace
    assert (await cases.service.profile(chat_key(ANN))).step == 2
    assert (
        await cases.press(ANN, SetProgress(9))
    ).notice == "This button is no longer valid. Send /start for the menu."
    done = await cases.command(ANN, "done")
    assert "Streak: 1 scheduled day in a row" in plain(done)
    assert (await cases.service.profile(chat_key(ANN))).studied == ("2026-03-02",)


async def test_nudge_answers(cases: ReminderUseCases) -> None:
    snoozed = await cases.press(ADMIN, AnswerNudge("snooze"))
    assert plain(snoozed) == "😴 Snoozed until Mon 2 Mar, 09:59 (UTC)."
    assert (await cases.service.profile(GROUP)).snoozed_thread == 77
    skipped = await cases.press(ADMIN, AnswerNudge("skip"))
    assert skipped.notice == "OK, no more nudges today."
    assert cases.service.paused_until(GROUP) == datetime(2026, 3, 3, tzinfo=UTC)
    studied = await cases.press(ADMIN, AnswerNudge("done"))
    assert studied.notice == "Recorded. Well done!"


async def test_unknown_and_foreign_actions_change_nothing(cases: ReminderUseCases) -> None:
    for action in (Unknown("rm:del:zzzz"), ShowTopic("salary")):
        reply = await cases.press(ANN, action)
        assert reply == screens.stale(M)
    assert not needs_manager(Unknown("x")) and not needs_manager(ShowTopic("salary"))


async def test_readd_offer_only_for_a_group_with_switched_off_reminders(
    cases: ReminderUseCases,
) -> None:
    await cases.service.add(GROUP, ReminderSpec(9, 0, frozenset(range(7)), "UTC"), is_group=True)
    assert await cases.bot_added_back(GROUP, is_group=True) is None
    await cases.bot_removed(GROUP)
    offer = await cases.bot_added_back(GROUP, is_group=True)
    assert offer is not None and "1 study reminder was switched off" in plain(offer)
    assert [b.action for row in offer.buttons for b in row] == [ResumeAfterBlock()]
    back = await cases.press(ADMIN, ResumeAfterBlock())
    assert plain(back) == "▶ 1 reminder back on. Welcome back!"
    assert (await cases.service.list(GROUP))[0].reminder.active


# Every state-changing use case, as a command (name, args) or an action.
CHANGES: list[tuple[str, str] | Action] = [
    ("remind", ""),
    ("remind", "19:30 daily UTC"),
    ("timezone", ""),
    ("timezone", "Asia/Tokyo"),
    ("pause", "3"),
    ("resume", ""),
    ("stopreminders", ""),
    ("done", ""),
    RemindFlow(19, 30),
    RemindFlow(19, 30, 1, choosing=True),
    RemindFlow(19, 30, 127),
    RemindFlow(19, 30, 127, zone=8),
    ManageReminder("off", "{rid}"),
    ManageReminder("on", "{rid}"),
    ManageReminder("del", "{rid}"),
    ConfirmStop(True),
    ConfirmStop(False),
    MoveZone("Asia/Tokyo"),
    MoveZone(None),
    ResumeAfterBlock(),
    SetProgress(3),
    SetProgress(None),
    AnswerNudge("done"),
    AnswerNudge("snooze"),
    AnswerNudge("skip"),
]


def test_the_table_covers_every_managing_command() -> None:
    assert {c[0] for c in CHANGES if isinstance(c, tuple)} == MANAGING_COMMANDS
    assert MANAGING_COMMANDS < COMMANDS


@pytest.mark.parametrize("change", CHANGES, ids=str)
async def test_a_group_member_who_may_not_manage_is_refused_and_nothing_changes(
    cases: ReminderUseCases, change: tuple[str, str] | Action
) -> None:
    service = cases.service
    await service.add(GROUP, ReminderSpec(9, 0, frozenset(range(7)), "UTC"), is_group=True)
    await service.chat_unreachable(GROUP)  # so "back on" would have something to change
    [listed] = await service.list(GROUP)
    before = (await service.list(GROUP), await service.profile(GROUP), service.paused_until(GROUP))
    if isinstance(change, tuple):
        assert needs_manager(change[0])
        reply = await cases.command(MEMBER, *change)
        assert plain(reply) == REFUSAL and not reply.buttons
    else:
        if isinstance(change, ManageReminder):
            change = ManageReminder(change.op, listed.reminder.id)
        assert needs_manager(change)
        reply = await cases.press(MEMBER, change)
        assert reply == screens.refusal(M, button=True)
    after = (await service.list(GROUP), await service.profile(GROUP), service.paused_until(GROUP))
    assert after == before


@pytest.mark.parametrize("name", sorted(COMMANDS - MANAGING_COMMANDS))
async def test_reading_commands_answer_a_member(cases: ReminderUseCases, name: str) -> None:
    assert not needs_manager(name)
    assert plain(await cases.command(MEMBER, name)) != REFUSAL
