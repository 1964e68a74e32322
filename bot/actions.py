"""Typed button actions and their one codec (at most 64 bytes: Telegram's callback data limit).

The wire format is the one buttons already sent carry, so a button on an old message keeps
working after an upgrade. Forged, stale or malformed data decodes to :class:`Unknown`, which
changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

MAX_BYTES = 64  # Telegram's limit; Discord allows 100 characters
ManageOp = Literal["on", "off", "del"]
NudgeAnswer = Literal["done", "snooze", "skip"]


@dataclass(frozen=True, slots=True)
class ShowTopic:
    """Show a guide topic (``salary``, ``steps``, ``step:2``, ``cert:CPC``, ``faq:pay``...).

    ``replace``: page in place (replace the message) rather than send a new one.
    """

    key: str
    replace: bool = False


@dataclass(frozen=True, slots=True)
class RemindFlow:
    """A step of the /remind buttons: a time (``hour``, ``minute``, local), then days as a
    7-bit ``mask`` (bit 0 = Monday; ``choosing`` while days are being toggled), then the
    index of a common time zone."""

    hour: int
    minute: int
    mask: int | None = None
    choosing: bool = False
    zone: int | None = None


@dataclass(frozen=True, slots=True)
class ManageReminder:
    """Pause (``off``), resume (``on``) or delete (``del``) one reminder of the chat."""

    op: ManageOp
    reminder_id: str


@dataclass(frozen=True, slots=True)
class ConfirmStop:
    """Answer to "remove all reminders?"."""

    confirmed: bool


@dataclass(frozen=True, slots=True)
class MoveZone:
    """After a time-zone change: move reminders to ``tz`` (IANA) or keep them (None)."""

    tz: str | None


@dataclass(frozen=True, slots=True)
class ResumeAfterBlock:
    """Turn a chat's switched-off reminders back on."""


@dataclass(frozen=True, slots=True)
class SetProgress:
    """From /progress: move to ``step``, or record today's study (``step`` None)."""

    step: int | None


@dataclass(frozen=True, slots=True)
class AnswerNudge:
    """A nudge's buttons: Studied ✅, Snooze 1 h, Skip today."""

    answer: NudgeAnswer


@dataclass(frozen=True, slots=True)
class ChooseLanguage:
    """From /language: answer in ``language`` (a code such as "es"), or None: in each
    person's app language."""

    language: str | None


@dataclass(frozen=True, slots=True)
class ConfirmErase:
    """Answer to "delete everything stored about you?" (/deleteme)."""

    confirmed: bool


@dataclass(frozen=True, slots=True)
class ConfirmAnnouncement:
    """An operator's answer to the preview of /broadcast: send it, or not; ``token`` names
    the preview (a button under an older preview does nothing)."""

    confirmed: bool
    token: str


@dataclass(frozen=True, slots=True)
class Dismiss:
    """ "Cancel" under an offer (a reminder asked for in plain words): nothing changes."""


@dataclass(frozen=True, slots=True)
class Unknown:
    """Data no action decodes from: forged, stale or from an older bot."""

    data: str


Action = (
    ShowTopic
    | RemindFlow
    | ManageReminder
    | ConfirmStop
    | MoveZone
    | ResumeAfterBlock
    | SetProgress
    | AnswerNudge
    | ChooseLanguage
    | Dismiss
    | ConfirmErase
    | ConfirmAnnouncement
)

_TOPIC = re.compile(r"(show|page):([a-z]+(?::[A-Za-z0-9]+)?)", re.ASCII)
_FLOW = re.compile(r"rf:([0-9]{2})([0-9]{2})(?::(c?)([0-9]{1,3}))?(?::([0-9]{1,2}))?", re.ASCII)
_MANAGE = re.compile(r"rm:(on|off|del):([0-9a-f]{8})", re.ASCII)
_ZONE = re.compile(r"tz:(?:move:([A-Za-z0-9_+\-/]{1,56})|(keep))", re.ASCII)
_PROGRESS = re.compile(r"pg:(done|[1-9])", re.ASCII)
_NUDGE = re.compile(r"ng:(done|snooze|skip)", re.ASCII)
_ANNOUNCE = re.compile(r"bc:(send|cancel):([0-9a-f]{8})", re.ASCII)
_LANGUAGE = re.compile(r"lang:([a-z]{2}|auto)", re.ASCII)


class ActionTooLong(ValueError):
    """An action whose encoding exceeds MAX_BYTES (a bug: such a button cannot be sent)."""


def encode(action: Action) -> str:
    """Return the callback data for ``action``; raises ActionTooLong past MAX_BYTES."""
    data = _encode(action)
    if len(data.encode()) > MAX_BYTES:
        raise ActionTooLong(f"{data!r} is over {MAX_BYTES} bytes")
    return data


def _encode(action: Action) -> str:
    match action:
        case ShowTopic(key, replace):
            return f"{'page' if replace else 'show'}:{key}"
        case RemindFlow(hour, minute, mask, choosing, zone):
            data = f"rf:{hour:02d}{minute:02d}"
            if mask is not None:
                data += f":{'c' if choosing else ''}{mask}"
                if zone is not None:
                    data += f":{zone}"
            return data
        case ManageReminder(op, reminder_id):
            return f"rm:{op}:{reminder_id}"
        case ConfirmStop(confirmed):
            return "stop:yes" if confirmed else "stop:no"
        case MoveZone(tz):
            return "tz:keep" if tz is None else f"tz:move:{tz}"
        case ResumeAfterBlock():
            return "back:on"
        case SetProgress(step):
            return "pg:done" if step is None else f"pg:{step}"
        case AnswerNudge(answer):
            return f"ng:{answer}"
        case ChooseLanguage(language):
            return f"lang:{language or 'auto'}"
        case Dismiss():
            return "dismiss"
        case ConfirmErase(confirmed):
            return "erase:yes" if confirmed else "erase:no"
        case ConfirmAnnouncement(confirmed, token):
            return f"bc:{'send' if confirmed else 'cancel'}:{token}"


def decode(data: str) -> Action | Unknown:
    """Parse callback data; anything malformed or out of range is Unknown."""
    found = _decode(data) if len(data.encode()) <= MAX_BYTES else None
    return Unknown(data) if found is None else found


def _decode(data: str) -> Action | None:
    if match := _TOPIC.fullmatch(data):
        return ShowTopic(match[2], replace=match[1] == "page")
    if match := _FLOW.fullmatch(data):
        return _flow(match)
    if match := _MANAGE.fullmatch(data):
        return ManageReminder(cast(ManageOp, match[1]), match[2])
    if data in ("stop:yes", "stop:no"):
        return ConfirmStop(data == "stop:yes")
    if match := _ZONE.fullmatch(data):
        return MoveZone(None if match[2] else match[1])
    if data == "back:on":
        return ResumeAfterBlock()
    if match := _PROGRESS.fullmatch(data):
        return SetProgress(None if match[1] == "done" else int(match[1]))
    if match := _NUDGE.fullmatch(data):
        return AnswerNudge(cast(NudgeAnswer, match[1]))
    if data == "dismiss":
        return Dismiss()
    if data in ("erase:yes", "erase:no"):
        return ConfirmErase(data == "erase:yes")
    if match := _ANNOUNCE.fullmatch(data):
        return ConfirmAnnouncement(match[1] == "send", match[2])
    if match := _LANGUAGE.fullmatch(data):
        return ChooseLanguage(None if match[1] == "auto" else match[1])
    return None


def _flow(match: re.Match[str]) -> RemindFlow | None:
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    choosing = bool(match[3])
    mask = int(match[4]) if match[4] is not None else None
    zone = int(match[5]) if match[5] is not None else None
    if mask is not None and not (0 if choosing else 1) <= mask <= 127:
        return None
    if zone is not None and (choosing or mask is None):
        return None
    return RemindFlow(hour, minute, mask, choosing, zone)
