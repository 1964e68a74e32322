"""Operators' announcements: one text to every learner, durable, within each platform's limits.

An announcement goes to every private chat the bot knows (a stored profile) that has not
turned announcements off (/announcements off) and has not blocked the bot, on the platforms
running now. Delivery goes through the same per-platform senders (and so the same rate
limiters) as the nudges, a batch at a time; before each batch its chats are claimed on disk
(:mod:`storage.announcements`), so a restart carries on where it stopped and never sends the
same announcement to anyone twice. A chat that blocked the bot is counted and switched off,
as for a nudge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import asdict, replace
from datetime import datetime
from functools import partial

from bot.delivery_errors import ChatUnreachable
from bot.reminders import Nudge, NudgeSender, ReminderService
from storage import announcements as store
from storage.announcements import Counts, Progress
from storage.async_repository import AsyncRepository
from storage.records import ChatKey

log = logging.getLogger(__name__)

BATCH = 25  # recipients claimed (one small write) per batch
CONCURRENCY = 8  # sends in flight; each platform's limiter paces them


class Announcements:
    """Create, deliver and report announcements (see the module docstring)."""

    def __init__(
        self,
        repository: AsyncRepository,
        reminders: ReminderService,
        clock: Callable[[], datetime],
        *,
        batch: int = BATCH,
        concurrency: int = CONCURRENCY,
        on_progress: Callable[[int, int, int], None] | None = None,
    ) -> None:
        """``on_progress(sent, left, failed)`` hears of each batch (the metrics' gauges)."""
        self._repo = repository
        self._reminders = reminders
        self._clock = clock
        self._batch = batch
        self._concurrency = concurrency
        self._on_progress = on_progress
        self._senders: dict[str, NudgeSender] = {}
        self._tasks: dict[str, asyncio.Task[Progress]] = {}
        self._current: dict[str, Progress] = {}
        self._drafts: dict[tuple[str, int], tuple[str, str]] = {}  # operator: (token, text)
        self._stopping = False

    async def recipients(self, platforms: frozenset[str] | None = None) -> list[ChatKey]:
        """The private chats an announcement would go to now (``platforms``: those running;
        default: every platform with a sender)."""
        running = platforms if platforms is not None else frozenset(self._senders)
        profiles = await self._repo.all_profiles()
        return sorted(
            p.key
            for p in profiles
            if not p.is_group
            and p.announcements
            and not p.blocked
            and p.moved_to is None
            and p.platform in running
        )

    @property
    def sending_now(self) -> bool:
        """Whether an announcement is going out (one at a time: a second waits its turn)."""
        return bool(self._tasks)

    def draft(self, operator: tuple[str, int], text: str) -> str:
        """Keep ``text`` as ``operator``'s (platform, user id) announcement to confirm; return
        the token its preview's buttons carry (a newer draft replaces it)."""
        token = secrets.token_hex(4)
        self._drafts[operator] = (token, text)
        return token

    def take_draft(self, operator: tuple[str, int], token: str) -> str | None:
        """The operator's draft if ``token`` is its preview's, removed (None: another
        preview's button, none at all, or the bot restarted since)."""
        found = self._drafts.get(operator)
        if found is None or found[0] != token:
            return None
        del self._drafts[operator]
        return found[1]

    async def start(self, senders: Mapping[str, NudgeSender]) -> None:
        """Deliver through ``senders`` (by platform); carry on with any announcement a
        restart interrupted."""
        self._senders = dict(senders)
        for progress in await self._repo.beside(store.sending):
            if progress.interrupted:
                log.warning(
                    "announcement %s: %d sends were cut short by a restart and are not repeated",
                    progress.id,
                    progress.interrupted,
                )
            self._launch(progress)

    async def stop(self, drain_timeout: float = 5.0) -> None:
        """Stop delivering: no new batch is claimed, the claimed one finishes (for up to
        ``drain_timeout`` seconds), and the rest waits on disk for the next start."""
        self._stopping = True
        tasks = list(self._tasks.values())
        if tasks:
            await asyncio.wait(tasks, timeout=drain_timeout)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._stopping = False

    async def announce(self, text: str, recipients: list[ChatKey]) -> Progress:
        """Store an announcement of ``text`` to ``recipients`` and start delivering it."""
        progress = Progress(
            id=f"{self._clock():%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}",
            text=text,
            created_at=self._clock().isoformat(),
            total=len(recipients),
        )
        await self._repo.beside(partial(store.create, progress=progress, recipients=recipients))
        self._launch(progress)
        return progress

    def progress(self, announcement_id: str) -> Progress | None:
        """The delivery's progress as of now (in memory), or None when it is not running."""
        return self._current.get(announcement_id)

    async def latest(self) -> Progress | None:
        """The most recent announcement (running: its live progress), or None."""
        found = await self._repo.beside(store.latest)
        if found is not None and found.id in self._current:
            return self._current[found.id]
        return found

    async def finished(self, announcement_id: str) -> Progress | None:
        """Wait until the announcement's delivery ends here; its progress then (the stored
        one when it is not running: done, or waiting for the next start; None: unknown)."""
        task = self._tasks.get(announcement_id)
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                return await asyncio.shield(task)
        return await self._repo.beside(partial(store.progress_of, announcement_id=announcement_id))

    async def watch(self, announcement_id: str, every: float) -> AsyncIterator[Progress]:
        """The delivery's progress every ``every`` seconds, then its final progress once it
        ends (the last item); nothing when it is unknown. For a status message kept fresh."""
        done = asyncio.ensure_future(self.finished(announcement_id))
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(done), every)
                progress = None if done.done() else self.progress(announcement_id)
                if progress is None:  # ended, or between its last batch and its end
                    final = await done
                    if final is not None:
                        yield final
                    return
                yield progress
        finally:
            done.cancel()

    async def forget(self, chat: ChatKey) -> None:
        """Take ``chat`` out of every announcement's recipients (it asked to be erased); a
        running delivery's next claim reads the shortened list."""
        await self._repo.beside(partial(store.forget, chat=chat))

    def _launch(self, progress: Progress) -> None:
        self._current[progress.id] = progress
        task = asyncio.create_task(self._deliver(progress), name=f"announcement-{progress.id}")
        self._tasks[progress.id] = task
        task.add_done_callback(partial(self._ended, progress.id))

    def _ended(self, announcement_id: str, task: asyncio.Task[Progress]) -> None:
        self._tasks.pop(announcement_id, None)
        if not task.cancelled() and task.exception() is not None:
            self._current.pop(announcement_id, None)
            log.error(
                "announcement %s stopped; it carries on at the next start",
                announcement_id,
                exc_info=task.exception(),
            )

    async def _deliver(self, progress: Progress) -> Progress:
        gate = asyncio.Semaphore(self._concurrency)
        counts = Counts(progress.sent, progress.failed, progress.unreachable)
        claim = partial(store.claim, announcement_id=progress.id, count=self._batch)
        while not self._stopping:
            progress, chats = await self._repo.beside(partial(claim, counts=counts))
            if not chats and progress.left == 0:
                break
            outcomes = await asyncio.gather(*(self._send(gate, progress, c) for c in chats))
            counts = Counts(
                counts.sent + outcomes.count("sent"),
                counts.failed + outcomes.count("failed"),
                counts.unreachable + outcomes.count("unreachable"),
            )
            live = replace(progress, **asdict(counts))
            self._current[progress.id] = live
            if self._on_progress is not None:
                failed = live.failed + live.unreachable
                self._on_progress(live.sent, live.total - live.sent - failed, failed)
        if self._stopping:
            await self._repo.beside(partial(claim, counts=counts, count=0))
            return replace(progress, **asdict(counts))
        now = self._clock().isoformat()
        done = await self._repo.beside(
            partial(store.finish, announcement_id=progress.id, counts=counts, now_iso=now)
        )
        self._current.pop(progress.id, None)
        log.info(
            "announcement %s done: %d sent, %d failed, %d unreachable of %d",
            done.id,
            done.sent,
            done.failed,
            done.unreachable,
            done.total,
        )
        return done

    async def _send(self, gate: asyncio.Semaphore, progress: Progress, chat: ChatKey) -> str:
        sender = self._senders.get(chat.platform)
        if sender is None:
            return "failed"
        async with gate:
            try:
                profile = await self._reminders.profile(chat)
                nudge = Nudge(
                    chat.id,
                    False,
                    profile.step,
                    progress.text,
                    snoozed=False,
                    language=profile.language or "en",
                    announcement=True,
                )
                await sender(nudge)
            except ChatUnreachable:
                await self._reminders.chat_unreachable(chat)
                return "unreachable"
            except Exception as exc:  # one chat's failure never stops the announcement
                log.warning("announcement %s to %s failed: %s", progress.id, chat, exc)
                return "failed"
        return "sent"
