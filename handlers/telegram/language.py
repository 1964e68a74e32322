"""/language and its buttons: show or choose the language the bot answers this chat in."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.actions import decode
from bot.use_cases.language import LanguageUseCases, needs_manager
from handlers.telegram.common import command, services
from handlers.telegram.reminder_context import actor_of, show


def use_cases(context: ContextTypes.DEFAULT_TYPE) -> LanguageUseCases:
    """The /language use cases over the core's reminder service and guide."""
    found = services(context)
    return LanguageUseCases(found.reminders, found.guide)


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the chat's language and the choices, or choose one (/language es)."""
    args = " ".join(context.args or ())
    who = await actor_of(update, context, check_admin=needs_manager(args))
    if who is not None:
        await show(update, context, await use_cases(context).command(who, args))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Choose the language a /language button names."""
    query = update.callback_query
    who = await actor_of(update, context, check_admin=True)
    if query is not None and who is not None:
        await show(update, context, await use_cases(context).press(who, decode(query.data or "")))


def register(app: Application) -> None:
    """Add /language and its buttons."""
    app.add_handler(command("language", language))
    app.add_handler(CallbackQueryHandler(button, pattern=r"^lang:"))
