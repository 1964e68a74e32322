"""What the bot says to things said in plain words: a reminder to confirm, a thank-you."""

from __future__ import annotations

from bot.actions import Dismiss, RemindFlow
from bot.messages import Messages
from bot.replies import Button, Reply, b, code, text_reply
from bot.screens.reminders import COMMON_ZONES, days_mask, schedule_text


def confirm_reminder(
    m: Messages, hour: int, minute: int, days: frozenset[int], zone: str | None
) -> Reply:
    """ "Set a study reminder at 19:00 on weekdays?" with Set it / Cancel. ``zone`` (IANA) is
    the one named, or None for the chat's own (asked for after Set it when it has none)."""
    schedule = schedule_text(m, hour, minute, days, zone or "…")
    if zone is not None and zone not in COMMON_ZONES:
        # A zone a button cannot carry: the one-line command sets exactly this reminder.
        command = f"/remind {hour:02d}:{minute:02d} {_day_words(days)} {zone}"
        return text_reply(
            m.line("intents.remind_command", schedule=b(schedule), command=code(command))
        )
    flow = RemindFlow(
        hour, minute, days_mask(days), zone=None if zone is None else COMMON_ZONES.index(zone)
    )
    shown = schedule if zone is not None else schedule.removesuffix(" (…)")
    return text_reply(
        m.line("intents.remind_confirm", schedule=b(shown)),
        buttons=((Button(m.text("intents.set_button"), flow), _cancel(m)),),
    )


def which_time(
    m: Messages, readings: tuple[tuple[int, int], ...], days: frozenset[int], zone: str | None
) -> Reply:
    """An hour said without am/pm ("at 7"): morning or evening? Each button sets that one."""
    (morning, evening) = readings[:2]
    zone_index = COMMON_ZONES.index(zone) if zone in COMMON_ZONES else None
    buttons = tuple(
        Button(
            f"{hour:02d}:{minute:02d}", RemindFlow(hour, minute, days_mask(days), zone=zone_index)
        )
        for hour, minute in (morning, evening)
    )
    said = m.text(
        "intents.remind_which",
        morning=f"{morning[0]:02d}:{morning[1]:02d}",
        evening=f"{evening[0]:02d}:{evening[1]:02d}",
    )
    return text_reply(said, buttons=(buttons, (_cancel(m),)))


def thanks(m: Messages) -> Reply:
    """The reply to a thank-you."""
    return text_reply(m.text("intents.thanks"))


def dismissed(m: Messages) -> Reply:
    """After Cancel: the offer is replaced by "nothing was set"."""
    said = m.text("intents.cancelled")
    return Reply(text_reply(said).blocks, replace=True, notice=said)


def _cancel(m: Messages) -> Button:
    return Button(m.text("intents.cancel_button"), Dismiss())


def _day_words(days: frozenset[int]) -> str:
    """Days as /remind reads them: ``mon,wed,fri`` (English abbreviations, any language)."""
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return ",".join(names[day] for day in sorted(days))
