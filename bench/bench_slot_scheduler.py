"""SlotScheduler (APScheduler, one job per slot): load, arming, memory, upserts and one fire.

For each data set: load time, the time run() takes to put every slot job into APScheduler
(and the longest event-loop stall meanwhile), memory allocated by the engine (tracemalloc,
input records excluded) and RSS growth, plus a single-reminder upsert and one big slot's fire.

Run: python bench/bench_slot_scheduler.py [--reminders 133000] [--fire 10000] [--gc-freeze]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.outbox import Job
from bot.slot_scheduler import SlotScheduler
from bot.slot_times import SlotTrigger, slot_key
from storage.records import Reminder

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
PATTERNS = [frozenset(range(7)), frozenset(range(5)), frozenset({5, 6})]
Slot = tuple[int, int, frozenset[int], str]


def rss_mb() -> float:
    """This process's resident memory in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def realistic_slots() -> list[Slot]:
    """The bench's 6,120 slots: 5-minute marks 06:00-22:55, 3 day patterns, 10 zones."""
    return [
        (hour, minute, days, tz)
        for hour in range(6, 23)
        for minute in range(0, 60, 5)
        for days in PATTERNS
        for tz in ZONES
    ]


def adversarial_slots(count: int) -> list[Slot]:
    """``count`` distinct slots: any minute of the day, any non-empty day set, 10 zones."""
    rng = random.Random(11)
    seen: set[Slot] = set()
    while len(seen) < count:
        days = frozenset(d for d in range(7) if rng.random() < 0.5) or frozenset({0})
        seen.add((rng.randrange(24), rng.randrange(60), days, rng.choice(ZONES)))
    return sorted(seen, key=lambda s: (s[0], s[1], sorted(s[2]), s[3]))


def reminders_for(slots: list[Slot], count: int, now: datetime) -> list[Reminder]:
    """``count`` reminders over ``slots`` (each slot used), 85% fired at the last occurrence."""
    rng = random.Random(7)
    last: dict[Slot, str] = {}
    result = []
    for index in range(count):
        slot = slots[index] if index < len(slots) else rng.choice(slots)
        if slot not in last:
            moment = SlotTrigger(slot_key(*slot)).previous_before(now)
            last[slot] = moment.isoformat() if moment else ""
        fired = (last[slot] or None) if rng.random() < 0.85 else None
        result.append(Reminder(f"r{index}", 1_000_000 + index * 3 // 4, *slot, last_fired=fired))
    return result


async def _ignore(job: Job) -> None:
    return None


async def stall_meter(stalls: list[float]) -> None:
    """Record how late each 1 ms sleep wakes (the event loop's stalls), in seconds."""
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        await asyncio.sleep(0.001)
        stalls.append(loop.time() - started - 0.001)


async def start_engine(reminders: list[Reminder]) -> tuple[SlotScheduler, asyncio.Task[None]]:
    """Load (worker thread) and start an engine on real time; wait for every slot job."""
    engine = SlotScheduler(_ignore)
    await asyncio.to_thread(engine.load, reminders)
    runner = asyncio.create_task(engine.run())
    await engine.wait_running()
    return engine, runner


async def bench_new(reminders: list[Reminder], freeze: bool) -> dict[str, float]:
    """Load and start a SlotScheduler (real time); return its figures.

    ``freeze``: call ``gc.freeze()`` after load, as the owner may, so the full collections
    that adding thousands of jobs triggers skip the loaded records.
    """
    figures: dict[str, float] = {}
    engine = SlotScheduler(_ignore)
    stalls: list[float] = []
    meter = asyncio.create_task(stall_meter(stalls))
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    await asyncio.to_thread(engine.load, reminders)
    figures["load"] = time.perf_counter() - started
    figures["load_stall"] = max(stalls, default=0.0)
    if freeze:
        gc.freeze()
    stalls.clear()
    started = time.perf_counter()
    runner = asyncio.create_task(engine.run())
    await engine.wait_running()
    figures["start"] = time.perf_counter() - started
    figures["stall"] = max(stalls, default=0.0)
    figures["slots"] = engine.slot_count
    figures["jobs"] = len(engine.scheduler.get_jobs())
    samples = []
    for n in range(1000):
        reminder = Reminder(f"new{n}", 5_000_000 + n, 7, 30, PATTERNS[1], "America/Chicago")
        t0 = time.perf_counter()
        engine.upsert(reminder)
        samples.append(time.perf_counter() - t0)
    samples.sort()
    figures["upsert_p50"] = samples[len(samples) // 2]
    figures["upsert_max"] = samples[-1]
    t0 = time.perf_counter()
    engine.upsert(Reminder("fresh-slot", 6_000_000, 3, 17, frozenset({2}), "Asia/Manila"))
    figures["upsert_new_slot"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine.remove_chat(reminders[len(reminders) // 2].key)
    figures["remove_chat"] = time.perf_counter() - t0
    meter.cancel()
    engine.stop()
    await runner
    del engine
    gc.unfreeze()
    gc.collect()
    rss = rss_mb()
    tracemalloc.start()
    engine, runner = await start_engine(reminders)
    traced, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    gc.collect()
    figures["traced"] = traced / 2**20
    figures["rss"] = rss_mb() - rss
    engine.stop()
    await runner
    return figures


async def bench_fire(count: int) -> tuple[float, float, int]:
    """Fire one slot of ``count`` reminders; return (seconds, worst loop stall, jobs)."""
    real = datetime.now(UTC)
    due = (real + timedelta(minutes=2)).replace(second=0, microsecond=0)
    shift = due - real - timedelta(seconds=0.2)  # the slot falls due 0.2 s from now

    def clock() -> datetime:
        return datetime.now(UTC) + shift

    submitted: list[Job] = []
    done = asyncio.Event()

    async def submit(job: Job) -> None:
        submitted.append(job)
        if len(submitted) == count:
            done.set()

    fired = (due - timedelta(days=1)).isoformat()
    engine = SlotScheduler(submit, clock=clock)
    engine.load(
        Reminder(f"f{i}", i, due.hour, due.minute, PATTERNS[0], "UTC", last_fired=fired)
        for i in range(count)
    )
    stalls: list[float] = []
    meter = asyncio.create_task(stall_meter(stalls))
    runner = asyncio.create_task(engine.run())
    await asyncio.sleep(0.1)
    stalls.clear()
    started = time.perf_counter()
    await asyncio.wait_for(done.wait(), 30)
    took = time.perf_counter() - started
    meter.cancel()
    engine.stop()
    await runner
    return took, max(stalls, default=0.0), len(submitted)


def show(label: str, new: dict[str, float]) -> None:
    """Print one data set's figures."""
    ms: Callable[[float], str] = lambda seconds: f"{seconds * 1000:8.1f} ms"  # noqa: E731
    total = new["load"] + new["start"]
    print(label)
    print(f"  SlotScheduler.load (worker thread): {ms(new['load'])}")
    print(f"  run() adds {int(new['jobs']):,} jobs:       {ms(new['start'])}")
    print(f"  load + schedule:                    {ms(total)}")
    print(f"  longest loop stall, load | adding:  {ms(new['load_stall'])} | {ms(new['stall'])}")
    print(f"  engine allocations (tracemalloc):   {new['traced']:8.1f} MB")
    print(f"  RSS growth:                         {new['rss']:8.1f} MB")
    print(
        f"  upsert into an existing slot:       p50 {new['upsert_p50'] * 1e6:.1f} µs, "
        f"max {new['upsert_max'] * 1e6:.1f} µs; new slot {new['upsert_new_slot'] * 1e6:.1f} µs"
    )
    print(f"  remove_chat:                        {new['remove_chat'] * 1e6:8.1f} µs")


async def main() -> None:
    """Parse flags and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=133_000)
    parser.add_argument("--adversarial-slots", type=int, default=20_000)
    parser.add_argument("--fire", type=int, default=10_000)
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() after load")
    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    for label, slots in (
        ("realistic", realistic_slots()),
        ("adversarial", adversarial_slots(args.adversarial_slots)),
    ):
        reminders = reminders_for(slots, args.reminders, now)
        distinct = len({(r.hour, r.minute, r.days, r.tz) for r in reminders})
        new = await bench_new(reminders, args.gc_freeze)
        show(f"\n{label}: {len(reminders):,} reminders in {distinct:,} slots", new)
    took, stall, sent = await bench_fire(args.fire)
    print(f"\nfire one slot of {args.fire:,}: {sent:,} jobs submitted in {took * 1000:.1f} ms,")
    print(f"  longest loop stall {stall * 1000:.1f} ms (target <= 20 ms)")


if __name__ == "__main__":
    asyncio.run(main())
