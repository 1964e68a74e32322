"""The services the handlers use, built once in the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from bot.answers import QuestionIndex
from bot.guide import Guide
from bot.settings import Settings


@dataclass(slots=True)
class Services:
    settings: Settings
    guide: Guide
    questions: QuestionIndex
