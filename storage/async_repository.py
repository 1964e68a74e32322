"""The repository for asyncio code: every call runs on one dedicated worker thread."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ParamSpec, TypeVar

from storage.errors import StorageError
from storage.records import ChatKey, ChatProfile, Reminder
from storage.repository import (
    DEFAULT_CACHED_SHARDS,
    DEFAULT_SHARDS,
    Repository,
    StorageCounts,
)

Params = ParamSpec("Params")
Result = TypeVar("Result")


class AsyncRepository:
    """Coroutine twin of :class:`Repository` (chats named by ChatKey); disk work never blocks
    the event loop.

    One worker thread runs every call in submission order, so TinyDB is only touched from
    that thread and a change is durable when its coroutine returns.
    """

    def __init__(
        self, repository: Repository, executor: ThreadPoolExecutor, data_dir: Path
    ) -> None:
        """Use :meth:`open` instead."""
        self._repository = repository
        self._data_dir = data_dir
        self._executor = executor
        self._closed = False

    @classmethod
    async def open(
        cls,
        data_dir: Path,
        shards: int = DEFAULT_SHARDS,
        *,
        cached_shards: int = DEFAULT_CACHED_SHARDS,
    ) -> AsyncRepository:
        """Open (or create) ``data_dir`` on a new worker thread."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="storage")
        opener = functools.partial(Repository.open, data_dir, shards, cached_shards=cached_shards)
        try:
            repository = await asyncio.get_running_loop().run_in_executor(executor, opener)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(repository, executor, data_dir)

    @property
    def is_open(self) -> bool:
        """Whether calls are still taken (open and not yet closed)."""
        return not self._closed

    async def close(self) -> None:
        """Wait for calls submitted before this one, then close and stop the worker thread."""
        if self._closed:
            return
        await self._run(self._repository.close)
        self._closed = True
        self._executor.shutdown(wait=True)

    async def get_profile(self, chat: ChatKey) -> ChatProfile | None:
        """Return the chat's profile, or None."""
        return await self._run(self._repository.get_profile, chat)

    async def put_profile(self, profile: ChatProfile) -> None:
        """Create or replace the chat's profile."""
        await self._run(self._repository.put_profile, profile)

    async def reminders_for(self, chat: ChatKey) -> list[Reminder]:
        """Return the chat's reminders, oldest first."""
        return await self._run(self._repository.reminders_for, chat)

    async def add_reminder(self, reminder: Reminder) -> None:
        """Store a new reminder (DuplicateReminderError, ReminderLimitError)."""
        await self._run(self._repository.add_reminder, reminder)

    async def put_reminder(self, reminder: Reminder) -> bool:
        """Replace the reminder with the same id; False if it is gone."""
        return await self._run(self._repository.put_reminder, reminder)

    async def delete_reminder(self, chat: ChatKey, reminder_id: str) -> bool:
        """Delete one reminder; False if there was none with that id."""
        return await self._run(self._repository.delete_reminder, chat, reminder_id)

    async def delete_all_reminders(self, chat: ChatKey) -> int:
        """Delete every reminder of the chat; return how many."""
        return await self._run(self._repository.delete_all_reminders, chat)

    async def set_reminders_active(self, chat: ChatKey, active: bool) -> int:
        """Switch the chat's reminders on or off; return how many changed."""
        return await self._run(self._repository.set_reminders_active, chat, active)

    async def record_fired(self, chat: ChatKey, reminder_id: str, occurrence_iso: str) -> bool:
        """Set one reminder's ``last_fired``; False if it is gone."""
        return await self._run(self._repository.record_fired, chat, reminder_id, occurrence_iso)

    async def erase_chat(self, chat: ChatKey) -> int:
        """Delete everything stored for the chat (one atomic write); return how many records."""
        return await self._run(self._repository.erase_chat, chat)

    async def all_profiles(self) -> list[ChatProfile]:
        """Every stored profile (reads every shard: about a second at 100,000 chats)."""
        return await self._run(self._repository.all_profiles)

    async def beside(self, call: Callable[[Path], Result]) -> Result:
        """Run ``call(data_dir)`` on the storage thread, in order with every other call, for
        files the bot keeps beside its records (announcements): no snapshot sees them half
        written."""
        return await self._run(call, self._data_dir)

    async def move_chat(self, old: ChatKey, new: ChatKey) -> int:
        """Move a group's records to its new chat on the same platform (crash-safe, repeatable)."""
        return await self._run(self._repository.move_chat, old, new)

    async def load_schedule(self) -> tuple[list[ChatProfile], list[Reminder]]:
        """Return every reminder and the profiles that are paused or have a snooze."""
        return await self._run(self._repository.load_schedule)

    async def counts(self) -> StorageCounts:
        """Return how many records are stored."""
        return await self._run(self._repository.counts)

    async def exclusive(self, call: Callable[[Path], Result]) -> Result:
        """Run ``call(data_dir)`` on the storage thread, after every change submitted before it
        and before any submitted after: the files it reads are whole and none changes meanwhile
        (a consistent snapshot). ``call`` must only read."""
        return await self._run(call, self._data_dir)

    async def _run(
        self, call: Callable[Params, Result], *args: Params.args, **kwargs: Params.kwargs
    ) -> Result:
        if self._closed:
            raise StorageError("the repository is closed")
        bound = functools.partial(call, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, bound)
