"""Study-reminder targets on the real bot polling the fake Bot API server over HTTP.

Scale, with --subscribers stored: start-up, memory above an empty bot, /remind latency and
event-loop stalls. Fan-out: --nudges reminders due in the same minute against a fake that
enforces Telegram's 30 messages/second. Prints figures; asserts nothing about timing.
Run from the repository root: python bench/bench_reminders.py [--subscribers 100000]
[--nudges 2000] [--skip-scale] [--skip-fanout]
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
Window = tuple[float, float]


def rss_mb() -> float:
    """This process's resident memory in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def spread(samples: list[float]) -> tuple[float, float, float]:
    """p50, p99 and max of durations in seconds, as milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return ordered[len(ordered) // 2] * 1e3, p99 * 1e3, ordered[-1] * 1e3


def verdict(value: float, limit: float) -> str:
    return "met" if value <= limit else "MISSED"


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
                last[slot] = occurrences_between(*slot, now - timedelta(days=8), now)[
                    -1
                ].isoformat()
            fired = last[slot] if rng.random() < 0.85 else None
            reminders.append(Reminder(f"s{n:x}k{k}", chat_id, *slot, last_fired=fired))
    return profiles, reminders


def build(data_dir: Path, count: int) -> None:
    """Write ``count`` subscribers with the repository's bulk path."""
    profiles, reminders = subscribers(count, datetime.now(UTC))
    started = time.perf_counter()
    with Repository.open(data_dir) as repository:
        repository.bulk_load(profiles, reminders)
    print(
        f"built {count:,} subscribers, {len(reminders):,} reminders in "
        f"{time.perf_counter() - started:.1f} s"
    )


@asynccontextmanager
async def stall_meter() -> AsyncIterator[list[Window]]:
    """Yield the loop stalls (start, end) over 2 ms seen by a task sleeping 1 ms at a time."""
    stalls: list[Window] = []

    async def tick() -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            if time.perf_counter() - started - 0.001 > 0.002:
                stalls.append((started, time.perf_counter()))

    task = asyncio.create_task(tick())
    await asyncio.sleep(0)
    try:
        yield stalls
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def worst_stall_ms(stalls: list[Window], window: Window = (0.0, float("inf"))) -> float:
    """The longest stall (ms, minus the 1 ms sleep) overlapping ``window``."""
    hits = [end - start - 0.001 for start, end in stalls if start < window[1] and end > window[0]]
    return max(hits, default=0.0) * 1e3


def record_phases(marks: dict[str, Window]) -> None:
    """Wrap storage load and index build (bench instrumentation only) to time them."""
    load_all, load = AsyncRepository.load_all, ReminderDispatcher.load

    async def timed_load_all(self: AsyncRepository) -> tuple[list[ChatProfile], list[Reminder]]:
        started = time.perf_counter()
        result = await load_all(self)
        marks["storage load"] = (started, time.perf_counter())
        return result

    def timed_load(self: ReminderDispatcher, reminders: object) -> None:
        started = time.perf_counter()
        load(self, reminders)  # type: ignore[arg-type]
        marks["index build"] = (started, time.perf_counter())

    AsyncRepository.load_all = timed_load_all  # type: ignore[method-assign]
    ReminderDispatcher.load = timed_load  # type: ignore[method-assign]


async def measure_scale(data_dir: Path, count: int) -> None:
    """Targets 1, 3 and 4 with ``count`` subscribers stored."""
    marks: dict[str, Window] = {}
    record_phases(marks)
    async with FakeBotApiServer() as server:
        app = build_application(settings_for(server, data_dir))
        post_init = app.post_init
        assert post_init is not None

        async def timed_post_init(application: object) -> None:
            await post_init(application)  # type: ignore[arg-type]
            marks["post_init"] = (entered, time.perf_counter())

        app.post_init = timed_post_init
        async with stall_meter() as stalls:
            entered = time.perf_counter()
            async with running(app, poll_timeout=1):
                await asyncio.sleep(0.2)  # let the dispatcher's first pass show in the meter
                start_stalls = list(stalls)
                total = marks["post_init"][1] - entered
                print(
                    f"\n[1] start-up to post_init done: {total:.2f} s "
                    f"(target <= 2 s: {verdict(total, 2)})"
                )
                for phase in ("storage load", "index build"):
                    start, end = marks[phase]
                    print(
                        f"    {phase}: {end - start:.2f} s, longest loop stall in it "
                        f"{worst_stall_ms(start_stalls, marks[phase]):.1f} ms"
                    )
                stall = worst_stall_ms(start_stalls)
                print(
                    f"[4] longest loop stall during start-up: {stall:.1f} ms (target <= 20 ms "
                    f"for storage: see the storage-load line)"
                )
                service = app.bot_data[SERVICES_KEY].reminders
                await measure_changes(service, count, server)


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
    p50, p99, most = spread(samples)
    print(
        f"[3] {len(samples):,} ReminderService.add: p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
        f"max {most:.2f} ms (target p99 <= 10 ms: {verdict(p99, 10)})"
    )
    stall = worst_stall_ms(stalls)
    print(
        f"[4] longest loop stall during the adds: {stall:.1f} ms "
        f"(target <= 20 ms: {verdict(stall, 20)})"
    )
    samples, confirmed = [], 0
    for n in range(200):
        user = SimUser(900_000_000 + n, f"Learner{n}")
        chat = SimChat.private(user)
        started = time.perf_counter()
        server.sim.send_text(chat, user, "/remind 19:30 daily UTC")
        reply = await server.sim.next_message(chat.id, timeout=10)
        samples.append(time.perf_counter() - started)
        confirmed += "Reminder set" in reply.plain_text
    p50, p99, most = spread(samples)
    print(
        f"    200 /remind round trips over HTTP: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"max {most:.1f} ms ({confirmed} confirmed; reference only)"
    )


async def rss_after_start(data_dir: Path) -> None:
    """Start the bot (and the fake server) on ``data_dir``; print RSS in MB after a collection."""
    async with FakeBotApiServer() as server:
        app = build_application(settings_for(server, data_dir))
        async with running(app, poll_timeout=1):
            gc.collect()
            print(f"{rss_mb():.1f}")


def child_rss(data_dir: Path) -> float:
    command = [sys.executable, __file__, "--child", "rss", "--data", str(data_dir)]
    result = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return float(result.stdout.split()[-1])


async def measure_fanout(nudges: int) -> None:
    """Target 5: ``nudges`` private chats due at the same minute, fake enforcing 30 msg/s."""
    limits = RateLimits(global_per_second=30, per_chat_per_second=1, per_group_per_minute=20)
    clock = FakeClock()
    due = clock().replace(second=0, microsecond=0) + timedelta(minutes=2)
    ids = range(300_000_000, 300_000_000 + nudges)
    yesterday = (due - timedelta(days=1)).isoformat()
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as temp:
        data_dir = Path(temp) / "data"
        with Repository.open(data_dir) as repository:
            repository.bulk_load(
                [ChatProfile(i, tz="UTC") for i in ids],
                [
                    Reminder(
                        f"f{i}", i, due.hour, due.minute, EVERY_DAY, "UTC", last_fired=yesterday
                    )
                    for i in ids
                ],
            )
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
                await asyncio.sleep(3)  # late duplicates would arrive now
                all_delivered()
                stats = service.outbox.stats
    per_second = sim.sends_per_second()
    steady = per_second[1:-1] or per_second
    rate = sum(steady) / max(1, len(steady))
    times = sim.rate.send_times
    status = Counter(c.status for c in sim.calls if c.method == "sendMessage")
    print(f"\n[5] fan-out of {nudges:,} nudges due in one minute (fake enforcing 30 msg/s)")
    print(
        f"    delivered {len(counts):,} distinct chats, first {times[0] - due_at:+.2f} s and "
        f"last {times[-1] - due_at:+.1f} s after due (ideal {nudges / 30:.1f} s)"
    )
    print(f"    steady rate {rate:.1f} msg/s = {rate / 30:.0%} of 30 over {len(steady)} s")
    lost, dupes = nudges - len(counts), sum(1 for c in counts.values() if c > 1)
    print(
        f"    lost {lost}, duplicates {dupes}, 429s returned {status.get(429, 0)}, "
        f"sendMessage statuses {dict(status)}, outbox {stats}"
    )


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
        return asyncio.run(rss_after_start(args.data))
    if not args.skip_scale:
        with tempfile.TemporaryDirectory(prefix="bench-reminders-") as temp:
            data_dir, empty_dir = Path(temp) / "data", Path(temp) / "empty"
            command = [sys.executable, __file__, "--child", "build", "--data", str(data_dir)]
            subprocess.run([*command, "--subscribers", str(args.subscribers)], check=True)
            empty, loaded = child_rss(empty_dir), child_rss(data_dir)
            print(
                f"\n[2] RSS empty bot {empty:.1f} MB, with {args.subscribers:,} subscribers "
                f"{loaded:.1f} MB: +{loaded - empty:.1f} MB "
                f"(target <= 100 MB: {verdict(loaded - empty, 100)})"
            )
            asyncio.run(measure_scale(data_dir, args.subscribers))
    if not args.skip_fanout:
        asyncio.run(measure_fanout(args.nudges))


if __name__ == "__main__":
    main()
