"""Shared helpers of the Telegram layer: the core lookup, the Actor, safe replies and edits."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any, cast

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import CommandHandler, ContextTypes, filters

from bot.actor import Actor
from bot.replies import Reply
from bot.screens.guide import STALE_BUTTON as STALE_BUTTON  # the reminder handlers use it
from bot.services import Services
from handlers.telegram import render
from handlers.telegram.coach_bot import CoachBot
from handlers.telegram.context import SERVICES_KEY

NEW_MESSAGES = filters.UpdateType.MESSAGE
_COMMAND_WORD = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,32})?", re.ASCII)
# What Telegram answers when the message a button was pressed on is deleted or too old.
_MESSAGE_GONE = ("message to edit not found", "message can't be edited")


def command_word(message: Message | None) -> str | None:
    """The ``/command`` (or ``/command@bot``) a message starts with, or None.

    Read from the message's first entity, defensively: an entity that is not a well-formed
    command at the start of the text (wrong offsets, no slash) makes the message plain text.
    """
    if message is None or not message.text or not message.entities:
        return None
    entity = message.entities[0]
    if entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
        return None
    try:
        word = message.parse_entity(entity)
    except (IndexError, ValueError, RuntimeError):
        return None
    return word if _COMMAND_WORD.fullmatch(word) else None


class _WellFormedCommand(filters.MessageFilter):
    """Messages that start with a well-formed /command (see command_word)."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        return command_word(message) is not None


COMMAND = _WellFormedCommand(name="COMMAND")


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """Return the services placed in bot_data by the composition root."""
    return cast(Services, context.bot_data[SERVICES_KEY])


log = logging.getLogger(__name__)


async def answer(
    query: CallbackQuery, text: str | None = None, *, show_alert: bool = False
) -> None:
    """Answer a callback query once, best effort: a query too old is logged, a second answer
    to the same query is not sent.

    Answering only stops the client's spinner; what the press does must never depend on it.
    """
    bot = query.get_bot()
    if isinstance(bot, CoachBot) and bot.was_answered(query):
        return
    try:
        await query.answer(text, show_alert=show_alert)
    except TelegramError as exc:
        log.info("could not answer callback query: %s", exc)


async def pressed(
    update: Update, pattern: re.Pattern[str]
) -> tuple[CallbackQuery, int, re.Match[str]] | None:
    """Return the button's query, chat id and parsed data; answer stale or forged data, None."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return None
    match = pattern.match(query.data or "")
    if match is None:
        await answer(query, STALE_BUTTON)
        return None
    return query, chat.id, match


def command(
    names: str | list[str],
    callback: Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]],
    only: filters.BaseFilter | None = None,
) -> CommandHandler:
    """A command handler for new messages only: an edited /remind must not set a second one."""
    chosen = NEW_MESSAGES if only is None else NEW_MESSAGES & only
    return CommandHandler(names, callback, filters=chosen)


def is_group(update: Update) -> bool:
    """Whether the update comes from a group or supergroup."""
    chat = update.effective_chat
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def actor(update: Update, *, may_manage: bool | None = None) -> Actor | None:
    """The core's view of who sent ``update`` and where, or None when it names no chat.

    ``may_manage`` defaults to "a private chat" (a group's admin rights need an API call:
    see group_admins.may_manage).
    """
    chat = update.effective_chat
    if chat is None:
        return None
    user = update.effective_user
    message = update.effective_message
    group = chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    return Actor(
        platform="telegram",
        chat_id=chat.id,
        user_id=user.id if user else 0,
        is_group=group,
        may_manage=not group if may_manage is None else may_manage,
        thread_id=message.message_thread_id if message and message.is_topic_message else None,
        first_name=user.first_name if user else None,
        language=user.language_code if user else None,
    )


async def speaker(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, may_manage: bool | None = None
) -> Actor | None:
    """:func:`actor`, speaking its effective language (the chat's /language choice, else
    the user's Telegram ``language_code`` if the bot speaks it, else English)."""
    found = actor(update, may_manage=may_manage)
    return None if found is None else await services(context).localized(found)


def _rendered(found: Reply) -> tuple[list[str], InlineKeyboardMarkup | None]:
    """The HTML messages (each within Telegram's limit) and the keyboard for the last one."""
    return render.messages(found), render.keyboard(found.buttons)


async def reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, found: Reply
) -> Message | None:
    """Send a Reply to the update's chat; in groups, as a threaded reply to the
    asker. A long one goes as several messages, the buttons under the last; an attachment
    follows as a document (sendDocument)."""
    chat = update.effective_chat
    if chat is None:
        return None
    anchor = update.effective_message
    parameters = None
    if is_group(update) and anchor is not None:
        parameters = ReplyParameters(anchor.message_id, allow_sending_without_reply=True)
    parts, markup = _rendered(found)
    sent = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent = await context.bot.send_message(
            chat.id,
            part,
            reply_parameters=parameters,
            reply_markup=markup if last else None,
        )
    if found.attachment is not None:
        document = InputFile(found.attachment.data, filename=found.attachment.filename)
        sent = await context.bot.send_document(
            chat.id, document, reply_parameters=parameters, disable_content_type_detection=True
        )
    return sent


async def edit(update: Update, found: Reply) -> None:
    """Replace the message a button was pressed on; an unchanged message is fine.

    Nothing is cut: when the new text needs more than one message, the pressed message shows
    the first part and the rest follow as new messages, the buttons under the last. When the
    pressed message is gone (deleted, or too old to edit), everything is sent as new messages.
    """
    query = update.callback_query
    if query is None:
        return
    parts, markup = _rendered(found)
    if not parts:
        return
    first, rest = parts[0], parts[1:]
    chat = update.effective_chat
    bot = query.get_bot()
    try:
        await query.edit_message_text(first, reply_markup=None if rest else markup)
    except BadRequest as exc:
        reason = exc.message.lower()
        if "not modified" in reason:  # already showing it (and any rest followed it then)
            return
        if chat is None or not any(hint in reason for hint in _MESSAGE_GONE):
            raise
        log.info("the pressed message cannot be edited (%s); sending a new one", exc.message)
        rest = parts
    if chat is None:
        return
    for index, part in enumerate(rest):
        last = index == len(rest) - 1
        await bot.send_message(chat.id, part, reply_markup=markup if last else None)
