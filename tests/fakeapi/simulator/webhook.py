"""Webhook delivery: pending updates POSTed to the bot's URL, as Telegram does after setWebhook.

Like Telegram (https://core.telegram.org/bots/api#setwebhook), each update is one HTTP POST of
its JSON with the ``X-Telegram-Bot-Api-Secret-Token`` header when a secret is set; an answer
other than 2xx (or no answer) keeps the update pending and it is tried again later, while
``getWebhookInfo`` reports ``pending_update_count`` and ``last_error_message``. Updates of one
chat go one at a time, in order; different chats in parallel, up to ``max_connections``.
Like a self-hosted Bot API server (and unlike api.telegram.org), it accepts plain-HTTP URLs
on any port of a local address, so a test's bot can listen on 127.0.0.1.
"""

import asyncio
import re
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.fakeapi.simulator.errors import bad_request
from tests.fakeapi.simulator.updates import UpdateQueue
from tests.fakeapi.simulator.waiting import ChangeNotifier

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]*$")
MAX_SECRET_LENGTH = 256
DEFAULT_MAX_CONNECTIONS = 40
MAX_CONNECTIONS = 100
# Telegram's retry schedule is not documented; the fake's is short so tests run fast.
FIRST_RETRY_SECONDS = 0.05
LAST_RETRY_SECONDS = 0.5
POST_TIMEOUT_SECONDS = 10.0
_URL = re.compile(r"^https?://[^\s/]+")


@dataclass(frozen=True)
class Webhook:
    """What setWebhook set: where to POST, the secret header's value and the limits."""

    url: str
    secret_token: str | None = None
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    ip_address: str | None = None
    allowed_updates: tuple[str, ...] | None = None

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "Webhook":
        """Validate setWebhook's parameters like Telegram; ApiError 400 when one is wrong."""
        url = params.get("url")
        if not isinstance(url, str) or not _URL.match(url):
            raise bad_request("bad webhook: invalid webhook URL specified")
        secret = params.get("secret_token")
        if secret is not None:
            if not isinstance(secret, str) or not SECRET_PATTERN.match(secret):
                raise bad_request("secret token contains unallowed characters")
            if len(secret) > MAX_SECRET_LENGTH:
                raise bad_request("secret token is too long")
        connections = params.get("max_connections") or DEFAULT_MAX_CONNECTIONS
        allowed = params.get("allowed_updates")
        return cls(
            url=url,
            secret_token=secret or None,
            max_connections=min(max(int(connections), 1), MAX_CONNECTIONS),
            ip_address=params.get("ip_address"),
            allowed_updates=tuple(allowed) if allowed is not None else None,
        )


@dataclass(frozen=True)
class WebhookAttempt:
    """One POST of an update: the HTTP status the bot answered, or None with the error."""

    update_id: int
    status: int | None
    error: str | None
    secret_sent: str | None

    @property
    def ok(self) -> bool:
        """Whether the bot acknowledged the update (2xx)."""
        return self.status is not None and 200 <= self.status < 300


@dataclass
class _Retry:
    attempts: int = 0
    due: float = 0.0  # loop time


@dataclass
class WebhookDelivery:
    """POSTs ``queue``'s updates to ``webhook`` while one is set; records every attempt."""

    queue: UpdateQueue
    changes: ChangeNotifier
    webhook: Webhook | None = None
    attempts: list[WebhookAttempt] = field(default_factory=list)
    delivered: list[int] = field(default_factory=list)  # update ids acknowledged, in order
    last_error_date: int | None = None  # Unix time, seconds
    last_error_message: str | None = None
    secret_override: str | None = None  # a test's forged secret ("" sends no header)
    _retries: dict[int, _Retry] = field(default_factory=dict)
    _in_flight: dict[int, Any] = field(default_factory=dict)  # update id -> its chat lane
    _task: asyncio.Task[None] | None = None
    _posts: set[asyncio.Task[None]] = field(default_factory=set)
    _session: aiohttp.ClientSession | None = None

    def activate(self, webhook: Webhook) -> None:
        """Deliver to ``webhook`` from now on; pending updates are tried again at once."""
        self.webhook = webhook
        for retry in self._retries.values():
            retry.due = 0.0
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="webhook")
        self.changes.notify_all()

    def deactivate(self) -> None:
        """Stop delivering (deleteWebhook); posts in flight still finish."""
        self.webhook = None
        self.changes.notify_all()

    def in_flight(self) -> set[int]:
        """The ids of the updates being posted now."""
        return set(self._in_flight)

    def info(self) -> dict[str, Any]:
        """The getWebhookInfo result."""
        result: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.queue),
        }
        if self.webhook is not None:
            result["max_connections"] = self.webhook.max_connections
            if self.webhook.ip_address:
                result["ip_address"] = self.webhook.ip_address
            if self.webhook.allowed_updates is not None:
                result["allowed_updates"] = list(self.webhook.allowed_updates)
        if self.last_error_message is not None:
            result["last_error_date"] = self.last_error_date
            result["last_error_message"] = self.last_error_message
        return result

    async def close(self) -> None:
        """Stop the delivery task, cancel posts in flight and close the HTTP client."""
        tasks = [*self._posts, *([self._task] if self._task is not None else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=POST_TIMEOUT_SECONDS)
        )
        while True:
            ready = self._ready(loop.time())
            if not ready:
                # Sleep until anything changes (an update, a post's end) or a retry falls due.
                with suppress(TimeoutError):
                    await self.changes.wait_for(_second_call(), self._wait_seconds(loop.time()))
                continue
            for update in ready:
                self._in_flight[update["update_id"]] = _lane(update)
                post = loop.create_task(self._post(update))
                self._posts.add(post)
                post.add_done_callback(self._posts.discard)

    def _ready(self, now: float) -> list[dict[str, Any]]:
        """Updates to post now: each free chat's first pending one, if its retry is due."""
        if self.webhook is None:
            return []
        busy = set(self._in_flight.values())
        room = self.webhook.max_connections - len(self._in_flight)
        ready: list[dict[str, Any]] = []
        for update in self.queue.pending():
            lane = _lane(update)
            if lane in busy:
                continue
            busy.add(lane)  # later updates of this chat wait for this one
            retry = self._retries.get(update["update_id"])
            if retry is not None and retry.due > now:
                continue
            if len(ready) >= room:
                break
            ready.append(update)
        return ready

    def _wait_seconds(self, now: float) -> float | None:
        """Until the earliest retry falls due (None: until something changes)."""
        dues = [retry.due - now for retry in self._retries.values() if retry.due > now]
        return min(dues) if dues else None

    async def _post(self, update: dict[str, Any]) -> None:
        update_id = update["update_id"]
        webhook = self.webhook
        status: int | None = None
        error: str | None = None
        secret = webhook.secret_token if webhook is not None else None
        if self.secret_override is not None:
            secret = self.secret_override or None
        if webhook is None or self._session is None:
            self._in_flight.pop(update_id, None)
            return
        try:
            headers = {SECRET_HEADER: secret} if secret else {}
            async with self._session.post(webhook.url, json=update, headers=headers) as answer:
                await answer.read()
                status = answer.status
                if not 200 <= status < 300:
                    error = f"Wrong response from the webhook: {status} {answer.reason}"
        except aiohttp.ClientConnectorError:
            error = "Connection refused"
        except TimeoutError:
            error = "Read timeout expired"
        except aiohttp.ClientError as exc:
            error = f"Connection failed: {type(exc).__name__}"
        finally:
            self._in_flight.pop(update_id, None)
        self.attempts.append(WebhookAttempt(update_id, status, error, secret))
        if error is None:
            self._retries.pop(update_id, None)
            self.queue.remove(update_id)
            self.delivered.append(update_id)
        else:
            self._failed(update_id, error)
        self.changes.notify_all()

    def _failed(self, update_id: int, error: str) -> None:
        retry = self._retries.setdefault(update_id, _Retry())
        retry.attempts += 1
        delay = min(FIRST_RETRY_SECONDS * 2 ** (retry.attempts - 1), LAST_RETRY_SECONDS)
        retry.due = asyncio.get_running_loop().time() + delay
        self.last_error_date = int(time.time())
        self.last_error_message = error


def _second_call() -> Callable[[], bool]:
    """A predicate false when first checked and true ever after: "wake at the next change"."""
    calls = 0

    def changed() -> bool:
        nonlocal calls
        calls += 1
        return calls > 1

    return changed


def _lane(update: dict[str, Any]) -> Any:
    """The chat whose updates go one at a time (the user for inline queries)."""
    payload: Any = next((value for key, value in update.items() if key != "update_id"), {})
    if not isinstance(payload, dict):
        return ("update", update["update_id"])
    chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
    if isinstance(chat, dict) and "id" in chat:
        return chat["id"]
    sender = payload.get("from")
    if isinstance(sender, dict) and "id" in sender:
        return sender["id"]
    return ("update", update["update_id"])
