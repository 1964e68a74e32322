"""Outbox: one attempt per job, unreachable chats, per-chat ordering, bounds and stopping."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery_errors import ChatUnreachable, RetryAfter, TransientError
from bot.outbox import Job, Outbox
from storage.records import ChatKey


def tg(chat_id: int) -> ChatKey:
    """A Telegram chat's key."""
    return ChatKey("telegram", chat_id)


T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def job(chat_id: int, n: int = 0) -> Job:
    """Build a scheduled job for ``chat_id``; ``n`` tells jobs of one chat apart."""
    return Job(tg(chat_id), f"r{chat_id}", T0 + timedelta(minutes=n))


class Recorder:
    """Outcome callbacks that record what they were told."""

    def __init__(self) -> None:
        self.sent: list[Job] = []
        self.failed: list[tuple[Job, BaseException]] = []
        self.unreachable: list[tuple[Job, BaseException]] = []

    async def on_sent(self, job: Job) -> None:
        self.sent.append(job)

    async def on_failed(self, job: Job, exc: BaseException) -> None:
        self.failed.append((job, exc))

    async def on_unreachable(self, job: Job, exc: BaseException) -> None:
        self.unreachable.append((job, exc))

    def outbox(self, send, **options) -> Outbox:
        """Build an outbox wired to this recorder."""
        return Outbox(
            send,
            on_sent=self.on_sent,
            on_failed=self.on_failed,
            on_unreachable=self.on_unreachable,
            **options,
        )


async def run_jobs(outbox: Outbox, jobs: list[Job]) -> None:
    """Start, submit everything, wait for every outcome, stop."""
    outbox.start()
    for item in jobs:
        await outbox.submit(item)
    await asyncio.wait_for(outbox.join(), 2)
    assert await outbox.stop() == []


async def test_every_job_is_sent_once_and_reported() -> None:
    rec = Recorder()
    calls: list[Job] = []

    async def send(item: Job) -> None:
        calls.append(item)

    outbox = rec.outbox(send, concurrency=4)
    jobs = [job(chat) for chat in range(50)]
    await run_jobs(outbox, jobs)
    assert sorted(calls, key=lambda j: j.chat.id) == jobs
    assert sorted(rec.sent, key=lambda j: j.chat.id) == jobs
    assert (outbox.stats.sent, outbox.stats.failed) == (50, 0)


@pytest.mark.parametrize(
    "error", [RetryAfter(7), TransientError("502 Bad Gateway"), TransientError("timeout")]
)
async def test_a_failed_send_is_attempted_once_and_reported_failed(error: Exception) -> None:
    rec = Recorder()
    attempts: list[Job] = []

    async def send(item: Job) -> None:
        attempts.append(item)
        raise error

    outbox = rec.outbox(send)
    await run_jobs(outbox, [job(1)])
    assert attempts == [job(1)]
    assert rec.sent == []
    assert rec.failed == [(job(1), error)]
    assert (outbox.stats.failed, outbox.stats.sent) == (1, 0)


async def test_a_failure_does_not_hold_up_the_next_job_of_the_chat() -> None:
    rec = Recorder()
    attempts: list[Job] = []

    async def send(item: Job) -> None:
        attempts.append(item)
        if len(attempts) == 1:
            raise TransientError("network down")

    outbox = rec.outbox(send)
    await run_jobs(outbox, [job(1, 0), job(1, 1)])
    assert attempts == [job(1, 0), job(1, 1)]
    assert rec.sent == [job(1, 1)]
    assert [j for j, _ in rec.failed] == [job(1, 0)]


async def test_unreachable_chat_is_not_retried_and_reported_per_job() -> None:
    rec = Recorder()
    attempts: list[Job] = []
    gate = asyncio.Event()

    async def send(item: Job) -> None:
        attempts.append(item)
        if item.chat.id == 1:
            await gate.wait()
            raise ChatUnreachable("Forbidden: bot was blocked by the user")

    outbox = rec.outbox(send, concurrency=2)
    outbox.start()
    for item in [job(1, 0), job(1, 1), job(1, 2), job(2)]:
        await outbox.submit(item)
    gate.set()
    await asyncio.wait_for(outbox.join(), 2)
    await outbox.stop()
    assert [j for j in attempts if j.chat.id == 1] == [job(1, 0)]
    assert [j for j, _ in rec.unreachable] == [job(1, 0), job(1, 1), job(1, 2)]
    assert rec.sent == [job(2)]
    assert outbox.stats.unreachable == 3


async def test_a_chat_is_never_sent_two_messages_at_once_and_keeps_its_order() -> None:
    rec = Recorder()
    active: defaultdict[int, int] = defaultdict(int)
    overlaps = 0
    order: defaultdict[int, list[Job]] = defaultdict(list)
    rng = random.Random(3)

    async def send(item: Job) -> None:
        nonlocal overlaps
        active[item.chat.id] += 1
        overlaps += active[item.chat.id] > 1
        for _ in range(rng.randint(0, 5)):
            await asyncio.sleep(0)
        order[item.chat.id].append(item)
        active[item.chat.id] -= 1

    outbox = rec.outbox(send, concurrency=8)
    jobs = [job(chat, n) for n in range(20) for chat in range(3)]
    await run_jobs(outbox, jobs)
    assert overlaps == 0
    for chat in range(3):
        assert order[chat] == [job(chat, n) for n in range(20)]


async def test_workers_keep_concurrency_sends_in_flight_for_distinct_chats() -> None:
    rec = Recorder()
    in_flight = 0
    peak = 0
    four_waiting = asyncio.Event()
    release = asyncio.Event()

    async def send(item: Job) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight == 4:
            four_waiting.set()
        await release.wait()
        in_flight -= 1

    outbox = rec.outbox(send, concurrency=4)
    outbox.start()
    for chat in range(10):
        await outbox.submit(job(chat))
    await asyncio.wait_for(four_waiting.wait(), 1)
    release.set()
    await asyncio.wait_for(outbox.join(), 2)
    await outbox.stop()
    assert peak == 4
    assert len(rec.sent) == 10


async def test_submit_waits_while_the_outbox_is_full() -> None:
    rec = Recorder()
    release = asyncio.Event()

    async def send(item: Job) -> None:
        await release.wait()

    outbox = rec.outbox(send, concurrency=1, max_pending=2)
    outbox.start()
    await outbox.submit(job(1))
    await outbox.submit(job(2))
    third = asyncio.create_task(outbox.submit(job(3)))
    await asyncio.sleep(0)
    assert not third.done()
    assert outbox.pending == 2
    release.set()
    await asyncio.wait_for(third, 1)
    await asyncio.wait_for(outbox.join(), 1)
    await outbox.stop()
    assert len(rec.sent) == 3


async def test_a_failing_on_sent_callback_never_causes_a_resend() -> None:
    attempts: list[Job] = []

    async def send(item: Job) -> None:
        attempts.append(item)

    async def broken_on_sent(item: Job) -> None:
        raise OSError("disk full")

    outbox = Outbox(send, on_sent=broken_on_sent)
    await run_jobs(outbox, [job(1)])
    assert attempts == [job(1)]
    assert outbox.stats.sent == 1


async def test_stop_without_drain_returns_undone_jobs_without_outcomes() -> None:
    rec = Recorder()
    started = asyncio.Event()

    async def send(item: Job) -> None:
        started.set()
        await asyncio.Event().wait()  # never completes

    outbox = rec.outbox(send, concurrency=1)
    outbox.start()
    for n in range(3):
        await outbox.submit(job(1, n))
    await asyncio.wait_for(started.wait(), 1)
    undone = await outbox.stop(drain=False)
    assert undone == [job(1, 0), job(1, 1), job(1, 2)]
    assert rec.sent == rec.failed == []
    with pytest.raises(RuntimeError):
        await outbox.submit(job(2))


async def test_job_identity_ignores_payload() -> None:
    assert Job(tg(1), "r", T0, payload={"text": "a"}) == Job(tg(1), "r", T0, payload={"text": "b"})
    assert (
        len(
            {
                Job(tg(1), "r", T0, payload="a"),
                Job(tg(1), "r", T0, payload="b"),
            }
        )
        == 1
    )
