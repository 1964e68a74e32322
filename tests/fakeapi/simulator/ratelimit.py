"""Telegram's flood control on message-sending methods, plus counters for benchmarks."""

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable

from tests.fakeapi.simulator.models import RateLimits

_SECOND = 1.0
_MINUTE = 60.0


class SendRateLimiter:
    """Sliding-window limits (global, per chat, per group) counting successful sends only."""

    def __init__(
        self, limits: RateLimits | None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._global: deque[float] = deque()
        self._per_chat: defaultdict[int, deque[float]] = defaultdict(deque)
        self._per_group: defaultdict[int, deque[float]] = defaultdict(deque)
        self.send_times: list[float] = []
        self.throttled = 0

    def retry_after(self, chat_id: int | None, is_group: bool) -> int | None:
        """Seconds the client must wait before this send, or None if it may go now."""
        if self.limits is None:
            return None
        now = self._clock()
        waits = [
            _wait(self._global, self.limits.global_per_second, _SECOND, now),
            _wait(self._per_chat[chat_id], self.limits.per_chat_per_second, _SECOND, now)
            if chat_id is not None
            else 0.0,
            _wait(self._per_group[chat_id], self.limits.per_group_per_minute, _MINUTE, now)
            if chat_id is not None and is_group
            else 0.0,
        ]
        longest = max(waits)
        if longest <= 0:
            return None
        self.throttled += 1
        return max(1, math.ceil(longest))

    def record_send(self, chat_id: int | None, is_group: bool) -> None:
        """Count one successful send."""
        now = self._clock()
        self.send_times.append(now)
        self._global.append(now)
        if chat_id is not None:
            self._per_chat[chat_id].append(now)
            if is_group:
                self._per_group[chat_id].append(now)

    def sends_per_second(self) -> list[int]:
        """Successful sends in each whole second since the first send."""
        if not self.send_times:
            return []
        start = self.send_times[0]
        counts = [0] * (int(self.send_times[-1] - start) + 1)
        for moment in self.send_times:
            counts[int(moment - start)] += 1
        return counts


def _wait(window: deque[float], allowed: int | None, span: float, now: float) -> float:
    """How long until `window` has room for one more event (0 if it has room now)."""
    if allowed is None:
        return 0.0
    while window and window[0] <= now - span:
        window.popleft()
    if len(window) < allowed:
        return 0.0
    return window[len(window) - allowed] + span - now
