"""Progress commands: /progress and /done (their buttons are in reminder_buttons)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ContextTypes

from handlers.telegram.common import command
from handlers.telegram.reminder_context import run_command


async def progress(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the learner's step and streak, with buttons to change the step."""
    await run_command(update, context, "progress")


async def done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Record that the learner studied today."""
    await run_command(update, context, "done")


def register(app: Application) -> None:
    """Add the progress commands."""
    app.add_handler(command("progress", progress))
    app.add_handler(command("done", done))
