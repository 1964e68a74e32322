"""Commands per second, CPU per update and reply latency: MedCoder Coach against a bare PTB bot.

Both bots run as real processes polling the same fake Bot API server over HTTP, in one run.
Three figures per bot:
  * burst: N commands from distinct users injected at once; commands/s until all are answered,
    and the bot process's CPU time (user + sys) per command;
  * open loop: commands at a fixed rate below Telegram's cap; reply latency p50 / p99;
  * the ratio of MedCoder Coach to the bare bot (target: at least 0.9 of its throughput).
By default both bots run without PTB's rate limiter so the burst measures the bots, not the
30 msg/s pacing (pass --rate-limiter to measure them as deployed).
"""

from __future__ import annotations

import argparse
import asyncio
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
from tests.fakeapi.simulator import SimChat, SimUser  # noqa: E402

COMMANDS = ["/salary", "/steps", "/certs", "/help", "/cost", "/timeline", "/faq"]
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    name: str
    burst_rate: float
    cpu_ms_per_command: float
    p50_ms: float
    p99_ms: float


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def wait_ready(server: FakeBotApiServer) -> None:
    await server.sim.wait_for(lambda: server.sim.calls_to("getUpdates"), timeout=60)


async def measure(
    name: str, argv: list[str], args: argparse.Namespace, bare_replies: str = ""
) -> Result:
    async with FakeBotApiServer() as server:
        with tempfile.TemporaryDirectory() as data:
            env = {
                **os.environ,
                "TELEGRAM_BOT_TOKEN": server.token,
                "TELEGRAM_API_BASE_URL": server.base_url,
                "DATA_DIR": data,
                "LOG_LEVEL": "WARNING",
                "BENCH_RATE_LIMITER": "1" if args.rate_limiter else "0",
                "PYTHONPATH": str(ROOT),
                "BENCH_BARE_REPLIES": bare_replies,
            }
            process = await asyncio.create_subprocess_exec(*argv, env=env, cwd=ROOT)
            try:
                await wait_ready(server)
                await run_burst(server, 50, 0)  # warm-up
                cpu_before = cpu_seconds(process.pid)
                started = time.perf_counter()
                await run_burst(server, args.burst, 1_000_000)
                elapsed = time.perf_counter() - started
                cpu = cpu_seconds(process.pid) - cpu_before
                latencies = await run_open_loop(server, args.rate, args.seconds)
            finally:
                process.terminate()
                await process.wait()
    latencies.sort()
    return Result(
        name,
        args.burst / elapsed,
        cpu / args.burst * 1000,
        statistics.median(latencies) * 1000,
        latencies[int(len(latencies) * 0.99) - 1] * 1000,
    )


async def run_burst(server: FakeBotApiServer, count: int, first_user: int) -> None:
    sim = server.sim
    before = len(sim.sent)
    for index in range(count):
        user = SimUser(10_000 + first_user + index, "Learner")
        sim.send_text(SimChat.private(user), user, COMMANDS[index % len(COMMANDS)])
    await sim.wait_for(lambda: len(sim.sent) >= before + count, timeout=600)


async def run_open_loop(server: FakeBotApiServer, rate: float, seconds: float) -> list[float]:
    sim = server.sim
    latencies: list[float] = []

    async def one(index: int) -> None:
        user = SimUser(5_000_000 + index, "Learner")
        chat = SimChat.private(user)
        started = time.perf_counter()
        sim.send_text(chat, user, COMMANDS[index % len(COMMANDS)])
        await sim.next_message(chat.id, timeout=120)
        latencies.append(time.perf_counter() - started)

    tasks = []
    start = time.perf_counter()
    for index in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, start + index / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(index)))
    await asyncio.gather(*tasks)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=1000, help="commands in the burst")
    parser.add_argument("--rate", type=float, default=20.0, help="open-loop commands per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="open-loop duration")
    parser.add_argument("--rate-limiter", action="store_true", help="PTB's AIORateLimiter on")
    args = parser.parse_args()
    coach = asyncio.run(measure("MedCoder Coach", [sys.executable, "bench/coach_bot.py"], args))
    bare_argv = [sys.executable, "bench/bare_bot.py"]
    bare = asyncio.run(measure("bare, short", bare_argv, args))
    same = asyncio.run(measure("bare, same text", bare_argv, args, "same"))
    print(f"burst of {args.burst} commands; open loop {args.rate:g}/s for {args.seconds:g} s")
    print(f"{'bot':<16}{'cmds/s':>10}{'CPU ms/cmd':>12}{'p50 ms':>10}{'p99 ms':>10}")
    for r in (coach, bare, same):
        print(
            f"{r.name:<16}{r.burst_rate:>10.1f}{r.cpu_ms_per_command:>12.2f}"
            f"{r.p50_ms:>10.1f}{r.p99_ms:>10.1f}"
        )
    for baseline in (bare, same):
        print(
            f"coach / {baseline.name}: throughput {coach.burst_rate / baseline.burst_rate:.2f} "
            f"(target >= 0.9), CPU per command "
            f"{baseline.cpu_ms_per_command / coach.cpu_ms_per_command:.2f}"
        )
    print("'bare, short' replies 'A fixed answer.'; 'bare, same text' sends the coach's own")
    print("reply for each command (same HTML and buttons, rendered once at start-up).")


if __name__ == "__main__":
    main()
