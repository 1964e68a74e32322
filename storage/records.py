"""Plain, frozen records that storage keeps and core services read and write."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, TypeGuard

MAX_REMINDERS_PER_CHAT = 5
TELEGRAM = "telegram"
# The platforms a chat can live on (the core's ``bot.actor.Platform``); storage keeps each
# platform's chats apart, so a Discord channel never meets a Telegram chat with the same id.
PLATFORMS = ("telegram", "discord", "console")


class ChatKey(NamedTuple):
    """Where a chat lives: its platform and the platform's id for it.

    A tuple, so hashing and comparing run in C (the scheduler and the outbox look keys up
    once per nudge) and two keys with the same numbers on two platforms never compare equal.
    """

    platform: str
    id: int

    def __str__(self) -> str:
        """``telegram:42``: how logs and job names show the chat."""
        return f"{self.platform}:{self.id}"


def is_chat_key(value: object) -> TypeGuard[ChatKey]:
    """Whether ``value`` is a ChatKey on a known platform with an integer id."""
    return isinstance(value, ChatKey) and value.platform in PLATFORMS and type(value.id) is int


@dataclass(frozen=True, slots=True)
class Reminder:
    """One recurring study nudge for one chat (a private chat or a group).

    The chat is ``(platform, chat_id)``: the id alone is only unique within a platform.

    ``days`` uses ``datetime.weekday()`` numbering: 0 = Monday ... 6 = Sunday.
    ``last_fired`` is the UTC ISO-8601 time of the last scheduled occurrence that was
    delivered (never of a failed send); it is what stops a nudge from firing twice.
    """

    id: str
    chat_id: int
    hour: int
    minute: int
    days: frozenset[int]
    tz: str
    active: bool = True
    last_fired: str | None = None
    paused: bool = False  # paused by the user with its own button; kept but not fired
    thread_id: int | None = None  # the forum topic it was set in; None = the chat itself
    platform: str = TELEGRAM  # with chat_id, the chat's key (see ``key``)

    @property
    def key(self) -> ChatKey:
        """The chat this reminder belongs to."""
        return ChatKey(self.platform, self.chat_id)


@dataclass(frozen=True, slots=True)
class ChatProfile:
    """What the bot remembers about one chat besides its reminders."""

    chat_id: int
    is_group: bool = False
    tz: str | None = None
    step: int = 1
    studied: tuple[str, ...] = field(default_factory=tuple)  # ISO dates, oldest first
    paused_until: str | None = None  # UTC ISO-8601 datetime; None = not paused
    blocked: bool = False  # the bot was blocked or removed; reminders deactivated
    nudge_counter: int = 0  # rotates the nudge texts so none repeats twice in a row
    snoozed_until: str | None = None  # UTC ISO-8601 time of a pending one-off snoozed nudge
    snoozed_thread: int | None = None  # the forum topic the snoozed nudge goes to
    moved_to: int | None = None  # the group became this chat (same platform); data lives there
    platform: str = TELEGRAM  # with chat_id, the chat's key (see ``key``)
    language: str | None = None  # chosen with /language ("es"); None: each member's own
    announcements: bool = True  # takes the operators' announcements (/announcements off)

    @property
    def key(self) -> ChatKey:
        """The chat this profile belongs to."""
        return ChatKey(self.platform, self.chat_id)
