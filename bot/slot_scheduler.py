"""SlotScheduler: reminders fire from APScheduler, one CronTrigger job per slot, ledger in front.

A slot is (hour, minute, days, zone). Every active reminder belongs to one slot; the slot has
one APScheduler job (a :class:`bot.slot_times.SlotTrigger`, i.e. a ``CronTrigger`` made
DST-safe) that exists while the slot has at least one reminder. When the job fires, the slot's
reminders whose ledger (``Reminder.last_fired``, see :mod:`bot.ledger`) lacks the occurrence,
that are not in flight and whose chat is not paused are handed to ``submit`` as
:class:`bot.outbox.Job` objects, in chunks, yielding to the event loop between chunks.

Exactly-once bookkeeping (as in the old dispatcher): a reminder handed to ``submit`` is "in
flight" with that occurrence until the owner reports ``mark_sent`` (the ledger advances; the
owner persists it) or ``mark_failed`` (the same occurrence is retried after ``retry_delay``
while it is within the grace). An outcome for a reminder removed or re-timed meanwhile is
ignored; one reminder never has two sends in flight.

Snoozes are one ``DateTrigger`` job per chat (a new one replaces the previous). Failed sends
waiting for their retry share one ``DateTrigger`` job armed at the earliest retry.

Time. Every "now" of the engine is ``clock()`` (aware UTC, "engine time"); production passes
real time. APScheduler keeps running on REAL time (its own ``datetime.now``, the event
loop's timer and the executor's misfire check all agree); the engine converts at its edge:
real = engine - offset, where offset = clock() - real now. Whenever the engine reads the clock
(upsert, a fire, ``wake()``...) and finds the offset moved by more than ``clock_tolerance``,
it re-arms every job at the same engine-time occurrence. So a test clock shifted forward
past a due time fires it at once, and a frozen test clock fires nothing until moved; this
needs no patching or subclassing of APScheduler.

Catch-up at start: for each slot, the first occurrence after ``now - grace`` is armed even if it
is already past, so APScheduler runs it at once and it reaches the reminders whose ledger
lacks it; an occurrence older than that is skipped and counted in ``skipped_late``. A restart
right after a nudge sends nothing: the ledger has it.

Typical use by the owner (the reminder service)::

    engine = SlotScheduler(outbox.submit, grace=grace, clock=clock, is_paused=is_paused)
    await asyncio.to_thread(engine.load, active_reminders, stored_snoozes)
    task = asyncio.create_task(engine.run())
    ...  # upsert / remove / remove_chat / schedule_once / cancel_once / mark_sent / mark_failed
    engine.stop(); await task
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.job import Job as SchedulerJob
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.date import DateTrigger

from bot.ledger import LedgerView, parse_instant
from bot.outbox import Job
from bot.slot_times import SlotKey, SlotTrigger, TimeBase, slot_key
from storage.records import ChatKey, Reminder

log = logging.getLogger(__name__)

Submit = Callable[[Job], Awaitable[None]]
IsPaused = Callable[[ChatKey, datetime], bool]
Clock = Callable[[], datetime]

EXECUTOR = "slot_scheduler"
SLOT_JOB = "slot:"
SNOOZE_JOB = "snooze:"
RETRY_JOB = "retries"
MAX_GRACE = timedelta(hours=12)
_ADD_CHUNK = 100  # APScheduler jobs added between two yields to the loop (~25 µs each)
_TICK = timedelta(microseconds=1)
_SCHEDULER_LOG = logging.getLogger(f"{__name__}.apscheduler")
_EXECUTOR_LOG = logging.getLogger(f"apscheduler.executors.{EXECUTOR}")


def utc_now() -> datetime:
    """Return the current real time as an aware UTC datetime."""
    return datetime.now(UTC)


def _never_paused(chat: ChatKey, occurrence: datetime) -> bool:
    return False


class _Slot:
    """One slot: its trigger, its reminders (insertion ordered) and its APScheduler job."""

    __slots__ = ("first", "job", "job_id", "key", "members", "trigger")

    def __init__(self, key: SlotKey, trigger: SlotTrigger) -> None:
        self.key = key
        self.trigger = trigger
        self.members: dict[str, Reminder] = {}
        self.job: SchedulerJob | None = None
        self.job_id = f"{SLOT_JOB}{key[0]:02d}:{key[1]:02d}:{''.join(map(str, key[2]))}:{key[3]}"
        self.first: datetime | None = None  # engine-time occurrence to arm when run() starts


class SlotScheduler:
    """Fires reminders from APScheduler slot jobs, behind the delivery ledger.

    Drop-in for the old ``ReminderDispatcher`` as the reminder service uses it: ``load``,
    ``upsert``, ``remove``, ``remove_chat``, ``get``, ``next_due``, ``schedule_once``,
    ``cancel_once``, ``mark_sent``, ``mark_failed``, ``run``, ``wake``, ``stop``, ``len()``,
    ``in_flight()`` and the ``skipped_late``, ``skipped_paused`` and ``dropped`` counters.
    All methods but ``load`` must be called on the event loop's thread.
    """

    def __init__(
        self,
        submit: Submit,
        *,
        grace: timedelta = timedelta(minutes=30),
        clock: Clock = utc_now,
        is_paused: IsPaused = _never_paused,
        retry_delay: timedelta = timedelta(minutes=1),
        chunk: int = 500,
        clock_tolerance: timedelta = timedelta(milliseconds=50),
    ) -> None:
        """Build an engine (no event loop needed until ``run``).

        ``grace``: how late an occurrence may still be delivered (0 < grace < 12 h);
        ``retry_delay``: wait before retrying a failed send; ``chunk``: reminders decided and
        submitted between two yields to the loop; ``clock_tolerance``: how far the clock's
        offset from real time may move before every job is re-armed.
        Raises ValueError on a grace outside (0, 12 h) or a chunk below 1.
        """
        if not timedelta(0) < grace < MAX_GRACE:
            raise ValueError(f"grace must be between 0 and {MAX_GRACE}, got {grace}")
        if chunk < 1:
            raise ValueError("chunk must be at least 1")
        self._submit = submit
        self._grace = grace
        self._grace_seconds = max(1, int(grace.total_seconds() + 0.999))
        self._clock = clock
        self._is_paused = is_paused
        self._retry_delay = retry_delay
        self._chunk = chunk
        self._tolerance = clock_tolerance
        self._base = TimeBase()
        self._records: dict[str, Reminder] = {}
        self._slots: dict[SlotKey, _Slot] = {}
        self._keys: dict[tuple[int, int, frozenset[int], str], SlotKey] = {}
        self._bad_keys: set[SlotKey] = set()
        self._by_job: dict[str, _Slot] = {}
        # platform -> chat id -> its reminder ids: no key object kept per chat
        self._by_chat: dict[str, dict[int, str | tuple[str, ...]]] = {}
        self._in_flight: dict[str, datetime] = {}
        self._floors: dict[str, datetime] = {}
        self._retry_heap: list[tuple[datetime, int, str, datetime]] = []
        self._retry_due: dict[str, tuple[datetime, SlotKey]] = {}
        self._snoozes: dict[ChatKey, tuple[datetime, int, Any]] = {}
        self._seq = itertools.count()
        self._fire_tasks: set[asyncio.Task[Any]] = set()
        self._stop = asyncio.Event()
        self._ready = asyncio.Event()
        self._started = False
        self._stopping = False
        if _SCHEDULER_LOG.level == logging.NOTSET:  # one INFO line per job add: too many
            _SCHEDULER_LOG.setLevel(logging.WARNING)
        if _EXECUTOR_LOG.level == logging.NOTSET:  # two INFO lines per slot fire
            _EXECUTOR_LOG.setLevel(logging.WARNING)
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            logger=_SCHEDULER_LOG,
            jobstores={"default": MemoryJobStore()},
            executors={EXECUTOR: AsyncIOExecutor()},
            job_defaults={
                "misfire_grace_time": self._grace_seconds,
                "coalesce": True,
                "max_instances": 1,
            },
        )
        self._scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        self.skipped_late = 0
        self.skipped_paused = 0
        self.dropped = 0

    # ----- the index -------------------------------------------------------------------

    def __len__(self) -> int:
        """Number of reminders scheduled (active, not paused, valid)."""
        return len(self._records)

    @property
    def scheduler(self) -> AsyncIOScheduler:
        """The APScheduler instance (read it; change reminders through this engine only)."""
        return self._scheduler

    @property
    def slot_count(self) -> int:
        """Number of distinct slots (each has one APScheduler job once running)."""
        return len(self._slots)

    def load(
        self, reminders: Iterable[Reminder], snoozes: Iterable[tuple[ChatKey, datetime]] = ()
    ) -> None:
        """Index reminders and stored snoozes at start-up, before ``run()``.

        Pure CPU work that touches no event loop: safe on a worker thread while nothing else
        calls the engine. Inactive and paused records are ignored. Each new slot is armed at its
        first occurrence after ``now - grace`` (UTC); if that is past, ``run()`` delivers it at
        once to the reminders whose ledger lacks it. For each reminder an undelivered
        occurrence older than the grace adds one to ``skipped_late``. Invalid schedules (an
        unknown zone, a bad time) are logged once per slot and left out. ``snoozes`` are
        (chat key, aware UTC instant) pairs, as ``schedule_once``.
        """
        now = self._clock()
        horizon = now - self._grace
        known = self._records
        groups: dict[tuple[int, int, frozenset[int], str], list[Reminder]] = {}
        for reminder in reminders:
            if not reminder.active or reminder.paused:
                continue
            if known and reminder.id in known:
                self._detach(reminder.id)
            lookup = (reminder.hour, reminder.minute, reminder.days, reminder.tz)
            group = groups.get(lookup)
            if group is None:
                groups[lookup] = [reminder]
            else:
                group.append(reminder)
        link = self._link_chat
        for lookup, group in groups.items():
            key = self._keys.get(lookup) or self._keys.setdefault(lookup, slot_key(*lookup))
            slot = self._slots.get(key)
            fresh = slot is None
            if slot is None:
                slot = self._new_slot(key, horizon, by_calendar=True)
                if slot is None:
                    continue
            members = {reminder.id: reminder for reminder in group}
            slot.members.update(members)
            known.update(members)
            for reminder in group:
                link(reminder.platform, reminder.chat_id, reminder.id)
            if fresh:
                self._count_missed_before(slot, horizon)
        for chat, at in snoozes:
            self.schedule_once(chat, at)

    def upsert(self, reminder: Reminder) -> None:
        """Add or replace one reminder; an inactive or paused one leaves the schedule.

        A new or re-timed reminder starts at its slot's next occurrence after now (no
        catch-up). A record whose schedule did not change keeps its state (an occurrence due
        or in flight stays so), and ``last_fired`` never moves backwards.
        """
        if not reminder.active or reminder.paused:
            self.remove(reminder.id)
            return
        now = self._sync_time()
        known = self._records.get(reminder.id)
        if known is not None:
            reminder = _keep_latest_fired(known, reminder)
            if self._key(known) == self._key(reminder):
                self._replace(known, reminder)
                return
            self._detach(reminder.id)
        slot = self._attach(reminder, now)
        if slot is not None:
            armed = self._armed_at(slot)
            if armed is not None and armed <= now:
                # the slot is firing or catching up: only occurrences after now are this one's
                self._floors[reminder.id] = now

    def remove(self, reminder_id: str) -> None:
        """Forget a reminder; an outcome arriving later for it is ignored."""
        if reminder_id in self._records:
            self._detach(reminder_id)

    def remove_chat(self, chat: ChatKey) -> None:
        """Forget every reminder and the pending snooze of one chat."""
        ids = self._by_chat.get(chat.platform, {}).get(chat.id)
        for reminder_id in (ids,) if isinstance(ids, str) else ids or ():
            self.remove(reminder_id)
        self.cancel_once(chat)

    def get(self, reminder_id: str) -> Reminder | None:
        """Return the engine's record of a reminder (``last_fired`` kept up to date)."""
        return self._records.get(reminder_id)

    def next_due(self, reminder_id: str) -> datetime | None:
        """Return the next occurrence (aware UTC) the reminder will actually be sent.

        The occurrence being sent or awaiting its retry if there is one; otherwise the slot
        job's next run, stepped past occurrences the reminder's ledger already has. None for
        an unknown reminder. Chat pauses are not considered.
        """
        if reminder_id in self._in_flight:
            return self._in_flight[reminder_id]
        retry = self._retry_due.get(reminder_id)
        if retry is not None:
            return retry[0]
        reminder = self._records.get(reminder_id)
        if reminder is None:
            return None
        slot = self._slots[self._key(reminder)]
        occurrence = self._armed_at(slot)
        if occurrence is None:
            occurrence = slot.trigger.next_after(self._clock())
        for _ in range(3):
            if self._allows(reminder, occurrence, slot):
                break
            occurrence = slot.trigger.next_after(occurrence)
        return occurrence

    def in_flight(self) -> int:
        """Number of reminders handed out and awaiting their outcome."""
        return len(self._in_flight)

    # ----- one-off jobs (snooze) -------------------------------------------------------

    def schedule_once(self, chat: ChatKey, at_utc: datetime, payload: Any = None) -> None:
        """Schedule one snoozed nudge for a chat at ``at_utc`` (aware), replacing the previous.

        It is delivered as ``Job(chat, None, at_utc, "snooze", payload)``; one older than
        the grace when it comes due is dropped and counted in ``skipped_late``.
        """
        self._snoozes[chat] = (at_utc.astimezone(UTC), next(self._seq), payload)
        if self._started:
            self._arm_snooze(chat)

    def cancel_once(self, chat: ChatKey) -> None:
        """Cancel a chat's pending snoozed nudge, if any."""
        if self._snoozes.pop(chat, None) is not None and self._started:
            self._remove_job(f"{SNOOZE_JOB}{chat}")

    # ----- outcomes --------------------------------------------------------------------

    def mark_sent(self, job: Job) -> None:
        """Record a delivered occurrence in the ledger (the owner persists ``last_fired``)."""
        reminder = self._take_in_flight(job)
        if reminder is None:
            return
        known = parse_instant(reminder.last_fired)
        if known is None or known < job.occurrence:
            self._replace(reminder, replace(reminder, last_fired=job.occurrence.isoformat()))
        self._floors.pop(reminder.id, None)
        self._queue_newer(reminder.id, job.occurrence)

    def mark_failed(self, job: Job, *, retry: bool = True) -> None:
        """Put a failed occurrence back: retried after ``retry_delay`` while within the grace.

        Past the grace it is skipped (``skipped_late``). With ``retry=False`` (the transport
        already retried, e.g. after a 429) it is given up at once and counted in ``dropped``.
        """
        reminder = self._take_in_flight(job)
        if reminder is None:
            if not retry and job.kind == "snooze":
                self.dropped += 1
            return
        if not retry:
            self.dropped += 1
            self._queue_newer(reminder.id, job.occurrence)
            return
        now = self._sync_time()
        retry_at = max(now + self._retry_delay, job.occurrence)
        if job.occurrence < retry_at - self._grace:
            self.skipped_late += 1
            self._queue_newer(reminder.id, job.occurrence)
            return
        self._queue_retry(reminder.id, job.occurrence, retry_at)

    # ----- running ---------------------------------------------------------------------

    async def run(self) -> None:
        """Start APScheduler, add the slot jobs (in chunks), fire until ``stop()``.

        On return (or cancellation) the scheduler is shut down and sends not yet handed to
        ``submit`` are released, so they stay due for the next start's catch-up.
        """
        if self._stopping:
            return
        now = self._sync_time(force=True)
        self._scheduler.start(paused=True)
        try:
            self._started = True
            pending = [slot for slot in self._slots.values() if slot.job is None]
            for index, slot in enumerate(pending, 1):
                if slot.job is None and self._slots.get(slot.key) is slot:
                    first = slot.first
                    if first is None or first < now - self._grace:
                        first = slot.trigger.next_after(now - self._grace - _TICK)
                    self._add_slot_job(slot, first)
                if index % _ADD_CHUNK == 0:
                    await asyncio.sleep(0)
            for chat in list(self._snoozes):
                self._arm_snooze(chat)
            self._arm_retries()
            self._scheduler.resume()
            self._ready.set()
            await self._stop.wait()
        finally:
            self._started = False
            self._ready.clear()
            self._scheduler.shutdown(wait=False)
            tasks = [task for task in self._fire_tasks if not task.done()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for slot in self._slots.values():
                slot.job = None

    @property
    def running(self) -> bool:
        """Whether every job is armed and APScheduler is firing them."""
        return self._ready.is_set() and self._scheduler.running

    async def wait_running(self) -> None:
        """Return once ``run()`` has every job in APScheduler and the scheduler is running."""
        await self._ready.wait()

    def wake(self) -> None:
        """Re-read the clock now (after a test moved it): re-arm jobs if its offset moved."""
        self._sync_time()
        if self._started:
            self._scheduler.wakeup()

    def stop(self) -> None:
        """Make ``run()`` return soon (at once if not started); this is final."""
        self._stopping = True
        self._stop.set()

    # ----- firing (APScheduler job callbacks) ------------------------------------------

    async def _fire_slot(self, key: SlotKey) -> None:
        """Deliver the occurrence of slot ``key`` due now (called by APScheduler)."""
        slot = self._slots.get(key)
        if slot is None or not self._started:
            return
        now = self._sync_time()
        occurrence = slot.trigger.due_at(now, self._grace)
        if occurrence is None:  # real time ran ahead of the engine clock: not due yet
            self._rearm_slot(slot, slot.trigger.next_after(now))
            return
        view = LedgerView(occurrence, slot.trigger.zone, slot.trigger.wall)
        members = list(slot.members)
        await self._guarded(self._deliver(slot, members, view))

    async def _deliver(self, slot: _Slot, members: list[str], view: LedgerView) -> None:
        occurrence = view.occurrence
        for start in range(0, len(members), self._chunk):
            if start:
                await asyncio.sleep(0)
            jobs: list[Job] = []
            for reminder_id in members[start : start + self._chunk]:
                reminder = slot.members.get(reminder_id)
                if reminder is None or reminder_id in self._in_flight:
                    continue
                floor = self._floors.get(reminder_id)
                if (floor is not None and occurrence <= floor) or not view.allows(
                    reminder.last_fired
                ):
                    continue
                if self._is_paused(reminder.key, occurrence):
                    self.skipped_paused += 1
                    continue
                self._in_flight[reminder_id] = occurrence
                jobs.append(Job(reminder.key, reminder_id, occurrence))
            await self._submit_all(jobs)

    async def _fire_retries(self) -> None:
        """Deliver failed occurrences whose retry time has come (called by APScheduler)."""
        if not self._started:
            return
        now = self._sync_time()
        horizon = now - self._grace
        jobs: list[Job] = []
        heap = self._retry_heap
        while heap and heap[0][0] <= now:
            _, _, reminder_id, occurrence = heapq.heappop(heap)
            entry = self._retry_due.get(reminder_id)
            if entry is None or entry[0] != occurrence:
                continue
            del self._retry_due[reminder_id]
            reminder = self._records.get(reminder_id)
            if reminder is None or self._key(reminder) != entry[1]:
                continue
            if reminder_id in self._in_flight:
                continue
            slot = self._slots[entry[1]]
            if occurrence < horizon:
                self.skipped_late += 1
                self._queue_newer(reminder_id, occurrence)
                continue
            if not self._allows(reminder, occurrence, slot):
                continue
            if self._is_paused(reminder.key, occurrence):
                self.skipped_paused += 1
                continue
            self._in_flight[reminder_id] = occurrence
            jobs.append(Job(reminder.key, reminder_id, occurrence))
        self._arm_retries()
        if jobs:
            self._spawn(self._submit_all(jobs))

    async def _fire_snooze(self, chat: ChatKey, seq: int) -> None:
        """Hand a chat's snoozed nudge to ``submit`` (called by APScheduler)."""
        pending = self._snoozes.get(chat)
        if pending is None or pending[1] != seq or not self._started:
            return
        now = self._sync_time()
        at, _, payload = pending
        if at > now:  # real time ran ahead of the engine clock: not due yet
            self._arm_snooze(chat)
            return
        del self._snoozes[chat]
        if at < now - self._grace:
            self.skipped_late += 1
            return
        self._spawn(self._submit_snooze(chat, pending, Job(chat, None, at, "snooze", payload)))

    async def _submit_snooze(
        self, chat: ChatKey, pending: tuple[datetime, int, Any], job: Job
    ) -> None:
        try:
            await self._submit(job)
        except BaseException:
            if chat not in self._snoozes:
                self._snoozes[chat] = pending  # not handed over: keep it for the next start
            raise

    async def _guarded(self, work: Awaitable[None]) -> None:
        """Run a fire's work, tracked so that ``run()``'s exit can cancel it cleanly."""
        task = asyncio.current_task()
        if task is not None:
            self._fire_tasks.add(task)
        try:
            await work
        except asyncio.CancelledError:
            # Shut down mid-fire: unsent work was released (it stays due for the next start's
            # catch-up); do not let APScheduler log the cancellation as a job error.
            if not self._stopping:
                raise
        finally:
            if task is not None:
                self._fire_tasks.discard(task)

    def _spawn(self, work: Awaitable[None]) -> None:
        """Run ``work`` in a tracked task, so the APScheduler job that started it ends now."""
        task = asyncio.ensure_future(self._guarded(work))
        self._fire_tasks.add(task)
        task.add_done_callback(self._fire_tasks.discard)

    async def _submit_all(self, jobs: list[Job]) -> None:
        for index, job in enumerate(jobs):
            if self._in_flight.get(job.reminder_id or "") != job.occurrence:
                continue  # removed or re-timed while earlier jobs waited for outbox room
            try:
                await self._submit(job)
            except BaseException:
                for unsent in jobs[index:]:
                    if self._in_flight.get(unsent.reminder_id or "") == unsent.occurrence:
                        del self._in_flight[unsent.reminder_id or ""]
                raise

    def _on_missed(self, event: JobExecutionEvent) -> None:
        """APScheduler skipped a run older than the grace (the loop was blocked or asleep)."""
        if event.job_id.startswith(SNOOZE_JOB):
            platform, _, chat_id = event.job_id.removeprefix(SNOOZE_JOB).rpartition(":")
            if self._snoozes.pop(ChatKey(platform, int(chat_id)), None) is not None:
                self.skipped_late += 1
            return
        slot = self._by_job.get(event.job_id)
        if slot is not None:
            occurrence = event.scheduled_run_time.astimezone(UTC) + self._base.offset
            self.skipped_late += self._undelivered(slot, occurrence)

    # ----- internals: index ------------------------------------------------------------

    def _key(self, reminder: Reminder) -> SlotKey:
        lookup = (reminder.hour, reminder.minute, reminder.days, reminder.tz)
        key = self._keys.get(lookup)
        if key is None:
            key = self._keys[lookup] = slot_key(*lookup)
        return key

    def _attach(self, reminder: Reminder, after: datetime) -> _Slot | None:
        """Put a reminder in its slot, creating the slot (and its job) after ``after``."""
        key = self._key(reminder)
        slot = self._slots.get(key)
        if slot is None:
            slot = self._new_slot(key, after)
            if slot is None:
                return None
        slot.members[reminder.id] = reminder
        self._records[reminder.id] = reminder
        self._link_chat(reminder.platform, reminder.chat_id, reminder.id)
        return slot

    def _new_slot(
        self, key: SlotKey, after: datetime, *, by_calendar: bool = False
    ) -> _Slot | None:
        """Create a slot armed at its first occurrence at or after ``after`` (engine time)."""
        if key in self._bad_keys:
            return None
        try:
            trigger = SlotTrigger(key, self._base)
            find = trigger.next_by_calendar if by_calendar else trigger.next_after
            first = find(after - _TICK)
        except Exception:
            self._bad_keys.add(key)
            log.exception("cannot schedule slot %s; its reminders are left out", key)
            return None
        slot = _Slot(key, trigger)
        self._slots[key] = slot
        self._by_job[slot.job_id] = slot
        if self._started:
            self._add_slot_job(slot, first)
        else:
            slot.first = first
        return slot

    def _replace(self, known: Reminder, reminder: Reminder) -> None:
        """Swap a reminder's record within the same slot."""
        self._records[reminder.id] = reminder
        self._slots[self._key(reminder)].members[reminder.id] = reminder
        if known.key != reminder.key:
            self._unlink_chat(known.platform, known.chat_id, known.id)
            self._link_chat(reminder.platform, reminder.chat_id, reminder.id)

    def _detach(self, reminder_id: str) -> None:
        """Take a reminder out of its slot; the slot's job goes with its last reminder."""
        reminder = self._records.pop(reminder_id)
        self._in_flight.pop(reminder_id, None)
        self._retry_due.pop(reminder_id, None)
        self._floors.pop(reminder_id, None)
        self._unlink_chat(reminder.platform, reminder.chat_id, reminder_id)
        key = self._key(reminder)
        slot = self._slots[key]
        del slot.members[reminder_id]
        if not slot.members:
            del self._slots[key]
            del self._by_job[slot.job_id]
            if slot.job is not None:
                slot.job = None
                self._remove_job(slot.job_id)

    def _link_chat(self, platform: str, chat_id: int, reminder_id: str) -> None:
        """Index a reminder under its chat (one id as a str, more as a tuple: compact)."""
        chats = self._by_chat.get(platform)
        if chats is None:
            chats = self._by_chat[platform] = {}
        ids = chats.get(chat_id)
        if ids is None:
            chats[chat_id] = reminder_id
        elif isinstance(ids, str):
            chats[chat_id] = (ids, reminder_id)
        else:
            chats[chat_id] = (*ids, reminder_id)

    def _unlink_chat(self, platform: str, chat_id: int, reminder_id: str) -> None:
        chats = self._by_chat.get(platform, {})
        ids = chats.get(chat_id)
        if ids is None:
            return
        if isinstance(ids, str):
            if ids == reminder_id:
                del chats[chat_id]
            return
        rest = tuple(i for i in ids if i != reminder_id)
        chats[chat_id] = rest[0] if len(rest) == 1 else rest

    def _allows(self, reminder: Reminder, occurrence: datetime, slot: _Slot) -> bool:
        floor = self._floors.get(reminder.id)
        if floor is not None and occurrence <= floor:
            return False
        view = LedgerView(occurrence, slot.trigger.zone, slot.trigger.wall)
        return view.allows(reminder.last_fired)

    def _undelivered(self, slot: _Slot, occurrence: datetime) -> int:
        """How many of a slot's reminders lack ``occurrence`` and are not in flight."""
        view = LedgerView(occurrence, slot.trigger.zone, slot.trigger.wall)
        return sum(
            1
            for reminder_id, reminder in slot.members.items()
            if reminder_id not in self._in_flight and view.allows(reminder.last_fired)
        )

    def _count_missed_before(self, slot: _Slot, horizon: datetime) -> None:
        """At load: count reminders whose last occurrence before the grace was not delivered."""
        previous = slot.trigger.previous_before(horizon)
        if previous is not None:
            self.skipped_late += self._undelivered(slot, previous)

    def _take_in_flight(self, job: Job) -> Reminder | None:
        """End a scheduled job's in-flight state; None if its outcome is stale or not ours."""
        if job.kind != "scheduled" or job.reminder_id is None:
            return None
        if self._in_flight.get(job.reminder_id) != job.occurrence:
            return None
        del self._in_flight[job.reminder_id]
        return self._records[job.reminder_id]

    def _queue_newer(self, reminder_id: str, occurrence: datetime) -> None:
        """After an outcome: if a later occurrence came due meanwhile, queue it now."""
        reminder = self._records.get(reminder_id)
        if reminder is None:
            return
        slot = self._slots[self._key(reminder)]
        now = self._clock()
        due = slot.trigger.due_at(now, self._grace)
        if due is not None and due > occurrence and self._allows(reminder, due, slot):
            self._queue_retry(reminder_id, due, now)

    def _queue_retry(self, reminder_id: str, occurrence: datetime, at: datetime) -> None:
        key = self._key(self._records[reminder_id])
        self._retry_due[reminder_id] = (occurrence, key)
        heapq.heappush(self._retry_heap, (at, next(self._seq), reminder_id, occurrence))
        self._arm_retries()

    # ----- internals: APScheduler jobs and time ----------------------------------------

    def _sync_time(self, *, force: bool = False) -> datetime:
        """Read the clock; re-arm every job if its offset from real time moved. Returns now."""
        real = datetime.now(UTC)
        now = self._clock()
        offset = now - real
        old = self._base.offset
        if force or abs(offset - old) > self._tolerance:
            self._base.offset = offset
            if self._started:
                self._rebase(old, now)
        return now

    def _rebase(self, old: timedelta, now: datetime) -> None:
        """Re-arm every job at the same engine-time occurrence under the new offset."""
        running = self._scheduler.state == STATE_RUNNING
        if running:
            self._scheduler.pause()  # one wake-up at the end instead of one per job
        horizon = now - self._grace
        for slot in self._slots.values():
            job = slot.job
            if job is None or job.next_run_time is None:
                continue
            occurrence = job.next_run_time.astimezone(UTC) + old
            if occurrence < horizon:
                self.skipped_late += self._undelivered(slot, occurrence)
                occurrence = slot.trigger.next_after(horizon - _TICK)
            self._rearm_slot(slot, occurrence)
        for chat in list(self._snoozes):
            self._arm_snooze(chat)
        self._arm_retries()
        if running:
            self._scheduler.resume()

    def _armed_at(self, slot: _Slot) -> datetime | None:
        """The engine-time occurrence a slot's job will run next (None if not armed)."""
        job = slot.job
        if job is None:
            return slot.first
        run_at = job.next_run_time
        return None if run_at is None else run_at.astimezone(UTC) + self._base.offset

    def _real(self, engine_time: datetime) -> datetime:
        return engine_time - self._base.offset

    def _add_slot_job(self, slot: _Slot, occurrence: datetime) -> None:
        slot.first = None
        slot.job = self._scheduler.add_job(
            self._fire_slot,
            slot.trigger,
            args=(slot.key,),
            id=slot.job_id,
            name=slot.job_id,
            executor=EXECUTOR,
            misfire_grace_time=self._grace_seconds,
            coalesce=True,
            max_instances=1,
            next_run_time=self._real(occurrence),
            replace_existing=True,
        )

    def _rearm_slot(self, slot: _Slot, occurrence: datetime) -> None:
        if slot.job is not None:
            slot.job.modify(next_run_time=self._real(occurrence))

    def _arm_snooze(self, chat: ChatKey) -> None:
        at, seq, _ = self._snoozes[chat]
        self._scheduler.add_job(
            self._fire_snooze,
            DateTrigger(run_date=self._real(at), timezone=UTC),
            args=(chat, seq),
            id=f"{SNOOZE_JOB}{chat}",
            name=f"{SNOOZE_JOB}{chat}",
            executor=EXECUTOR,
            misfire_grace_time=self._grace_seconds,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )

    def _arm_retries(self) -> None:
        """Arm the one retry job at the earliest pending retry (or drop it if none)."""
        heap = self._retry_heap
        while heap and self._retry_due.get(heap[0][2], (None,))[0] != heap[0][3]:
            heapq.heappop(heap)  # superseded or dropped entries
        if not self._started:
            return
        if not heap:
            self._remove_job(RETRY_JOB)
            return
        self._scheduler.add_job(
            self._fire_retries,
            DateTrigger(run_date=self._real(heap[0][0]), timezone=UTC),
            id=RETRY_JOB,
            name=RETRY_JOB,
            executor=EXECUTOR,
            misfire_grace_time=None,  # the engine judges lateness per occurrence
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )

    def _remove_job(self, job_id: str) -> None:
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(job_id)


def _keep_latest_fired(known: Reminder, incoming: Reminder) -> Reminder:
    """Never let a stale record move ``last_fired`` backwards (that would re-fire)."""
    known_fired = parse_instant(known.last_fired)
    incoming_fired = parse_instant(incoming.last_fired)
    if known_fired is not None and (incoming_fired is None or incoming_fired < known_fired):
        return replace(incoming, last_fired=known.last_fired)
    return incoming
