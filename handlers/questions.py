"""Plain questions: any text in a private chat; /ask, mentions and replies in groups."""

from __future__ import annotations

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.answers import Answer
from bot.guide import Guide
from handlers import views
from handlers.common import COMMAND, NEW_MESSAGES, command, command_word, reply, services
from handlers.views import SHOW, View, button, e


def answer_view(guide: Guide, answer: Answer) -> View:
    """The best section for a question, or up to three 'did you mean' buttons."""
    if answer.best is not None:
        view = views.topic(guide, answer.best.key)
        if view is not None:
            return view
    if answer.suggestions:
        rows = tuple((button(topic.title[:60], SHOW, topic.key),) for topic in answer.suggestions)
        return View("I'm not sure I understood. Did you mean one of these?", rows)
    return View(
        "I couldn't match that to the guide. Try a topic below, a command from /help, "
        "or ask another way (for example: <i>how long does it take?</i>).",
        views.menu_buttons(),
    )


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /ask QUESTION."""
    question = " ".join(context.args or [])
    if not question.strip():
        await reply(update, context, View("Ask me like this: /ask how long does it take?"))
        return
    await _answer(update, context, question)


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
        await reply(update, context, views.help_text(services(context).guide.sections))
    elif question is not None:
        await _answer(update, context, question)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell a private user that a command does not exist."""
    word = command_word(update.effective_message) or ""
    await reply(update, context, View(f"I don't know {e(word[:40])}. See /help."))


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    found = services(context)
    await reply(update, context, answer_view(found.guide, found.questions.answer(question)))


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
    # COMMAND, not filters.COMMAND: a malformed command entity makes the message plain text.
    app.add_handler(MessageHandler(NEW_MESSAGES & filters.TEXT & ~COMMAND, plain_text))
    app.add_handler(
        MessageHandler(NEW_MESSAGES & COMMAND & filters.ChatType.PRIVATE, unknown_command)
    )
