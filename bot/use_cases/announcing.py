"""Announcements: an operator's /broadcast (preview, then confirm) and a learner's
/announcements on|off. Delivery itself is :mod:`bot.announcements`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.actions import Action, ConfirmAnnouncement, Unknown
from bot.actor import Actor
from bot.announcements import Announcements
from bot.guide import Guide
from bot.reminders import ReminderService
from bot.replies import Reply
from bot.screens import announcing as screens
from bot.settings import Settings
from bot.use_cases.admin import is_operator
from storage.announcements import Progress
from storage.records import ChatKey

COMMANDS = frozenset({"broadcast", "announcements"})
ACTIONS = (ConfirmAnnouncement,)
MAX_TEXT = 3500  # characters: one message on every platform, with its heading
_ON = frozenset({"on", "yes", "si", "sí", "activar"})
_OFF = frozenset({"off", "no", "stop", "desactivar"})


@dataclass(frozen=True, slots=True)
class Sending:
    """A confirmed announcement: the reply to show and the delivery to follow."""

    reply: Reply
    announcement_id: str | None = None


@dataclass(frozen=True, slots=True)
class AnnouncingUseCases:
    """/broadcast and /announcements over the announcement service."""

    settings: Settings
    announcements: Announcements
    reminders: ReminderService
    guide: Guide

    async def command(self, actor: Actor, name: str, args: str = "") -> Reply:
        """``/broadcast TEXT`` (operators: a preview) or ``/announcements [on|off]``."""
        m = self.guide.for_language(actor.language).messages
        if name == "announcements":
            return await self._opt(actor, args.strip().lower())
        if not is_operator(self.settings, actor):
            return screens.operators_only(m)
        text = args.strip()
        if not text:
            return screens.how_to(m)
        if len(text) > MAX_TEXT:
            return screens.too_long(m, MAX_TEXT)
        if self.announcements.sending_now:
            return screens.busy(m)
        token = self.announcements.draft(_operator(actor), text)
        count = len(await self.announcements.recipients())
        return screens.preview(m, text, count, token)

    async def press(self, actor: Actor, action: Action | Unknown) -> Sending:
        """Send or cancel the previewed announcement."""
        m = self.guide.for_language(actor.language).messages
        if not isinstance(action, ConfirmAnnouncement) or not is_operator(self.settings, actor):
            return Sending(screens.stale(m))
        text = self.announcements.take_draft(_operator(actor), action.token)
        if text is None:
            return Sending(screens.stale(m))
        if not action.confirmed:
            return Sending(screens.cancelled(m))
        if self.announcements.sending_now:
            return Sending(screens.busy(m))
        started = await self.announcements.announce(text, await self.announcements.recipients())
        return Sending(self.status(actor, started), started.id)

    def status(self, actor: Actor, progress: Progress, now: datetime | None = None) -> Reply:
        """The status message of a delivery (edited in place as it goes)."""
        m = self.guide.for_language(actor.language).messages
        return screens.status(m, progress, now)

    async def _opt(self, actor: Actor, choice: str) -> Reply:
        m = self.guide.for_language(actor.language).messages
        chat = ChatKey(actor.platform, actor.chat_id)
        if choice in _ON | _OFF:
            if not actor.may_manage:
                return screens.refusal(m)
            wanted = choice in _ON
            await self.reminders.set_announcements(chat, wanted, is_group=actor.is_group)
            return screens.opted(m, wanted)
        if choice:
            return screens.opt_usage(m)
        profile = await self.reminders.profile(chat)
        return screens.opt_state(m, profile.announcements)


def _operator(actor: Actor) -> tuple[str, int]:
    return actor.platform, actor.user_id
