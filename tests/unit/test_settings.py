"""Settings: core and per-front-end groups, from the environment and .env, with clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.settings import DiscordSettings, Settings, SettingsError, TelegramSettings

TOKEN = "123456789:AAHfakeTokenForTests_abcdefghijklmno"
DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GfakeX.discord-bot-token-for-the-tests"


def test_reads_every_core_and_telegram_setting(tmp_path: Path) -> None:
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
    assert settings.telegram is not None
    assert settings.telegram.token.get_secret_value() == TOKEN
    assert settings.telegram.api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.telegram.admin_ids == frozenset({1, 2, 3})
    assert settings.admin_ids == frozenset({1, 2, 3})
    assert settings.data_dir == tmp_path
    assert settings.log_level == "DEBUG"
    assert settings.reminder_grace_minutes == 45
    assert settings.discord is None


def test_defaults_with_only_a_telegram_token() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "DATA_DIR": " "}, env_file=None)
    assert settings.data_dir == Path("data")
    assert settings.log_level == "INFO"
    assert settings.reminder_grace_minutes == 30
    assert settings.telegram is not None and settings.telegram.api_base_url is None
    assert settings.admin_ids == frozenset()


def test_only_a_discord_token_gives_only_the_discord_group() -> None:
    settings = Settings.from_env(
        {
            "DISCORD_BOT_TOKEN": DISCORD_TOKEN,
            "DISCORD_API_BASE_URL": "http://127.0.0.1:8082/api/v10",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8082/gateway",
            "DISCORD_ADMIN_IDS": "80351110224678912",
        },
        env_file=None,
    )
    assert settings.telegram is None
    assert settings.discord is not None
    assert settings.discord.token.get_secret_value() == DISCORD_TOKEN
    assert settings.discord.api_base_url == "http://127.0.0.1:8082/api/v10"
    assert settings.discord.gateway_url == "ws://127.0.0.1:8082/gateway"
    assert settings.discord.admin_ids == frozenset({80351110224678912})
    assert settings.admin_ids == frozenset()  # Telegram's operators: none


def test_both_tokens_give_both_groups() -> None:
    settings = Settings.from_env(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "DISCORD_BOT_TOKEN": DISCORD_TOKEN}, env_file=None
    )
    assert settings.telegram is not None and settings.discord is not None
    assert settings.secrets() == [TOKEN, DISCORD_TOKEN]


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nLOG_LEVEL=WARNING\nADMIN_IDS=7\n")
    settings = Settings.from_env({"LOG_LEVEL": "ERROR"}, env_file=env_file)
    assert settings.telegram is not None
    assert settings.telegram.token.get_secret_value() == TOKEN
    assert settings.admin_ids == frozenset({7})
    assert settings.log_level == "ERROR"


def test_the_process_environment_is_read_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("LOG_LEVEL=WARNING\nREMINDER_GRACE_MINUTES=5\n")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("LOG_LEVEL", "ERROR")
    settings = Settings.from_env()
    assert settings.log_level == "ERROR"
    assert settings.reminder_grace_minutes == 5


def test_tokens_never_show_in_repr() -> None:
    settings = Settings.from_env(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "DISCORD_BOT_TOKEN": DISCORD_TOKEN}, env_file=None
    )
    assert settings.telegram is not None and settings.discord is not None
    for shown in (repr(settings), str(settings), str(settings.telegram.token)):
        assert TOKEN not in shown
        assert DISCORD_TOKEN not in shown


def test_settings_are_built_directly_without_reading_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_DIR", "/elsewhere")
    settings = Settings(data_dir=tmp_path, telegram=TelegramSettings(token=SecretStr(TOKEN)))
    assert settings.data_dir == tmp_path
    assert Settings().telegram is None and Settings().discord is None


def test_direct_construction_validates_too() -> None:
    with pytest.raises(ValueError, match="does not look like a bot token"):
        TelegramSettings(token=SecretStr("nonsense"))
    with pytest.raises(ValueError, match="DISCORD_BOT_TOKEN does not look"):
        DiscordSettings(token=SecretStr("nonsense"))


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "Neither TELEGRAM_BOT_TOKEN nor DISCORD_BOT_TOKEN is set.*@BotFather"),
        ({"TELEGRAM_BOT_TOKEN": "  "}, "Neither TELEGRAM_BOT_TOKEN nor DISCORD_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "nonsense"}, "does not look like a bot token.*@BotFather"),
        ({"DISCORD_BOT_TOKEN": "nonsense"}, "DISCORD_BOT_TOKEN does not look like a bot token"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ADMIN_IDS": "me"}, "ADMIN_IDS must be"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "ftp://x"}, "http"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "REMINDER_GRACE_MINUTES": "-1"}, "whole number"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "REMINDER_GRACE_MINUTES": "1441"}, "0 to 1440"),
        # A front end without a token is off, but its other values are still checked.
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "DISCORD_ADMIN_IDS": "x"}, "DISCORD_ADMIN_IDS must be"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "DISCORD_API_BASE_URL": "x"}, "DISCORD_API_BASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "DISCORD_GATEWAY_URL": "http://x"}, "ws\\(s\\) URL"),
        ({"DISCORD_BOT_TOKEN": DISCORD_TOKEN, "ADMIN_IDS": "1;2"}, "ADMIN_IDS must be"),
    ],
)
def test_bad_settings_are_one_message_naming_the_variable(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        Settings.from_env(environ, env_file=None)
    assert "\n" not in str(caught.value)
    assert "nonsense" not in str(caught.value)
