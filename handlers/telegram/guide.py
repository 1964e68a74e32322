"""Guide commands (/start, /help, /steps, /certs, /salary, ...) and the topic buttons.

Thin: each handler builds the Actor, asks the core's guide use case for the Reply and renders
it (common.reply / common.edit).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.actions import ShowTopic, decode
from bot.screens import guide as screens
from bot.use_cases import guide as use_case
from handlers.telegram.common import (
    STALE_BUTTON,
    answer,
    command,
    command_word,
    edit,
    reply,
    services,
    speaker,
)
from handlers.telegram.group_admins import may_manage
from handlers.telegram.reminder_context import telegram_chat


async def guide_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a guide command: /start, /help, /steps [N], /certs [CODE], /faq, /salary, ..."""
    word = command_word(update.effective_message)
    who = await speaker(update, context)
    if word is None or who is None:
        return
    name = word.lstrip("/").split("@")[0].lower()
    found = services(context)
    if name == "start":
        await found.started(who)
    text = " ".join(context.args or [])
    await reply(update, context, use_case.command(found.guide, found.questions, who, name, text))
    payload = context.args[0] if context.args else ""
    if name == "start" and use_case.deep_link(found.guide, payload) is None:  # the welcome
        await _offer_resume(update, context)


async def _offer_resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """After the welcome: offer to turn switched-off reminders back on, to those who may."""
    reminders = services(context).reminders
    chat = update.effective_chat
    if (
        reminders is not None
        and chat is not None
        and await reminders.is_blocked(telegram_chat(chat.id))
        and await may_manage(update, context)  # in a group, only those who may turn them on
    ):
        await reply(update, context, screens.resume_offer())


async def topic_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Open a topic from a button: as a new message, or in place of the pressed one."""
    query = update.callback_query
    who = await speaker(update, context)
    if query is None or who is None:
        return
    shown = use_case.press(services(context).guide, who, decode(query.data or ""))
    await answer(query, shown.notice, show_alert=shown.alert)
    if not shown.blocks:
        return
    if shown.replace and query.message is not None:
        await edit(update, shown)
    else:
        await reply(update, context, shown)


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer any button press no other handler claimed, so no spinner is left turning."""
    if update.callback_query is not None:
        await answer(update.callback_query, STALE_BUTTON)


def _is_topic(data: object) -> bool:
    """Whether callback data decodes to a topic action (the one codec decides, no regex)."""
    return isinstance(data, str) and isinstance(decode(data), ShowTopic)


def register_fallbacks(app: Application) -> None:
    """Add the catch-all for unknown buttons; call after every other handler."""
    app.add_handler(CallbackQueryHandler(stale_button))


def register(app: Application, section_commands: list[str]) -> None:
    """Add the guide's command and button handlers (/ask is added by questions.register)."""
    names = [name for name in use_case.COMMANDS if name != "ask"] + section_commands
    app.add_handler(command(names, guide_command))
    app.add_handler(CallbackQueryHandler(topic_button, pattern=_is_topic))
