"""MedCoder Coach as bench_commands.py runs it: the real start-up, rate limiter on or off."""

from __future__ import annotations

import os
import sys

from bot.__main__ import run
from bot.settings import Settings
from handlers.telegram.app import TelegramFrontEnd


def main() -> int:
    """Open the core and poll the Bot API server named in the environment until SIGTERM."""
    settings = Settings.from_env(env_file=None)
    limiter = os.environ.get("BENCH_RATE_LIMITER", "1") == "1"
    return run(settings, front_ends=lambda core: [TelegramFrontEnd(core, rate_limiter=limiter)])


if __name__ == "__main__":
    sys.exit(main())
