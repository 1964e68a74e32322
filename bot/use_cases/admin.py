"""The operators' use cases: (actor, command) -> Reply. Today: /stats.

Who is an operator is decided here, per platform: on Telegram the ids in ``ADMIN_IDS``, on
Discord those in ``DISCORD_ADMIN_IDS``; on the console, whoever types (it runs on the
operator's own machine, with no token and no one else in the chat).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.actor import Actor
from bot.messages import Messages, default_messages
from bot.reminders import ReminderService
from bot.replies import Reply
from bot.screens import admin as screens
from bot.settings import Settings
from storage.async_repository import AsyncRepository

COMMANDS = frozenset({"stats"})


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

    async def command(self, actor: Actor, name: str, args: str = "") -> Reply:
        """Answer ``/name``; only operators get more than a polite refusal."""
        if name not in COMMANDS:
            raise ValueError(f"not an operators' command: {name}")
        return await self.stats(actor)

    async def stats(self, actor: Actor) -> Reply:
        """/stats: stored chats and reminders, the engine's schedule, delivery counts."""
        m = self.messages or default_messages()
        if not is_operator(self.settings, actor):
            return screens.operators_only(m)
        counts = await self.repository.counts()
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
            ),
        )
