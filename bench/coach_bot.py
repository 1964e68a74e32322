"""MedCoder Coach as bench_commands.py runs it: the real build, rate limiter on or off."""

from __future__ import annotations

import os

from telegram import Update

from bot.settings import Settings
from handlers.telegram.app import build_application


def main() -> None:
    """Poll the Bot API server named in the environment."""
    settings = Settings.from_env(env_file=None)
    limiter = os.environ.get("BENCH_RATE_LIMITER", "1") == "1"
    app = build_application(settings, rate_limiter=limiter)
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
