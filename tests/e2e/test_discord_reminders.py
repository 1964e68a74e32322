"""Reminders on Discord end to end: time-zone autocomplete, a time typed after a bare /remind,
answers deferred while storage is busy, buttons across a restart, and reminders switched off
when the bot cannot reach a chat (no DMs, removed from a server) and offered back on."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from handlers.discord.pending import AwaitedTimes
from storage.records import ChatKey
from tests.conftest import FakeClock
from tests.fakediscord.coach import coach_on_discord, text_of
from tests.fakediscord.harness import fake_discord
from tests.fakediscord.interactions import AUTOCOMPLETE_RESULT, DEFERRED, DEFERRED_UPDATE
from tests.fakediscord.records import SentMessage
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.world import MANAGE_GUILD

__all__ = ["fake_discord"]

RESUME = "back:on"


async def until(condition: Callable[[], object], within: float = 10) -> None:
    """Poll the bot's own state every millisecond (no fake-server change to wait on)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.001)


def choices_of(data: dict[str, object]) -> list[str]:
    found = data.get("choices")
    assert isinstance(found, list)
    return [choice["value"] for choice in found]


# ----- /remind's time zone by autocomplete ----------------------------------------------------


async def test_zone_autocomplete_offers_the_previous_choice_first_then_matches(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    async with coach_on_discord(fake_discord, tmp_path):
        fresh = await fake_discord.autocomplete(ann, "remind", "timezone", "")
        fresh_answer = await fake_discord.next_interaction_response(fresh)
        chosen = await fake_discord.slash(ann, "timezone", {"zone": "Asia/Manila"})
        await fake_discord.next_reply(chosen)
        later = await fake_discord.autocomplete(ann, "remind", "timezone", "", {"time": "07:00"})
        later_answer = await fake_discord.next_interaction_response(later)
        typed = await fake_discord.autocomplete(ann, "remind", "timezone", "chic")
        typed_answer = await fake_discord.next_interaction_response(typed)
        typo = await fake_discord.autocomplete(ann, "timezone", "zone", "berln")
        typo_answer = await fake_discord.next_interaction_response(typo)
    assert fresh_answer.type == AUTOCOMPLETE_RESULT and fresh_answer.delay < 3.0
    assert choices_of(fresh_answer.data)[0] == "America/New_York"  # no choice yet: common ones
    assert choices_of(later_answer.data)[0] == "Asia/Manila"
    assert 1 < len(choices_of(later_answer.data)) <= 25
    assert choices_of(typed_answer.data)[0] == "America/Chicago"
    assert "Asia/Manila" not in choices_of(typed_answer.data)  # not what is being typed
    assert choices_of(typo_answer.data)[0] == "Europe/Berlin"


async def test_a_zone_picked_by_autocomplete_sets_the_reminder_in_that_zone(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    dm = fake_discord.dm_channel(ann)
    async with coach_on_discord(fake_discord, tmp_path) as (core, _):
        typed = await fake_discord.autocomplete(ann, "remind", "timezone", "kolk")
        zone = choices_of((await fake_discord.next_interaction_response(typed)).data)[0]
        options = {"time": "06:45", "days": "weekdays", "timezone": zone}
        reply = await fake_discord.next_reply(await fake_discord.slash(ann, "remind", options))
        stored = await core.repository.reminders_for(ChatKey("discord", dm.id))
    assert zone == "Asia/Kolkata"
    assert "06:45 on weekdays (Asia/Kolkata)" in text_of(reply)
    assert [(r.hour, r.minute, r.tz) for r in stored] == [(6, 45, "Asia/Kolkata")]


# ----- a time typed after a bare /remind -----------------------------------------------------


async def test_a_bare_remind_in_a_dm_reads_the_next_dm_as_the_time(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    dm = fake_discord.dm_channel(ann)
    async with coach_on_discord(fake_discord, tmp_path) as (core, _):
        await fake_discord.slash(ann, "timezone", {"zone": "Europe/Berlin"})
        await fake_discord.next_message(dm.id)
        await fake_discord.slash(ann, "remind")
        prompt = await fake_discord.next_message(dm.id)
        await fake_discord.send_message(ann, "7:05")
        days = await fake_discord.next_message(dm.id)
        every_day = next(cid for cid in days.custom_ids() if cid.startswith("rf:0705:"))
        press = await fake_discord.press_button(ann, days, every_day)
        pressed = await fake_discord.next_interaction_response(press)
        saved = await fake_discord.next_edit(days.id)
        await fake_discord.send_message(ann, "how long does it take")
        answer = await fake_discord.next_message(dm.id)
        stored = await core.repository.reminders_for(ChatKey("discord", dm.id))
    assert "type one" in text_of(prompt) and prompt.custom_ids()  # preset times as buttons
    assert "07:05" in text_of(days)
    assert pressed.type == DEFERRED_UPDATE
    assert "Reminder set" in text_of(saved)
    assert "18 months to 4.5 years" in text_of(answer)  # the wait ended: a question again
    assert [(r.hour, r.minute, r.tz) for r in stored] == [(7, 5, "Europe/Berlin")]


async def test_a_bare_remind_in_a_server_reads_the_managers_next_mention_as_the_time(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    owner = fake_discord.add_user("owner")
    bob = fake_discord.add_user("bob")
    guild = fake_discord.add_guild("Coders", owner)
    fake_discord.join(guild, bob)
    channel = guild.channels[0]
    mention = f"<@{fake_discord.bot.id}>"
    async with coach_on_discord(fake_discord, tmp_path):
        await fake_discord.slash(owner, "remind", channel=channel)
        prompt = await fake_discord.next_message(channel.id)
        await fake_discord.send_message(bob, f"{mention} 18:00", channel=channel)
        to_bob = await fake_discord.next_message(channel.id)
        await fake_discord.send_message(owner, f"{mention} 18:00", channel=channel)
        to_owner = await fake_discord.next_message(channel.id)
    assert prompt.ephemeral
    assert "18:00" not in text_of(to_bob)  # bob's mention was a question, not the time
    assert "At **18:00**" in text_of(to_owner) and to_owner.custom_ids()


async def test_a_message_long_after_a_bare_remind_is_a_question_again(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    dm = fake_discord.dm_channel(ann)
    now = [0.0]
    async with coach_on_discord(fake_discord, tmp_path) as (_, front):
        front.awaited = AwaitedTimes(ttl=600, clock=lambda: now[0])
        await fake_discord.slash(ann, "remind")
        await fake_discord.next_message(dm.id)
        now[0] += 601  # ten minutes and a second later
        await fake_discord.send_message(ann, "19:30")
        reply = await fake_discord.next_message(dm.id)
    assert "On which days" not in text_of(reply)  # answered as a question, not as the time
    assert not any(cid.startswith("rf:1930") for cid in reply.custom_ids())


async def test_a_typed_time_that_is_not_one_says_so(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    dm = fake_discord.dm_channel(ann)
    async with coach_on_discord(fake_discord, tmp_path):
        await fake_discord.slash(ann, "remind")
        await fake_discord.next_message(dm.id)
        await fake_discord.send_message(ann, "25:99")
        error = await fake_discord.next_message(dm.id)
    assert "/remind" in text_of(error) and not error.custom_ids()


# ----- deferred while storage is busy, answered once ------------------------------------------


async def test_a_reminder_command_is_deferred_while_storage_is_busy_and_answered_once(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    release = threading.Event()
    async with coach_on_discord(fake_discord, tmp_path) as (core, _):
        # Hold the storage thread: every read and write waits until release.set().
        held = asyncio.create_task(core.repository.exclusive(lambda _: release.wait(10)))
        options = {"time": "19:30", "days": "daily", "timezone": "UTC"}
        interaction = await fake_discord.slash(ann, "remind", options)
        try:
            response = await fake_discord.next_interaction_response(interaction)
        finally:
            release.set()
            await held
        reply = await fake_discord.next_reply(interaction)
    assert response.type == DEFERRED and response.delay < 3.0
    assert "Reminder set" in text_of(reply)
    assert [r.type for r in fake_discord.state.records.responses] == [DEFERRED]


async def test_a_reminder_button_is_a_deferred_update_of_the_pressed_message(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    async with coach_on_discord(fake_discord, tmp_path):
        options = {"time": "08:00", "days": "daily", "timezone": "UTC"}
        await fake_discord.next_reply(await fake_discord.slash(ann, "remind", options))
        listing = await fake_discord.next_reply(await fake_discord.slash(ann, "reminders"))
        pause = next(cid for cid in listing.custom_ids() if cid.startswith("rm:off:"))
        press = await fake_discord.press_button(ann, listing, pause)
        response = await fake_discord.next_interaction_response(press)
        edited = await fake_discord.next_edit(listing.id)
    assert response.type == DEFERRED_UPDATE
    assert "paused" in text_of(edited)
    assert any(cid.startswith("rm:on:") for cid in edited.custom_ids())


# ----- buttons after a restart ------------------------------------------------------------------


async def test_nudge_buttons_work_after_the_bot_restarts(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    dm = fake_discord.dm_channel(ann)
    clock = FakeClock()
    async with coach_on_discord(fake_discord, tmp_path, clock):
        minute = clock.set_seconds_before_next_minute(2)
        options = {"time": f"{minute:%H:%M}", "days": "daily", "timezone": "UTC"}
        await fake_discord.next_reply(await fake_discord.slash(ann, "remind", options))
        nudges = await fake_discord.state.records.wait_for(
            lambda: [m for m in fake_discord.dms_to(ann) if m.interaction_id is None], 15
        )
    async with coach_on_discord(fake_discord, tmp_path, clock) as (core, _):
        press = await fake_discord.press_button(ann, nudges[0], "ng:done")
        studied = await fake_discord.next_edit(nudges[0].id)
        progress = await core.reminders.progress(ChatKey("discord", dm.id))
    assert press.response_type == DEFERRED_UPDATE
    assert "Well done" in text_of(studied)
    assert progress.studied_today


# ----- switched off when unreachable, offered back -------------------------------------------


async def offer_in(fake: FakeDiscord, interaction_reply: SentMessage) -> SentMessage:
    """The followup after a reply that offers to turn reminders back on."""
    assert interaction_reply.interaction_id is not None
    return await fake.state.records.wait_for(
        lambda: next(
            (
                m
                for m in fake.state.records.replies
                if m.interaction_id == interaction_reply.interaction_id
                and RESUME in m.custom_ids()
            ),
            None,
        )
    )


async def test_after_closed_dms_the_users_next_command_offers_the_reminders_back(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann", accepts_dms=False)
    chat = ChatKey("discord", fake_discord.dm_channel(ann).id)
    clock = FakeClock()
    async with coach_on_discord(fake_discord, tmp_path, clock) as (core, _):
        minute = clock.set_seconds_before_next_minute(2)
        options = {"time": f"{minute:%H:%M}", "days": "daily", "timezone": "UTC"}
        await fake_discord.next_reply(await fake_discord.slash(ann, "remind", options))
        await until(lambda: core.reminders.outbox.stats.unreachable == 1, 15)
        await until(lambda: core.reminders.outbox.pending == 0)
        ann.accepts_dms = True  # she opens her DMs again
        help_reply = await fake_discord.next_reply(await fake_discord.slash(ann, "help"))
        offer = await offer_in(fake_discord, help_reply)
        await fake_discord.press_button(ann, offer, RESUME)
        back = await fake_discord.next_edit(offer.id)
        stored = await core.repository.reminders_for(chat)
        still_blocked = await core.reminders.is_blocked(chat)
    assert "Welcome back" in text_of(offer)
    assert "back on" in text_of(back)
    assert [r.active for r in stored] == [True] and not still_blocked


async def test_removal_from_a_server_switches_its_reminders_off_once_and_offers_them_back(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    owner = fake_discord.add_user("owner")
    cat = fake_discord.add_user("cat")
    guild = fake_discord.add_guild("Coders", owner, channels=("general", "study"))
    managers = fake_discord.add_role(guild, "managers", MANAGE_GUILD)
    fake_discord.join(guild, cat, managers)
    study = guild.channels[1]
    chat = ChatKey("discord", study.id)
    caplog.set_level(logging.INFO)
    async with coach_on_discord(fake_discord, tmp_path) as (core, _):
        options = {"time": "08:00", "days": "daily", "timezone": "UTC"}
        await fake_discord.next_reply(
            await fake_discord.slash(cat, "remind", options, channel=study)
        )
        await fake_discord.remove_guild(guild, outage=True)  # unavailable: not removed
        await fake_discord.remove_guild(guild)
        await until(lambda: "switched off" in caplog.text)
        blocked = await core.reminders.is_blocked(chat)
        stored = await core.repository.reminders_for(chat)
        await fake_discord.add_back(guild)
        listing = await fake_discord.next_reply(
            await fake_discord.slash(cat, "reminders", channel=study)
        )
        offer = await offer_in(fake_discord, listing)
        await fake_discord.press_button(cat, offer, RESUME)
        back = await fake_discord.next_edit(offer.id)
        active = [r.active for r in await core.repository.reminders_for(chat)]
    removals = [r for r in caplog.records if "removed from server" in r.getMessage()]
    assert blocked and [r.active for r in stored] == [False]
    assert len(removals) == 1 and "1 channel" in removals[0].getMessage()
    assert offer.ephemeral and "1 study reminder" in text_of(offer)
    assert "back on" in text_of(back) and active == [True]


async def test_a_server_outage_switches_nothing_off(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    owner = fake_discord.add_user("owner")
    down = fake_discord.add_guild("Down for a while", owner)
    left = fake_discord.add_guild("Left", owner)
    caplog.set_level(logging.INFO)
    options = {"time": "08:00", "days": "daily", "timezone": "UTC"}
    async with coach_on_discord(fake_discord, tmp_path) as (core, _):
        for guild in (down, left):
            interaction = await fake_discord.slash(
                owner, "remind", options, channel=guild.channels[0]
            )
            await fake_discord.next_reply(interaction)
        await fake_discord.remove_guild(down, outage=True)
        await fake_discord.remove_guild(left)  # handled after the outage: a barrier
        await until(lambda: f"removed from server {left.id}" in caplog.text)
        down_blocked = await core.reminders.is_blocked(ChatKey("discord", down.channels[0].id))
        left_blocked = await core.reminders.is_blocked(ChatKey("discord", left.channels[0].id))
    assert f"server {down.id}" not in caplog.text
    assert left_blocked and not down_blocked
