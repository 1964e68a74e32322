"""Membership changes: blocked or removed means the chat's reminders go quiet."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import Application, ChatMemberHandler, ContextTypes

from handlers.reminders import reminder_service

GONE = (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)


async def my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Deactivate a chat's reminders when the bot is blocked, kicked or leaves."""
    change = update.my_chat_member
    if change is None:
        return
    if change.new_chat_member.status in GONE:
        await reminder_service(context).chat_unreachable(change.chat.id)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Watch the bot's own membership in chats."""
    app.add_handler(ChatMemberHandler(my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
