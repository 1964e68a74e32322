"""The one rule for changing a group's state: only its admins may (anyone in a private chat)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from handlers.telegram.common import answer, is_group, reply
from handlers.telegram.views import View

log = logging.getLogger(__name__)

ADMIN_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
REFUSAL = "Sorry, only this group's admins can change its study reminders and progress."

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


async def may_manage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """In a group only its admins may change its state; in a private chat, the user."""
    if not is_group(update):
        return True
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    message = update.message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id  # an anonymous admin writes as the group
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        log.info("could not check whether a user is an admin: %s", exc)
        return False
    return member.status in ADMIN_STATUSES


def group_admins_only(handler: Handler) -> Handler:
    """Let a group's admins (and anyone in a private chat) through; refuse others politely."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await may_manage(update, context):
            await handler(update, context)
        else:
            await refuse(update, context)

    return guarded


async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell a group member politely that only admins change the group's state."""
    if update.callback_query is not None:
        await answer(update.callback_query, REFUSAL, show_alert=True)
    else:
        await reply(update, context, View(REFUSAL))
