"""The simulator's webhook: setWebhook rules, getUpdates refused, delivery, order and retries."""

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web

from tests.fakeapi.simulator import BotApiSimulator, SimChat, SimUser
from tests.fakeapi.simulator.webhook import SECRET_HEADER

ANN = SimUser(1001, "Ann", "ann_codes")
BOB = SimUser(1002, "Bob")
ANN_CHAT = SimChat.private(ANN)
BOB_CHAT = SimChat.private(BOB)
SECRET = "s3cret_-token"


class Receiver:
    """A bot's webhook endpoint: records each POST, answers ``status``, waits for ``gate``."""

    def __init__(self) -> None:
        self.arrived: asyncio.Queue[tuple[dict[str, Any], str | None]] = asyncio.Queue()
        self.status = 200
        self.gate = asyncio.Event()
        self.gate.set()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        await self.arrived.put((await request.json(), request.headers.get(SECRET_HEADER)))
        await self.gate.wait()
        return web.Response(status=self.status)

    async def next(self) -> tuple[dict[str, Any], str | None]:
        return await asyncio.wait_for(self.arrived.get(), 5)


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    simulator = BotApiSimulator()
    yield simulator
    await simulator.close()


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    found.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield found
    found.gate.set()
    await runner.cleanup()


async def call(sim: BotApiSimulator, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    return await sim.handle(method, params)


async def ok(sim: BotApiSimulator, method: str, **params: Any) -> Any:
    status, body = await sim.handle(method, params)
    assert status == 200, body
    return body["result"]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("secret", "detail"),
    [
        ("has space", "unallowed characters"),
        ("ünïcode", "unallowed characters"),
        ("a" * 257, "too long"),
    ],
)
async def test_set_webhook_refuses_a_secret_telegram_refuses(
    sim: BotApiSimulator, secret: str, detail: str
) -> None:
    status, body = await call(
        sim, "setWebhook", url="https://bot.example.org/t", secret_token=secret
    )
    assert status == 400
    assert detail in body["description"]
    assert (await ok(sim, "getWebhookInfo"))["url"] == ""


async def test_a_256_character_secret_is_accepted(sim: BotApiSimulator) -> None:
    secret = "A-z_0" * 51 + "9"
    assert await ok(sim, "setWebhook", url="https://bot.example.org/t", secret_token=secret)
    assert (await ok(sim, "getWebhookInfo"))["url"] == "https://bot.example.org/t"


async def test_get_updates_is_a_conflict_while_a_webhook_is_set(sim: BotApiSimulator) -> None:
    await ok(sim, "setWebhook", url=f"http://127.0.0.1:{closed_port()}/hook")
    status, body = await call(sim, "getUpdates", timeout=0)
    assert status == 409
    assert "webhook is active" in body["description"]


async def test_set_webhook_ends_a_waiting_long_poll_with_a_conflict(sim: BotApiSimulator) -> None:
    poll = asyncio.create_task(sim.handle("getUpdates", {"timeout": 5}))
    await sim.wait_for(lambda: sim.waiting_pollers)
    await ok(sim, "setWebhook", url=f"http://127.0.0.1:{closed_port()}/hook")
    status, body = await poll
    assert status == 409
    assert "webhook is active" in body["description"]


async def test_delete_webhook_keeps_pending_updates_for_get_updates(sim: BotApiSimulator) -> None:
    await ok(sim, "setWebhook", url=f"http://127.0.0.1:{closed_port()}/hook")
    sim.send_text(ANN_CHAT, ANN, "kept")
    assert await ok(sim, "deleteWebhook", drop_pending_updates=False)
    info = await ok(sim, "getWebhookInfo")
    assert info["url"] == "" and info["pending_update_count"] == 1
    updates = await ok(sim, "getUpdates", timeout=0)
    assert [u["message"]["text"] for u in updates] == ["kept"]


async def test_an_empty_url_removes_the_webhook(sim: BotApiSimulator) -> None:
    await ok(sim, "setWebhook", url=f"http://127.0.0.1:{closed_port()}/hook")
    assert await ok(sim, "setWebhook", url="")
    assert await ok(sim, "getUpdates", timeout=0) == []


async def test_updates_are_posted_with_the_secret_header(
    sim: BotApiSimulator, receiver: Receiver
) -> None:
    sent = sim.send_text(ANN_CHAT, ANN, "queued before")
    await ok(sim, "setWebhook", url=receiver.url, secret_token=SECRET)
    update, secret = await receiver.next()
    assert update["message"] == sent and secret == SECRET
    sim.send_text(ANN_CHAT, ANN, "after")
    update, secret = await receiver.next()
    assert update["message"]["text"] == "after" and secret == SECRET
    await sim.wait_for(lambda: len(sim.webhook.delivered) == 2)
    assert (await ok(sim, "getWebhookInfo"))["pending_update_count"] == 0


async def test_no_secret_set_means_no_header(sim: BotApiSimulator, receiver: Receiver) -> None:
    await ok(sim, "setWebhook", url=receiver.url)
    sim.send_text(ANN_CHAT, ANN, "hi")
    _update, secret = await receiver.next()
    assert secret is None


async def test_set_webhook_can_drop_pending_updates(
    sim: BotApiSimulator, receiver: Receiver
) -> None:
    sim.send_text(ANN_CHAT, ANN, "dropped")
    await ok(sim, "setWebhook", url=receiver.url, drop_pending_updates=True)
    sim.send_text(ANN_CHAT, ANN, "new")
    update, _secret = await receiver.next()
    assert update["message"]["text"] == "new"


async def test_one_chat_waits_for_its_previous_update_other_chats_do_not(
    sim: BotApiSimulator, receiver: Receiver
) -> None:
    receiver.gate.clear()
    await ok(sim, "setWebhook", url=receiver.url)
    sim.send_text(ANN_CHAT, ANN, "one")
    sim.send_text(ANN_CHAT, ANN, "two")
    sim.send_text(BOB_CHAT, BOB, "bob")
    arrived = {}
    for _ in range(2):
        update, _secret = await receiver.next()
        arrived[update["message"]["text"]] = update["update_id"]
    assert set(arrived) == {"one", "bob"}  # Bob's update did not wait for Ann's
    assert sim.webhook.in_flight() == set(arrived.values())  # "two" waits for "one"
    receiver.gate.set()
    update, _secret = await receiver.next()
    assert update["message"]["text"] == "two"
    assert arrived["one"] in sim.webhook.delivered  # acknowledged before "two" was posted


async def test_an_update_refused_by_the_bot_is_kept_and_sent_again(
    sim: BotApiSimulator, receiver: Receiver
) -> None:
    receiver.status = 500
    await ok(sim, "setWebhook", url=receiver.url, secret_token=SECRET)
    sim.send_text(ANN_CHAT, ANN, "retry me")
    await sim.wait_for(lambda: sim.webhook.last_error_message)
    info = await ok(sim, "getWebhookInfo")
    assert info["pending_update_count"] == 1
    assert (
        info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
    )
    assert isinstance(info["last_error_date"], int)
    receiver.status = 200
    await sim.wait_for(lambda: sim.webhook.delivered)
    texts = []
    while not receiver.arrived.empty():
        texts.append((await receiver.next())[0]["message"]["text"])
    assert set(texts) == {"retry me"} and len(texts) >= 2
    assert (await ok(sim, "getWebhookInfo"))["pending_update_count"] == 0
    assert len(sim.webhook.delivered) == 1


async def test_an_unreachable_webhook_keeps_updates_pending(sim: BotApiSimulator) -> None:
    await ok(sim, "setWebhook", url=f"http://127.0.0.1:{closed_port()}/hook")
    sim.send_text(ANN_CHAT, ANN, "a")
    sim.send_text(BOB_CHAT, BOB, "b")
    await sim.wait_for(lambda: sim.webhook.last_error_message)
    info = await ok(sim, "getWebhookInfo")
    assert info["last_error_message"] == "Connection refused"
    assert info["pending_update_count"] == 2
    assert sim.webhook.delivered == []


async def test_a_forged_secret_is_sent_while_a_test_asks_for_it(
    sim: BotApiSimulator, receiver: Receiver
) -> None:
    await ok(sim, "setWebhook", url=receiver.url, secret_token=SECRET)
    sim.webhook.secret_override = "wrong"
    sim.send_text(ANN_CHAT, ANN, "a")
    assert (await receiver.next())[1] == "wrong"
    sim.webhook.secret_override = ""
    sim.send_text(BOB_CHAT, BOB, "b")
    assert (await receiver.next())[1] is None
