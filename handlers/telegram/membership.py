"""The bot's place in chats: removed means reminders go quiet, added back means an offer to
turn them on, and a group upgraded to a supergroup takes its data along."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import Application, ChatMemberHandler, ContextTypes, MessageHandler, filters

from handlers.telegram.common import is_group, reply
from handlers.telegram.reminder_context import reminder_service
from handlers.telegram.views import View

GONE = (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
BACK_ON_BUTTON = "back:on"


async def my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Deactivate a chat's reminders when the bot is removed; offer them back when re-added."""
    change = update.my_chat_member
    if change is None:
        return
    service = reminder_service(context)
    chat_id = change.chat.id
    if change.new_chat_member.status in GONE:
        await service.chat_unreachable(chat_id)
        return
    came_back = change.old_chat_member.status in GONE
    if not (came_back and is_group(update) and await service.is_blocked(chat_id)):
        return
    waiting = sum(1 for item in await service.list(chat_id) if not item.reminder.active)
    if waiting == 0:
        return
    plural = "s were" if waiting != 1 else " was"
    text = (
        f"👋 Thanks for adding me back! This group's {waiting} study reminder{plural} "
        "switched off while I was away. Admins can turn them back on:"
    )
    buttons = ((("▶ Turn the reminders back on", BACK_ON_BUTTON),),)
    await reply(update, context, View(text, buttons))


async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Move a group's reminders and progress to the supergroup it was upgraded to."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old_id, new_id = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old_id, new_id = message.migrate_from_chat_id, message.chat.id
    else:
        return
    await reminder_service(context).move_chat(old_id, new_id)


def register(app: Application) -> None:
    """Watch the bot's own membership in chats and group upgrades."""
    app.add_handler(ChatMemberHandler(my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated))
