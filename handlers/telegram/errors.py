"""The one error handler: log the failure, tell the user briefly, keep running."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, ContextTypes

from bot.logs import chat_type, update_kind
from handlers.telegram.coach_bot import CoachBot
from handlers.telegram.common import answer, services
from handlers.telegram.delivery import UNREACHABLE_HINTS
from handlers.telegram.reminder_context import telegram_chat

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong. Please try again."


def is_unreachable(error: BaseException | None) -> bool:
    """Whether Telegram refused a send because the chat cannot be written to any more.

    The same rule nudges follow: 403 (blocked, kicked), or 400 such as "chat not found".
    """
    if isinstance(error, Forbidden):
        return True
    return isinstance(error, BadRequest) and any(
        hint in error.message.lower() for hint in UNREACHABLE_HINTS
    )


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log an exception raised while handling an update and apologise to the user."""
    kind = update_kind(update) if isinstance(update, Update) else type(update).__name__
    if isinstance(update, Update) and is_unreachable(context.error):
        await _chat_unreachable(update, context)
        return
    log.error("error while handling %s update", kind, exc_info=context.error)
    if not isinstance(update, Update):
        return
    query = update.callback_query
    if query is not None:
        if not (isinstance(context.bot, CoachBot) and context.bot.was_answered(query)):
            await answer(query, SORRY)
        return
    if update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, SORRY)
        except Exception:
            log.warning("could not tell the user about the error", exc_info=True)


async def _chat_unreachable(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply was refused for good: switch the chat's reminders off and send nothing more."""
    chat = update.effective_chat
    log.warning(
        "reply to a %s update in %s chat refused: %s",
        update_kind(update),
        chat_type(update),
        context.error,
    )
    reminders = services(context).reminders
    if chat is not None and reminders is not None:
        await reminders.chat_unreachable(telegram_chat(chat.id))


def register(app: Application) -> None:
    """Install the error handler."""
    app.add_error_handler(on_error)
