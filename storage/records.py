"""Plain, frozen records that storage keeps and core services read and write."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_REMINDERS_PER_CHAT = 5


@dataclass(frozen=True, slots=True)
class Reminder:
    """One recurring study nudge for one chat (a private chat or a group).

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
    moved_to: int | None = None  # the group became this supergroup; its data lives there
