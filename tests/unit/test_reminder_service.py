"""The reminder service over real storage, with a recording sender instead of Telegram."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.delivery_errors import ChatMoved, ChatUnreachable
from bot.guide import load_guide
from bot.reminders import LimitReached, Nudge, ReminderService
from bot.schedule import ReminderSpec
from storage.async_repository import AsyncRepository
from storage.records import ChatKey, ChatProfile, Reminder


def tg(chat_id: int) -> ChatKey:
    """A Telegram chat's key."""
    return ChatKey("telegram", chat_id)


START = datetime(2026, 3, 2, 8, 59, 58, tzinfo=UTC)  # a Monday


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest_asyncio.fixture
async def service(tmp_path: Path) -> AsyncIterator[ReminderService]:
    guide = load_guide()
    repository = await AsyncRepository.open(tmp_path / "data", shards=8)
    found = ReminderService(
        repository, guide.actions_by_step(), guide.group_prompts, clock=Clock()
    )
    yield found
    await found.stop()
    await repository.close()


async def test_concurrent_profile_changes_are_all_kept(service: ReminderService) -> None:
    await service.start({"telegram": _ignore})
    await asyncio.gather(
        service.set_step(tg(1), 3),
        service.record_study(tg(1)),
        service.pause(tg(1), 2),
        service.snooze(tg(1)),
    )
    profile = await service.profile(tg(1))
    assert profile.step == 3
    assert profile.studied == ("2026-03-02",)
    assert profile.paused_until is not None and profile.snoozed_until is not None


async def test_limit_of_five_reminders(service: ReminderService) -> None:
    await service.start({"telegram": _ignore})
    for hour in range(5):
        await service.add(tg(1), ReminderSpec(hour, 0, frozenset({0}), "UTC"))
    with pytest.raises(LimitReached):
        await service.add(tg(1), ReminderSpec(6, 0, frozenset({0}), "UTC"))
    assert len(await service.list(tg(1))) == 5


async def test_nudges_rotate_and_record_the_occurrence(
    service: ReminderService, tmp_path: Path
) -> None:
    sent: list[Nudge] = []
    arrived = asyncio.Event()

    async def record(nudge: Nudge) -> None:
        sent.append(nudge)
        arrived.set()

    clock: Clock = service._clock  # type: ignore[assignment]
    await service.start({"telegram": record})
    listed = await service.add(tg(7), ReminderSpec(9, 0, frozenset(range(7)), "UTC"))
    assert listed.next_due == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    texts = []
    for day in range(3):
        clock.now = START + timedelta(days=day, seconds=3)
        arrived.clear()
        service.dispatcher.wake()
        await asyncio.wait_for(arrived.wait(), 5)
        await asyncio.wait_for(service.outbox.join(), 5)
        texts.append(sent[-1].text)
    assert len(sent) == 3
    assert texts[0] != texts[1] != texts[2]
    stored = (await service.list(tg(7)))[0].reminder
    assert stored.last_fired == datetime(2026, 3, 4, 9, 0, tzinfo=UTC).isoformat()


async def test_unreachable_chat_is_deactivated(service: ReminderService) -> None:
    gone = asyncio.Event()

    async def blocked(nudge: Nudge) -> None:
        gone.set()
        raise ChatUnreachable("blocked")

    await service.start({"telegram": blocked})
    await service.add(tg(9), ReminderSpec(9, 0, frozenset(range(7)), "UTC"))
    service._clock.now = START + timedelta(seconds=3)  # type: ignore[attr-defined]
    service.dispatcher.wake()
    await asyncio.wait_for(gone.wait(), 5)
    await asyncio.wait_for(service.outbox.join(), 5)
    assert service.outbox.stats.unreachable == 1
    assert await service.is_blocked(tg(9))
    assert not (await service.list(tg(9)))[0].reminder.active
    assert await service.reactivate(tg(9)) == 1
    assert (await service.list(tg(9)))[0].reminder.active


OLD_GROUP = -4_100_200_300
NEW_GROUP = -1_004_100_200_300


async def test_a_move_a_crash_cut_short_is_finished_at_start_up(tmp_path: Path) -> None:
    guide = load_guide()
    repository = await AsyncRepository.open(tmp_path / "data", shards=8)
    service = ReminderService(
        repository, guide.actions_by_step(), guide.group_prompts, clock=Clock()
    )
    await repository.add_reminder(Reminder("r1", OLD_GROUP, 9, 0, frozenset(range(7)), "UTC"))
    await repository.put_profile(ChatProfile(OLD_GROUP, is_group=True, moved_to=NEW_GROUP))
    try:
        # only the first step (the mark) reached the disk
        await service.start({"telegram": _ignore})
        assert await service.list(tg(OLD_GROUP)) == []
        [moved] = await service.list(tg(NEW_GROUP))
        assert moved.next_due == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        assert service.current_chat(tg(OLD_GROUP)) == tg(NEW_GROUP)
    finally:
        await service.stop()
        await repository.close()


async def test_a_nudge_refused_because_the_group_moved_goes_to_the_new_id(
    service: ReminderService,
) -> None:
    sent: list[Nudge] = []
    arrived = asyncio.Event()

    async def upgraded(nudge: Nudge) -> None:
        if nudge.chat_id == OLD_GROUP:
            raise ChatMoved(NEW_GROUP)
        sent.append(nudge)
        arrived.set()

    await service.start({"telegram": upgraded})
    await service.add(
        tg(OLD_GROUP), ReminderSpec(9, 0, frozenset(range(7)), "UTC"), thread_id=None
    )
    service._clock.now = START + timedelta(seconds=3)  # type: ignore[attr-defined]
    service.dispatcher.wake()
    await asyncio.wait_for(arrived.wait(), 5)
    await asyncio.wait_for(service.outbox.join(), 5)
    assert [n.chat_id for n in sent] == [NEW_GROUP]
    [moved] = await service.list(tg(NEW_GROUP))
    assert moved.reminder.last_fired == datetime(2026, 3, 2, 9, 0, tzinfo=UTC).isoformat()
    assert moved.next_due == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert await service.list(tg(OLD_GROUP)) == []


async def _ignore(nudge: Nudge) -> None:
    return None


async def test_each_nudge_goes_to_its_chats_platform_sender(service: ReminderService) -> None:
    telegram: list[Nudge] = []
    discord: list[Nudge] = []
    four = asyncio.Event()

    def sender(into: list[Nudge]) -> Callable[[Nudge], Awaitable[None]]:
        async def send(nudge: Nudge) -> None:
            into.append(nudge)
            if len(telegram) + len(discord) == 4:
                four.set()

        return send

    await service.start({"telegram": sender(telegram), "discord": sender(discord)})
    daily = ReminderSpec(9, 0, frozenset(range(7)), "UTC")
    await service.add(tg(7), daily)
    await service.add(ChatKey("discord", 7), daily)  # the same id on another platform
    await service.add(ChatKey("discord", 8), daily)
    await service.snooze(ChatKey("discord", 9))  # due an hour from now
    clock: Clock = service._clock  # type: ignore[assignment]
    clock.now = START + timedelta(seconds=3)
    service.dispatcher.wake()
    await asyncio.wait_for(service.outbox.join(), 5)
    clock.now = START + timedelta(hours=1, seconds=3)
    service.dispatcher.wake()
    await asyncio.wait_for(four.wait(), 5)
    await asyncio.wait_for(service.outbox.join(), 5)
    assert [(n.chat_id, n.snoozed) for n in telegram] == [(7, False)]
    assert sorted((n.chat_id, n.snoozed) for n in discord) == [(7, False), (8, False), (9, True)]
    fired = [item.reminder.last_fired for item in await service.list(ChatKey("discord", 7))]
    assert fired == [datetime(2026, 3, 2, 9, 0, tzinfo=UTC).isoformat()]
    assert (await service.profile(tg(7))).nudge_counter != 0
    assert (await service.profile(ChatKey("discord", 9))).snoozed_until is None


async def test_chats_of_a_platform_without_a_sender_are_not_scheduled(
    service: ReminderService,
) -> None:
    await service._repo.add_reminder(
        Reminder("d1", 5, 9, 0, frozenset(range(7)), "UTC", platform="discord")
    )
    await service.start({"telegram": _ignore})
    assert len(service.dispatcher) == 0
    assert [item.reminder.id for item in await service.list(ChatKey("discord", 5))] == ["d1"]
