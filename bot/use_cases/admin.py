"""The operators' use cases: (actor, command) -> Reply: /stats and /backup.

Who is an operator is decided here, per platform: on Telegram the ids in ``ADMIN_IDS``, on
Discord those in ``DISCORD_ADMIN_IDS``; on the console, whoever types (it runs on the
operator's own machine, with no token and no one else in the chat).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.actor import Actor
from bot.announcements import Announcements
from bot.backups import Backups
from bot.guide import Guide
from bot.messages import Messages, default_messages
from bot.reminders import ReminderService
from bot.replies import Reply
from bot.screens import admin as screens
from bot.settings import Settings
from storage.async_repository import AsyncRepository
from storage.errors import StorageError

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

COMMANDS = frozenset({"stats", "backup"})


def is_operator(settings: Settings, actor: Actor) -> bool:
    """Whether ``actor`` may use the operators' commands."""
    if actor.platform == "console":
        return True
    group = settings.telegram if actor.platform == "telegram" else settings.discord
    return group is not None and actor.user_id in group.admin_ids


@dataclass(frozen=True, slots=True)
class AdminUseCases:
    """The operators' use cases over the settings, storage and the reminder service."""

    settings: Settings
    repository: AsyncRepository
    reminders: ReminderService
    # The screens' words (the guide's ``messages``); None: the packaged English ones.
    messages: Messages | None = None
    # The running bot's snapshots; None where none are taken (then /backup says so).
    backups: Backups | None = None
    guide: Guide | None = None  # for the words in the operator's language
    announcements: Announcements | None = None

    @classmethod
    def of(cls, core: Core) -> AdminUseCases:
        """The operators' use cases over an open core."""
        return cls(
            core.settings,
            core.repository,
            core.reminders,
            core.guide.messages,
            core.backups,
            core.guide,
            core.announcements,
        )

    def _words(self, actor: Actor) -> Messages:
        if self.guide is not None:
            return self.guide.for_language(actor.language).messages
        return self.messages or default_messages()

    async def command(self, actor: Actor, name: str, args: str = "") -> Reply:
        """Answer ``/name``; only operators get more than a polite refusal."""
        if name not in COMMANDS:
            raise ValueError(f"not an operators' command: {name}")
        if name == "backup":
            return await self.backup(actor)
        return await self.stats(actor)

    async def backup(self, actor: Actor) -> Reply:
        """/backup: write a snapshot of the data folder now (the bot keeps running); say
        where, how big and how long it took, or why it failed."""
        m = self._words(actor)
        if not is_operator(self.settings, actor):
            return screens.operators_only(m)
        if self.backups is None:
            return screens.backup_failed(m, m.text("admin.no_backup_dir"))
        try:
            taken = await self.backups.snapshot()
        except (StorageError, OSError) as exc:
            log.error("an operator's /backup failed: %s", exc)
            return screens.backup_failed(m, str(exc))
        return screens.backup_written(m, taken.path.name, taken.size_bytes, taken.seconds)

    async def stats(self, actor: Actor) -> Reply:
        """/stats: stored chats and reminders, the engine's schedule, delivery counts."""
        m = self._words(actor)
        if not is_operator(self.settings, actor):
            return screens.operators_only(m)
        counts = await self.repository.counts()
        last = self.backups.last if self.backups is not None else None
        announced = await self.announcements.latest() if self.announcements else None
        outbox = self.reminders.outbox.stats
        engine = self.reminders.dispatcher
        return screens.stats(
            m,
            screens.Usage(
                profiles=counts.profiles,
                reminders=counts.reminders,
                active_reminders=counts.active_reminders,
                scheduled=len(engine),
                slots=engine.slot_count,
                in_flight=engine.in_flight(),
                sent=outbox.sent,
                failed=outbox.failed,
                unreachable=outbox.unreachable,
                skipped_late=engine.skipped_late,
                skipped_paused=engine.skipped_paused,
                dropped=engine.dropped,
                last_backup=None if last is None else last.taken_at,
                announcement=announced,
            ),
        )
