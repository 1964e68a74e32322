"""Webhook mode end to end: the real Application on its webhook server, fed by the fake Bot
API over loopback; the secret header, bodies that are no update, /healthz, stop and restart."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from pydantic import SecretStr
from telegram import Update

from bot.core import Core, FrontEndError, serving
from bot.settings import Settings, TelegramSettings
from handlers.telegram.app import TelegramFrontEnd
from handlers.telegram.webhook import SECRET_HEADER
from tests.conftest import settings_for
from tests.e2e.bot_process import free_port
from tests.fakeapi.server import FakeBotApiServer
from tests.fakeapi.simulator import BotApiSimulator, SimChat, SimUser
from tests.harness import barrier, coach_running, watching

ANN = SimUser(8001, "Ann", "ann")
BOB = SimUser(8002, "Bob", "bob")
EVE = SimUser(8003, "Eve", "eve")
ANN_CHAT, BOB_CHAT, EVE_CHAT = (SimChat.private(u) for u in (ANN, BOB, EVE))
SECRET = "webhook-Secret_0123456789"
PATH = "/telegram/updates"
SALARY = "$50,250"
# A poll the library cannot read (no persistent id): polling skips such an update.
UNREADABLE_POLL = {
    "id": "5",
    "question": "q",
    "options": [{"text": "a", "voter_count": 0}],
    "total_voter_count": 0,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
}


def webhook_settings(server: FakeBotApiServer, data_dir: Path, port: int) -> Settings:
    """Webhook mode on 127.0.0.1:``port``, Telegram (the fake) posting to ``PATH``."""
    return Settings(
        data_dir=data_dir,
        telegram=TelegramSettings(
            token=SecretStr(server.token),
            api_base_url=server.base_url,
            webhook_url=f"http://127.0.0.1:{port}{PATH}",
            webhook_secret=SecretStr(SECRET),
            webhook_listen="127.0.0.1",
            webhook_port=port,
        ),
    )


@asynccontextmanager
async def webhook_bot(settings: Settings, sim: BotApiSimulator) -> AsyncIterator[Core]:
    """Open the core and serve the Telegram front end in webhook mode, as ``python -m bot``."""
    async with Core.open(settings) as core:
        front_end = await asyncio.to_thread(TelegramFrontEnd, core)
        with watching(sim, front_end.app):
            async with serving(core, [front_end]):
                yield core


class Bot:
    """The running bot's webhook, as a client outside Telegram sees it."""

    def __init__(self, core: Core, port: int) -> None:
        self.core = core
        self.base = f"http://127.0.0.1:{port}"

    async def post(self, body: bytes, secret: str | None = SECRET) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.base + PATH, data=body, headers=headers) as answer,
        ):
            return answer.status

    async def healthz(self) -> tuple[int, Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.base + "/healthz") as answer,
        ):
            return answer.status, await answer.json()


@pytest.fixture
def port() -> int:
    return free_port()


@pytest_asyncio.fixture
async def bot(fake_api: FakeBotApiServer, tmp_path: Path, port: int) -> AsyncIterator[Bot]:
    settings = webhook_settings(fake_api, tmp_path / "data", port)
    async with webhook_bot(settings, fake_api.sim) as core:
        yield Bot(core, port)


def salary_update(user: SimUser, update_id: int = 1) -> bytes:
    """A /salary command from ``user`` in their private chat, as Telegram would post it."""
    message = {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": SimChat.private(user).to_dict(),
        "from": user.to_dict(),
        "text": "/salary",
        "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
    }
    return json.dumps({"update_id": update_id, "message": message}).encode()


async def test_commands_are_answered_through_the_webhook(
    fake_api: FakeBotApiServer, bot: Bot, port: int
) -> None:
    sim = fake_api.sim
    sim.send_text(ANN_CHAT, ANN, "/salary")
    reply = await sim.next_message(ANN_CHAT.id)
    assert SALARY in reply.plain_text
    (call,) = sim.calls_to("setWebhook")
    assert call.params["url"] == f"http://127.0.0.1:{port}{PATH}"
    assert call.params["secret_token"] == SECRET
    assert call.params["allowed_updates"] == list(Update.ALL_TYPES)
    assert call.params["drop_pending_updates"] is False
    assert sim.calls_to("getUpdates") == []
    assert [(a.status, a.secret_sent) for a in sim.webhook.attempts] == [(200, SECRET)]


@pytest.mark.parametrize("secret", ["wrong-secret", "", None], ids=["wrong", "empty", "none"])
async def test_a_request_without_the_right_secret_is_refused_and_not_processed(
    fake_api: FakeBotApiServer, bot: Bot, secret: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    fake_api.sim.world.add(EVE_CHAT, EVE)  # Telegram knows Eve; the request is not Telegram's
    assert await bot.post(salary_update(EVE), secret=secret) == 403
    await barrier(fake_api.sim)
    assert fake_api.sim.messages_to(EVE_CHAT.id) == []
    assert await bot.post(salary_update(EVE), secret=SECRET) == 200  # the same body, accepted
    assert SALARY in (await fake_api.sim.next_message(EVE_CHAT.id)).plain_text
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("handlers", "bot"))]
    assert "refused a webhook request without the right secret token" in ours
    assert not [line for line in ours if SECRET in line]


async def test_telegram_posting_a_wrong_secret_is_refused_until_it_is_right(
    fake_api: FakeBotApiServer, bot: Bot
) -> None:
    sim = fake_api.sim
    sim.webhook.secret_override = "forged"
    sim.send_text(ANN_CHAT, ANN, "/salary")
    await sim.wait_for(lambda: sim.webhook.last_error_message)
    info = sim.webhook.info()
    assert info["last_error_message"] == "Wrong response from the webhook: 403 Forbidden"
    assert info["pending_update_count"] == 1
    sim.webhook.secret_override = None  # the next retry carries the right secret
    assert SALARY in (await sim.next_message(ANN_CHAT.id)).plain_text
    await barrier(sim)
    assert len(sim.messages_to(ANN_CHAT.id)) == 1


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'"text"', b'{"message": {}}', b'{"update_id": true}', b""],
    ids=["not-json", "array", "string", "no-update-id", "bool-id", "empty"],
)
async def test_a_body_that_is_no_update_gets_400(
    fake_api: FakeBotApiServer, bot: Bot, body: bytes
) -> None:
    assert await bot.post(body) == 400
    await barrier(fake_api.sim)
    assert fake_api.sim.failed_calls() == []


async def test_an_update_the_library_cannot_read_is_acknowledged_and_skipped(
    fake_api: FakeBotApiServer, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    sim = fake_api.sim
    sim.push_update("poll", UNREADABLE_POLL)
    sim.send_text(ANN_CHAT, ANN, "/salary")
    assert SALARY in (await sim.next_message(ANN_CHAT.id)).plain_text
    assert [a.status for a in sim.webhook.attempts] == [200, 200]  # never sent again
    assert sim.webhook.info()["pending_update_count"] == 0
    assert any("could not be read" in r.getMessage() for r in caplog.records)


async def test_healthz_is_200_with_each_part_ok_while_running(bot: Bot) -> None:
    assert await bot.healthz() == (200, {"storage": "ok", "scheduler": "ok"})


async def test_healthz_is_503_when_the_scheduler_is_down(bot: Bot) -> None:
    await bot.core.reminders.stop()
    assert await bot.healthz() == (503, {"storage": "ok", "scheduler": "down"})


async def test_healthz_is_503_when_storage_is_down(bot: Bot) -> None:
    await bot.core.repository.close()
    assert await bot.healthz() == (503, {"storage": "down", "scheduler": "ok"})


async def test_stopping_finishes_an_update_in_flight_and_keeps_the_webhook(
    fake_api: FakeBotApiServer, tmp_path: Path, port: int
) -> None:
    sim = fake_api.sim
    sim.delay("sendMessage", 0.3, times=1)  # the reply is still on its way at stop
    async with webhook_bot(webhook_settings(fake_api, tmp_path / "data", port), sim):
        sim.send_text(ANN_CHAT, ANN, "/salary")
        await sim.wait_for(lambda: sim.webhook.delivered)  # acknowledged, being handled
        assert sim.messages_to(ANN_CHAT.id) == []
    assert [SALARY in m.plain_text for m in sim.messages_to(ANN_CHAT.id)] == [True]
    with pytest.raises(aiohttp.ClientConnectionError):  # the server stopped listening
        await Bot(None, port).post(salary_update(ANN))  # type: ignore[arg-type]
    assert sim.calls_to("deleteWebhook") == []
    assert sim.webhook.info()["url"] == f"http://127.0.0.1:{port}{PATH}"


async def test_an_update_arriving_while_stopping_is_left_with_telegram_not_lost(
    fake_api: FakeBotApiServer, tmp_path: Path, port: int
) -> None:
    sim = fake_api.sim
    settings = webhook_settings(fake_api, tmp_path / "data", port)
    stop = asyncio.Event()

    async def run_until_stopped() -> None:
        async with webhook_bot(settings, sim):
            await stop.wait()

    sim.delay("sendMessage", 0.5, times=1)  # Ann's reply keeps the stop waiting
    running = asyncio.create_task(run_until_stopped())
    await sim.wait_for(lambda: sim.calls_to("setWebhook"))
    sim.send_text(ANN_CHAT, ANN, "/salary")
    await sim.wait_for(lambda: sim.webhook.delivered)
    stop.set()
    sim.send_text(BOB_CHAT, BOB, "/salary")  # arrives while the bot stops
    async with asyncio.timeout(10):
        await running
    assert len(sim.messages_to(ANN_CHAT.id)) == 1
    async with webhook_bot(settings, sim):
        await barrier(sim)
    bob = sim.messages_to(BOB_CHAT.id)
    assert [SALARY in m.plain_text for m in bob] == [True]  # answered once, in either run


async def test_a_restart_keeps_the_webhook_and_answers_every_update_once(
    fake_api: FakeBotApiServer, tmp_path: Path, port: int
) -> None:
    sim = fake_api.sim
    settings = webhook_settings(fake_api, tmp_path / "data", port)
    async with webhook_bot(settings, sim):
        sim.send_text(ANN_CHAT, ANN, "/salary")
        assert SALARY in (await sim.next_message(ANN_CHAT.id)).plain_text
    # Down: Telegram keeps what users send and keeps trying.
    sim.send_text(BOB_CHAT, BOB, "/salary")
    sim.send_text(ANN_CHAT, ANN, "/help")
    sim.send_text(ANN_CHAT, ANN, "/salary")
    sim.send_text(EVE_CHAT, EVE, "/salary")
    await sim.wait_for(lambda: sim.webhook.last_error_message == "Connection refused")
    assert sim.webhook.info()["pending_update_count"] == 4
    async with webhook_bot(settings, sim):
        bob = await sim.next_message(BOB_CHAT.id)
        help_text = await sim.next_message(ANN_CHAT.id)
        salary = await sim.next_message(ANN_CHAT.id)
        eve = await sim.next_message(EVE_CHAT.id)
        await barrier(sim)
    assert SALARY in bob.plain_text and SALARY in eve.plain_text and SALARY in salary.plain_text
    assert "/steps" in help_text.plain_text  # Ann's two updates in the order she sent them
    counts = [len(sim.messages_to(c.id)) for c in (ANN_CHAT, BOB_CHAT, EVE_CHAT)]
    assert counts == [3, 1, 1]  # each update answered once
    assert len(sim.calls_to("setWebhook")) == 2
    assert sim.calls_to("deleteWebhook") == []
    assert sim.webhook.info()["pending_update_count"] == 0


async def test_polling_removes_a_webhook_left_by_an_earlier_run_and_keeps_its_updates(
    fake_api: FakeBotApiServer, tmp_path: Path
) -> None:
    sim = fake_api.sim
    status, _body = await sim.handle(
        "setWebhook", {"url": f"http://127.0.0.1:{free_port()}{PATH}", "secret_token": SECRET}
    )
    assert status == 200
    sim.send_text(ANN_CHAT, ANN, "/salary")  # pending: nobody listens at the webhook
    async with coach_running(settings_for(fake_api, tmp_path / "data"), sim=sim):
        assert SALARY in (await sim.next_message(ANN_CHAT.id)).plain_text
    (delete,) = sim.calls_to("deleteWebhook")
    assert not delete.params.get("drop_pending_updates")
    assert sim.webhook.info()["url"] == ""


async def test_a_port_in_use_stops_start_up_with_one_clear_error(
    fake_api: FakeBotApiServer, tmp_path: Path, port: int
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        with pytest.raises(FrontEndError) as caught:
            async with webhook_bot(webhook_settings(fake_api, tmp_path / "d", port), fake_api.sim):
                pass
    assert caught.value.exit_status == 1
    assert "WEBHOOK_PORT" in str(caught.value) and str(port) in str(caught.value)
    assert fake_api.sim.calls_to("setWebhook") == []


async def test_telegram_refusing_the_webhook_stops_start_up_with_one_clear_error(
    fake_api: FakeBotApiServer, tmp_path: Path, port: int
) -> None:
    refusal = "Bad Request: bad webhook: HTTPS url must be provided for webhook"
    fake_api.sim.fail_next("setWebhook", 400, refusal)
    with pytest.raises(FrontEndError) as caught:
        async with webhook_bot(webhook_settings(fake_api, tmp_path / "d", port), fake_api.sim):
            pass
    assert caught.value.exit_status == 2
    assert "TELEGRAM_WEBHOOK_URL" in str(caught.value) and "https url must be provided" in str(
        caught.value
    )
    assert SECRET not in str(caught.value)
