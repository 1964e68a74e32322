"""Snapshots of a live repository in the middle of a burst of concurrent writes: each one
restores, loads, and holds exactly the changes up to some point no earlier than the last
change acknowledged before it began (nothing torn, nothing half-included, nothing lost)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.backups import Backups
from storage.async_repository import AsyncRepository
from storage.backup import restore
from storage.repository import Repository
from tests.e2e.storage_burst_writer import Change, ExpectedState, burst_change

LANES = 40  # chats changed side by side, so consecutive changes land in different shards
BURST_LENGTH = 8 * LANES * 4
IN_FLIGHT = 16  # changes submitted and not yet acknowledged, at most
SNAPSHOT_EVERY = 20  # acknowledged changes between two snapshots
SHARDS = 256  # more files to read: a snapshot not taken between writes would tear


@dataclass(frozen=True)
class Taken:
    """A snapshot and the burst's progress around it."""

    path: Path
    acknowledged_before: int  # changes 0..n-1 had returned when the snapshot was asked for
    submitted_after: int  # changes 0..n-1 had been submitted when it returned


def live_change(number: int) -> Change:
    """Change ``number`` of this burst: the kill -9 test's changes, LANES chats at a time in
    turn (each chat's four changes still in order), each one call of AsyncRepository (its
    ``record_fired_many`` of two reminders becomes one ``record_fired`` of the chat's own)."""
    block, rest = divmod(number, LANES * 4)
    step, lane = divmod(rest, LANES)
    method, arguments = burst_change((block * LANES + lane) * 4 + step)
    if method == "record_fired_many":
        return method, (arguments[0][:1],)
    return method, arguments


def submit(repository: AsyncRepository, change: Change) -> Awaitable[object]:
    method, arguments = change
    if method == "record_fired_many":
        return repository.record_fired(*arguments[0][0])
    call: Callable[..., Awaitable[object]] = getattr(repository, method)
    return call(*arguments)


class Burst:
    """Submits the burst's changes in order, at most IN_FLIGHT at a time, and counts the
    acknowledged prefix."""

    def __init__(self, repository: AsyncRepository) -> None:
        self.repository = repository
        self.submitted = 0
        self.acknowledged = 0
        self.progress = asyncio.Event()
        self._done: set[int] = set()

    async def run(self) -> None:
        slots = asyncio.Semaphore(IN_FLIGHT)
        tasks = []
        for number in range(BURST_LENGTH):
            await slots.acquire()
            # Tasks start in creation order, so the storage thread gets the calls in order.
            task = asyncio.ensure_future(submit(self.repository, live_change(number)))
            task.add_done_callback(functools.partial(self._acknowledge, number, slots))
            tasks.append(task)
            self.submitted = number + 1
        await asyncio.gather(*tasks)
        self.progress.set()  # the burst is over: the snapshot loop stops waiting

    def _acknowledge(self, number: int, slots: asyncio.Semaphore, _: object) -> None:
        self._done.add(number)
        while self.acknowledged in self._done:
            self.acknowledged += 1
        slots.release()
        self.progress.set()


def state_after(count: int) -> ExpectedState:
    state = ExpectedState()
    for number in range(count):
        state.apply(live_change(number))
    return state


def changes_held(data_dir: Path, taken: Taken) -> int:
    """How many of the burst's first changes ``data_dir`` holds; fails if it holds anything
    else (a torn or partial state) or fewer than were acknowledged."""
    with Repository.open(data_dir) as repository:
        profiles, reminders = repository.load_all()
    actual = (
        {profile.key: profile for profile in profiles},
        {(reminder.key, reminder.id): reminder for reminder in reminders},
    )
    state = state_after(taken.acknowledged_before)
    for count in range(taken.acknowledged_before, taken.submitted_after + 1):
        if actual == (state.profiles, state.reminders):
            return count
        if count < BURST_LENGTH:
            state.apply(live_change(count))
    raise AssertionError(
        f"{taken.path.name} matches no state after {taken.acknowledged_before} to "
        f"{taken.submitted_after} changes"
    )


async def test_snapshots_during_a_write_burst_hold_every_acknowledged_change(
    tmp_path: Path,
) -> None:
    repository = await AsyncRepository.open(tmp_path / "data", SHARDS)
    minutes = iter(range(10_000))
    backups = Backups(
        repository,
        tmp_path / "backups",
        0,
        keep=1000,
        clock=lambda: datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=next(minutes)),
    )
    burst = Burst(repository)
    taken: list[Taken] = []
    try:
        writing = asyncio.create_task(burst.run())
        while not writing.done():
            before = burst.acknowledged
            snapshot = await backups.snapshot()
            taken.append(Taken(snapshot.path, before, burst.submitted))
            while burst.acknowledged < before + SNAPSHOT_EVERY and not writing.done():
                burst.progress.clear()
                await burst.progress.wait()
        await writing
    finally:
        await repository.close()

    held = []
    for index, each in enumerate(taken):
        restored = tmp_path / f"restored-{index}"
        restore(each.path, restored)
        held.append(changes_held(restored, each))
    mid_burst = [count for count in held if 0 < count < BURST_LENGTH]
    assert len(mid_burst) >= 5, held  # the snapshots really landed among the writes
    assert held == sorted(held)
