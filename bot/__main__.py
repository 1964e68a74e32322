"""Entry point: ``python -m bot`` runs the bot; ``python -m bot chat`` opens a console chat."""

from __future__ import annotations

import sys

from bot.guide import GuideError
from bot.settings import Settings, SettingsError
from storage.errors import StorageError

USAGE = "usage: python -m bot [run | chat]"


def main(argv: list[str] | None = None) -> int:
    """Run the command named in ``argv`` and return the process exit status."""
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "run"
    try:
        if command == "run":
            return _run()
        if command == "chat":
            from bot.console import run_console

            return run_console()
    except (SettingsError, GuideError, StorageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(USAGE, file=sys.stderr)
    return 2


def _run() -> int:
    from telegram import Update
    from telegram.error import InvalidToken, NetworkError

    from bot.app import build_application
    from bot.logs import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.token.reveal())
    app = build_application(settings)
    try:
        # run_polling handles SIGINT/SIGTERM: it stops polling, finishes shutdown and returns.
        app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    except InvalidToken:
        print(
            "error: Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather.",
            file=sys.stderr,
        )
        return 2
    except NetworkError as exc:
        print(
            f"error: cannot reach the Bot API ({exc.message}); check the network or "
            "TELEGRAM_API_BASE_URL.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
