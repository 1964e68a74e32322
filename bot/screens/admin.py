"""What the operators' commands say, as neutral Replies: /stats."""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Messages
from bot.replies import Reply, b, line, text_reply


@dataclass(frozen=True, slots=True)
class Usage:
    """The figures /stats shows: storage, the reminder engine and delivery."""

    profiles: int
    reminders: int
    active_reminders: int
    scheduled: int
    slots: int
    in_flight: int
    sent: int
    failed: int
    unreachable: int
    skipped_late: int
    skipped_paused: int
    dropped: int


def operators_only(m: Messages) -> Reply:
    """The answer to someone who is not an operator."""
    return text_reply(m.text("admin.operators_only"))


def stats(m: Messages, usage: Usage) -> Reply:
    """Subscriber, reminder and delivery counts, one figure group per line."""
    return text_reply(
        line(b(m.text("admin.stats_title"))),
        m.text("admin.stats_profiles", profiles=usage.profiles),
        m.text("admin.stats_reminders", reminders=usage.reminders, active=usage.active_reminders),
        m.text(
            "admin.stats_scheduled",
            scheduled=usage.scheduled,
            slots=usage.slots,
            in_flight=usage.in_flight,
        ),
        m.text(
            "admin.stats_sent", sent=usage.sent, failed=usage.failed, unreachable=usage.unreachable
        ),
        m.text(
            "admin.stats_skipped",
            late=usage.skipped_late,
            paused=usage.skipped_paused,
            dropped=usage.dropped,
        ),
    )
