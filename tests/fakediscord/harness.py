"""Run a real discord.py client against the fake: the fixture and a start/stop helper.

    async def test_x(fake_discord: FakeDiscord) -> None:
        async with running_client(TinyBot(), fake_discord) as bot:
            interaction = await fake_discord.slash(ann, "coach", {"topic": "cpt"})
            reply = await fake_discord.next_message(fake_discord.dm_channel(ann).id)

The fixture points discord.py at the fake for the test and fails it at teardown on any
violation; a test that provokes one on purpose takes it with `take_violations()`.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

import discord
import pytest_asyncio

from tests.fakediscord.server import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)
START_TIMEOUT = 5.0


@asynccontextmanager
async def running_client(client: ClientT, fake: FakeDiscord) -> AsyncIterator[ClientT]:
    """Start `client` with the fake's token, wait until it is ready; close it cleanly on exit."""
    task = asyncio.create_task(client.start(fake.token))
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait(
            {task, ready}, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if task in done:
            task.result()  # start() ended early: raise its error
        if ready not in done:
            raise TimeoutError(f"the client was not ready within {START_TIMEOUT} s")
        yield client
    finally:
        ready.cancel()
        await client.close()
        await asyncio.wait_for(task, START_TIMEOUT)


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A running fake Discord with discord.py pointed at it; fails the test on violations."""
    async with FakeDiscord() as fake:
        with fake.pointing_discord_py():
            yield fake
        fake.assert_clean()
