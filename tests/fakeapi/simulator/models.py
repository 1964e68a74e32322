"""Small value types of the simulator: users, chats, limits and the records tests assert on."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SimUser:
    """A Telegram user (or the bot itself) as the simulator presents it in updates."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the Bot API `User` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot}
        data["first_name"] = self.first_name
        for name in ("last_name", "username", "language_code"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        return data


@dataclass(frozen=True)
class SimChat:
    """A chat: `private` (id equals the user's id), `group`, `supergroup` or `channel`."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    is_forum: bool = False  # a supergroup with topics

    @classmethod
    def private(cls, user: SimUser) -> "SimChat":
        """Return the private chat between the bot and `user`."""
        return cls(user.id, "private", username=user.username, first_name=user.first_name)

    @classmethod
    def group(
        cls,
        chat_id: int,
        title: str = "Study group",
        *,
        supergroup: bool = False,
        forum: bool = False,
    ) -> "SimChat":
        """Return a group chat; ids must be negative like Telegram's; only supergroups have
        topics (``forum``)."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if forum and not supergroup:
            raise ValueError("only a supergroup can have topics")
        return cls(chat_id, "supergroup" if supergroup else "group", title=title, is_forum=forum)

    @property
    def is_group(self) -> bool:
        """Whether this is a group or supergroup (the per-group rate limit applies)."""
        return self.type in ("group", "supergroup")

    def to_dict(self) -> dict[str, Any]:
        """Return the Bot API `Chat` object."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for name in ("title", "username", "first_name"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass(frozen=True)
class RateLimits:
    """Telegram's flood limits on message-sending methods; None switches one limit off."""

    global_per_second: int | None = 30
    per_chat_per_second: int | None = 1
    per_group_per_minute: int | None = 20


@dataclass(frozen=True)
class ApiCall:
    """One Bot API call the bot made and the answer it got."""

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]

    @property
    def ok(self) -> bool:
        """Whether Telegram accepted the call."""
        return self.status == 200


@dataclass(frozen=True)
class SentMessage:
    """A message the bot sent, or the new state of a message it edited."""

    chat_id: int
    message_id: int
    text: str
    plain_text: str
    parse_mode: str | None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    method: str = "sendMessage"
    message_thread_id: int | None = None  # the forum topic it is in

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard buttons row by row, flattened (empty without a keyboard)."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def button_data(self) -> list[str]:
        """The callback_data of every inline button, in keyboard order."""
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]


@dataclass(frozen=True)
class CallbackAnswer:
    """An answerCallbackQuery the bot made, with the button press it answers."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    chat_id: int | None
    message_id: int | None
    data: str | None


@dataclass(frozen=True)
class InlineAnswer:
    """An answerInlineQuery the bot made."""

    inline_query_id: str
    results: list[dict[str, Any]]
    cache_time: int | None
    is_personal: bool
    next_offset: str | None
    button: dict[str, Any] | None
