"""Plain questions: any text in a private chat; /ask, mentions and replies in groups."""

from __future__ import annotations

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.actions import decode
from bot.screens import guide as screens
from bot.use_cases import conversation
from bot.use_cases import guide as use_case
from handlers.telegram.common import (
    COMMAND,
    NEW_MESSAGES,
    command,
    command_word,
    reply,
    services,
    speaker,
)
from handlers.telegram.reminder_context import actor_of, show, use_cases


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /ask QUESTION."""
    who = await speaker(update, context)
    if who is None:
        return
    found = services(context)
    question = " ".join(context.args or [])
    await reply(
        update, context, use_case.command(found.guide, found.questions, who, "ask", question)
    )


async def plain_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a private message, or a group message that mentions or replies to the bot."""
    message = update.effective_message
    if message is None or not message.text:
        return
    if message.chat.type == ChatType.PRIVATE:
        await _answer(update, context, message.text)
        return
    question = _addressed_question(message, context.bot.username, context.bot.id)
    if question == "":
        await reply(update, context, screens.help_page(services(context).guide))
    elif question is not None:
        await _answer(update, context, question)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell a private user that a command does not exist."""
    word = command_word(update.effective_message) or ""
    await reply(update, context, screens.unknown_command(word))


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Answer plain words: a request said in words (remind me, thanks...) or a question."""
    intent = conversation.intent_of(text)
    who = await actor_of(update, context, check_admin=conversation.needs_manager(intent))
    if who is not None:
        await reply(update, context, await talk(context).said(who, text, intent))


def talk(context: ContextTypes.DEFAULT_TYPE) -> conversation.Conversation:
    """The plain-words use cases over the core's guide, questions and reminders."""
    found = services(context)
    return conversation.Conversation(found.guide, found.questions, use_cases(context))


async def dismiss(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Cancel under an offer made to plain words: nothing is set."""
    query = update.callback_query
    who = await actor_of(update, context, check_admin=False)
    if query is not None and who is not None:
        await show(update, context, await talk(context).press(who, decode(query.data or "")))


def _addressed_question(message: Message, username: str, bot_id: int) -> str | None:
    """The question text if the message mentions or replies to the bot, else None."""
    text = message.text or ""
    mention = f"@{username}".lower()
    mentions = [
        entity
        for entity in message.entities
        if entity.type == MessageEntity.MENTION and message.parse_entity(entity).lower() == mention
    ]
    replied = message.reply_to_message
    to_bot = (
        replied is not None and replied.from_user is not None and replied.from_user.id == bot_id
    )
    if not mentions and not to_bot:
        return None
    for entity in mentions:
        text = text.replace(message.parse_entity(entity), " ")
    return text.strip()


def register(app: Application) -> None:
    """Add the question handlers; call after every command handler."""
    app.add_handler(command("ask", ask))
    app.add_handler(CallbackQueryHandler(dismiss, pattern=r"^dismiss$"))
    # COMMAND, not filters.COMMAND: a malformed command entity makes the message plain text.
    app.add_handler(MessageHandler(NEW_MESSAGES & filters.TEXT & ~COMMAND, plain_text))
    app.add_handler(
        MessageHandler(NEW_MESSAGES & COMMAND & filters.ChatType.PRIVATE, unknown_command)
    )
