"""Prometheus metrics of one core: ``core.metrics``, served on ``GET /metrics`` with METRICS_PORT.

Every name starts with ``medcoder_``; the registry is the core's own (not prometheus_client's
global one), so two cores in one process never clash::

    medcoder_updates_handled_total{platform,kind}  counter    updates a front end handled
    medcoder_reply_latency_seconds{platform}       histogram  from receiving an update to
                                                              having answered it
    medcoder_rate_limited_total{platform}          counter    429 answers from the platform
    medcoder_send_retries_total{platform}          counter    requests sent again after one
    medcoder_nudges_total{outcome}                 counter    sent, failed, unreachable,
                                                              skipped_late, skipped_paused,
                                                              dropped
    medcoder_outbox_queue_depth                    gauge      nudges queued or being sent
    medcoder_subscribers                           gauge      chats with a profile
    medcoder_reminders, medcoder_active_reminders  gauge      stored; active = will fire
    medcoder_broadcast_recipients{state}           gauge      sent, left, failed
    medcoder_last_backup_timestamp_seconds         gauge      Unix time of this process's
                                                              latest snapshot

The front ends report updates, 429s and retries through :meth:`Metrics.front_end`; the
broadcast reports through :meth:`Metrics.broadcast_progress`. Nudge outcomes, the queue and
the last backup are read from the reminder engine, the outbox and the backups when scraped
(they keep their own counts); the stored counts need storage, so they are read every
``COUNTS_EVERY`` seconds while serving and the last values are served.

The endpoint is an aiohttp server on the event loop, not prometheus_client's threaded one:
the engine and the outbox change their counts on the loop's thread only, so a scrape there
reads them between two changes without a lock, and the server starts, fails to bind and stops
inside the bot's own start-up and shutdown sequence (no thread left behind at SIGTERM).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from bot.backups import Backups
from bot.reminders import ReminderService
from storage.async_repository import AsyncRepository
from storage.errors import StorageError
from storage.repository import StorageCounts

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

PATH = "/metrics"
COUNTS_EVERY = 30.0  # seconds between two reads of the stored counts while serving
SHUTDOWN_TIMEOUT = 2.0  # seconds a scrape in progress may take to finish at stop
STORED_GAUGES = (  # read from storage every COUNTS_EVERY seconds; absent before the first read
    ("medcoder_subscribers", "Chats with a profile (stored)."),
    ("medcoder_reminders", "Reminders stored."),
    ("medcoder_active_reminders", "Reminders stored that will fire (active, not paused)."),
)


class MetricsError(Exception):
    """The metrics endpoint could not listen (the port is taken or not allowed)."""


class FrontEndMetrics:
    """What one front end reports: updates handled, 429s and retries (its platform fixed)."""

    __slots__ = ("_latency", "_rate_limited", "_retries", "_updates", "platform")

    def __init__(self, metrics: Metrics, platform: str) -> None:
        self.platform = platform
        self._updates = metrics.updates
        self._latency = metrics.latency.labels(platform)
        self._rate_limited = metrics.rate_limited.labels(platform)
        self._retries = metrics.retries.labels(platform)

    def update_handled(self, kind: str, seconds: float) -> None:
        """Count one update of ``kind`` (a bounded set per platform: "message",
        "callback_query", "command"...) answered ``seconds`` after it was received."""
        self._updates.labels(self.platform, kind).inc()
        self._latency.observe(seconds)

    def rate_limited_once(self) -> None:
        """Count one 429 answer from the platform."""
        self._rate_limited.inc()

    def retried_once(self) -> None:
        """Count one request sent again (after a 429, or a 5xx the client retries)."""
        self._retries.inc()


class Metrics:
    """The core's metrics: hooks for the front ends, a collector of the core's own counts and
    the endpoint (:meth:`serving`). Building one listens on nothing."""

    def __init__(
        self, reminders: ReminderService, repository: AsyncRepository, backups: Backups
    ) -> None:
        self._reminders = reminders
        self._repository = repository
        self._backups = backups
        self._counts: StorageCounts | None = None
        self._broadcast = (0, 0, 0)
        self._front_ends: dict[str, FrontEndMetrics] = {}
        self.registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter(
            "medcoder_updates_handled",
            "Updates handled, by front end and kind (Telegram: the update's kind; Discord: "
            "command, button or message).",
            ["platform", "kind"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "medcoder_reply_latency_seconds",
            "Seconds from receiving an update to having answered it, by front end.",
            ["platform"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "medcoder_rate_limited",
            "429 (too many requests) answers from the platform, by front end.",
            ["platform"],
            registry=self.registry,
        )
        self.retries = Counter(
            "medcoder_send_retries",
            "Requests sent again: after a 429 (Telegram, Discord) or a 500/502/504/524 "
            "(Discord), by front end.",
            ["platform"],
            registry=self.registry,
        )
        self.registry.register(self)

    def front_end(self, platform: str) -> FrontEndMetrics:
        """The hooks of the front end of ``platform`` ("telegram", "discord"); its counters
        show 0 from now on."""
        found = self._front_ends.get(platform)
        if found is None:
            found = self._front_ends[platform] = FrontEndMetrics(self, platform)
        return found

    def broadcast_progress(self, sent: int, left: int, failed: int) -> None:
        """Show the current (or last) broadcast's recipients: ``sent``, ``left`` to send and
        ``failed``. Raises ValueError on a negative count."""
        if min(sent, left, failed) < 0:
            raise ValueError(f"negative broadcast count: {sent}, {left}, {failed}")
        self._broadcast = (sent, left, failed)

    async def refresh_counts(self) -> None:
        """Read the stored counts (profiles, reminders, active reminders) for the gauges;
        when storage fails, log it and keep the last values."""
        try:
            self._counts = await self._repository.counts()
        except StorageError as exc:
            log.warning("metrics: cannot count the stored records: %s", exc)

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """The exposition for an ``Accept`` header: (body, content type); the Prometheus text
        format unless OpenMetrics is asked for."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type

    def collect(self) -> Iterator[Metric]:
        """The families the core counts itself, read now (the registry calls this at each
        scrape): nudges, the outbox, the stored counts, the broadcast, the last backup."""
        outbox = self._reminders.outbox
        engine = self._reminders.dispatcher
        nudges = CounterMetricFamily(
            "medcoder_nudges",
            "Nudges by outcome: sent, failed (given up after an error), unreachable (the chat "
            "blocked the bot), skipped_late (older than the grace), skipped_paused, dropped "
            "(a rate limit outlasted its retries).",
            labels=["outcome"],
        )
        for outcome, value in (
            ("sent", outbox.stats.sent),
            ("failed", outbox.stats.failed),
            ("unreachable", outbox.stats.unreachable),
            ("skipped_late", engine.skipped_late),
            ("skipped_paused", engine.skipped_paused),
            ("dropped", engine.dropped),
        ):
            nudges.add_metric([outcome], value)
        yield nudges
        yield GaugeMetricFamily(
            "medcoder_outbox_queue_depth",
            "Nudges in the outbox: queued or being sent.",
            value=outbox.pending,
        )
        counts = self._counts
        stored: tuple[int | None, ...] = (
            (None, None, None)
            if counts is None
            else (counts.profiles, counts.reminders, counts.active_reminders)
        )
        for (name, help_text), count in zip(STORED_GAUGES, stored, strict=True):
            yield GaugeMetricFamily(name, help_text, value=count)
        broadcast = GaugeMetricFamily(
            "medcoder_broadcast_recipients",
            "The current or last broadcast's recipients: sent, left to send, failed.",
            labels=["state"],
        )
        for state, count in zip(("sent", "left", "failed"), self._broadcast, strict=True):
            broadcast.add_metric([state], count)
        yield broadcast
        last = self._backups.last
        yield GaugeMetricFamily(
            "medcoder_last_backup_timestamp_seconds",
            "Unix time of the latest backup snapshot this process took (absent before one).",
            value=None if last is None else last.taken_at.timestamp(),
        )

    @asynccontextmanager
    async def serving(
        self, port: int, host: str = "0.0.0.0", *, counts_every: float = COUNTS_EVERY
    ) -> AsyncIterator[int]:
        """Answer ``GET /metrics`` on ``host``:``port`` until the block exits; yield the port
        listened on (``port`` 0: a free one). The stored counts are read at once, then every
        ``counts_every`` seconds. Raises MetricsError when the socket cannot be bound."""
        from aiohttp import web

        app = web.Application()
        app.router.add_get(PATH, self._answer)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        try:
            try:
                await web.TCPSite(runner, host, port).start()
            except OSError as exc:
                raise MetricsError(
                    f"cannot serve metrics on {host}:{port}: {exc.strerror or exc}"
                ) from None
            bound = int(runner.addresses[0][1])
            await self.refresh_counts()
            refresher = asyncio.create_task(self._refresh(counts_every), name="metrics-counts")
            log.info("serving metrics on http://%s:%d%s", host, bound, PATH)
            try:
                yield bound
            finally:
                refresher.cancel()
                with suppress(asyncio.CancelledError):
                    await refresher
        finally:
            await runner.cleanup()

    async def _refresh(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            await self.refresh_counts()

    async def _answer(self, request: web.Request) -> web.Response:
        from aiohttp import web

        body, content_type = self.render(request.headers.get("Accept"))
        return web.Response(body=body, headers={"Content-Type": content_type})
