"""What the operators' commands say, as neutral Replies: /stats."""

from __future__ import annotations

from dataclasses import dataclass

from bot.replies import Reply, b, line, text_reply

OPERATORS_ONLY = "This command is for the bot's operators."


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


def operators_only() -> Reply:
    """The answer to someone who is not an operator."""
    return text_reply(OPERATORS_ONLY)


def stats(usage: Usage) -> Reply:
    """Subscriber, reminder and delivery counts, one figure group per line."""
    return text_reply(
        line(b("MedCoder Coach stats")),
        f"Chats with a profile: {usage.profiles}",
        f"Reminders: {usage.reminders} ({usage.active_reminders} active)",
        f"Scheduled now: {usage.scheduled} in {usage.slots} slots; in flight: {usage.in_flight}",
        f"Nudges sent: {usage.sent}; failed attempts: {usage.failed}; "
        f"unreachable: {usage.unreachable}",
        f"Skipped as too late: {usage.skipped_late}; while paused: {usage.skipped_paused}; "
        f"dropped after rate limits: {usage.dropped}",
    )
