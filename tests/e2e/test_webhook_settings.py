"""From settings to the webhook server (pure mappings), and the health state it serves."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.core import Core, FrontEndError
from bot.health import Health
from bot.settings import Settings, TelegramSettings
from handlers.telegram.app import TelegramFrontEnd
from handlers.telegram.webhook import WebhookConfig

TOKEN = SecretStr("123456789:AAHfakeTokenForTests_abcdefghijklmno")
SECRET = SecretStr("a-Secret_1")


def telegram(url: str | None, listen: str = "0.0.0.0", port: int = 8443) -> TelegramSettings:
    return TelegramSettings(
        token=TOKEN,
        webhook_url=url,
        webhook_secret=SECRET if url is not None else None,
        webhook_listen=listen,
        webhook_port=port,
    )


def test_the_config_serves_the_urls_path_on_the_local_socket() -> None:
    settings = telegram(
        "https://bot.example.org/coach/telegram?x=1", listen="127.0.0.1", port=9000
    )
    assert WebhookConfig.from_settings(settings) == WebhookConfig(
        url="https://bot.example.org/coach/telegram?x=1",
        path="/coach/telegram",
        secret="a-Secret_1",
        listen="127.0.0.1",
        port=9000,
    )


def test_a_url_without_a_path_is_served_at_the_root_on_the_default_socket() -> None:
    config = WebhookConfig.from_settings(telegram("https://bot.example.org"))
    assert (config.path, config.listen, config.port) == ("/", "0.0.0.0", 8443)


def test_a_url_on_the_health_path_is_refused() -> None:
    with pytest.raises(ValueError, match="/healthz"):
        WebhookConfig.from_settings(telegram("https://bot.example.org/healthz"))


def test_polling_settings_have_no_webhook_config() -> None:
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_URL"):
        WebhookConfig.from_settings(telegram(None))


def test_the_secret_does_not_show_in_the_configs_repr() -> None:
    # The config holds the secret in clear for the server; its repr must still hide it.
    config = WebhookConfig.from_settings(telegram("https://bot.example.org/t"))
    assert "a-Secret_1" not in repr(config)


async def test_the_front_end_refuses_a_url_on_the_health_path_as_a_setting_error(
    tmp_path: Path,
) -> None:
    settings = telegram("https://bot.example.org/healthz")
    async with Core.open(Settings(data_dir=tmp_path, telegram=settings)) as core:
        with pytest.raises(FrontEndError) as caught:
            TelegramFrontEnd(core)
    assert caught.value.exit_status == 2
    assert "TELEGRAM_WEBHOOK_URL" in str(caught.value)


@pytest.mark.parametrize(
    ("storage", "scheduler", "ok", "body"),
    [
        (True, True, True, {"storage": "ok", "scheduler": "ok"}),
        (False, True, False, {"storage": "down", "scheduler": "ok"}),
        (True, False, False, {"storage": "ok", "scheduler": "down"}),
        (False, False, False, {"storage": "down", "scheduler": "down"}),
    ],
)
def test_health_is_ok_only_when_every_part_works(
    storage: bool, scheduler: bool, ok: bool, body: dict[str, str]
) -> None:
    state = Health(storage=storage, scheduler=scheduler)
    assert state.ok is ok
    assert state.as_json() == body
