"""Plain questions: any text in a private chat; /ask, mentions and replies in groups."""

from __future__ import annotations

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.answers import Answer
from bot.guide import Guide
from handlers.telegram import views
from handlers.telegram.common import COMMAND, NEW_MESSAGES, command, command_word, reply, services
from handlers.telegram.views import SHOW, View, button, e


def answer_view(guide: Guide, answer: Answer) -> View:
    """The answer to a question, said plainly when the guide does not cover it.

    - A plausible topic: the whole topic, then up to three "Related" buttons for the other
      plausible topics it does not already link to.
    - Not covered by the guide: says so and offers the nearest topics, never a guess.
    - Nothing plausible: up to three "did you mean" buttons, or the topic menu.
    """
    related = tuple((button(t.title[:60], SHOW, t.key),) for t in answer.suggestions)
    if answer.best is not None:
        view = views.topic(guide, answer.best.key)
        if view is not None:
            linked = {data for row in view.buttons for _, data in row}
            extra = tuple(row for row in related if row[0][1] not in linked)
            return View(view.text, view.buttons + extra)
    if not answer.covered:
        text = "The guide doesn't cover that, so I won't guess."
        if related:
            return View(f"{text} The nearest topics it has:", related)
        return View(f"{text} Try a topic below or /help.", views.menu_buttons())
    if related:
        return View("I'm not sure I understood. Did you mean one of these?", related)
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
