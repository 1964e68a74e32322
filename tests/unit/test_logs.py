"""Logging: the token is redacted from messages and tracebacks; text and JSON lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.logs import RedactingFilter, configure_logging, event_fields, update_kind

QUIETED = ("httpx", "httpcore", "apscheduler")

TOKEN = "123456789:AAHsecretTokenValue_abcdefghijklmn"


def test_token_is_redacted_from_message_and_traceback() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter([TOKEN]))
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError:
        logger.exception("request to %s failed", f"/bot{TOKEN}/getMe")
    output = stream.getvalue()
    assert TOKEN not in output
    assert output.count("[REDACTED]") >= 2


def test_update_kind_names_the_part_that_is_set() -> None:
    class FakeUpdate:
        message = None
        callback_query = object()

    assert update_kind(FakeUpdate()) == "callback_query"
    assert update_kind(object()) == "other"


def test_every_configured_token_is_redacted() -> None:
    discord = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GfakeX.discord-bot-token-for-the-tests"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter([TOKEN, discord, ""]))
    logger = logging.getLogger("test.redaction.all")
    logger.addHandler(handler)
    logger.propagate = False
    logger.warning("telegram %s and discord %s", TOKEN, discord)
    output = stream.getvalue()
    assert TOKEN not in output and discord not in output
    assert output.count("[REDACTED]") == 2


@pytest.fixture
def root_logging() -> Iterator[None]:
    """Put the root logger back as it was after a test that configures logging."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quieted = {name: logging.getLogger(name).level for name in QUIETED}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in quieted.items():
        logging.getLogger(name).setLevel(old)


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.usefixtures("root_logging")
def test_json_format_writes_one_object_per_line_with_the_update_fields(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", [TOKEN], "json")
    before = datetime.now(UTC)
    fields = event_fields(
        platform="telegram", update_kind="message", chat_type="private", latency_ms=4.26
    )
    logging.getLogger("handlers.telegram.app").info(
        "handled %s in %s chat", "message", "private", extra=fields
    )
    logging.getLogger("bot.core").info("running on telegram")

    first, second = json_lines(capsys.readouterr().err)
    assert first == {
        "time": first["time"],
        "level": "INFO",
        "logger": "handlers.telegram.app",
        "event": "handled message in private chat",
        "platform": "telegram",
        "update_kind": "message",
        "chat_type": "private",
        "latency_ms": 4.3,
    }
    assert first["time"].endswith("Z")
    logged = datetime.fromisoformat(first["time"])
    assert logged.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) < logged < datetime.now(UTC) + timedelta(seconds=1)
    assert second.keys() == {"time", "level", "logger", "event"}


@pytest.mark.usefixtures("root_logging")
def test_json_format_redacts_the_token_in_the_event_the_fields_and_the_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", [TOKEN], "json")
    log = logging.getLogger("handlers.telegram.errors")
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getMe: naïve failure")
    except RuntimeError:
        log.exception("request to /bot%s/getMe failed", TOKEN, extra={"platform": TOKEN})
    output = capsys.readouterr().err
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    (entry,) = json_lines(output)
    assert entry["level"] == "ERROR"
    assert entry["event"] == "request to /bot[REDACTED]/getMe failed"
    assert entry["platform"] == "[REDACTED]"
    assert entry["exc"].startswith("Traceback (most recent call last)")
    assert "bot[REDACTED]/getMe: naïve failure" in entry["exc"]


@pytest.mark.usefixtures("root_logging")
def test_json_format_writes_only_the_known_fields(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", [], "json")
    logging.getLogger("bot.backups").info(
        "backup written",
        extra={"text": "what the user typed", "snapshot": Path("/b/x.tar.gz"), "seconds": 0.5},
    )
    (entry,) = json_lines(capsys.readouterr().err)
    assert "text" not in entry and "what the user typed" not in json.dumps(entry)
    assert entry["snapshot"] == "/b/x.tar.gz" and entry["seconds"] == 0.5


@pytest.mark.usefixtures("root_logging")
def test_text_format_stays_one_plain_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", [TOKEN], "text")
    logging.getLogger("bot.core").info("token %s", TOKEN, extra=event_fields(platform="x"))
    (line,) = capsys.readouterr().err.splitlines()
    assert line.endswith(" INFO bot.core: token [REDACTED]")
    assert logging.getLogger("httpx").level == logging.WARNING


@pytest.mark.usefixtures("root_logging")
def test_an_unknown_log_format_is_refused() -> None:
    with pytest.raises(ValueError, match="'text' or 'json'"):
        configure_logging("INFO", [], "yaml")


def test_event_fields_leave_out_what_is_unknown() -> None:
    assert event_fields(platform="discord", latency_ms=12.345) == {
        "platform": "discord",
        "latency_ms": 12.3,
    }


def test_discord_interaction_tokens_in_urls_are_redacted() -> None:
    record = logging.LogRecord(
        "discord.http",
        logging.WARNING,
        __file__,
        1,
        "We are being rate limited. POST %s responded with 429",
        ("https://discord.com/api/v10/webhooks/1234567/aW50ZXJhY3Rpb24.token-part_x/messages",),
        None,
    )
    RedactingFilter([]).filter(record)
    message = record.getMessage()
    assert "aW50ZXJhY3Rpb24" not in message
    assert "/webhooks/1234567/[REDACTED]/messages" in message
