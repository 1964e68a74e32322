"""A person's own data: /mydata sends everything stored about the chat as a JSON document;
/deleteme asks, then erases it all (profile, reminders with their delivery ledger, a pending
snooze, the chat's place in announcement lists) and takes it out of the schedule.

In a group the data is the group's, so only those who may manage the group may see or erase
it. A chat erased and used again starts afresh.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from bot.actions import Action, ConfirmErase, Unknown
from bot.actor import Actor
from bot.announcements import Announcements
from bot.guide import Guide
from bot.reminders import ReminderService
from bot.replies import Attachment, Reply
from bot.screens import privacy as screens
from storage.records import ChatKey

COMMANDS = frozenset({"mydata", "deleteme"})
ACTIONS = (ConfirmErase,)
FILENAME = "medcoder-mydata.json"


def needs_manager(name_or_action: str | Action | Unknown) -> bool:
    """Every privacy command and button depends on ``may_manage`` (in a group)."""
    return name_or_action in COMMANDS or isinstance(name_or_action, ConfirmErase)


@dataclass(frozen=True, slots=True)
class PrivacyUseCases:
    """/mydata and /deleteme over the reminder service and announcements."""

    reminders: ReminderService
    announcements: Announcements
    guide: Guide

    async def command(self, actor: Actor, name: str) -> Reply:
        """``/mydata`` or ``/deleteme`` (raises ValueError for another name)."""
        m = self.guide.for_language(actor.language).messages
        if not actor.may_manage:
            return screens.refusal(m, button=False)
        if name == "mydata":
            return screens.export(m, Attachment(FILENAME, await self.export(_chat(actor))))
        if name == "deleteme":
            return screens.confirm_erase(m, group=actor.is_group)
        raise ValueError(f"not a privacy command: {name}")

    async def press(self, actor: Actor, action: Action | Unknown) -> Reply:
        """The answer to "delete everything?": erase, or keep."""
        m = self.guide.for_language(actor.language).messages
        if not isinstance(action, ConfirmErase):
            return screens.stale(m)
        if not actor.may_manage:
            return screens.refusal(m, button=True)
        if not action.confirmed:
            return screens.kept(m)
        chat = _chat(actor)
        await self.announcements.forget(chat)
        await self.reminders.erase(chat)
        return screens.erased(m)

    async def export(self, chat: ChatKey) -> bytes:
        """Everything stored about ``chat`` as UTF-8 JSON (field names: the README's
        "Your data" section)."""
        stored = await self.reminders.stored_profile(chat)
        reminders = [item.reminder for item in await self.reminders.list(chat)]
        document: dict[str, Any] = {
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "chat": {"platform": chat.platform, "id": chat.id},
            "profile": None if stored is None else _plain(asdict(stored)),
            "reminders": [_plain(asdict(reminder)) for reminder in reminders],
        }
        return json.dumps(document, ensure_ascii=False, indent=2).encode()


def _chat(actor: Actor) -> ChatKey:
    return ChatKey(actor.platform, actor.chat_id)


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready: sets and tuples as sorted lists."""
    return {
        key: sorted(value) if isinstance(value, frozenset | set) else value
        for key, value in record.items()
    }
