"""Who may change a group's state, as Telegram tells it: its admins (anyone in a private chat).

The rule itself is the core's (``bot.use_cases``: a use case refuses an Actor whose
``may_manage`` is False); this module only fills ``may_manage`` in, via getChatMember.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from handlers.telegram.common import is_group

log = logging.getLogger(__name__)

ADMIN_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


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
