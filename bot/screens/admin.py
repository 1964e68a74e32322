"""What the operators' commands say, as neutral Replies: /stats and /backup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.messages import Messages
from bot.replies import Reply, b, code, line, text_reply
from storage.announcements import Progress


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
    last_backup: datetime | None = None  # aware UTC
    announcement: Progress | None = None  # the latest, live while it goes out


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
        m.text("admin.stats_no_backup")
        if usage.last_backup is None
        else m.text("admin.stats_backup", when=f"{usage.last_backup:%Y-%m-%d %H:%M} UTC"),
        *_announcement(m, usage.announcement),
    )


def _announcement(m: Messages, p: Progress | None) -> tuple[str, ...]:
    if p is None:
        return ()
    return (
        m.text(
            "admin.stats_announcement",
            sent=p.sent,
            failed=p.failed + p.interrupted,
            unreachable=p.unreachable,
            total=p.total,
            status=m.text(f"admin.announcement_{p.status}"),
        ),
    )


def backup_written(m: Messages, name: str, size_bytes: int, seconds: float) -> Reply:
    """After /backup: the snapshot's file name, size (kB) and how long it took (s)."""
    kilobytes = f"{size_bytes / 1000:,.0f}"
    return text_reply(
        m.line("admin.backup_written", file=code(name), size=kilobytes, seconds=f"{seconds:.1f}")
    )


def backup_failed(m: Messages, reason: str) -> Reply:
    """/backup could not write a snapshot (``reason`` for the operator, shortened)."""
    return text_reply(m.text("admin.backup_failed", reason=reason[:300]))
