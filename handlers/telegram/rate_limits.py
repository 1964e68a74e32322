"""Per-group sending limits as Telegram counts them: at most N sends in any sliding window."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from types import TracebackType

from telegram.constants import FloodLimit
from telegram.ext import AIORateLimiter

_KEEP_WINDOWS = 512


class SlidingWindow:
    """An async context manager admitting at most ``limit`` calls in any ``period`` seconds.

    A call counts from when it finished, which is never earlier than when Telegram counted it,
    so the window stays on the safe side of the server's own.
    """

    def __init__(self, limit: int, period: float) -> None:
        self._limit = limit
        self._period = period
        self._finished: deque[float] = deque()
        self._in_flight = 0
        self._changed = asyncio.Condition()

    def idle(self) -> bool:
        """Whether nothing is in flight and nothing counts any more."""
        self._forget_old(time.monotonic())
        return self._in_flight == 0 and not self._finished

    async def __aenter__(self) -> None:
        async with self._changed:
            while (wait := self._wait()) > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), wait)
            self._in_flight += 1

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        async with self._changed:
            self._in_flight -= 1
            self._finished.append(time.monotonic())
            self._changed.notify_all()

    def _wait(self) -> float:
        """Seconds until a call may start (0: now); at most a period if calls are in flight."""
        now = time.monotonic()
        self._forget_old(now)
        if len(self._finished) + self._in_flight < self._limit:
            return 0.0
        return self._finished[0] + self._period - now if self._finished else self._period

    def _forget_old(self, now: float) -> None:
        while self._finished and self._finished[0] <= now - self._period:
            self._finished.popleft()


class GroupWindowRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter, with each group's 20-a-minute limit kept as a sliding window.

    PTB's leaky bucket lets a 21st message go 3 s after a burst of 20, which Telegram answers
    with a 429 of nearly a minute, and PTB then pauses every chat's sends for that long.
    """

    def __init__(
        self,
        *,
        overall_max_rate: float,
        overall_time_period: float,
        group_max_rate: int = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        group_time_period: float = 60,
        max_retries: int = 0,
    ) -> None:
        super().__init__(
            overall_max_rate=overall_max_rate,
            overall_time_period=overall_time_period,
            group_max_rate=group_max_rate,
            group_time_period=group_time_period,
            max_retries=max_retries,
        )
        self._windows: dict[str | int | bool, SlidingWindow] = {}
        self._window_limit = group_max_rate
        self._window_period = group_time_period

    def _get_group_limiter(self, group_id: str | int | bool) -> SlidingWindow:  # type: ignore[override]
        if len(self._windows) > _KEEP_WINDOWS:
            for key, window in list(self._windows.items()):
                if key != group_id and window.idle():
                    del self._windows[key]
        if group_id not in self._windows:
            self._windows[group_id] = SlidingWindow(self._window_limit, self._window_period)
        return self._windows[group_id]
