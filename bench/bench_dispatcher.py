"""Dispatcher and outbox figures: index build time and memory, and fan-out at 30 msg/s.

Run: python bench/bench_dispatcher.py [--reminders 100000] [--jobs 2000] [--latency 0.05]
     [--fail-rate 0.01] [--skip-fanout]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import resource
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiolimiter import AsyncLimiter

from bot.delivery_errors import RetryAfter, TransientError
from bot.dispatcher import ReminderDispatcher
from bot.outbox import Job, Outbox
from storage.records import Reminder

NextOccurrence = Callable[[int, int, frozenset[int], str, datetime], datetime]

ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Phoenix",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Manila",
    "Australia/Sydney",
]
DAY_PATTERNS = [frozenset(range(7)), frozenset(range(5)), frozenset({5, 6})]


def fallback_next_occurrence(
    hour: int, minute: int, days: Iterable[int], tz: str, after: datetime
) -> datetime:
    """A plain zoneinfo next occurrence (used when bot.schedule is missing)."""
    zone = ZoneInfo(tz)
    allowed = frozenset(days)
    day = after.astimezone(zone).date() - timedelta(days=1)
    for _ in range(10):
        if day.weekday() in allowed:
            instant = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
            instant = instant.astimezone(UTC)
            if instant > after:
                return instant
        day += timedelta(days=1)
    raise RuntimeError("no occurrence found")


def pick_next_occurrence() -> tuple[NextOccurrence, str]:
    """Prefer the project's schedule maths; fall back to the simple version above."""
    try:
        from bot.schedule import next_occurrence
    except ImportError:
        return fallback_next_occurrence, "bench fallback (zoneinfo)"
    return next_occurrence, "bot.schedule.next_occurrence"


class Counted:
    """Wraps next_occurrence to count calls."""

    def __init__(self, inner: NextOccurrence) -> None:
        self.inner = inner
        self.calls = 0

    def __call__(
        self, hour: int, minute: int, days: frozenset[int], tz: str, after: datetime
    ) -> datetime:
        self.calls += 1
        return self.inner(hour, minute, days, tz, after)


def rss_mb() -> float:
    """Current resident set size in MB (peak RSS where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def realistic_reminders(count: int, now: datetime, schedule: NextOccurrence) -> list[Reminder]:
    """Reminders on 5-minute marks, 10 zones, 3 day patterns; 80% already fired last time."""
    rng = random.Random(42)
    last_by_slot: dict[tuple[int, int, int, str], str] = {}
    reminders = []
    for index in range(count):
        hour, minute = rng.randrange(6, 23), rng.randrange(0, 60, 5)
        pattern, tz = rng.randrange(3), rng.choice(ZONES)
        slot = (hour, minute, pattern, tz)
        if slot not in last_by_slot:
            days = DAY_PATTERNS[pattern]
            moment = schedule(hour, minute, days, tz, now - timedelta(days=8))
            while (following := schedule(hour, minute, days, tz, moment)) <= now:
                moment = following
            last_by_slot[slot] = moment.isoformat()
        reminders.append(
            Reminder(
                id=f"r{index}",
                chat_id=1_000_000 + index // 2,
                hour=hour,
                minute=minute,
                days=DAY_PATTERNS[pattern],
                tz=tz,
                last_fired=last_by_slot[slot] if rng.random() < 0.8 else None,
            )
        )
    return reminders


async def _ignore(job: Job) -> None:
    return None


def bench_index(count: int) -> None:
    """Build the index for ``count`` reminders; print time, schedule calls and memory."""
    inner, source = pick_next_occurrence()
    now = datetime.now(UTC)
    reminders = realistic_reminders(count, now, inner)
    slots = len({(r.hour, r.minute, r.days, r.tz) for r in reminders})
    print(f"index: {count:,} reminders, {slots:,} distinct slots, schedule = {source}")

    gc.collect()
    rss_before = rss_mb()
    schedule = Counted(inner)
    dispatcher = ReminderDispatcher(schedule, _ignore, now=lambda: now)
    started = time.perf_counter()
    dispatcher.load(reminders)
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    missed = dispatcher.due(now)
    due_seconds = time.perf_counter() - started
    gc.collect()
    rss_after = rss_mb()
    print(f"  load():            {build_seconds * 1000:8.1f} ms  (target well under 1000 ms)")
    print(f"  next_occurrence:   {schedule.calls:8,} calls  ({count / schedule.calls:.0f}x fewer)")
    print(f"  first due() pass:  {due_seconds * 1000:8.1f} ms, {len(missed):,} within grace")
    print(f"  RSS growth:        {rss_after - rss_before:8.1f} MB")

    started = time.perf_counter()
    dispatcher.remove_chat(reminders[count // 2].chat_id)
    print(f"  remove_chat():     {(time.perf_counter() - started) * 1000:8.1f} ms (full scan)")
    started = time.perf_counter()
    for reminder, occurrence in missed:
        dispatcher.mark_sent(Job(reminder.chat_id, reminder.id, occurrence))
    if missed:
        per_op = (time.perf_counter() - started) / len(missed) * 1e6
        print(f"  mark_sent():       {per_op:8.1f} µs each")
    del dispatcher

    tracemalloc.start()
    dispatcher = ReminderDispatcher(inner, _ignore, now=lambda: now)
    dispatcher.load(reminders)
    retained, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  index allocations: {retained / 2**20:8.1f} MB  ({retained / count:.0f} B/reminder)")


async def bench_fanout(jobs: int, latency: float, fail_rate: float) -> bool:
    """Send ``jobs`` reminders due in the same minute through a 30/s limiter; print the rate."""
    rng = random.Random(7)
    limiter = AsyncLimiter(30, 1)
    delivered: Counter[Job] = Counter()
    sent_at: list[float] = []
    attempts = 0
    all_delivered = asyncio.Event()
    now = datetime.now(UTC)

    async def send(job: Job) -> None:
        nonlocal attempts
        async with limiter:
            attempts += 1
            await asyncio.sleep(latency)
            roll = rng.random()
            if roll < fail_rate * 0.8:
                raise TransientError("502 Bad Gateway")
            if roll < fail_rate:
                raise RetryAfter(0.2)
        delivered[job] += 1
        sent_at.append(time.perf_counter())
        if len(delivered) == jobs:
            all_delivered.set()

    dispatcher: ReminderDispatcher

    async def on_sent(job: Job) -> None:
        dispatcher.mark_sent(job)

    async def on_failed(job: Job, exc: BaseException) -> None:
        dispatcher.mark_failed(job)

    outbox = Outbox(
        send,
        on_sent=on_sent,
        on_failed=on_failed,
        backoff_base=0.2,
        max_attempts=2,  # low on purpose so some jobs go back to the dispatcher for a retry
    )
    dispatcher = ReminderDispatcher(
        fallback_next_occurrence,
        outbox.submit,
        retry_delay=timedelta(seconds=1),
        max_sleep=1.0,
    )
    due_now = now.replace(second=0, microsecond=0)
    dispatcher.load(
        Reminder(f"r{i}", 5_000_000 + i, due_now.hour, due_now.minute, DAY_PATTERNS[0], "UTC")
        for i in range(jobs)
    )
    print(
        f"fan-out: {jobs:,} reminders due at {due_now:%H:%M} UTC, limiter 30/s, "
        f"latency {latency * 1000:.0f} ms, injected failure rate {fail_rate:.1%}"
    )
    started = time.perf_counter()
    outbox.start()
    runner = asyncio.create_task(dispatcher.run())
    try:
        await asyncio.wait_for(all_delivered.wait(), jobs / 30 * 2 + 30)
    except TimeoutError:
        print("  timed out before every job was delivered")
    elapsed = time.perf_counter() - started
    dispatcher.stop()
    await runner
    await outbox.stop(drain=True, drain_timeout=5)

    lost = jobs - len(delivered)
    duplicates = sum(delivered.values()) - len(delivered)
    rate = len(delivered) / elapsed
    burst = min(30, len(sent_at) - 1)
    steady = 0.0
    if len(sent_at) > 60:
        steady = (len(sent_at) - 1 - burst) / (sent_at[-1] - sent_at[burst])
    stats = outbox.stats
    print(f"  elapsed:           {elapsed:8.1f} s")
    print(f"  delivered rate:    {rate:8.2f} msg/s  ({rate / 30:.1%} of 30/s, incl. start burst)")
    print(f"  steady rate:       {steady:8.2f} msg/s  ({steady / 30:.1%} of 30/s, after burst)")
    print(f"  attempts rate:     {attempts / elapsed:8.2f} /s  ({attempts:,} attempts)")
    print(
        f"  outbox:            sent {stats.sent:,}, retried {stats.retried:,}, "
        f"gave up {stats.failed:,} (re-queued by the dispatcher), unreachable {stats.unreachable}"
    )
    print(f"  lost:              {lost:8}")
    print(f"  duplicates:        {duplicates:8}")
    return lost == 0 and duplicates == 0 and steady >= 0.95 * 30 * (1 - fail_rate)


def main() -> None:
    """Parse flags and run the benches."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=2_000, help="10000 takes about 6 minutes")
    parser.add_argument("--latency", type=float, default=0.05, help="fake send latency (s)")
    parser.add_argument("--fail-rate", type=float, default=0.01)
    parser.add_argument("--skip-fanout", action="store_true")
    args = parser.parse_args()
    bench_index(args.reminders)
    if not args.skip_fanout:
        ok = asyncio.run(bench_fanout(args.jobs, args.latency, args.fail_rate))
        print("fan-out:", "OK" if ok else "BELOW TARGET")
        raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
