"""The queue of pending updates behind getUpdates, and entities of user-typed text."""

import re
from typing import Any

from tests.fakeapi.simulator.html_check import utf16_len

DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "inline_query", "chosen_inline_result",
        "callback_query", "shipping_query", "pre_checkout_query", "purchased_paid_media",
        "poll", "poll_answer", "my_chat_member", "chat_join_request", "chat_boost",
        "removed_chat_boost",
    }
)  # fmt: skip
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION = re.compile(r"(?<![\w@/])@[A-Za-z][A-Za-z0-9_]{3,31}(?![\w])")


class UpdateQueue:
    """Pending updates in order; getUpdates reads them until an offset confirms them."""

    def __init__(self, first_update_id: int = 100_000) -> None:
        self._next_id = first_update_id
        self._pending: list[dict[str, Any]] = []
        self.allowed: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self.delivered_total = 0

    def add(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update carrying `payload` under `kind` and return it.

        Like Telegram, an update of a kind the bot did not allow is never queued; a change of
        allowed_updates does not affect updates queued before it.
        """
        update = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        if kind in self.allowed:
            self._pending.append(update)
        return update

    def set_allowed(self, allowed: list[str]) -> None:
        """Apply getUpdates' allowed_updates: an empty list restores the default set."""
        self.allowed = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES

    def confirm(self, offset: int) -> None:
        """Drop updates older than `offset`; a negative offset keeps only the last -offset."""
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]

    def remove(self, update_id: int) -> None:
        """Drop one update, acknowledged by the bot's webhook."""
        self._pending = [u for u in self._pending if u["update_id"] != update_id]

    def pending(self) -> list[dict[str, Any]]:
        """Every pending update in order (the list is a copy; the updates are not)."""
        return list(self._pending)

    def drop_all(self) -> None:
        """Forget every pending update (deleteWebhook with drop_pending_updates)."""
        self._pending.clear()

    def has_pending(self) -> bool:
        """Whether getUpdates would return something now."""
        return bool(self._pending)

    def peek(self, limit: int) -> list[dict[str, Any]]:
        """Return up to `limit` pending updates without confirming them."""
        batch = self._pending[:limit]
        self.delivered_total += len(batch)
        return batch

    def __len__(self) -> int:
        return len(self._pending)


def user_text_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram adds to a typed message: a leading bot_command and @mentions."""
    entities: list[dict[str, Any]] = []
    command_end = 0
    command = _COMMAND.match(text)
    if command:
        command_end = command.end()
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command[0])})
    for mention in _MENTION.finditer(text, command_end):
        entities.append(
            {
                "type": "mention",
                "offset": utf16_len(text[: mention.start()]),
                "length": utf16_len(mention[0]),
            }
        )
    return entities
