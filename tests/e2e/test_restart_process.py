"""The real bot process, stopped before a nudge fell due and started after: one nudge, once."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.e2e.bot_process import clean_env
from tests.e2e.test_process import ROOT
from tests.fakeapi.server import FakeBotApiServer
from tests.fakeapi.simulator import SimChat, SimUser
from tests.harness import barrier

ANN = SimUser(9001, "Ann", "ann")
CHAT = SimChat.private(ANN)
LAUNCHER = Path(__file__).with_name("shifted_clock_bot.py")


async def start_bot(
    server: FakeBotApiServer, data: Path, shift: float
) -> asyncio.subprocess.Process:
    env = clean_env(
        TELEGRAM_BOT_TOKEN=server.token,
        TELEGRAM_API_BASE_URL=server.base_url,
        DATA_DIR=str(data),
        BOT_CLOCK_SHIFT_SECONDS=str(shift),
        PYTHONPATH=str(ROOT),
    )
    started = len(server.sim.calls_to("setMyShortDescription"))  # the last start-up call
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(LAUNCHER),
        cwd=data.parent,
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    await server.sim.wait_for(
        lambda: len(server.sim.calls_to("setMyShortDescription")) > started, 30
    )
    return process


async def stop_bot(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.communicate(), timeout=15)
    assert process.returncode == 0


def nudges(server: FakeBotApiServer) -> int:
    return sum("Time to study" in m.plain_text for m in server.sim.messages_to(CHAT.id))


async def test_restart_across_a_due_time_sends_the_nudge_once(
    fake_api: FakeBotApiServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    now = datetime.now(UTC)
    due = now.replace(second=0, microsecond=0) + timedelta(minutes=2)
    shift = (due - timedelta(seconds=30) - now).total_seconds()  # the bot sees due - 30 s

    first = await start_bot(fake_api, data, shift)
    fake_api.sim.send_text(CHAT, ANN, f"/remind {due:%H:%M} daily UTC")
    reply = await fake_api.sim.next_message(CHAT.id, timeout=30)
    assert "Reminder set" in reply.plain_text
    await stop_bot(first)

    late = shift + 120  # back up 90 s after the due time: within the 30-minute grace
    second = await start_bot(fake_api, data, late)
    nudge = await fake_api.sim.next_message(CHAT.id, timeout=30)
    assert "Time to study" in nudge.plain_text
    await barrier(fake_api.sim)
    await stop_bot(second)

    third = await start_bot(fake_api, data, late + 5)
    await barrier(fake_api.sim)
    await stop_bot(third)
    assert nudges(fake_api) == 1
