"""Announcements on Telegram: an operator's /broadcast (preview, Send / Cancel, then one
status message edited in place while it goes out) and everyone's /announcements on|off."""

from __future__ import annotations

import logging

from telegram import Bot, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, filters

from bot.actions import decode
from bot.actor import Actor
from bot.use_cases.announcing import AnnouncingUseCases
from handlers.telegram import render
from handlers.telegram.common import command, services
from handlers.telegram.reminder_context import actor_of, show

log = logging.getLogger(__name__)

STATUS_EVERY = 5.0  # seconds between edits of the status message (Telegram allows ~1/s)


def use_cases(context: ContextTypes.DEFAULT_TYPE) -> AnnouncingUseCases:
    """The announcement use cases over the core."""
    core = services(context)
    return AnnouncingUseCases(core.settings, core.announcements, core.reminders, core.guide)


async def broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An operator's /broadcast TEXT: a preview with the recipient count."""
    message = update.effective_message
    who = await actor_of(update, context, check_admin=False)
    if who is None or message is None or message.text is None:
        return
    text = message.text.partition(" ")[2] if " " in message.text else ""
    await show(update, context, await use_cases(context).command(who, "broadcast", text))


async def announcements(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/announcements [on|off]."""
    args = " ".join(context.args or ())
    who = await actor_of(update, context, check_admin=bool(args))
    if who is not None:
        await show(update, context, await use_cases(context).command(who, "announcements", args))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send or cancel the previewed announcement; while it goes out, keep its status fresh."""
    query = update.callback_query
    who = await actor_of(update, context, check_admin=False)
    if query is None or who is None:
        return
    found = use_cases(context)
    sending = await found.press(who, decode(query.data or ""))
    await show(update, context, sending.reply)
    message = query.message
    if sending.announcement_id is not None and message is not None:
        context.application.create_task(
            _follow(
                context.bot,
                found,
                who,
                (message.chat.id, message.message_id),
                sending.announcement_id,
            ),
            name=f"announcement-status-{sending.announcement_id}",
        )


async def _follow(
    bot: Bot,
    found: AnnouncingUseCases,
    who: Actor,
    where: tuple[int, int],
    announcement_id: str,
) -> None:
    """Edit the status message (``where``: chat id, message id) every STATUS_EVERY seconds
    until the delivery ends, the last time with its final counts."""
    chat_id, message_id = where
    try:
        async for progress in found.announcements.watch(announcement_id, STATUS_EVERY):
            text = render.messages(found.status(who, progress))[0]
            try:
                await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
            except BadRequest as exc:
                if "not modified" not in exc.message.lower():
                    raise
    except TelegramError as exc:
        log.warning("could not update the announcement's status message: %s", exc)


def register(app: Application) -> None:
    """Add /broadcast (private chats), /announcements and the preview's buttons."""
    app.add_handler(command("broadcast", broadcast, filters.ChatType.PRIVATE))
    app.add_handler(command("announcements", announcements))
    app.add_handler(CallbackQueryHandler(button, pattern=r"^bc:"))
