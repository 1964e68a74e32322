"""Read a getUpdates batch one update at a time, so one the library cannot parse is skipped."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram import Bot, Update

log = logging.getLogger(__name__)

_MAX_ERROR_CHARS = 160


def parse_updates(raw: Sequence[Any], bot: Bot) -> tuple[Update, ...]:
    """Parse each update of a getUpdates result; a bare ``Update`` stands in for a bad one.

    The stand-in keeps its ``update_id``, so the offset still advances past it and Telegram
    stops sending it. The warning names the update id, its kind and the error, never content.
    """
    parsed: list[Update] = []
    for item in raw:
        try:
            parsed.append(Update.de_json(item, bot))
        except Exception as exc:  # anything the library raises on data it does not expect
            update_id = item.get("update_id") if isinstance(item, dict) else None
            kinds = sorted(key for key in item if key != "update_id") if update_id else []
            log.warning(
                "skipped update %s (%s) that could not be read: %s: %s",
                update_id,
                ",".join(kinds) or "unknown kind",
                type(exc).__name__,
                str(exc)[:_MAX_ERROR_CHARS],
            )
            if isinstance(update_id, int):
                stand_in = Update(update_id=update_id)
                stand_in.set_bot(bot)
                parsed.append(stand_in)
    return tuple(parsed)
