"""What Telegram shows about the bot: its command menus (from the registry) and descriptions."""

from __future__ import annotations

from telegram import BotCommand

from bot import commands as registry
from bot.guide import Guide

# The description with today's guide; set from description(guide), kept for comparison.
DESCRIPTION = (
    "MedCoder Coach answers your questions about becoming a medical coder: the four steps, "
    "certifications (CCA, CBCS, CPC, COC, CRC, CIC), salary, outlook, time and cost, all from a "
    "sourced career guide. It can also nudge you to study at your own times."
)
SHORT_DESCRIPTION = "Your coach for becoming a medical coder: steps, certs, pay, study reminders."


def description(guide: Guide) -> str:
    """The bot's description, naming the guide's certifications as they are now."""
    codes = ", ".join(c.code for c in guide.certifications)
    return (
        "MedCoder Coach answers your questions about becoming a medical coder: the four steps, "
        f"certifications ({codes}), salary, outlook, time and cost, all from a "
        "sourced career guide. It can also nudge you to study at your own times."
    )


def bot_commands(guide: Guide, *, group: bool) -> list[BotCommand]:
    """The command menu Telegram shows, for private chats or for groups (from the registry)."""
    scope: registry.Scope = "group" if group else "private"
    return [BotCommand(c.name, c.description) for c in registry.offered(guide, scope)]
