"""What /broadcast and /announcements say: the preview, the status bar, the opt-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.actions import ConfirmAnnouncement
from bot.messages import Messages
from bot.replies import Button, Reply, b, line, para, text_reply
from storage.announcements import Progress

BAR_CELLS = 10


def preview(m: Messages, text: str, count: int, token: str) -> Reply:
    """The announcement as learners will see it, how many will get it, Send / Cancel (their
    actions carry the draft's ``token``)."""
    return Reply(
        (
            para(m.count("announce.preview", count)),
            para(line(b(m.text("admin.announcement"))), text),
        ),
        (
            (
                Button(
                    m.text("announce.send_button", count=count),
                    ConfirmAnnouncement(True, token),
                ),
                Button(m.text("announce.cancel_button"), ConfirmAnnouncement(False, token)),
            ),
        ),
    )


def status(m: Messages, p: Progress, now: datetime | None = None) -> Reply:
    """A text progress bar with sent / left / failed and an estimated finish (UTC), or the
    final counts once done."""
    if p.status == "done":
        said = m.text(
            "announce.done",
            sent=p.sent,
            failed=p.failed + p.interrupted,
            unreachable=p.unreachable,
            total=p.total,
        )
        return Reply(text_reply(said).blocks, replace=True)
    done = p.sent + p.failed + p.unreachable
    share = done / p.total if p.total else 1.0
    filled = round(share * BAR_CELLS)
    bar = "▓" * filled + "░" * (BAR_CELLS - filled)
    said = m.text(
        "announce.status",
        bar=bar,
        percent=round(share * 100),
        sent=p.sent,
        left=p.total - done,
        failed=p.failed + p.unreachable,
        eta=_eta(p, done, now or datetime.now(UTC)),
    )
    return Reply(text_reply(said).blocks, replace=True)


def _eta(p: Progress, done: int, now: datetime) -> str:
    """The estimated finish, HH:MM UTC, from the pace so far ("…" before the first sends)."""
    started = datetime.fromisoformat(p.created_at)
    elapsed = (now - started).total_seconds()
    if done == 0 or elapsed <= 0:
        return "…"
    finish = now + timedelta(seconds=elapsed / done * (p.total - done))
    return f"{finish:%H:%M} UTC"


def how_to(m: Messages) -> Reply:
    """/broadcast with no text."""
    return text_reply(m.text("announce.how_to"))


def too_long(m: Messages, limit: int) -> Reply:
    """An announcement over ``limit`` characters."""
    return text_reply(m.text("announce.too_long", limit=limit))


def cancelled(m: Messages) -> Reply:
    """Cancel under the preview: nothing is sent."""
    said = m.text("announce.cancelled")
    return Reply(text_reply(said).blocks, replace=True, notice=said)


def stale(m: Messages) -> Reply:
    """A preview button whose draft is gone (already answered, or the bot restarted)."""
    return Reply(notice=m.text("guide.stale_button"))


def operators_only(m: Messages) -> Reply:
    """Someone who is not an operator."""
    return text_reply(m.text("admin.operators_only"))


def refusal(m: Messages) -> Reply:
    """A group member who may not change the group's choice."""
    return text_reply(m.text("reminders.refusal"))


def opted(m: Messages, wanted: bool) -> Reply:
    """After /announcements on|off."""
    return text_reply(m.text("announce.opted_in" if wanted else "announce.opted_out"))


def opt_state(m: Messages, wanted: bool) -> Reply:
    """/announcements alone: the current choice and how to change it."""
    return text_reply(m.text("announce.state_on" if wanted else "announce.state_off"))


def opt_usage(m: Messages) -> Reply:
    """/announcements with a word that is neither on nor off."""
    return text_reply(m.text("announce.usage"))


def busy(m: Messages) -> Reply:
    """Another announcement is still going out: one at a time."""
    return text_reply(m.text("announce.busy"))
