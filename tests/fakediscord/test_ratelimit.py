"""Rate limits: headers and 429s like Discord's, and discord.py honouring them."""

import time

import aiohttp
import discord

from tests.fakediscord.harness import running_client
from tests.fakediscord.ratelimit import RateLimits
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.tiny_bot import TinyBot

SEND = "POST /channels/{channel_id}/messages"


async def test_discord_py_waits_out_a_429_and_retries(fake_discord: FakeDiscord) -> None:
    ann = fake_discord.add_user("ann")
    fake_discord.limiter.force_429(SEND, retry_after=0.2)
    async with running_client(TinyBot(), fake_discord):
        await fake_discord.next_registration()
        await fake_discord.slash(ann, "nudge")
        dm = await fake_discord.next_message(fake_discord.dm_channel(ann).id)
    attempts = fake_discord.state.records.requests_to(SEND)
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[0].response == {
        "message": "You are being rate limited.",
        "retry_after": 0.2,
        "global": False,
    }
    assert attempts[1].at - attempts[0].at >= 0.2
    assert dm.content == "Time to study!"


async def test_discord_py_holds_every_request_during_a_global_429(
    fake_discord: FakeDiscord,
) -> None:
    fake_discord.limiter.force_429(None, retry_after=0.15, is_global=True)
    started = time.monotonic()
    async with running_client(TinyBot(sync_commands=False), fake_discord):
        pass
    me = fake_discord.state.records.requests_to("GET /users/@me")
    assert [r.status for r in me] == [429, 200]
    assert me[0].response["global"] is True
    assert time.monotonic() - started >= 0.15


async def test_discord_py_paces_itself_from_the_bucket_headers(
    fake_discord: FakeDiscord,
) -> None:
    fake_discord.limiter.limits = RateLimits(per_route=1, route_window_seconds=0.1)
    ann = fake_discord.add_user("ann")
    guild = fake_discord.add_guild("Coders", ann)
    async with running_client(bot := TinyBot(sync_commands=False), fake_discord):
        channel = bot.get_channel(guild.channels[0].id)
        assert isinstance(channel, discord.TextChannel)
        await channel.send("one")
        await channel.send("two")
    sends = fake_discord.state.records.requests_to(SEND)
    # Remaining 0 makes discord.py sleep Reset-After inside the call itself, so it never
    # earns a 429 (each request of a one-per-window bucket costs one window).
    assert [r.status for r in sends] == [200, 200]
    assert sends[1].at - sends[0].at >= 0.09


async def test_a_bucket_over_its_limit_answers_429_with_headers() -> None:
    async with FakeDiscord(limits=RateLimits(per_route=2, route_window_seconds=60)) as fake:
        owner = fake.add_user("ann")
        channel = fake.add_guild("Coders", owner).channels[0]
        statuses, last = await _hammer(fake, f"/channels/{channel.id}", 3)
        assert statuses == [200, 200, 429]
        assert last.headers["X-RateLimit-Limit"] == "2"
        assert last.headers["X-RateLimit-Remaining"] == "0"
        assert float(last.headers["X-RateLimit-Reset-After"]) > 59
        assert last.headers["X-RateLimit-Bucket"]
        assert last.headers["X-RateLimit-Scope"] == "user"
        body = await last.json()
        assert body["global"] is False and isinstance(body["retry_after"], float)
        fake.assert_clean()  # a 429 is Discord pushing back, not a malformed request


async def test_the_global_limit_answers_429_global() -> None:
    async with FakeDiscord(limits=RateLimits(global_per_second=3, per_route=None)) as fake:
        statuses, last = await _hammer(fake, "/users/@me", 4)
        assert statuses == [200, 200, 200, 429]
        assert last.headers["X-RateLimit-Global"] == "true"
        assert (await last.json())["global"] is True


async def _hammer(
    fake: FakeDiscord, path: str, times: int
) -> tuple[list[int], aiohttp.ClientResponse]:
    headers = {"Authorization": f"Bot {fake.token}"}
    statuses = []
    async with aiohttp.ClientSession() as session:
        for _ in range(times):
            async with session.get(fake.api_base + path, headers=headers) as response:
                statuses.append(response.status)
                await response.read()
                last = response
    return statuses, last
