"""``python -m bot`` in webhook mode: answers, serves /healthz, exits 0 on SIGTERM, keeps the
webhook set, and never logs its secret even at DEBUG (where the library logs call params)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp

from tests.e2e.bot_process import free_port, start_bot
from tests.e2e.test_process import clean_env
from tests.fakeapi.server import FakeBotApiServer
from tests.fakeapi.simulator import SimChat, SimUser

ANN = SimUser(8101, "Ann", "ann")
SECRET = "process-Secret_9876543210"


async def test_webhook_process_answers_then_exits_0_on_sigterm_without_logging_the_secret(
    fake_api: FakeBotApiServer, tmp_path: Path
) -> None:
    sim = fake_api.sim
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    env = clean_env(
        TELEGRAM_BOT_TOKEN=fake_api.token,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        TELEGRAM_WEBHOOK_URL=url,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        DATA_DIR=str(tmp_path / "data"),
        LOG_LEVEL="DEBUG",
    )
    process = await start_bot(tmp_path, env)
    try:
        chat = SimChat.private(ANN)
        sim.send_text(chat, ANN, "/salary")
        reply = await sim.next_message(chat.id, timeout=30)
        assert "$50,250" in reply.plain_text
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as health,
        ):
            assert health.status == 200
            assert await health.json() == {"storage": "ok", "scheduler": "ok"}
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "SIGTERM received: stopping" in log and "Traceback" not in log
    assert "taking updates by webhook" in log
    (set_webhook,) = sim.calls_to("setWebhook")
    assert set_webhook.params["secret_token"] == SECRET  # sent, and logged by PTB at DEBUG...
    assert "'secret_token': '[REDACTED]'" in log
    assert SECRET not in log  # ...but redacted everywhere
    assert fake_api.token.split(":")[1] not in log
    assert sim.calls_to("deleteWebhook") == [] and sim.calls_to("getUpdates") == []
    assert sim.webhook.info()["url"] == url  # kept for the next start
