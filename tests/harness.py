"""Run a real PTB Application against the fake Bot API server (or the in-process simulator).

How an end-to-end test uses it (the fixture comes from this module; import it into a
conftest.py with `from tests.harness import fake_api  # noqa: F401`)::

    from tests.fakeapi.simulator import SimChat, SimUser
    from tests.fakeapi.server import FakeBotApiServer
    from tests.harness import application_builder, barrier, running_application

    ANN = SimUser(1001, "Ann")
    GROUP = SimChat.group(-1001, "Coders")

    async def test_start_greets_only_the_user(fake_api: FakeBotApiServer) -> None:
        app = build_application(...)  # the bot's own, with base_url=fake_api.base_url and
                                      # token=fake_api.token (or application_builder(fake_api))
        chat = SimChat.private(ANN)
        async with running_application(app):
            fake_api.sim.send_text(chat, ANN, "/start")
            reply = await fake_api.sim.next_message(chat.id)
            assert "Welcome" in reply.plain_text
            fake_api.sim.send_text(GROUP, ANN, "just chatting")
            await barrier(fake_api.sim)  # every earlier update is handled now
            assert fake_api.sim.unread_messages(GROUP.id) == []

`next_message` waits on events, never on sleeps, and on timeout fails with a list of what the
bot did send and which calls Telegram refused. `barrier` needs the bot to answer `/help` in a
private chat. An application handling updates concurrently must be registered with
`watching(sim, app)` (the `coach` fixture does): the barrier then also waits until its update
processor is idle. Updates start in the order they arrive, so once the sentinel's reply is in
and the processor is idle, every earlier update has been fully handled.
The `fake_api` fixture fails the test at teardown if the bot made a call that breaks the Bot
API spec or used a method the simulator does not implement; a test that provokes violations on
purpose clears `fake_api.spec_violations`.
"""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext
from datetime import datetime

import pytest_asyncio
from telegram.ext import Application, ApplicationBuilder

from bot.core import Core, serving
from bot.settings import Settings
from bot.slot_scheduler import utc_now
from handlers.telegram.app import TelegramFrontEnd, running
from handlers.telegram.update_processor import ChatOrderedUpdateProcessor
from tests.fakeapi.server import DEFAULT_TOKEN, FakeBotApiServer
from tests.fakeapi.simulator import BotApiSimulator, SentMessage, SimChat, SimUser
from tests.fakeapi.simulator.request import SimulatorRequest

POLL_TIMEOUT_SECONDS = 1
SENTINEL_USER = SimUser(999_000_001, "Sentinel", "barrier_sentinel")
_WATCHED: dict[int, list[Application]] = {}  # id(simulator) -> applications polling it


@contextmanager
def watching(sim: BotApiSimulator, app: Application) -> Iterator[None]:
    """Let `barrier(sim)` wait for `app`'s concurrent updates too, while the block runs."""
    apps = _WATCHED.setdefault(id(sim), [])
    apps.append(app)
    try:
        yield
    finally:
        apps.remove(app)
        if not apps:
            del _WATCHED[id(sim)]


@asynccontextmanager
async def running_application(
    app: Application, *, poll_timeout: int = POLL_TIMEOUT_SECONDS
) -> AsyncIterator[Application]:
    """Initialize, start and poll `app` as `run_polling` would; stop it cleanly on exit."""
    async with running(app, poll_timeout=poll_timeout):
        yield app


@asynccontextmanager
async def coach_running(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    sim: BotApiSimulator | None = None,
    poll_timeout: int = POLL_TIMEOUT_SECONDS,
) -> AsyncIterator[Application]:
    """Open the core on `settings` and run the Telegram front end on it, as `python -m bot`
    does; yield its Application. With `sim`, `barrier(sim)` also waits for its updates.

    `clock` (aware UTC) drives the reminders; `poll_timeout` is the long poll's wait, seconds.
    """
    async with Core.open(settings, clock=clock) as core:
        front_end = await asyncio.to_thread(TelegramFrontEnd, core, poll_timeout=poll_timeout)
        with watching(sim, front_end.app) if sim is not None else nullcontext():
            async with serving(core, [front_end]):
                yield front_end.app


def application_builder(server: FakeBotApiServer) -> ApplicationBuilder:
    """An ApplicationBuilder whose bot talks HTTP to `server` with the server's token."""
    return ApplicationBuilder().token(server.token).base_url(server.base_url)


def simulator_builder(sim: BotApiSimulator, token: str = DEFAULT_TOKEN) -> ApplicationBuilder:
    """An ApplicationBuilder whose bot calls `sim` in-process, without sockets."""
    return (
        ApplicationBuilder()
        .token(token)
        .request(SimulatorRequest(sim))
        .get_updates_request(SimulatorRequest(sim))
    )


async def barrier(
    sim: BotApiSimulator,
    chat: SimChat | None = None,
    *,
    command: str = "/help",
    timeout: float = 5.0,  # noqa: ASYNC109
) -> SentMessage:
    """Prove every earlier update was handled: send `/help` from a sentinel chat, await the reply.

    `chat` must be a private chat used for nothing else in the test (a dedicated sentinel by
    default). The reply is consumed, so it never shows up in the test's own `next_message`.
    """
    sentinel_chat = chat if chat is not None else SimChat.private(SENTINEL_USER)
    if sentinel_chat.type != "private":
        raise ValueError("the barrier needs a private sentinel chat")
    user = SENTINEL_USER if chat is None else SimUser(chat.id, chat.first_name or "Sentinel")
    sim.send_text(sentinel_chat, user, command)
    reply = await sim.next_message(sentinel_chat.id, timeout=timeout)
    async with asyncio.timeout(timeout):
        for app in list(_WATCHED.get(id(sim), ())):
            if isinstance(app.update_processor, ChatOrderedUpdateProcessor):
                await app.update_processor.join()
    return reply


@pytest_asyncio.fixture
async def fake_api() -> AsyncIterator[FakeBotApiServer]:
    """A running fake Bot API server; fails the test at teardown on any spec violation.

    It also fails when the bot called a valid method the simulator does not implement.
    """
    async with FakeBotApiServer() as server:
        yield server
        server.assert_clean()
