"""What Telegram shows about the bot: its command menus and descriptions."""

from __future__ import annotations

from telegram import BotCommand

from bot.guide import Guide

DESCRIPTION = (
    "MedCoder Coach answers your questions about becoming a medical coder: the four steps, "
    "certifications (CCA, CBCS, CPC, COC, CRC, CIC), salary, outlook, time and cost, all from a "
    "sourced career guide. It can also nudge you to study at your own times."
)
SHORT_DESCRIPTION = "Your coach for becoming a medical coder: steps, certs, pay, study reminders."


def bot_commands(guide: Guide, *, group: bool) -> list[BotCommand]:
    """The command menu Telegram shows, for private chats or for groups."""
    commands = [
        BotCommand("ask", "Ask a question in your own words"),
        BotCommand("steps", "The four steps to become a medical coder"),
        BotCommand("certs", "Certifications: CCA, CBCS, CPC, COC, CRC, CIC"),
    ]
    commands += [BotCommand(s.command, s.title[:256]) for s in guide.sections]
    commands += [
        BotCommand("faq", "Frequently asked questions"),
        BotCommand("sources", "Where the facts come from"),
        BotCommand("remind", "Set a study reminder"),
        BotCommand("reminders", "List your study reminders"),
        BotCommand("help", "Everything I can do"),
    ]
    if not group:
        commands = [BotCommand("start", "Welcome and topic menu"), *commands]
        commands += [
            BotCommand("timezone", "Set your time zone"),
            BotCommand("progress", "Your step and study streak"),
            BotCommand("done", "Record that you studied today"),
            BotCommand("pause", "Pause reminders for a few days"),
            BotCommand("resume", "Resume paused reminders"),
            BotCommand("stopreminders", "Remove all your reminders"),
        ]
    return commands
