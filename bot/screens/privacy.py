"""What /mydata and /deleteme say."""

from __future__ import annotations

from bot.actions import ConfirmErase
from bot.messages import Messages
from bot.replies import Attachment, Button, Reply, text_reply


def export(m: Messages, document: Attachment) -> Reply:
    """The data export: a short note and the JSON document."""
    return Reply(text_reply(m.text("privacy.export")).blocks, attachment=document)


def confirm_erase(m: Messages, *, group: bool) -> Reply:
    """ "Delete everything stored about you (this group)?" with Yes / No."""
    return text_reply(
        m.text("privacy.confirm_group" if group else "privacy.confirm"),
        buttons=(
            (
                Button(m.text("privacy.yes_delete"), ConfirmErase(True)),
                Button(m.text("privacy.no_keep"), ConfirmErase(False)),
            ),
        ),
    )


def erased(m: Messages) -> Reply:
    """Done: everything is deleted; the next use starts afresh."""
    said = m.text("privacy.erased")
    return Reply(text_reply(said).blocks, replace=True, notice=said)


def kept(m: Messages) -> Reply:
    """No: nothing was deleted."""
    said = m.text("privacy.kept")
    return Reply(text_reply(said).blocks, replace=True, notice=said)


def refusal(m: Messages, *, button: bool) -> Reply:
    """A group member who may not manage the group."""
    said = m.text("reminders.refusal")
    return Reply(notice=said, alert=True) if button else text_reply(said)


def stale(m: Messages) -> Reply:
    """A forged or outdated button: nothing changes."""
    return Reply(notice=m.text("guide.stale_button"))
