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
            from handlers.telegram.console import run_console

            return run_console()
    except (SettingsError, GuideError, StorageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(USAGE, file=sys.stderr)
    return 2


def _run() -> int:
    from bot.logs import configure_logging
    from handlers.telegram.app import run_polling

    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.token.reveal())
    return run_polling(settings)


if __name__ == "__main__":
    sys.exit(main())
