"""The typed callback context: handlers reach the core as ``context.services``."""

from __future__ import annotations

from typing import Any, cast

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.services import Services

SERVICES_KEY = "services"


class CoachContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's CallbackContext plus typed access to the core's services."""

    @property
    def services(self) -> Services:
        """The core services the composition root placed in ``bot_data``."""
        return cast(Services, self.bot_data[SERVICES_KEY])


COACH_CONTEXT_TYPES = ContextTypes(context=CoachContext)


def install_services(app: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    """Place the core services where ``CoachContext.services`` finds them."""
    app.bot_data[SERVICES_KEY] = services
