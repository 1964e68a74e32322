"""A bounded delivery outbox: N worker tasks, one send per chat at a time, one attempt per job.

The outbox does not retry. 429s are retried by the transport's rate limiter (it knows
``retry_after`` and pauses every send meanwhile); a ``RetryAfter`` that still reaches the
outbox, a ``TransientError`` (5xx, timeout, network) or an unexpected error is reported
through ``on_failed``, and the owner decides (the reminder engine retries within its grace).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.delivery_errors import ChatUnreachable, DeliveryError
from storage.records import ChatKey

log = logging.getLogger(__name__)

JobKind = Literal["scheduled", "snooze"]


@dataclass(frozen=True, slots=True)
class Job:
    """One message to deliver: a reminder occurrence or a one-off snoozed nudge.

    Equality and hash ignore ``payload``: a delivery is identified by chat, reminder,
    occurrence and kind.
    """

    chat: ChatKey  # the chat (platform, id); its lane keeps its sends in order
    reminder_id: str | None
    occurrence: datetime
    kind: JobKind = "scheduled"
    payload: Any = field(default=None, compare=False)


@dataclass(slots=True)
class OutboxStats:
    """Running counts of what happened to submitted jobs."""

    submitted: int = 0
    sent: int = 0
    failed: int = 0
    unreachable: int = 0


Send = Callable[[Job], Awaitable[None]]
OnSent = Callable[[Job], Awaitable[None]]
OnError = Callable[[Job, BaseException], Awaitable[None]]


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
    """Delivers jobs through ``send`` with bounded memory and per-chat ordering, once each.

    Every submitted job gets exactly one attempt and exactly one outcome callback:
    ``on_sent``, ``on_failed`` (any error but ``ChatUnreachable``: a rate limit the transport
    could not wait out, a transient failure, an unexpected error) or ``on_unreachable`` (the
    chat blocked the bot; jobs queued behind it for the same chat are not attempted and get
    ``on_unreachable`` too).
    """

    def __init__(
        self,
        send: Send,
        *,
        concurrency: int = 16,
        max_pending: int = 1000,
        on_sent: OnSent = _ignore_sent,
        on_failed: OnError = _ignore_error,
        on_unreachable: OnError = _ignore_error,
    ) -> None:
        """Raises ValueError if ``concurrency`` or ``max_pending`` is below 1."""
        if concurrency < 1 or max_pending < 1:
            raise ValueError("concurrency and max_pending must be at least 1")
        self._send = send
        self._concurrency = concurrency
        self._on_sent = on_sent
        self._on_failed = on_failed
        self._on_unreachable = on_unreachable
        self._capacity = asyncio.Semaphore(max_pending)
        self._lanes: dict[ChatKey, _Lane] = {}
        self._ready: asyncio.Queue[ChatKey] = asyncio.Queue()
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
        lane = self._lanes.get(job.chat)
        if lane is None:
            lane = self._lanes[job.chat] = _Lane()
            self._ready.put_nowait(job.chat)
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
            chat = await self._ready.get()
            lane = self._lanes[chat]
            while lane.jobs:
                job = lane.jobs[0]
                if lane.unreachable_error is not None:
                    self.stats.unreachable += 1
                    await self._notify(self._on_unreachable, job, lane.unreachable_error)
                else:
                    await self._deliver(job, lane)
                lane.jobs.popleft()
                self._finish_one()
            del self._lanes[chat]

    def _finish_one(self) -> None:
        self._unfinished -= 1
        self._capacity.release()
        if self._unfinished == 0:
            self._idle.set()

    async def _deliver(self, job: Job, lane: _Lane) -> None:
        try:
            await self._send(job)
        except ChatUnreachable as exc:
            lane.unreachable_error = exc
            self.stats.unreachable += 1
            log.warning("chat %s unreachable, not retrying: %s", job.chat, exc)
            await self._notify(self._on_unreachable, job, exc)
        except DeliveryError as exc:
            await self._give_up(job, exc)
        except Exception as exc:
            log.exception("unexpected error sending to chat %s", job.chat)
            await self._give_up(job, exc)
        else:
            self.stats.sent += 1
            await self._notify(self._on_sent, job)

    async def _give_up(self, job: Job, exc: BaseException) -> None:
        self.stats.failed += 1
        log.warning("send to chat %s (%s) failed: %s", job.chat, job.kind, exc)
        await self._notify(self._on_failed, job, exc)

    @staticmethod
    async def _notify(callback: Callable[..., Awaitable[None]], *args: Any) -> None:
        try:
            await callback(*args)
        except Exception:
            log.exception("outbox outcome callback %r failed", callback)
