"""Settings from the environment (and a .env file), validated once at start-up."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TOKEN_HELP = (
    "Get a token from @BotFather in Telegram (/newbot), then put it in .env as "
    "TELEGRAM_BOT_TOKEN=123456789:AA... (see .env.example)."
)


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class Secret:
    """A string that never shows itself in repr(), str() or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret value, for the one place that needs it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class Settings:
    token: Secret
    api_base_url: str | None = None
    data_dir: Path = Path("data")
    log_level: str = "INFO"
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    reminder_grace_minutes: int = 30

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
    ) -> Settings:
        """Read settings from ``environ`` (default os.environ) over values in ``env_file``."""
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        return cls(
            token=Secret(_token(values.get("TELEGRAM_BOT_TOKEN", ""))),
            api_base_url=_base_url(values.get("TELEGRAM_API_BASE_URL", "")),
            data_dir=Path(values.get("DATA_DIR", "").strip() or "data"),
            log_level=_log_level(values.get("LOG_LEVEL", "")),
            admin_ids=_admin_ids(values.get("ADMIN_IDS", "")),
            reminder_grace_minutes=_minutes(values.get("REMINDER_GRACE_MINUTES", "")),
        )


def _token(raw: str) -> str:
    token = raw.strip()
    if not token:
        raise SettingsError(f"TELEGRAM_BOT_TOKEN is not set. {TOKEN_HELP}")
    if not TOKEN_PATTERN.match(token):
        raise SettingsError(
            f"TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then at least "
            f"20 letters, digits, _ or -). {TOKEN_HELP}"
        )
    return token


def _base_url(raw: str) -> str | None:
    url = raw.strip()
    if not url:
        return None
    if not re.match(r"^https?://[^\s/]+", url):
        raise SettingsError(
            "TELEGRAM_API_BASE_URL must be an http(s) URL such as http://127.0.0.1:8081/bot"
        )
    return url


def _log_level(raw: str) -> str:
    level = raw.strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    return level


def _admin_ids(raw: str) -> frozenset[int]:
    parts = [part for part in re.split(r"[,\s]+", raw.strip()) if part]
    try:
        return frozenset(int(part) for part in parts)
    except ValueError:
        raise SettingsError(
            "ADMIN_IDS must be Telegram user ids separated by commas, like 12345,67890"
        ) from None


def _minutes(raw: str) -> int:
    text = raw.strip() or "30"
    if not text.isdigit() or not 0 <= int(text) <= 24 * 60:
        raise SettingsError("REMINDER_GRACE_MINUTES must be a whole number from 0 to 1440")
    return int(text)
