"""Handle updates concurrently, but those of one chat (or one user, without a chat) in order;
count and log each one when it is handled."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.logs import chat_type, event_fields, update_kind
from bot.metrics import FrontEndMetrics

log = logging.getLogger(__name__)

PLATFORM = "telegram"

# Measured on a burst of 1,000 commands from distinct users (bench/bench_commands.py): CPU per
# update 1.3 ms at 4 running, 1.9 ms at 8, 2.3 ms at 16 and 5.4 ms at 256 (more requests in
# flight cost the HTTP client more), 1.2 ms one at a time. A chat waiting on its own limits holds
# one slot at most, since its updates run one after another.
DEFAULT_MAX_RUNNING = 8
# The library's own semaphore is taken before an update waits for its chat's turn; were it the
# bound, one flooded chat could fill it and stall every other chat. Ours bounds running ones.
_UNBOUNDED = 1_000_000


def ordering_key(update: object) -> int | None:
    """The chat id whose updates must stay in order (a user's id for inline queries), or None."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """Run up to ``max_running`` updates at once; one chat's updates run one after another.

    A reply waiting on one group's rate limit then delays only that group. Each update that
    ran is logged once at DEBUG (its kind, chat type and latency, never its text) and, with
    ``metrics``, counted with its latency: from its arrival here (waits for its chat's turn and
    for a slot included) to the end of its handling.
    """

    def __init__(
        self, max_running: int = DEFAULT_MAX_RUNNING, metrics: FrontEndMetrics | None = None
    ) -> None:
        super().__init__(_UNBOUNDED)
        self.metrics = metrics
        self._running = asyncio.Semaphore(max_running)
        self._last_of_chat: dict[int, asyncio.Event] = {}
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the previous update of the same chat, then for a free slot, then run."""
        arrived = time.perf_counter()
        key = ordering_key(update)
        previous = self._last_of_chat.get(key) if key is not None else None
        finished = asyncio.Event()
        if key is not None:
            self._last_of_chat[key] = finished
        self._pending += 1
        self._idle.clear()
        started = False
        try:
            if previous is not None:
                await previous.wait()
            async with self._running:
                started = True
                await coroutine
        finally:
            if started:
                self._handled(update, time.perf_counter() - arrived)
            elif inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting: never awaited
            finished.set()
            if key is not None and self._last_of_chat.get(key) is finished:
                del self._last_of_chat[key]
            self._pending -= 1
            if self._pending == 0:
                self._idle.set()

    def _handled(self, update: object, seconds: float) -> None:
        kind, chat = update_kind(update), chat_type(update)
        if self.metrics is not None:
            self.metrics.update_handled(kind, seconds)
        latency_ms = seconds * 1000
        log.debug(
            "handled %s in %s chat in %.1f ms",
            kind,
            chat,
            latency_ms,
            extra=event_fields(
                platform=PLATFORM, update_kind=kind, chat_type=chat, latency_ms=latency_ms
            ),
        )

    async def join(self) -> None:
        """Return once no update is waiting or running."""
        await self._idle.wait()

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free: the application waits for every update before it stops."""
