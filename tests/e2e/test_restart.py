"""Restarts: the schedule is rebuilt from storage, a missed nudge is sent once, never twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from telegram.ext import Application

from handlers.telegram.common import SERVICES_KEY
from handlers.telegram.reminder_context import telegram_chat
from tests.conftest import FakeClock, settings_for
from tests.fakeapi.server import FakeBotApiServer
from tests.fakeapi.simulator import SimChat, SimUser
from tests.harness import barrier, coach_running

ANN = SimUser(7001, "Ann", "ann")
CHAT = SimChat.private(ANN)


@asynccontextmanager
async def bot_run(
    server: FakeBotApiServer, data_dir: Path, clock: FakeClock
) -> AsyncIterator[Application]:
    async with coach_running(settings_for(server, data_dir), clock=clock, sim=server.sim) as app:
        yield app


async def remind_next_minute(server: FakeBotApiServer, clock: FakeClock, seconds: float) -> None:
    """Set a daily reminder for the next whole minute, which the clock puts ``seconds`` away."""
    minute = clock.set_seconds_before_next_minute(seconds)
    server.sim.send_text(CHAT, ANN, f"/remind {minute:%H:%M} daily UTC")
    reply = await server.sim.next_message(CHAT.id)
    assert "Reminder set" in reply.plain_text


async def no_nudge_in_flight(server: FakeBotApiServer, app: Application) -> None:
    """Wait until every nudge sent has also been recorded as sent."""
    service = app.bot_data[SERVICES_KEY].reminders
    await server.sim.wait_for(lambda: service.dispatcher.in_flight() == 0, timeout=5)


def nudges(server: FakeBotApiServer) -> list[str]:
    return [
        m.plain_text for m in server.sim.messages_to(CHAT.id) if "Time to study" in m.plain_text
    ]


async def test_nudge_missed_during_downtime_is_sent_once_after_restart(
    fake_api: FakeBotApiServer, tmp_path: Path
) -> None:
    clock = FakeClock()
    data_dir = tmp_path / "data"
    async with bot_run(fake_api, data_dir, clock):
        await remind_next_minute(fake_api, clock, 30)
    clock.advance(timedelta(minutes=5))  # the bot was down when the reminder fell due
    async with bot_run(fake_api, data_dir, clock) as app:
        nudge = await fake_api.sim.next_message(CHAT.id, timeout=10)
        assert "Time to study" in nudge.plain_text
        await barrier(fake_api.sim)
        await no_nudge_in_flight(fake_api, app)
    async with bot_run(fake_api, data_dir, clock):
        await barrier(fake_api.sim)
    assert len(nudges(fake_api)) == 1


async def test_restart_right_after_a_nudge_does_not_repeat_it(
    fake_api: FakeBotApiServer, tmp_path: Path
) -> None:
    clock = FakeClock()
    data_dir = tmp_path / "data"
    async with bot_run(fake_api, data_dir, clock) as app:
        await remind_next_minute(fake_api, clock, 2)
        nudge = await fake_api.sim.next_message(CHAT.id, timeout=10)
        assert "Time to study" in nudge.plain_text
        await no_nudge_in_flight(fake_api, app)
    for _ in range(2):
        async with bot_run(fake_api, data_dir, clock):
            await barrier(fake_api.sim)
    assert len(nudges(fake_api)) == 1


async def test_nudge_older_than_the_grace_period_is_skipped(
    fake_api: FakeBotApiServer, tmp_path: Path
) -> None:
    clock = FakeClock()
    data_dir = tmp_path / "data"
    async with bot_run(fake_api, data_dir, clock):
        await remind_next_minute(fake_api, clock, 30)
    clock.advance(timedelta(hours=2))
    async with bot_run(fake_api, data_dir, clock) as app:
        await barrier(fake_api.sim)
        service = app.bot_data[SERVICES_KEY].reminders
        items = await service.list(telegram_chat(CHAT.id))
        assert items[0].next_due is not None and items[0].next_due > clock()
    assert nudges(fake_api) == []


async def test_reminders_survive_a_restart(fake_api: FakeBotApiServer, tmp_path: Path) -> None:
    clock = FakeClock()
    data_dir = tmp_path / "data"
    async with bot_run(fake_api, data_dir, clock):
        fake_api.sim.send_text(CHAT, ANN, "/remind 07:15 weekdays Europe/London")
        await fake_api.sim.next_message(CHAT.id)
        fake_api.sim.send_text(CHAT, ANN, "/progress")
        progress = await fake_api.sim.next_message(CHAT.id)
        fake_api.sim.press_button(CHAT, ANN, progress.message_id, "pg:3")
        await fake_api.sim.next_edit(CHAT.id, progress.message_id)
    async with bot_run(fake_api, data_dir, clock):
        fake_api.sim.send_text(CHAT, ANN, "/reminders")
        listing = await fake_api.sim.next_message(CHAT.id)
        assert "07:15 on weekdays (Europe/London)" in listing.plain_text
        fake_api.sim.send_text(CHAT, ANN, "/progress")
        again = await fake_api.sim.next_message(CHAT.id)
        assert "Current step: 3." in again.plain_text
