"""Metrics end to end: the real bot on the fakes, scraped over HTTP (updates by kind, latency,
a nudge sent after a 429, the stored counts, the last backup), and ``python -m bot`` serving
``/metrics`` on METRICS_PORT and exiting 0 on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import socket
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.__main__ import _metrics_served
from bot.core import Core, serving
from handlers.discord.app import DiscordFrontEnd
from handlers.telegram.context import SERVICES_KEY
from tests.conftest import Coach, FakeClock
from tests.e2e.bot_process import clean_env, free_port, start_bot
from tests.fakeapi.simulator import SimChat, SimUser
from tests.fakediscord.coach import discord_settings, text_of
from tests.fakediscord.harness import fake_discord
from tests.fakediscord.server import FakeDiscord

__all__ = ["fake_discord"]  # a fixture

SEND = "POST /channels/{channel_id}/messages"
NUDGE = "Time to study"
ANN = SimUser(6101, "Ann", "ann")
CHAT = SimChat.private(ANN)


async def until(condition: Callable[[], object], within: float = 15) -> None:
    """Poll the bot's own state every millisecond (no fake-server change to wait on)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.001)


async def scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """GET /metrics on 127.0.0.1:``port``: every sample by (name, labels)."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        assert response.status == 200
        body = await response.text()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return name, frozenset(labels.items())


async def test_a_scrape_shows_what_the_bot_did_on_discord(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    ann = fake_discord.add_user("ann")
    dm = fake_discord.dm_channel(ann)
    clock = FakeClock()
    settings = discord_settings(fake_discord, tmp_path / "data").model_copy(
        update={"backup_dir": tmp_path / "backups"}
    )
    assert settings.discord is not None
    async with Core.open(settings, clock=clock) as core:
        front = DiscordFrontEnd(core, settings.discord)
        metrics = core.metrics.registry

        def handled(kind: str) -> float:
            labels = {"platform": "discord", "kind": kind}
            return metrics.get_sample_value("medcoder_updates_handled_total", labels) or 0

        async with serving(core, [front]), core.metrics.serving(0, "127.0.0.1") as port:
            before = await scrape(port)
            await fake_discord.next_reply(await fake_discord.slash(ann, "salary"))
            await fake_discord.send_message(ann, "how long does it take")
            await fake_discord.next_message(dm.id)
            fake_discord.limiter.force_429(SEND, retry_after=0.05)  # the nudge's first try
            minute = clock.set_seconds_before_next_minute(2)
            options = {"time": f"{minute:%H:%M}", "days": "daily", "timezone": "UTC"}
            reply = await fake_discord.next_reply(await fake_discord.slash(ann, "remind", options))
            assert "Reminder set" in text_of(reply)
            await fake_discord.state.records.wait_for(
                lambda: [m for m in fake_discord.dms_to(ann) if NUDGE in text_of(m)], 15
            )
            await until(lambda: core.reminders.outbox.pending == 0 and handled("command") == 2)
            await core.metrics.refresh_counts()
            taken = await core.backups.snapshot()
            after = await scrape(port)
    assert key("medcoder_last_backup_timestamp_seconds") not in before
    assert before[key("medcoder_reminders")] == 0
    assert after[key("medcoder_updates_handled_total", platform="discord", kind="command")] == 2
    assert after[key("medcoder_updates_handled_total", platform="discord", kind="message")] == 1
    assert after[key("medcoder_reply_latency_seconds_count", platform="discord")] == 3
    assert after[key("medcoder_nudges_total", outcome="sent")] == 1
    assert after[key("medcoder_nudges_total", outcome="failed")] == 0
    assert after[key("medcoder_rate_limited_total", platform="discord")] == 1
    assert after[key("medcoder_send_retries_total", platform="discord")] == 1
    assert after[key("medcoder_outbox_queue_depth")] == 0
    assert after[key("medcoder_subscribers")] == 1
    assert after[key("medcoder_reminders")] == 1
    assert after[key("medcoder_active_reminders")] == 1
    assert after[key("medcoder_last_backup_timestamp_seconds")] == taken.taken_at.timestamp()


async def test_a_scrape_shows_what_the_bot_did_on_telegram(coach: Coach) -> None:
    core: Core = coach.app.bot_data[SERVICES_KEY]
    async with core.metrics.serving(0, "127.0.0.1") as port:
        minute = coach.clock.set_seconds_before_next_minute(2)
        reply = await coach.say(CHAT, ANN, f"/remind {minute:%H:%M} daily UTC")
        assert "Reminder set" in reply.plain_text
        nudge = await coach.sim.next_message(CHAT.id, timeout=10)
        assert "Time to study" in nudge.plain_text
        await coach.settle()  # its sentinel /help is one more message
        await until(lambda: core.reminders.outbox.pending == 0)
        await core.metrics.refresh_counts()
        found = await scrape(port)
    assert found[key("medcoder_updates_handled_total", platform="telegram", kind="message")] == 2
    assert found[key("medcoder_reply_latency_seconds_count", platform="telegram")] == 2
    assert found[key("medcoder_rate_limited_total", platform="telegram")] == 0
    assert found[key("medcoder_nudges_total", outcome="sent")] == 1
    assert found[key("medcoder_reminders")] == 1


async def test_nothing_is_served_without_a_metrics_port(
    fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = discord_settings(fake_discord, tmp_path / "data")
    assert settings.metrics_port is None
    async with Core.open(settings) as core:

        def refuse(*args: object, **kwargs: object) -> None:
            raise AssertionError("the metrics endpoint was started")

        monkeypatch.setattr(core.metrics, "serving", refuse)
        async with _metrics_served(core):
            pass


async def test_the_process_serves_metrics_and_exits_0_on_sigterm(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    port = free_port()
    env = clean_env(
        DISCORD_BOT_TOKEN=fake_discord.token,
        DISCORD_API_BASE_URL=fake_discord.api_base,
        DISCORD_GATEWAY_URL=fake_discord.ws_url,
        DATA_DIR=str(tmp_path / "data"),
        METRICS_PORT=str(port),
    )
    ann = fake_discord.add_user("ann")
    process = await start_bot(tmp_path, env)
    try:
        await fake_discord.next_registration(timeout=30)
        await fake_discord.wait_identified(timeout=30)
        await fake_discord.slash(ann, "salary")
        await fake_discord.next_message(fake_discord.dm_channel(ann).id, timeout=30)
        command = key("medcoder_updates_handled_total", platform="discord", kind="command")
        found = await scrape(port)
        deadline = asyncio.get_running_loop().time() + 10
        while command not in found:  # counted just after the reply went out
            assert asyncio.get_running_loop().time() < deadline, found
            found = await scrape(port)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert found[command] == 1
    assert found[key("medcoder_subscribers")] == 0
    assert "Traceback" not in log and f"serving metrics on http://0.0.0.0:{port}" in log
    with pytest.raises(aiohttp.ClientConnectionError):
        await scrape(port)


async def test_a_taken_metrics_port_is_one_line_and_exit_1(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = clean_env(
            DISCORD_BOT_TOKEN=fake_discord.token,
            DISCORD_API_BASE_URL=fake_discord.api_base,
            DISCORD_GATEWAY_URL=fake_discord.ws_url,
            DATA_DIR=str(tmp_path / "data"),
            METRICS_PORT=str(port),
        )
        process = await start_bot(tmp_path, env)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    log = stderr.decode()
    assert process.returncode == 1, log
    assert f"error: cannot serve metrics on 0.0.0.0:{port}" in log
    assert "Traceback" not in log
    assert fake_discord.registrations == []  # failed before connecting
