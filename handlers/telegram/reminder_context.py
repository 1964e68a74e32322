"""What reminder handlers need from an update: the use cases, the Actor, and showing a Reply."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.actor import Actor
from bot.reminders import ReminderService
from bot.replies import Reply
from bot.use_cases.reminders import ReminderUseCases, needs_manager
from handlers.telegram.common import answer, edit, is_group, reply, services, speaker
from handlers.telegram.group_admins import may_manage
from storage.records import ChatKey

# user_data key: /remind asked for a time, so the chat's next plain text may be one.
AWAITING_TIME = "remind_awaiting_time"


def telegram_chat(chat_id: int) -> ChatKey:
    """The stored key of a Telegram chat (core services name chats by platform and id)."""
    return ChatKey("telegram", chat_id)


def reminder_service(context: ContextTypes.DEFAULT_TYPE) -> ReminderService:
    """The core's reminder service."""
    return services(context).reminders


def use_cases(context: ContextTypes.DEFAULT_TYPE) -> ReminderUseCases:
    """The reminder and progress use cases over the core's service and guide."""
    return ReminderUseCases(reminder_service(context), services(context).guide)


async def actor_of(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, check_admin: bool
) -> Actor | None:
    """The Actor of a message or button press; None for an update that names no chat.

    ``check_admin``: whether the use case needs ``may_manage``. Only then, and only in a
    group, is Telegram asked (getChatMember); unasked, a group's ``may_manage`` is False.
    """
    if check_admin and is_group(update):
        return await speaker(update, context, may_manage=await may_manage(update, context))
    return await speaker(update, context)


async def show(update: Update, context: ContextTypes.DEFAULT_TYPE, found: Reply) -> None:
    """Show ``found``: in place of the pressed message if it says ``replace``, else as a new
    message; then answer the button press (best effort, last) with its notice, if any."""
    query = update.callback_query
    if found.blocks:
        if query is not None and found.replace:
            await edit(update, found)
        else:
            await reply(update, context, found)
    if query is not None:
        await answer(query, found.notice, show_alert=found.alert)


async def run_command(update: Update, context: ContextTypes.DEFAULT_TYPE, name: str) -> None:
    """Answer ``/name args`` through the reminder use cases and show the Reply."""
    who = await actor_of(update, context, check_admin=needs_manager(name))
    if who is None:
        return
    args = " ".join(context.args or ())
    await show(update, context, await use_cases(context).command(who, name, args))
