"""Shared fixtures: the real MedCoder Coach Application over HTTP against the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest_asyncio
from pydantic import SecretStr
from telegram.ext import Application

from bot.settings import Settings, TelegramSettings
from tests.fakeapi.server import FakeBotApiServer
from tests.fakeapi.simulator import BotApiSimulator, SentMessage, SimChat, SimUser
from tests.harness import barrier, coach_running, fake_api

__all__ = ["Coach", "FakeClock", "coach", "fake_api"]

BOT_USERNAME = "MedCoderCoachBot"
ADMIN_ID = 424242


class FakeClock:
    """Real time that flows, shifted by an offset a test can set or move forward."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def set_seconds_before_next_minute(self, seconds: float) -> datetime:
        """Shift time so the next whole minute is ``seconds`` away; return that minute."""
        now = self()
        minute = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        self.offset += minute - now - timedelta(seconds=seconds)
        return minute

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@dataclass
class Coach:
    """The running bot and the fake Telegram it talks to, with short helpers for tests."""

    app: Application
    server: FakeBotApiServer
    data_dir: Path
    clock: FakeClock = field(default_factory=FakeClock)

    @property
    def sim(self) -> BotApiSimulator:
        return self.server.sim

    async def say(self, chat: SimChat, user: SimUser, text: str) -> SentMessage:
        """Send ``text`` as ``user`` in ``chat`` and return the bot's next message there."""
        self.sim.send_text(chat, user, text)
        return await self.sim.next_message(chat.id)

    async def press(self, chat: SimChat, user: SimUser, message: SentMessage, data: str) -> None:
        """Press the button with ``data`` on ``message``."""
        self.sim.press_button(chat, user, message.message_id, data)

    async def settle(self) -> None:
        """Wait until every update sent so far has been handled."""
        await barrier(self.sim)


def settings_for(server: FakeBotApiServer, data_dir: Path) -> Settings:
    """Settings that point the bot at the fake server and a private data folder."""
    return Settings(
        data_dir=data_dir,
        telegram=TelegramSettings(
            token=SecretStr(server.token),
            api_base_url=server.base_url,
            admin_ids=frozenset({ADMIN_ID}),
        ),
    )


@pytest_asyncio.fixture
async def coach(fake_api: FakeBotApiServer, tmp_path: Path) -> AsyncIterator[Coach]:
    """The real bot on an open core, polling the fake server, its data in a temporary folder."""
    data_dir = tmp_path / "data"
    clock = FakeClock()
    settings = settings_for(fake_api, data_dir)
    async with coach_running(settings, clock=clock, sim=fake_api.sim) as app:
        yield Coach(app, fake_api, data_dir, clock)
