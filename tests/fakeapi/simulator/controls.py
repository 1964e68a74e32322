"""The test-facing side of the simulator: inject what users do, and steer what breaks."""

import copy
import itertools
import time
from typing import Any

from tests.fakeapi.simulator.faults import FaultPlan
from tests.fakeapi.simulator.members import member_dict
from tests.fakeapi.simulator.models import RateLimits, SimChat, SimUser
from tests.fakeapi.simulator.ratelimit import SendRateLimiter
from tests.fakeapi.simulator.records import SimulatorRecords
from tests.fakeapi.simulator.updates import UpdateQueue, user_text_entities
from tests.fakeapi.simulator.world import SimWorld


class SimulatorControls(SimulatorRecords):
    """Users' actions become updates; tests block chats, set statuses and inject faults."""

    def __init__(self, bot: SimUser, limits: RateLimits | None) -> None:
        super().__init__()
        self.bot = bot
        self.world = SimWorld(bot)
        self.updates = UpdateQueue()
        self.faults = FaultPlan()
        self.rate = SendRateLimiter(limits)
        self._open_callback_queries: dict[str, dict[str, Any]] = {}
        self._open_inline_queries: set[str] = set()
        self._query_ids = itertools.count(1)

    # ---- test controls: who the bot may write to -------------------------------------------

    def block(self, chat: SimChat | int) -> None:
        """The user blocked the bot: sends to this private chat answer 403."""
        self.world.set_unwritable(_chat_id(chat), "bot was blocked by the user")

    def kick(self, chat: SimChat | int) -> None:
        """The bot was removed from this group: sends answer 403."""
        chat_id = _chat_id(chat)
        reason = self.world.removal_reason(chat_id)
        if reason == "bot was blocked by the user":
            reason = "bot was kicked from the group chat"
        self.world.set_unwritable(chat_id, reason)

    def unblock(self, chat: SimChat | int) -> None:
        """The bot may write to this chat again."""
        self.world.set_unwritable(_chat_id(chat), None)

    def set_member_status(self, chat: SimChat, user: SimUser, status: str) -> None:
        """Set what getChatMember answers for `user` in `chat` (creator, administrator...)."""
        member_dict(user.to_dict(), status)  # rejects unknown statuses
        self.world.add(chat, user)
        self.world.statuses[(chat.id, user.id)] = status

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` (to `chat_id` if given) with an error."""
        self.faults.fail_next(
            method, status, description, retry_after=retry_after, times=times, chat_id=chat_id
        )

    def delay(self, method: str, seconds: float, *, times: int | None = None) -> None:
        """Hold the answers to `method` for `seconds` (to provoke client timeouts)."""
        self.faults.delay(method, seconds, times=times)

    def sends_per_second(self) -> list[int]:
        """Successful message sends in each second since the first (for benchmarks)."""
        return self.rate.sends_per_second()

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The current state of a message (after edits), or None if absent or deleted."""
        found = self.world.message(chat_id, message_id)
        return copy.deepcopy(found) if found is not None else None

    # ---- update injection ------------------------------------------------------------------

    def _push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.updates.add(kind, copy.deepcopy(payload))
        self._changes.notify_all()
        return copy.deepcopy(payload)

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Deliver a raw update of ``kind`` (any payload, even one Telegram would never send).

        A ``callback_query`` payload with an ``id`` is registered, so the bot may answer it.
        """
        if kind == "callback_query" and "id" in payload:
            self._open_callback_queries[str(payload["id"])] = copy.deepcopy(payload)
        return self._push(kind, payload)

    def create_topic(self, chat: SimChat, thread_id: int) -> None:
        """A forum topic with ``thread_id`` exists in the forum supergroup ``chat``."""
        if not chat.is_forum:
            raise ValueError(f"chat {chat.id} is not a forum supergroup")
        self.world.add(chat)
        self.world.topics[chat.id].add(thread_id)

    def delete_topic(self, chat: SimChat, thread_id: int) -> None:
        """The forum topic is deleted: sends into it answer 400."""
        self.world.topics[chat.id].discard(thread_id)

    def migrate_to_supergroup(
        self, chat: SimChat, new_id: int, by: SimUser, *, announce: bool = True
    ) -> SimChat:
        """An admin upgrades the basic group ``chat`` to a supergroup with ``new_id``.

        Members and their statuses carry over; from now on sends to the old id answer 400
        with ``migrate_to_chat_id``. With ``announce`` the bot gets both service messages,
        ``migrate_to_chat_id`` in the old group and ``migrate_from_chat_id`` in the new one.
        """
        if chat.type != "group":
            raise ValueError("only a basic group can be upgraded to a supergroup")
        new_chat = SimChat.group(new_id, chat.title or "Study group", supergroup=True)
        self.world.add(new_chat)
        for (chat_id, user_id), status in list(self.world.statuses.items()):
            if chat_id == chat.id:
                self.world.statuses[(new_id, user_id)] = status
        self.world.add(new_chat, by)
        if announce:
            old = self.world.store_service_message(chat, by, {"migrate_to_chat_id": new_id})
            self._push("message", old)
        self.world.migrated[chat.id] = new_id
        if announce:
            new = self.world.store_service_message(new_chat, by, {"migrate_from_chat_id": chat.id})
            self._push("message", new)
        return new_chat

    def send_text(
        self,
        chat: SimChat,
        user: SimUser,
        text: str,
        *,
        reply_to_message_id: int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """The user types `text` in `chat` (in forum topic ``thread_id``); returns the Message
        the bot will receive."""
        self.world.add(chat, user)
        if thread_id is not None:
            self.create_topic(chat, thread_id)
        reply_to = None
        if reply_to_message_id is not None:
            reply_to = self.world.message(chat.id, reply_to_message_id)
            if reply_to is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat.id} to reply to")
        message = self.world.store_message(
            chat,
            user,
            text,
            entities=user_text_entities(text),
            reply_to=reply_to,
            thread_id=thread_id,
        )
        return self._push("message", message)

    def edit_text(
        self, chat: SimChat, user: SimUser, message_id: int, text: str
    ) -> dict[str, Any]:
        """The user edits their earlier message; returns the edited Message the bot receives."""
        message = self.world.message(chat.id, message_id)
        if message is None or message.get("from", {}).get("id") != user.id:
            raise ValueError(f"{user.id} has no message {message_id} in chat {chat.id} to edit")
        message["text"] = text
        message["edit_date"] = int(time.time())
        message.pop("entities", None)
        if entities := user_text_entities(text):
            message["entities"] = entities
        return self._push("edited_message", message)

    def press_button(
        self,
        chat: SimChat,
        user: SimUser,
        message_id: int,
        data: str,
        *,
        check_keyboard: bool = True,
    ) -> dict[str, Any]:
        """The user presses an inline button with `data`; returns the CallbackQuery.

        With check_keyboard (the default) the message must show a button with that data,
        so a test cannot press a button the bot never offered.
        """
        self.world.add(chat, user)
        message = self.world.message(chat.id, message_id)
        if message is None:
            raise ValueError(f"no message {message_id} in chat {chat.id}")
        offered = [
            button.get("callback_data")
            for row in message.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
        ]
        if check_keyboard and data not in offered:
            raise ValueError(f"message {message_id} has no button {data!r}; it offers {offered}")
        query_id = str(next(self._query_ids) + 4_000_000_000_000_000)
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "message": copy.deepcopy(message),
            "chat_instance": str(abs(chat.id) * 31 + 17),
            "data": data,
        }
        self._open_callback_queries[query_id] = query
        return self._push("callback_query", query)

    def inline_query(
        self, user: SimUser, query: str, *, offset: str = "", chat_type: str = "sender"
    ) -> dict[str, Any]:
        """The user types `@bot query` in some chat; returns the InlineQuery."""
        self.world.add(user=user)
        query_id = str(next(self._query_ids) + 5_000_000_000_000_000)
        self._open_inline_queries.add(query_id)
        payload = {
            "id": query_id,
            "from": user.to_dict(),
            "query": query,
            "offset": offset,
            "chat_type": chat_type,
        }
        return self._push("inline_query", payload)

    def my_chat_member(
        self, chat: SimChat, user: SimUser, old_status: str, new_status: str
    ) -> dict[str, Any]:
        """`user` changed the bot's status in `chat` (added, removed, blocked...)."""
        self.world.add(chat, user)
        bot = self.bot.to_dict()
        payload = {
            "chat": chat.to_dict(),
            "from": user.to_dict(),
            "date": int(time.time()),
            "old_chat_member": member_dict(bot, old_status),
            "new_chat_member": member_dict(bot, new_status),
        }
        self.world.statuses[(chat.id, self.bot.id)] = new_status
        removed = new_status in ("left", "kicked")
        self.world.set_unwritable(chat.id, self.world.removal_reason(chat.id) if removed else None)
        return self._push("my_chat_member", payload)


def _chat_id(chat: SimChat | int) -> int:
    return chat.id if isinstance(chat, SimChat) else int(chat)
