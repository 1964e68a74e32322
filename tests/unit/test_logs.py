"""Logging: the token is redacted from messages and tracebacks."""

from __future__ import annotations

import io
import logging

from bot.logs import RedactingFilter, update_kind

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
