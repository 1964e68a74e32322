"""Send nudges through Telegram, turning its errors into the core's delivery errors."""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot import delivery_errors
from bot.guide import Guide
from bot.reminders import Nudge, NudgeSender
from bot.screens.reminders import nudge as nudge_screen
from handlers.telegram.render import html, keyboard

UNREACHABLE_HINTS = ("chat not found", "user is deactivated", "bot was kicked", "not a member")
TOPIC_GONE_HINTS = ("message thread not found", "topic_deleted", "topic_closed")


def nudge_sender(bot: Bot, guide: Guide) -> NudgeSender:
    """A NudgeSender that renders a nudge and sends it with its buttons."""

    async def send(nudge: Nudge) -> None:
        reply = nudge_screen(guide, nudge)
        text, markup = html(reply), keyboard(reply.buttons)
        try:
            try:
                await bot.send_message(
                    nudge.chat_id,
                    text,
                    reply_markup=markup,
                    message_thread_id=nudge.thread_id,
                )
            except BadRequest as exc:
                if nudge.thread_id is None or not _says(exc, TOPIC_GONE_HINTS):
                    raise
                # The topic was deleted or closed: the group still gets its nudge.
                await bot.send_message(nudge.chat_id, text, reply_markup=markup)
        except ChatMigrated as exc:
            raise delivery_errors.ChatMoved(exc.new_chat_id) from exc
        except RetryAfter as exc:
            raise delivery_errors.RetryAfter(_seconds(exc.retry_after)) from exc
        except Forbidden as exc:
            raise delivery_errors.ChatUnreachable(exc.message) from exc
        except BadRequest as exc:
            if _says(exc, UNREACHABLE_HINTS):
                raise delivery_errors.ChatUnreachable(exc.message) from exc
            raise
        except (TimedOut, NetworkError) as exc:
            raise delivery_errors.TransientError(str(exc)) from exc

    return send


def _says(exc: BadRequest, hints: tuple[str, ...]) -> bool:
    return any(hint in exc.message.lower() for hint in hints)


def _seconds(retry_after: int | timedelta) -> float:
    """Seconds to wait: a timedelta once PTB_TIMEDELTA is on (the app sets it), else an int."""
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else retry_after
