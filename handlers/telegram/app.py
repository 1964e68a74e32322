"""The composition root: build the telegram Application with its services and handlers."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from telegram import (
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from bot.answers import QuestionIndex
from bot.guide import Guide, load_guide
from bot.logs import chat_type, update_kind
from bot.reminders import ReminderService
from bot.services import Services
from bot.settings import Settings
from bot.slot_scheduler import utc_now
from handlers.telegram import register_all
from handlers.telegram.coach_bot import CoachBot
from handlers.telegram.common import SERVICES_KEY
from handlers.telegram.context import COACH_CONTEXT_TYPES, install_services
from handlers.telegram.delivery import nudge_sender
from handlers.telegram.menus import DESCRIPTION, SHORT_DESCRIPTION, bot_commands
from handlers.telegram.rate_limits import GroupWindowRateLimiter
from handlers.telegram.update_processor import ChatOrderedUpdateProcessor
from storage.async_repository import AsyncRepository

log = logging.getLogger(__name__)

TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
# PTB 22 reads this when it builds a RetryAfter (and warns unless it is on): with it on,
# RetryAfter.retry_after is a timedelta, as it will be in PTB's next major version.
PTB_TIMEDELTA = "PTB_TIMEDELTA"
# Each 429 is retried here only, after Telegram's retry_after: 1 attempt + this many.
RATE_LIMIT_RETRIES = 3


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
            log.info(
                "handled %s in %s chat in %.1f ms",
                update_kind(update),
                chat_type(update),
                (time.perf_counter() - started) * 1000,
            )


def build_application(
    settings: Settings,
    *,
    guide: Guide | None = None,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    rate_limiter: bool = True,
    clock: Callable[[], datetime] = utc_now,
    concurrent: bool = True,
) -> Application:
    """Wire settings, services and handlers into a ready-to-run Application.

    ``clock`` (aware UTC) drives the reminder schedule; tests pass one that they can move.
    With ``concurrent`` (the default) chats are served side by side, each chat's updates in
    order; without it, one update at a time (the library's default, kept for comparison).
    """
    os.environ[PTB_TIMEDELTA] = "true"  # before the first TelegramError is built
    guide = guide or load_guide()
    limiter = None
    if rate_limiter:
        # One send every 1/29.5 s: PTB's default (30 per second) lets bursts of 30 through,
        # which Telegram's sliding window answers with 429 and a pause for every sender.
        # The limiter is the only place a 429 is retried (nudges and replies alike).
        limiter = GroupWindowRateLimiter(
            overall_max_rate=1, overall_time_period=1 / 29.5, max_retries=RATE_LIMIT_RETRIES
        )
    bot = CoachBot(
        settings.token.reveal(),
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
        .post_init(_on_startup)
        .post_stop(_on_stop)
        .post_shutdown(_on_shutdown)
    )
    if concurrent:
        builder = builder.concurrent_updates(ChatOrderedUpdateProcessor())
    app = builder.build()
    install_services(app, Services(settings, guide, QuestionIndex(guide), clock=clock))
    register_all(app, guide)
    return app


@asynccontextmanager
async def running(
    app: Application,
    *,
    poll_timeout: int = 10,
) -> AsyncIterator[Application]:
    """Run ``app`` inside an existing event loop, in the order ``run_polling`` uses."""
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


async def _on_startup(app: Application) -> None:
    found: Services = app.bot_data[SERVICES_KEY]
    calls: list[tuple[str, Any]] = [
        (
            "private commands",
            app.bot.set_my_commands(
                bot_commands(found.guide, group=False), scope=BotCommandScopeAllPrivateChats()
            ),
        ),
        (
            "group commands",
            app.bot.set_my_commands(
                bot_commands(found.guide, group=True), scope=BotCommandScopeAllGroupChats()
            ),
        ),
        ("description", app.bot.set_my_description(DESCRIPTION)),
        ("short description", app.bot.set_my_short_description(SHORT_DESCRIPTION)),
    ]
    for what, call in calls:
        try:
            await call
        except TelegramError as exc:
            log.warning("could not set the bot's %s: %s", what, exc)
    repository = await AsyncRepository.open(found.settings.data_dir)
    service = ReminderService(
        repository,
        dict(found.guide.actions_by_step()),
        found.guide.group_prompts,
        grace=timedelta(minutes=found.settings.reminder_grace_minutes),
        clock=found.clock,
    )
    await service.start(nudge_sender(app.bot, found.guide))
    found.reminders = service
    found.repository = repository
    log.info("started as @%s", app.bot.username)


async def _on_stop(app: Application) -> None:
    """Stop firing nudges while the bot can still finish the sends in flight."""
    found: Services = app.bot_data[SERVICES_KEY]
    if found.reminders is not None:
        await found.reminders.stop()
        found.reminders = None


async def _on_shutdown(app: Application) -> None:
    found: Services = app.bot_data[SERVICES_KEY]
    await _on_stop(app)  # post_stop does not run when start-up failed half-way
    if found.repository is not None:
        await found.repository.close()
        found.repository = None
    log.info("stopped")


def run_polling(settings: Settings) -> int:
    """Run the bot with long polling until SIGINT or SIGTERM; return the exit status.

    2 when Telegram rejects the token, 1 when the Bot API cannot be reached, else 0.
    """
    app = build_application(settings)
    try:
        # run_polling handles SIGINT/SIGTERM: it stops polling, finishes shutdown and returns.
        app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    except InvalidToken:
        print(
            "error: Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather.",
            file=sys.stderr,
        )
        return 2
    except NetworkError as exc:
        print(
            f"error: cannot reach the Bot API ({exc.message}); check the network or "
            "TELEGRAM_API_BASE_URL.",
            file=sys.stderr,
        )
        return 1
    return 0
