"""Reading a getUpdates batch one update at a time."""

from __future__ import annotations

import logging

import pytest
from telegram import Bot

from handlers.telegram.update_parsing import parse_updates

SECRET = "never-log-me"
BAD_POLL = {
    "update_id": 41,
    "poll": {
        "id": "5",
        "question": SECRET,
        "options": [{"text": SECRET, "voter_count": 0}],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
    },
}
GOOD = {
    "update_id": 42,
    "message": {"message_id": 1, "date": 0, "chat": {"id": 7, "type": "private"}, "text": "hi"},
}


def test_an_unreadable_update_becomes_a_bare_one_and_the_rest_is_read(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = Bot("123:abc")
    updates = parse_updates([BAD_POLL, GOOD], bot)
    assert [u.update_id for u in updates] == [41, 42]
    assert updates[0].poll is None and updates[0].effective_chat is None
    assert updates[1].message is not None and updates[1].message.text == "hi"
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "41" in record.getMessage() and "poll" in record.getMessage()
    assert SECRET not in record.getMessage()


def test_an_update_without_an_id_is_dropped() -> None:
    assert parse_updates([{"poll": {}}], Bot("123:abc")) == ()
