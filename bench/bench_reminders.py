"""Study-reminder targets on the real bot polling the fake Bot API server over HTTP: scale
(start-up to the first answer, memory, /remind latency, loop stalls) with --subscribers stored
in the current slot distribution (5-minute marks) or --slots adversarial (20,000 distinct
slots), and a fan-out of --nudges reminders due in one minute against a fake enforcing 30
messages/second."""

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
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.reminders import ReminderService
from bot.schedule import EVERY_DAY, WEEKDAYS, ReminderSpec
from bot.slot_scheduler import SlotScheduler
from bot.slot_times import SlotTrigger, slot_key
from handlers.telegram.common import SERVICES_KEY
from storage.records import ChatKey, ChatProfile, Reminder
from storage.repository import Repository
from tests.conftest import FakeClock, settings_for
from tests.fakeapi.server import FakeBotApiServer
from tests.fakeapi.simulator import RateLimits, SimChat, SimulatorTimeout, SimUser
from tests.harness import coach_running

FIRST_CHAT = 100_000_000
ZONES = "America/New_York America/Chicago America/Denver America/Los_Angeles UTC".split()
ZONES += "Europe/London Europe/Berlin Asia/Kolkata Asia/Manila Australia/Sydney".split()
DAY_SETS = (EVERY_DAY, WEEKDAYS, frozenset({0, 2, 4}), frozenset({1, 3}), frozenset({5, 6}))
Window = tuple[float, float]  # perf_counter start, end
INDEX = "SlotScheduler.load (worker thread)"
ADVERSARIAL_SLOTS = 20_000
PHASES: dict[str, Window] = {}
STALLS: list[Window] = []


def show(label: str, figures: str, value: float = 0.0, limit: float | None = None) -> None:
    """Print one figure line, with its verdict when it has a target."""
    verdict = "met" if value <= (limit or 0) else "MISSED"
    print(f"{label} {figures}" + ("" if limit is None else f"  [target <= {limit:g}: {verdict}]"))


def rss_mb() -> float:
    """This process's resident memory in MB."""
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def show_spread(label: str, samples: list[float], limit: float | None = None) -> None:
    """Print p50/p99/max of durations in seconds (as ms), judging p99 against ``limit``."""
    ms = sorted(sample * 1e3 for sample in samples)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    figures = f"p50 {ms[len(ms) // 2]:.2f} ms, p99 {p99:.2f} ms, max {ms[-1]:.2f} ms"
    show(label, figures, p99, limit)


def clock_at(instant: datetime) -> FakeClock:
    """A flowing clock that reads ``instant`` now."""
    clock = FakeClock()
    clock.offset = instant - clock()
    return clock


Slot = tuple[int, int, frozenset[int], str]


def adversarial_slots(rng: random.Random) -> list[Slot]:
    """20,000 distinct slots: any minute of the day, any non-empty day set, any bench zone."""
    seen: set[Slot] = set()
    while len(seen) < ADVERSARIAL_SLOTS:
        days = frozenset(d for d in range(7) if rng.random() < 0.5) or frozenset({0})
        seen.add((rng.randrange(24), rng.randrange(60), days, rng.choice(ZONES)))
    return sorted(seen, key=lambda s: (s[0], s[1], sorted(s[2]), s[3]))


def build(data_dir: Path, count: int, now: datetime, mode: str) -> None:
    """Store ``count`` profiles with 1-2 reminders each, 85% fired by ``now``.

    ``mode`` "current": 5-minute marks 06:00-22:55 in the profile's zone; "adversarial":
    the first reminders take each of 20,000 distinct slots once, the rest pick among them.
    """
    rng = random.Random(7)
    profiles: list[ChatProfile] = []
    reminders: list[Reminder] = []
    spread = adversarial_slots(random.Random(11)) if mode == "adversarial" else []
    last: dict[Slot, str] = {}
    for n in range(count):
        chat_id, tz = FIRST_CHAT + n, rng.choice(ZONES)
        profiles.append(ChatProfile(chat_id, tz=tz, step=rng.randint(1, 4)))
        for k in range(rng.choice((1, 1, 2))):
            if spread:
                slot = (
                    spread[len(reminders)] if len(reminders) < len(spread) else rng.choice(spread)
                )
            else:
                slot = (rng.randrange(6, 23), rng.randrange(0, 60, 5), rng.choice(DAY_SETS), tz)
            if slot not in last:
                previous = SlotTrigger(slot_key(*slot)).previous_before(now)
                assert previous is not None
                last[slot] = previous.isoformat()
            fired = last[slot] if rng.random() < 0.85 else None
            reminders.append(Reminder(f"s{n:x}k{k}", chat_id, *slot, last_fired=fired))
    with Repository.open(data_dir) as repository:
        repository.bulk_load(profiles, reminders)
    distinct = len({(r.hour, r.minute, r.days, r.tz) for r in reminders})
    print(f"stored {count:,} subscribers with {len(reminders):,} reminders in {distinct:,} slots")


async def record_stalls() -> None:
    """Record in STALLS how long the event loop overran each 1 ms sleep (start, end)."""
    while True:
        started = time.perf_counter()
        await asyncio.sleep(0.001)
        STALLS.append((started + 0.001, time.perf_counter()))


def worst_stall_ms(window: Window) -> float:
    """The longest part of one recorded stall that falls inside ``window``."""
    parts = [min(end, window[1]) - max(start, window[0]) for start, end in STALLS]
    return max([0.0, *parts]) * 1e3


def timed(label: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a function so each call records its (start, end) in PHASES[label]."""

    def wrapper(*args: Any) -> Any:
        started = time.perf_counter()
        result = original(*args)
        PHASES[label] = (started, time.perf_counter())
        return result

    return wrapper


async def measure_scale(data_dir: Path, count: int, now: datetime, limit: float) -> None:
    """Targets 1, 3 and 4 with ``count`` subscribers stored (start-up phases timed by wrappers)."""
    Repository.load_schedule = timed("storage load (worker thread)", Repository.load_schedule)  # type: ignore[method-assign]
    SlotScheduler.load = timed(INDEX, SlotScheduler.load)  # type: ignore[method-assign]
    first = SimUser(899_999_999, "First")
    async with FakeBotApiServer() as server:
        for chat_id in range(FIRST_CHAT, FIRST_CHAT + count):  # catch-up nudges get delivered
            server.sim.world.add(SimChat.private(SimUser(chat_id, "Learner")))
        server.sim.send_text(SimChat.private(first), first, "/help")  # waiting at start-up
        settings = settings_for(server, data_dir)
        ticker, started = asyncio.create_task(record_stalls()), time.perf_counter()
        async with coach_running(settings, clock=clock_at(now), poll_timeout=1) as app:
            await server.sim.next_message(first.id, timeout=60)
            took = time.perf_counter() - started  # storage, engine load, every job armed
            figures = f"{took:.2f} s"
            show(
                "\n[1] start-up, from opening the core to the first answer:", figures, took, limit
            )
            for phase, window in PHASES.items():
                stall = worst_stall_ms(window)
                print(f"    {phase}: {window[1] - window[0]:.2f} s, loop stall {stall:.1f} ms")
            stall = worst_stall_ms((started, time.perf_counter()))
            show("[4] longest loop stall in start-up:", f"{stall:.1f} ms", stall, 20)
            service = app.bot_data[SERVICES_KEY].reminders
            await asyncio.wait_for(service.outbox.join(), 300)
            print(f"    then {service.outbox.stats.sent} catch-up nudges (due within grace) sent")
            await measure_changes(service, count, server)
        ticker.cancel()


async def measure_changes(service: ReminderService, count: int, server: FakeBotApiServer) -> None:
    """Time 1,000 ReminderService.add calls (with a stall meter) and 200 /remind round trips."""
    chats = random.Random(3).sample(range(FIRST_CHAT, FIRST_CHAT + count), min(1000, count))
    samples, first = [], time.perf_counter()
    for chat_id in chats:
        started = time.perf_counter()
        await service.add(
            ChatKey("telegram", chat_id), ReminderSpec(7, 30, WEEKDAYS, "America/Chicago")
        )
        samples.append(time.perf_counter() - started)
    show_spread(f"[3] {len(samples):,} ReminderService.add:", samples, 10)
    stall = worst_stall_ms((first, time.perf_counter()))
    show("[4] longest loop stall during the adds:", f"{stall:.1f} ms", stall, 20)
    samples, confirmed = [], 0
    for n in range(200):
        user = SimUser(900_000_000 + n, f"Learner{n}")
        started = time.perf_counter()
        server.sim.send_text(SimChat.private(user), user, "/remind 19:30 daily UTC")
        reply = await server.sim.next_message(user.id, timeout=10)
        samples.append(time.perf_counter() - started)
        confirmed += "Reminder set" in reply.plain_text
    show_spread(f"    200 /remind round trips over HTTP ({confirmed} confirmed):", samples)


async def print_rss_after_start(data_dir: Path, now: datetime) -> None:
    """Start the bot (and the fake server) on ``data_dir``; print RSS in MB after a collection."""
    async with FakeBotApiServer() as server:
        settings = settings_for(server, data_dir)
        async with coach_running(settings, clock=clock_at(now), poll_timeout=1):
            gc.collect()
            print(rss_mb())


def child(mode: str, data_dir: Path, now: datetime, *options: str) -> str:
    """Run this script in a fresh process in ``mode``; return its output."""
    command = [sys.executable, __file__, "--child", mode, "--data", str(data_dir), *options]
    command += ["--now", now.isoformat()]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


async def measure_fanout(nudges: int) -> None:
    """Target 5: ``nudges`` private chats due at the same minute, fake enforcing 30 msg/s."""
    limits = RateLimits(global_per_second=30, per_chat_per_second=1, per_group_per_minute=20)
    due = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=2)
    clock = clock_at(due - timedelta(seconds=5))
    ids = range(300_000_000, 300_000_000 + nudges)
    slot, fired = (due.hour, due.minute, EVERY_DAY, "UTC"), (due - timedelta(days=1)).isoformat()
    reminders = [Reminder(f"f{i}", i, *slot, last_fired=fired) for i in ids]
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as temp:
        with Repository.open(Path(temp)) as repository:
            repository.bulk_load([ChatProfile(i, tz="UTC") for i in ids], reminders)
        async with FakeBotApiServer(limits=limits) as server:
            sim = server.sim
            for i in ids:
                sim.world.add(SimChat.private(SimUser(i, f"U{i}")))
            settings = settings_for(server, Path(temp))
            async with coach_running(settings, clock=clock, poll_timeout=1) as app:
                service = app.bot_data[SERVICES_KEY].reminders
                due_at = time.monotonic() + (due - clock()).total_seconds()
                with suppress(SimulatorTimeout):  # only nudges are sent in this run
                    await sim.wait_for(lambda: len(sim.sent) >= nudges, nudges / 30 * 2 + 30)
                await asyncio.sleep(3)  # late duplicates would arrive in this time
                stats = service.outbox.stats
    counts = Counter(message.chat_id for message in sim.sent)
    steady = sim.sends_per_second()[1:-1] or sim.sends_per_second()
    rate = sum(steady) / max(1, len(steady))
    status = Counter(call.status for call in sim.calls if call.method == "sendMessage")
    lost, dupes = nudges - len(counts), sum(1 for n in counts.values() if n > 1)
    print(f"\n[5] fan-out of {nudges:,} nudges due in one minute, fake enforcing 30 msg/s")
    first, last = sim.rate.send_times[0] - due_at, sim.rate.send_times[-1] - due_at
    print(f"    delivered {len(counts):,} at +{first:.2f}..{last:.1f} s, ideal {nudges / 30:.1f}")
    print(f"    steady rate {rate:.1f} msg/s = {rate / 30:.0%} of 30, over {len(steady)} s")
    print(f"    lost {lost}, duplicates {dupes}, 429s returned {status.get(429, 0)}; {stats}")


def main() -> None:
    """Parse options and run the parts asked for."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--nudges", type=int, default=2000)
    parser.add_argument("--slots", choices=("current", "adversarial"), default="current")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-fanout", action="store_true")
    parser.add_argument("--child", choices=("build", "rss"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--now", type=datetime.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "build":
        return build(args.data, args.subscribers, args.now, args.slots)
    if args.child == "rss":
        return asyncio.run(print_rss_after_start(args.data, args.now))
    if not args.skip_scale:
        # The bot's clock starts 15 s after a 5-minute mark: no reminder falls due while measuring.
        mark = datetime.now(UTC).replace(second=0, microsecond=0)
        now = mark - timedelta(minutes=mark.minute % 5, seconds=-15)
        with tempfile.TemporaryDirectory(prefix="bench-reminders-") as temp:
            data_dir = Path(temp) / "data"
            options = ("--subscribers", str(args.subscribers), "--slots", args.slots)
            print(child("build", data_dir, now, *options), end="")
            empty = float(child("rss", Path(temp) / "empty", now))
            loaded = float(child("rss", data_dir, now))
            figures = f"{loaded:.1f} MB - {empty:.1f} MB (empty bot) = {loaded - empty:.1f} MB"
            show(f"\n[2] RSS with {args.subscribers:,} subscribers:", figures, loaded - empty, 100)
            limit = 4 if args.slots == "adversarial" else 2
            asyncio.run(measure_scale(data_dir, args.subscribers, now, limit))
    if not args.skip_fanout:
        asyncio.run(measure_fanout(args.nudges))


if __name__ == "__main__":
    main()
