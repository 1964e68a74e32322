"""MedCoder Coach on Discord against a bare discord.py bot, both on the same fake Discord.

Two parts, in one run:
  * commands: each bot runs as a real process (the coach as ``python -m bot`` runs it) against
    the fake Discord (REST + gateway on 127.0.0.1, limits off so that the figures are the bots'
    own). A burst of --burst slash commands from distinct users gives the bot process's CPU
    time (user + sys) per command; an open loop of --rate commands/s for --seconds gives the
    reply latency p50 / p99 (from the event's dispatch to the interaction response, measured
    by the fake). The bare bot answers each command with the coach's own embeds and buttons,
    rendered once at start-up: same bytes, no logic.
  * fan-out: --nudges DM reminders due in the same minute, the coach in this process against
    the fake enforcing Discord's limits (50 requests/s global, 5 per 5 s per route); sends a
    second in the steady state as a share of the binding 50/s limit (target >= 90%), lost,
    duplicates and 429s returned.
"""

# ruff: noqa: E402
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tests.fakediscord  # noqa: F401  (imports discord.py with its audioop warning silenced)
from bot.schedule import EVERY_DAY
from storage.records import ChatProfile, Reminder
from storage.repository import Repository
from tests.conftest import FakeClock
from tests.fakediscord.coach import coach_on_discord, text_of
from tests.fakediscord.ratelimit import RateLimits
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.world import FakeUser

COMMANDS = ["salary", "steps", "certs", "help", "cost", "timeline", "faq"]
SEND = "POST /channels/{channel_id}/messages"
GLOBAL_LIMIT = 50
TICKS = os.sysconf("SC_CLK_TCK")
START_TIMEOUT = 60.0


@dataclass
class Result:
    name: str
    cpu_ms_per_command: float
    p50_ms: float
    p99_ms: float


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


# ----- the bots (child processes) --------------------------------------------------------------


def run_coach() -> int:
    """MedCoder Coach as ``python -m bot`` runs it, with only a Discord token."""
    from bot.__main__ import run
    from bot.settings import Settings

    return run(Settings.from_env(env_file=None))


def run_bare() -> int:
    """A bare discord.py bot: one slash command per COMMANDS name, answered with the coach's
    own embeds and buttons, rendered once here."""
    import discord
    import discord.gateway
    import discord.http
    import yarl
    from discord import app_commands

    from bot.actor import Actor
    from bot.answers import QuestionIndex
    from bot.guide import load_guide
    from bot.use_cases import guide as use_case
    from handlers.discord.render import NO_MENTIONS, render, view

    discord.http.Route.BASE = os.environ["DISCORD_API_BASE_URL"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    guide = load_guide()
    questions = QuestionIndex(guide)
    learner = Actor("discord", chat_id=1, user_id=1, first_name="Learner")
    replies = {
        name: render(use_case.command(guide, questions, learner, name)) for name in COMMANDS
    }

    client = discord.Client(intents=discord.Intents.default())
    tree = app_commands.CommandTree(client)

    def answer(name: str) -> Any:
        async def callback(interaction: discord.Interaction) -> None:
            first = replies[name][0]
            await interaction.response.send_message(
                embeds=first.embeds,
                view=view(first.buttons) if first.buttons else discord.utils.MISSING,
                allowed_mentions=NO_MENTIONS,
            )

        return callback

    for name in COMMANDS:
        tree.add_command(app_commands.Command(name=name, description=name, callback=answer(name)))

    async def main() -> None:
        async with client:
            await client.login(os.environ["DISCORD_BOT_TOKEN"])
            await tree.sync()
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(client.close()))
            await client.connect()

    asyncio.run(main())
    return 0


# ----- commands: CPU and latency --------------------------------------------------------------


async def measure(name: str, child: str, fake: FakeDiscord, args: argparse.Namespace) -> Result:
    """Start the bot ``child`` on ``fake``, measure it, stop it."""
    with tempfile.TemporaryDirectory(prefix="bench-discord-") as data:
        env = {key: value for key, value in os.environ.items() if not key.startswith("TELEGRAM_")}
        env |= {
            "DISCORD_BOT_TOKEN": fake.token,
            "DISCORD_API_BASE_URL": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.ws_url,
            "DATA_DIR": data,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        previous = fake.state.gateway.current
        argv = [sys.executable, __file__, "--child", child]
        process = await asyncio.create_subprocess_exec(*argv, env=env, cwd=ROOT)
        try:
            await fake.state.records.wait_for(
                lambda: fake.state.gateway.current not in (None, previous), START_TIMEOUT
            )
            await burst(fake, 50)  # warm-up
            cpu_before = cpu_seconds(process.pid)
            await burst(fake, args.burst)
            cpu = cpu_seconds(process.pid) - cpu_before
            latencies = await open_loop(fake, args.rate, args.seconds)
        finally:
            process.terminate()
            await process.wait()
    latencies.sort()
    return Result(
        name,
        cpu / args.burst * 1000,
        statistics.median(latencies) * 1000,
        latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
    )


def users(fake: FakeDiscord, count: int) -> list[FakeUser]:
    """``count`` new users."""
    return [fake.add_user(f"learner{len(fake.state.world.users)}") for _ in range(count)]


async def burst(fake: FakeDiscord, count: int) -> None:
    """``count`` slash commands from distinct users at once; until all are answered."""
    records = fake.state.records
    before = len(records.responses)
    for index, user in enumerate(users(fake, count)):
        await fake.slash(user, COMMANDS[index % len(COMMANDS)])
    await records.wait_for(lambda: len(records.responses) >= before + count, 600)


async def open_loop(fake: FakeDiscord, rate: float, seconds: float) -> list[float]:
    """Commands at ``rate`` a second for ``seconds``; each one's dispatch-to-response time."""
    latencies: list[float] = []

    async def one(index: int, user: FakeUser) -> None:
        interaction = await fake.slash(user, COMMANDS[index % len(COMMANDS)])
        response = await fake.next_interaction_response(interaction, timeout=120)
        latencies.append(response.delay)

    tasks = []
    start = time.perf_counter()
    for index, user in enumerate(users(fake, int(rate * seconds))):
        await asyncio.sleep(max(0.0, start + index / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(index, user)))
    await asyncio.gather(*tasks)
    return latencies


async def commands(args: argparse.Namespace) -> None:
    """Both bots, one after the other, on one fake Discord (limits off)."""
    async with FakeDiscord(limits=None) as fake:
        coach = await measure("MedCoder Coach", "coach", fake, args)
        bare = await measure("bare discord.py", "bare", fake, args)
        violations = len(fake.take_violations())  # reported below, not raised
    loop = f"open loop {args.rate:g}/s for {args.seconds:g} s"
    print(f"[1] burst of {args.burst} slash commands; {loop}")
    print(f"    {'bot':<18}{'CPU ms/cmd':>12}{'p50 ms':>10}{'p99 ms':>10}")
    for r in (coach, bare):
        print(f"    {r.name:<18}{r.cpu_ms_per_command:>12.2f}{r.p50_ms:>10.1f}{r.p99_ms:>10.1f}")
    ratio = coach.cpu_ms_per_command / bare.cpu_ms_per_command
    print(f"    coach CPU per command = {ratio:.2f} x the bare bot's; violations {violations}")


# ----- fan-out: nudges under Discord's limits ---------------------------------------------------


async def fan_out(count: int) -> None:
    """``count`` DM reminders due in one minute; the fake enforces 50 requests/s."""
    limits = RateLimits(global_per_second=GLOBAL_LIMIT, per_route=5, route_window_seconds=5.0)
    due = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=2)
    clock = FakeClock()
    clock.offset = (due - timedelta(seconds=5)) - clock()
    fired = (due - timedelta(days=1)).isoformat()
    async with FakeDiscord(limits=limits) as fake:
        with fake.pointing_discord_py(), tempfile.TemporaryDirectory(prefix="bench-fan-") as temp:
            channels = [fake.dm_channel(user).id for user in users(fake, count)]
            with Repository.open(Path(temp)) as repository:
                repository.bulk_load(
                    [ChatProfile(c, tz="UTC", platform="discord") for c in channels],
                    [
                        Reminder(f"f{n}", c, due.hour, due.minute, EVERY_DAY, "UTC",
                                 last_fired=fired, platform="discord")
                        for n, c in enumerate(channels)
                    ],
                )  # fmt: skip
            async with coach_on_discord(fake, Path(temp), clock) as (core, _):
                due_at = time.monotonic() + (due - clock()).total_seconds()
                records = fake.state.records

                def nudges() -> list[Any]:
                    return [m for m in records.sent if m.interaction_id is None]

                await records.wait_for(lambda: len(nudges()) >= count, count / 40 + 60)
                await asyncio.sleep(3)  # a late duplicate would arrive in this time
                stats = core.reminders.outbox.stats
            sent = [m for m in nudges() if "Time to study" in text_of(m)]
            requests = records.requests_to(SEND)
    counts = Counter(message.channel_id for message in sent)
    accepted = sorted(r.at for r in requests if r.status == 200)
    refused = sum(1 for r in requests if r.status == 429)
    span = accepted[-1] - accepted[0]
    rate = (len(accepted) - 1) / span if span > 0 else float("nan")
    lost = count - len(counts)
    dupes = sum(1 for n in counts.values() if n > 1)
    share = rate / GLOBAL_LIMIT
    print(f"\n[2] fan-out of {count:,} DM nudges due in one minute, fake enforcing 50 requests/s")
    first, last = accepted[0] - due_at, accepted[-1] - due_at
    print(f"    delivered {len(counts):,} at +{first:.2f}..{last:.1f} s, ideal {count / 50:.1f} s")
    verdict = "met" if share >= 0.9 else "MISSED"
    print(f"    rate {rate:.1f} requests/s = {share:.0%} of 50  [target >= 90%: {verdict}]")
    print(f"    lost {lost}, duplicates {dupes}, 429s returned {refused}; {stats}")


def main() -> None:
    """Parse options and run the parts asked for (or one bot, as a child process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--burst", type=int, default=500, help="slash commands in the burst")
    parser.add_argument("--rate", type=float, default=20.0, help="open-loop commands a second")
    parser.add_argument("--seconds", type=float, default=10.0, help="open-loop duration")
    parser.add_argument("--nudges", type=int, default=2000, help="nudges in the fan-out")
    parser.add_argument("--skip-commands", action="store_true")
    parser.add_argument("--skip-fanout", action="store_true")
    parser.add_argument("--child", choices=("coach", "bare"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "coach":
        sys.exit(run_coach())
    if args.child == "bare":
        sys.exit(run_bare())
    if not args.skip_commands:
        asyncio.run(commands(args))
    if not args.skip_fanout:
        asyncio.run(fan_out(args.nudges))


if __name__ == "__main__":
    main()
