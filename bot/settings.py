"""Settings: the core's, and one group per front end, from the environment and then ``.env``.

``Settings.from_env()`` reads the variables (the environment wins over ``.env`` in the working
folder, through pydantic-settings) and validates them once at start-up: a problem is one
``SettingsError`` whose message names the variable. Tokens are ``SecretStr``: they never show in
``repr()``, ``str()`` or logs. A front end's group is present only when its token is set; its
other variables are validated either way, so a typo never hides until the front end is enabled.

Tests build the models directly, with no environment read at all::

    Settings(data_dir=path, telegram=TelegramSettings(token=SecretStr(token)))
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

TELEGRAM_TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
# Three base64url parts separated by dots: the user id, a timestamp and a signature.
DISCORD_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
# Telegram's rule for setWebhook's secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_GRACE_MINUTES = 24 * 60
TOKEN_HELP = (
    "Get a token from @BotFather in Telegram (/newbot), then put it in .env as "
    "TELEGRAM_BOT_TOKEN=123456789:AA... (see .env.example)."
)
DISCORD_TOKEN_HELP = (
    "Copy it from the Discord Developer Portal (your application, Bot, Reset Token) "
    "(see .env.example)."
)
NO_FRONT_END = (
    "Neither TELEGRAM_BOT_TOKEN nor DISCORD_BOT_TOKEN is set: set one to say where the bot "
    f"runs. {TOKEN_HELP}"
)
# Every variable read, by name; blank values count as unset.
VARIABLES = (
    "DATA_DIR",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "REMINDER_GRACE_MINUTES",
    "BACKUP_DIR",
    "BACKUP_EVERY_HOURS",
    "BACKUP_KEEP",
    "METRICS_PORT",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "ADMIN_IDS",
    "TELEGRAM_WEBHOOK_URL",
    "TELEGRAM_WEBHOOK_SECRET",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "DISCORD_BOT_TOKEN",
    "DISCORD_API_BASE_URL",
    "DISCORD_GATEWAY_URL",
    "DISCORD_ADMIN_IDS",
)


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


def _token(
    value: Any, variable: str, pattern: re.Pattern[str], shape: str, advice: str
) -> SecretStr:
    """A token that is set and has the platform's shape; ValueError naming ``variable``."""
    token = _reveal(value).strip()
    if not token:
        raise ValueError(f"{variable} is not set. {advice}")
    if not pattern.match(token):
        raise ValueError(f"{variable} does not look like a bot token ({shape}). {advice}")
    return SecretStr(token)


class _Group(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TelegramSettings(_Group):
    """The Telegram front end: TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL, ADMIN_IDS, and
    for webhook mode TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET, WEBHOOK_LISTEN and
    WEBHOOK_PORT (long polling when TELEGRAM_WEBHOOK_URL is unset)."""

    token: SecretStr
    api_base_url: str | None = None
    admin_ids: frozenset[int] = frozenset()
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443

    @property
    def uses_webhook(self) -> bool:
        """Whether updates arrive by webhook (TELEGRAM_WEBHOOK_URL set) or long polling."""
        return self.webhook_url is not None

    @field_validator("token", mode="before")
    @classmethod
    def _token(cls, value: Any) -> SecretStr:
        shape = "digits, a colon, then at least 20 letters, digits, _ or -"
        return _token(value, "TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN_PATTERN, shape, TOKEN_HELP)

    @field_validator("api_base_url", mode="before")
    @classmethod
    def _api_base_url(cls, value: Any) -> str | None:
        return _url(value, "TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot")

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: Any) -> frozenset[int]:
        return _ids(value, "ADMIN_IDS", "Telegram user ids")

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: Any) -> str | None:
        return _url(value, "TELEGRAM_WEBHOOK_URL", "https://bot.example.org/telegram")

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _webhook_secret(cls, value: Any) -> SecretStr | None:
        secret = _reveal(value).strip()
        if not secret:
            return None
        if not WEBHOOK_SECRET_PATTERN.match(secret):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be 1 to 256 letters, digits, _ or -")
        return SecretStr(secret)

    @field_validator("webhook_listen", mode="before")
    @classmethod
    def _webhook_listen(cls, value: Any) -> str:
        return str(value).strip() or "0.0.0.0"

    @field_validator("webhook_port", mode="before")
    @classmethod
    def _webhook_port(cls, value: Any) -> int:
        return _port(value, "WEBHOOK_PORT", 8443)

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> TelegramSettings:
        if self.webhook_url is not None and self.webhook_secret is None:
            raise ValueError(
                "TELEGRAM_WEBHOOK_SECRET is not set: webhook mode (TELEGRAM_WEBHOOK_URL) "
                "needs a secret so that only Telegram can post updates"
            )
        return self


class DiscordSettings(_Group):
    """The Discord front end: DISCORD_BOT_TOKEN, DISCORD_API_BASE_URL,
    DISCORD_GATEWAY_URL, DISCORD_ADMIN_IDS."""

    token: SecretStr
    api_base_url: str | None = None
    gateway_url: str | None = None
    admin_ids: frozenset[int] = frozenset()

    @field_validator("token", mode="before")
    @classmethod
    def _token(cls, value: Any) -> SecretStr:
        shape = "three parts of letters, digits, _ or - separated by dots"
        return _token(value, "DISCORD_BOT_TOKEN", DISCORD_TOKEN_PATTERN, shape, DISCORD_TOKEN_HELP)

    @field_validator("api_base_url", mode="before")
    @classmethod
    def _api_base_url(cls, value: Any) -> str | None:
        return _url(value, "DISCORD_API_BASE_URL", "http://127.0.0.1:8082/api/v10")

    @field_validator("gateway_url", mode="before")
    @classmethod
    def _gateway_url(cls, value: Any) -> str | None:
        return _url(value, "DISCORD_GATEWAY_URL", "ws://127.0.0.1:8082/gateway", ("ws", "wss"))

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: Any) -> frozenset[int]:
        return _ids(value, "DISCORD_ADMIN_IDS", "Discord user ids")


class Settings(_Group):
    """The core's settings and the group of every front end that has a token."""

    data_dir: Path = Path("data")
    log_level: str = "INFO"
    log_format: str = "text"  # "json": one JSON object per line
    reminder_grace_minutes: int = 30  # a nudge missed during downtime is sent if this late
    backup_dir: Path = Path("backups")
    backup_every_hours: int = 24  # 0: only on the operators' /backup
    backup_keep: int = 7
    metrics_port: int | None = None  # a Prometheus endpoint on this port when set
    telegram: TelegramSettings | None = None
    discord: DiscordSettings | None = None

    @field_validator("data_dir", mode="before")
    @classmethod
    def _data_dir(cls, value: Any) -> Path:
        return Path(str(value).strip() or "data") if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: Any) -> str:
        level = str(value).strip().upper() or "INFO"
        if level not in LOG_LEVELS:
            raise ValueError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: Any) -> str:
        chosen = str(value).strip().lower() or "text"
        if chosen not in LOG_FORMATS:
            raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
        return chosen

    @field_validator("backup_dir", mode="before")
    @classmethod
    def _backup_dir(cls, value: Any) -> Path:
        return Path(str(value).strip() or "backups") if isinstance(value, str) else value

    @field_validator("backup_every_hours", mode="before")
    @classmethod
    def _backup_every(cls, value: Any) -> int:
        return _whole(value, "BACKUP_EVERY_HOURS", 24, 0, 24 * 365)

    @field_validator("backup_keep", mode="before")
    @classmethod
    def _backup_keep(cls, value: Any) -> int:
        return _whole(value, "BACKUP_KEEP", 7, 1, 10_000)

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _metrics_port(cls, value: Any) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return _port(value, "METRICS_PORT", None)

    @field_validator("reminder_grace_minutes", mode="before")
    @classmethod
    def _grace(cls, value: Any) -> int:
        text = str(value).strip() or "30"
        if not text.isdigit() or not 0 <= int(text) <= MAX_GRACE_MINUTES:
            raise ValueError(
                f"REMINDER_GRACE_MINUTES must be a whole number from 0 to {MAX_GRACE_MINUTES}"
            )
        return int(text)

    @property
    def admin_ids(self) -> frozenset[int]:
        """The Telegram operators (ADMIN_IDS), as the /stats handler reads them today."""
        return self.telegram.admin_ids if self.telegram is not None else frozenset()

    def secrets(self) -> list[str]:
        """Every configured token, for the log filter that redacts them."""
        groups = (self.telegram, self.discord)
        found = [group.token.get_secret_value() for group in groups if group is not None]
        if self.telegram is not None and self.telegram.webhook_secret is not None:
            found.append(self.telegram.webhook_secret.get_secret_value())
        return found

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
    ) -> Settings:
        """Read and validate the settings: ``environ`` (default os.environ) over ``env_file``.

        Raise SettingsError naming the variable when one is malformed, or when no front end
        has a token.
        """
        raw = _Environment.read(environ, env_file)
        telegram = {
            "token": raw["TELEGRAM_BOT_TOKEN"],
            "api_base_url": raw["TELEGRAM_API_BASE_URL"],
            "admin_ids": raw["ADMIN_IDS"],
            "webhook_url": raw["TELEGRAM_WEBHOOK_URL"],
            "webhook_secret": raw["TELEGRAM_WEBHOOK_SECRET"],
            "webhook_listen": raw["WEBHOOK_LISTEN"],
            "webhook_port": raw["WEBHOOK_PORT"],
        }
        discord = {
            "token": raw["DISCORD_BOT_TOKEN"],
            "api_base_url": raw["DISCORD_API_BASE_URL"],
            "gateway_url": raw["DISCORD_GATEWAY_URL"],
            "admin_ids": raw["DISCORD_ADMIN_IDS"],
        }
        settings = _validated(
            cls,
            data_dir=raw["DATA_DIR"],
            log_level=raw["LOG_LEVEL"],
            log_format=raw["LOG_FORMAT"],
            reminder_grace_minutes=raw["REMINDER_GRACE_MINUTES"],
            backup_dir=raw["BACKUP_DIR"],
            backup_every_hours=raw["BACKUP_EVERY_HOURS"],
            backup_keep=raw["BACKUP_KEEP"],
            metrics_port=raw["METRICS_PORT"],
        )
        groups: dict[str, Any] = {}
        for name, model, values in (
            ("telegram", TelegramSettings, telegram),
            ("discord", DiscordSettings, discord),
        ):
            enabled = bool(values["token"].strip())
            # Without a token the group is off, but its other values are still checked.
            values = values if enabled else {**values, "token": _PLACEHOLDERS[name]}
            group = _validated(model, **values)
            groups[name] = group if enabled else None
        if not any(groups.values()):
            raise SettingsError(NO_FRONT_END)
        return settings.model_copy(update=groups)


# Stand-in tokens that pass validation, to check a disabled group's other variables.
_PLACEHOLDERS = {
    "telegram": "000:placeholder-placeholder-placeholder",
    "discord": "placeholder.placeholder.placeholder-placeholder-placeholder",
}


class _Environment(BaseSettings):
    """Every variable as raw text: the init values (the environment) win over ``.env``."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore", frozen=True)

    DATA_DIR: str = ""
    LOG_LEVEL: str = ""
    LOG_FORMAT: str = ""
    REMINDER_GRACE_MINUTES: str = ""
    BACKUP_DIR: str = ""
    BACKUP_EVERY_HOURS: str = ""
    BACKUP_KEEP: str = ""
    METRICS_PORT: str = ""
    TELEGRAM_BOT_TOKEN: str = ""
    TELEGRAM_API_BASE_URL: str = ""
    ADMIN_IDS: str = ""
    TELEGRAM_WEBHOOK_URL: str = ""
    TELEGRAM_WEBHOOK_SECRET: str = ""
    WEBHOOK_LISTEN: str = ""
    WEBHOOK_PORT: str = ""
    DISCORD_BOT_TOKEN: str = ""
    DISCORD_API_BASE_URL: str = ""
    DISCORD_GATEWAY_URL: str = ""
    DISCORD_ADMIN_IDS: str = ""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment is passed in as init values (so a test can give its own mapping);
        # they take precedence over the .env file.
        return (init_settings, dotenv_settings)

    @classmethod
    def read(cls, environ: Mapping[str, str] | None, env_file: Path | None) -> dict[str, str]:
        """The raw value of every variable in VARIABLES ("" when unset)."""
        source = os.environ if environ is None else environ
        given = {name: source[name] for name in VARIABLES if name in source}
        found = (
            cls(_env_file=env_file, **given)  # type: ignore[call-arg]
            if env_file is not None and env_file.is_file()
            else cls(_env_file=None, **given)  # type: ignore[call-arg]
        )
        return {name: getattr(found, name) for name in VARIABLES}


Model = TypeVar("Model", bound=BaseModel)


def _validated(model: type[Model], **values: Any) -> Model:
    """Build ``model`` from ``values``; turn the first problem into a SettingsError."""
    try:
        return model(**values)
    except ValidationError as exc:
        error = exc.errors()[0]
        cause = (error.get("ctx") or {}).get("error")
        raise SettingsError(str(cause) if cause else error["msg"]) from None


def _reveal(value: Any) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return value if isinstance(value, str) else ""


def _url(
    value: Any, variable: str, example: str, schemes: tuple[str, ...] = ("http", "https")
) -> str | None:
    url = value.strip() if isinstance(value, str) else ""
    if not url:
        return None
    if not re.match(rf"^(?:{'|'.join(schemes)})://[^\s/]+", url):
        kind = "a ws(s)" if "ws" in schemes else "an http(s)"
        raise ValueError(f"{variable} must be {kind} URL such as {example}")
    return url


def _ids(value: Any, variable: str, what: str) -> frozenset[int]:
    if not isinstance(value, str):
        return frozenset(value)
    parts = [part for part in re.split(r"[,\s]+", value.strip()) if part]
    try:
        return frozenset(int(part) for part in parts)
    except ValueError:
        raise ValueError(
            f"{variable} must be {what} separated by commas, like 12345,67890"
        ) from None


def _whole(value: Any, variable: str, default: int, low: int, high: int) -> int:
    text = str(value).strip() if value is not None else ""
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{variable} must be a whole number from {low} to {high}")
    return int(text)


def _port(value: Any, variable: str, default: int | None) -> int:
    text = str(value).strip() if value is not None else ""
    if not text and default is not None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"{variable} must be a port number from 1 to 65535")
    return int(text)
