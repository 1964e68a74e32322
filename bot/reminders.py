"""Study reminders: the service that ties storage, the APScheduler engine and delivery together.

Storage is the truth: every change is durable before a method returns, and the engine
(:class:`bot.slot_scheduler.SlotScheduler`: one APScheduler cron job per slot, the delivery
ledger in front) is rebuilt from storage at start-up. Each front end gives a ``NudgeSender``
(by platform name) that raises the errors of ``bot.delivery_errors``; every chat is named by
its ``ChatKey`` (platform, id) and each nudge goes to its own platform's sender.

Retries: a send the outbox reports failed with a ``TransientError`` (5xx, timeout, network)
is retried by the engine every minute while the occurrence is within the grace; a
``RetryAfter`` reaching the outbox means the transport's own rate-limit retries ran out, and
the occurrence is dropped. The outbox itself never retries.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.delivery_errors import ChatMoved, ChatUnreachable, RetryAfter
from bot.languages import ENGLISH
from bot.nudges import choose_nudge, group_prompt
from bot.outbox import Job, Outbox
from bot.schedule import ReminderSpec, local_date, zone_info
from bot.slot_scheduler import SlotScheduler, utc_now
from bot.streaks import parse_study_dates, record_study, study_streak
from storage.async_repository import AsyncRepository
from storage.records import MAX_REMINDERS_PER_CHAT, ChatKey, ChatProfile, Reminder
from storage.repository import ReminderLimitError, SameScheduleError

log = logging.getLogger(__name__)

FOREVER = datetime(9999, 12, 31, tzinfo=UTC)
SNOOZE = timedelta(hours=1)
RETRY = timedelta(minutes=1)
PROFILE_LOCKS = 64
LANGUAGE_CACHE = 100_000  # chats whose chosen language is kept in memory (~100 B each)
# A language's nudge texts: the study actions of each step, and the group prompts.
NudgeTexts = tuple[Mapping[int, Sequence[str]], Sequence[str]]
MAX_PAUSE_DAYS = 365


class LimitReached(Exception):
    """The chat already has the maximum number of reminders."""


@dataclass(frozen=True, slots=True)
class Nudge:
    """What a nudge says; the front end renders it."""

    chat_id: int  # the platform's id of the chat (the sender knows its platform)
    is_group: bool
    step: int
    text: str
    snoozed: bool
    thread_id: int | None = None  # the forum topic it goes to; None = the chat itself
    language: str = ENGLISH  # the language of ``text``, and of the screen around it
    announcement: bool = False  # an operators' announcement (``text``), not a study nudge


@dataclass(frozen=True, slots=True)
class Listed:
    """A reminder and its next occurrence (None while paused or inactive)."""

    reminder: Reminder
    next_due: datetime | None
    existed: bool = False  # add() found the same reminder already set and stored nothing


@dataclass(frozen=True, slots=True)
class Progress:
    step: int
    streak: int
    studied_today: bool
    total_days: int


NudgeSender = Callable[[Nudge], Awaitable[None]]


class ReminderService:
    """Subscriptions, progress and nudges for every chat."""

    def __init__(
        self,
        repository: AsyncRepository,
        actions_by_step: Mapping[int, Sequence[str]],
        group_prompts: Sequence[str],
        *,
        grace: timedelta = timedelta(minutes=30),
        clock: Callable[[], datetime] = utc_now,
        concurrency: int = 32,
        translations: Mapping[str, NudgeTexts] | None = None,
    ) -> None:
        """``actions_by_step`` and ``group_prompts`` are the English nudge texts;
        ``translations`` maps other language codes to theirs (a chat's chosen language picks
        them)."""
        self._repo = repository
        self._actions = actions_by_step
        self._group_prompts = group_prompts
        self._translations = dict(translations or {})
        # Chats' chosen languages (None: none chosen), read once per chat, kept up to date.
        self._languages: OrderedDict[ChatKey, str | None] = OrderedDict()
        self._clock = clock
        self._paused_until: dict[ChatKey, datetime] = {}
        self._moved_to: dict[ChatKey, ChatKey] = {}  # upgraded group -> its supergroup
        self._senders: dict[str, NudgeSender] = {}
        self._outbox = Outbox(
            self._deliver,
            concurrency=concurrency,
            on_sent=self._on_sent,
            on_failed=self._on_failed,
            on_unreachable=self._on_unreachable,
        )
        self._grace = grace
        self._dispatcher = SlotScheduler(
            self._outbox.submit, grace=grace, clock=clock, is_paused=self._is_paused
        )
        self._task: asyncio.Task[None] | None = None
        # Read-modify-write of one chat's profile runs under one of these (striped by chat id).
        self._profile_locks = [asyncio.Lock() for _ in range(PROFILE_LOCKS)]

    @property
    def outbox(self) -> Outbox:
        return self._outbox

    @property
    def running(self) -> bool:
        """Whether nudges are being delivered (started, every job armed, not stopped)."""
        return self._task is not None and not self._task.done() and self._dispatcher.running

    @property
    def dispatcher(self) -> SlotScheduler:
        """The APScheduler engine that fires nudges and snoozes (read it; change via this)."""
        return self._dispatcher

    async def start(self, senders: Mapping[str, NudgeSender]) -> None:
        """Rebuild the schedule from storage and start delivering through ``senders``.

        ``senders`` maps a platform name to the sender of its front end; until reminders
        each nudge goes to the sender of its chat's platform. Chats of a platform with no
        sender (its front end is not running) are not scheduled until a start that has one.
        """
        if not senders:
            raise ValueError("no nudge sender")
        self._senders = dict(senders)
        profiles, reminders = await self._repo.load_schedule()
        moved = {
            p.key: ChatKey(p.platform, p.moved_to) for p in profiles if p.moved_to is not None
        }
        half_done = [p for p in profiles if p.moved_to is not None and not _is_tombstone(p)]
        if moved and (half_done or any(r.key in moved for r in reminders)):
            for old, new in moved.items():  # finish moves a crash cut short
                await self._repo.move_chat(old, new)
            profiles, reminders = await self._repo.load_schedule()
        self._moved_to.update(moved)
        now = self._clock()
        snoozes: list[tuple[ChatKey, datetime]] = []
        for profile in profiles:
            if profile.moved_to is not None:
                continue
            until = _parse(profile.paused_until)
            if until is not None and until > now:
                self._paused_until[profile.key] = until
            snoozed = _parse(profile.snoozed_until)
            if snoozed is not None and not profile.blocked and profile.platform in senders:
                snoozes.append((profile.key, snoozed))
        # One call, since load() groups reminders by slot and builds each slot's trigger once;
        # on a worker thread, so the event loop stays responsive. Nothing else touches the
        # engine before run() starts below.
        # The records, the engine's index and its jobs live as long as the bot. No collection
        # runs while they are built and armed (a full one holds the GIL for tens of ms and
        # stalls the loop); then they are frozen, so no later collection traverses them.
        gc.freeze()
        gc.disable()
        try:
            await asyncio.to_thread(self._load_engine, reminders, snoozes)
            del profiles, reminders
            self._outbox.start()
            self._task = asyncio.create_task(self._dispatcher.run(), name="reminder-scheduler")
            # Start-up includes arming every slot job; a run() that fails instead raises here.
            ready = asyncio.create_task(self._dispatcher.wait_running())
            await asyncio.wait({ready, self._task}, return_when=asyncio.FIRST_COMPLETED)
            if not ready.done():
                ready.cancel()
                self._task.result()
        finally:
            gc.freeze()
            gc.enable()
        log.info(
            "reminders loaded: %d scheduled in %d slots",
            len(self._dispatcher),
            self._dispatcher.slot_count,
        )

    def _load_engine(
        self, reminders: list[Reminder], snoozes: list[tuple[ChatKey, datetime]]
    ) -> None:
        """Hand the engine the reminders that fire (runs on a worker thread: O(reminders))."""
        senders = self._senders
        active = [r for r in reminders if r.active and not r.paused and r.platform in senders]
        self._dispatcher.load(active, snoozes)

    async def stop(self) -> None:
        """Stop firing and let in-flight sends finish (briefly)."""
        self._dispatcher.stop()
        if self._task is not None:
            await self._task
            self._task = None
        await self._outbox.stop(drain=True, drain_timeout=5.0)

    # ----- profile ------------------------------------------------------------------

    async def stored_profile(self, chat: ChatKey) -> ChatProfile | None:
        """The chat's stored profile, or None when the bot stores none."""
        return await self._repo.get_profile(chat)

    async def profile(self, chat: ChatKey, *, is_group: bool = False) -> ChatProfile:
        """Return the chat's profile (a default one if it has none yet)."""
        found = await self._repo.get_profile(chat)
        return found or ChatProfile(chat.id, is_group=is_group, platform=chat.platform)

    async def chosen_language(self, chat: ChatKey) -> str | None:
        """The language the chat chose with /language, or None (cached after one read)."""
        if chat in self._languages:
            self._languages.move_to_end(chat)
            return self._languages[chat]
        profile = await self._repo.get_profile(chat)
        return self._remember_language(chat, profile.language if profile else None)

    async def started(self, chat: ChatKey, *, is_group: bool) -> None:
        """Record that the chat started the bot (/start): it gets a profile if it has none,
        which is how announcements find learners. One write the first time, a read after."""
        if await self._repo.get_profile(chat) is None:
            await self._update_profile(chat, lambda p: p, is_group=is_group, store=True)

    async def set_language(
        self, chat: ChatKey, language: str | None, *, is_group: bool = False
    ) -> None:
        """Store the chat's language (a code such as "es"; None: each member's own)."""
        await self._update_profile(
            chat, lambda p: replace(p, language=language), is_group=is_group
        )
        self._remember_language(chat, language)

    def _remember_language(self, chat: ChatKey, language: str | None) -> str | None:
        self._languages[chat] = language
        self._languages.move_to_end(chat)
        if len(self._languages) > LANGUAGE_CACHE:
            self._languages.popitem(last=False)
        return language

    async def set_announcements(
        self, chat: ChatKey, wanted: bool, *, is_group: bool = False
    ) -> None:
        """Store whether the chat takes the operators' announcements."""
        await self._update_profile(
            chat, lambda p: replace(p, announcements=wanted), is_group=is_group
        )

    async def set_timezone(self, chat: ChatKey, tz: str, *, is_group: bool = False) -> None:
        """Store the chat's time zone (used for reminders set without one)."""
        await self._update_profile(chat, lambda p: replace(p, tz=tz), is_group=is_group)

    # ----- reminders ----------------------------------------------------------------

    async def add(
        self,
        chat: ChatKey,
        spec: ReminderSpec,
        *,
        is_group: bool = False,
        thread_id: int | None = None,
        language: str | None = None,
    ) -> Listed:
        """Store a new reminder and schedule it; raise LimitReached past the limit.

        A reminder with the same time, days, zone and topic is not stored twice: the existing
        one comes back with ``existed`` set. The chat's zone becomes ``spec.tz`` and, in a
        private chat, its language ``language`` (the nudges' language), unless already set.
        """

        def defaults(profile: ChatProfile) -> ChatProfile:
            if not profile.tz:
                profile = replace(profile, tz=spec.tz)
            if language and not is_group and not profile.language:
                profile = replace(profile, language=language)
            return profile

        updated = await self._update_profile(chat, defaults, is_group=is_group)
        self._remember_language(chat, updated.language)
        reminder = Reminder(
            id=secrets.token_hex(4),
            chat_id=chat.id,
            platform=chat.platform,
            hour=spec.hour,
            minute=spec.minute,
            days=spec.days,
            tz=spec.tz,
            last_fired=self._clock().isoformat(),  # only occurrences from now on
            thread_id=thread_id,
        )
        try:
            await self._repo.add_reminder(reminder)
        except SameScheduleError as exc:
            existing = exc.existing
            due = self._dispatcher.next_due(existing.id) if existing.active else None
            return Listed(existing, None if existing.paused else due, existed=True)
        except ReminderLimitError:
            raise LimitReached(MAX_REMINDERS_PER_CHAT) from None
        self._dispatcher.upsert(reminder)
        return Listed(reminder, self._dispatcher.next_due(reminder.id))

    async def list(self, chat: ChatKey) -> list[Listed]:
        """The chat's reminders with their next occurrence."""
        return [
            Listed(r, self._dispatcher.next_due(r.id) if r.active and not r.paused else None)
            for r in await self._repo.reminders_for(chat)
        ]

    async def delete(self, chat: ChatKey, reminder_id: str) -> bool:
        """Delete one reminder of the chat."""
        deleted = await self._repo.delete_reminder(chat, reminder_id)
        if deleted:
            self._dispatcher.remove(reminder_id)
        return deleted

    async def set_paused(self, chat: ChatKey, reminder_id: str, paused: bool) -> Reminder | None:
        """Pause or resume one reminder; None if the chat has no such reminder.

        Resuming also turns on a reminder switched off while the bot could not reach the
        chat: someone pressed a button in the chat, so it is reachable again.
        """
        for reminder in await self._repo.reminders_for(chat):
            if reminder.id == reminder_id:
                known = self._dispatcher.get(reminder_id)
                fired = known.last_fired if known else reminder.last_fired
                updated = replace(
                    reminder,
                    paused=paused,
                    active=reminder.active or not paused,
                    last_fired=_later(fired, self._clock().isoformat()),
                )
                if not paused:
                    await self._update_profile(chat, lambda p: replace(p, blocked=False))
                await self._repo.put_reminder(updated)
                if paused:
                    self._dispatcher.remove(reminder_id)
                else:
                    self._dispatcher.upsert(updated)
                return updated
        return None

    async def remove_all(self, chat: ChatKey) -> int:
        """Delete every reminder of the chat and any snoozed nudge."""
        count = await self._repo.delete_all_reminders(chat)
        await self._update_profile(
            chat, lambda p: replace(p, snoozed_until=None, snoozed_thread=None)
        )
        self._dispatcher.remove_chat(chat)
        return count

    async def erase(self, chat: ChatKey) -> int:
        """Forget the chat entirely: its reminders leave the schedule, its snooze and pause
        end, and everything stored for it goes (also the marker of an old group that moved
        to it). Returns how many records were deleted. The next use starts afresh."""
        async with self._profile_locks[_stripe(chat)]:
            self._dispatcher.remove_chat(chat)
            self._paused_until.pop(chat, None)
            self._languages.pop(chat, None)
            removed = await self._repo.erase_chat(chat)
        for old in [old for old, new in self._moved_to.items() if new == chat]:
            removed += await self._repo.erase_chat(old)
            del self._moved_to[old]
        return removed

    async def move_to_zone(self, chat: ChatKey, tz: str) -> int:
        """Move every reminder to ``tz`` at the same local time; return how many changed.

        A reminder that would then duplicate another one is deleted instead.
        """
        now = self._clock().isoformat()
        kept: list[Reminder] = [r for r in await self._repo.reminders_for(chat) if r.tz == tz]
        changed = 0
        for reminder in await self._repo.reminders_for(chat):
            if reminder.tz == tz:
                continue
            changed += 1
            moved = replace(reminder, tz=tz, last_fired=_later(reminder.last_fired, now))
            if any(_same_schedule(moved, other) for other in kept):
                await self.delete(chat, reminder.id)
                continue
            kept.append(moved)
            await self._repo.put_reminder(moved)
            if moved.active and not moved.paused:
                self._dispatcher.upsert(moved)
        return changed

    # ----- a group upgraded to a supergroup -----------------------------------------

    async def move_chat(self, old: ChatKey, new_id: int) -> int:
        """Move a group's reminders, progress, pause and snooze to its new supergroup id.

        Safe to call again (both service messages, a send refused after the upgrade): a
        finished move changes nothing. Returns how many reminders moved this time.
        """
        new = ChatKey(old.platform, new_id)  # a move never leaves its platform
        self._languages.pop(old, None)
        self._languages.pop(new, None)
        async with AsyncExitStack() as locks:
            for stripe in sorted({_stripe(old), _stripe(new)}):
                await locks.enter_async_context(self._profile_locks[stripe])
            moved = await self._repo.move_chat(old, new)
        self._moved_to[old] = new
        self._dispatcher.remove_chat(old)
        old_pause = self._paused_until.pop(old, None)
        profile = await self.profile(new, is_group=True)
        until = _parse(profile.paused_until) or old_pause
        if until is not None:
            self._paused_until[new] = until
        snoozed = _parse(profile.snoozed_until)
        if snoozed is not None and not profile.blocked:
            self._dispatcher.schedule_once(new, snoozed)
        for reminder in await self._repo.reminders_for(new):
            if reminder.active and not reminder.paused:
                self._dispatcher.upsert(reminder)
        if moved:
            log.info("group %s became supergroup %s; %d reminders moved", old, new, moved)
        return moved

    def current_chat(self, chat: ChatKey) -> ChatKey:
        """The id a chat's data lives under now (a group's supergroup once it upgraded)."""
        seen = {chat}
        while chat in self._moved_to and self._moved_to[chat] not in seen:
            chat = self._moved_to[chat]
            seen.add(chat)
        return chat

    # ----- pausing the whole chat ---------------------------------------------------

    async def pause(self, chat: ChatKey, days: int | None) -> datetime:
        """Pause every reminder of the chat for ``days`` days (None: until /resume)."""
        until = FOREVER if days is None else self._clock() + timedelta(days=days)
        await self._update_profile(chat, lambda p: replace(p, paused_until=until.isoformat()))
        self._paused_until[chat] = until
        return until

    async def resume(self, chat: ChatKey) -> bool:
        """End a pause; False if the chat was not paused."""
        was_paused = self._paused_until.pop(chat, None) is not None
        await self._update_profile(chat, lambda p: replace(p, paused_until=None))
        return was_paused

    def paused_until(self, chat: ChatKey) -> datetime | None:
        """When the chat's pause ends, if it is paused."""
        until = self._paused_until.get(chat)
        return until if until is not None and until > self._clock() else None

    async def skip_today(self, chat: ChatKey, tz: str) -> None:
        """Send no more nudges today (local time), without changing the schedule."""
        today = local_date(self._clock(), tz)
        midnight = datetime.combine(today + timedelta(days=1), datetime.min.time())
        until = midnight.replace(tzinfo=zone_info(tz)).astimezone(UTC)
        if (self.paused_until(chat) or self._clock()) < until:
            await self._update_profile(
                chat,
                lambda p: replace(p, paused_until=until.isoformat(), snoozed_until=None),
            )
            self._paused_until[chat] = until
        self._dispatcher.cancel_once(chat)

    async def snooze(self, chat: ChatKey, thread_id: int | None = None) -> datetime:
        """Send one more nudge an hour from now (into ``thread_id``, a forum topic); UTC.

        A snooze still pending is kept, so pressing Snooze twice changes nothing.
        """
        now = self._clock()
        at = now + SNOOZE

        def snoozed(profile: ChatProfile) -> ChatProfile:
            pending = _parse(profile.snoozed_until)
            if pending is not None and pending > now:
                return profile
            return replace(profile, snoozed_until=at.isoformat(), snoozed_thread=thread_id)

        profile = await self._update_profile(chat, snoozed)
        pending = _parse(profile.snoozed_until)
        if pending is not None and pending != at:
            return pending
        self._dispatcher.schedule_once(chat, at)
        return at

    # ----- blocked chats ------------------------------------------------------------

    async def chat_unreachable(self, chat: ChatKey) -> None:
        """The bot was blocked or removed: deactivate the chat's reminders, keep them stored."""
        profile = await self._repo.get_profile(chat)
        if profile is not None and profile.blocked:
            return
        if profile is None and not await self._repo.reminders_for(chat):
            return  # nothing stored (erased, or never set up): nothing to switch off
        await self._repo.set_reminders_active(chat, False)
        await self._update_profile(chat, lambda p: replace(p, blocked=True, snoozed_until=None))
        self._dispatcher.remove_chat(chat)
        log.info("chat %s blocked or removed the bot; its reminders are deactivated", chat)

    async def is_blocked(self, chat: ChatKey) -> bool:
        """Whether the chat's reminders were deactivated because the bot was blocked."""
        profile = await self._repo.get_profile(chat)
        return profile is not None and profile.blocked

    async def reactivate(self, chat: ChatKey) -> int:
        """Turn a formerly blocked chat's reminders back on; return how many are on now.

        Reminders the user paused one by one stay paused (and are not counted).
        """
        profile = await self._repo.get_profile(chat)
        if profile is not None and profile.blocked:
            await self._update_profile(chat, lambda p: replace(p, blocked=False))
        now = self._clock().isoformat()
        count = 0
        for reminder in await self._repo.reminders_for(chat):
            if not reminder.active:
                updated = replace(
                    reminder, active=True, last_fired=_later(reminder.last_fired, now)
                )
                await self._repo.put_reminder(updated)
                if not updated.paused:
                    self._dispatcher.upsert(updated)
            count += not reminder.paused
        return count

    # ----- progress -----------------------------------------------------------------

    async def progress(self, chat: ChatKey, tz: str | None = None) -> Progress:
        """The learner's step and streak."""
        profile = await self.profile(chat)
        reminders = await self._repo.reminders_for(chat)
        today = local_date(self._clock(), tz or profile.tz or "UTC")
        scheduled = frozenset().union(*(r.days for r in reminders if r.active))
        studied = parse_study_dates(profile.studied)
        return Progress(
            step=profile.step,
            streak=study_streak(studied, scheduled, today),
            studied_today=today in studied,
            total_days=len(studied),
        )

    async def set_step(self, chat: ChatKey, step: int) -> None:
        """Record which step of the guide the learner is on."""
        if step not in self._actions:
            raise ValueError(f"no step {step}")
        await self._update_profile(chat, lambda p: replace(p, step=step))

    async def record_study(self, chat: ChatKey) -> Progress:
        """Record that the learner studied today (in their time zone)."""

        def studied_today(profile: ChatProfile) -> ChatProfile:
            today = local_date(self._clock(), profile.tz or "UTC")
            return replace(profile, studied=record_study(profile.studied, today))

        await self._update_profile(chat, studied_today)
        return await self.progress(chat)

    async def _update_profile(
        self,
        chat: ChatKey,
        change: Callable[[ChatProfile], ChatProfile],
        *,
        is_group: bool = False,
        store: bool = False,
        only_stored: bool = False,
    ) -> ChatProfile:
        """Apply ``change`` to the chat's profile and store it (when it changed, or
        ``store``), with no lost concurrent update; ``only_stored``: not if it has none."""
        async with self._profile_locks[_stripe(chat)]:
            if only_stored and await self._repo.get_profile(chat) is None:
                return ChatProfile(chat.id, is_group=is_group, platform=chat.platform)
            current = await self.profile(chat, is_group=is_group)
            updated = change(current)
            if store or updated != current:
                await self._repo.put_profile(updated)
            return updated

    # ----- delivery -----------------------------------------------------------------

    def _is_paused(self, chat: ChatKey, occurrence: datetime) -> bool:
        until = self._paused_until.get(chat)
        return until is not None and occurrence < until

    async def _deliver(self, job: Job) -> None:
        sender = self._senders.get(job.chat.platform)
        if sender is None:
            raise RuntimeError(
                f"no nudge sender for {job.chat.platform}: is its front end running?"
            )
        chat = self.current_chat(job.chat)
        stored = await self._repo.get_profile(chat)
        profile = stored or ChatProfile(chat.id, platform=chat.platform)
        if profile.blocked:
            raise ChatUnreachable("chat is marked blocked")
        if job.kind == "snooze":
            if stored is None:
                return  # the chat was erased while its snooze waited
            thread_id = profile.snoozed_thread
        else:
            reminder = await self._stored_reminder(chat, job.reminder_id)
            if reminder is None:
                return  # deleted while the nudge waited in the outbox
            thread_id = reminder.thread_id
        language = profile.language if profile.language in self._translations else ENGLISH
        actions, prompts = self._translations.get(language, (self._actions, self._group_prompts))
        if profile.is_group:
            text, counter = group_prompt(profile.nudge_counter, prompts)
        else:
            text, counter = choose_nudge(profile.step, actions, profile.nudge_counter)
        nudge = Nudge(
            chat.id,
            profile.is_group,
            profile.step,
            text,
            job.kind == "snooze",
            thread_id,
            language,
        )
        try:
            await sender(nudge)
        except ChatMoved as moved:
            await self.move_chat(chat, moved.new_chat_id)
            chat = ChatKey(chat.platform, moved.new_chat_id)
            await sender(replace(nudge, chat_id=chat.id))
        # The counter only rotates texts; the occurrence itself is recorded in _on_sent. A chat
        # erased while this nudge was on its way gets no new profile from it.
        await self._update_profile(
            chat, lambda p: replace(p, nudge_counter=counter), only_stored=True
        )

    async def _stored_reminder(self, chat: ChatKey, reminder_id: str | None) -> Reminder | None:
        for reminder in await self._repo.reminders_for(chat):
            if reminder.id == reminder_id:
                return reminder
        return None

    async def _on_sent(self, job: Job) -> None:
        chat = self.current_chat(job.chat)
        if job.kind == "snooze":
            await self._update_profile(
                chat, lambda p: replace(p, snoozed_until=None, snoozed_thread=None)
            )
            return
        if job.reminder_id is not None:
            await self._repo.record_fired(chat, job.reminder_id, job.occurrence.isoformat())
        self._dispatcher.mark_sent(job)

    async def _on_failed(self, job: Job, exc: BaseException) -> None:
        """Retry a failed nudge within the grace, unless the rate limiter already retried it.

        A snoozed nudge's ``payload`` carries its first due time (UTC), so its retries stop
        once that is older than the grace, as a scheduled occurrence's do in the engine.
        """
        if isinstance(exc, RetryAfter):  # the transport waited and retried already
            log.warning("nudge to chat %s dropped, still rate limited: %s", job.chat, exc)
            self._dispatcher.mark_failed(job, retry=False)
            return
        log.warning("nudge to chat %s failed, will retry within the grace: %s", job.chat, exc)
        if job.kind == "snooze":
            first = job.payload if isinstance(job.payload, datetime) else job.occurrence
            at = self._clock() + RETRY
            if at - first <= self._grace:
                self._dispatcher.schedule_once(job.chat, at, first)
            else:
                self._dispatcher.skipped_late += 1
            return
        self._dispatcher.mark_failed(job)

    async def _on_unreachable(self, job: Job, exc: BaseException) -> None:
        await self.chat_unreachable(self.current_chat(job.chat))


def _stripe(chat: ChatKey) -> int:
    """The profile lock of ``chat`` (the same chat id on two platforms may share one)."""
    return chat.id % PROFILE_LOCKS


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _same_schedule(first: Reminder, second: Reminder) -> bool:
    return (first.hour, first.minute, first.days, first.tz, first.thread_id) == (
        second.hour,
        second.minute,
        second.days,
        second.tz,
        second.thread_id,
    )


def _is_tombstone(profile: ChatProfile) -> bool:
    """Whether a moved group's profile holds nothing but where it moved."""
    return profile == ChatProfile(
        profile.chat_id, is_group=True, moved_to=profile.moved_to, platform=profile.platform
    )


def _later(first: str | None, second: str) -> str:
    """The later of two ISO instants (so last_fired never moves backwards)."""
    if first is None:
        return second
    return first if datetime.fromisoformat(first) >= datetime.fromisoformat(second) else second
