"""Print storage figures at scale: load time, memory, change latency, event-loop stalls.

Run from the repository root: ``python -m bench.bench_storage [--subscribers 100000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from storage.async_repository import AsyncRepository
from storage.records import ChatProfile, Reminder
from storage.repository import DEFAULT_SHARDS, Repository

REPO_ROOT = Path(__file__).resolve().parents[1]
ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Manila",
    "Australia/Sydney",
    "UTC",
)
WEEKDAYS = frozenset(range(5))


def rss_mb(field: str = "VmRSS") -> float:
    """Return this process's resident memory (or its peak, with ``VmHWM``) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def make_subscribers(count: int, seed: int = 7) -> tuple[list[ChatProfile], list[Reminder]]:
    """Return ``count`` realistic profiles with 1-2 reminders each (10% groups)."""
    rng = random.Random(seed)
    today = date(2026, 5, 1)
    profiles: list[ChatProfile] = []
    reminders: list[Reminder] = []
    for n in range(count):
        is_group = n % 10 == 0
        chat_id = -1_001_000_000_000 - n if is_group else 100_000_000 + n * 13
        tz = rng.choice(ZONES)
        studied = tuple(
            (today - timedelta(days=d)).isoformat() for d in range(rng.randint(0, 10), 0, -1)
        )
        profiles.append(
            ChatProfile(chat_id, is_group=is_group, tz=tz, step=rng.randint(1, 8), studied=studied)
        )
        for k in range(rng.randint(1, 2)):
            fired = datetime(2026, 4, 30, rng.randint(0, 23), tzinfo=UTC).isoformat()
            reminders.append(
                Reminder(
                    id=f"r{n:x}{k}",
                    chat_id=chat_id,
                    hour=rng.randint(6, 21),
                    minute=rng.choice((0, 15, 30, 45)),
                    days=WEEKDAYS if k == 0 else frozenset({5, 6}),
                    tz=tz,
                    last_fired=fired if rng.random() < 0.8 else None,
                )
            )
    return profiles, reminders


def build(data_dir: Path, subscribers: int, shards: int) -> None:
    """Write the data set with the repository's bulk path."""
    profiles, reminders = make_subscribers(subscribers)
    started = time.perf_counter()
    with Repository.open(data_dir, shards) as repository:
        repository.bulk_load(profiles, reminders)
    elapsed = time.perf_counter() - started
    size = sum(path.stat().st_size for path in data_dir.iterdir()) / 1e6
    print(f"built {subscribers:,} subscribers, {len(reminders):,} reminders in {elapsed:.2f} s")
    print(f"data on disk: {size:.1f} MB in {shards} shards")


def fsync_floor(directory: Path, size: int, count: int = 200) -> list[float]:
    """Time bare temp-write + fsync + rename + directory fsync, the floor of a durable change."""
    payload = b"x" * size
    samples = []
    for n in range(count):
        started = time.perf_counter()
        temp = directory / f".floor{n % 8}.tmp"
        with temp.open("wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, directory / f"floor{n % 8}.bin")
        fd = os.open(directory, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
        samples.append(time.perf_counter() - started)
    return samples


def percentiles(samples: list[float]) -> str:
    """Format p50/p99/max of durations given in seconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"p50 {statistics.median(ordered) * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms, "
        f"max {ordered[-1] * 1e3:.2f} ms"
    )


Change = tuple[str, str, tuple[object, ...]]  # (kind, repository method, arguments)


def change_plan(reminders: list[Reminder], count: int, seed: int) -> list[Change]:
    """Return ``count`` single changes on random chats: add, put, profile and delete in turn."""
    rng = random.Random(seed)
    plan: list[Change] = []
    for n, reminder in enumerate(rng.sample(reminders, count)):
        kind = ("add", "put", "profile", "delete")[n % 4]
        if kind == "add":
            # minute 1 with a topic: never the same schedule as a stored reminder
            extra = Reminder(
                f"b{seed}-{n}", reminder.chat_id, 7, 1, WEEKDAYS, reminder.tz, thread_id=n
            )
            plan.append((kind, "add_reminder", (extra,)))
        elif kind == "put":
            fired = "2026-05-01T07:00:00+00:00"
            plan.append((kind, "record_fired", (reminder.key, reminder.id, fired)))
        elif kind == "profile":
            profile = ChatProfile(reminder.chat_id, tz=reminder.tz, step=3)
            plan.append((kind, "put_profile", (profile,)))
        else:
            plan.append((kind, "delete_reminder", (reminder.key, reminder.id)))
    return plan


def measure_sync(data_dir: Path) -> list[Reminder]:
    """Print load time, memory and single-change latency; return the loaded reminders."""
    gc.collect()
    baseline = rss_mb()
    started = time.perf_counter()
    cpu_started = time.process_time()
    repository = Repository.open(data_dir)
    profiles, reminders = repository.load_all()
    load_seconds = time.perf_counter() - started
    load_cpu = time.process_time() - cpu_started
    print(
        f"open + load_all: {load_seconds:.3f} s wall, {load_cpu:.3f} s CPU "
        f"({len(profiles):,} profiles, {len(reminders):,} reminders)"
    )
    print(
        f"RSS growth with all records held + shard cache: {rss_mb() - baseline:.1f} MB "
        f"(peak growth {rss_mb('VmHWM') - baseline:.1f} MB)"
    )
    started = time.perf_counter()
    gc.collect()
    frozen_ms = (time.perf_counter() - started) * 1e3
    gc.unfreeze()
    started = time.perf_counter()
    gc.collect()
    unfrozen_ms = (time.perf_counter() - started) * 1e3
    gc.freeze()
    print(
        f"full gc.collect(): {frozen_ms:.1f} ms with the records frozen by load_all, "
        f"{unfrozen_ms:.1f} ms if they were not"
    )

    timings: dict[str, list[float]] = {}
    for kind, method, arguments in change_plan(reminders, 1000, seed=1):
        started = time.perf_counter()
        getattr(repository, method)(*arguments)
        timings.setdefault(kind, []).append(time.perf_counter() - started)
    every = [sample for samples in timings.values() for sample in samples]
    print(f"1,000 single durable changes: {percentiles(every)}")
    shard_size = statistics.median(path.stat().st_size for path in data_dir.glob("shard-*"))
    with tempfile.TemporaryDirectory(dir=data_dir.parent) as floor_dir:
        floor = fsync_floor(Path(floor_dir), int(shard_size))
    print(f"  (disk floor now, bare write+fsync+rename+dir fsync: {percentiles(floor)})")
    for kind, samples in timings.items():
        print(f"  {kind:8} {percentiles(samples)}")
    started = time.perf_counter()
    counts = repository.counts()
    print(f"counts() {counts} in {(time.perf_counter() - started) * 1e3:.1f} ms")
    repository.close()
    return reminders


async def measure_async(data_dir: Path, reminders: list[Reminder]) -> None:
    """Print the longest event-loop gap while AsyncRepository works."""
    stop = asyncio.Event()
    gaps: list[float] = []

    async def ticker() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            gaps.append(time.perf_counter() - started - 0.001)

    async def idle() -> None:
        await asyncio.sleep(0.5)

    async def run_with_ticker(label: str, work: Callable[[], Awaitable[object]]) -> object:
        stop.clear()
        gaps.clear()
        tick = asyncio.create_task(ticker())
        started = time.perf_counter()
        # Keep the result until the ticker stops: freeing 250,000 records is not a storage stall.
        result = await work()
        elapsed = time.perf_counter() - started
        stop.set()
        await tick
        print(
            f"{label}: {elapsed:.2f} s, longest loop stall {max(gaps) * 1e3:.2f} ms "
            f"(p99 {sorted(gaps)[int(len(gaps) * 0.99)] * 1e3:.2f} ms)"
        )
        return result

    await run_with_ticker("idle loop, 0.5 s (baseline)", idle)
    repository = await AsyncRepository.open(data_dir)
    await run_with_ticker("AsyncRepository.load_schedule (start-up)", repository.load_schedule)

    async def changes() -> None:
        for _kind, method, arguments in change_plan(reminders, 1000, seed=2):
            await getattr(repository, method)(*arguments)

    await run_with_ticker("1,000 changes through AsyncRepository", changes)
    await repository.close()


def main() -> None:
    """Build the data set in a child process, then measure in this one."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--shards", type=int, default=DEFAULT_SHARDS)
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.build, args.subscribers, args.shards)
        return
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as temp:
        data_dir = Path(temp) / "data"
        command = [sys.executable, "-m", "bench.bench_storage", "--build", str(data_dir)]
        options = ["--subscribers", str(args.subscribers), "--shards", str(args.shards)]
        subprocess.run([*command, *options], check=True, cwd=REPO_ROOT)
        reminders = measure_sync(data_dir)
        asyncio.run(measure_async(data_dir, reminders))


if __name__ == "__main__":
    main()
