"""Operator commands, for the user ids in ADMIN_IDS: /stats."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ContextTypes, filters

from handlers.telegram.common import command, reply, services
from handlers.telegram.views import View


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show subscriber and delivery counts to an operator."""
    user = update.effective_user
    found = services(context)
    if user is None or user.id not in found.settings.admin_ids:
        await reply(update, context, View("This command is for the bot's operators."))
        return
    if found.repository is None or found.reminders is None:
        await reply(update, context, View("Reminders are not running."))
        return
    counts = await found.repository.counts()
    outbox = found.reminders.outbox.stats
    engine = found.reminders.dispatcher
    lines = [
        "<b>MedCoder Coach stats</b>",
        f"Chats with a profile: {counts.profiles}",
        f"Reminders: {counts.reminders} ({counts.active_reminders} active)",
        f"Scheduled now: {len(engine)} in {engine.slot_count} slots; "
        f"in flight: {engine.in_flight()}",
        f"Nudges sent: {outbox.sent}; failed attempts: {outbox.failed}; "
        f"unreachable: {outbox.unreachable}",
        f"Skipped as too late: {engine.skipped_late}; while paused: {engine.skipped_paused}; "
        f"dropped after rate limits: {engine.dropped}",
    ]
    await reply(update, context, View("\n".join(lines)))


def register(app: Application) -> None:
    """Add the operator commands (private chats only)."""
    app.add_handler(command("stats", stats, filters.ChatType.PRIVATE))
