"""bot.backups: snapshots of the live repository on demand and on schedule, pruned, logged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.backups import Backups, Snapshot
from storage.async_repository import AsyncRepository
from storage.backup import BackupError, restore, snapshots
from storage.records import ChatProfile
from storage.repository import Repository

START = datetime(2026, 12, 1, 3, 15, tzinfo=UTC)


class SteppingClock:
    """Aware UTC times a minute apart, one per call."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> datetime:
        self.calls += 1
        return START + timedelta(minutes=self.calls - 1)


@pytest_asyncio.fixture
async def repository(tmp_path: Path) -> AsyncIterator[AsyncRepository]:
    opened = await AsyncRepository.open(tmp_path / "data", 8)
    try:
        yield opened
    finally:
        await opened.close()


async def test_a_snapshot_holds_every_acknowledged_change_and_old_ones_are_pruned(
    repository: AsyncRepository, tmp_path: Path
) -> None:
    taken: list[Snapshot] = []
    backups = Backups(
        repository,
        tmp_path / "backups",
        0,
        keep=2,
        clock=SteppingClock(),
        on_snapshot=taken.append,
    )
    for chat_id in (1, 2, 3):
        await repository.put_profile(ChatProfile(chat_id, step=chat_id))
        await backups.snapshot()

    assert [s.taken_at for s in taken] == [START + timedelta(minutes=m) for m in (0, 1, 2)]
    assert backups.last == taken[-1]
    assert backups.last.path.name == "medcoder-data-20261201T031700Z.tar.gz"
    assert backups.last.size_bytes == backups.last.path.stat().st_size > 0
    assert backups.last.seconds > 0
    assert snapshots(tmp_path / "backups") == [taken[1].path, taken[2].path]
    restore(taken[1].path, tmp_path / "restored")
    with Repository.open(tmp_path / "restored") as restored:
        assert [p.chat_id for p in restored.load_all()[0]] == [1, 2]


async def test_snapshots_asked_for_at_once_never_overlap(
    repository: AsyncRepository, tmp_path: Path
) -> None:
    backups = Backups(repository, tmp_path / "backups", 0, keep=5, clock=lambda: START)
    first, second = await asyncio.gather(backups.snapshot(), backups.snapshot())
    assert {first.path.name, second.path.name} == {
        "medcoder-data-20261201T031500Z.tar.gz",
        "medcoder-data-20261201T031500Z-2.tar.gz",
    }


async def test_running_takes_a_snapshot_every_period_and_logs_it(
    repository: AsyncRepository, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.backups")
    done = asyncio.Event()
    backups = Backups(
        repository, tmp_path / "backups", 6, keep=3, on_snapshot=lambda _: done.set()
    )
    async with backups.running():
        due = backups.next_run_time
        assert due is not None
        # No snapshot yet: the first comes an hour after start (FIRST_DELAY), not 6 h later.
        assert abs(due - datetime.now(UTC) - timedelta(hours=1)) < timedelta(minutes=1)
        scheduler = backups.scheduler
        assert scheduler is not None
        (job,) = scheduler.get_jobs()
        job.modify(next_run_time=datetime.now(UTC))  # the period has passed
        await asyncio.wait_for(done.wait(), timeout=10)
    assert backups.next_run_time is None
    assert backups.last is not None and backups.last.path.is_file()
    (record,) = [r for r in caplog.records if r.name == "bot.backups"]
    assert record.levelno == logging.INFO
    assert str(backups.last.path) in record.getMessage()
    assert f"{backups.last.size_bytes} bytes" in record.getMessage()
    assert record.__dict__["size_bytes"] == backups.last.size_bytes


async def test_a_failed_scheduled_snapshot_is_logged_not_raised(
    repository: AsyncRepository, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "backups"
    blocked.write_text("a file where the folder should be")
    backups = Backups(repository, blocked, 24, keep=3)
    await backups.scheduled_snapshot()
    assert backups.last is None
    (record,) = [r for r in caplog.records if r.name == "bot.backups"]
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "scheduled backup" in record.getMessage()


async def test_zero_hours_means_on_demand_only(
    repository: AsyncRepository, tmp_path: Path
) -> None:
    backups = Backups(repository, tmp_path / "backups", 0, keep=1)
    async with backups.running():
        assert backups.scheduler is None and backups.next_run_time is None
    assert not (tmp_path / "backups").exists()


def test_keep_must_be_at_least_one(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="keep >= 1"):
        Backups(None, tmp_path, 24, keep=0)  # type: ignore[arg-type]


async def test_a_backup_folder_inside_the_data_folder_is_refused(
    repository: AsyncRepository, tmp_path: Path
) -> None:
    backups = Backups(repository, tmp_path / "data" / "backups", 0, keep=1)
    with pytest.raises(BackupError, match="inside DATA_DIR"):
        await backups.snapshot()
    assert not (tmp_path / "data" / "backups").exists()


async def test_the_period_counts_from_the_newest_snapshot_so_restarts_do_not_starve_it(
    repository: AsyncRepository, tmp_path: Path
) -> None:
    earlier = Backups(repository, tmp_path / "backups", 6, keep=3)
    old = await earlier.snapshot()
    later = Backups(repository, tmp_path / "backups", 6, keep=3)  # a restart
    async with later.running():
        due = later.next_run_time
        assert later.last is not None and later.last.path == old.path  # seeded from disk
    assert due is not None
    assert abs(due - (old.taken_at + timedelta(hours=6))) < timedelta(seconds=2)


async def test_a_snapshot_named_in_the_future_never_removes_the_new_one(
    repository: AsyncRepository, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    future = folder / "medcoder-data-20300101T000000Z.tar.gz"
    future.write_bytes(b"not really")
    taken = await Backups(repository, folder, 0, keep=1).snapshot()
    assert taken.path.is_file() and taken.size_bytes > 0
