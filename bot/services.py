"""The name the handlers know the core by: ``Services`` is :class:`bot.core.Core`.

Every attribute is set when the core is opened (settings, guide, questions, repository,
reminders, clock); none is filled in later.
"""

from __future__ import annotations

from bot.core import Core

Services = Core

__all__ = ["Core", "Services"]
