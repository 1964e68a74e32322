"""Announcements are durable: a restart carries on after the last claim and never sends the
same announcement to anyone twice; blocked chats are counted and switched off."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest_asyncio

from bot.actor import Actor
from bot.announcements import Announcements
from bot.delivery_errors import ChatUnreachable
from bot.guide import load_guides
from bot.reminders import Nudge, ReminderService
from bot.settings import Settings
from bot.use_cases.announcing import AnnouncingUseCases
from storage import announcements as store
from storage.async_repository import AsyncRepository
from storage.records import ChatKey, ChatProfile

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LEARNERS = [ChatKey("telegram", 5000 + n) for n in range(60)]


def clock() -> datetime:
    return NOW


@pytest_asyncio.fixture
async def repository(tmp_path: Path) -> AsyncIterator[AsyncRepository]:
    repo = await AsyncRepository.open(tmp_path / "data", shards=8)
    for chat in LEARNERS:
        await repo.put_profile(ChatProfile(chat.id, platform=chat.platform))
    await repo.put_profile(ChatProfile(9001, is_group=True))  # groups get none
    await repo.put_profile(ChatProfile(9002, announcements=False))  # opted out
    await repo.put_profile(ChatProfile(9003, blocked=True))  # blocked the bot earlier
    yield repo
    await repo.close()


def service(repository: AsyncRepository) -> Announcements:
    reminders = ReminderService(repository, {1: ("Study",)}, ("Study time",), clock=clock)
    return Announcements(repository, reminders, clock, batch=10, concurrency=4)


async def test_only_learners_who_want_them_are_recipients(repository: AsyncRepository) -> None:
    announcements = service(repository)
    await announcements.start({"telegram": _ignore})
    assert await announcements.recipients() == sorted(LEARNERS)
    await announcements.stop()


async def test_every_learner_gets_it_once_and_blocked_ones_are_switched_off(
    repository: AsyncRepository, tmp_path: Path
) -> None:
    sent: Counter[int] = Counter()
    blocked = {LEARNERS[3].id, LEARNERS[40].id}

    async def sender(nudge: Nudge) -> None:
        assert nudge.announcement and nudge.text == "The group meets on Friday"
        if nudge.chat_id in blocked:
            raise ChatUnreachable("bot was blocked by the user")
        sent[nudge.chat_id] += 1

    announcements = service(repository)
    await announcements.start({"telegram": sender})
    started = await announcements.announce("The group meets on Friday", LEARNERS)
    done = await announcements.finished(started.id)
    await announcements.stop()
    assert done is not None and done.status == "done"
    assert (done.sent, done.unreachable, done.failed, done.total) == (58, 2, 0, 60)
    assert set(sent.values()) == {1} and len(sent) == 58
    profile = await repository.get_profile(LEARNERS[3])
    assert profile is not None and profile.blocked
    assert not (tmp_path / "data" / "announcements" / f"{done.id}.recipients.json").exists()


async def test_a_restart_carries_on_and_sends_no_one_twice(repository: AsyncRepository) -> None:
    sent: Counter[int] = Counter()
    stop_after = asyncio.Event()

    async def until_crash(nudge: Nudge) -> None:
        sent[nudge.chat_id] += 1
        if sum(sent.values()) >= 25:
            stop_after.set()
            await asyncio.Event().wait()  # hangs like a process about to be killed

    first = service(repository)
    await first.start({"telegram": until_crash})
    started = await first.announce("Exam tips tonight", LEARNERS)
    await stop_after.wait()
    await first.stop(drain_timeout=0.05)  # the "crash": sends in flight never confirmed
    before = dict(sent)

    async def sender(nudge: Nudge) -> None:
        sent[nudge.chat_id] += 1

    second = service(repository)
    await second.start({"telegram": sender})
    done = await second.finished(started.id)
    await second.stop()
    assert done is not None and done.status == "done"
    assert max(sent.values()) == 1  # never twice
    assert done.sent + done.interrupted == 60
    assert done.interrupted <= 10  # at most one batch lost to the crash
    assert len(sent) >= done.sent  # some of the lost batch may have gone out: not resent
    assert 60 - len(sent) <= done.interrupted  # whoever got nothing is counted
    assert before.keys() <= sent.keys()


async def test_forgetting_a_chat_removes_it_from_a_waiting_list(
    repository: AsyncRepository, tmp_path: Path
) -> None:
    progress = store.Progress("a1", "Hello", NOW.isoformat(), total=len(LEARNERS))
    await repository.beside(lambda d: store.create(d, progress, LEARNERS))
    assert await repository.beside(lambda d: store.forget(d, LEARNERS[7])) == 1
    text = (tmp_path / "data" / "announcements" / "a1.recipients.json").read_text()
    assert str(LEARNERS[7].id) not in text and str(LEARNERS[8].id) in text


async def _ignore(nudge: Nudge) -> None:
    return None


async def test_a_graceful_stop_finishes_the_claimed_batch_and_loses_no_one(
    repository: AsyncRepository,
) -> None:
    sent: Counter[int] = Counter()
    halfway = asyncio.Event()

    async def slow(nudge: Nudge) -> None:
        sent[nudge.chat_id] += 1
        if sum(sent.values()) == 15:
            halfway.set()
        await asyncio.sleep(0)

    first = service(repository)
    await first.start({"telegram": slow})
    started = await first.announce("Reading list", LEARNERS)
    await halfway.wait()
    await first.stop()  # a redeploy: the batch in hand finishes, the rest waits
    second = service(repository)
    await second.start({"telegram": slow})
    done = await second.finished(started.id)
    await second.stop()
    assert done is not None and done.status == "done"
    assert (done.sent, done.interrupted) == (60, 0)
    assert set(sent.values()) == {1} and len(sent) == 60


async def test_an_erased_recipient_is_withdrawn_and_the_counts_add_up(
    repository: AsyncRepository,
) -> None:
    gate, in_flight = asyncio.Event(), asyncio.Event()
    sent: Counter[int] = Counter()

    async def held(nudge: Nudge) -> None:
        sent[nudge.chat_id] += 1
        if sum(sent.values()) == 4:  # the first batch is in flight
            in_flight.set()
        await gate.wait()

    announcements = service(repository)
    await announcements.start({"telegram": held})
    started = await announcements.announce("Quiz night", LEARNERS)
    await in_flight.wait()
    await announcements.forget(LEARNERS[0])  # already sent to
    await announcements.forget(LEARNERS[50])  # not yet: withdrawn when its turn comes
    gate.set()
    done = await announcements.finished(started.id)
    await announcements.stop()
    assert done is not None
    assert (done.sent, done.withdrawn, done.interrupted, done.total) == (59, 1, 0, 60)
    assert LEARNERS[50].id not in sent


async def test_finished_reads_a_delivery_that_already_ended(
    repository: AsyncRepository,
) -> None:
    announcements = service(repository)
    await announcements.start({"telegram": _ignore})
    started = await announcements.announce("Short one", LEARNERS[:3])
    first = await announcements.finished(started.id)
    again = await announcements.finished(started.id)  # the task is gone: read from disk
    await announcements.stop()
    assert first is not None and again is not None
    assert (again.status, again.sent) == ("done", 3)


async def test_a_button_under_an_older_preview_sends_nothing(
    repository: AsyncRepository,
) -> None:
    announcements = service(repository)
    old = announcements.draft(("telegram", 1), "first text")
    new = announcements.draft(("telegram", 1), "second text")
    assert announcements.take_draft(("telegram", 1), old) is None
    assert announcements.take_draft(("telegram", 1), new) == "second text"
    assert announcements.take_draft(("telegram", 1), new) is None


async def test_a_second_broadcast_waits_while_one_is_going_out(
    repository: AsyncRepository, tmp_path: Path
) -> None:
    gate = asyncio.Event()

    async def held(nudge: Nudge) -> None:
        await gate.wait()

    announcements = service(repository)
    await announcements.start({"telegram": held})
    guide = load_guides()
    use_cases = AnnouncingUseCases(
        Settings(data_dir=tmp_path), announcements, _reminders(repository), guide
    )
    operator = Actor(platform="console", chat_id=1, user_id=1)
    first = await use_cases.command(operator, "broadcast", "First")
    assert "Send" in str(first.buttons)
    await announcements.announce("First", LEARNERS)
    second = await use_cases.command(operator, "broadcast", "Second")
    assert guide.messages.text("announce.busy") in str(second.blocks)
    gate.set()
    await announcements.stop()


def _reminders(repository: AsyncRepository) -> ReminderService:
    return ReminderService(repository, {1: ("Study",)}, ("Study time",), clock=clock)


async def test_watch_ends_with_the_final_counts(repository: AsyncRepository) -> None:
    announcements = service(repository)
    await announcements.start({"telegram": _ignore})
    started = await announcements.announce("Watch me", LEARNERS)
    seen = [p async for p in announcements.watch(started.id, every=0.01)]
    await announcements.stop()
    assert seen and seen[-1].status == "done" and seen[-1].sent == 60
    assert all(p.status == "sending" for p in seen[:-1])
    assert [p async for p in announcements.watch("no-such-id", every=0.01)] == []
