"""The reminder dispatcher: an in-memory index of next occurrences and one task that fires them.

Reminders that share a slot (hour, minute, days, tz) and a next occurrence share one bucket,
so ``next_occurrence`` runs once per bucket, not once per reminder, and the index costs a few
dict and set entries per reminder. A reminder handed to the outbox leaves the index (it is
"in flight") until the owner reports the outcome with ``mark_sent`` or ``mark_failed``; only
then is its next occurrence scheduled, so it can never be queued twice.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.outbox import Job
from storage.records import Reminder

log = logging.getLogger(__name__)

NextOccurrence = Callable[[int, int, frozenset[int], str, datetime], datetime]
Submit = Callable[[Job], Awaitable[None]]
IsPaused = Callable[[int, datetime], bool]
Clock = Callable[[], datetime]

# (hour, minute, sorted weekdays, tz): hashable, totally ordered, shared by its reminders
Slot = tuple[int, int, tuple[int, ...], str]
# (fire at, occurrence, slot): fire at == occurrence except for a retry after a failed send
BucketKey = tuple[datetime, datetime, Slot]

_NEXT_CACHE_LIMIT = 4096


class _Bucket(set[str]):
    """The ids of reminders sharing one (fire at, occurrence, slot); keeps the shared key."""

    __slots__ = ("key",)

    def __init__(self, key: BucketKey) -> None:
        super().__init__()
        self.key = key


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def _never_paused(chat_id: int, occurrence: datetime) -> bool:
    return False


def _parse_utc(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class ReminderDispatcher:
    """Keeps every active reminder's next occurrence and hands due ones to the outbox."""

    def __init__(
        self,
        next_occurrence: NextOccurrence,
        outbox_submit: Submit,
        *,
        grace: timedelta = timedelta(minutes=30),
        now: Clock = utc_now,
        is_paused: IsPaused = _never_paused,
        retry_delay: timedelta = timedelta(minutes=1),
        max_sleep: float = 60.0,
    ) -> None:
        self._next_occurrence = next_occurrence
        self._submit = outbox_submit
        self._grace = grace
        self._now = now
        self._is_paused = is_paused
        self._retry_delay = retry_delay
        self._max_sleep = max_sleep  # re-read the wall clock at least this often
        self._reminders: dict[str, Reminder] = {}
        self._where: dict[str, BucketKey] = {}
        self._buckets: dict[BucketKey, _Bucket] = {}
        self._heap: list[BucketKey] = []
        self._in_flight: dict[str, datetime] = {}
        self._slots: dict[tuple[int, int, frozenset[int], str], Slot] = {}
        self._next_cache: dict[tuple[Slot, datetime], datetime] = {}
        self._once: dict[int, tuple[datetime, int, Any]] = {}
        self._once_heap: list[tuple[datetime, int, int]] = []
        self._once_seq = itertools.count()
        self._wake = asyncio.Event()
        self._sleeping_until: datetime | None = None
        self._sleeping = False
        self._stopping = False
        self.skipped_late = 0
        self.skipped_paused = 0
        self.invalid = 0

    # ----- the index -------------------------------------------------------------------

    def __len__(self) -> int:
        """Number of reminders known (indexed or in flight)."""
        return len(self._reminders)

    def load(self, reminders: Iterable[Reminder]) -> None:
        """Index many reminders at start-up: next occurrence after max(last_fired, now - grace)."""
        horizon = self._now() - self._grace
        # group by (slot, last_fired if it is past the horizon): one schedule call per group
        groups: dict[tuple[int, int, frozenset[int], str, str | None], list[str]] = {}
        fired_at: dict[str, datetime] = {}
        for reminder in reminders:
            if not reminder.active:
                continue
            if reminder.id in self._reminders:
                self._forget(reminder.id)
            self._reminders[reminder.id] = reminder
            fired = reminder.last_fired
            if fired is not None:
                moment = fired_at.get(fired)
                if moment is None:
                    moment = fired_at[fired] = _parse_utc(fired)
                if moment < horizon:  # type: ignore[operator]
                    fired = None
            group = (reminder.hour, reminder.minute, reminder.days, reminder.tz, fired)
            members = groups.get(group)
            if members is None:
                groups[group] = [reminder.id]
            else:
                members.append(reminder.id)
        for (hour, minute, days, tz, fired), ids in groups.items():
            slot = self._intern_slot(hour, minute, days, tz)
            after = horizon if fired is None else fired_at[fired]
            self._place_all(ids, slot, days, after)
        self._nudge(None)

    def upsert(self, reminder: Reminder) -> None:
        """Add or replace one reminder while running; an inactive one leaves the index.

        A new or re-timed reminder starts at its first occurrence after now (no catch-up:
        the grace window is for downtime, at ``load``). A record whose schedule did not
        change keeps its place, so an occurrence already due is not lost.
        """
        if not reminder.active:
            self.remove(reminder.id)
            return
        known = self._reminders.get(reminder.id)
        if known is not None:
            reminder = self._keep_latest_fired(known, reminder)
        self._reminders[reminder.id] = reminder
        if reminder.id in self._in_flight:
            return  # rescheduled from the new record when the outcome arrives
        key = self._where.get(reminder.id)
        last_fired = _parse_utc(reminder.last_fired)
        if (
            key is not None
            and key[2] == self._slot(reminder)
            and (last_fired is None or key[1] > last_fired)
        ):
            return
        self._unindex(reminder.id)
        self._schedule_after(reminder, self._now())

    def remove(self, reminder_id: str) -> None:
        """Forget a reminder; an outcome arriving later for it is ignored."""
        self._forget(reminder_id)

    def remove_chat(self, chat_id: int) -> None:
        """Forget every reminder and the pending snooze of one chat (scans all reminders)."""
        for reminder_id in [r.id for r in self._reminders.values() if r.chat_id == chat_id]:
            self._forget(reminder_id)
        self.cancel_once(chat_id)

    def get(self, reminder_id: str) -> Reminder | None:
        """Return the dispatcher's record of a reminder (``last_fired`` kept up to date)."""
        return self._reminders.get(reminder_id)

    def next_due(self, reminder_id: str) -> datetime | None:
        """Return the next occurrence of a reminder (the one being sent, if in flight)."""
        if reminder_id in self._in_flight:
            return self._in_flight[reminder_id]
        key = self._where.get(reminder_id)
        return key[1] if key is not None else None

    @property
    def is_sleeping(self) -> bool:
        """Whether ``run()`` is waiting for the next due time or a change."""
        return self._sleeping

    def in_flight(self) -> int:
        """Number of reminders handed out and awaiting their outcome."""
        return len(self._in_flight)

    # ----- one-off jobs (snooze) -------------------------------------------------------

    def schedule_once(self, chat_id: int, at_utc: datetime, payload: Any = None) -> None:
        """Schedule one snoozed nudge for a chat, replacing the chat's previous one."""
        seq = next(self._once_seq)
        self._once[chat_id] = (at_utc, seq, payload)
        heapq.heappush(self._once_heap, (at_utc, seq, chat_id))
        self._nudge(at_utc)

    def cancel_once(self, chat_id: int) -> None:
        """Cancel a chat's pending snoozed nudge, if any."""
        self._once.pop(chat_id, None)

    # ----- firing ----------------------------------------------------------------------

    def due(self, now: datetime) -> list[tuple[Reminder, datetime]]:
        """Pop every reminder due at ``now`` and mark it in flight.

        Occurrences older than ``now - grace`` and paused ones are skipped and advanced
        without sending. The caller must report each returned pair with ``mark_sent`` or
        ``mark_failed`` (by its Job) or the reminder stays in flight.
        """
        horizon = now - self._grace
        ready: list[tuple[Reminder, datetime]] = []
        while self._heap and self._heap[0][0] <= now:
            key = heapq.heappop(self._heap)
            ids = self._buckets.pop(key, None)
            if not ids:
                continue
            _, occurrence, slot = key
            for reminder_id in ids:
                del self._where[reminder_id]
            if occurrence < horizon:
                self.skipped_late += len(ids)
                self._place_all(ids, slot, self._reminders[next(iter(ids))].days, horizon)
                continue
            paused: list[str] = []
            for reminder_id in ids:
                reminder = self._reminders[reminder_id]
                last_fired = _parse_utc(reminder.last_fired)
                if last_fired is not None and occurrence <= last_fired:
                    self._schedule_after(reminder, horizon)  # stale index entry: never re-fire
                elif self._is_paused(reminder.chat_id, occurrence):
                    paused.append(reminder_id)
                else:
                    self._in_flight[reminder_id] = occurrence
                    ready.append((reminder, occurrence))
            if paused:
                self.skipped_paused += len(paused)
                self._place_all(paused, slot, self._reminders[paused[0]].days, occurrence)
        return ready

    def due_once(self, now: datetime) -> list[Job]:
        """Pop every snoozed nudge due at ``now``; ones older than ``now - grace`` are dropped."""
        horizon = now - self._grace
        jobs: list[Job] = []
        while self._once_heap and self._once_heap[0][0] <= now:
            at, seq, chat_id = heapq.heappop(self._once_heap)
            pending = self._once.get(chat_id)
            if pending is None or pending[1] != seq:
                continue
            del self._once[chat_id]
            if at < horizon:
                self.skipped_late += 1
                continue
            jobs.append(Job(chat_id, None, at, "snooze", pending[2]))
        return jobs

    def mark_sent(self, job: Job) -> None:
        """Record a delivered occurrence and schedule the reminder's next one after it."""
        reminder = self._take_in_flight(job)
        if reminder is None:
            return
        known = _parse_utc(reminder.last_fired)
        if known is None or known < job.occurrence:
            reminder = replace(reminder, last_fired=job.occurrence.isoformat())
            self._reminders[reminder.id] = reminder
        self._schedule_after(reminder, max(job.occurrence, known or job.occurrence))

    def mark_failed(self, job: Job) -> None:
        """Put a failed occurrence back: it stays due and is retried after ``retry_delay``.

        Once the occurrence is older than the grace period the next pass skips it.
        """
        reminder = self._take_in_flight(job)
        if reminder is None:
            return
        retry_at = max(self._now() + self._retry_delay, job.occurrence)
        self._place(reminder.id, (retry_at, job.occurrence, self._slot(reminder)))

    def _take_in_flight(self, job: Job) -> Reminder | None:
        """End a scheduled job's in-flight state; None if its outcome is stale or not ours."""
        if job.kind != "scheduled" or job.reminder_id is None:
            return None
        if self._in_flight.get(job.reminder_id) != job.occurrence:
            return None
        del self._in_flight[job.reminder_id]
        return self._reminders[job.reminder_id]

    async def run(self) -> None:
        """Fire due work until ``stop()``: sleep until the earliest due time or a change."""
        while not self._stopping:
            self._wake.clear()
            now = self._now()
            jobs = [
                Job(reminder.chat_id, reminder.id, occurrence)
                for reminder, occurrence in self.due(now)
            ]
            jobs.extend(self.due_once(now))
            if jobs:
                await self._submit_all(jobs)
                continue
            await self._sleep_until_due(now)

    def wake(self) -> None:
        """Make ``run()`` re-read the clock now (after a clock change or a resume)."""
        self._wake.set()

    def stop(self) -> None:
        """Make ``run()`` return at its next wake-up (at once if asleep); this is final."""
        self._stopping = True
        self._wake.set()

    # ----- internals -------------------------------------------------------------------

    async def _submit_all(self, jobs: list[Job]) -> None:
        for index, job in enumerate(jobs):
            if job.kind == "scheduled" and self._in_flight.get(job.reminder_id) != job.occurrence:
                continue  # removed or replaced while earlier jobs waited for outbox room
            try:
                await self._submit(job)
            except BaseException:
                for unsent in jobs[index:]:
                    self._return_unsent(unsent)
                raise

    def _return_unsent(self, job: Job) -> None:
        if job.kind == "snooze":
            if job.chat_id not in self._once:
                self.schedule_once(job.chat_id, job.occurrence, job.payload)
            return
        if job.reminder_id is None or self._in_flight.get(job.reminder_id) != job.occurrence:
            return
        del self._in_flight[job.reminder_id]
        reminder = self._reminders[job.reminder_id]
        self._place(reminder.id, (job.occurrence, job.occurrence, self._slot(reminder)))

    async def _sleep_until_due(self, now: datetime) -> None:
        earliest = self._earliest()
        timeout = self._max_sleep
        if earliest is not None:
            timeout = min(timeout, max((earliest - now).total_seconds(), 0.0))
        self._sleeping_until = earliest
        self._sleeping = True
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            self._sleeping_until = None
            self._sleeping = False

    def _earliest(self) -> datetime | None:
        while self._heap and self._heap[0] not in self._buckets:
            heapq.heappop(self._heap)  # drop entries whose bucket was emptied
        while self._once_heap:
            _, seq, chat_id = self._once_heap[0]
            pending = self._once.get(chat_id)
            if pending is not None and pending[1] == seq:
                break
            heapq.heappop(self._once_heap)
        candidates = [h[0][0] for h in (self._heap, self._once_heap) if h]
        return min(candidates) if candidates else None

    def _nudge(self, fire_at: datetime | None) -> None:
        """Wake ``run()`` if it sleeps past ``fire_at`` (``None``: wake it regardless)."""
        until = self._sleeping_until
        if fire_at is None or until is None or fire_at < until:
            self._wake.set()

    def _slot(self, reminder: Reminder) -> Slot:
        return self._intern_slot(reminder.hour, reminder.minute, reminder.days, reminder.tz)

    def _intern_slot(self, hour: int, minute: int, days: frozenset[int], tz: str) -> Slot:
        """Return the one shared Slot tuple for these fields."""
        lookup = (hour, minute, days, tz)
        slot = self._slots.get(lookup)
        if slot is None:
            slot = self._slots[lookup] = (hour, minute, tuple(sorted(days)), tz)
        return slot

    def _next(self, slot: Slot, days: frozenset[int], after: datetime) -> datetime:
        cache_key = (slot, after)
        found = self._next_cache.get(cache_key)
        if found is None:
            if len(self._next_cache) >= _NEXT_CACHE_LIMIT:
                self._next_cache.clear()
            found = self._next_occurrence(slot[0], slot[1], days, slot[3], after)
            self._next_cache[cache_key] = found
        return found

    def _schedule_after(self, reminder: Reminder, floor: datetime) -> None:
        """Index a reminder at its first occurrence after max(last_fired, floor)."""
        last_fired = _parse_utc(reminder.last_fired)
        after = floor if last_fired is None or last_fired < floor else last_fired
        slot = self._slot(reminder)
        try:
            occurrence = self._next(slot, reminder.days, after)
        except Exception:
            self.invalid += 1
            log.exception("cannot schedule reminder %s; left out of the index", reminder.id)
            return
        self._place(reminder.id, (occurrence, occurrence, slot))

    def _place_all(
        self, ids: Iterable[str], slot: Slot, days: frozenset[int], after: datetime
    ) -> None:
        """Index reminders of one slot at the slot's first occurrence after ``after``."""
        try:
            occurrence = self._next(slot, days, after)
        except Exception:
            ids = list(ids)
            self.invalid += len(ids)
            log.exception("cannot schedule slot %s; %d reminders left out", slot, len(ids))
            return
        bucket = self._bucket((occurrence, occurrence, slot))
        bucket.update(ids)
        key = bucket.key
        where = self._where
        for reminder_id in ids:
            where[reminder_id] = key

    def _place(self, reminder_id: str, key: BucketKey) -> None:
        bucket = self._bucket(key)
        bucket.add(reminder_id)
        self._where[reminder_id] = bucket.key

    def _bucket(self, key: BucketKey) -> _Bucket:
        """Return the bucket for ``key``, creating it (and its heap entry) if needed."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(key)
            heapq.heappush(self._heap, key)
            self._nudge(key[0])
        return bucket

    def _unindex(self, reminder_id: str) -> None:
        key = self._where.pop(reminder_id, None)
        if key is None:
            return
        bucket = self._buckets[key]
        bucket.discard(reminder_id)
        if not bucket:
            del self._buckets[key]

    def _forget(self, reminder_id: str) -> None:
        self._unindex(reminder_id)
        self._in_flight.pop(reminder_id, None)
        self._reminders.pop(reminder_id, None)

    @staticmethod
    def _keep_latest_fired(known: Reminder, incoming: Reminder) -> Reminder:
        """Never let a stale record move ``last_fired`` backwards (that would re-fire)."""
        known_fired = _parse_utc(known.last_fired)
        incoming_fired = _parse_utc(incoming.last_fired)
        if known_fired is not None and (incoming_fired is None or incoming_fired < known_fired):
            return replace(incoming, last_fired=known.last_fired)
        return incoming
