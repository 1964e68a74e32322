"""What the bot did, kept for assertions, with event-driven `next_*` waits for tests."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from tests.fakeapi.simulator.models import ApiCall, CallbackAnswer, InlineAnswer, SentMessage
from tests.fakeapi.simulator.waiting import ChangeNotifier

T = TypeVar("T")
R = TypeVar("R")
DEFAULT_TIMEOUT = 5.0


class SimulatorTimeout(AssertionError):
    """A test waited for something the bot never did; the message lists what it did do."""


class SimulatorRecords:
    """Every call, sent and edited message, callback and inline answer; and ways to await them."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.sent: list[SentMessage] = []
        self.edits: list[SentMessage] = []
        self.deleted: list[tuple[int, int]] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.inline_answers: list[InlineAnswer] = []
        self.chat_actions: list[tuple[int, str]] = []
        self._changes = ChangeNotifier()
        self._consumed: defaultdict[str, set[int]] = defaultdict(set)

    def record_call(
        self, method: str, params: dict[str, Any], status: int, response: dict[str, Any]
    ) -> None:
        """Record one answered call (the HTTP server also records calls it rejected)."""
        self.calls.append(ApiCall(method, dict(params), status, response))
        self._changes.notify_all()

    def calls_to(self, method: str) -> list[ApiCall]:
        """Calls of `method` (case-insensitive), oldest first."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def failed_calls(self) -> list[ApiCall]:
        """Calls Telegram would have refused."""
        return [call for call in self.calls if not call.ok]

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """Messages the bot sent to `chat_id`, oldest first (edits are in `edits`)."""
        return [message for message in self.sent if message.chat_id == chat_id]

    def unread_messages(self, chat_id: int) -> list[SentMessage]:
        """Messages to `chat_id` that no `next_message` call has returned yet."""
        consumed = self._consumed["sent"]
        return [m for i, m in enumerate(self.sent) if m.chat_id == chat_id and i not in consumed]

    def take_unread_messages(self, chat_id: int) -> list[SentMessage]:
        """Consume and return every unread message to `chat_id` (a test reading them all)."""
        consumed = self._consumed["sent"]
        taken = [i for i, m in enumerate(self.sent) if m.chat_id == chat_id and i not in consumed]
        consumed.update(taken)
        return [self.sent[i] for i in taken]

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> T:
        """Await predicate()'s first truthy value; it is re-checked after every call/update."""
        try:
            return await self._changes.wait_for(predicate, timeout)
        except TimeoutError:
            raise SimulatorTimeout(
                f"condition not met within {timeout} s\n{self.describe_activity()}"
            ) from None

    async def next_message(
        self,
        chat_id: int,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> SentMessage:
        """The next message sent to `chat_id` that the test has not consumed yet."""
        return await self._next(
            "sent", self.sent, lambda m: m.chat_id == chat_id, timeout, f"message to {chat_id}"
        )

    async def next_edit(
        self,
        chat_id: int,
        message_id: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> SentMessage:
        """The next unconsumed edit in `chat_id` (of `message_id` if given)."""
        return await self._next(
            "edits",
            self.edits,
            lambda m: m.chat_id == chat_id and message_id in (None, m.message_id),
            timeout,
            f"edit in {chat_id}",
        )

    async def next_callback_answer(
        self,
        callback_query_id: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> CallbackAnswer:
        """The next unconsumed answerCallbackQuery (for `callback_query_id` if given)."""
        return await self._next(
            "callback",
            self.callback_answers,
            lambda a: callback_query_id in (None, a.callback_query_id),
            timeout,
            f"callback answer {callback_query_id or ''}",
        )

    async def next_inline_answer(
        self,
        inline_query_id: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> InlineAnswer:
        """The next unconsumed answerInlineQuery (for `inline_query_id` if given)."""
        return await self._next(
            "inline",
            self.inline_answers,
            lambda a: inline_query_id in (None, a.inline_query_id),
            timeout,
            f"inline answer {inline_query_id or ''}",
        )

    async def _next(
        self,
        kind: str,
        records: Sequence[R],
        matches: Callable[[R], bool],
        within: float,
        what: str,
    ) -> R:
        consumed = self._consumed[kind]

        def first_unconsumed() -> tuple[int, R] | None:
            for index, record in enumerate(records):
                if index not in consumed and matches(record):
                    return index, record
            return None

        try:
            index, record = await self._changes.wait_for(first_unconsumed, within)
        except TimeoutError:
            raise SimulatorTimeout(
                f"no new {what} within {within} s\n{self.describe_activity()}"
            ) from None
        consumed.add(index)
        return record

    def describe_activity(self, last: int = 15) -> str:
        """A readable summary of what the bot sent and which calls failed."""
        lines = [f"messages sent ({len(self.sent)}, last {last}):"]
        lines += [
            f"  to {m.chat_id} #{m.message_id}: {m.plain_text[:120]!r}" for m in self.sent[-last:]
        ]
        lines.append(f"edits ({len(self.edits)}, last {last}):")
        lines += [
            f"  in {m.chat_id} #{m.message_id}: {m.plain_text[:120]!r}" for m in self.edits[-last:]
        ]
        lines.append(f"failed calls (last {last}):")
        lines += [
            f"  {c.method} -> {c.status} {c.response.get('description')}"
            for c in self.failed_calls()[-last:]
        ]
        recent = [c.method for c in self.calls if c.method != "getUpdates"][-last:]
        lines.append(f"recent calls: {', '.join(recent) or 'none'}")
        return "\n".join(lines)
