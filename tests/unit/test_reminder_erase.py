"""Erasing a chat (/deleteme) while one of its nudges is on its way leaves nothing stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.outbox import Job
from bot.reminders import Nudge, ReminderService
from bot.schedule import ReminderSpec
from storage.async_repository import AsyncRepository
from storage.records import ChatKey

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CHAT = ChatKey("telegram", 6123456789)


async def test_a_nudge_in_flight_does_not_bring_an_erased_chat_back(tmp_path: Path) -> None:
    repo = await AsyncRepository.open(tmp_path / "data", shards=4)
    try:
        service = ReminderService(repo, {1: ("Study",)}, ("Study time",), clock=lambda: NOW)
        release = asyncio.Event()
        started = asyncio.Event()

        async def sender(nudge: Nudge) -> None:
            started.set()
            await release.wait()

        await service.start({"telegram": sender})
        listed = await service.add(CHAT, ReminderSpec(9, 30, frozenset(range(7)), "UTC"))
        await service.set_announcements(CHAT, False)
        job = Job(CHAT, listed.reminder.id, NOW + timedelta(minutes=30))
        delivery = asyncio.create_task(service._deliver(job))
        await started.wait()
        await service.erase(CHAT)
        release.set()
        await delivery
        await service.chat_unreachable(CHAT)  # a late "blocked" answer: nothing to switch off
        assert await repo.get_profile(CHAT) is None
        assert await repo.reminders_for(CHAT) == []
        await service.stop()
    finally:
        await repo.close()
