"""Every reminder, progress and nudge button: decode the data, call the use case, render.

The use case acts first; the button press is answered last, best effort, so a press acts even
when its answer fails. Data that decodes to no action only gets the stale-button answer.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.actions import RemindFlow, decode
from bot.use_cases.reminders import needs_manager
from handlers.telegram.reminder_context import AWAITING_TIME, actor_of, show, use_cases

# Callback data these buttons own (the /remind flow, manage, stop, zone, back on, progress,
# nudge answers); decode() then tells the action, or Unknown for stale or forged data.
PREFIXES = r"^(?:rf|rm|stop|tz|back|pg|ng):"


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Carry out a reminder, progress or nudge button."""
    query = update.callback_query
    if query is None:
        return
    action = decode(query.data or "")
    actor = await actor_of(update, context, check_admin=needs_manager(action))
    if actor is None:
        return
    if isinstance(action, RemindFlow) and actor.may_manage and context.user_data is not None:
        context.user_data.pop(AWAITING_TIME, None)  # the buttons took over from typing
    await show(update, context, await use_cases(context).press(actor, action))


def register(app: Application) -> None:
    """Add the buttons that change reminders and progress."""
    app.add_handler(CallbackQueryHandler(button, pattern=PREFIXES))
