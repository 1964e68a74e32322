"""Render reminders, progress and nudges as Telegram HTML with button rows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.guide import Guide
from bot.reminders import Listed, Nudge, Progress
from bot.schedule import EVERY_DAY, WEEKDAYS, WEEKENDS, describe_schedule
from handlers.telegram.views import Buttons, View, e

TIME_PRESETS = ("07:00", "08:00", "12:30", "18:00", "19:30", "21:00")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
COMMON_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "Europe/London",
    "Asia/Kolkata",
    "Australia/Sydney",
    "UTC",
)


def days_mask(days: frozenset[int]) -> int:
    """Encode weekdays (0 = Monday) as a 7-bit mask for callback data."""
    return sum(1 << day for day in days)


def mask_days(mask: int) -> frozenset[int]:
    """Decode a 7-bit mask into weekdays (0 = Monday)."""
    return frozenset(day for day in range(7) if mask & (1 << day))


def when(moment: datetime | None, tz: str) -> str:
    """A UTC instant as local time in ``tz``, like 'Mon 1 Dec, 19:30'."""
    if moment is None:
        return "paused"
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def when_in(moment: datetime, tz: str | None) -> str:
    """A UTC instant in the chat's zone, naming the zone: 'Mon 1 Dec, 19:30 (Asia/Tokyo)'."""
    zone = tz or "UTC"
    return f"{when(moment, zone)} ({zone})"


def topic_label(thread_id: int | None) -> str:
    """Where a group reminder posts: '' for the chat itself, ' · in topic 77' for a topic."""
    return "" if thread_id is None else f" · in topic {thread_id}"


def pick_time() -> View:
    """Step 1 of the /remind flow: a time."""
    cells = [(t, f"rf:{t.replace(':', '')}") for t in TIME_PRESETS]
    rows = (tuple(cells[:3]), tuple(cells[3:]))
    text = (
        "⏰ <b>New study reminder</b>\n\nWhen should I nudge you? Pick a time, or type one "
        "like <code>19:30</code>.\n(One line works too: <code>/remind 19:30 mon,wed,fri</code>)"
    )
    return View(text, rows)


def pick_days(hhmm: str) -> View:
    """Step 2: which days."""
    rows = (
        (
            ("Every day", f"rf:{hhmm}:{days_mask(EVERY_DAY)}"),
            ("Weekdays", f"rf:{hhmm}:{days_mask(WEEKDAYS)}"),
            ("Weekends", f"rf:{hhmm}:{days_mask(WEEKENDS)}"),
        ),
        (("Choose days…", f"rf:{hhmm}:c0"),),
    )
    return View(f"⏰ At <b>{hhmm[:2]}:{hhmm[2:]}</b>. On which days?", rows)


def choose_days(hhmm: str, mask: int) -> View:
    """Step 2b: toggle single days, then Done."""
    cells = [
        (("✓ " if mask & (1 << day) else "") + name, f"rf:{hhmm}:c{mask ^ (1 << day)}")
        for day, name in enumerate(DAY_NAMES)
    ]
    rows: list[tuple[tuple[str, str], ...]] = [tuple(cells[:4]), tuple(cells[4:])]
    if mask:
        rows.append((("Done", f"rf:{hhmm}:{mask}"),))
    return View(
        f"⏰ At <b>{hhmm[:2]}:{hhmm[2:]}</b>. Tap the days you want, then Done.", tuple(rows)
    )


def pick_zone(hhmm: str, mask: int) -> View:
    """Step 3 (asked once): the time zone."""
    cells = [(zone, f"rf:{hhmm}:{mask}:{index}") for index, zone in enumerate(COMMON_ZONES)]
    rows = tuple(tuple(cells[i : i + 2]) for i in range(0, len(cells), 2))
    text = (
        "🌍 Which time zone are you in? Pick one, or send "
        "<code>/timezone Area/City</code> (like <code>/timezone Europe/Berlin</code>) and "
        "then <code>/remind</code> again."
    )
    return View(text, rows)


def reminder_saved(listed: Listed, chat_tz: str | None = None) -> View:
    """Confirmation after /remind: stored, or already set (then nothing changed)."""
    r = listed.reminder
    schedule = e(describe_schedule(r.hour, r.minute, r.days, r.tz)) + e(topic_label(r.thread_id))
    heading = (
        f"👍 You already have this reminder: <b>{schedule}</b>. Nothing changed."
        if listed.existed
        else f"✅ Reminder set: <b>{schedule}</b>."
    )
    next_text = _next_text(listed, chat_tz).removeprefix("next nudge ")
    return View(f"{heading}\nNext nudge: {e(next_text)}.\n\nSee all with /reminders.")


def _next_text(item: Listed, chat_tz: str | None) -> str:
    r = item.reminder
    if not r.active:
        return "off: I could not reach this chat, press Resume to turn it back on"
    if r.paused or item.next_due is None:
        return "paused"
    if chat_tz is None or chat_tz == r.tz:
        return f"next nudge {when(item.next_due, r.tz)}"
    return f"next nudge {when_in(item.next_due, chat_tz)}"


def reminder_list(
    items: list[Listed], paused_until: datetime | None, chat_tz: str | None = None
) -> View:
    """/reminders: every reminder with its next time (in the chat's zone) and buttons."""
    if not items:
        return View("You have no study reminders. Set one with /remind.")
    lines = ["⏰ <b>Your study reminders</b>", ""]
    rows: list[tuple[tuple[str, str], ...]] = []
    for index, item in enumerate(items, start=1):
        r = item.reminder
        label = f"{r.hour:02d}:{r.minute:02d}"
        schedule = describe_schedule(r.hour, r.minute, r.days, r.tz) + topic_label(r.thread_id)
        lines.append(f"{index}. {e(schedule)} – {e(_next_text(item, chat_tz))}")
        toggle = (
            ("▶ Resume " + label, f"rm:on:{r.id}")
            if r.paused or not r.active
            else ("⏸ Pause " + label, f"rm:off:{r.id}")
        )
        rows.append((toggle, ("🗑 Delete " + label, f"rm:del:{r.id}")))
    if chat_tz is not None and any(item.reminder.tz != chat_tz for item in items):
        lines += ["", f"Your time zone is {e(chat_tz)}; each reminder keeps the zone it shows."]
    if paused_until is not None:
        until = (
            "until you send /resume"
            if paused_until.year == 9999
            else f"until {when_in(paused_until, chat_tz)}"
        )
        lines += ["", f"⏸ All reminders are paused {e(until)}."]
    return View("\n".join(lines), tuple(rows))


def zone_set(tz: str, others: list[Listed]) -> View:
    """/timezone's answer: what happens to reminders that keep another zone."""
    text = f"🌍 Time zone set to <b>{e(tz)}</b>. New reminders use it."
    if not others:
        return View(text)
    lines = [text, "", "These reminders keep their own zone:"]
    for item in others:
        r = item.reminder
        schedule = describe_schedule(r.hour, r.minute, r.days, r.tz)
        lines.append(f"• {e(schedule)} – {e(_next_text(item, tz))}")
    lines += ["", f"Move them to {e(tz)} at the same local time?"]
    buttons = (((f"Move to {tz}", f"tz:move:{tz}"), ("Keep as they are", "tz:keep")),)
    return View("\n".join(lines), buttons)


def progress(guide: Guide, p: Progress) -> View:
    """/progress: the learner's step, streak and step buttons."""
    step = guide.step(p.step) or guide.steps[0]
    today = "yes ✅" if p.studied_today else "not yet"
    text = (
        f"📈 <b>Your progress</b>\n\nCurrent step: <b>{step.number}. {e(step.title)}</b>\n"
        f"Study streak: <b>{p.streak}</b> scheduled day{'s' if p.streak != 1 else ''} in a row\n"
        f"Studied today: {today}\nDays studied in all: {p.total_days}\n\n"
        "Change your step below, or record today's study."
    )
    cells = tuple(
        (("● " if s.number == step.number else "") + f"Step {s.number}", f"pg:{s.number}")
        for s in guide.steps
    )
    return View(text, (cells, (("✅ I studied today", "pg:done"),)))


NUDGE_BUTTONS: Buttons = (
    (("Studied ✅", "ng:done"), ("Snooze 1 h", "ng:snooze"), ("Skip today", "ng:skip")),
)


def nudge(guide: Guide, n: Nudge) -> View:
    """A study nudge: the learner's step and one concrete action."""
    if n.is_group:
        return View(f"📚 {e(n.text)}", NUDGE_BUTTONS)
    step = guide.step(n.step) or guide.steps[0]
    heading = "⏰ Snoozed reminder" if n.snoozed else "⏰ Time to study!"
    text = (
        f"<b>{heading}</b>\nYou're on step {step.number}: <i>{e(step.title)}</i>.\n\n"
        f"Next action: {e(n.text)}"
    )
    return View(text, NUDGE_BUTTONS)
