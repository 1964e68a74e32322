"""A bounded delivery outbox: N worker tasks, one send per chat at a time, retries with backoff."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.delivery_errors import ChatUnreachable, RetryAfter, TransientError

log = logging.getLogger(__name__)

JobKind = Literal["scheduled", "snooze"]


@dataclass(frozen=True, slots=True)
class Job:
    """One message to deliver: a reminder occurrence or a one-off snoozed nudge.

    Equality and hash ignore ``payload``: a delivery is identified by chat, reminder,
    occurrence and kind.
    """

    chat_id: int
    reminder_id: str | None
    occurrence: datetime
    kind: JobKind = "scheduled"
    payload: Any = field(default=None, compare=False)


@dataclass(slots=True)
class OutboxStats:
    """Running counts of what happened to submitted jobs."""

    submitted: int = 0
    sent: int = 0
    retried: int = 0  # retry attempts (after a RetryAfter or a TransientError)
    failed: int = 0
    unreachable: int = 0


Send = Callable[[Job], Awaitable[None]]
OnSent = Callable[[Job], Awaitable[None]]
OnError = Callable[[Job, BaseException], Awaitable[None]]
Sleep = Callable[[float], Awaitable[Any]]


class _Lane:
    """The jobs waiting for one chat; at most one worker owns a lane at a time."""

    __slots__ = ("jobs", "unreachable_error")

    def __init__(self) -> None:
        self.jobs: deque[Job] = deque()
        self.unreachable_error: ChatUnreachable | None = None


async def _ignore_sent(job: Job) -> None:
    return None


async def _ignore_error(job: Job, exc: BaseException) -> None:
    return None


class Outbox:
    """Delivers jobs through ``send`` with bounded memory, per-chat ordering and retries.

    Every submitted job gets exactly one outcome callback: ``on_sent``, ``on_failed``
    (transient errors exhausted, too many rate-limit waits, or an unexpected error) or
    ``on_unreachable`` (the chat blocked the bot; jobs queued behind it for the same chat
    are not attempted and get ``on_unreachable`` too). A send is never retried after it
    succeeded, even when a callback raises.
    """

    def __init__(
        self,
        send: Send,
        *,
        concurrency: int = 16,
        max_pending: int = 1000,
        max_attempts: int = 4,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        max_rate_limit_waits: int = 5,
        on_sent: OnSent = _ignore_sent,
        on_failed: OnError = _ignore_error,
        on_unreachable: OnError = _ignore_error,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if concurrency < 1 or max_pending < 1 or max_attempts < 1:
            raise ValueError("concurrency, max_pending and max_attempts must be at least 1")
        self._send = send
        self._concurrency = concurrency
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._max_rate_limit_waits = max_rate_limit_waits
        self._on_sent = on_sent
        self._on_failed = on_failed
        self._on_unreachable = on_unreachable
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._capacity = asyncio.Semaphore(max_pending)
        self._lanes: dict[int, _Lane] = {}
        self._ready: asyncio.Queue[int] = asyncio.Queue()
        self._unfinished = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._workers: list[asyncio.Task[None]] = []
        self._closed = False
        self.stats = OutboxStats()

    @property
    def pending(self) -> int:
        """Jobs submitted and not yet finished (queued or being sent)."""
        return self._unfinished

    def start(self) -> None:
        """Start the worker tasks (call inside the running event loop)."""
        if self._closed:
            raise RuntimeError("outbox is stopped")
        while len(self._workers) < self._concurrency:
            self._workers.append(asyncio.create_task(self._work(), name="outbox-worker"))

    async def submit(self, job: Job) -> None:
        """Queue ``job``; waits while ``max_pending`` jobs are already in the outbox."""
        if self._closed:
            raise RuntimeError("outbox is stopped")
        await self._capacity.acquire()
        if self._closed:
            self._capacity.release()
            raise RuntimeError("outbox is stopped")
        self.stats.submitted += 1
        self._unfinished += 1
        self._idle.clear()
        lane = self._lanes.get(job.chat_id)
        if lane is None:
            lane = self._lanes[job.chat_id] = _Lane()
            self._ready.put_nowait(job.chat_id)
        lane.jobs.append(job)

    async def join(self) -> None:
        """Wait until every submitted job has its outcome."""
        await self._idle.wait()

    async def stop(self, drain: bool = True, drain_timeout: float | None = None) -> list[Job]:
        """Stop accepting jobs, optionally drain, stop the workers; return the jobs left undone.

        Undone jobs got no outcome callback: they were not recorded as sent and stay due.
        """
        self._closed = True
        if drain and self._workers:
            try:
                await asyncio.wait_for(self._idle.wait(), drain_timeout)
            except TimeoutError:
                log.warning(
                    "outbox stop: %d jobs still pending after %s s", self.pending, drain_timeout
                )
        undone = [job for lane in self._lanes.values() for job in lane.jobs]
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers.clear()
        self._lanes.clear()
        return undone

    async def _work(self) -> None:
        while True:
            chat_id = await self._ready.get()
            lane = self._lanes[chat_id]
            while lane.jobs:
                job = lane.jobs[0]
                if lane.unreachable_error is not None:
                    self.stats.unreachable += 1
                    await self._notify(self._on_unreachable, job, lane.unreachable_error)
                else:
                    await self._deliver(job, lane)
                lane.jobs.popleft()
                self._finish_one()
            del self._lanes[chat_id]

    def _finish_one(self) -> None:
        self._unfinished -= 1
        self._capacity.release()
        if self._unfinished == 0:
            self._idle.set()

    async def _deliver(self, job: Job, lane: _Lane) -> None:
        transient_failures = 0
        rate_limit_waits = 0
        while True:
            try:
                await self._send(job)
            except RetryAfter as exc:
                rate_limit_waits += 1
                if rate_limit_waits > self._max_rate_limit_waits:
                    await self._give_up(job, exc)
                    return
                self.stats.retried += 1
                await self._sleep(exc.seconds)
            except TransientError as exc:
                transient_failures += 1
                if transient_failures >= self._max_attempts:
                    await self._give_up(job, exc)
                    return
                self.stats.retried += 1
                await self._sleep(self._backoff(transient_failures))
            except ChatUnreachable as exc:
                lane.unreachable_error = exc
                self.stats.unreachable += 1
                log.warning("chat %s unreachable, not retrying: %s", job.chat_id, exc)
                await self._notify(self._on_unreachable, job, exc)
                return
            except Exception as exc:
                log.exception("unexpected error sending to chat %s", job.chat_id)
                await self._give_up(job, exc)
                return
            else:
                self.stats.sent += 1
                await self._notify(self._on_sent, job)
                return

    def _backoff(self, failures: int) -> float:
        """Exponential backoff with equal jitter: a delay in [d/2, d], d = base * 2^(n-1)."""
        ceiling = min(self._backoff_cap, self._backoff_base * 2 ** (failures - 1))
        return ceiling / 2 + self._rng.random() * ceiling / 2

    async def _give_up(self, job: Job, exc: BaseException) -> None:
        self.stats.failed += 1
        log.warning("giving up on chat %s (%s): %s", job.chat_id, job.kind, exc)
        await self._notify(self._on_failed, job, exc)

    @staticmethod
    async def _notify(callback: Callable[..., Awaitable[None]], *args: Any) -> None:
        try:
            await callback(*args)
        except Exception:
            log.exception("outbox outcome callback %r failed", callback)
