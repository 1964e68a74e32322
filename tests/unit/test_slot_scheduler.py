"""SlotScheduler: slot jobs in APScheduler, the ledger in front, catch-up, retries, snoozes.

Most tests run the real AsyncIOScheduler on a frozen clock: moving the clock and calling
``wake()`` makes due jobs run on the next loop turns, so nothing waits for real minutes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.outbox import Job
from bot.slot_scheduler import SlotScheduler
from storage.records import ChatKey, Reminder


def tg(chat_id: int) -> ChatKey:
    """A Telegram chat's key."""
    return ChatKey("telegram", chat_id)


T0 = datetime(2027, 5, 3, 9, 0, tzinfo=UTC)  # a Monday
DAY = timedelta(days=1)
DAILY = frozenset(range(7))
GRACE = timedelta(minutes=30)


class FrozenClock:
    """Engine time that only moves when the test says so."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now


class Recorder:
    """A submit() that records jobs."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    async def __call__(self, job: Job) -> None:
        self.jobs.append(job)


def reminder(rid: str, chat_id: int = 1, **changes: Any) -> Reminder:
    """A daily 09:00 UTC reminder, delivered yesterday."""
    fields: dict[str, Any] = {
        "id": rid,
        "chat_id": chat_id,
        "hour": 9,
        "minute": 0,
        "days": DAILY,
        "tz": "UTC",
        "last_fired": (T0 - DAY).isoformat(),
    }
    fields.update(changes)
    return Reminder(**fields)


def make(clock: FrozenClock, **options: Any) -> tuple[SlotScheduler, Recorder]:
    recorder = Recorder()
    return SlotScheduler(recorder, grace=GRACE, clock=clock, **options), recorder


async def eventually(condition: Callable[[], bool], turns: int = 5000) -> None:
    """Yield to the loop until ``condition`` holds (fails after ``turns`` yields)."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never became true")


async def settle(turns: int = 200) -> None:
    """Give due jobs a chance to run (a fixed number of loop turns, no sleeping)."""
    for _ in range(turns):
        await asyncio.sleep(0)


@asynccontextmanager
async def running(engine: SlotScheduler) -> AsyncIterator[SlotScheduler]:
    task = asyncio.create_task(engine.run())
    await asyncio.wait_for(engine.wait_running(), 2)
    try:
        yield engine
    finally:
        engine.stop()
        await asyncio.wait_for(task, 2)


def slot_job_ids(engine: SlotScheduler) -> list[str]:
    return sorted(job.id for job in engine.scheduler.get_jobs() if job.id.startswith("slot:"))


# ----- the index (no scheduler running) ----------------------------------------------------


def test_reminders_sharing_a_schedule_share_one_slot() -> None:
    engine, _ = make(FrozenClock(T0 - timedelta(hours=1)))
    engine.load(
        [
            reminder("a", days=frozenset({0, 2, 4})),
            reminder("b", chat_id=2, days=frozenset({4, 2, 0})),
            reminder("c", chat_id=3, minute=30),
        ]
    )
    assert len(engine) == 3
    assert engine.slot_count == 2


def test_load_ignores_inactive_and_paused_and_leaves_invalid_out() -> None:
    engine, _ = make(FrozenClock(T0 - timedelta(hours=1)))
    engine.load(
        [
            reminder("off", active=False),
            reminder("held", paused=True),
            reminder("bad", tz="Mars/Nowhere"),
            reminder("bad2", chat_id=2, tz="Mars/Nowhere"),
            reminder("ok"),
        ]
    )
    assert len(engine) == 1
    assert engine.slot_count == 1
    assert [engine.next_due(r) for r in ("off", "held", "bad")] == [None, None, None]


def test_missed_by_ten_minutes_at_start_is_still_due() -> None:
    engine, _ = make(FrozenClock(T0 + timedelta(minutes=10)))
    engine.load([reminder("r1")])
    assert engine.next_due("r1") == T0
    assert engine.skipped_late == 0


def test_missed_by_two_hours_at_start_is_skipped_and_counted() -> None:
    engine, _ = make(FrozenClock(T0 + timedelta(hours=2)))
    engine.load([reminder("r1"), reminder("r2", chat_id=2, last_fired=T0.isoformat())])
    assert engine.next_due("r1") == T0 + DAY
    assert engine.skipped_late == 1  # r2 had it already


def test_next_due_steps_past_an_occurrence_the_ledger_has() -> None:
    engine, _ = make(FrozenClock(T0 + timedelta(minutes=5)))
    engine.load([reminder("due"), reminder("done", chat_id=2, last_fired=T0.isoformat())])
    assert engine.next_due("due") == T0  # the catch-up occurrence
    assert engine.next_due("done") == T0 + DAY


def test_upsert_after_the_time_today_starts_tomorrow_even_while_the_slot_catches_up() -> None:
    clock = FrozenClock(T0 + timedelta(minutes=5))
    engine, _ = make(clock)
    engine.load([reminder("old")])  # the slot is armed at T0 (catch-up)
    engine.upsert(reminder("new", chat_id=2, last_fired=None))
    assert engine.next_due("old") == T0
    assert engine.next_due("new") == T0 + DAY
    engine.upsert(reminder("other", chat_id=3, hour=10, last_fired=None))
    assert engine.next_due("other") == T0 + timedelta(hours=1)


def test_upsert_keeps_the_latest_last_fired_and_moves_or_drops_the_reminder() -> None:
    engine, _ = make(FrozenClock(T0 - timedelta(hours=1)))
    engine.load([reminder("r1", last_fired=T0.isoformat())])
    engine.upsert(reminder("r1", last_fired=(T0 - DAY).isoformat()))  # a stale record
    stored = engine.get("r1")
    assert stored is not None and stored.last_fired == T0.isoformat()
    engine.upsert(reminder("r1", minute=15))
    assert engine.slot_count == 1
    assert engine.next_due("r1") == T0 + timedelta(minutes=15)
    engine.upsert(reminder("r1", minute=15, paused=True))
    assert (len(engine), engine.slot_count, engine.next_due("r1")) == (0, 0, None)


def test_remove_chat_forgets_its_reminders_only() -> None:
    engine, _ = make(FrozenClock(T0 - timedelta(hours=1)))
    engine.load([reminder("a"), reminder("b", hour=10), reminder("c", chat_id=2)])
    engine.remove_chat(tg(1))
    assert [engine.get(r) is None for r in ("a", "b", "c")] == [True, True, False]
    assert engine.slot_count == 1


def test_grace_outside_bounds_is_refused() -> None:
    with pytest.raises(ValueError):
        SlotScheduler(Recorder(), grace=timedelta(0))
    with pytest.raises(ValueError):
        SlotScheduler(Recorder(), grace=timedelta(hours=12))


# ----- APScheduler jobs --------------------------------------------------------------------


async def test_one_job_per_slot_added_with_the_first_reminder_removed_with_the_last() -> None:
    engine, _ = make(FrozenClock(T0 - timedelta(hours=1)))
    engine.load([reminder("a"), reminder("b", chat_id=2)])
    async with running(engine):
        assert slot_job_ids(engine) == ["slot:09:00:0123456:UTC"]
        job = engine.scheduler.get_job("slot:09:00:0123456:UTC")
        assert isinstance(job.trigger, CronTrigger)
        assert (job.misfire_grace_time, job.coalesce, job.max_instances) == (1800, True, 1)
        # APScheduler keeps real time: engine 08:00 -> 09:00 is one real hour from now
        in_real_time = job.next_run_time - datetime.now(UTC)
        assert abs(in_real_time - timedelta(hours=1)) < timedelta(seconds=1)
        assert engine.next_due("a") == T0
        engine.upsert(reminder("c", chat_id=3, hour=10, tz="Europe/Paris"))
        assert len(slot_job_ids(engine)) == 2
        engine.remove("a")
        assert len(slot_job_ids(engine)) == 2
        engine.upsert(reminder("b", chat_id=2, active=False))  # deactivated
        engine.upsert(reminder("c", chat_id=3, hour=10, tz="Europe/Paris", paused=True))
        assert slot_job_ids(engine) == []


# ----- firing ------------------------------------------------------------------------------


async def test_a_due_slot_fires_once_to_each_reminder_that_lacks_it() -> None:
    clock = FrozenClock(T0 - timedelta(minutes=1))
    engine, recorder = make(clock)
    engine.load(
        [
            reminder("a"),
            reminder("b", chat_id=2),
            reminder("done", chat_id=3, last_fired=T0.isoformat()),
        ]
    )
    async with running(engine):
        await settle()
        assert recorder.jobs == []
        clock.set(T0 + timedelta(seconds=1))
        engine.wake()
        await eventually(lambda: len(recorder.jobs) == 2)
        assert recorder.jobs == [
            Job(tg(1), "a", T0),
            Job(tg(2), "b", T0),
        ]
        assert engine.in_flight() == 2 and engine.next_due("a") == T0
        for job in recorder.jobs:
            engine.mark_sent(job)
        stored = engine.get("a")
        assert stored is not None and stored.last_fired == T0.isoformat()
        assert engine.next_due("a") == T0 + DAY
        clock.set(T0 + timedelta(minutes=2))
        engine.wake()
        await settle()
        assert len(recorder.jobs) == 2


async def test_restart_catches_up_within_grace_once_and_never_after_a_nudge() -> None:
    clock = FrozenClock(T0 + timedelta(minutes=10))
    engine, recorder = make(clock)
    engine.load([reminder("r1")])
    async with running(engine):
        await eventually(lambda: len(recorder.jobs) == 1)
        engine.mark_sent(recorder.jobs[0])
        stored = engine.get("r1")
    assert recorder.jobs == [Job(tg(1), "r1", T0)]
    assert stored is not None
    restarted, again = make(clock)
    restarted.load([stored])
    async with running(restarted):
        await settle()
    assert again.jobs == []
    assert restarted.next_due("r1") == T0 + DAY


async def test_a_paused_chat_is_skipped_and_counted() -> None:
    clock = FrozenClock(T0)
    engine, recorder = make(clock, is_paused=lambda chat, when: chat == tg(1) and when == T0)
    engine.load([reminder("r1"), reminder("r2", chat_id=2)])
    async with running(engine):
        await eventually(lambda: len(recorder.jobs) == 1)
        await settle()
    assert recorder.jobs == [Job(tg(2), "r2", T0)]
    assert engine.skipped_paused == 1


async def test_a_failed_send_is_retried_after_the_delay_until_the_grace_runs_out() -> None:
    clock = FrozenClock(T0)
    engine, recorder = make(clock, retry_delay=timedelta(minutes=1))
    engine.load([reminder("r1")])
    async with running(engine):
        await eventually(lambda: len(recorder.jobs) == 1)
        engine.mark_failed(recorder.jobs[0])
        assert engine.next_due("r1") == T0
        await settle()
        assert len(recorder.jobs) == 1  # not before the retry delay
        clock.set(T0 + timedelta(minutes=1))
        engine.wake()
        await eventually(lambda: len(recorder.jobs) == 2)
        assert recorder.jobs[1] == Job(tg(1), "r1", T0)
        engine.mark_failed(recorder.jobs[1])
        clock.set(T0 + timedelta(minutes=31))
        engine.wake()
        await eventually(lambda: engine.skipped_late == 1)
        await settle()
    assert len(recorder.jobs) == 2
    assert engine.next_due("r1") == T0 + DAY


async def test_late_outcomes_of_removed_or_retimed_reminders_are_ignored() -> None:
    clock = FrozenClock(T0)
    engine, recorder = make(clock)
    engine.load([reminder("gone"), reminder("moved", chat_id=2)])
    async with running(engine):
        await eventually(lambda: len(recorder.jobs) == 2)
        engine.remove("gone")
        engine.upsert(reminder("moved", chat_id=2, hour=10))
        for job in recorder.jobs:
            engine.mark_sent(job)
        moved = engine.get("moved")
        assert moved is not None and moved.last_fired == (T0 - DAY).isoformat()
        assert engine.next_due("moved") == T0 + timedelta(hours=1)
        assert (engine.get("gone"), engine.in_flight()) == (None, 0)


async def test_an_occurrence_in_flight_is_never_handed_out_twice() -> None:
    clock = FrozenClock(T0)
    engine, recorder = make(clock)
    engine.load([reminder("r1")])
    async with running(engine):
        await eventually(lambda: len(recorder.jobs) == 1)
        job = engine.scheduler.get_job("slot:09:00:0123456:UTC")
        job.modify(next_run_time=datetime.now(UTC))  # the slot job runs again at once
        clock.set(T0 + timedelta(minutes=1))
        await settle()
        engine.upsert(reminder("r1"))  # unchanged schedule: stays in flight
        await settle()
        assert len(recorder.jobs) == 1
        engine.mark_sent(recorder.jobs[0])
    assert engine.next_due("r1") == T0 + DAY


async def test_an_upserted_reminder_in_an_existing_slot_fires_with_it() -> None:
    clock = FrozenClock(T0 - timedelta(hours=1))
    engine, recorder = make(clock)
    engine.load([reminder("a")])
    async with running(engine):
        engine.upsert(reminder("b", chat_id=2, last_fired=clock().isoformat()))
        clock.set(T0)
        engine.wake()
        await eventually(lambda: len(recorder.jobs) == 2)
    assert {job.reminder_id for job in recorder.jobs} == {"a", "b"}


async def test_a_big_slot_is_submitted_in_chunks_and_the_loop_keeps_turning() -> None:
    clock = FrozenClock(T0)
    turns: list[int] = [0]
    seen: list[int] = []

    async def submit(job: Job) -> None:
        seen.append(turns[0])

    async def ticker() -> None:
        while True:
            turns[0] += 1
            await asyncio.sleep(0)

    engine = SlotScheduler(submit, grace=GRACE, clock=clock, chunk=100)
    engine.load(reminder(f"r{i}", chat_id=i) for i in range(1000))
    ticking = asyncio.create_task(ticker())
    async with running(engine):
        await eventually(lambda: len(seen) == 1000)
    ticking.cancel()
    assert len(set(seen)) >= 10  # other tasks ran between the chunks
    assert seen[99] == seen[0] and seen[100] > seen[99]


async def test_stop_mid_fire_releases_the_sends_not_handed_over() -> None:
    clock = FrozenClock(T0)
    first = asyncio.Event()

    async def full_outbox(job: Job) -> None:
        first.set()
        await asyncio.Event().wait()  # never any room

    engine = SlotScheduler(full_outbox, grace=GRACE, clock=clock)
    engine.load([reminder("r1"), reminder("r2", chat_id=2)])
    task = asyncio.create_task(engine.run())
    await asyncio.wait_for(first.wait(), 2)
    assert engine.in_flight() == 2
    engine.stop()
    await asyncio.wait_for(task, 2)
    assert engine.in_flight() == 0
    records = [engine.get("r1"), engine.get("r2")]
    restarted, recorder = make(clock)  # the next start catches both up
    restarted.load(r for r in records if r is not None)
    async with running(restarted):
        await eventually(lambda: len(recorder.jobs) == 2)
    assert recorder.jobs == [
        Job(tg(1), "r1", T0),
        Job(tg(2), "r2", T0),
    ]


# ----- DST through the engine ---------------------------------------------------------------


async def test_fall_back_day_nudges_once_although_apscheduler_would_fire_twice() -> None:
    first = datetime(2027, 11, 7, 5, 30, tzinfo=UTC)  # 01:30 EDT; 01:30 EST is 06:30 UTC
    clock = FrozenClock(first - timedelta(minutes=1))
    engine, recorder = make(clock)
    ny = reminder("ny", hour=1, minute=30, tz="America/New_York", last_fired=None)
    engine.load([ny])
    async with running(engine):
        clock.set(first)
        engine.wake()
        await eventually(lambda: len(recorder.jobs) == 1)
        engine.mark_sent(recorder.jobs[0])
        job = engine.scheduler.get_job("slot:01:30:0123456:America/New_York")
        assert engine.next_due("ny") == datetime(2027, 11, 8, 6, 30, tzinfo=UTC)
        job.modify(next_run_time=datetime.now(UTC))  # force the EST twin through anyway
        clock.set(first + timedelta(hours=1))
        await settle()
    assert recorder.jobs == [Job(tg(1), "ny", first)]


async def test_spring_forward_day_nudges_once_at_0330_edt() -> None:
    shifted = datetime(2027, 3, 14, 7, 30, tzinfo=UTC)
    clock = FrozenClock(shifted - timedelta(hours=2))
    engine, recorder = make(clock)
    engine.load([reminder("ny", hour=2, minute=30, tz="America/New_York", last_fired=None)])
    async with running(engine):
        assert engine.next_due("ny") == shifted
        clock.set(shifted + timedelta(seconds=1))
        engine.wake()
        await eventually(lambda: len(recorder.jobs) == 1)
        engine.mark_sent(recorder.jobs[0])
        assert engine.next_due("ny") == datetime(2027, 3, 15, 6, 30, tzinfo=UTC)
    assert recorder.jobs == [Job(tg(1), "ny", shifted)]


# ----- snoozes ------------------------------------------------------------------------------


async def test_snoozes_replace_cancel_expire_and_survive_a_restart() -> None:
    clock = FrozenClock(T0)
    engine, recorder = make(clock)
    engine.load([reminder("r1", hour=20)], snoozes=[(tg(5), T0 + timedelta(minutes=10))])
    async with running(engine):
        engine.schedule_once(tg(1), T0 + timedelta(minutes=10), "a")
        engine.schedule_once(tg(1), T0 + timedelta(minutes=20), "b")
        engine.schedule_once(tg(2), T0 + timedelta(minutes=10), "c")
        engine.cancel_once(tg(2))
        engine.schedule_once(tg(3), T0 - timedelta(hours=2), "too old")
        await eventually(lambda: engine.skipped_late == 1)
        clock.set(T0 + timedelta(minutes=15))
        engine.wake()
        await eventually(lambda: len(recorder.jobs) == 1)
        assert recorder.jobs == [Job(tg(5), None, T0 + timedelta(minutes=10), "snooze")]
        clock.set(T0 + timedelta(minutes=25))
        engine.wake()
        await eventually(lambda: len(recorder.jobs) == 2)
        await settle()
    assert recorder.jobs[1] == Job(tg(1), None, T0 + timedelta(minutes=20), "snooze")
    assert recorder.jobs[1].payload == "b"
    assert len(recorder.jobs) == 2


# ----- real time ----------------------------------------------------------------------------


async def test_apschedulers_own_timer_fires_a_slot_due_in_a_fraction_of_a_second() -> None:
    real = datetime.now(UTC)
    due = (real + timedelta(minutes=2)).replace(second=0, microsecond=0)
    shift = due - real - timedelta(seconds=0.2)
    arrived = asyncio.Event()
    jobs: list[Job] = []

    async def submit(job: Job) -> None:
        jobs.append(job)
        arrived.set()

    engine = SlotScheduler(submit, clock=lambda: datetime.now(UTC) + shift)
    engine.load([reminder("r1", hour=due.hour, minute=due.minute, last_fired=None)])
    async with running(engine):
        assert jobs == []
        await asyncio.wait_for(arrived.wait(), 3)
    assert jobs == [Job(tg(1), "r1", due)]
