"""What Telegram shows about the bot: its command menus (from the registry) and descriptions,
in English for everyone and in each other language for users whose app uses it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from telegram.error import TelegramError

from bot import commands as registry
from bot.guide import Guide
from bot.languages import ENGLISH

log = logging.getLogger(__name__)


def description(guide: Guide) -> str:
    """The bot's description in the guide's language, naming its certifications."""
    codes = ", ".join(c.code for c in guide.certifications)
    return guide.messages.text("guide.bot_description", codes=codes)


def short_description(guide: Guide) -> str:
    """The bot's short description (profile page, shares) in the guide's language."""
    return guide.messages.text("guide.bot_short_description")


def bot_commands(guide: Guide, *, group: bool) -> list[BotCommand]:
    """The command menu Telegram shows, for private chats or for groups (from the registry)."""
    scope: registry.Scope = "group" if group else "private"
    return [BotCommand(c.name, c.description) for c in registry.offered(guide, scope)]


async def set_menus(bot: Bot, guide: Guide) -> None:
    """setMyCommands (private and group chats), setMyDescription and setMyShortDescription,
    in English with no ``language_code`` (the default) and in every translation with its
    code. A refusal is logged, never fatal."""
    for code, found in (guide.translations or {ENGLISH: guide}).items():
        language = None if code == ENGLISH else code
        calls: list[tuple[str, Awaitable[bool]]] = [
            (
                "private commands",
                bot.set_my_commands(
                    bot_commands(found, group=False),
                    scope=BotCommandScopeAllPrivateChats(),
                    language_code=language,
                ),
            ),
            (
                "group commands",
                bot.set_my_commands(
                    bot_commands(found, group=True),
                    scope=BotCommandScopeAllGroupChats(),
                    language_code=language,
                ),
            ),
            ("description", bot.set_my_description(description(found), language_code=language)),
            (
                "short description",
                bot.set_my_short_description(short_description(found), language_code=language),
            ),
        ]
        for what, call in calls:
            try:
                await call
            except TelegramError as exc:
                log.warning("could not set the bot's %s (%s): %s", what, code, exc)
