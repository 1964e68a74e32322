"""Send nudges through Telegram, turning its errors into the core's delivery errors."""

from __future__ import annotations

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot import delivery_errors
from bot.guide import Guide
from bot.reminders import Nudge, NudgeSender
from handlers import reminder_views
from handlers.common import keyboard

UNREACHABLE_HINTS = ("chat not found", "user is deactivated", "bot was kicked", "not a member")


def nudge_sender(bot: Bot, guide: Guide) -> NudgeSender:
    """A NudgeSender that renders a nudge and sends it with its buttons."""

    async def send(nudge: Nudge) -> None:
        view = reminder_views.nudge(guide, nudge)
        try:
            await bot.send_message(nudge.chat_id, view.text, reply_markup=keyboard(view.buttons))
        except RetryAfter as exc:
            raise delivery_errors.RetryAfter(_seconds(exc.retry_after)) from exc
        except Forbidden as exc:
            raise delivery_errors.ChatUnreachable(exc.message) from exc
        except BadRequest as exc:
            if any(hint in exc.message.lower() for hint in UNREACHABLE_HINTS):
                raise delivery_errors.ChatUnreachable(exc.message) from exc
            raise
        except (TimedOut, NetworkError) as exc:
            raise delivery_errors.TransientError(str(exc)) from exc

    return send


def _seconds(retry_after: object) -> float:
    total = getattr(retry_after, "total_seconds", None)
    return float(total()) if callable(total) else float(retry_after)  # type: ignore[arg-type]
