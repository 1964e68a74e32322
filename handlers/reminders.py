"""Reminder commands and buttons: /remind, /reminders, /timezone, /pause, /stopreminders."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.reminders import MAX_PAUSE_DAYS, LimitReached, ReminderService
from bot.schedule import ScheduleInputError, parse_remind_args, parse_time, parse_zone
from bot.schedule_parse import ReminderSpec
from handlers import reminder_views as rv
from handlers.common import NEW_MESSAGES, command, edit, is_group, pressed, reply, services
from handlers.views import View, e

AWAITING_TIME = "remind_awaiting_time"
_FLOW = re.compile(r"^rf:(\d{4})(?::(c?)(\d{1,3}))?(?::(\d{1,2}))?$")
_MANAGE = re.compile(r"^rm:(on|off|del):([0-9a-f]{8})$")
ADMIN_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
STALE = "This button is no longer valid. Send /remind to start again."


def reminder_service(context: ContextTypes.DEFAULT_TYPE) -> ReminderService:
    """The reminder service (always present once the application has started)."""
    found = services(context).reminders
    if found is None:
        raise RuntimeError("reminders are not running")
    return found


async def may_manage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """In a group only its admins may change reminders; in a private chat, the user."""
    if not is_group(update):
        return True
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in ADMIN_STATUSES


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def group_admins_only(handler: Handler) -> Handler:
    """Let a group's admins (and anyone in a private chat) through; refuse others politely."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await may_manage(update, context):
            await handler(update, context)
        else:
            await refuse(update, context)

    return guarded


async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell a group member politely that only admins set the group's reminders."""
    text = "Sorry, only this group's admins can change its study reminders."
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, context, View(text))


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
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    parsed = _parse_flow(query.data or "")
    if parsed is None:
        await query.answer(STALE)
        return
    if context.user_data is not None:
        context.user_data.pop(AWAITING_TIME, None)
    hhmm, choosing, mask, zone = parsed
    await query.answer()
    if mask is None:
        await edit(update, rv.pick_days(hhmm))
        return
    if choosing:
        await edit(update, rv.choose_days(hhmm, mask))
        return
    service = reminder_service(context)
    tz = rv.COMMON_ZONES[zone] if zone is not None else None
    if tz is None:
        tz = (await service.profile(chat.id)).tz
    if tz is None:
        await edit(update, rv.pick_zone(hhmm, mask))
        return
    spec = ReminderSpec(int(hhmm[:2]), int(hhmm[2:]), rv.mask_days(mask), tz)
    await _save(update, context, spec, in_place=True)


async def list_reminders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the chat's reminders with their next times and buttons."""
    chat = update.effective_chat
    if chat is None:
        return
    service = reminder_service(context)
    items = await service.list(chat.id)
    await reply(update, context, rv.reminder_list(items, service.paused_until(chat.id)))


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
    await query.answer(note)
    items = await service.list(chat_id)
    await edit(update, rv.reminder_list(items, service.paused_until(chat_id)))


@group_admins_only
async def timezone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show or set the chat's time zone: /timezone Area/City."""
    chat = update.effective_chat
    if chat is None:
        return
    service = reminder_service(context)
    if not context.args:
        current = (await service.profile(chat.id)).tz
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
    await reply(update, context, View(f"🌍 Time zone set to <b>{e(tz)}</b>."))


@group_admins_only
async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pause all reminders for some days (/pause 3) or until /resume."""
    chat = update.effective_chat
    if chat is None:
        return
    days: int | None = None
    if context.args:
        arg = context.args[0]
        if not arg.isdigit() or not 1 <= int(arg) <= MAX_PAUSE_DAYS:
            await reply(
                update,
                context,
                View(
                    f"Give a number of days from 1 to {MAX_PAUSE_DAYS}, like /pause 3, "
                    "or just /pause to pause until /resume."
                ),
            )
            return
        days = int(arg)
    until = await reminder_service(context).pause(chat.id, days)
    if days is None:
        text = "⏸ Reminders paused until you send /resume."
    else:
        plural = "s" * (days != 1)
        text = f"⏸ Reminders paused for {days} day{plural}, until {until:%a %d %b %H:%M} UTC."
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


@group_admins_only
async def stop_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Carry out or cancel /stopreminders."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    if query.data not in ("stop:yes", "stop:no"):
        await query.answer(STALE)
        return
    await query.answer()
    if query.data == "stop:no":
        await edit(update, View("OK, your reminders stay as they are."))
        return
    count = await reminder_service(context).remove_all(chat.id)
    await edit(update, View(f"🗑 Removed {count} reminder{'s' * (count != 1)}."))


async def resume_after_block(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Turn reminders back on after the user unblocked the bot."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    count = await reminder_service(context).reactivate(chat.id)
    await query.answer()
    await edit(update, View(f"▶ {count} reminder{'s' * (count != 1)} back on. Welcome back!"))


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
    try:
        listed = await reminder_service(context).add(chat.id, spec, is_group=is_group(update))
    except LimitReached as exc:
        view = View(
            f"You already have {exc.args[0]} reminders, the most I keep. "
            "Delete one in /reminders first."
        )
    else:
        view = rv.reminder_saved(listed)
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


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add the reminder commands and buttons."""
    app.add_handler(command("remind", remind))
    app.add_handler(command("reminders", list_reminders))
    app.add_handler(command("timezone", timezone))
    app.add_handler(command("pause", pause))
    app.add_handler(command("resume", resume))
    app.add_handler(command("stopreminders", stop_reminders))
    app.add_handler(CallbackQueryHandler(flow_button, pattern=r"^rf:"))
    app.add_handler(CallbackQueryHandler(manage_button, pattern=r"^rm:"))
    app.add_handler(CallbackQueryHandler(stop_button, pattern=r"^stop:"))
    app.add_handler(CallbackQueryHandler(resume_after_block, pattern=r"^back:on$"))
    # Runs before the question handlers (group -1) and stops them when it used the text.
    app.add_handler(
        MessageHandler(
            NEW_MESSAGES & filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, typed_time
        ),
        group=-1,
    )
