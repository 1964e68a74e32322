"""A real discord.py client logs in, connects, identifies, syncs, resumes and closes cleanly."""

import asyncio

import discord
import pytest

from tests.fakediscord.harness import running_client
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.tiny_bot import TinyBot
from tests.fakediscord.world import MESSAGE_CONTENT

IDENTIFY, RESUME = 2, 6


async def test_login_identify_ready_and_sync(fake_discord: FakeDiscord) -> None:
    owner = fake_discord.add_user("ann")
    guild = fake_discord.add_guild("Coders", owner)
    async with running_client(TinyBot(), fake_discord) as bot:
        assert bot.user is not None and bot.user.id == fake_discord.bot.id
        assert [g.id for g in bot.guilds] == [guild.id]
        registration = await fake_discord.next_registration()
    routes = [r.route for r in fake_discord.requests]
    assert routes[:3] == [
        "GET /users/@me",
        "GET /oauth2/applications/@me",
        "PUT /applications/{application_id}/commands",
    ]
    assert registration.guild_id is None
    assert sorted(c["name"] for c in registration.commands) == [
        "coach",
        "nudge",
        "ramble",
        "think",
        "twice",
    ]


async def test_gateway_query_compression_intents_and_heartbeat(fake_discord: FakeDiscord) -> None:
    async with running_client(TinyBot(), fake_discord):
        received = fake_discord.state.records.gateway_received
        heartbeat = await fake_discord.state.records.wait_for(
            lambda: next((p for p in received if p["op"] == 1), None)
        )
    connection = fake_discord.state.gateway.connections[0]
    assert connection["query"] == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    identify = next(p["d"] for p in received if p["op"] == IDENTIFY)
    assert identify["token"] == "<redacted>"
    assert identify["intents"] == discord.Intents.default().value
    assert not identify["intents"] & MESSAGE_CONTENT
    assert heartbeat["d"] is None or isinstance(heartbeat["d"], int)


async def test_close_shuts_the_socket_and_http_session(fake_discord: FakeDiscord) -> None:
    async with running_client(TinyBot(sync_commands=False), fake_discord) as bot:
        pass
    assert bot.is_closed()
    gateway = fake_discord.state.gateway
    await fake_discord.state.records.wait_for(lambda: "close_code" in gateway.connections[-1])
    # Client.close() asks for 1000, but discord.py's own reader task, woken by that close,
    # closes first with 4000 (aiohttp 3.14): Discord then keeps the session resumable.
    code = gateway.connections[-1]["close_code"]
    assert code in (1000, 4000)
    assert (gateway.sessions == {}) is (code == 1000)


async def test_reconnect_resumes_at_the_resume_url_and_replays(fake_discord: FakeDiscord) -> None:
    ann = fake_discord.add_user("ann")
    async with running_client(TinyBot(sync_commands=False), fake_discord) as bot:
        session_id = fake_discord.state.gateway.current.id  # type: ignore[union-attr]
        await fake_discord.request_reconnect()
        await fake_discord.send_message(ann, "sent while the bot was away")
        seen = await _next(bot.seen)
    assert seen.content == "sent while the bot was away"
    gateway = fake_discord.state.gateway
    assert [c["path"] for c in gateway.connections] == ["/gateway", "/resume"]
    resume = next(p["d"] for p in fake_discord.state.records.gateway_received if p["op"] == RESUME)
    assert resume["session_id"] == session_id


async def test_privileged_intent_not_enabled_closes_with_4014(fake_discord: FakeDiscord) -> None:
    intents = discord.Intents.default()
    intents.message_content = True
    client = discord.Client(intents=intents)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await client.start(fake_discord.token)
    await client.close()
    assert [str(v) for v in fake_discord.take_violations()] == [
        "gateway: closed with 4014: Disallowed intent(s): MESSAGE_CONTENT."
    ]


async def test_wrong_token_is_a_login_failure(fake_discord: FakeDiscord) -> None:
    client = discord.Client(intents=discord.Intents.default())
    with pytest.raises(discord.LoginFailure):
        await client.start("not-the-token")
    await client.close()
    assert fake_discord.requests[0].status == 401
    assert fake_discord.requests[0].response == {"message": "401: Unauthorized", "code": 0}
    assert len(fake_discord.take_violations()) == 1


async def _next(queue: asyncio.Queue[discord.Message]) -> discord.Message:
    return await asyncio.wait_for(queue.get(), 5.0)
