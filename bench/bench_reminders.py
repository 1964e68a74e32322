"""Study-reminder targets on the real bot polling the fake Bot API server over HTTP.

Scale (--subscribers stored): start-up, memory above an empty bot, /remind latency, loop
stalls. Fan-out: --nudges reminders due in one minute, the fake enforcing 30 messages/second.
Prints figures beside their targets; asserts nothing about timing.
Run from the repository root: python bench/bench_reminders.py [--nudges 10000] [--skip-scale]
"""

# ruff: noqa: E402
from __future__ import annotations

import argparse
import asyncio
import gc
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import build_application, running
from bot.dispatcher import ReminderDispatcher
from bot.reminders import ReminderService
from bot.schedule import EVERY_DAY, WEEKDAYS, ReminderSpec, occurrences_between
from bot.simulator import RateLimits, SimChat, SimulatorTimeout, SimUser
from handlers.common import SERVICES_KEY
from storage.async_repository import AsyncRepository
from storage.records import ChatProfile, Reminder
from storage.repository import Repository
from tests.conftest import FakeClock, settings_for
from tests.fakeapi.server import FakeBotApiServer

FIRST_CHAT = 100_000_000
ZONES = (
    "America/New_York America/Chicago America/Denver America/Los_Angeles Europe/London "
    "Europe/Berlin Asia/Kolkata Asia/Manila Australia/Sydney UTC"
).split()
DAY_SETS = (EVERY_DAY, WEEKDAYS, frozenset({0, 2, 4}), frozenset({1, 3}), frozenset({5, 6}))
Window = tuple[float, float]  # perf_counter start, end


def show(label: str, figures: str, value: float = 0.0, limit: float | None = None) -> None:
    """Print one figure line, with its verdict when it has a target."""
    verdict = "met" if value <= (limit or 0) else "MISSED"
    print(f"{label} {figures}" + ("" if limit is None else f"  [target <= {limit:g}: {verdict}]"))


def rss_mb() -> float:
    """This process's resident memory in MB."""
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def spread_ms(samples: list[float]) -> tuple[float, float, float]:
    """p50, p99 and max of durations given in seconds, in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return ordered[len(ordered) // 2] * 1e3, p99 * 1e3, ordered[-1] * 1e3


def subscribers(count: int, now: datetime) -> tuple[list[ChatProfile], list[Reminder]]:
    """Profiles with 1-2 reminders each on 5-minute marks; 85% fired at their last occurrence."""
    rng = random.Random(7)
    last: dict[tuple[int, int, frozenset[int], str], str] = {}
    profiles, reminders = [], []
    for n in range(count):
        chat_id, tz = FIRST_CHAT + n, rng.choice(ZONES)
        profiles.append(ChatProfile(chat_id, tz=tz, step=rng.randint(1, 4)))
        for k in range(rng.choice((1, 1, 2))):
            slot = (rng.randrange(6, 23), rng.randrange(0, 60, 5), rng.choice(DAY_SETS), tz)
            if slot not in last:
                past = occurrences_between(*slot, now - timedelta(days=8), now)
                last[slot] = past[-1].isoformat()
            fired = last[slot] if rng.random() < 0.85 else None
            reminders.append(Reminder(f"s{n:x}k{k}", chat_id, *slot, last_fired=fired))
    return profiles, reminders


def build(data_dir: Path, count: int) -> None:
    """Write ``count`` subscribers with the repository's bulk path."""
    profiles, reminders = subscribers(count, datetime.now(UTC))
    started = time.perf_counter()
    with Repository.open(data_dir) as repository:
        repository.bulk_load(profiles, reminders)
    took = time.perf_counter() - started
    print(f"built {count:,} subscribers, {len(reminders):,} reminders in {took:.1f} s")


@asynccontextmanager
async def stall_meter() -> AsyncIterator[list[Window]]:
    """Yield the loop stalls over 2 ms seen by a task that sleeps 1 ms at a time."""
    stalls: list[Window] = []

    async def tick() -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            if time.perf_counter() - started > 0.003:
                stalls.append((started + 0.001, time.perf_counter()))

    task = asyncio.create_task(tick())
    await asyncio.sleep(0)
    try:
        yield stalls
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def worst_stall_ms(stalls: list[Window], window: Window = (0.0, float("inf"))) -> float:
    """The longest part of one stall that falls inside ``window``, in ms."""
    parts = [min(end, window[1]) - max(start, window[0]) for start, end in stalls]
    return max([0.0, *parts]) * 1e3


def record_phases(marks: dict[str, Window]) -> None:
    """Time the storage load and the index build inside the real start-up (bench wrappers)."""
    load_all, load = AsyncRepository.load_all, ReminderDispatcher.load

    async def timed_load_all(self: AsyncRepository) -> tuple[list[ChatProfile], list[Reminder]]:
        started = time.perf_counter()
        result = await load_all(self)
        marks["storage load (worker thread)"] = (started, time.perf_counter())
        return result

    def timed_load(self: ReminderDispatcher, reminders: list[Reminder]) -> None:
        started = time.perf_counter()
        load(self, reminders)
        marks["index build (event loop)"] = (started, time.perf_counter())

    AsyncRepository.load_all = timed_load_all  # type: ignore[method-assign]
    ReminderDispatcher.load = timed_load  # type: ignore[method-assign,assignment]


async def measure_scale(data_dir: Path, count: int) -> None:
    """Targets 1, 3 and 4 with ``count`` subscribers stored."""
    marks: dict[str, Window] = {}
    record_phases(marks)
    async with FakeBotApiServer() as server, stall_meter() as stalls:
        app = build_application(settings_for(server, data_dir))
        started = time.perf_counter()
        async with running(app, poll_timeout=1):
            ready = marks["index build (event loop)"][1]  # post_init ends just after it
            await asyncio.sleep(0.2)  # the dispatcher's first pass shows in the meter too
            took = ready - started
            show("\n[1] start-up, running() entered to post_init done:", f"{took:.2f} s", took, 2)
            for phase, window in marks.items():
                stall = worst_stall_ms(stalls, window)
                print(f"    {phase} {window[1] - window[0]:.2f} s, loop stall {stall:.1f} ms")
            stall = worst_stall_ms(stalls, (started, ready + 0.2))
            show("[4] longest loop stall in start-up:", f"{stall:.1f} ms", stall, 20)
            await measure_changes(app.bot_data[SERVICES_KEY].reminders, count, server)


async def measure_changes(service: ReminderService, count: int, server: FakeBotApiServer) -> None:
    """Time 1,000 ReminderService.add calls (with a stall meter) and 200 /remind round trips."""
    chats = random.Random(3).sample(range(FIRST_CHAT, FIRST_CHAT + count), min(1000, count))
    spec = ReminderSpec(7, 30, WEEKDAYS, "America/Chicago")
    samples = []
    async with stall_meter() as stalls:
        for chat_id in chats:
            started = time.perf_counter()
            await service.add(chat_id, spec)
            samples.append(time.perf_counter() - started)
    p50, p99, most = spread_ms(samples)
    figures = f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {most:.2f} ms"
    show(f"[3] {len(samples):,} ReminderService.add:", figures, p99, 10)
    stall = worst_stall_ms(stalls)
    show("[4] longest loop stall during the adds:", f"{stall:.1f} ms", stall, 20)
    samples, confirmed = [], 0
    for n in range(200):
        user = SimUser(900_000_000 + n, f"Learner{n}")
        started = time.perf_counter()
        server.sim.send_text(SimChat.private(user), user, "/remind 19:30 daily UTC")
        reply = await server.sim.next_message(user.id, timeout=10)
        samples.append(time.perf_counter() - started)
        confirmed += "Reminder set" in reply.plain_text
    p50, p99, most = spread_ms(samples)
    figures = f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {most:.1f} ms, {confirmed} confirmed"
    show("    200 /remind round trips over HTTP (reference):", figures)


async def print_rss_after_start(data_dir: Path) -> None:
    """Start the bot (and the fake server) on ``data_dir``; print RSS in MB after a collection."""
    async with FakeBotApiServer() as server:
        async with running(build_application(settings_for(server, data_dir)), poll_timeout=1):
            gc.collect()
            print(f"{rss_mb():.1f}")


def child(mode: str, data_dir: Path, *options: str) -> str:
    """Run this script in a fresh process in ``mode``; return its output."""
    command = [sys.executable, __file__, "--child", mode, "--data", str(data_dir), *options]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


async def measure_fanout(nudges: int) -> None:
    """Target 5: ``nudges`` private chats due at the same minute, fake enforcing 30 msg/s."""
    limits = RateLimits(global_per_second=30, per_chat_per_second=1, per_group_per_minute=20)
    clock = FakeClock()
    due = clock().replace(second=0, microsecond=0) + timedelta(minutes=2)
    ids = range(300_000_000, 300_000_000 + nudges)
    fired = (due - timedelta(days=1)).isoformat()
    reminders = [
        Reminder(f"f{i}", i, due.hour, due.minute, EVERY_DAY, "UTC", True, fired) for i in ids
    ]
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as temp:
        data_dir = Path(temp) / "data"
        with Repository.open(data_dir) as repository:
            repository.bulk_load([ChatProfile(i, tz="UTC") for i in ids], reminders)
        async with FakeBotApiServer(limits=limits) as server:
            sim = server.sim
            for i in ids:
                sim.world.add(SimChat.private(SimUser(i, f"U{i}")))
            app = build_application(settings_for(server, data_dir), clock=clock)
            async with running(app, poll_timeout=1):
                service = app.bot_data[SERVICES_KEY].reminders
                clock.offset += due - clock() - timedelta(seconds=1)
                service.dispatcher.wake()
                due_at = time.monotonic() + 1
                counts: Counter[int] = Counter()
                seen = 0

                def all_delivered() -> bool:
                    nonlocal seen
                    counts.update(m.chat_id for m in sim.sent[seen:] if m.chat_id in ids)
                    seen = len(sim.sent)
                    return len(counts) >= nudges

                with suppress(SimulatorTimeout):
                    await sim.wait_for(all_delivered, timeout=nudges / 30 * 2 + 30)
                await asyncio.sleep(3)  # late duplicates would arrive in this time
                all_delivered()
                stats = service.outbox.stats
    steady = sim.sends_per_second()[1:-1] or sim.sends_per_second()
    rate = sum(steady) / max(1, len(steady))
    times = sim.rate.send_times
    status = Counter(call.status for call in sim.calls if call.method == "sendMessage")
    lost, dupes = nudges - len(counts), sum(1 for n in counts.values() if n > 1)
    print(f"\n[5] fan-out of {nudges:,} nudges due in one minute, fake enforcing 30 msg/s")
    print(f"    delivered {len(counts):,} chats; first {times[0] - due_at:+.2f} s, last "
          f"{times[-1] - due_at:+.1f} s after due (ideal {nudges / 30:.1f} s)")  # fmt: skip
    print(f"    steady rate {rate:.1f} msg/s = {rate / 30:.0%} of 30, over {len(steady)} s")
    print(f"    lost {lost}, duplicates {dupes}, 429s {status.get(429, 0)}, "
          f"sendMessage statuses {dict(status)}\n    {stats}")  # fmt: skip


def main() -> None:
    """Parse options and run the parts asked for."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--nudges", type=int, default=2000)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-fanout", action="store_true")
    parser.add_argument("--child", choices=("build", "rss"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "build":
        return build(args.data, args.subscribers)
    if args.child == "rss":
        return asyncio.run(print_rss_after_start(args.data))
    if not args.skip_scale:
        with tempfile.TemporaryDirectory(prefix="bench-reminders-") as temp:
            data_dir = Path(temp) / "data"
            print(child("build", data_dir, "--subscribers", str(args.subscribers)), end="")
            empty = float(child("rss", Path(temp) / "empty"))
            loaded = float(child("rss", data_dir))
            figures = f"{loaded:.1f} MB - {empty:.1f} MB (empty bot) = {loaded - empty:.1f} MB"
            show(f"\n[2] RSS with {args.subscribers:,} subscribers:", figures, loaded - empty, 100)
            asyncio.run(measure_scale(data_dir, args.subscribers))
    if not args.skip_fanout:
        asyncio.run(measure_fanout(args.nudges))


if __name__ == "__main__":
    main()
