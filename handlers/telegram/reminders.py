"""Reminder commands: /remind (and the time typed after it), /reminders, /timezone, /pause,
/resume, /stopreminders. Each parses the update, calls the use case and shows its Reply."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    ContextTypes,
    MessageHandler,
    filters,
)

from handlers.telegram import reminder_buttons
from handlers.telegram.common import COMMAND, NEW_MESSAGES, command, is_group
from handlers.telegram.reminder_context import (
    AWAITING_TIME,
    actor_of,
    run_command,
    show,
    use_cases,
)


async def remind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Set a reminder in one line (/remind 19:30 mon,wed,fri) or start the button flow."""
    if not context.args and not is_group(update) and context.user_data is not None:
        context.user_data[AWAITING_TIME] = True  # the next plain text may be the time
    await run_command(update, context, "remind")


async def list_reminders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the chat's reminders with their next times and buttons."""
    await run_command(update, context, "reminders")


async def timezone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show or set the chat's time zone: /timezone Area/City."""
    await run_command(update, context, "timezone")


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pause all reminders for some days (/pause 3) or until /resume."""
    await run_command(update, context, "pause")


async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """End a pause."""
    await run_command(update, context, "resume")


async def stop_reminders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask for confirmation before removing every reminder."""
    await run_command(update, context, "stopreminders")


async def typed_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Take a typed time after /remind asked for one; otherwise let questions handle it."""
    message = update.effective_message
    if context.user_data is None or not context.user_data.get(AWAITING_TIME) or message is None:
        return
    context.user_data.pop(AWAITING_TIME, None)
    actor = await actor_of(update, context, check_admin=False)  # private chats only
    if actor is None:
        return
    await show(update, context, await use_cases(context).typed_time(actor, message.text or ""))
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    """Add the reminder commands, their buttons and the typed /remind time."""
    app.add_handler(command("remind", remind))
    app.add_handler(command("reminders", list_reminders))
    app.add_handler(command("timezone", timezone))
    app.add_handler(command("pause", pause))
    app.add_handler(command("resume", resume))
    app.add_handler(command("stopreminders", stop_reminders))
    reminder_buttons.register(app)
    # Runs before the question handlers (group -1) and stops them when it used the text.
    # COMMAND, not filters.COMMAND: a malformed command entity makes the message plain text.
    app.add_handler(
        MessageHandler(
            NEW_MESSAGES & filters.TEXT & ~COMMAND & filters.ChatType.PRIVATE, typed_time
        ),
        group=-1,
    )
