"""Starting the bot as a real process (``python -m bot``) for the process tests."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

# Every variable the bot reads starts with one of these: a test's process sees only its own.
BOT_SETTINGS = (
    "TELEGRAM_",
    "DISCORD_",
    "DATA_DIR",
    "ADMIN_IDS",
    "METRICS_",
    "BACKUP_",
    "WEBHOOK_",
    "LOG_",
    "REMINDER_",
)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any bot setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(BOT_SETTINGS)}
    env.update(extra)
    return env


async def start_bot(
    folder: Path, env: dict[str, str], *args: str, stdout: bool = True
) -> asyncio.subprocess.Process:
    """Start ``python -m bot ARGS`` in ``folder``; stderr (and ``stdout``) piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=folder,
        env=env,
        stdout=asyncio.subprocess.PIPE if stdout else None,
        stderr=asyncio.subprocess.PIPE,
    )


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
