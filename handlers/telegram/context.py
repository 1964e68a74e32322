"""The typed callback context: handlers reach the core as ``context.services``."""

from __future__ import annotations

from typing import Any, cast

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.core import Core

SERVICES_KEY = "services"


class CoachContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's CallbackContext plus typed access to the open core."""

    @property
    def services(self) -> Core:
        """The open core the front end placed in ``bot_data`` (settings, guide, questions,
        repository, reminders, clock)."""
        return cast(Core, self.bot_data[SERVICES_KEY])


COACH_CONTEXT_TYPES = ContextTypes(context=CoachContext)


def install_services(app: Application[Any, Any, Any, Any, Any, Any], core: Core) -> None:
    """Place the open core where ``CoachContext.services`` (and ``common.services``) find it."""
    app.bot_data[SERVICES_KEY] = core
