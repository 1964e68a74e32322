"""The bot's place in chats: removed means reminders go quiet, added back means an offer to
turn them on, and a group upgraded to a supergroup takes its data along."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import Application, ChatMemberHandler, ContextTypes, MessageHandler, filters

from handlers.telegram.common import is_group
from handlers.telegram.reminder_context import show, telegram_chat, use_cases

GONE = (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)


async def my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Deactivate a chat's reminders when the bot is removed; offer them back when re-added."""
    change = update.my_chat_member
    if change is None:
        return
    chat = telegram_chat(change.chat.id)
    if change.new_chat_member.status in GONE:
        await use_cases(context).bot_removed(chat)
        return
    if change.old_chat_member.status not in GONE:
        return
    offer = await use_cases(context).bot_added_back(chat, is_group=is_group(update))
    if offer is not None:
        await show(update, context, offer)


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
    await use_cases(context).chat_moved(telegram_chat(old_id), new_id)


def register(app: Application) -> None:
    """Watch the bot's own membership in chats and group upgrades."""
    app.add_handler(ChatMemberHandler(my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated))
