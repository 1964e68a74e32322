"""What reaches the bot, end to end: unreadable updates, odd entities, presses and refusals."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from handlers.telegram.common import SERVICES_KEY
from handlers.telegram.reminder_context import telegram_chat
from tests.conftest import Coach
from tests.fakeapi.simulator import SimChat, SimUser

ANN = SimUser(6001, "Ann", "ann")
CHAT = SimChat.private(ANN)
BEA = SimUser(6002, "Bea", "bea")
BEA_CHAT = SimChat.private(BEA)
GROUP = SimChat.group(-6001, "Coders")
SORRY = "Sorry, something went wrong"
SECRET = "do-not-log-this-text"

POLL_WITHOUT_PERSISTENT_ID = {
    "id": "5",
    "question": SECRET,
    "options": [{"text": "a", "voter_count": 0}],
    "total_voter_count": 0,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
}


def admin_without_flags(coach: Coach) -> dict[str, Any]:
    """A my_chat_member update whose new administrator status lacks its can_* flags."""
    bot = coach.sim.bot.to_dict()
    return {
        "chat": GROUP.to_dict(),
        "from": ANN.to_dict(),
        "date": int(time.time()),
        "old_chat_member": {"user": bot, "status": "member"},
        "new_chat_member": {"user": bot, "status": "administrator", "custom_title": SECRET},
    }


def raw_message(
    chat: SimChat, user: SimUser, text: str, entities: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "message_id": 900_001,
        "date": int(time.time()),
        "chat": chat.to_dict(),
        "from": user.to_dict(),
        "text": text,
        "entities": entities,
    }


def sends_to(coach: Coach, chat_id: int) -> list[Any]:
    return [
        c
        for c in coach.sim.calls_to("sendMessage")
        if str(c.params.get("chat_id")) == str(chat_id)
    ]


def answers_to(coach: Coach, query_id: str) -> list[Any]:
    calls = coach.sim.calls_to("answerCallbackQuery")
    return [c for c in calls if str(c.params.get("callback_query_id")) == query_id]


# ---- updates the library cannot parse ----------------------------------------------------


@pytest.mark.parametrize("kind", ["poll", "my_chat_member"])
async def test_an_unreadable_update_is_skipped_and_the_rest_of_its_batch_served(
    coach: Coach, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    payload = POLL_WITHOUT_PERSISTENT_ID if kind == "poll" else admin_without_flags(coach)
    polls_before = len(coach.sim.calls_to("getUpdates"))
    # One batch: the bad update, then a command (add() returns the update with its id).
    bad = coach.sim.updates.add(kind, payload)
    coach.sim.send_text(CHAT, ANN, "/help")

    reply = await coach.sim.next_message(CHAT.id)
    assert "/steps" in reply.plain_text
    later = await coach.say(CHAT, ANN, "/salary")
    assert "$" in later.plain_text
    await coach.settle()

    assert len(coach.sim.updates) == 0  # confirmed, never fetched again
    assert len(coach.sim.calls_to("getUpdates")) - polls_before < 10
    skipped = [r for r in caplog.records if "could not be read" in r.getMessage()]
    assert len(skipped) == 1
    assert skipped[0].levelno == logging.WARNING
    assert str(bad["update_id"]) in skipped[0].getMessage()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert SECRET not in logged
    assert coach.server.token not in logged
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# ---- numbers people type -----------------------------------------------------------------


@pytest.mark.parametrize("number", ["²", "¹", "③"])
async def test_steps_with_a_digit_int_refuses_answers_like_a_step_out_of_range(
    coach: Coach, number: str
) -> None:
    expected = await coach.say(CHAT, ANN, "/steps 9")
    reply = await coach.say(CHAT, ANN, f"/steps {number}")
    assert SORRY not in reply.plain_text
    assert reply.text == expected.text


# ---- malformed entities ------------------------------------------------------------------


async def test_a_command_entity_over_a_space_is_read_as_plain_text(coach: Coach) -> None:
    expected = await coach.say(CHAT, ANN, "\u3000")
    entity = {"type": "bot_command", "offset": 0, "length": 1}
    coach.sim.push_update("message", raw_message(CHAT, ANN, "\u3000", [entity]))
    reply = await coach.sim.next_message(CHAT.id)
    assert SORRY not in reply.plain_text
    assert reply.text == expected.text


async def test_a_typed_time_under_a_malformed_command_entity_is_read_as_the_time(
    coach: Coach,
) -> None:
    await coach.say(CHAT, ANN, "/remind")  # asks for a time
    entity = {"type": "bot_command", "offset": 0, "length": 5}  # no slash: not a command
    coach.sim.push_update("message", raw_message(CHAT, ANN, "18:45", [entity]))
    days = await coach.sim.next_message(CHAT.id)
    assert "18:45" in days.plain_text
    assert any(d.startswith("rf:1845:") for d in days.button_data())


# ---- replies that meet a refusal ---------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "description"),
    [(403, "Forbidden: bot was blocked by the user"), (400, "Bad Request: chat not found")],
)
async def test_a_refused_reply_marks_the_chat_unreachable_and_sends_nothing_more(
    coach: Coach, status: int, description: str, caplog: pytest.LogCaptureFixture
) -> None:
    set_up = await coach.say(CHAT, ANN, "/remind 19:30 mon,wed,fri Europe/London")
    assert "Reminder set" in set_up.plain_text
    coach.sim.fail_next("sendMessage", status, description, chat_id=CHAT.id, times=5)
    coach.sim.send_text(CHAT, ANN, "/help")
    await coach.settle()

    refused = [c for c in sends_to(coach, CHAT.id) if not c.ok]
    assert len(refused) == 1  # no apology after the refusal
    service = coach.app.bot_data[SERVICES_KEY].reminders
    assert await service.is_blocked(telegram_chat(CHAT.id))
    assert not any(item.reminder.active for item in await service.list(telegram_chat(CHAT.id)))
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    coach.sim.faults.clear()


# ---- button presses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    ["Bad Request: message to edit not found", "Bad Request: message can't be edited"],
)
async def test_a_pager_press_on_a_gone_message_sends_the_page_anew(
    coach: Coach, description: str, caplog: pytest.LogCaptureFixture
) -> None:
    step = await coach.say(CHAT, ANN, "/steps 2")
    coach.sim.fail_next("editMessageText", 400, description)
    press = coach.sim.press_button(CHAT, ANN, step.message_id, "page:step:3")

    page = await coach.sim.next_message(CHAT.id)
    assert "Step 3 of 4" in page.plain_text
    await coach.settle()
    assert len(answers_to(coach, press["id"])) == 1
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_a_press_whose_handler_fails_after_answering_is_not_answered_again(
    coach: Coach, caplog: pytest.LogCaptureFixture
) -> None:
    step = await coach.say(CHAT, ANN, "/steps 2")
    coach.sim.fail_next("editMessageText", 400, "Bad Request: something unexpected")
    press = coach.sim.press_button(CHAT, ANN, step.message_id, "page:step:3")
    await coach.settle()
    assert len(answers_to(coach, press["id"])) == 1
    assert [r for r in caplog.records if r.levelno >= logging.ERROR]  # the failure is logged


@pytest.mark.parametrize(
    "data",
    ["pg:done", "pg:2", "ng:snooze", "stop:yes", "back:on", "rm:off:0123abcd", "show:steps", "?"],
)
async def test_a_press_without_a_chat_is_answered_exactly_once(coach: Coach, data: str) -> None:
    query_id = "770000001"
    coach.sim.push_update(
        "callback_query",
        {
            "id": query_id,
            "from": ANN.to_dict(),
            "chat_instance": "-5",
            "inline_message_id": "AgAAAFwAAAB1",
            "data": data,
        },
    )
    answer = await coach.sim.next_callback_answer(query_id)
    assert answer.callback_query_id == query_id
    await coach.settle()
    assert len(answers_to(coach, query_id)) == 1


# ---- one chat never delays another -------------------------------------------------------


@asynccontextmanager
async def held(coach: Coach, chat_id: int, text: str | None = None) -> AsyncIterator[None]:
    """Hold updates of ``chat_id`` (only those with ``text``, if given) before the bot's
    handlers, as a reply stuck on a rate limit would, until the block ends."""
    opened = asyncio.Event()

    async def hold(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        message = update.effective_message
        if update.effective_chat.id == chat_id and text in (None, message and message.text):
            await opened.wait()

    coach.app.add_handler(TypeHandler(Update, hold), group=-1)
    try:
        yield
    finally:
        opened.set()


async def test_a_stuck_group_does_not_delay_a_private_chat(coach: Coach) -> None:
    async with held(coach, GROUP.id):
        coach.sim.send_text(GROUP, ANN, "/help@MedCoderCoachBot")
        reply = await coach.say(BEA_CHAT, BEA, "/salary")
        assert "$" in reply.plain_text
        assert coach.sim.messages_to(GROUP.id) == []
    group_reply = await coach.sim.next_message(GROUP.id)
    assert "/steps" in group_reply.plain_text


async def test_updates_of_one_chat_are_handled_in_order(coach: Coach) -> None:
    async with held(coach, CHAT.id, "/steps"):
        coach.sim.send_text(CHAT, ANN, "/steps")
        coach.sim.send_text(CHAT, ANN, "/certs")
        other = await coach.say(BEA_CHAT, BEA, "/cost")  # later updates are being handled
        assert other.plain_text
        assert coach.sim.messages_to(CHAT.id) == []  # /certs waits for /steps
    first = await coach.sim.next_message(CHAT.id)
    second = await coach.sim.next_message(CHAT.id)
    assert "the four steps" in first.plain_text
    assert "Certified" in second.plain_text
