"""A burst of storage changes that prints each change's number once it is durable.

Run as ``python -m tests.e2e.storage_burst_writer DATA_DIR COUNT``; the kill -9 test kills it
mid-burst and checks that every printed change survived.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from storage.records import ChatKey, ChatProfile, Reminder
from storage.repository import Repository

SHARDS = 16
WEEKDAYS = frozenset(range(5))
Change = tuple[str, tuple[Any, ...]]  # (repository method, arguments)


def chat_of(group: int) -> ChatKey:
    """The chat of group ``group``: Telegram and Discord in turn, each numeric id used on both
    platforms (so two chats with the same id must stay apart)."""
    return ChatKey("telegram" if group % 2 == 0 else "discord", 1000 + group // 2)


def burst_change(number: int) -> Change:
    """Return change ``number`` of the burst: each group of four works on a new chat."""
    group, step = divmod(number, 4)
    chat = chat_of(group)
    fired = f"2026-05-01T{group % 24:02d}:00:00+00:00"
    if step == 0:
        reminder = Reminder(f"r{group}", chat.id, 8, group % 60, WEEKDAYS, "UTC")
        return "add_reminder", (replace(reminder, platform=chat.platform),)
    if step == 1:
        profile = ChatProfile(chat.id, tz="UTC", nudge_counter=group, platform=chat.platform)
        return "put_profile", (profile,)
    if step == 2:
        previous = (chat_of(group - 1), f"r{group - 1}", fired)
        return "record_fired_many", ([(chat, f"r{group}", fired), previous],)
    if group % 4 in (1, 2):
        return "delete_reminder", (chat, f"r{group}")
    return "set_reminders_active", (chat, False)


class ExpectedState:
    """What the data directory must hold after a given sequence of changes."""

    def __init__(self) -> None:
        """Start empty."""
        self.profiles: dict[ChatKey, ChatProfile] = {}
        self.reminders: dict[tuple[ChatKey, str], Reminder] = {}

    def apply(self, change: Change) -> None:
        """Apply one change the way the repository does."""
        method, arguments = change
        if method == "add_reminder":
            (reminder,) = arguments
            self.reminders[reminder.key, reminder.id] = reminder
        elif method == "put_profile":
            (profile,) = arguments
            self.profiles[profile.key] = profile
        elif method == "record_fired_many":
            for chat, reminder_id, fired in arguments[0]:
                old = self.reminders.get((chat, reminder_id))
                if old is not None:
                    self.reminders[chat, reminder_id] = replace(old, last_fired=fired)
        elif method == "delete_reminder":
            self.reminders.pop(arguments, None)
        else:
            chat, active = arguments
            for key, old in list(self.reminders.items()):
                if key[0] == chat:
                    self.reminders[key] = replace(old, active=active)


def main() -> None:
    """Perform the burst, printing each change number after the call returns."""
    data_dir, count = Path(sys.argv[1]), int(sys.argv[2])
    repository = Repository.open(data_dir, SHARDS)
    for number in range(count):
        method, arguments = burst_change(number)
        getattr(repository, method)(*arguments)
        print(number, flush=True)
    repository.close()


if __name__ == "__main__":
    main()
