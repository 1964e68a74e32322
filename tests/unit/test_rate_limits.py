"""The sliding window that keeps a group under Telegram's 20 messages a minute."""

from __future__ import annotations

import time

from handlers.telegram.rate_limits import SlidingWindow


async def test_the_window_admits_its_limit_then_waits_for_the_oldest_to_leave() -> None:
    window = SlidingWindow(limit=3, period=0.3)
    finished: list[float] = []
    for _ in range(4):
        async with window:
            pass
        finished.append(time.monotonic())
    assert finished[2] - finished[0] < 0.1  # a burst up to the limit goes at once
    assert finished[3] - finished[0] >= 0.3  # the next waits until the first left the window


async def test_an_idle_window_can_be_forgotten() -> None:
    window = SlidingWindow(limit=1, period=0.05)
    assert window.idle()
    async with window:
        assert not window.idle()
    assert not window.idle()
