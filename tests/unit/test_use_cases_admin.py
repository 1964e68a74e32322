"""The operators' use case: who may see /stats, and what it says."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from bot.actor import Actor, Platform
from bot.core import Core
from bot.messages import default_messages
from bot.replies import Heading
from bot.settings import DiscordSettings, Settings, TelegramSettings
from bot.use_cases.admin import AdminUseCases, is_operator
from handlers.console import render

SETTINGS = Settings(
    telegram=TelegramSettings(
        token=SecretStr("123456789:AAHfakeTokenForTests_abcdefghijklmno"),
        admin_ids=frozenset({7}),
    ),
    discord=DiscordSettings(
        token=SecretStr("MTIzNDU2Nzg5MDEyMzQ1Njc4.GfakeX.discord-bot-token-for-the-tests"),
        admin_ids=frozenset({9}),
    ),
)


def actor(platform: Platform, user_id: int) -> Actor:
    return Actor(platform=platform, chat_id=user_id, user_id=user_id)


def test_operators_are_each_platforms_admin_ids() -> None:
    assert is_operator(SETTINGS, actor("telegram", 7))
    assert not is_operator(SETTINGS, actor("telegram", 9))
    assert is_operator(SETTINGS, actor("discord", 9))
    assert not is_operator(SETTINGS, actor("discord", 7))


def test_a_platform_without_settings_has_no_operators() -> None:
    assert not is_operator(Settings(), actor("telegram", 7))


def test_whoever_types_on_the_console_is_its_operator() -> None:
    assert is_operator(Settings(), actor("console", 1))


async def test_stats_count_what_is_stored(tmp_path: Path) -> None:
    async with Core.open(SETTINGS.model_copy(update={"data_dir": tmp_path})) as core:
        use_cases = AdminUseCases(core.settings, core.repository, core.reminders)
        refused = await use_cases.command(actor("telegram", 8), "stats")
        shown = await use_cases.command(actor("telegram", 7), "stats")
    assert render(refused) == "This command is for the bot's operators."
    assert render(refused) == default_messages().text("admin.operators_only")
    text = render(shown)
    assert text.startswith("MedCoder Coach stats\nChats with a profile: 0\n")
    assert "Reminders: 0 (0 active)" in text
    assert "dropped after rate limits: 0" in text
    assert not any(isinstance(block, Heading) for block in shown.blocks)  # one paragraph
