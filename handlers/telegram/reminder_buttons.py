"""Buttons that change reminders: pause, resume and delete one, remove all, move time zones,
turn reminders back on. Each acts first and answers the button press last, best effort."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.schedule import ScheduleInputError, parse_zone
from handlers.telegram import reminder_views as rv
from handlers.telegram.common import STALE_BUTTON, answer, edit, pressed
from handlers.telegram.group_admins import group_admins_only
from handlers.telegram.reminder_context import chat_zone, reminder_service
from handlers.telegram.views import View, e

_MANAGE = re.compile(r"^rm:(on|off|del):([0-9a-f]{8})$")
_STOP = re.compile(r"^stop:(yes|no)$")
_ZONE = re.compile(r"^tz:(?:move:(\S{1,56})|(keep))$")
_BACK = re.compile(r"^back:on$")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


@group_admins_only
async def manage_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pause, resume or delete one reminder from the /reminders list."""
    found = await pressed(update, _MANAGE)
    if found is None:
        return
    query, chat_id, match = found
    service = reminder_service(context)
    action, reminder_id = match.groups()
    if action == "del":
        done = await service.delete(chat_id, reminder_id)
        note = "Reminder deleted." if done else "That reminder is already gone."
    else:
        changed = await service.set_paused(chat_id, reminder_id, paused=action == "off")
        note = (
            "That reminder is already gone."
            if changed is None
            else ("Reminder paused." if action == "off" else "Reminder resumed.")
        )
    items = await service.list(chat_id)
    zone = await chat_zone(context, chat_id)
    await edit(update, rv.reminder_list(items, service.paused_until(chat_id), zone))
    await answer(query, note)


@group_admins_only
async def stop_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Carry out or cancel /stopreminders; a second press finds nothing left to remove."""
    found = await pressed(update, _STOP)
    if found is None:
        return
    query, chat_id, match = found
    if match.group(1) == "no":
        await edit(update, View("OK, your reminders stay as they are."))
    else:
        count = await reminder_service(context).remove_all(chat_id)
        text = (
            f"🗑 Removed {_plural(count, 'reminder')}."
            if count
            else "🗑 All your study reminders are removed."
        )
        await edit(update, View(text))
    await answer(query)


@group_admins_only
async def zone_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Move every reminder to the new time zone at the same local time, or keep them."""
    found = await pressed(update, _ZONE)
    if found is None:
        return
    query, chat_id, match = found
    if match.group(2) == "keep":
        await edit(update, View("OK, each reminder keeps its own time zone. See /reminders."))
        await answer(query)
        return
    try:
        tz = parse_zone(match.group(1))
    except ScheduleInputError:
        await answer(query, STALE_BUTTON)
        return
    moved = await reminder_service(context).move_to_zone(chat_id, tz)
    text = (
        f"✅ Moved {_plural(moved, 'reminder')} to <b>{e(tz)}</b> at the same local time."
        if moved
        else f"✅ All your reminders follow <b>{e(tz)}</b>."
    )
    await edit(update, View(text + " See /reminders."))
    await answer(query)


@group_admins_only
async def resume_after_block(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Turn reminders back on after the bot was blocked or removed and came back."""
    found = await pressed(update, _BACK)
    if found is None:
        return
    query, chat_id, _ = found
    count = await reminder_service(context).reactivate(chat_id)
    await edit(update, View(f"▶ {_plural(count, 'reminder')} back on. Welcome back!"))
    await answer(query)


def register(app: Application) -> None:
    """Add the buttons that change reminders."""
    app.add_handler(CallbackQueryHandler(manage_button, pattern=r"^rm:"))
    app.add_handler(CallbackQueryHandler(stop_button, pattern=r"^stop:"))
    app.add_handler(CallbackQueryHandler(zone_button, pattern=r"^tz:"))
    app.add_handler(CallbackQueryHandler(resume_after_block, pattern=r"^back:on$"))
