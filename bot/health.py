"""Whether the running bot can do its work: storage open and the reminder engine delivering.

Any front end (or a future metrics endpoint) may serve it; the Telegram webhook server answers
``GET /healthz`` with :meth:`Health.as_json` and status 200 when :attr:`Health.ok`, else 503.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import Core

OK = "ok"
DOWN = "down"


@dataclass(frozen=True, slots=True)
class Health:
    """Each part's state: True when it works."""

    storage: bool
    scheduler: bool

    @property
    def ok(self) -> bool:
        """Whether every part works."""
        return self.storage and self.scheduler

    def as_json(self) -> dict[str, str]:
        """``{"storage": "ok" | "down", "scheduler": "ok" | "down"}``."""
        return {
            "storage": OK if self.storage else DOWN,
            "scheduler": OK if self.scheduler else DOWN,
        }


def health(core: Core) -> Health:
    """The state of ``core`` now: its storage open, its reminder engine delivering nudges."""
    return Health(storage=core.repository.is_open, scheduler=core.reminders.running)
