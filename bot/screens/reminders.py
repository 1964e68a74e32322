"""What the reminder and progress commands and buttons say, as neutral Replies.

Times the service returns are aware UTC instants; every screen shows them as local wall time
in a named IANA zone (the reminder's own, or the chat's when it differs). Days are weekday
numbers of the local date, 0 = Monday. No markup here: each front end renders the Reply.
The words come from the loaded :class:`~bot.messages.Messages` (``m``, the guide's
``messages``), keys ``reminders.*``.
"""

from __future__ import annotations

from collections.abc import Iterable
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
from bot.messages import Messages
from bot.reminders import FOREVER, Listed, Nudge, Progress
from bot.replies import Button, Buttons, Line, Reply, b, code, i, line, para, text_reply
from bot.schedule import EVERY_DAY, WEEKDAYS, WEEKENDS, zone_info

# Times offered as buttons by /remind (local wall time, HH:MM).
TIME_PRESETS: tuple[tuple[int, int], ...] = ((7, 0), (8, 0), (12, 30), (18, 0), (19, 30), (21, 0))
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


def days_mask(days: frozenset[int]) -> int:
    """Weekdays (0 = Monday) as a 7-bit mask, bit 0 = Monday."""
    return sum(1 << day for day in days)


def mask_days(mask: int) -> frozenset[int]:
    """A 7-bit mask (bit 0 = Monday) as weekdays (0 = Monday)."""
    return frozenset(day for day in range(7) if mask & (1 << day))


def when(m: Messages, moment: datetime, tz: str) -> str:
    """An aware (UTC) instant as local time in ``tz``, like 'Mon 1 Dec, 19:30'."""
    local = moment.astimezone(zone_info(tz))
    return m.text(
        "schedule.when",
        weekday=m.text(f"reminders.day_{local.weekday()}"),
        day=local.day,
        month=m.text(f"schedule.month_{local.month}"),
        time=f"{local:%H:%M}",
    )


def when_in(m: Messages, moment: datetime, tz: str | None) -> str:
    """An aware (UTC) instant in the chat's zone (UTC if none), naming it:
    'Mon 1 Dec, 19:30 (Asia/Tokyo)'."""
    zone = tz or "UTC"
    return f"{when(m, moment, zone)} ({zone})"


def topic_label(m: Messages, thread_id: int | None) -> str:
    """Where a group reminder posts: '' for the chat itself, ' · in topic 77' for a topic."""
    return "" if thread_id is None else m.text("reminders.topic_label", thread=thread_id)


def _hhmm(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"


# ----- the /remind flow -----------------------------------------------------------------


def pick_time(m: Messages) -> Reply:
    """Step 1 of /remind: a preset local time, or one typed."""
    cells = tuple(Button(_hhmm(hh, mm), RemindFlow(hh, mm)) for hh, mm in TIME_PRESETS)
    return Reply(
        (
            para(line("⏰ ", b(m.text("reminders.pick_time_title")))),
            para(
                m.line("reminders.pick_time_ask", example=code("19:30")),
                m.line(
                    "reminders.pick_time_one_line",
                    example=code(m.text("reminders.one_line_example")),
                ),
            ),
        ),
        (cells[:3], cells[3:]),
    )


def pick_days(m: Messages, hour: int, minute: int, *, replace: bool = False) -> Reply:
    """Step 2: which days, for the local time ``hour``:``minute``."""
    buttons: Buttons = (
        (
            Button(m.text("reminders.every_day"), RemindFlow(hour, minute, days_mask(EVERY_DAY))),
            Button(m.text("reminders.weekdays"), RemindFlow(hour, minute, days_mask(WEEKDAYS))),
            Button(m.text("reminders.weekends"), RemindFlow(hour, minute, days_mask(WEEKENDS))),
        ),
        (Button(m.text("reminders.choose_days"), RemindFlow(hour, minute, 0, choosing=True)),),
    )
    text = text_reply(m.line("reminders.pick_days", time=b(_hhmm(hour, minute))), buttons=buttons)
    return Reply(text.blocks, text.buttons, replace=replace)


def _day_label(m: Messages, day: int, checked: bool) -> str:
    name = m.text(f"reminders.day_{day}")
    return m.text("reminders.day_checked", day=name) if checked else name


def choose_days(m: Messages, hour: int, minute: int, mask: int) -> Reply:
    """Step 2b: toggle single days (``mask``: bit 0 = Monday), then Done once one is on."""
    cells = tuple(
        Button(
            _day_label(m, day, bool(mask & (1 << day))),
            RemindFlow(hour, minute, mask ^ (1 << day), choosing=True),
        )
        for day in range(7)
    )
    rows: list[tuple[Button, ...]] = [cells[:4], cells[4:]]
    if mask:
        rows.append((Button(m.text("reminders.done_button"), RemindFlow(hour, minute, mask)),))
    return Reply(
        (para(m.line("reminders.choose_days_prompt", time=b(_hhmm(hour, minute)))),),
        tuple(rows),
        replace=True,
    )


def pick_zone(m: Messages, hour: int, minute: int, mask: int) -> Reply:
    """Step 3 (asked once per chat): the time zone, one of COMMON_ZONES."""
    cells = tuple(
        Button(zone, RemindFlow(hour, minute, mask, zone=index))
        for index, zone in enumerate(COMMON_ZONES)
    )
    text = m.line(
        "reminders.pick_zone",
        command=code(m.text("reminders.pick_zone_command")),
        example=code(m.text("reminders.pick_zone_example")),
        remind=code("/remind"),
    )
    rows = tuple(cells[index : index + 2] for index in range(0, len(cells), 2))
    return Reply((para(text),), rows, replace=True)


def _next_when(m: Messages, item: Listed, chat_tz: str | None) -> str | None:
    """When a reminder's next nudge comes (local time), or None when paused or off."""
    r = item.reminder
    if not r.active or r.paused or item.next_due is None:
        return None
    if chat_tz is None or chat_tz == r.tz:
        return when(m, item.next_due, r.tz)
    return when_in(m, item.next_due, chat_tz)


def next_text(m: Messages, item: Listed, chat_tz: str | None) -> str:
    """A reminder's state: its next nudge (local time), paused, or switched off."""
    if not item.reminder.active:
        return m.text("reminders.state_off")
    shown = _next_when(m, item, chat_tz)
    if shown is None:
        return m.text("reminders.state_paused")
    return m.text("reminders.state_next", when=shown)


def _schedule(m: Messages, item: Listed, *, topic: bool = True) -> str:
    r = item.reminder
    label = topic_label(m, r.thread_id) if topic else ""
    return schedule_text(m, r.hour, r.minute, r.days, r.tz) + label


def schedule_text(m: Messages, hour: int, minute: int, days: Iterable[int], tz: str) -> str:
    """A schedule in words, like "19:30 on Mon, Wed, Fri (America/Chicago)" (local time).

    Raises ValueError for an empty day set or a day outside 0..6 (0 = Monday).
    """
    chosen = frozenset(days)
    if not chosen or not chosen <= EVERY_DAY:
        raise ValueError(f"days must be a non-empty set of 0-6 (0 = Monday), got {days!r}")
    if chosen == EVERY_DAY:
        said = m.text("schedule.every_day")
    elif chosen == WEEKDAYS:
        said = m.text("schedule.weekdays")
    elif chosen == WEEKENDS:
        said = m.text("schedule.weekends")
    else:
        names = ", ".join(m.text(f"reminders.day_{day}") for day in sorted(chosen))
        said = m.text("schedule.on_days", days=names)
    return m.text("schedule.at", time=f"{hour:02d}:{minute:02d}", days=said, zone=tz)


def reminder_saved(
    m: Messages, listed: Listed, chat_tz: str | None, *, replace: bool = False
) -> Reply:
    """After /remind: stored, or the same one was already set (then nothing changed)."""
    key = "reminders.saved_existed" if listed.existed else "reminders.saved_new"
    heading = m.line(key, schedule=b(_schedule(m, listed)))
    shown = _next_when(m, listed, chat_tz) or next_text(m, listed, chat_tz)
    return Reply(
        (
            para(heading, m.line("reminders.next_nudge", next=shown)),
            para(m.text("reminders.see_all")),
        ),
        replace=replace,
    )


def limit_reached(m: Messages, limit: int, *, replace: bool = False) -> Reply:
    """/remind when the chat already has ``limit`` reminders."""
    return Reply((para(m.text("reminders.limit_reached", limit=limit)),), replace=replace)


def typed_time_error(m: Messages, message: str) -> Reply:
    """A typed time that is not one, after /remind asked for it."""
    return text_reply(m.text("reminders.typed_time_error", error=message))


# ----- /reminders ---------------------------------------------------------------------------


def reminder_list(
    m: Messages,
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
        return Reply((para(m.text("reminders.no_reminders")),), replace=replace)
    lines: list[Line] = []
    rows: list[tuple[Button, ...]] = []
    for index, item in enumerate(items, start=1):
        r = item.reminder
        label = _hhmm(r.hour, r.minute)
        state = next_text(m, item, chat_tz)
        lines.append(
            m.line("reminders.list_item", number=index, schedule=_schedule(m, item), state=state)
        )
        toggle = (
            Button(m.text("reminders.resume_button", time=label), ManageReminder("on", r.id))
            if r.paused or not r.active
            else Button(m.text("reminders.pause_button", time=label), ManageReminder("off", r.id))
        )
        delete = Button(m.text("reminders.delete_button", time=label), ManageReminder("del", r.id))
        rows.append((toggle, delete))
    blocks = [para(line("⏰ ", b(m.text("reminders.list_title")))), para(*lines)]
    if chat_tz is not None and any(item.reminder.tz != chat_tz for item in items):
        blocks.append(para(m.text("reminders.list_zone_note", zone=chat_tz)))
    if paused_until is not None:
        until = (
            m.text("reminders.all_paused_until_resume")
            if paused_until.year == FOREVER.year
            else m.text("reminders.all_paused_until", when=when_in(m, paused_until, chat_tz))
        )
        blocks.append(para(until))
    return Reply(tuple(blocks), tuple(rows), replace=replace)


def manage_note(m: Messages, op: str, found: bool) -> str:
    """The toast after pausing (``off``), resuming (``on``) or deleting (``del``) one."""
    if not found:
        return m.text("reminders.gone")
    keys = {
        "del": "reminders.deleted",
        "off": "reminders.paused_note",
        "on": "reminders.resumed_note",
    }
    return m.text(keys[op])


# ----- /timezone ----------------------------------------------------------------------------


def zone_shown(m: Messages, current: str | None) -> Reply:
    """/timezone with no argument: the chat's zone, and how to change it."""
    shown = (
        m.line("reminders.zone_current", zone=b(current))
        if current
        else line(m.text("reminders.zone_none"))
    )
    return text_reply(shown, m.text("reminders.zone_how"))


def zone_set(m: Messages, tz: str, others: list[Listed]) -> Reply:
    """/timezone Area/City: set; reminders keeping another zone get a move/keep offer."""
    first = para(m.line("reminders.zone_set", zone=b(tz)))
    if not others:
        return Reply((first,))
    listed = (
        m.line(
            "reminders.zone_other_item",
            schedule=_schedule(m, item, topic=False),
            state=next_text(m, item, tz),
        )
        for item in others
    )
    return Reply(
        (
            first,
            para(m.text("reminders.zone_others"), *listed),
            para(m.text("reminders.zone_move_question", zone=tz)),
        ),
        (
            (
                Button(m.text("reminders.move_button", zone=tz), MoveZone(tz)),
                Button(m.text("reminders.keep_button"), MoveZone(None)),
            ),
        ),
    )


def zone_kept(m: Messages) -> Reply:
    """After "Keep as they are"."""
    return Reply((para(m.text("reminders.zone_kept")),), replace=True)


def zone_moved(m: Messages, tz: str, moved: int) -> Reply:
    """After "Move to ...": ``moved`` reminders now follow ``tz`` at the same local time."""
    text = (
        m.line("reminders.zone_moved", count=m.count("reminders.reminders", moved), zone=b(tz))
        if moved
        else m.line("reminders.zone_all_follow", zone=b(tz))
    )
    return Reply((para(text),), replace=True)


# ----- /pause, /resume, /stopreminders, switched-off reminders ------------------------------


def pause_usage(m: Messages, max_days: int) -> Reply:
    """/pause with something other than a number of days."""
    return text_reply(m.text("reminders.pause_usage", max=max_days))


def paused(m: Messages, days: int | None, until: datetime, chat_tz: str | None) -> Reply:
    """After /pause: for ``days`` days until ``until`` (UTC, shown in the chat's zone)."""
    if days is None:
        return text_reply(m.text("reminders.paused_until_resume"))
    return text_reply(
        m.text(
            "reminders.paused_for",
            days=m.count("reminders.days", days),
            when=when_in(m, until, chat_tz),
        )
    )


def resumed(m: Messages, was_paused: bool) -> Reply:
    """After /resume."""
    return text_reply(m.text("reminders.resumed" if was_paused else "reminders.not_paused"))


def confirm_stop(m: Messages) -> Reply:
    """/stopreminders: ask before removing every reminder."""
    return Reply(
        (para(m.line("reminders.confirm_stop", all=b(m.text("reminders.confirm_stop_all")))),),
        (
            (
                Button(m.text("reminders.yes_remove"), ConfirmStop(True)),
                Button(m.text("reminders.no_keep"), ConfirmStop(False)),
            ),
        ),
    )


def stopped(m: Messages, count: int | None) -> Reply:
    """After the answer to /stopreminders: None = kept, else how many were removed now."""
    if count is None:
        text = m.text("reminders.stop_kept")
    elif count:
        text = m.text("reminders.stop_removed", count=m.count("reminders.reminders", count))
    else:
        text = m.text("reminders.stop_removed_all")
    return Reply((para(text),), replace=True)


def back_on(m: Messages, count: int) -> Reply:
    """After turning switched-off reminders back on."""
    text = m.text("reminders.back_on", count=m.count("reminders.reminders", count))
    return Reply((para(text),), replace=True)


def readd_offer(m: Messages, waiting: int) -> Reply:
    """A group added the bot back while ``waiting`` of its reminders were switched off."""
    return text_reply(
        m.count("reminders.readd_offer", waiting),
        buttons=((Button(m.text("reminders.readd_button"), ResumeAfterBlock()),),),
    )


def refusal(m: Messages, *, button: bool) -> Reply:
    """The polite refusal for a group member who is not an admin (an alert for a button)."""
    if button:
        return Reply(notice=m.text("reminders.refusal"), alert=True)
    return text_reply(m.text("reminders.refusal"))


def stale(m: Messages, note: str | None = None) -> Reply:
    """A button whose data is no longer valid: a toast (``note``, else the stale-button
    notice), and nothing else changes."""
    return Reply(notice=note or m.text("guide.stale_button"))


# ----- /progress, /done and nudges ----------------------------------------------------------


def progress(
    guide: Guide, p: Progress, *, replace: bool = False, notice: str | None = None
) -> Reply:
    """/progress: the learner's step, streak (scheduled days) and step buttons."""
    m = guide.messages
    step = guide.step(p.step) or guide.steps[0]
    today = m.text("reminders.studied_yes" if p.studied_today else "reminders.studied_no")
    streak = (
        "reminders.progress_streak_one" if p.streak == 1 else "reminders.progress_streak_other"
    )
    cells = tuple(
        Button(
            ("● " if s.number == step.number else "")
            + m.text("guide.step_button", number=s.number),
            SetProgress(s.number),
        )
        for s in guide.steps
    )
    return Reply(
        (
            para(line("📈 ", b(m.text("reminders.progress_title")))),
            para(
                m.line("reminders.progress_step", step=b(f"{step.number}. {step.title}")),
                m.line(streak, streak=b(str(p.streak))),
                m.line("reminders.studied_today", answer=today),
                m.line("reminders.days_total", count=p.total_days),
            ),
            para(m.text("reminders.progress_hint")),
        ),
        (cells, (Button(m.text("reminders.studied_button"), SetProgress(None)),)),
        replace=replace,
        notice=notice,
    )


def well_done(
    m: Messages,
    streak: int,
    *,
    replace: bool = False,
    notice: str | None = None,
    again: bool = False,
) -> Reply:
    """After /done or Studied ✅: the streak in scheduled days (``again``: today was
    already recorded, and nothing changed)."""
    days = m.count("reminders.streak", streak)
    key = "reminders.already_done" if again else "reminders.well_done"
    return Reply(
        (para(m.line(key, streak=b(days))),),
        replace=replace,
        notice=notice,
    )


def snoozed(m: Messages, at: datetime, chat_tz: str | None) -> Reply:
    """After Snooze 1 h: when (UTC, shown in the chat's zone) the nudge comes back."""
    return Reply(
        (para(m.text("reminders.snoozed", when=when_in(m, at, chat_tz))),),
        replace=True,
        notice=m.text("reminders.snoozed_note"),
    )


def skipped(m: Messages) -> Reply:
    """After Skip today."""
    return Reply(
        (para(m.text("reminders.skipped")),),
        replace=True,
        notice=m.text("reminders.skipped_note"),
    )


def nudge_buttons(m: Messages) -> Buttons:
    """The answers under every nudge: studied, snooze an hour, skip today."""
    return (
        (
            Button(m.text("reminders.nudge_done"), AnswerNudge("done")),
            Button(m.text("reminders.nudge_snooze"), AnswerNudge("snooze")),
            Button(m.text("reminders.nudge_skip"), AnswerNudge("skip")),
        ),
    )


def nudge(guide: Guide, n: Nudge) -> Reply:
    """A study nudge: a group's prompt, or the learner's step and one concrete action, in
    the nudge's language."""
    guide = guide.for_language(n.language)
    m = guide.messages
    if n.announcement:
        return text_reply(line(b(m.text("admin.announcement"))), n.text)
    if n.is_group:
        return text_reply(m.text("reminders.group_nudge", prompt=n.text), buttons=nudge_buttons(m))
    step = guide.step(n.step) or guide.steps[0]
    heading = m.text("reminders.nudge_snoozed" if n.snoozed else "reminders.nudge_due")
    return Reply(
        (
            para(
                b(heading),
                m.line("reminders.nudge_step", number=step.number, title=i(step.title)),
            ),
            para(m.text("reminders.nudge_action", action=n.text)),
        ),
        nudge_buttons(m),
    )
