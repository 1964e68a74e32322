"""The one error handler: log the failure, tell the user briefly, keep running."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.logs import update_kind

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log an exception raised while handling an update and apologise to the user."""
    kind = update_kind(update) if isinstance(update, Update) else type(update).__name__
    log.error("error while handling %s update", kind, exc_info=context.error)
    if not isinstance(update, Update):
        return
    if update.callback_query is not None:
        try:
            await update.callback_query.answer("Sorry, something went wrong. Please try again.")
        except Exception:  # the query may already be answered or too old
            log.debug("could not answer the failed callback query", exc_info=True)
        return
    if update.effective_chat is not None:
        try:
            await context.bot.send_message(
                update.effective_chat.id, "Sorry, something went wrong. Please try again."
            )
        except Exception:
            log.warning("could not tell the user about the error", exc_info=True)


def register(app: Application) -> None:
    """Install the error handler."""
    app.add_error_handler(on_error)
