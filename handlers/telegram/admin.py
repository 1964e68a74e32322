"""Operator commands (private chats only): /stats and /backup. Thin: the core's admin use case
decides who is an operator and what the figures say."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ContextTypes, filters

from bot.use_cases.admin import AdminUseCases
from handlers.telegram.common import command, reply, services, speaker


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show subscriber and delivery counts to an operator; tell anyone else it is not theirs."""
    who = await speaker(update, context)
    if who is not None:
        await reply(update, context, await AdminUseCases.of(services(context)).stats(who))


async def backup(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Write a snapshot of the data folder now, for an operator."""
    who = await speaker(update, context)
    if who is not None:
        await reply(update, context, await AdminUseCases.of(services(context)).backup(who))


def register(app: Application) -> None:
    """Add the operator commands (private chats only)."""
    app.add_handler(command("stats", stats, filters.ChatType.PRIVATE))
    app.add_handler(command("backup", backup, filters.ChatType.PRIVATE))
