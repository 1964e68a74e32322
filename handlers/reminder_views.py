"""Render reminders, progress and nudges as Telegram HTML with button rows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.guide import Guide
from bot.reminders import Listed, Nudge, Progress
from bot.schedule import EVERY_DAY, WEEKDAYS, WEEKENDS, describe_schedule
from handlers.views import Buttons, View, e

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
    """A next-occurrence time in the reminder's own zone, like 'Mon 1 Dec, 19:30'."""
    if moment is None:
        return "paused"
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


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


def reminder_saved(listed: Listed) -> View:
    """Confirmation after a reminder is stored."""
    r = listed.reminder
    return View(
        f"✅ Reminder set: <b>{e(describe_schedule(r.hour, r.minute, r.days, r.tz))}</b>.\n"
        f"Next nudge: {e(when(listed.next_due, r.tz))}.\n\nSee all with /reminders.",
    )


def reminder_list(items: list[Listed], paused_until: datetime | None) -> View:
    """/reminders: every reminder with its next time and buttons."""
    if not items:
        return View("You have no study reminders. Set one with /remind.")
    lines = ["⏰ <b>Your study reminders</b>", ""]
    rows: list[tuple[tuple[str, str], ...]] = []
    for index, item in enumerate(items, start=1):
        r = item.reminder
        state = "blocked" if not r.active else ("paused" if r.paused else "")
        next_text = state or f"next {when(item.next_due, r.tz)}"
        label = f"{r.hour:02d}:{r.minute:02d}"
        lines.append(
            f"{index}. {e(describe_schedule(r.hour, r.minute, r.days, r.tz))} – {e(next_text)}"
        )
        toggle = (
            ("▶ Resume " + label, f"rm:on:{r.id}")
            if r.paused
            else (
                "⏸ Pause " + label,
                f"rm:off:{r.id}",
            )
        )
        rows.append((toggle, ("🗑 Delete " + label, f"rm:del:{r.id}")))
    if paused_until is not None:
        until = (
            "until you send /resume"
            if paused_until.year == 9999
            else (f"until {paused_until:%d %b %Y %H:%M} UTC")
        )
        lines += ["", f"⏸ All reminders are paused {until}."]
    return View("\n".join(lines), tuple(rows))


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
