"""Nudges on Discord under failure: 429s (per route and global) retried by discord.py, a 429
that outlasts its retries and a 5xx never recorded as sent (the engine retries the 5xx a minute
later), and a restart across a due time (the nudge is sent once)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.core import Core
from storage.records import ChatKey
from tests.conftest import FakeClock
from tests.fakediscord.coach import coach_on_discord, text_of
from tests.fakediscord.harness import fake_discord
from tests.fakediscord.records import SentMessage
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.world import FakeUser

__all__ = ["fake_discord"]

SEND = "POST /channels/{channel_id}/messages"
NUDGE = "Time to study"
RETRY_DELAY = timedelta(minutes=1)  # the engine's wait before retrying a failed send


async def until(condition: Callable[[], object], within: float = 15) -> None:
    """Poll the bot's own state every millisecond (no fake-server change to wait on)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.001)


def nudges(fake: FakeDiscord, user: FakeUser) -> list[SentMessage]:
    return [m for m in fake.dms_to(user) if m.interaction_id is None and NUDGE in text_of(m)]


def send_statuses(fake: FakeDiscord) -> list[int]:
    return [request.status for request in fake.state.records.requests_to(SEND)]


async def remind_next_minute(
    fake: FakeDiscord, user: FakeUser, clock: FakeClock, seconds: float
) -> datetime:
    """Set a daily reminder for the next whole minute, which the clock puts ``seconds`` away;
    return that minute (UTC)."""
    minute = clock.set_seconds_before_next_minute(seconds)
    options = {"time": f"{minute:%H:%M}", "days": "daily", "timezone": "UTC"}
    reply = await fake.next_reply(await fake.slash(user, "remind", options))
    assert "Reminder set" in text_of(reply)
    return minute


def settled(core: Core) -> bool:
    """Every nudge handed to the outbox has its outcome recorded."""
    return core.reminders.outbox.pending == 0 and core.reminders.dispatcher.in_flight() == 0


async def last_fired(core: Core, user_dm: int) -> datetime | None:
    """The last occurrence stored as sent (or, before any, when the reminder was set)."""
    stored = await core.repository.reminders_for(ChatKey("discord", user_dm))
    found = stored[0].last_fired
    return None if found is None else datetime.fromisoformat(found)


@pytest.mark.parametrize("is_global", [False, True], ids=["per-route", "global"])
async def test_a_429_is_waited_out_and_the_nudge_arrives_once(
    fake_discord: FakeDiscord, tmp_path: Path, is_global: bool
) -> None:
    ann = fake_discord.add_user("ann")
    clock = FakeClock()
    fake_discord.limiter.force_429(SEND, retry_after=0.3, is_global=is_global)
    async with coach_on_discord(fake_discord, tmp_path, clock) as (core, _):
        due = await remind_next_minute(fake_discord, ann, clock, 2)
        await fake_discord.state.records.wait_for(lambda: nudges(fake_discord, ann), 15)
        await until(lambda: settled(core))
        stats = core.reminders.outbox.stats
        fired = await last_fired(core, fake_discord.dm_channel(ann).id)
    refused = fake_discord.state.records.requests_to(SEND)[0]
    assert send_statuses(fake_discord) == [429, 200]
    assert refused.response["global"] is is_global
    assert len(nudges(fake_discord, ann)) == 1
    assert (stats.sent, stats.failed) == (1, 0) and fired == due


async def test_a_429_that_outlasts_discord_py_s_retries_is_not_recorded_as_sent(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    clock = FakeClock()
    for _ in range(5):  # discord.py tries a request five times
        fake_discord.limiter.force_429(SEND, retry_after=0.05)
    async with coach_on_discord(fake_discord, tmp_path, clock) as (core, _):
        due = await remind_next_minute(fake_discord, ann, clock, 2)
        await until(lambda: core.reminders.outbox.stats.failed == 1 and settled(core))
        stats = core.reminders.outbox.stats
        dropped = core.reminders.dispatcher.dropped
        fired = await last_fired(core, fake_discord.dm_channel(ann).id)
    assert send_statuses(fake_discord) == [429] * 5
    assert nudges(fake_discord, ann) == []
    assert (stats.sent, stats.failed, dropped) == (0, 1, 1)
    assert fired is not None and fired < due  # nothing recorded as sent that was not


async def test_a_5xx_on_a_nudge_is_retried_by_the_engine_a_minute_later(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    clock = FakeClock()
    fake_discord.fail_next(SEND, 503)
    async with coach_on_discord(fake_discord, tmp_path, clock) as (core, _):
        due = await remind_next_minute(fake_discord, ann, clock, 2)
        await until(lambda: core.reminders.outbox.stats.failed == 1 and settled(core))
        unsent = nudges(fake_discord, ann)
        fired_before = await last_fired(core, fake_discord.dm_channel(ann).id)
        clock.advance(RETRY_DELAY)
        core.reminders.dispatcher.wake()
        await fake_discord.state.records.wait_for(lambda: nudges(fake_discord, ann), 15)
        await until(lambda: settled(core))
        fired = await last_fired(core, fake_discord.dm_channel(ann).id)
        stats = core.reminders.outbox.stats
    assert unsent == []  # the outbox did not retry on its own
    assert fired_before is not None and fired_before < due  # not recorded as sent
    assert send_statuses(fake_discord) == [503, 200]
    assert len(nudges(fake_discord, ann)) == 1
    assert (stats.sent, stats.failed) == (1, 1) and fired == due


async def test_a_nudge_due_while_the_bot_was_down_is_sent_once_after_restarts(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    clock = FakeClock()
    async with coach_on_discord(fake_discord, tmp_path, clock):
        await remind_next_minute(fake_discord, ann, clock, 30)
    clock.advance(timedelta(minutes=5))  # down when it fell due, back within the grace
    async with coach_on_discord(fake_discord, tmp_path, clock) as (core, _):
        await fake_discord.state.records.wait_for(lambda: nudges(fake_discord, ann), 15)
        await until(lambda: settled(core))
    async with coach_on_discord(fake_discord, tmp_path, clock) as (core, _):
        await until(lambda: core.reminders.running)
        listing = await fake_discord.next_reply(await fake_discord.slash(ann, "reminders"))
        await until(lambda: settled(core))
    assert len(nudges(fake_discord, ann)) == 1
    assert send_statuses(fake_discord) == [200]
    assert "next nudge" in text_of(listing)
