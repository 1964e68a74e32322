"""Entry point: ``python -m bot`` runs the bot; ``python -m bot chat`` opens a console chat;
``python -m bot restore FILE`` puts a backup snapshot in place of a stopped bot's data.

``python -m bot chat [--data-dir DIR]`` runs the console front end (``handlers/console.py``):
no token, no network, its data in a throwaway temporary folder unless ``--data-dir`` names one.

``python -m bot restore FILE`` restores the snapshot FILE into DATA_DIR (``storage.backup``:
checked first, the old data kept beside it); it needs no token and reads only DATA_DIR.
Exit status: 0 when restored; 2 when the snapshot is refused, the bot is running or DATA_DIR
is malformed (nothing changed).

``python -m bot`` reads the settings, opens the core (``Core.open``) and runs every front end
whose token is configured on it (Telegram, Discord, or both) until SIGTERM or SIGINT, then
stops them in order: front ends stop taking updates, the reminder engine stops (its sends in
flight drain), the front ends disconnect, storage closes. With METRICS_PORT set, Prometheus
metrics (``bot.metrics``) are served on ``0.0.0.0:METRICS_PORT/metrics`` from before the
front ends connect until after they stop. Exit status: 0 after a signal; 2 when a setting is
missing or malformed, the guide or the data folder is broken, or a platform rejects its token;
1 when a platform cannot be reached or METRICS_PORT cannot be listened on.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from dotenv import dotenv_values

from bot.core import Core, FrontEnd, FrontEndError, serving
from bot.guide import GuideError
from bot.metrics import MetricsError
from bot.settings import Settings, SettingsError
from bot.slot_scheduler import utc_now
from storage.errors import StorageError

USAGE = "usage: python -m bot [run | chat [--data-dir DIR] | restore FILE]"
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

log = logging.getLogger("bot")

FrontEnds = Callable[[Core], Sequence[FrontEnd]]


def main(argv: list[str] | None = None) -> int:
    """Run the command named in ``argv`` and return the process exit status."""
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "run"
    if command == "run":
        try:
            settings = Settings.from_env()
        except SettingsError as exc:
            return _fail(exc, 2)
        from bot.logs import configure_logging

        configure_logging(settings.log_level, settings.secrets(), settings.log_format)
        return run(settings)
    if command == "chat":
        return chat(args[1:])
    if command == "restore" and len(args) == 2 and args[1].strip():
        return restore(Path(args[1]))
    print(USAGE, file=sys.stderr)
    return 2


def chat(args: Sequence[str]) -> int:
    """``chat [--data-dir DIR]``: the console front end; return the exit status."""
    data_dir: Path | None = None
    if args:
        if len(args) != 2 or args[0] != "--data-dir" or not args[1].strip():
            print(USAGE, file=sys.stderr)
            return 2
        data_dir = Path(args[1])
    from handlers.console import run_console

    try:
        return run_console(data_dir)
    except (GuideError, StorageError) as exc:
        return _fail(exc, 2)
    except KeyboardInterrupt:
        return 0


def restore(snapshot: Path, environ: Mapping[str, str] | None = None) -> int:
    """``restore FILE``: put the snapshot in place of DATA_DIR's data; return the exit status.

    Prints what it did (where the old data went) on stdout, or one ``error:`` line on stderr.
    """
    from storage.backup import BackupError
    from storage.backup import restore as restore_snapshot

    try:
        data_dir = data_dir_from_env(environ)
        restored = restore_snapshot(snapshot, data_dir)
    except (SettingsError, BackupError) as exc:
        return _fail(exc, 2)
    print(f"restored {restored.files} files from {snapshot} into {restored.data_dir}")
    if restored.previous is None:
        print("there was no data there before")
    else:
        print(f"the data it replaced is kept in {restored.previous}")
    return 0


def data_dir_from_env(
    environ: Mapping[str, str] | None = None, env_file: Path = Path(".env")
) -> Path:
    """DATA_DIR as ``Settings.from_env`` reads it (the environment over ``.env``, blank: the
    default), without the front-end settings it would also demand (a token).

    Raises SettingsError when DATA_DIR is malformed.
    """
    source = os.environ if environ is None else environ
    if "DATA_DIR" in source:
        raw = source["DATA_DIR"]
    else:
        raw = (dotenv_values(env_file) if env_file.is_file() else {}).get("DATA_DIR") or ""
    try:
        return Settings.model_validate({"data_dir": raw}).data_dir
    except ValueError as exc:
        raise SettingsError(f"DATA_DIR is malformed: {exc}") from None


def run(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    front_ends: FrontEnds | None = None,
) -> int:
    """Run the bot on ``settings`` until SIGTERM or SIGINT; return the exit status.

    ``clock`` (aware UTC) drives the reminder schedule; ``front_ends`` builds the front ends
    from the open core (by default one per configured token).
    """
    try:
        build = front_ends or configured_front_ends(settings)
        asyncio.run(_serve(settings, clock, build))
    except FrontEndError as exc:
        return _fail(exc, exc.exit_status)
    except MetricsError as exc:
        return _fail(exc, 1)
    except (SettingsError, GuideError, StorageError) as exc:
        return _fail(exc, 2)
    return 0


def configured_front_ends(settings: Settings) -> FrontEnds:
    """The builder of every front end with a token (Telegram, Discord, or both)."""
    telegram, discord = settings.telegram, settings.discord
    if telegram is None and discord is None:
        raise SettingsError("no front end")

    def build(core: Core) -> Sequence[FrontEnd]:
        front_ends: list[FrontEnd] = []
        if telegram is not None:
            from handlers.telegram.app import TelegramFrontEnd

            front_ends.append(TelegramFrontEnd(core))
        if discord is not None:
            from handlers.discord.app import DiscordFrontEnd

            front_ends.append(DiscordFrontEnd(core, discord))
        return front_ends

    return build


async def _serve(settings: Settings, clock: Callable[[], datetime], build: FrontEnds) -> None:
    """Open the core, run the front ends on it until a stop signal, close everything."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def request_stop(signum: signal.Signals) -> None:
        log.info("%s received: stopping", signum.name)
        stop.set()

    for signum in STOP_SIGNALS:  # before anything opens, so a signal always stops cleanly
        loop.add_signal_handler(signum, request_stop, signum)
    try:
        async with Core.open(settings, clock=clock) as core, _metrics_served(core):
            # Building a front end creates its HTTP clients, which load TLS certificates
            # (about 30 ms each): off the event loop.
            front_ends = await asyncio.to_thread(build, core)
            async with serving(core, front_ends):
                await stop.wait()
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
    log.info("stopped")


@asynccontextmanager
async def _metrics_served(core: Core) -> AsyncIterator[None]:
    """Serve ``core.metrics`` on METRICS_PORT (all interfaces) while the block runs; nothing
    listens when it is unset. Raises MetricsError when the port cannot be listened on."""
    port = core.settings.metrics_port
    if port is None:
        yield
        return
    async with core.metrics.serving(port):
        yield


def _fail(exc: Exception, status: int) -> int:
    print(f"error: {exc}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
