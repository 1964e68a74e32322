"""The simulated Telegram world the bot lives in: users, chats, messages and memberships."""

import copy
import time
from collections import defaultdict
from typing import Any

from tests.fakeapi.simulator.errors import bad_request, chat_upgraded, forbidden
from tests.fakeapi.simulator.members import PRESENT_STATUSES
from tests.fakeapi.simulator.models import SimChat, SimUser


class SimWorld:
    """Chats, users, every message by (chat_id, message_id), and who is what in which chat."""

    def __init__(self, bot: SimUser) -> None:
        self.bot = bot
        self.chats: dict[int, SimChat] = {}
        self.users: dict[int, SimUser] = {bot.id: bot}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.statuses: dict[tuple[int, int], str] = {}
        self.unwritable: dict[int, str] = {}
        self.topics: defaultdict[int, set[int]] = defaultdict(set)  # forum chat -> thread ids
        self.migrated: dict[int, int] = {}  # basic group -> the supergroup it became
        self._last_message_id: defaultdict[int, int] = defaultdict(int)

    def add(self, chat: SimChat | None = None, user: SimUser | None = None) -> None:
        """Make a chat and/or user known; a user who acts in a group becomes a member."""
        if chat is not None:
            self.chats[chat.id] = chat
        if user is not None:
            self.users[user.id] = user
        if chat is not None and user is not None and chat.is_group:
            self.statuses.setdefault((chat.id, user.id), "member")

    def resolve_chat(self, raw: Any) -> SimChat:
        """Find the chat for a chat_id parameter (integer, numeric string or @username)."""
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            for chat in self.chats.values():
                if chat.username and chat.username.lower() == raw[1:].lower():
                    return chat
            raise bad_request("chat not found")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        if isinstance(raw, bool) or chat_id not in self.chats:
            raise bad_request("chat not found")
        return self.chats[chat_id]

    def writable_chat(self, raw: Any) -> SimChat:
        """Resolve a chat the bot wants to write to; 403 if it was blocked or kicked."""
        chat = self.resolve_chat(raw)
        if chat.id in self.migrated:
            raise chat_upgraded(self.migrated[chat.id])
        if chat.id in self.unwritable:
            raise forbidden(self.unwritable[chat.id])
        return chat

    def check_topic(self, chat: SimChat, thread_id: Any) -> int:
        """Validate a message_thread_id: an existing topic of a forum supergroup."""
        if isinstance(thread_id, bool) or not isinstance(thread_id, int):
            raise bad_request("message thread not found")
        if not chat.is_forum or thread_id not in self.topics[chat.id]:
            raise bad_request("message thread not found")
        return thread_id

    def removal_reason(self, chat_id: int) -> str:
        """What Telegram says when the bot writes to a chat that blocked or removed it."""
        chat = self.chats.get(chat_id)
        if chat is None or chat.type == "private":
            return "bot was blocked by the user"
        if chat.type == "channel":
            return "bot is not a member of the channel chat"
        return f"bot was kicked from the {chat.type} chat"

    def set_unwritable(self, chat_id: int, reason: str | None) -> None:
        """Make sends to the chat answer 403 with `reason`; None lets the bot write again."""
        if reason is None:
            self.unwritable.pop(chat_id, None)
        else:
            self.unwritable[chat_id] = reason

    def store_message(
        self,
        chat: SimChat,
        sender: SimUser,
        text: str,
        *,
        entities: list[dict[str, Any]] | None = None,
        reply_markup: dict[str, Any] | None = None,
        reply_to: dict[str, Any] | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """Create a text message with the chat's next message_id and return it."""
        message = self.store_service_message(chat, sender, {"text": text}, thread_id=thread_id)
        if entities:
            message["entities"] = copy.deepcopy(entities)
        if reply_to is not None:
            # Telegram never nests reply_to_message inside a replied message.
            message["reply_to_message"] = {
                k: copy.deepcopy(v) for k, v in reply_to.items() if k != "reply_to_message"
            }
        if reply_markup and reply_markup.get("inline_keyboard"):
            message["reply_markup"] = copy.deepcopy(reply_markup)
        return message

    def store_service_message(
        self,
        chat: SimChat,
        sender: SimUser,
        content: dict[str, Any],
        *,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """Create a message with ``content`` (text or a service field) and return it."""
        self._last_message_id[chat.id] += 1
        message: dict[str, Any] = {
            "message_id": self._last_message_id[chat.id],
            "from": sender.to_dict(),
            "chat": chat.to_dict(),
            "date": int(time.time()),
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        message.update(copy.deepcopy(content))
        self.messages[(chat.id, message["message_id"])] = message
        return message

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The current state of a message, or None if it never existed or was deleted."""
        return self.messages.get((chat_id, message_id))

    def status(self, chat: SimChat, user_id: int) -> str | None:
        """The member status of `user_id` in `chat`; None for a user never seen."""
        explicit = self.statuses.get((chat.id, user_id))
        if explicit is not None:
            return explicit
        if chat.type == "private" and user_id in (chat.id, self.bot.id):
            return "member"
        if user_id == self.bot.id:
            return "member"
        return "left" if user_id in self.users else None

    def is_present(self, chat: SimChat, user_id: int) -> bool:
        """Whether the user is currently in the chat."""
        return self.status(chat, user_id) in PRESENT_STATUSES
