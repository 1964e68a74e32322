"""Per-group sending limits as Telegram counts them: at most N sends in any sliding window;
429s and their retries counted."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any

from telegram.constants import FloodLimit
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from bot.metrics import FrontEndMetrics

Answer = bool | dict[str, Any] | list[dict[str, Any]]

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

    With ``metrics``, each 429 (``RetryAfter``) is counted, and each attempt after a
    request's first (PTB retries a 429 after its ``retry_after``, ``max_retries`` times).
    """

    def __init__(
        self,
        *,
        overall_max_rate: float,
        overall_time_period: float,
        group_max_rate: int = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        group_time_period: float = 60,
        max_retries: int = 0,
        metrics: FrontEndMetrics | None = None,
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
        self.metrics = metrics

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Answer]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Answer:
        """PTB's rate limiting and 429 retries, each attempt counted (see the class)."""
        metrics = self.metrics
        if metrics is None:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        attempts = 0

        async def counted(*call_args: Any, **call_kwargs: Any) -> Answer:
            nonlocal attempts
            attempts += 1
            if attempts > 1:
                metrics.retried_once()
            try:
                return await callback(*call_args, **call_kwargs)
            except RetryAfter:
                metrics.rate_limited_once()
                raise

        return await super().process_request(
            counted, args, kwargs, endpoint, data, rate_limit_args
        )

    def _get_group_limiter(self, group_id: str | int | bool) -> SlidingWindow:  # type: ignore[override]
        if len(self._windows) > _KEEP_WINDOWS:
            for key, window in list(self._windows.items()):
                if key != group_id and window.idle():
                    del self._windows[key]
        if group_id not in self._windows:
            self._windows[group_id] = SlidingWindow(self._window_limit, self._window_period)
        return self._windows[group_id]
