"""Progress and nudge buttons: /progress, /done, Studied ✅ / Snooze 1 h / Skip today."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from handlers.telegram import reminder_views as rv
from handlers.telegram.common import STALE_BUTTON, answer, command, edit, pressed, reply, services
from handlers.telegram.group_admins import group_admins_only
from handlers.telegram.reminder_context import chat_zone, reminder_service, topic_of
from handlers.telegram.views import View, e

_PROGRESS = re.compile(r"^pg:(done|[1-9])$")
_NUDGE = re.compile(r"^ng:(done|snooze|skip)$")


async def progress(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the learner's step and streak, with buttons to change the step."""
    chat = update.effective_chat
    if chat is None:
        return
    found = await reminder_service(context).progress(chat.id)
    await reply(update, context, rv.progress(services(context).guide, found))


@group_admins_only
async def done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Record that the learner studied today."""
    chat = update.effective_chat
    if chat is None:
        return
    found = await reminder_service(context).record_study(chat.id)
    await reply(update, context, View(_well_done(found.streak)))


@group_admins_only
async def progress_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Change the current step or record today's study from /progress."""
    found = await pressed(update, _PROGRESS)
    if found is None:
        return
    query, chat_id, match = found
    guide = services(context).guide
    if match.group(1) != "done" and guide.step(int(match.group(1))) is None:
        await answer(query, STALE_BUTTON)
        return
    service = reminder_service(context)
    if match.group(1) == "done":
        await service.record_study(chat_id)
        note = "Recorded. Well done!"
    else:
        await service.set_step(chat_id, int(match.group(1)))
        note = f"You're on step {match.group(1)} now."
    await edit(update, rv.progress(guide, await service.progress(chat_id)))
    await answer(query, note)


@group_admins_only
async def nudge_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a nudge: Studied ✅, Snooze 1 h or Skip today."""
    found = await pressed(update, _NUDGE)
    if found is None:
        return
    query, chat_id, match = found
    service = reminder_service(context)
    action = match.group(1)
    if action == "done":
        progress = await service.record_study(chat_id)
        note = "Recorded. Well done!"
        await edit(update, View(_well_done(progress.streak)))
    elif action == "snooze":
        at = await service.snooze(chat_id, topic_of(update))
        note = "OK, I'll remind you again in an hour."
        shown = rv.when_in(at, await chat_zone(context, chat_id))
        await edit(update, View(f"😴 Snoozed until {e(shown)}."))
    else:
        await service.skip_today(chat_id, await chat_zone(context, chat_id) or "UTC")
        note = "OK, no more nudges today."
        await edit(update, View("⏭ Skipped today. See you next time!"))
    await answer(query, note)


def _well_done(streak: int) -> str:
    days = f"{streak} scheduled day{'s' * (streak != 1)} in a row"
    return f"✅ Study recorded for today. Streak: <b>{days}</b>. See /progress."


def register(app: Application) -> None:
    """Add the progress commands and the nudge buttons."""
    app.add_handler(command("progress", progress))
    app.add_handler(command("done", done))
    app.add_handler(CallbackQueryHandler(progress_button, pattern=r"^pg:"))
    app.add_handler(CallbackQueryHandler(nudge_button, pattern=r"^ng:"))
