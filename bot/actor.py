"""Who is asking, as the core sees it: the front end fills this in from a platform event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Platform = Literal["telegram", "discord", "console"]


@dataclass(frozen=True, slots=True)
class Actor:
    """The person acting and where.

    - ``chat_id``: the chat (Telegram) or channel (Discord) the reply goes to.
    - ``thread_id``: the forum topic (Telegram) or thread it was said in, if any.
    - ``may_manage``: whether this person may change the chat's shared state (reminders,
      time zone, progress). Always True in a private chat; in a group the front end decides
      (Telegram: an administrator per getChatMember; Discord: the Manage Server permission).
    - ``language``: the person's language code (IETF, e.g. ``en``, ``es``), if known.
    """

    platform: Platform
    chat_id: int
    user_id: int
    is_group: bool = False
    may_manage: bool = True
    thread_id: int | None = None
    first_name: str | None = None
    language: str | None = None
