"""The old Telegram view (HTML text plus button rows), kept only for what still sends one.

The screens are core Replies now (bot/screens/), rendered by handlers/telegram/render.py.
Only handlers/telegram/admin.py (/stats) still builds a ``View``; common.reply/edit accept a
View as well as a Reply. Delete this module once /stats returns a Reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Buttons = tuple[tuple[tuple[str, str], ...], ...]


@dataclass(frozen=True, slots=True)
class View:
    """HTML text (Telegram's HTML parse mode) and button rows of (label, callback data)."""

    text: str
    buttons: Buttons = field(default_factory=tuple)
