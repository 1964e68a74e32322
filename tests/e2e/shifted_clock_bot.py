"""Run the real bot process with its reminder clock shifted (for restart tests only).

BOT_CLOCK_SHIFT_SECONDS moves the schedule's "now" forward, so a test can put a due time a
few seconds ahead, or jump past it across a restart, without waiting for the wall clock.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta

from bot.__main__ import run
from bot.logs import configure_logging
from bot.settings import Settings


def main() -> int:
    """Start the bot like ``python -m bot`` does (same core, front ends and signals), with
    the clock shifted by BOT_CLOCK_SHIFT_SECONDS (seconds, may be fractional)."""
    shift = timedelta(seconds=float(os.environ["BOT_CLOCK_SHIFT_SECONDS"]))
    settings = Settings.from_env(env_file=None)
    configure_logging(settings.log_level, settings.secrets())
    return run(settings, clock=lambda: datetime.now(UTC) + shift)


if __name__ == "__main__":
    sys.exit(main())
