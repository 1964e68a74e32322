"""What reminder handlers look up for an update: the service, the chat's zone, the topic."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot.reminders import ReminderService
from handlers.telegram.common import services


def reminder_service(context: ContextTypes.DEFAULT_TYPE) -> ReminderService:
    """The reminder service (always present once the application has started)."""
    found = services(context).reminders
    if found is None:
        raise RuntimeError("reminders are not running")
    return found


async def chat_zone(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> str | None:
    """The time zone the chat chose, if any."""
    return (await reminder_service(context).profile(chat_id)).tz


def topic_of(update: Update) -> int | None:
    """The forum topic the update happened in (a command, or a button on a bot message)."""
    message = update.effective_message
    if not isinstance(message, Message) or not message.is_topic_message:
        return None
    return message.message_thread_id
