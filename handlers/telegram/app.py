"""The Telegram front end: an Application built on an open core, run in our own event loop.

``TelegramFrontEnd`` is the core's :class:`bot.core.FrontEnd` for Telegram: ``connected()``
initializes the Application (``getMe`` proves the token), sets the command menus and yields the
nudge sender; ``serving()`` takes updates until its block exits, by long polling or, with
TELEGRAM_WEBHOOK_URL set, on the webhook server of ``handlers/telegram/webhook.py`` (which also
answers ``GET /healthz``). PTB's ``run_polling`` and ``run_webhook`` are not used: the entry
point (``bot/__main__.py``) owns the loop and the signals.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from telegram import (
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError
from telegram.ext import Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from bot.core import Core, FrontEndError
from bot.health import health
from bot.logs import chat_type, event_fields, update_kind
from bot.reminders import NudgeSender
from bot.settings import TelegramSettings
from handlers.telegram import register_all
from handlers.telegram.coach_bot import CoachBot
from handlers.telegram.context import COACH_CONTEXT_TYPES, install_services
from handlers.telegram.delivery import nudge_sender
from handlers.telegram.menus import set_menus
from handlers.telegram.rate_limits import GroupWindowRateLimiter
from handlers.telegram.update_processor import ChatOrderedUpdateProcessor
from handlers.telegram.webhook import WebhookConfig, WebhookServer

log = logging.getLogger(__name__)

PLATFORM = "telegram"
TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
# PTB 22 reads this when it builds a RetryAfter (and warns unless it is on): with it on,
# RetryAfter.retry_after is a timedelta, as it will be in PTB's next major version.
PTB_TIMEDELTA = "PTB_TIMEDELTA"
# Each 429 is retried here only, after Telegram's retry_after: 1 attempt + this many.
RATE_LIMIT_RETRIES = 3
POLL_TIMEOUT_SECONDS = 10  # a long poll's wait for updates
ALLOWED_UPDATES = Update.ALL_TYPES  # asked for by polling and by the webhook alike


class CoachApplication(Application):
    """An Application that answers every button press once and logs one line per update."""

    async def process_update(self, update: object) -> None:
        """Handle ``update``; answer its callback query if no handler did; log its latency."""
        started = time.perf_counter()
        try:
            await super().process_update(update)
            query = update.callback_query if isinstance(update, Update) else None
            if query is not None and isinstance(self.bot, CoachBot):
                await self.bot.finish_query(query)
        finally:
            kind, chat = update_kind(update), chat_type(update)
            latency_ms = (time.perf_counter() - started) * 1000
            log.info(
                "handled %s in %s chat in %.1f ms",
                kind,
                chat,
                latency_ms,
                extra=event_fields(
                    platform=PLATFORM, update_kind=kind, chat_type=chat, latency_ms=latency_ms
                ),
            )


def build_application(
    core: Core,
    settings: TelegramSettings | None = None,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    rate_limiter: bool = True,
    concurrent: bool = True,
) -> Application:
    """Wire the open ``core`` and the handlers into an Application (not yet initialized).

    ``settings`` defaults to the core's Telegram group. With ``concurrent`` (the default)
    chats are served side by side, each chat's updates in order; without it, one update at a
    time (the library's default, kept for comparison).
    """
    settings = settings or core.settings.telegram
    if settings is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not configured")
    os.environ[PTB_TIMEDELTA] = "true"  # before the first TelegramError is built
    metrics = core.metrics.front_end(PLATFORM)
    limiter = None
    if rate_limiter:
        # One send every 1/29.5 s: PTB's default (30 per second) lets bursts of 30 through,
        # which Telegram's sliding window answers with 429 and a pause for every sender.
        # The limiter is the only place a 429 is retried (nudges and replies alike).
        limiter = GroupWindowRateLimiter(
            overall_max_rate=1,
            overall_time_period=1 / 29.5,
            max_retries=RATE_LIMIT_RETRIES,
            metrics=metrics,
        )
    bot = CoachBot(
        settings.token.get_secret_value(),
        base_url=settings.api_base_url or TELEGRAM_BASE_URL,
        defaults=Defaults(
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
        request=request or HTTPXRequest(connection_pool_size=256),
        get_updates_request=updates_request or HTTPXRequest(connection_pool_size=1),
        rate_limiter=limiter,
    )
    builder = (
        ApplicationBuilder()
        .application_class(CoachApplication)
        .bot(bot)
        .context_types(COACH_CONTEXT_TYPES)
    )
    if concurrent:
        builder = builder.concurrent_updates(ChatOrderedUpdateProcessor(metrics=metrics))
    app = builder.build()
    install_services(app, core)
    register_all(app, core.guide)
    return app


class TelegramFrontEnd:
    """The Telegram front end on an open core (see :class:`bot.core.FrontEnd`).

    ``poll_timeout`` is the long poll's wait in seconds; the other options go to
    :func:`build_application`. Raise FrontEndError (exit status 2) when the webhook settings
    cannot be served (see :meth:`WebhookConfig.from_settings`).
    """

    platform = PLATFORM

    def __init__(
        self,
        core: Core,
        settings: TelegramSettings | None = None,
        *,
        request: BaseRequest | None = None,
        updates_request: BaseRequest | None = None,
        rate_limiter: bool = True,
        concurrent: bool = True,
        poll_timeout: int = POLL_TIMEOUT_SECONDS,
    ) -> None:
        self._core = core
        self._poll_timeout = poll_timeout
        settings = settings or core.settings.telegram
        self._webhook: WebhookConfig | None = None
        if settings is not None and settings.uses_webhook:
            try:
                self._webhook = WebhookConfig.from_settings(settings)
            except ValueError as exc:
                raise FrontEndError(str(exc), 2) from None
        self.app = build_application(
            core,
            settings,
            request=request,
            updates_request=updates_request,
            rate_limiter=rate_limiter,
            concurrent=concurrent,
        )

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[NudgeSender]:
        """Initialize (getMe proves the token), set the menus, yield the nudge sender.

        Raise FrontEndError (exit status 2) when Telegram rejects the token, (1) when the Bot
        API cannot be reached. On exit, shut the Application down (its HTTP clients close).
        """
        app = self.app
        try:
            await app.initialize()
        except BaseException as exc:
            await app.bot.shutdown()  # a failed initialize leaves the HTTP clients open
            if isinstance(exc, InvalidToken):
                raise FrontEndError(
                    "Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather.", 2
                ) from None
            if isinstance(exc, NetworkError):
                raise FrontEndError(
                    f"cannot reach the Bot API ({exc.message}); check the network or "
                    "TELEGRAM_API_BASE_URL.",
                    1,
                ) from None
            raise
        try:
            await _set_menus(app, self._core)
            log.info("connected to Telegram as @%s", app.bot.username)
            yield nudge_sender(app.bot, self._core.guide)
        finally:
            await app.shutdown()

    def serving(self) -> AbstractAsyncContextManager[None]:
        """Take updates until the block exits, by webhook if configured, else by polling;
        then stop taking them and finish the updates already received."""
        if self._webhook is not None:
            return self._serving_webhook(self._webhook)
        return self._polling()

    @asynccontextmanager
    async def _polling(self) -> AsyncIterator[None]:
        """Poll and handle updates until the block exits; then stop polling and finish the
        updates already fetched. Polling first deletes any webhook (pending updates kept)."""
        app = self.app
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0,
            timeout=self._poll_timeout,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
        try:
            await app.start()
            yield
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()

    @asynccontextmanager
    async def _serving_webhook(self, config: WebhookConfig) -> AsyncIterator[None]:
        """Listen, call setWebhook (pending updates kept), handle POSTed updates until the
        block exits; then stop listening and finish the updates received. The webhook stays
        set, so Telegram keeps updates for the next start.

        Raise FrontEndError (1) when the socket cannot be bound or the Bot API cannot be
        reached, (2) when Telegram refuses the webhook.
        """
        app = self.app
        core = self._core
        server = WebhookServer(config, app.bot, app.update_queue, lambda: health(core))
        await app.start()
        try:
            try:
                await server.start()
            except OSError as exc:
                raise FrontEndError(
                    f"cannot listen on WEBHOOK_LISTEN:WEBHOOK_PORT ({config.listen}:"
                    f"{config.port}): {exc.strerror or exc}",
                    1,
                ) from None
            try:
                await _set_webhook(app, config)
                log.info(
                    "taking updates by webhook on %s:%d%s", config.listen, config.port, config.path
                )
                yield
            finally:
                await server.stop()
        finally:
            if app.running:
                await app.stop()


@asynccontextmanager
async def running(
    app: Application,
    *,
    poll_timeout: int = POLL_TIMEOUT_SECONDS,
) -> AsyncIterator[Application]:
    """Run any ``app`` (tests' small bots) in an existing loop, in ``run_polling``'s order."""
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=poll_timeout)
        await app.start()
        yield app
    finally:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if app.post_stop is not None:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


async def _set_webhook(app: Application, config: WebhookConfig) -> None:
    """Ask Telegram to POST updates to ``config.url`` with the secret header; FrontEndError
    when it refuses (2) or cannot be reached (1)."""
    try:
        await app.bot.set_webhook(
            url=config.url,
            secret_token=config.secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
    except BadRequest as exc:
        raise FrontEndError(f"Telegram refused TELEGRAM_WEBHOOK_URL: {exc.message}", 2) from None
    except NetworkError as exc:
        raise FrontEndError(
            f"cannot reach the Bot API to set the webhook ({exc.message}).", 1
        ) from None


async def _set_menus(app: Application, core: Core) -> None:
    """Set the command menus and descriptions in every language; a refusal is logged."""
    await set_menus(app.bot, core.guide)
