"""The services the handlers use, built once in the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.answers import QuestionIndex
from bot.guide import Guide
from bot.reminders import ReminderService
from bot.settings import Settings
from bot.slot_scheduler import utc_now
from storage.async_repository import AsyncRepository


@dataclass(slots=True)
class Services:
    settings: Settings
    guide: Guide
    questions: QuestionIndex
    reminders: ReminderService | None = None  # set once storage is open (post_init)
    repository: AsyncRepository | None = None
    clock: Callable[[], datetime] = field(default=utc_now)
