"""Settings: read from the environment and .env, validated with clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError

TOKEN = "123456789:AAHfakeTokenForTests_abcdefghijklmno"


def test_reads_every_setting(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "DATA_DIR": str(tmp_path),
            "LOG_LEVEL": "debug",
            "ADMIN_IDS": "1, 2,3",
            "REMINDER_GRACE_MINUTES": "45",
        },
        env_file=None,
    )
    assert settings.token.reveal() == TOKEN
    assert settings.api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.data_dir == tmp_path
    assert settings.log_level == "DEBUG"
    assert settings.admin_ids == frozenset({1, 2, 3})
    assert settings.reminder_grace_minutes == 45


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nLOG_LEVEL=WARNING\n")
    settings = Settings.from_env({"LOG_LEVEL": "ERROR"}, env_file=env_file)
    assert settings.token.reveal() == TOKEN
    assert settings.log_level == "ERROR"


def test_token_never_shows_in_repr() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN}, env_file=None)
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings.token)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set.*@BotFather"),
        ({"TELEGRAM_BOT_TOKEN": "nonsense"}, "does not look like a bot token.*@BotFather"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ADMIN_IDS": "me"}, "ADMIN_IDS must be"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "ftp://x"}, "http"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "REMINDER_GRACE_MINUTES": "-1"}, "whole number"),
    ],
)
def test_bad_settings_are_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(environ, env_file=None)
