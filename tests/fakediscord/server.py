"""The fake Discord server: REST under /api/v10 and the gateway websocket, on 127.0.0.1.

    async with FakeDiscord() as fake, fake.pointing_discord_py():
        client = discord.Client(intents=discord.Intents.default())
        ...  # client.start(fake.token); fake.slash(...); await fake.next_message(...)

Each request is authenticated (`Authorization: Bot <token>`, except interaction and webhook
routes, which the token in the path authorises), rate limited when limits are on, validated,
answered with Discord's status and JSON error body, and logged in `requests`.
"""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

import yarl
from aiohttp import web

from tests.fakediscord import errors, rest_app, rest_channels, rest_interactions
from tests.fakediscord.commands import CommandBook
from tests.fakediscord.controls import EventControls
from tests.fakediscord.gateway import Gateway
from tests.fakediscord.interactions import InteractionBook
from tests.fakediscord.ratelimit import RateLimiter, RateLimits
from tests.fakediscord.records import Records, RequestRecord
from tests.fakediscord.rest import Call, Handler
from tests.fakediscord.snowflakes import SnowflakeFactory
from tests.fakediscord.state import FakeState
from tests.fakediscord.world import FakeUser, World

DEFAULT_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.fake.discord-bot-token-for-tests"
API_PREFIX = "/api/v10"
UNAUTHENTICATED_PREFIXES = ("/interactions/", "/webhooks/")
# Refusals that follow from the world (a closed DM, a hidden channel), not from a bot mistake.
WORLD_REFUSALS = {
    errors.MISSING_ACCESS,
    errors.CANNOT_MESSAGE_USER,
    errors.MISSING_PERMISSIONS,
    errors.UNKNOWN_CHANNEL,
    errors.UNKNOWN_MESSAGE,
    errors.UNKNOWN_USER,
    errors.UNKNOWN_GUILD,
    errors.UNKNOWN_MEMBER,
}


class FakeDiscord(EventControls):
    """A strict fake of Discord's REST API and gateway for one bot; see the module docstring."""

    def __init__(self, token: str = DEFAULT_TOKEN, limits: RateLimits | None = None) -> None:
        ids = SnowflakeFactory()
        bot = FakeUser(ids.next(), "MedCoderCoach", "MedCoder Coach", bot=True)
        world = World(bot, application_id=bot.id, ids=ids)
        records = Records()
        self.token = token
        self.state = FakeState(
            token=token,
            world=world,
            records=records,
            gateway=Gateway(world, records, token),
            limiter=RateLimiter(limits),
            commands=CommandBook(world.application_id, ids),
            left_guilds=world.left_guilds,
        )
        self.interactions = InteractionBook(self.state)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # Where it listens -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port>."""
        if self._port is None:
            raise RuntimeError("the fake is not running; use `async with`")
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base(self) -> str:
        """What `discord.http.Route.BASE` must be."""
        return self.url + API_PREFIX

    @property
    def ws_url(self) -> str:
        """What `DiscordWebSocket.DEFAULT_GATEWAY` must be."""
        return self.url.replace("http://", "ws://") + "/gateway"

    @contextmanager
    def pointing_discord_py(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway here for the block; then restore."""
        import discord.gateway
        import discord.http

        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.ws_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    # Lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_get("/gateway", self.state.gateway.serve)
        app.router.add_get("/resume", self.state.gateway.serve)
        for module in (rest_app, rest_channels, rest_interactions):
            for method, template, handler in module.ROUTES:
                app.router.add_route(
                    method, API_PREFIX + template, self._endpoint(template, handler)
                )
        app.router.add_route("*", "/{tail:.*}", self._unknown_route)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=0.5, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        self.state.gateway.url = self.ws_url.removesuffix("/gateway")

    async def stop(self) -> None:
        """Close gateway sockets, stop listening."""
        if self._runner is not None:
            await self.state.gateway.close_all()
            await self._runner.cleanup()
            self._runner = None
            self._port = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # Serving ----------------------------------------------------------------------------------

    def _endpoint(self, template: str, handler: Handler) -> Any:
        async def serve(request: web.Request) -> web.Response:
            return await self._serve(request, template, handler)

        return serve

    async def _serve(self, request: web.Request, template: str, handler: Handler) -> web.Response:
        route = f"{request.method} {template}"
        body = await _read_body(request)
        headers: dict[str, str] = {"Via": "1.1 google"}
        try:
            authorised = request.headers.get("Authorization") == f"Bot {self.token}"
            if not (authorised or template.startswith(UNAUTHENTICATED_PREFIXES)):
                raise errors.unauthorized()
            decision = self.state.limiter.check(
                (request.method, template, _major(request.match_info)),
                exempt_from_global=template.startswith(UNAUTHENTICATED_PREFIXES),
            )
            headers.update(decision.headers)
            if decision.refusal is not None:
                return self._answer(request, route, body, 429, decision.refusal, headers)
            fault = self.state.faults.take(route)
            if fault is not None:
                return self._answer(request, route, body, fault.status, fault.body(), headers)
            call = Call(request.match_info, request.query, body, self.state, self.interactions)
            status, answer = await handler(call)
        except errors.DiscordError as error:
            if error.status in (400, 401) or error.code not in WORLD_REFUSALS:
                self.state.records.violate(route, str(error))
            return self._answer(request, route, body, error.status, error.body(), headers)
        return self._answer(request, route, body, status, answer, headers)

    async def _unknown_route(self, request: web.Request) -> web.Response:
        body = await _read_body(request)
        self.state.records.violate(f"{request.method} {request.path}", "no such route in the fake")
        return self._answer(
            request, "?", body, 404, errors.not_found().body(), {"Via": "1.1 google"}
        )

    def _answer(
        self,
        request: web.Request,
        route: str,
        body: Any,
        status: int,
        answer: Any,
        headers: dict[str, str],
    ) -> web.Response:
        records = self.state.records
        path = request.path.removeprefix(API_PREFIX)
        records.add(
            records.requests,
            RequestRecord(request.method, path, route, body, status, answer, time.monotonic()),
        )
        if answer is None:
            return web.Response(status=status, headers=headers)
        # Exactly "application/json", no charset: discord.py parses JSON only for that value.
        headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(answer).encode(), headers=headers)


def _major(params: Any) -> str:
    """The major parameter of a route (a rate limit bucket is per route and major parameter)."""
    for name in ("channel_id", "guild_id", "webhook_id", "interaction_id"):
        if name in params:
            return f"{name}={params[name]}"
    return ""


async def _read_body(request: web.Request) -> Any:
    """The JSON body, or a multipart body's payload_json with its files as attachments."""
    if not request.body_exists:
        return None
    if request.content_type == "multipart/form-data":
        form = await request.post()
        data = json.loads(str(form.get("payload_json") or "{}"))
        files = [value for value in form.values() if isinstance(value, web.FileField)]
        contents = [item.file.read() for item in files]
        # "_content" is the fake's own: the uploaded bytes, for tests to read.
        data["attachments"] = [
            {
                "id": str(index),
                "filename": item.filename,
                "size": len(raw),
                "url": f"https://cdn.discordapp.com/attachments/0/{index}/{item.filename}",
                "proxy_url": f"https://media.discordapp.net/attachments/0/{index}/{item.filename}",
                "_content": raw,
            }
            for index, (item, raw) in enumerate(zip(files, contents, strict=True))
        ]
        return data
    try:
        return json.loads(await request.text())
    except ValueError:
        return None
