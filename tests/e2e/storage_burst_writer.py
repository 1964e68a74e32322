"""A burst of storage changes that prints each change's number once it is durable.

Run as ``python -m tests.e2e.storage_burst_writer DATA_DIR COUNT``; the kill -9 test kills it
mid-burst and checks that every printed change survived.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from storage.records import ChatProfile, Reminder
from storage.repository import Repository

SHARDS = 16
WEEKDAYS = frozenset(range(5))
Change = tuple[str, tuple[Any, ...]]  # (repository method, arguments)


def burst_change(number: int) -> Change:
    """Return change ``number`` of the burst: each group of four works on a new chat."""
    group, step = divmod(number, 4)
    chat_id = 1000 + group
    fired = f"2026-05-01T{group % 24:02d}:00:00+00:00"
    if step == 0:
        return "add_reminder", (Reminder(f"r{group}", chat_id, 8, group % 60, WEEKDAYS, "UTC"),)
    if step == 1:
        return "put_profile", (ChatProfile(chat_id, tz="UTC", nudge_counter=group),)
    if step == 2:
        previous = (chat_id - 1, f"r{group - 1}", fired)
        return "record_fired_many", ([(chat_id, f"r{group}", fired), previous],)
    if group % 2:
        return "delete_reminder", (chat_id, f"r{group}")
    return "set_reminders_active", (chat_id, False)


class ExpectedState:
    """What the data directory must hold after a given sequence of changes."""

    def __init__(self) -> None:
        """Start empty."""
        self.profiles: dict[int, ChatProfile] = {}
        self.reminders: dict[tuple[int, str], Reminder] = {}

    def apply(self, change: Change) -> None:
        """Apply one change the way the repository does."""
        method, arguments = change
        if method == "add_reminder":
            (reminder,) = arguments
            self.reminders[reminder.chat_id, reminder.id] = reminder
        elif method == "put_profile":
            (profile,) = arguments
            self.profiles[profile.chat_id] = profile
        elif method == "record_fired_many":
            for chat_id, reminder_id, fired in arguments[0]:
                old = self.reminders.get((chat_id, reminder_id))
                if old is not None:
                    self.reminders[chat_id, reminder_id] = _replace(old, last_fired=fired)
        elif method == "delete_reminder":
            self.reminders.pop(arguments, None)
        else:
            chat_id, active = arguments
            for key, old in list(self.reminders.items()):
                if key[0] == chat_id:
                    self.reminders[key] = _replace(old, active=active)


def _replace(reminder: Reminder, **changes: Any) -> Reminder:
    values = {name: getattr(reminder, name) for name in Reminder.__slots__}
    return Reminder(**(values | changes))


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
