"""The Telegram front end's webhook server: updates POSTed by Telegram, and ``GET /healthz``.

One aiohttp server on WEBHOOK_LISTEN:WEBHOOK_PORT (behind the operator's TLS reverse proxy)
serves the path of TELEGRAM_WEBHOOK_URL and ``/healthz``. An update is accepted only with the
right ``X-Telegram-Bot-Api-Secret-Token`` header (else 403), then put on the Application's
``update_queue``: from there it is handled exactly as a polled one (the per-chat update
processor, the error handler, the rate limits). Telegram sends an update again until it gets
a 2xx, so an update the library cannot read is acknowledged and skipped, as polling skips it
(see ``parse_updates``); only a body that is no update at all gets 400.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot
from telegram.ext import ExtBot

from bot.health import Health
from bot.settings import TelegramSettings
from handlers.telegram.update_parsing import parse_updates

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"
# Requests in flight only put an update on a queue; this bounds the wait for them at stop.
SHUTDOWN_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """Where Telegram posts (``url``), the path served, the secret and the local socket."""

    url: str
    path: str
    secret: str = field(repr=False)
    listen: str
    port: int

    @classmethod
    def from_settings(cls, settings: TelegramSettings) -> WebhookConfig:
        """Map the webhook settings; ValueError when webhook mode is off or the URL's path
        is ``/healthz`` (the server answers that path itself)."""
        if settings.webhook_url is None or settings.webhook_secret is None:
            raise ValueError("TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET are not both set")
        path = urlsplit(settings.webhook_url).path or "/"
        if path == HEALTH_PATH:
            raise ValueError(f"TELEGRAM_WEBHOOK_URL's path must not be {HEALTH_PATH}")
        return cls(
            url=settings.webhook_url,
            path=path,
            secret=settings.webhook_secret.get_secret_value(),
            listen=settings.webhook_listen,
            port=settings.webhook_port,
        )


class WebhookServer:
    """Serve ``config.path`` (POSTed updates, onto ``updates``) and ``/healthz`` (``health``).

    ``start()`` raises OSError when the socket cannot be bound; ``stop()`` stops listening,
    then lets requests in flight finish (up to SHUTDOWN_TIMEOUT_SECONDS).
    """

    def __init__(
        self,
        config: WebhookConfig,
        bot: Bot,
        updates: asyncio.Queue[object],
        health: Callable[[], Health],
    ) -> None:
        self._config = config
        self._secret = config.secret.encode()
        self._bot = bot
        self._updates = updates
        self._health = health
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen on ``config.listen``:``config.port``."""
        app = web.Application()
        app.router.add_post(self._config.path, self._receive)
        app.router.add_get(HEALTH_PATH, self._healthz)
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self._config.listen, self._config.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner

    async def stop(self) -> None:
        """Stop taking requests; those in flight are answered first."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        """Queue the POSTed update: 403 without the secret, 400 for a body that is no update."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("refused a webhook request without the right secret token")
            return web.Response(status=403)
        try:
            data = json.loads(await request.read())
        except ValueError:
            data = None
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            log.warning("refused a webhook request whose body is not an update")
            return web.Response(status=400)
        (update,) = parse_updates([data], self._bot)
        if isinstance(self._bot, ExtBot):
            self._bot.insert_callback_data(update)
        await self._updates.put(update)
        return web.Response(status=200)

    async def _healthz(self, request: web.Request) -> web.Response:
        """200 and each part's state when all work; 503 and the same body when one is down."""
        state = self._health()
        return web.json_response(state.as_json(), status=200 if state.ok else 503)
