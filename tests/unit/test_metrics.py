"""bot.metrics and its hooks: the collector reads the core's own counts when scraped, the front
ends' hooks count updates, 429s and retries, and the endpoint serves, refreshes and stops."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from telegram import Update
from telegram.error import RetryAfter

from bot.backups import Backups
from bot.metrics import Metrics, MetricsError
from bot.outbox import Job
from bot.reminders import ReminderService
from handlers.discord.delivery import rest_trace
from handlers.telegram import update_processor
from handlers.telegram.rate_limits import GroupWindowRateLimiter
from handlers.telegram.update_processor import ChatOrderedUpdateProcessor
from storage.async_repository import AsyncRepository
from storage.records import ChatKey, ChatProfile, Reminder

TAKEN_AT = datetime(2026, 12, 1, 3, 15, tzinfo=UTC)
SECRET_TEXT = "my exam is on friday"


@dataclass
class Parts:
    """An unstarted core's pieces under one Metrics."""

    metrics: Metrics
    repository: AsyncRepository
    reminders: ReminderService
    backups: Backups

    def value(self, name: str, **labels: str) -> float | None:
        return self.metrics.registry.get_sample_value(name, labels)


@pytest_asyncio.fixture
async def parts(tmp_path: Path) -> AsyncIterator[Parts]:
    repository = await AsyncRepository.open(tmp_path / "data", 8)
    try:
        reminders = ReminderService(repository, {}, [])
        backups = Backups(repository, tmp_path / "backups", 0, 2, clock=lambda: TAKEN_AT)
        yield Parts(Metrics(reminders, repository, backups), repository, reminders, backups)
    finally:
        await repository.close()


# ----- the collector: read at scrape time ------------------------------------------------------


def test_nudge_outcomes_are_the_outbox_s_and_engine_s_own_counts_read_when_scraped(
    parts: Parts,
) -> None:
    stats, engine = parts.reminders.outbox.stats, parts.reminders.dispatcher
    assert parts.value("medcoder_nudges_total", outcome="sent") == 0
    stats.sent, stats.failed, stats.unreachable = 5, 2, 1
    engine.skipped_late, engine.skipped_paused, engine.dropped = 4, 3, 6
    found = {
        outcome: parts.value("medcoder_nudges_total", outcome=outcome)
        for outcome in ("sent", "failed", "unreachable", "skipped_late", "skipped_paused")
    }
    assert found == {
        "sent": 5,
        "failed": 2,
        "unreachable": 1,
        "skipped_late": 4,
        "skipped_paused": 3,
    }
    assert parts.value("medcoder_nudges_total", outcome="dropped") == 6


async def test_outbox_queue_depth_counts_the_jobs_waiting(parts: Parts) -> None:
    outbox = parts.reminders.outbox  # not started: submitted jobs wait
    for chat_id in (1, 2, 2):
        await outbox.submit(Job(ChatKey("telegram", chat_id), "r", TAKEN_AT))
    assert parts.value("medcoder_outbox_queue_depth") == 3
    await outbox.stop(drain=False)


async def test_stored_counts_are_absent_until_read_then_served_as_last_read(
    parts: Parts,
) -> None:
    await parts.repository.put_profile(ChatProfile(1))
    await parts.repository.put_profile(ChatProfile(2))
    for number, active in ((1, True), (2, False)):
        reminder = Reminder(f"r{number}", 1, 8 + number, 0, frozenset({0}), "UTC", active=active)
        await parts.repository.add_reminder(reminder)
    assert parts.value("medcoder_subscribers") is None
    await parts.metrics.refresh_counts()
    await parts.repository.put_profile(ChatProfile(3))  # not read yet: not shown yet
    served = [
        parts.value(f"medcoder_{name}")
        for name in ("subscribers", "reminders", "active_reminders")
    ]
    assert served == [2, 2, 1]


async def test_a_storage_failure_keeps_the_last_counts_and_is_logged(
    parts: Parts, caplog: pytest.LogCaptureFixture
) -> None:
    await parts.repository.put_profile(ChatProfile(1))
    await parts.metrics.refresh_counts()
    await parts.repository.close()
    with caplog.at_level(logging.WARNING, logger="bot.metrics"):
        await parts.metrics.refresh_counts()
    assert parts.value("medcoder_subscribers") == 1
    assert "cannot count the stored records" in caplog.text


def test_broadcast_progress_shows_the_last_counts_reported(parts: Parts) -> None:
    assert parts.value("medcoder_broadcast_recipients", state="left") == 0
    parts.metrics.broadcast_progress(sent=40, left=55, failed=5)
    found = [
        parts.value("medcoder_broadcast_recipients", state=state)
        for state in ("sent", "left", "failed")
    ]
    assert found == [40, 55, 5]
    with pytest.raises(ValueError, match="negative"):
        parts.metrics.broadcast_progress(sent=1, left=-1, failed=0)


async def test_last_backup_time_is_absent_before_a_snapshot_then_its_unix_time(
    parts: Parts,
) -> None:
    assert parts.value("medcoder_last_backup_timestamp_seconds") is None
    await parts.backups.snapshot()
    assert parts.value("medcoder_last_backup_timestamp_seconds") == TAKEN_AT.timestamp()


# ----- the front ends' hooks -------------------------------------------------------------------


def test_updates_are_counted_by_front_end_and_kind_with_their_latency(parts: Parts) -> None:
    telegram = parts.metrics.front_end("telegram")
    discord = parts.metrics.front_end("discord")
    telegram.update_handled("message", 0.02)
    telegram.update_handled("message", 0.3)
    telegram.update_handled("callback_query", 0.004)
    discord.update_handled("command", 1.5)
    value = parts.value
    assert value("medcoder_updates_handled_total", platform="telegram", kind="message") == 2
    assert value("medcoder_updates_handled_total", platform="telegram", kind="callback_query") == 1
    assert value("medcoder_updates_handled_total", platform="discord", kind="command") == 1
    assert value("medcoder_reply_latency_seconds_count", platform="telegram") == 3
    assert value("medcoder_reply_latency_seconds_sum", platform="telegram") == pytest.approx(0.324)
    assert value("medcoder_reply_latency_seconds_bucket", platform="telegram", le="0.025") == 2
    assert value("medcoder_reply_latency_seconds_count", platform="discord") == 1


def test_a_front_end_s_429s_and_retries_show_zero_from_the_start(parts: Parts) -> None:
    hooks = parts.metrics.front_end("discord")
    assert parts.metrics.front_end("discord") is hooks
    assert parts.value("medcoder_rate_limited_total", platform="discord") == 0
    hooks.rate_limited_once()
    hooks.retried_once()
    hooks.retried_once()
    assert parts.value("medcoder_rate_limited_total", platform="discord") == 1
    assert parts.value("medcoder_send_retries_total", platform="discord") == 2


async def test_two_cores_in_one_process_count_apart(parts: Parts) -> None:
    other = Metrics(parts.reminders, parts.repository, parts.backups)
    parts.metrics.front_end("telegram").update_handled("message", 0.01)
    other.front_end("telegram").rate_limited_once()
    assert parts.value("medcoder_rate_limited_total", platform="telegram") == 0
    assert (
        other.registry.get_sample_value(
            "medcoder_reply_latency_seconds_count", {"platform": "telegram"}
        )
        == 0
    )


def test_every_metric_is_prefixed_and_explained(parts: Parts) -> None:
    parts.metrics.front_end("telegram")
    families = list(parts.metrics.registry.collect())
    assert len(families) == 11
    for family in families:
        assert family.name.startswith("medcoder_"), family.name
        assert len(family.documentation) > 10, family.name


def test_the_text_format_unless_openmetrics_is_asked_for(parts: Parts) -> None:
    text, text_type = parts.metrics.render(None)
    open_body, open_type = parts.metrics.render("application/openmetrics-text; version=1.0.0")
    assert text_type.startswith("text/plain") and b"# TYPE medcoder_nudges_total counter" in text
    assert open_type.startswith("application/openmetrics-text")
    assert open_body.endswith(b"# EOF\n")


# ----- the endpoint ----------------------------------------------------------------------------


async def scrape(port: int) -> str:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return await response.text()


async def test_serving_answers_get_metrics_then_stops_listening(parts: Parts) -> None:
    parts.reminders.outbox.stats.sent = 7
    async with parts.metrics.serving(0, "127.0.0.1") as port:
        body = await scrape(port)
    assert 'medcoder_nudges_total{outcome="sent"} 7.0' in body
    with pytest.raises(aiohttp.ClientConnectionError):
        await scrape(port)


async def test_serving_reads_the_stored_counts_at_once_then_every_period(
    parts: Parts, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[int] = []
    third_read = asyncio.Event()
    count = parts.repository.counts

    async def counted() -> Any:
        found = await count()
        reads.append(found.profiles)
        if len(reads) == 3:
            third_read.set()
        return found

    monkeypatch.setattr(parts.repository, "counts", counted)
    async with parts.metrics.serving(0, "127.0.0.1", counts_every=0.01) as port:
        first = await scrape(port)  # read before serving began
        await parts.repository.put_profile(ChatProfile(9))
        await asyncio.wait_for(third_read.wait(), 5)
        later = await scrape(port)
    assert reads[0] == 0 and reads[-1] == 1
    assert "medcoder_subscribers 0.0" in first and "medcoder_subscribers 1.0" in later


async def test_a_port_already_taken_is_a_metrics_error(parts: Parts) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(MetricsError, match=f"127.0.0.1:{port}"):
            async with parts.metrics.serving(port, "127.0.0.1"):
                pass


# ----- Telegram: the update processor and the rate limiter --------------------------------------


def private_message(chat_id: int, update_id: int = 1) -> Update:
    chat = {"id": chat_id, "type": "private"}
    sender = {"id": chat_id, "is_bot": False, "first_name": "Ann"}
    message = {"message_id": 1, "date": 0, "chat": chat, "from": sender, "text": SECRET_TEXT}
    return Update.de_json({"update_id": update_id, "message": message}, None)


class SteppedTime:
    """A ``time`` module whose perf_counter stands still until a handler moves it."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


async def test_the_processor_counts_and_logs_each_update_once_with_its_latency(
    parts: Parts, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SteppedTime()
    monkeypatch.setattr(update_processor, "time", clock)
    processor = ChatOrderedUpdateProcessor(metrics=parts.metrics.front_end("telegram"))

    async def handle() -> None:
        await asyncio.sleep(0)
        clock.now += 0.25  # each handling takes a quarter of a second

    with caplog.at_level(logging.DEBUG, logger=update_processor.__name__):
        await asyncio.gather(  # both arrive at 0; the chat's second waits for its first
            processor.do_process_update(private_message(5), handle()),
            processor.do_process_update(private_message(5, 2), handle()),
        )
    labels = {"platform": "telegram", "kind": "message"}
    assert parts.value("medcoder_updates_handled_total", **labels) == 2
    assert parts.value("medcoder_reply_latency_seconds_count", platform="telegram") == 2
    assert parts.value("medcoder_reply_latency_seconds_sum", platform="telegram") == 0.75
    records = [r for r in caplog.records if r.name == update_processor.__name__]
    assert [r.levelno for r in records] == [logging.DEBUG, logging.DEBUG]
    assert [r.__dict__["latency_ms"] for r in records] == [250.0, 500.0]
    for record in records:
        fields = (record.__dict__["platform"], record.__dict__["update_kind"])
        assert fields == ("telegram", "message") and record.__dict__["chat_type"] == "private"
        assert SECRET_TEXT not in record.getMessage()


async def test_an_update_cancelled_before_its_turn_is_not_counted(parts: Parts) -> None:
    processor = ChatOrderedUpdateProcessor(metrics=parts.metrics.front_end("telegram"))
    release = asyncio.Event()

    async def handle() -> None:
        await release.wait()

    running = asyncio.create_task(processor.do_process_update(private_message(5), handle()))
    waiting = asyncio.create_task(processor.do_process_update(private_message(5, 2), handle()))
    await asyncio.sleep(0)
    waiting.cancel()
    release.set()
    await running
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert parts.value("medcoder_updates_handled_total", platform="telegram", kind="message") == 1


@pytest.fixture
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as the front end sets it


def answers(*outcomes: Exception | None) -> Callable[..., Coroutine[Any, Any, Any]]:
    """A request answering with each outcome in turn: an error to raise, or None (200)."""
    pending = list(outcomes)

    async def request() -> Any:
        outcome = pending.pop(0)
        if outcome is not None:
            raise outcome
        return {"ok": True}

    return request


@pytest.mark.usefixtures("timedelta_retry_after")
async def test_the_rate_limiter_counts_each_429_and_each_retry(parts: Parts) -> None:
    limiter = GroupWindowRateLimiter(
        overall_max_rate=100,
        overall_time_period=1,
        max_retries=2,
        metrics=parts.metrics.front_end("telegram"),
    )
    too_many = RetryAfter(timedelta(0))
    await limiter.initialize()
    answered = await limiter.process_request(
        answers(too_many, too_many, None), (), {}, "sendMessage", {"chat_id": 5}, None
    )
    with pytest.raises(RetryAfter):
        await limiter.process_request(
            answers(too_many, too_many, too_many), (), {}, "sendMessage", {"chat_id": 5}, None
        )
    await limiter.process_request(answers(None), (), {}, "sendMessage", {"chat_id": 5}, None)
    await limiter.shutdown()
    assert answered == {"ok": True}
    assert parts.value("medcoder_rate_limited_total", platform="telegram") == 5
    assert parts.value("medcoder_send_retries_total", platform="telegram") == 4


# ----- Discord: the REST trace ----------------------------------------------------------------


async def test_the_discord_trace_counts_429s_and_the_answers_discord_py_retries(
    parts: Parts,
) -> None:
    statuses = [(429, {"Via": "1.1 google"}), (429, {}), (502, {}), (503, {}), (200, {})]

    async def answer(request: web.Request) -> web.Response:
        status, headers = statuses[int(request.match_info["n"])]
        return web.Response(status=status, headers=headers)

    app = web.Application()
    app.router.add_get("/{n}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    trace = rest_trace(parts.metrics.front_end("discord"))
    try:
        async with aiohttp.ClientSession(trace_configs=[trace]) as session:
            for n in range(len(statuses)):
                async with session.get(f"http://127.0.0.1:{port}/{n}") as response:
                    assert response.status == statuses[n][0]
    finally:
        await runner.cleanup()
    assert parts.value("medcoder_rate_limited_total", platform="discord") == 2
    assert parts.value("medcoder_send_retries_total", platform="discord") == 2  # 429 + Via, 502
