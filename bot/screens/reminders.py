"""What the reminder and progress commands and buttons say, as neutral Replies.

Times the service returns are aware UTC instants; every screen shows them as local wall time
in a named IANA zone (the reminder's own, or the chat's when it differs). Days are weekday
numbers of the local date, 0 = Monday. No markup here: each front end renders the Reply.
"""

from __future__ import annotations

from datetime import datetime

from bot.actions import (
    AnswerNudge,
    ConfirmStop,
    ManageReminder,
    MoveZone,
    RemindFlow,
    ResumeAfterBlock,
    SetProgress,
)
from bot.guide import Guide
from bot.reminders import FOREVER, Listed, Nudge, Progress
from bot.replies import Button, Buttons, Line, Reply, b, code, i, line, para, text_reply
from bot.schedule import EVERY_DAY, WEEKDAYS, WEEKENDS, describe_schedule, zone_info

# Times offered as buttons by /remind (local wall time, HH:MM).
TIME_PRESETS: tuple[tuple[int, int], ...] = ((7, 0), (8, 0), (12, 30), (18, 0), (19, 30), (21, 0))
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Zones offered as buttons when a chat has none yet; a button carries the index.
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

REFUSAL = "Sorry, only this group's admins can change its study reminders and progress."
STALE_BUTTON = "This button is no longer valid. Send /start for the menu."
STALE_FLOW = "This button is no longer valid. Send /remind to start again."
GONE = "That reminder is already gone."
WELL_DONE_NOTE = "Recorded. Well done!"


def days_mask(days: frozenset[int]) -> int:
    """Weekdays (0 = Monday) as a 7-bit mask, bit 0 = Monday."""
    return sum(1 << day for day in days)


def mask_days(mask: int) -> frozenset[int]:
    """A 7-bit mask (bit 0 = Monday) as weekdays (0 = Monday)."""
    return frozenset(day for day in range(7) if mask & (1 << day))


def when(moment: datetime, tz: str) -> str:
    """An aware (UTC) instant as local time in ``tz``, like 'Mon 1 Dec, 19:30'."""
    local = moment.astimezone(zone_info(tz))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def when_in(moment: datetime, tz: str | None) -> str:
    """An aware (UTC) instant in the chat's zone (UTC if none), naming it:
    'Mon 1 Dec, 19:30 (Asia/Tokyo)'."""
    zone = tz or "UTC"
    return f"{when(moment, zone)} ({zone})"


def topic_label(thread_id: int | None) -> str:
    """Where a group reminder posts: '' for the chat itself, ' · in topic 77' for a topic."""
    return "" if thread_id is None else f" · in topic {thread_id}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _hhmm(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"


# ----- the /remind flow -----------------------------------------------------------------


def pick_time() -> Reply:
    """Step 1 of /remind: a preset local time, or one typed."""
    cells = tuple(Button(_hhmm(h, m), RemindFlow(h, m)) for h, m in TIME_PRESETS)
    return Reply(
        (
            para(line("⏰ ", b("New study reminder"))),
            para(
                line(
                    "When should I nudge you? Pick a time, or type one like ", code("19:30"), "."
                ),
                line("(One line works too: ", code("/remind 19:30 mon,wed,fri"), ")"),
            ),
        ),
        (cells[:3], cells[3:]),
    )


def pick_days(hour: int, minute: int, *, replace: bool = False) -> Reply:
    """Step 2: which days, for the local time ``hour``:``minute``."""
    buttons: Buttons = (
        (
            Button("Every day", RemindFlow(hour, minute, days_mask(EVERY_DAY))),
            Button("Weekdays", RemindFlow(hour, minute, days_mask(WEEKDAYS))),
            Button("Weekends", RemindFlow(hour, minute, days_mask(WEEKENDS))),
        ),
        (Button("Choose days…", RemindFlow(hour, minute, 0, choosing=True)),),
    )
    text = text_reply(line("⏰ At ", b(_hhmm(hour, minute)), ". On which days?"), buttons=buttons)
    return Reply(text.blocks, text.buttons, replace=replace)


def choose_days(hour: int, minute: int, mask: int) -> Reply:
    """Step 2b: toggle single days (``mask``: bit 0 = Monday), then Done once one is on."""
    cells = tuple(
        Button(
            ("✓ " if mask & (1 << day) else "") + name,
            RemindFlow(hour, minute, mask ^ (1 << day), choosing=True),
        )
        for day, name in enumerate(DAY_NAMES)
    )
    rows: list[tuple[Button, ...]] = [cells[:4], cells[4:]]
    if mask:
        rows.append((Button("Done", RemindFlow(hour, minute, mask)),))
    return Reply(
        (para(line("⏰ At ", b(_hhmm(hour, minute)), ". Tap the days you want, then Done.")),),
        tuple(rows),
        replace=True,
    )


def pick_zone(hour: int, minute: int, mask: int) -> Reply:
    """Step 3 (asked once per chat): the time zone, one of COMMON_ZONES."""
    cells = tuple(
        Button(zone, RemindFlow(hour, minute, mask, zone=index))
        for index, zone in enumerate(COMMON_ZONES)
    )
    text = line(
        "🌍 Which time zone are you in? Pick one, or send ",
        code("/timezone Area/City"),
        " (like ",
        code("/timezone Europe/Berlin"),
        ") and then ",
        code("/remind"),
        " again.",
    )
    rows = tuple(cells[index : index + 2] for index in range(0, len(cells), 2))
    return Reply((para(text),), rows, replace=True)


def next_text(item: Listed, chat_tz: str | None) -> str:
    """A reminder's state: its next nudge (local time), paused, or switched off."""
    r = item.reminder
    if not r.active:
        return "off: I could not reach this chat, press Resume to turn it back on"
    if r.paused or item.next_due is None:
        return "paused"
    if chat_tz is None or chat_tz == r.tz:
        return f"next nudge {when(item.next_due, r.tz)}"
    return f"next nudge {when_in(item.next_due, chat_tz)}"


def _schedule(item: Listed, *, topic: bool = True) -> str:
    r = item.reminder
    label = topic_label(r.thread_id) if topic else ""
    return describe_schedule(r.hour, r.minute, r.days, r.tz) + label


def reminder_saved(listed: Listed, chat_tz: str | None, *, replace: bool = False) -> Reply:
    """After /remind: stored, or the same one was already set (then nothing changed)."""
    schedule = _schedule(listed)
    heading: Line = (
        line("👍 You already have this reminder: ", b(schedule), ". Nothing changed.")
        if listed.existed
        else line("✅ Reminder set: ", b(schedule), ".")
    )
    shown = next_text(listed, chat_tz).removeprefix("next nudge ")
    return Reply(
        (para(heading, line(f"Next nudge: {shown}.")), para("See all with /reminders.")),
        replace=replace,
    )


def limit_reached(limit: int, *, replace: bool = False) -> Reply:
    """/remind when the chat already has ``limit`` reminders."""
    text = f"You already have {limit} reminders, the most I keep. Delete one in /reminders first."
    return Reply((para(text),), replace=replace)


def typed_time_error(message: str) -> Reply:
    """A typed time that is not one, after /remind asked for it."""
    return text_reply(f"{message} Send /remind to try again.")


# ----- /reminders ---------------------------------------------------------------------------


def reminder_list(
    items: list[Listed],
    paused_until: datetime | None,
    chat_tz: str | None = None,
    *,
    replace: bool = False,
) -> Reply:
    """/reminders: each reminder with its next time (in the chat's zone) and its buttons.

    ``paused_until``: when the whole chat's pause ends (UTC; year 9999 = until /resume).
    """
    if not items:
        return Reply(
            (para("You have no study reminders. Set one with /remind."),), replace=replace
        )
    lines: list[Line] = []
    rows: list[tuple[Button, ...]] = []
    for index, item in enumerate(items, start=1):
        r = item.reminder
        label = _hhmm(r.hour, r.minute)
        lines.append(line(f"{index}. {_schedule(item)} – {next_text(item, chat_tz)}"))
        toggle = (
            Button("▶ Resume " + label, ManageReminder("on", r.id))
            if r.paused or not r.active
            else Button("⏸ Pause " + label, ManageReminder("off", r.id))
        )
        rows.append((toggle, Button("🗑 Delete " + label, ManageReminder("del", r.id))))
    blocks = [para(line("⏰ ", b("Your study reminders"))), para(*lines)]
    if chat_tz is not None and any(item.reminder.tz != chat_tz for item in items):
        blocks.append(para(f"Your time zone is {chat_tz}; each reminder keeps the zone it shows."))
    if paused_until is not None:
        until = (
            "until you send /resume"
            if paused_until.year == FOREVER.year
            else f"until {when_in(paused_until, chat_tz)}"
        )
        blocks.append(para(f"⏸ All reminders are paused {until}."))
    return Reply(tuple(blocks), tuple(rows), replace=replace)


def manage_note(op: str, found: bool) -> str:
    """The toast after pausing (``off``), resuming (``on``) or deleting (``del``) one."""
    if not found:
        return GONE
    return {"del": "Reminder deleted.", "off": "Reminder paused.", "on": "Reminder resumed."}[op]


# ----- /timezone ----------------------------------------------------------------------------


def zone_shown(current: str | None) -> Reply:
    """/timezone with no argument: the chat's zone, and how to change it."""
    shown = (
        line("Your time zone is ", b(current), ".") if current else line("No time zone set yet.")
    )
    return text_reply(shown, "Change it with /timezone Area/City, like /timezone America/Chicago.")


def zone_set(tz: str, others: list[Listed]) -> Reply:
    """/timezone Area/City: set; reminders keeping another zone get a move/keep offer."""
    first = para(line("🌍 Time zone set to ", b(tz), ". New reminders use it."))
    if not others:
        return Reply((first,))
    listed = (line(f"• {_schedule(item, topic=False)} – {next_text(item, tz)}") for item in others)
    return Reply(
        (
            first,
            para("These reminders keep their own zone:", *listed),
            para(f"Move them to {tz} at the same local time?"),
        ),
        ((Button(f"Move to {tz}", MoveZone(tz)), Button("Keep as they are", MoveZone(None))),),
    )


def zone_kept() -> Reply:
    """After "Keep as they are"."""
    return Reply(
        (para("OK, each reminder keeps its own time zone. See /reminders."),), replace=True
    )


def zone_moved(tz: str, moved: int) -> Reply:
    """After "Move to ...": ``moved`` reminders now follow ``tz`` at the same local time."""
    text = (
        line(f"✅ Moved {_plural(moved, 'reminder')} to ", b(tz), " at the same local time.")
        if moved
        else line("✅ All your reminders follow ", b(tz), ".")
    )
    return Reply((para((*text, *line(" See /reminders."))),), replace=True)


# ----- /pause, /resume, /stopreminders, switched-off reminders ------------------------------


def pause_usage(max_days: int) -> Reply:
    """/pause with something other than a number of days."""
    return text_reply(
        f"Give a number of days from 1 to {max_days}, like /pause 3, "
        "or just /pause to pause until /resume."
    )


def paused(days: int | None, until: datetime, chat_tz: str | None) -> Reply:
    """After /pause: for ``days`` days until ``until`` (UTC, shown in the chat's zone)."""
    if days is None:
        return text_reply("⏸ Reminders paused until you send /resume.")
    return text_reply(
        f"⏸ Reminders paused for {_plural(days, 'day')}, until {when_in(until, chat_tz)}."
    )


def resumed(was_paused: bool) -> Reply:
    """After /resume."""
    return text_reply("▶ Reminders resumed." if was_paused else "Your reminders were not paused.")


def confirm_stop() -> Reply:
    """/stopreminders: ask before removing every reminder."""
    return Reply(
        (para(line("Remove ", b("all"), " your study reminders?")),),
        (
            (
                Button("Yes, remove all", ConfirmStop(True)),
                Button("No, keep them", ConfirmStop(False)),
            ),
        ),
    )


def stopped(count: int | None) -> Reply:
    """After the answer to /stopreminders: None = kept, else how many were removed now."""
    if count is None:
        text = "OK, your reminders stay as they are."
    elif count:
        text = f"🗑 Removed {_plural(count, 'reminder')}."
    else:
        text = "🗑 All your study reminders are removed."
    return Reply((para(text),), replace=True)


def back_on(count: int) -> Reply:
    """After turning switched-off reminders back on."""
    return Reply((para(f"▶ {_plural(count, 'reminder')} back on. Welcome back!"),), replace=True)


def readd_offer(waiting: int) -> Reply:
    """A group added the bot back while ``waiting`` of its reminders were switched off."""
    were = "s were" if waiting != 1 else " was"
    return text_reply(
        f"👋 Thanks for adding me back! This group's {waiting} study reminder{were} "
        "switched off while I was away. Admins can turn them back on:",
        buttons=((Button("▶ Turn the reminders back on", ResumeAfterBlock()),),),
    )


def refusal(*, button: bool) -> Reply:
    """The polite refusal for a group member who is not an admin (an alert for a button)."""
    if button:
        return Reply(notice=REFUSAL, alert=True)
    return text_reply(REFUSAL)


def stale(note: str = STALE_BUTTON) -> Reply:
    """A button whose data is no longer valid: a toast, and nothing else changes."""
    return Reply(notice=note)


# ----- /progress, /done and nudges ----------------------------------------------------------


def progress(
    guide: Guide, p: Progress, *, replace: bool = False, notice: str | None = None
) -> Reply:
    """/progress: the learner's step, streak (scheduled days) and step buttons."""
    step = guide.step(p.step) or guide.steps[0]
    today = "yes ✅" if p.studied_today else "not yet"
    days = "s" if p.streak != 1 else ""
    cells = tuple(
        Button(
            ("● " if s.number == step.number else "") + f"Step {s.number}", SetProgress(s.number)
        )
        for s in guide.steps
    )
    return Reply(
        (
            para(line("📈 ", b("Your progress"))),
            para(
                line("Current step: ", b(f"{step.number}. {step.title}")),
                line("Study streak: ", b(str(p.streak)), f" scheduled day{days} in a row"),
                line(f"Studied today: {today}"),
                line(f"Days studied in all: {p.total_days}"),
            ),
            para("Change your step below, or record today's study."),
        ),
        (cells, (Button("✅ I studied today", SetProgress(None)),)),
        replace=replace,
        notice=notice,
    )


def well_done(streak: int, *, replace: bool = False, notice: str | None = None) -> Reply:
    """After /done or Studied ✅: the streak in scheduled days."""
    days = _plural(streak, "scheduled day") + " in a row"
    return Reply(
        (para(line("✅ Study recorded for today. Streak: ", b(days), ". See /progress.")),),
        replace=replace,
        notice=notice,
    )


def snoozed(at: datetime, chat_tz: str | None) -> Reply:
    """After Snooze 1 h: when (UTC, shown in the chat's zone) the nudge comes back."""
    return Reply(
        (para(f"😴 Snoozed until {when_in(at, chat_tz)}."),),
        replace=True,
        notice="OK, I'll remind you again in an hour.",
    )


def skipped() -> Reply:
    """After Skip today."""
    return Reply(
        (para("⏭ Skipped today. See you next time!"),),
        replace=True,
        notice="OK, no more nudges today.",
    )


NUDGE_BUTTONS: Buttons = (
    (
        Button("Studied ✅", AnswerNudge("done")),
        Button("Snooze 1 h", AnswerNudge("snooze")),
        Button("Skip today", AnswerNudge("skip")),
    ),
)


def nudge(guide: Guide, n: Nudge) -> Reply:
    """A study nudge: a group's prompt, or the learner's step and one concrete action."""
    if n.is_group:
        return text_reply(f"📚 {n.text}", buttons=NUDGE_BUTTONS)
    step = guide.step(n.step) or guide.steps[0]
    heading = "⏰ Snoozed reminder" if n.snoozed else "⏰ Time to study!"
    return Reply(
        (
            para(b(heading), line(f"You're on step {step.number}: ", i(step.title), ".")),
            para(f"Next action: {n.text}"),
        ),
        NUDGE_BUTTONS,
    )
