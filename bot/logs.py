"""Logging set-up: one line per event, and every configured token redacted everywhere.

``LOG_FORMAT=text`` (the default) writes ``time LEVEL logger: event``; ``LOG_FORMAT=json``
writes one JSON object per line for log collectors::

    {"time": "2026-12-01T03:15:00.123Z", "level": "INFO", "logger": "handlers.telegram.app",
     "event": "handled message in private chat in 4.2 ms", "update_kind": "message",
     "chat_type": "private", "latency_ms": 4.2, "platform": "telegram"}

The fields after ``event`` appear when the call passed them (``extra=event_fields(...)``);
``exc`` holds a traceback. Only the fields in ``EXTRA_FIELDS`` are ever written, so an
``extra`` value can never carry message text into the log by accident.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

_UPDATE_KINDS = (
    "message",
    "edited_message",
    "callback_query",
    "inline_query",
    "chosen_inline_result",
    "my_chat_member",
    "chat_member",
    "channel_post",
)


# Structured fields a log call may pass with ``extra=``: written as JSON fields (and redacted).
EXTRA_FIELDS = (
    "update_kind",
    "chat_type",
    "latency_ms",
    "platform",
    "snapshot",  # a backup's file
    "size_bytes",
    "seconds",
)
# /webhooks/{application id}/{token} and /interactions/{id}/{token}: the token part.
_INTERACTION_TOKEN = re.compile(r"(/(?:webhooks|interactions)/\d+/)[A-Za-z0-9_.\-]+")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFilter(logging.Filter):
    """Replace every occurrence of the secrets in a record's final message and traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted({secret for secret in secrets if secret}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        cleaned = self._redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, str):
                setattr(record, name, self._redact(value))
        return True

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[REDACTED]")
        # Discord interaction tokens ride in URLs discord.py logs (a 429 on a followup).
        return _INTERACTION_TOKEN.sub(r"\1[REDACTED]", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: time (UTC ISO-8601, milliseconds), level,
    logger, event (the message), the ``EXTRA_FIELDS`` present, and exc (a traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line of JSON (non-ASCII kept as it is)."""
        created = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, Any] = {
            "time": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


def event_fields(
    *,
    platform: str | None = None,
    update_kind: str | None = None,
    chat_type: str | None = None,
    latency_ms: float | None = None,
) -> dict[str, Any]:
    """The ``extra=`` of a log call about one update (latency in milliseconds, rounded to
    0.1); the fields left None are not written."""
    fields = {"platform": platform, "update_kind": update_kind, "chat_type": chat_type}
    found: dict[str, Any] = {name: value for name, value in fields.items() if value is not None}
    if latency_ms is not None:
        found["latency_ms"] = round(latency_ms, 1)
    return found


def configure_logging(level: str, secrets: Iterable[str], log_format: str = "text") -> None:
    """Log to stderr at ``level`` with every secret (each front end's token) redacted.

    ``secrets`` is ``Settings.secrets()``; ``log_format`` is ``Settings.log_format``: "text"
    (one line per event) or "json" (one JSON object per line; ValueError for anything else).
    The HTTP client's per-request URL logs are quieted.
    """
    if log_format not in ("text", "json"):
        raise ValueError(f"log_format must be 'text' or 'json', got {log_format!r}")
    handler = logging.StreamHandler()
    formatter = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def update_kind(update: object) -> str:
    """Name the kind of a Telegram update (message, callback_query, ...)."""
    for kind in _UPDATE_KINDS:
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


def chat_type(update: object) -> str:
    """The chat type of an update, or 'none' (inline queries have no chat)."""
    chat = getattr(update, "effective_chat", None)
    return str(getattr(chat, "type", None) or "none")
