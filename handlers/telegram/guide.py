"""Guide commands (/start, /help, /steps, /certs, /salary, ...) and the topic buttons."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.numbers import parse_whole_number
from handlers.telegram import views
from handlers.telegram.common import (
    STALE_BUTTON,
    answer,
    command,
    command_word,
    edit,
    reply,
    services,
)
from handlers.telegram.group_admins import may_manage

_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_TOPIC_DATA = re.compile(r"^(show|page):([a-z]+(?::[A-Za-z0-9]+)?)$")


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the user, or open the section a deep link names (/start certs, /start step-2)."""
    guide = services(context).guide
    if context.args and _PAYLOAD.match(context.args[0]):
        view = views.topic(guide, context.args[0].replace("-", ":", 1))
        if view is not None:
            await reply(update, context, view)
            return
    user = update.effective_user
    await reply(update, context, views.welcome(guide, user.first_name if user else None))
    reminders = services(context).reminders
    chat = update.effective_chat
    if (
        reminders is not None
        and chat is not None
        and await reminders.is_blocked(chat.id)
        and await may_manage(update, context)  # in a group, only those who may turn them on
    ):
        offer = views.View(
            "Welcome back! Your study reminders were switched off while I couldn't reach you. "
            "Turn them back on?",
            ((("▶ Resume my reminders", "back:on"),),),
        )
        await reply(update, context, offer)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List every command."""
    await reply(update, context, views.help_text(services(context).guide.sections))


async def steps(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the four steps, or one step with /steps N."""
    guide = services(context).guide
    if not context.args:
        await reply(update, context, views.steps_overview(guide))
        return
    number = parse_whole_number(context.args[0], 1, len(guide.steps))
    step = guide.step(number) if number is not None else None
    if step is None:
        view = views.steps_overview(guide)
        notice = f"There are steps 1 to {len(guide.steps)}. "
        await reply(update, context, views.View(notice + view.text, view.buttons))
        return
    await reply(update, context, views.step_detail(guide, step))


async def certs(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the certifications, or show one with /certs CODE."""
    guide = services(context).guide
    if not context.args:
        await reply(update, context, views.certs_overview(guide))
        return
    cert = guide.certification(context.args[0])
    if cert is None:
        await reply(update, context, views.unknown_cert(guide, context.args[0]))
        return
    await reply(update, context, views.cert_detail(guide, cert))


async def faq(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the frequently asked questions."""
    await reply(update, context, views.faq_list(services(context).guide))


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show where the facts come from."""
    await reply(update, context, views.sources(services(context).guide))


async def section(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the guide section named by the command (/salary, /skills, ...)."""
    word = command_word(update.effective_message)
    if word is None:
        return
    command = word.lstrip("/").split("@")[0].lower()
    guide = services(context).guide
    match = [s for s in guide.sections if s.command == command]
    if match:
        await reply(update, context, views.section(guide, match[0]))


async def topic_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Open a topic from a button: as a new message (show) or in place (page)."""
    query = update.callback_query
    if query is None:
        return
    parsed = _TOPIC_DATA.match(query.data or "")
    view = views.topic(services(context).guide, parsed.group(2)) if parsed else None
    if parsed is None or view is None:
        await answer(query, STALE_BUTTON)
        return
    await answer(query)
    if parsed.group(1) == views.PAGE and query.message is not None:
        await edit(update, view)
    elif update.effective_chat is not None:
        await reply(update, context, view)


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer any button press no other handler claimed, so no spinner is left turning."""
    if update.callback_query is not None:
        await answer(update.callback_query, STALE_BUTTON)


def register_fallbacks(app: Application) -> None:
    """Add the catch-all for unknown buttons; call after every other handler."""
    app.add_handler(CallbackQueryHandler(stale_button))


def register(app: Application, section_commands: list[str]) -> None:
    """Add the guide's command and button handlers."""
    app.add_handler(command("start", start))
    app.add_handler(command("help", help_command))
    app.add_handler(command("steps", steps))
    app.add_handler(command("certs", certs))
    app.add_handler(command("faq", faq))
    app.add_handler(command("sources", sources))
    app.add_handler(command(section_commands, section))
    app.add_handler(CallbackQueryHandler(topic_button, pattern=r"^(show|page):"))
