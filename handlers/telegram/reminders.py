"""Reminder commands and the /remind flow: /remind, /reminders, /timezone, /pause, /resume."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.numbers import parse_whole_number
from bot.reminders import MAX_PAUSE_DAYS, LimitReached
from bot.schedule import ScheduleInputError, parse_remind_args, parse_time, parse_zone
from bot.schedule_parse import ReminderSpec
from handlers.telegram import reminder_buttons
from handlers.telegram import reminder_views as rv
from handlers.telegram.common import (
    COMMAND,
    NEW_MESSAGES,
    answer,
    command,
    edit,
    is_group,
    pressed,
    reply,
)
from handlers.telegram.group_admins import group_admins_only
from handlers.telegram.reminder_context import chat_zone, reminder_service, topic_of
from handlers.telegram.views import View, e

AWAITING_TIME = "remind_awaiting_time"
_FLOW = re.compile(r"^rf:(\d{4})(?::(c?)(\d{1,3}))?(?::(\d{1,2}))?$")
STALE = "This button is no longer valid. Send /remind to start again."


@group_admins_only
async def remind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Set a reminder in one line (/remind 19:30 mon,wed,fri) or start the button flow."""
    chat = update.effective_chat
    if chat is None:
        return
    service = reminder_service(context)
    if not context.args:
        if not is_group(update) and context.user_data is not None:
            context.user_data[AWAITING_TIME] = True
        await reply(update, context, rv.pick_time())
        return
    profile = await service.profile(chat.id, is_group=is_group(update))
    try:
        spec = parse_remind_args(" ".join(context.args), profile.tz)
    except ScheduleInputError as exc:
        await reply(update, context, View(e(exc.message)))
        return
    await _save(update, context, spec)


async def typed_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Take a typed HH:MM after /remind asked for a time; otherwise let questions handle it."""
    message = update.effective_message
    if context.user_data is None or not context.user_data.get(AWAITING_TIME) or message is None:
        return
    context.user_data.pop(AWAITING_TIME, None)
    try:
        hour, minute = parse_time(message.text or "")
    except ScheduleInputError as exc:
        await reply(update, context, View(e(exc.message) + " Send /remind to try again."))
        raise ApplicationHandlerStop from None
    await reply(update, context, rv.pick_days(f"{hour:02d}{minute:02d}"))
    raise ApplicationHandlerStop


@group_admins_only
async def flow_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Walk the /remind buttons: time, then days, then (once) the time zone."""
    found = await pressed(update, _FLOW)
    if found is None:
        return
    query, chat_id, _ = found
    parsed = _parse_flow(query.data or "")
    if parsed is None:
        await answer(query, STALE)
        return
    if context.user_data is not None:
        context.user_data.pop(AWAITING_TIME, None)
    hhmm, choosing, mask, zone = parsed
    if mask is None:
        await edit(update, rv.pick_days(hhmm))
    elif choosing:
        await edit(update, rv.choose_days(hhmm, mask))
    else:
        tz = rv.COMMON_ZONES[zone] if zone is not None else await chat_zone(context, chat_id)
        if tz is None:
            await edit(update, rv.pick_zone(hhmm, mask))
        else:
            spec = ReminderSpec(int(hhmm[:2]), int(hhmm[2:]), rv.mask_days(mask), tz)
            await _save(update, context, spec, in_place=True)
    await answer(query)


async def list_reminders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the chat's reminders with their next times and buttons."""
    chat = update.effective_chat
    if chat is None:
        return
    service = reminder_service(context)
    items = await service.list(chat.id)
    view = rv.reminder_list(
        items, service.paused_until(chat.id), await chat_zone(context, chat.id)
    )
    await reply(update, context, view)


@group_admins_only
async def timezone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show or set the chat's time zone: /timezone Area/City."""
    chat = update.effective_chat
    if chat is None:
        return
    service = reminder_service(context)
    if not context.args:
        current = await chat_zone(context, chat.id)
        shown = f"Your time zone is <b>{e(current)}</b>." if current else "No time zone set yet."
        await reply(
            update,
            context,
            View(f"{shown}\nChange it with /timezone Area/City, like /timezone America/Chicago."),
        )
        return
    try:
        tz = parse_zone(" ".join(context.args))
    except ScheduleInputError as exc:
        await reply(update, context, View(e(exc.message)))
        return
    await service.set_timezone(chat.id, tz, is_group=is_group(update))
    others = [item for item in await service.list(chat.id) if item.reminder.tz != tz]
    await reply(update, context, rv.zone_set(tz, others))


@group_admins_only
async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pause all reminders for some days (/pause 3) or until /resume."""
    chat = update.effective_chat
    if chat is None:
        return
    days: int | None = None
    if context.args:
        days = parse_whole_number(context.args[0], 1, MAX_PAUSE_DAYS)
        if days is None:
            await reply(
                update,
                context,
                View(
                    f"Give a number of days from 1 to {MAX_PAUSE_DAYS}, like /pause 3, "
                    "or just /pause to pause until /resume."
                ),
            )
            return
    until = await reminder_service(context).pause(chat.id, days)
    if days is None:
        text = "⏸ Reminders paused until you send /resume."
    else:
        plural = "s" * (days != 1)
        shown = rv.when_in(until, await chat_zone(context, chat.id))
        text = f"⏸ Reminders paused for {days} day{plural}, until {e(shown)}."
    await reply(update, context, View(text))


@group_admins_only
async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """End a pause."""
    chat = update.effective_chat
    if chat is None:
        return
    was_paused = await reminder_service(context).resume(chat.id)
    text = "▶ Reminders resumed." if was_paused else "Your reminders were not paused."
    await reply(update, context, View(text))


@group_admins_only
async def stop_reminders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask for confirmation before removing every reminder."""
    buttons = ((("Yes, remove all", "stop:yes"), ("No, keep them", "stop:no")),)
    await reply(update, context, View("Remove <b>all</b> your study reminders?", buttons))


async def _save(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    spec: ReminderSpec,
    *,
    in_place: bool = False,
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    service = reminder_service(context)
    try:
        listed = await service.add(
            chat.id, spec, is_group=is_group(update), thread_id=topic_of(update)
        )
    except LimitReached as exc:
        view = View(
            f"You already have {exc.args[0]} reminders, the most I keep. "
            "Delete one in /reminders first."
        )
    else:
        view = rv.reminder_saved(listed, await chat_zone(context, chat.id))
    if in_place:
        await edit(update, view)
    else:
        await reply(update, context, view)


def _parse_flow(data: str) -> tuple[str, bool, int | None, int | None] | None:
    """Validate /remind flow callback data; None if it is malformed or out of range."""
    match = _FLOW.match(data)
    if match is None:
        return None
    hhmm, choosing, mask_text, zone_text = match.groups()
    if int(hhmm[:2]) > 23 or int(hhmm[2:]) > 59:
        return None
    mask = int(mask_text) if mask_text is not None else None
    zone = int(zone_text) if zone_text is not None else None
    if mask is not None and not (0 if choosing else 1) <= mask <= 127:
        return None
    if zone is not None and (choosing or mask is None or zone >= len(rv.COMMON_ZONES)):
        return None
    return hhmm, bool(choosing), mask, zone


def register(app: Application) -> None:
    """Add the reminder commands, the /remind flow and the buttons that change reminders."""
    app.add_handler(command("remind", remind))
    app.add_handler(command("reminders", list_reminders))
    app.add_handler(command("timezone", timezone))
    app.add_handler(command("pause", pause))
    app.add_handler(command("resume", resume))
    app.add_handler(command("stopreminders", stop_reminders))
    app.add_handler(CallbackQueryHandler(flow_button, pattern=r"^rf:"))
    reminder_buttons.register(app)
    # Runs before the question handlers (group -1) and stops them when it used the text.
    # COMMAND, not filters.COMMAND: a malformed command entity makes the message plain text.
    app.add_handler(
        MessageHandler(
            NEW_MESSAGES & filters.TEXT & ~COMMAND & filters.ChatType.PRIVATE, typed_time
        ),
        group=-1,
    )
