"""Typed times awaited after a bare /remind: who, where, until when.

A bare /remind answers with the core's prompt (preset-time buttons, "or type one like 19:30").
On Discord the typed answer is the user's next message the bot can read in that channel: the
next DM in a DM, the next message mentioning the bot in a server channel (without the
privileged message-content intent the bot reads no other server message). The wait is kept in
memory, one per (channel, user), and lapses after ``ttl`` seconds, so a question asked much
later is answered as a question.
"""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_TTL = 600.0  # seconds a bare /remind waits for a typed time


class AwaitedTimes:
    """The (channel id, user id) pairs whose next message is read as a time."""

    def __init__(
        self, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._until: dict[tuple[int, int], float] = {}

    def expect(self, channel_id: int, user_id: int) -> None:
        """Read this user's next message in this channel as a time (within the ttl)."""
        now = self._clock()
        self._until = {key: until for key, until in self._until.items() if until > now}
        self._until[channel_id, user_id] = now + self._ttl

    def forget(self, channel_id: int, user_id: int) -> None:
        """Stop waiting (the user set the reminder another way)."""
        self._until.pop((channel_id, user_id), None)

    def take(self, channel_id: int, user_id: int) -> bool:
        """Whether a time was awaited from this user here; the wait ends either way."""
        until = self._until.pop((channel_id, user_id), None)
        return until is not None and until > self._clock()
