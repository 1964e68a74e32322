"""What the bot did to the fake Discord, kept for assertions, with event-driven waits.

Every `next_*` call waits on a change notification (never on a sleep) and hands out each
record once; on timeout it fails with a summary of what the bot did do.
"""

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
DEFAULT_TIMEOUT = 5.0
EPHEMERAL = 1 << 6
LOADING = 1 << 7  # a deferred response's "thinking…" message


class FakeDiscordTimeout(AssertionError):
    """A test waited for something the bot never did; the message lists what it did do."""


@dataclass(frozen=True)
class RequestRecord:
    """One REST request and the answer it got."""

    method: str
    path: str
    route: str  # "POST /channels/{channel_id}/messages"; "?" for routes Discord lacks
    body: Any
    status: int
    response: Any
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class SentMessage:
    """A message the bot created, or the new state of one it edited."""

    id: int
    channel_id: int
    content: str
    embeds: list[dict[str, Any]]
    components: list[dict[str, Any]]
    flags: int
    allowed_mentions: dict[str, Any] | None
    interaction_id: int | None = None  # set on interaction responses and followups
    files: dict[str, bytes] = field(default_factory=dict)  # uploaded attachments by name

    @property
    def ephemeral(self) -> bool:
        """Whether only the user who invoked the interaction sees it."""
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Whether it is a deferred response still "thinking…" (no content yet)."""
        return bool(self.flags & LOADING)

    def custom_ids(self) -> list[str]:
        """The custom_id of every component, row by row."""
        return [
            item["custom_id"]
            for row in self.components
            for item in row.get("components", [])
            if "custom_id" in item
        ]


@dataclass(frozen=True)
class InteractionResponse:
    """An initial interaction response (POST .../callback) that Discord accepted."""

    interaction_id: int
    type: int
    data: dict[str, Any]
    delay: float  # seconds from dispatch to the callback

    @property
    def ephemeral(self) -> bool:
        """Whether the response (or the deferred reply to come) is ephemeral."""
        return bool(int(self.data.get("flags") or 0) & EPHEMERAL)


@dataclass(frozen=True)
class CommandRegistration:
    """A bulk overwrite of the global commands (guild_id None) or of one guild's."""

    guild_id: int | None
    commands: list[dict[str, Any]]


@dataclass(frozen=True)
class Violation:
    """Something the bot did that Discord refuses or that breaks its rules."""

    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.detail}"


class ChangeNotifier:
    """Wake waiters whenever a record is added; they re-check their condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify_all(self) -> None:
        """Wake every waiter."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float) -> T:  # noqa: ASYNC109
        """The first truthy value of `predicate()`, re-checked after each change."""
        async with asyncio.timeout(timeout):
            while True:
                value = predicate()
                if value:
                    return value
                await self._event.wait()


class Records:
    """Requests, messages, edits, interaction responses, registrations and violations."""

    def __init__(self) -> None:
        self.requests: list[RequestRecord] = []
        self.sent: list[SentMessage] = []
        self.edits: list[SentMessage] = []
        self.replies: list[SentMessage] = []  # visible states of interaction messages
        self.responses: list[InteractionResponse] = []
        self.registrations: list[CommandRegistration] = []
        self.violations: list[Violation] = []
        self.gateway_received: list[dict[str, Any]] = []
        self.changes = ChangeNotifier()
        self._consumed: defaultdict[str, set[int]] = defaultdict(set)

    def add(self, kind: list[Any], record: Any) -> None:
        """Append `record` to one of the lists above and wake waiters."""
        kind.append(record)
        self.changes.notify_all()

    def violate(self, where: str, detail: str) -> None:
        """Record a violation (the fixture fails the test on it at teardown)."""
        self.add(self.violations, Violation(where, detail))

    def messages_in(self, channel_id: int) -> list[SentMessage]:
        """Messages the bot created in `channel_id`, oldest first (a deferred response once,
        with its content, not its "thinking…" placeholder)."""
        return [m for m in self.sent if m.channel_id == channel_id and not m.loading]

    def requests_to(self, route: str) -> list[RequestRecord]:
        """Requests to one route template, e.g. "PUT /applications/{application_id}/commands"."""
        return [request for request in self.requests if request.route == route]

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> T:
        """Await predicate()'s first truthy value."""
        try:
            return await self.changes.wait_for(predicate, timeout)
        except TimeoutError:
            raise FakeDiscordTimeout(
                f"condition not met within {timeout} s\n{self.describe()}"
            ) from None

    async def next_message(self, channel_id: int, timeout: float = DEFAULT_TIMEOUT) -> SentMessage:  # noqa: ASYNC109
        """The next message created in `channel_id` that no test has taken yet (a deferred
        response's "thinking…" placeholder is not one: its content comes as an edit)."""
        return await self.next(
            "sent", self.sent, lambda m: m.channel_id == channel_id and not m.loading, timeout
        )

    async def next_edit(
        self,
        message_id: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> SentMessage:
        """The next edit (of `message_id` if given)."""
        return await self.next("edits", self.edits, lambda m: message_id in (None, m.id), timeout)

    async def next_reply(
        self,
        interaction_id: int,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> SentMessage:
        """The next visible message answering `interaction_id`: the message of its response,
        a followup, or the edit that ended a deferred response's "thinking…" (or a later
        edit of one of these)."""
        return await self.next(
            "replies", self.replies, lambda m: m.interaction_id == interaction_id, timeout
        )

    async def next_interaction_response(
        self,
        interaction_id: int,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> InteractionResponse:
        """The accepted initial response to `interaction_id`."""
        return await self.next(
            "responses", self.responses, lambda r: r.interaction_id == interaction_id, timeout
        )

    async def next_registration(self, timeout: float = DEFAULT_TIMEOUT) -> CommandRegistration:  # noqa: ASYNC109
        """The next accepted bulk overwrite of commands."""
        return await self.next("registrations", self.registrations, lambda r: True, timeout)

    async def next(
        self,
        kind: str,
        records: Sequence[R],
        matches: Callable[[R], bool],
        timeout: float,  # noqa: ASYNC109
    ) -> R:
        """The first record of `records` matching and not yet taken under `kind`."""
        consumed = self._consumed[kind]

        def first() -> tuple[int, R] | None:
            for index, record in enumerate(records):
                if index not in consumed and matches(record):
                    return index, record
            return None

        try:
            index, record = await self.changes.wait_for(first, timeout)
        except TimeoutError:
            raise FakeDiscordTimeout(
                f"no new {kind} record within {timeout} s\n{self.describe()}"
            ) from None
        consumed.add(index)
        return record

    def describe(self, last: int = 12) -> str:
        """A readable summary of recent requests, messages and violations."""
        lines = [f"messages ({len(self.sent)}):"]
        lines += [f"  #{m.id} in {m.channel_id}: {m.content[:80]!r}" for m in self.sent[-last:]]
        lines.append(f"requests (last {last}):")
        lines += [f"  {r.method} {r.path} -> {r.status}" for r in self.requests[-last:]]
        lines.append(f"violations: {[str(v) for v in self.violations] or 'none'}")
        return "\n".join(lines)
