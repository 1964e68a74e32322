"""A person's own data on Telegram: /mydata (a JSON document), /deleteme and its buttons."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.actions import decode
from bot.use_cases.privacy import PrivacyUseCases, needs_manager
from handlers.telegram.common import command, services
from handlers.telegram.reminder_context import actor_of, show


def use_cases(context: ContextTypes.DEFAULT_TYPE) -> PrivacyUseCases:
    """The privacy use cases over the core."""
    core = services(context)
    return PrivacyUseCases(core.reminders, core.announcements, core.guide)


async def mydata(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send everything stored about this chat as a JSON document."""
    who = await actor_of(update, context, check_admin=needs_manager("mydata"))
    if who is not None:
        await show(update, context, await use_cases(context).command(who, "mydata"))


async def deleteme(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask before deleting everything stored about this chat."""
    who = await actor_of(update, context, check_admin=needs_manager("deleteme"))
    if who is not None:
        await show(update, context, await use_cases(context).command(who, "deleteme"))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Erase, or keep, after /deleteme asked."""
    query = update.callback_query
    who = await actor_of(update, context, check_admin=True)
    if query is not None and who is not None:
        await show(update, context, await use_cases(context).press(who, decode(query.data or "")))


def register(app: Application) -> None:
    """Add /mydata, /deleteme and the erase buttons."""
    app.add_handler(command("mydata", mydata))
    app.add_handler(command("deleteme", deleteme))
    app.add_handler(CallbackQueryHandler(button, pattern=r"^erase:"))
