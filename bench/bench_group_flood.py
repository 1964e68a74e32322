"""Private-chat reply latency while one group is flooded past Telegram's 20 messages a minute.

Each bot runs as a real process, with PTB's rate limiter on, polling a fake Bot API server that
enforces Telegram's limits (30 messages/s overall, 20 a minute per group; a send over them
answers 429). One group sends FLOOD commands at once; meanwhile private users send commands at
RATE per second for SECONDS, each awaiting its reply (capped at CAP seconds: a reply that has
not come by then counts as CAP). Three bots in one run:
  * bare PTB: a bare bot answering the same commands, the library's defaults (one update at a
    time, AIORateLimiter);
  * coach, sequential: MedCoder Coach handling one update at a time (before);
  * coach, per chat: MedCoder Coach with its chat-ordered concurrent update processor (after).
The fake's 1 message/s per chat limit is off here: PTB's limiter paces groups and the whole bot
but no single chat, so that limit would only add the same 429 pauses to every bot.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakeapi.server import FakeBotApiServer  # noqa: E402
from tests.fakeapi.simulator import RateLimits, SimChat, SimulatorTimeout, SimUser  # noqa: E402

GROUP = SimChat.group(-1_009_000_001, "Busy study group")
COMMANDS = ["/salary", "/steps", "/certs", "/help", "/cost", "/timeline", "/faq"]
LIMITS = RateLimits(global_per_second=30, per_chat_per_second=None, per_group_per_minute=20)


@dataclass
class Result:
    name: str
    p50_ms: float
    p99_ms: float
    answered: int
    asked: int
    group_replies: int


async def measure(name: str, argv: list[str], args: argparse.Namespace) -> Result:
    """Start one bot process against a fresh fake server and run the flood and the probes."""
    async with FakeBotApiServer(limits=LIMITS) as server:
        with tempfile.TemporaryDirectory() as data:
            env = {
                **os.environ,
                "TELEGRAM_BOT_TOKEN": server.token,
                "TELEGRAM_API_BASE_URL": server.base_url,
                "DATA_DIR": data,
                "LOG_LEVEL": "ERROR",
                "BENCH_RATE_LIMITER": "1",
                "PYTHONPATH": str(ROOT),
            }
            process = await asyncio.create_subprocess_exec(*argv, env=env, cwd=ROOT)
            try:
                sim = server.sim
                await sim.wait_for(lambda: sim.calls_to("getUpdates"), timeout=60)
                warm = SimUser(4_000_000, "Warm")
                sim.send_text(SimChat.private(warm), warm, "/help")
                await sim.next_message(warm.id, timeout=30)
                for index in range(args.flood):
                    member = SimUser(3_000_000 + index, "Member")
                    sim.send_text(GROUP, member, "/help@MedCoderCoachBot")
                latencies = await open_loop(server, args)
                group_replies = len(sim.messages_to(GROUP.id))
            finally:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 3)
                except TimeoutError:  # still waiting on the group's limit: no need to drain
                    process.kill()
                    await process.wait()
    latencies.sort()
    answered = sum(1 for latency in latencies if latency < args.cap)
    return Result(
        name,
        statistics.median(latencies) * 1000,
        latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
        answered,
        len(latencies),
        group_replies,
    )


async def open_loop(server: FakeBotApiServer, args: argparse.Namespace) -> list[float]:
    """Private commands at a fixed rate; each one's reply latency, CAP if it never came."""
    sim = server.sim
    latencies: list[float] = []

    async def one(index: int) -> None:
        user = SimUser(5_000_000 + index, "Learner")
        started = time.perf_counter()
        sim.send_text(SimChat.private(user), user, COMMANDS[index % len(COMMANDS)])
        try:
            await sim.next_message(user.id, timeout=args.cap)
            latencies.append(time.perf_counter() - started)
        except SimulatorTimeout:
            latencies.append(args.cap)

    tasks = []
    start = time.perf_counter()
    for index in range(int(args.rate * args.seconds)):
        await asyncio.sleep(max(0.0, start + index / args.rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(index)))
    await asyncio.gather(*tasks)
    return latencies


def serve(mode: str) -> None:
    """Run MedCoder Coach as the benchmark needs it: sequential (before) or per chat (after)."""
    from bot.__main__ import run
    from bot.logs import configure_logging
    from bot.settings import Settings
    from handlers.telegram.app import TelegramFrontEnd

    settings = Settings.from_env(env_file=None)
    configure_logging("ERROR", settings.secrets())
    concurrent = mode == "after"
    run(settings, front_ends=lambda core: [TelegramFrontEnd(core, concurrent=concurrent)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=30, help="group commands sent at once")
    parser.add_argument("--rate", type=float, default=5.0, help="private commands per second")
    parser.add_argument("--seconds", type=float, default=6.0, help="private load duration")
    parser.add_argument("--cap", type=float, default=15.0, help="longest wait for one reply")
    parser.add_argument("--serve", choices=["before", "after"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    me = [sys.executable, "bench/bench_group_flood.py", "--serve"]
    runs = [
        ("bare PTB", [sys.executable, "bench/bare_bot.py"]),
        ("coach, sequential", [*me, "before"]),
        ("coach, per chat", [*me, "after"]),
    ]
    results = [asyncio.run(measure(name, argv, args)) for name, argv in runs]
    print(
        f"group flood: {args.flood} commands at once in one group (limit 20/min); "
        f"private commands {args.rate:g}/s for {args.seconds:g} s, wait capped at {args.cap:g} s"
    )
    print(f"{'bot':<20}{'p50 ms':>10}{'p99 ms':>10}{'answered':>12}{'group replies':>15}")
    for r in results:
        print(
            f"{r.name:<20}{r.p50_ms:>10.0f}{r.p99_ms:>10.0f}{f'{r.answered}/{r.asked}':>12}"
            f"{r.group_replies:>15}"
        )
    print("private latency counts from the command to its reply; 'answered' within the cap;")
    print("'group replies' sent to the flooded group by the end of the private load.")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
