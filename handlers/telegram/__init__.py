"""The thin Telegram layer: each module adds its handlers with register()."""

from __future__ import annotations

from telegram.ext import Application

from bot.guide import Guide
from handlers.telegram import (
    admin,
    announcing,
    errors,
    guide,
    inline,
    language,
    membership,
    privacy,
    progress,
    questions,
    reminders,
)


def register_all(app: Application, content: Guide) -> None:
    """Register every feature's handlers in the order they must be tried."""
    # Commands first, so free-text handlers never see them.
    guide.register(app, [section.command for section in content.sections])
    reminders.register(app)
    progress.register(app)
    language.register(app)
    privacy.register(app)
    announcing.register(app)
    membership.register(app)
    admin.register(app)
    inline.register(app)
    # Free text and unknown commands last: they catch what nothing else claimed.
    questions.register(app)
    guide.register_fallbacks(app)
    errors.register(app)
