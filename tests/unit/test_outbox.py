"""Outbox: retries, backoff, unreachable chats, per-chat ordering, bounds and stopping."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery_errors import ChatUnreachable, RetryAfter, TransientError
from bot.outbox import Job, Outbox

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def job(chat_id: int, n: int = 0) -> Job:
    """Build a scheduled job for ``chat_id``; ``n`` tells jobs of one chat apart."""
    return Job(chat_id, f"r{chat_id}", T0 + timedelta(minutes=n))


class Recorder:
    """Outcome callbacks and an injected sleep that record instead of waiting."""

    def __init__(self) -> None:
        self.sent: list[Job] = []
        self.failed: list[tuple[Job, BaseException]] = []
        self.unreachable: list[tuple[Job, BaseException]] = []
        self.sleeps: list[float] = []

    async def on_sent(self, job: Job) -> None:
        self.sent.append(job)

    async def on_failed(self, job: Job, exc: BaseException) -> None:
        self.failed.append((job, exc))

    async def on_unreachable(self, job: Job, exc: BaseException) -> None:
        self.unreachable.append((job, exc))

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)

    def outbox(self, send, **options) -> Outbox:
        """Build an outbox wired to this recorder."""
        return Outbox(
            send,
            on_sent=self.on_sent,
            on_failed=self.on_failed,
            on_unreachable=self.on_unreachable,
            sleep=self.sleep,
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
    assert sorted(calls, key=lambda j: j.chat_id) == jobs
    assert sorted(rec.sent, key=lambda j: j.chat_id) == jobs
    assert (outbox.stats.sent, outbox.stats.failed, outbox.stats.retried) == (50, 0, 0)


async def test_retry_after_waits_the_given_delay_then_resends_the_same_job() -> None:
    rec = Recorder()
    calls: list[Job] = []

    async def send(item: Job) -> None:
        calls.append(item)
        if len(calls) <= 2:
            raise RetryAfter(7)

    outbox = rec.outbox(send)
    await run_jobs(outbox, [job(1)])
    assert rec.sleeps == [7.0, 7.0]
    assert calls == [job(1)] * 3
    assert rec.sent == [job(1)]
    assert outbox.stats.retried == 2


async def test_endless_rate_limiting_gives_up_without_sent() -> None:
    rec = Recorder()

    async def send(item: Job) -> None:
        raise RetryAfter(1)

    outbox = rec.outbox(send, max_rate_limit_waits=3)
    await run_jobs(outbox, [job(1)])
    assert rec.sleeps == [1.0, 1.0, 1.0]
    assert rec.sent == []
    assert [type(exc) for _, exc in rec.failed] == [RetryAfter]


async def test_transient_errors_back_off_exponentially_then_give_up_without_sent() -> None:
    rec = Recorder()
    attempts: list[Job] = []

    async def send(item: Job) -> None:
        attempts.append(item)
        raise TransientError("502 Bad Gateway")

    outbox = rec.outbox(send, max_attempts=4, backoff_base=2.0, rng=random.Random(7))
    await run_jobs(outbox, [job(1)])
    assert len(attempts) == 4
    assert len(rec.sleeps) == 3
    for n, delay in enumerate(rec.sleeps):
        ceiling = 2.0 * 2**n
        assert ceiling / 2 <= delay <= ceiling
    assert rec.sent == []
    assert [(j, type(exc)) for j, exc in rec.failed] == [(job(1), TransientError)]
    assert (outbox.stats.failed, outbox.stats.retried, outbox.stats.sent) == (1, 3, 0)


async def test_backoff_is_capped() -> None:
    rec = Recorder()

    async def send(item: Job) -> None:
        raise TransientError("timeout")

    outbox = rec.outbox(send, max_attempts=8, backoff_base=1.0, backoff_cap=5.0)
    await run_jobs(outbox, [job(1)])
    assert max(rec.sleeps) <= 5.0


async def test_transient_error_then_success_is_sent_once() -> None:
    rec = Recorder()
    attempts = 0

    async def send(item: Job) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise TransientError("network down")

    outbox = rec.outbox(send)
    await run_jobs(outbox, [job(1)])
    assert attempts == 2
    assert rec.sent == [job(1)]
    assert rec.failed == []


async def test_unreachable_chat_is_not_retried_and_reported_per_job() -> None:
    rec = Recorder()
    attempts: list[Job] = []
    gate = asyncio.Event()

    async def send(item: Job) -> None:
        attempts.append(item)
        if item.chat_id == 1:
            await gate.wait()
            raise ChatUnreachable("Forbidden: bot was blocked by the user")

    outbox = rec.outbox(send, concurrency=2)
    outbox.start()
    for item in [job(1, 0), job(1, 1), job(1, 2), job(2)]:
        await outbox.submit(item)
    gate.set()
    await asyncio.wait_for(outbox.join(), 2)
    await outbox.stop()
    assert [j for j in attempts if j.chat_id == 1] == [job(1, 0)]
    assert [j for j, _ in rec.unreachable] == [job(1, 0), job(1, 1), job(1, 2)]
    assert rec.sent == [job(2)]
    assert rec.sleeps == []
    assert outbox.stats.unreachable == 3


async def test_a_chat_is_never_sent_two_messages_at_once_and_keeps_its_order() -> None:
    rec = Recorder()
    active: defaultdict[int, int] = defaultdict(int)
    overlaps = 0
    order: defaultdict[int, list[Job]] = defaultdict(list)
    rng = random.Random(3)

    async def send(item: Job) -> None:
        nonlocal overlaps
        active[item.chat_id] += 1
        overlaps += active[item.chat_id] > 1
        for _ in range(rng.randint(0, 5)):
            await asyncio.sleep(0)
        order[item.chat_id].append(item)
        active[item.chat_id] -= 1

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
    assert Job(1, "r", T0, payload={"text": "a"}) == Job(1, "r", T0, payload={"text": "b"})
    assert len({Job(1, "r", T0, payload="a"), Job(1, "r", T0, payload="b")}) == 1
