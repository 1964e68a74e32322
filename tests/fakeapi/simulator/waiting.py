"""Event-driven waiting: wake every waiter on each change and let it re-check its predicate."""

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class ChangeNotifier:
    """Like asyncio.Condition without the lock, so plain (sync) code may notify."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify_all(self) -> None:
        """Wake every coroutine waiting in wait_for."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_for(self, predicate: Callable[[], T | None], within: float | None) -> T:
        """Return predicate()'s first truthy value, re-checked after each change.

        Raises TimeoutError if it stays falsy for `within` seconds (None waits forever).
        """
        loop = asyncio.get_running_loop()
        deadline = None if within is None else loop.time() + within
        while not (result := predicate()):
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                raise TimeoutError
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                continue
            finally:
                self._waiters.discard(waiter)
        return result
