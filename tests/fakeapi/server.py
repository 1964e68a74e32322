"""A strict fake Bot API server: aiohttp on 127.0.0.1, spec validation, then the simulator."""

import json
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from tests.fakeapi.simulator import BotApiSimulator, RateLimits
from tests.fakeapi.spec import BotApiSpec, UploadedFile, default_spec

DEFAULT_TOKEN = "123456789:TEST-token-for-the-fake-bot-api"


@dataclass(frozen=True)
class SpecViolation:
    """A call the server refused because it breaks the Bot API spec."""

    method: str
    params: dict[str, Any]
    errors: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.method}: {'; '.join(self.errors)}"


class FakeBotApiServer:
    """Serve `/bot{token}/{method}` like Telegram, validating every call against the spec.

    Use as `async with FakeBotApiServer() as server:` and point PTB at `server.base_url`.
    Calls that break the spec get 400 and land in `spec_violations`.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        sim: BotApiSimulator | None = None,
        limits: RateLimits | None = None,
        *,
        spec: BotApiSpec | None = None,
    ) -> None:
        self.token = token
        self.sim = sim if sim is not None else BotApiSimulator(limits=limits)
        self.spec = spec if spec is not None else default_spec()
        self.spec_violations: list[SpecViolation] = []
        self.unsimulated_calls: list[str] = []
        self.unauthorized_requests = 0
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def base_url(self) -> str:
        """What `ApplicationBuilder().base_url(...)` needs (the token is appended by PTB)."""
        if self._port is None:
            raise RuntimeError("the server is not running; use `async with`")
        return f"http://127.0.0.1:{self._port}/bot"

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._serve)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=0.5, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop webhook delivery, stop listening and drop open connections."""
        await self.sim.close()
        if self._runner is not None:
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

    def assert_no_spec_violations(self) -> None:
        """Fail with every recorded violation, if any."""
        if self.spec_violations:
            listed = "\n".join(f"  {violation}" for violation in self.spec_violations)
            raise AssertionError(f"the bot made calls that break the Bot API spec:\n{listed}")

    def assert_clean(self) -> None:
        """Fail on spec violations and on valid methods the simulator does not implement."""
        self.assert_no_spec_violations()
        if self.unsimulated_calls:
            raise AssertionError(
                "the bot called Bot API methods the simulator does not implement (they got "
                f"404): {sorted(set(self.unsimulated_calls))}"
            )

    async def _serve(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            self.unauthorized_requests += 1
            return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = request.match_info["method"]
        try:
            raw = await _read_params(request)
        except ValueError as error:
            return _json(400, _bad_request(str(error)))
        canonical = self.spec.canonical_method(method)
        if canonical is None:
            status, body = await self.sim.handle(method, raw)
            return _json(status, body)
        params = self.spec.decode_form(canonical, raw) if raw else {}
        errors = self.spec.validate_call(canonical, params)
        if errors:
            self.spec_violations.append(SpecViolation(canonical, params, tuple(errors)))
            body = _bad_request("; ".join(errors))
            self.sim.record_call(canonical, params, 400, body)
            return _json(400, body)
        if not self.sim.supports(canonical):
            self.unsimulated_calls.append(canonical)
        status, body = await self.sim.handle(canonical, params)
        return _json(status, body)


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Collect parameters from the query string and a form, multipart or JSON body."""
    params: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ValueError("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise ValueError("JSON body must be an object")
        params.update(body)
        return params
    form = await request.post()
    for name, value in form.items():
        if isinstance(value, web.FileField):
            params[name] = UploadedFile(value.name, value.filename, value.file.read())
        else:
            params[name] = value
    return params


def _bad_request(detail: str) -> dict[str, Any]:
    return {"ok": False, "error_code": 400, "description": f"Bad Request: {detail}"}


def _json(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")
