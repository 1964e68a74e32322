"""ReminderDispatcher: indexing, grace window, exactly-once, restarts, pauses, snoozes, run()."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery_errors import ChatUnreachable, RetryAfter, TransientError
from bot.dispatcher import ReminderDispatcher
from bot.outbox import Job, Outbox
from storage.records import Reminder

EPOCH = datetime(2025, 3, 3, 0, 0, tzinfo=UTC)  # a Monday
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
WEEKDAYS = frozenset(range(5))
DAY = timedelta(days=1)


class FakeClock:
    """A wall clock that only moves when the test says so."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.reads = 0

    def __call__(self) -> datetime:
        self.reads += 1
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class DailyUtc:
    """Fake next_occurrence: every day at hour:minute UTC (days and tz ignored); counts calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(
        self, hour: int, minute: int, days: frozenset[int], tz: str, after: datetime
    ) -> datetime:
        self.calls += 1
        offset = timedelta(hours=hour, minutes=minute)
        days_done = (after - EPOCH - offset) // DAY
        return EPOCH + offset + (days_done + 1) * DAY


class Submitted:
    """A fake outbox_submit that records jobs and signals each arrival."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.arrived = asyncio.Event()

    async def __call__(self, job: Job) -> None:
        self.jobs.append(job)
        self.arrived.set()


def reminder(rid: str, chat_id: int | None = None, minute: int = 0, **changes: object) -> Reminder:
    """Build a weekday reminder; the fake schedule fires it daily at hour:minute UTC."""
    chat = chat_id if chat_id is not None else int(rid.lstrip("r") or 0)
    fields: dict[str, object] = {
        "id": rid,
        "chat_id": chat,
        "hour": 9,
        "minute": minute,
        "days": WEEKDAYS,
        "tz": "Europe/Berlin",
    }
    fields.update(changes)
    return Reminder(**fields)  # type: ignore[arg-type]


def make(clock: FakeClock, **options: object) -> tuple[ReminderDispatcher, DailyUtc, Submitted]:
    """Build a dispatcher with the fake clock, fake schedule and recording submit."""
    schedule = DailyUtc()
    submitted = Submitted()
    dispatcher = ReminderDispatcher(schedule, submitted, now=clock, **options)  # type: ignore[arg-type]
    return dispatcher, schedule, submitted


def as_job(pair: tuple[Reminder, datetime]) -> Job:
    """The job run() would build for a due pair."""
    item, occurrence = pair
    return Job(item.chat_id, item.id, occurrence)


async def eventually(condition: Callable[[], bool], turns: int = 2000) -> None:
    """Yield to the loop until ``condition`` holds (fails after ``turns`` yields)."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never became true")


def test_load_indexes_active_reminders_with_one_schedule_call_per_slot() -> None:
    clock = FakeClock(T0 + timedelta(minutes=1))
    dispatcher, schedule, _ = make(clock)
    reminders = [reminder(f"r{i}", minute=(i % 4) * 15) for i in range(1000)]
    reminders.append(reminder("off", chat_id=5000, active=False))
    dispatcher.load(reminders)
    assert len(dispatcher) == 1000
    assert schedule.calls == 4
    assert dispatcher.next_due("r0") == T0  # missed by 1 minute: still inside the grace
    assert dispatcher.next_due("r1") == T0 + timedelta(minutes=15)
    assert dispatcher.next_due("off") is None


def test_load_groups_by_last_fired_too() -> None:
    clock = FakeClock(T0 + timedelta(minutes=5))
    dispatcher, schedule, _ = make(clock)
    fired_today = T0.isoformat()
    dispatcher.load(
        [reminder(f"r{i}", last_fired=fired_today if i % 2 else None) for i in range(100)]
    )
    assert schedule.calls == 2
    assert dispatcher.next_due("r0") == T0
    assert dispatcher.next_due("r1") == T0 + DAY


def test_missed_by_ten_minutes_is_sent_once_at_start_up() -> None:
    clock = FakeClock(T0 + timedelta(minutes=10))
    dispatcher, _, _ = make(clock)
    dispatcher.load([reminder("r1")])
    assert dispatcher.due(clock.now) == [(reminder("r1"), T0)]
    assert dispatcher.due(clock.now) == []


def test_missed_by_two_hours_at_start_up_is_skipped() -> None:
    clock = FakeClock(T0 + timedelta(hours=2))
    dispatcher, _, _ = make(clock)
    dispatcher.load([reminder("r1", last_fired=(T0 - DAY).isoformat())])
    assert dispatcher.due(clock.now) == []
    assert dispatcher.next_due("r1") == T0 + DAY


def test_missed_by_two_hours_while_indexed_is_skipped_and_advanced() -> None:
    clock = FakeClock(T0)
    dispatcher, _, _ = make(clock)
    dispatcher.load([reminder("r1", minute=30)])  # due 09:30
    clock.advance(hours=2, minutes=30)  # the process was suspended until 11:30
    assert dispatcher.due(clock.now) == []
    assert dispatcher.skipped_late == 1
    assert dispatcher.next_due("r1") == T0 + DAY + timedelta(minutes=30)


def test_a_sent_occurrence_records_last_fired_and_schedules_after_it() -> None:
    clock = FakeClock(T0)
    dispatcher, _, _ = make(clock)
    dispatcher.load([reminder("r1")])
    [pair] = dispatcher.due(clock.now)
    dispatcher.mark_sent(as_job(pair))
    assert dispatcher.next_due("r1") == T0 + DAY
    assert dispatcher.in_flight() == 0
    assert dispatcher.due(clock.now + timedelta(hours=23)) == []


def test_a_reminder_in_flight_is_not_queued_again_by_the_next_pass() -> None:
    clock = FakeClock(T0)
    dispatcher, _, _ = make(clock)
    dispatcher.load([reminder("r1")])
    [pair] = dispatcher.due(clock.now)
    clock.advance(days=1, minutes=5)  # its following occurrence is due too
    assert dispatcher.due(clock.now) == []
    assert dispatcher.next_due("r1") == T0
    dispatcher.mark_sent(as_job(pair))
    [(record, occurrence)] = dispatcher.due(clock.now)
    assert (record.id, record.last_fired, occurrence) == ("r1", T0.isoformat(), T0 + DAY)


def test_a_failed_send_stays_due_and_is_retried_until_the_grace_runs_out() -> None:
    clock = FakeClock(T0)
    dispatcher, _, _ = make(clock, retry_delay=timedelta(minutes=1))
    dispatcher.load([reminder("r1")])
    first = dispatcher.due(clock.now)
    dispatcher.mark_failed(as_job(first[0]))
    assert dispatcher.due(clock.now) == []  # not before the retry delay
    assert dispatcher.next_due("r1") == T0
    clock.advance(minutes=1)
    assert dispatcher.due(clock.now) == first
    dispatcher.mark_failed(as_job(first[0]))
    clock.advance(minutes=31)
    assert dispatcher.due(clock.now) == []
    assert dispatcher.skipped_late == 1
    assert dispatcher.next_due("r1") == T0 + DAY


def test_restart_with_last_fired_never_fires_the_same_occurrence_again() -> None:
    clock = FakeClock(T0 + timedelta(minutes=5))
    first, _, _ = make(clock)
    first.load([reminder("r1")])
    [pair] = first.due(clock.now)
    first.mark_sent(as_job(pair))
    stored = first.get("r1")
    assert stored is not None
    assert stored.last_fired == T0.isoformat()

    restarted, _, _ = make(clock)
    restarted.load([stored])
    assert restarted.due(clock.now) == []
    assert restarted.next_due("r1") == T0 + DAY


def test_clock_jumping_backwards_does_not_refire() -> None:
    clock = FakeClock(T0)
    dispatcher, _, _ = make(clock)
    dispatcher.load([reminder("r1")])
    [pair] = dispatcher.due(clock.now)
    dispatcher.mark_sent(as_job(pair))
    clock.advance(minutes=-20)
    dispatcher.upsert(reminder("r1"))  # a stale record without last_fired
    for minutes in range(0, 50, 5):
        assert dispatcher.due(clock.now + timedelta(minutes=minutes)) == []
    assert dispatcher.next_due("r1") == T0 + DAY


def test_paused_occurrence_is_skipped_and_the_schedule_advances() -> None:
    clock = FakeClock(T0)
    paused_chats = {1}
    dispatcher, _, _ = make(clock, is_paused=lambda chat, when: chat in paused_chats)
    dispatcher.load([reminder("r1"), reminder("r2")])
    assert [r.id for r, _ in dispatcher.due(clock.now)] == ["r2"]
    assert dispatcher.skipped_paused == 1
    assert dispatcher.next_due("r1") == T0 + DAY


def test_upsert_moves_a_reminder_and_inactive_or_removed_ones_leave_the_index() -> None:
    clock = FakeClock(T0)
    dispatcher, _, _ = make(clock)
    dispatcher.load([reminder("r1", minute=30), reminder("r2"), reminder("r3", chat_id=2)])
    dispatcher.upsert(reminder("r1", minute=15))
    assert dispatcher.next_due("r1") == T0 + timedelta(minutes=15)
    dispatcher.upsert(reminder("r1", minute=15, active=False))
    dispatcher.remove_chat(2)
    assert [dispatcher.next_due(rid) for rid in ("r1", "r2", "r3")] == [None, None, None]
    assert dispatcher.due(clock.now + timedelta(minutes=20)) == []
    assert len(dispatcher) == 0


def test_an_outcome_for_a_removed_reminder_is_ignored() -> None:
    clock = FakeClock(T0)
    dispatcher, _, _ = make(clock)
    dispatcher.load([reminder("r1")])
    [pair] = dispatcher.due(clock.now)
    dispatcher.remove("r1")
    dispatcher.mark_sent(as_job(pair))
    assert dispatcher.next_due("r1") is None
    assert len(dispatcher) == 0


def test_snooze_fires_once_can_be_replaced_or_cancelled_and_expires() -> None:
    clock = FakeClock(T0)
    dispatcher, _, _ = make(clock)
    dispatcher.schedule_once(1, T0 + timedelta(minutes=10), "a")
    dispatcher.schedule_once(1, T0 + timedelta(minutes=20), "b")
    dispatcher.schedule_once(2, T0 + timedelta(minutes=10), "c")
    dispatcher.cancel_once(2)
    dispatcher.schedule_once(3, T0 - timedelta(hours=2), "too old")
    assert dispatcher.due_once(T0 + timedelta(minutes=15)) == []
    jobs = dispatcher.due_once(T0 + timedelta(minutes=25))
    assert jobs == [Job(1, None, T0 + timedelta(minutes=20), "snooze")]
    assert jobs[0].payload == "b"
    assert dispatcher.due_once(T0 + 2 * DAY) == []
    assert dispatcher.skipped_late == 1


async def test_run_wakes_on_an_earlier_upsert_without_waiting_for_the_old_deadline() -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    start = T0 - timedelta(milliseconds=50)

    def moving_clock() -> datetime:  # fake date, real pace
        return start + timedelta(seconds=loop.time() - started)

    schedule, submitted = DailyUtc(), Submitted()
    dispatcher = ReminderDispatcher(schedule, submitted, now=moving_clock, max_sleep=3600)
    dispatcher.load([reminder("r1", hour=10)])  # due in an hour
    task = asyncio.create_task(dispatcher.run())
    await eventually(lambda: dispatcher.is_sleeping)
    dispatcher.upsert(reminder("r2"))  # due at 09:00, 50 ms from now
    await asyncio.wait_for(submitted.arrived.wait(), 1)
    assert submitted.jobs == [Job(2, "r2", T0)]
    dispatcher.stop()
    await asyncio.wait_for(task, 1)


def test_a_reminder_added_after_its_time_today_starts_tomorrow() -> None:
    clock = FakeClock(T0 + timedelta(minutes=10))
    dispatcher, _, _ = make(clock)
    dispatcher.upsert(reminder("r1"))
    assert dispatcher.due(clock.now) == []
    assert dispatcher.next_due("r1") == T0 + DAY


def test_upserting_an_unchanged_schedule_keeps_an_occurrence_already_due() -> None:
    clock = FakeClock(T0 - timedelta(minutes=1))
    dispatcher, _, _ = make(clock)
    dispatcher.load([reminder("r1")])
    clock.advance(minutes=2)  # 09:00 is due but no pass has run yet
    dispatcher.upsert(reminder("r1"))
    assert [(r.id, when) for r, when in dispatcher.due(clock.now)] == [("r1", T0)]


def test_retiming_a_reminder_in_flight_applies_after_its_outcome() -> None:
    clock = FakeClock(T0)
    dispatcher, _, _ = make(clock)
    dispatcher.load([reminder("r1")])
    [pair] = dispatcher.due(clock.now)
    dispatcher.upsert(reminder("r1", minute=30))
    assert dispatcher.next_due("r1") == T0
    dispatcher.mark_sent(as_job(pair))
    assert dispatcher.next_due("r1") == T0 + timedelta(minutes=30)


async def test_run_sleeps_without_busy_looping() -> None:
    clock = FakeClock(T0)
    dispatcher, _, submitted = make(clock, max_sleep=3600)
    dispatcher.load([reminder("r1", minute=30)])
    task = asyncio.create_task(dispatcher.run())
    await eventually(lambda: dispatcher.is_sleeping)
    reads = clock.reads
    for _ in range(200):
        await asyncio.sleep(0)
    assert clock.reads == reads
    dispatcher.upsert(reminder("r9", hour=10))  # later than the current deadline
    for _ in range(20):
        await asyncio.sleep(0)
    assert clock.reads == reads + 1  # upsert's own read: a later reminder leaves run() asleep
    assert dispatcher.is_sleeping
    clock.advance(minutes=30)
    dispatcher.wake()
    await asyncio.wait_for(submitted.arrived.wait(), 1)
    assert submitted.jobs == [Job(1, "r1", T0 + timedelta(minutes=30))]
    dispatcher.stop()
    await asyncio.wait_for(task, 1)


async def test_cancelled_run_puts_unsubmitted_reminders_back() -> None:
    clock = FakeClock(T0)
    first_submitted = asyncio.Event()
    submitted: list[Job] = []

    async def blocking_submit(job: Job) -> None:
        submitted.append(job)
        first_submitted.set()
        await asyncio.Event().wait()  # the outbox is full and never drains

    dispatcher = ReminderDispatcher(DailyUtc(), blocking_submit, now=clock)
    dispatcher.load([reminder("r1"), reminder("r2"), reminder("r3")])
    task = asyncio.create_task(dispatcher.run())
    await asyncio.wait_for(first_submitted.wait(), 1)
    assert dispatcher.in_flight() == 3
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert dispatcher.in_flight() == 0
    assert [dispatcher.next_due(r) for r in ("r1", "r2", "r3")] == [T0, T0, T0]
    assert len(submitted) == 1


async def test_a_reminder_removed_while_run_waits_for_outbox_room_is_not_submitted() -> None:
    clock = FakeClock(T0)
    gate = asyncio.Event()
    waiting = asyncio.Event()
    submitted: list[Job] = []
    first: list[Job] = []

    async def full_then_free_submit(job: Job) -> None:
        if not first:
            first.append(job)
            waiting.set()
            await gate.wait()
        submitted.append(job)

    dispatcher = ReminderDispatcher(DailyUtc(), full_then_free_submit, now=clock, max_sleep=3600)
    dispatcher.load([reminder("r1"), reminder("r2"), reminder("r3")])
    task = asyncio.create_task(dispatcher.run())
    await asyncio.wait_for(waiting.wait(), 1)
    removed = min({1, 2, 3} - {first[0].chat_id})  # one still waiting its turn
    dispatcher.remove_chat(removed)
    gate.set()
    await eventually(lambda: dispatcher.is_sleeping)
    dispatcher.stop()
    await asyncio.wait_for(task, 1)
    assert sorted(job.chat_id for job in submitted) == sorted({1, 2, 3} - {removed})


async def test_run_hands_due_snoozes_to_the_outbox() -> None:
    clock = FakeClock(T0)
    dispatcher, _, submitted = make(clock, max_sleep=3600)
    task = asyncio.create_task(dispatcher.run())
    await eventually(lambda: dispatcher.is_sleeping)
    dispatcher.schedule_once(7, T0, payload="snoozed")
    await asyncio.wait_for(submitted.arrived.wait(), 1)
    assert submitted.jobs == [Job(7, None, T0, "snooze")]
    dispatcher.stop()
    await asyncio.wait_for(task, 1)


@pytest.mark.parametrize("seed", [1, 2])
async def test_exactly_once_for_1000_due_reminders_with_random_failures(seed: int) -> None:
    clock = FakeClock(T0 - timedelta(seconds=1))
    rng = random.Random(seed)
    blocked = {13, 512, 777}
    delivered: Counter[Job] = Counter()
    attempts: Counter[Job] = Counter()

    async def send(job: Job) -> None:
        attempts[job] += 1
        if job.chat_id in blocked:
            raise ChatUnreachable("Forbidden: bot was blocked by the user")
        roll = rng.random()
        if roll < 0.25:
            raise TransientError("timeout")
        if roll < 0.30:
            raise RetryAfter(0.5)
        await asyncio.sleep(0)
        delivered[job] += 1

    async def no_wait(seconds: float) -> None:
        await asyncio.sleep(0)

    dispatcher: ReminderDispatcher

    async def on_sent(job: Job) -> None:
        dispatcher.mark_sent(job)

    async def on_failed(job: Job, exc: BaseException) -> None:
        dispatcher.mark_failed(job)

    async def on_unreachable(job: Job, exc: BaseException) -> None:
        dispatcher.remove_chat(job.chat_id)

    outbox = Outbox(
        send,
        concurrency=16,
        max_pending=100,
        max_attempts=2,
        on_sent=on_sent,
        on_failed=on_failed,
        on_unreachable=on_unreachable,
        sleep=no_wait,
        rng=rng,
    )
    dispatcher = ReminderDispatcher(
        DailyUtc(),
        outbox.submit,
        now=clock,
        retry_delay=timedelta(minutes=1),
        max_sleep=3600,
    )
    dispatcher.load(reminder(f"r{i}") for i in range(1000))
    outbox.start()
    task = asyncio.create_task(dispatcher.run())
    await eventually(lambda: dispatcher.is_sleeping)
    for _ in range(10):  # passes, one retry delay apart, all inside the grace window
        clock.advance(minutes=1)
        reads = clock.reads
        dispatcher.wake()
        await eventually(
            lambda reads=reads: (
                clock.reads > reads
                and dispatcher.is_sleeping
                and outbox.pending == 0
                and not dispatcher.in_flight()
            ),
            turns=50_000,
        )
    dispatcher.stop()
    await asyncio.wait_for(task, 1)
    await outbox.stop()

    expected = {Job(i, f"r{i}", T0) for i in range(1000) if i not in blocked}
    assert set(delivered) == expected
    assert max(delivered.values()) == 1
    assert outbox.stats.failed > 0  # some sends gave up and were retried in a later pass
    assert all(attempts[Job(chat, f"r{chat}", T0)] == 1 for chat in blocked)
    assert all(dispatcher.next_due(job.reminder_id) == T0 + DAY for job in expected)
    assert len(dispatcher) == 1000 - len(blocked)
