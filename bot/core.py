"""The core, opened once and shared by every front end: ``async with Core.open(settings)``.

Opening loads the guide and its question index, opens storage and builds the reminder service
(its APScheduler ``SlotScheduler`` and outbox); closing stops the reminder engine, then closes
storage. Nothing in it is filled in later and nothing here knows a platform.

A front end (Telegram, Discord, the console) plugs in through :class:`FrontEnd`, and
:func:`serving` runs them on one core in this order::

    connect every front end      (prove its token; it hands over its NudgeSender)
    start delivering nudges      (the schedule is rebuilt from storage, every job armed)
    start taking backups         (every BACKUP_EVERY_HOURS, a snapshot of the data folder)
    start taking updates         (every front end)
    ... until the caller stops ...
    stop taking updates          (front ends first: updates in flight finish)
    stop taking backups          (a snapshot in progress finishes)
    stop delivering nudges       (no more firing; sends in flight drain, <= 5 s)
    disconnect every front end   (release the HTTP clients the drain still used)

and ``Core.open``'s exit then closes storage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.actor import Actor
from bot.announcements import Announcements
from bot.answers import QuestionIndex
from bot.backups import Backups
from bot.guide import Guide, load_guides
from bot.languages import ENGLISH, normalize
from bot.metrics import Metrics
from bot.reminders import NudgeSender, ReminderService
from bot.settings import Settings
from bot.slot_scheduler import utc_now
from storage.async_repository import AsyncRepository
from storage.records import ChatKey

log = logging.getLogger(__name__)


class FrontEndError(Exception):
    """A front end could not start (its token was rejected, its API is unreachable).

    The message is one line for the operator; ``exit_status`` is what the process returns.
    """

    def __init__(self, message: str, exit_status: int) -> None:
        super().__init__(message)
        self.exit_status = exit_status


class FrontEnd(Protocol):
    """A platform the bot runs on, built on an open core (see the module docstring)."""

    @property
    def platform(self) -> str:
        """The platform's name ("telegram"), the key of its NudgeSender."""
        ...

    def connected(self) -> AbstractAsyncContextManager[NudgeSender]:
        """Connect and prove the token, taking no updates yet; yield the nudge sender.

        Raise FrontEndError when the platform refuses the token or cannot be reached.
        On exit, release the connection (the reminder engine has stopped by then).
        """
        ...

    def serving(self) -> AbstractAsyncContextManager[None]:
        """Take updates until the block exits; then stop and finish those in flight."""
        ...


@dataclass(slots=True, kw_only=True)
class Core:
    """The core services every front end uses (handlers read these attribute names)."""

    settings: Settings
    guide: Guide
    questions: QuestionIndex
    repository: AsyncRepository
    reminders: ReminderService
    backups: Backups
    announcements: Announcements
    metrics: Metrics  # counted always; served on METRICS_PORT by the entry point
    clock: Callable[[], datetime] = field(default=utc_now)  # aware UTC

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        settings: Settings,
        *,
        guide: Guide | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> AsyncIterator[Core]:
        """Open the core; on exit stop the reminder engine, then close storage.

        ``guide`` defaults to the bundled one with its translations (:func:`load_guides`);
        ``clock`` (aware UTC) drives the reminder schedule, and tests pass one they can move.
        Raises GuideError or StorageError (the data folder is damaged or newer) before
        anything is left open.
        """
        # Parsing the guide and indexing it take tens of ms: off the event loop.
        if guide is None:
            guide = await asyncio.to_thread(load_guides)
        questions = await asyncio.to_thread(QuestionIndex, guide)
        repository = await AsyncRepository.open(settings.data_dir)
        try:
            reminders = ReminderService(
                repository,
                dict(guide.actions_by_step()),
                guide.group_prompts,
                grace=timedelta(minutes=settings.reminder_grace_minutes),
                clock=clock,
                translations={
                    code: (dict(found.actions_by_step()), found.group_prompts)
                    for code, found in guide.translations.items()
                },
            )
            backups = Backups(
                repository,
                settings.backup_dir,
                settings.backup_every_hours,
                settings.backup_keep,
                clock=clock,
            )
            metrics = Metrics(reminders, repository, backups)
            announcements = Announcements(
                repository, reminders, clock, on_progress=metrics.broadcast_progress
            )
            core = cls(
                settings=settings,
                guide=guide,
                questions=questions,
                repository=repository,
                reminders=reminders,
                backups=backups,
                announcements=announcements,
                metrics=metrics,
                clock=clock,
            )
            try:
                yield core
            finally:
                await reminders.stop()  # a no-op when delivering() already stopped it
        finally:
            await repository.close()
            log.debug("core closed: reminder engine stopped, storage closed")

    async def localized(self, actor: Actor) -> Actor:
        """``actor`` speaking its effective language: the one its chat chose with /language,
        else its platform's (``actor.language``, e.g. "es-419") if the bot speaks it, else
        English. Use cases read ``actor.language`` as a supported code after this."""
        chat = ChatKey(actor.platform, actor.chat_id)
        chosen = await self.reminders.chosen_language(chat)
        language = chosen or normalize(actor.language) or ENGLISH
        return actor if actor.language == language else replace(actor, language=language)

    async def started(self, actor: Actor) -> None:
        """``actor`` sent /start: its chat gets a profile if it has none (announcements go
        to the private chats the bot has a profile for)."""
        chat = ChatKey(actor.platform, actor.chat_id)
        await self.reminders.started(chat, is_group=actor.is_group)

    @asynccontextmanager
    async def delivering(self, senders: Mapping[str, NudgeSender]) -> AsyncIterator[None]:
        """Rebuild the schedule from storage and send nudges through ``senders`` (by
        platform) until the block exits; then stop firing and drain the sends in flight."""
        await self.reminders.start(senders)
        await self.announcements.start(senders)
        try:
            yield
        finally:
            await self.announcements.stop()
            await self.reminders.stop()


@asynccontextmanager
async def serving(core: Core, front_ends: Sequence[FrontEnd]) -> AsyncIterator[None]:
    """Run ``front_ends`` on ``core`` until the block exits, in the module docstring's order."""
    if not front_ends:
        raise ValueError("no front end to run")
    async with AsyncExitStack() as stack:
        senders: dict[str, NudgeSender] = {}
        for front_end in front_ends:
            senders[front_end.platform] = await stack.enter_async_context(front_end.connected())
        await stack.enter_async_context(core.delivering(senders))
        await stack.enter_async_context(core.backups.running())
        for front_end in front_ends:
            await stack.enter_async_context(front_end.serving())
        log.info("running on %s", ", ".join(senders))
        yield
