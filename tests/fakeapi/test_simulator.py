"""BotApiSimulator called directly: polling, strictness, faults, limits and records."""

import asyncio
from typing import Any

import pytest

from tests.fakeapi.simulator import (
    BotApiSimulator,
    RateLimits,
    SimChat,
    SimulatorTimeout,
    SimUser,
)

ANN = SimUser(1001, "Ann", "ann_codes")
BOB = SimUser(1002, "Bob")
ANN_CHAT = SimChat.private(ANN)
GROUP = SimChat.group(-1002, "Coders")
PING = {"inline_keyboard": [[{"text": "Ping", "callback_data": "ping"}]]}


@pytest.fixture
def sim() -> BotApiSimulator:
    """A simulator that already knows Ann's private chat and the group."""
    simulator = BotApiSimulator()
    simulator.world.add(ANN_CHAT, ANN)
    simulator.world.add(GROUP, ANN)
    return simulator


async def ok(sim: BotApiSimulator, method: str, **params: Any) -> Any:
    """Call `method` and return its result, failing on an error answer."""
    status, body = await sim.handle(method, params)
    assert status == 200, body
    return body["result"]


async def error(sim: BotApiSimulator, method: str, **params: Any) -> tuple[int, str]:
    """Call `method` expecting an error; return status and description."""
    status, body = await sim.handle(method, params)
    assert body["ok"] is False
    return status, body["description"]


async def test_get_updates_waits_and_returns_as_soon_as_an_update_arrives(
    sim: BotApiSimulator,
) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(sim.handle("getUpdates", {"timeout": 5}))
    await sim.wait_for(lambda: sim.waiting_pollers)
    sim.send_text(ANN_CHAT, ANN, "hi")
    _status, body = await poll
    assert loop.time() - started < 1
    assert [u["message"]["text"] for u in body["result"]] == ["hi"]


async def test_get_updates_times_out_empty_and_offset_confirms(sim: BotApiSimulator) -> None:
    assert await ok(sim, "getUpdates", timeout=0) == []
    first = sim.send_text(ANN_CHAT, ANN, "one")
    sim.send_text(ANN_CHAT, ANN, "two")
    updates = await ok(sim, "GETUPDATES", limit=1)
    assert updates[0]["message"] == first
    again = await ok(sim, "getUpdates", offset=updates[0]["update_id"] + 1)
    assert [u["message"]["text"] for u in again] == ["two"]


async def test_allowed_updates_filter_and_persist(sim: BotApiSimulator) -> None:
    await ok(sim, "getUpdates", allowed_updates=["callback_query"])
    sim.send_text(ANN_CHAT, ANN, "dropped")
    assert await ok(sim, "getUpdates") == []
    sim.inline_query(ANN, "also dropped")
    await ok(sim, "getUpdates", allowed_updates=[])
    sim.inline_query(ANN, "kept")
    assert [u["inline_query"]["query"] for u in await ok(sim, "getUpdates")] == ["kept"]


async def test_a_second_poller_terminates_the_first_with_conflict(sim: BotApiSimulator) -> None:
    first = asyncio.create_task(sim.handle("getUpdates", {"timeout": 5}))
    await sim.wait_for(lambda: sim.waiting_pollers)
    await ok(sim, "getUpdates", timeout=0)
    status, body = await first
    assert status == 409
    assert "terminated by other getUpdates request" in body["description"]


async def test_unknown_method_and_unknown_chat(sim: BotApiSimulator) -> None:
    assert await error(sim, "sendTelepathy") == (404, "Not Found")
    assert await error(sim, "sendMessage", chat_id=555, text="x") == (
        400,
        "Bad Request: chat not found",
    )


async def test_reply_target_must_exist_unless_allowed(sim: BotApiSimulator) -> None:
    asked = sim.send_text(ANN_CHAT, ANN, "question")
    reply = await ok(
        sim, "sendMessage", chat_id=ANN.id, text="answer", reply_parameters={"message_id": 1}
    )
    assert reply["reply_to_message"] == asked
    missing = {"message_id": 99}
    assert await error(sim, "sendMessage", chat_id=ANN.id, text="x", reply_parameters=missing) == (
        400,
        "Bad Request: message to be replied not found",
    )
    lenient = {"message_id": 99, "allow_sending_without_reply": True}
    await ok(sim, "sendMessage", chat_id=ANN.id, text="x", reply_parameters=lenient)


async def test_user_reply_to_a_bot_message_carries_the_full_message(sim: BotApiSimulator) -> None:
    bot_message = await ok(
        sim, "sendMessage", chat_id=GROUP.id, text="<b>Quiz</b>", parse_mode="HTML"
    )
    reply = sim.send_text(GROUP, BOB, "my answer", reply_to_message_id=bot_message["message_id"])
    assert reply["reply_to_message"]["from"]["id"] == sim.bot.id
    assert reply["reply_to_message"]["entities"] == [{"offset": 0, "length": 4, "type": "bold"}]


@pytest.mark.parametrize(
    ("button", "description"),
    [
        ({"text": "x", "callback_data": "d" * 65}, "BUTTON_DATA_INVALID"),
        ({"text": "x", "callback_data": ""}, "BUTTON_DATA_INVALID"),
        ({"text": "", "callback_data": "d"}, "Text must be non-empty"),
        ({"text": "x"}, "Text buttons are unallowed"),
        ({"text": "x", "callback_data": "d", "url": "https://a.org"}, "exactly one"),
    ],
)
async def test_inline_buttons_are_validated(
    sim: BotApiSimulator, button: dict[str, Any], description: str
) -> None:
    markup = {"inline_keyboard": [[button]]}
    status, text = await error(sim, "sendMessage", chat_id=ANN.id, text="x", reply_markup=markup)
    assert status == 400
    assert description in text


async def test_edits_need_an_existing_changed_bot_message(sim: BotApiSimulator) -> None:
    sent = await ok(sim, "sendMessage", chat_id=ANN.id, text="v1", reply_markup=PING)
    target = {"chat_id": ANN.id, "message_id": sent["message_id"]}
    unchanged = await error(sim, "editMessageText", text="v1", reply_markup=PING, **target)
    assert unchanged[1].startswith("Bad Request: message is not modified")
    edited = await ok(sim, "editMessageText", text="v2", **target)
    assert "reply_markup" not in edited
    missing = {"chat_id": ANN.id, "message_id": 77}
    assert (await error(sim, "editMessageText", text="v3", **missing))[1].endswith(
        "message to edit not found"
    )
    users_message = sim.send_text(ANN_CHAT, ANN, "mine")
    assert (
        await error(
            sim, "editMessageReplyMarkup", chat_id=ANN.id, message_id=users_message["message_id"]
        )
    )[1].endswith("message can't be edited")
    assert (await sim.next_edit(ANN.id)).plain_text == "v2"


async def test_callback_query_can_be_answered_once(sim: BotApiSimulator) -> None:
    sent = await ok(sim, "sendMessage", chat_id=ANN.id, text="pick", reply_markup=PING)
    query = sim.press_button(ANN_CHAT, ANN, sent["message_id"], "ping")
    assert query["message"]["reply_markup"] == PING
    await ok(sim, "answerCallbackQuery", callback_query_id=query["id"], text="done")
    _status, text = await error(sim, "answerCallbackQuery", callback_query_id=query["id"])
    assert "query is too old" in text
    with pytest.raises(ValueError, match="no button 'pong'"):
        sim.press_button(ANN_CHAT, ANN, sent["message_id"], "pong")


async def test_inline_answers_are_validated(sim: BotApiSimulator) -> None:
    def article(result_id: str, text: str = "x") -> dict[str, Any]:
        content = {"message_text": text, "parse_mode": "HTML"}
        return {"type": "article", "id": result_id, "title": "t", "input_message_content": content}

    cases = [
        ([article(str(i)) for i in range(51)], "RESULTS_TOO_MUCH"),
        ([article("a"), article("a")], "RESULT_ID_DUPLICATE"),
        ([article("i" * 65)], "RESULT_ID_INVALID"),
        ([article("a", "<b>x")], "can't parse entities"),
    ]
    for results, description in cases:
        query = sim.inline_query(ANN, "q")
        _status, text = await error(
            sim, "answerInlineQuery", inline_query_id=query["id"], results=results
        )
        assert description in text
    query = sim.inline_query(ANN, "q")
    await ok(sim, "answerInlineQuery", inline_query_id=query["id"], results=[article("a")])
    assert (await sim.next_inline_answer()).results[0]["id"] == "a"


async def test_blocked_kicked_and_member_updates_control_who_the_bot_can_write(
    sim: BotApiSimulator,
) -> None:
    sim.block(ANN_CHAT)
    assert await error(sim, "sendMessage", chat_id=ANN.id, text="x") == (
        403,
        "Forbidden: bot was blocked by the user",
    )
    sim.unblock(ANN_CHAT)
    await ok(sim, "sendMessage", chat_id=ANN.id, text="x")
    update = sim.my_chat_member(GROUP, ANN, "member", "kicked")
    assert update["new_chat_member"]["status"] == "kicked"
    assert await error(sim, "sendMessage", chat_id=GROUP.id, text="x") == (
        403,
        "Forbidden: bot was kicked from the group chat",
    )


async def test_chat_member_statuses_are_set_by_the_test(sim: BotApiSimulator) -> None:
    sim.set_member_status(GROUP, BOB, "administrator")
    admin = await ok(sim, "getChatMember", chat_id=GROUP.id, user_id=BOB.id)
    assert (admin["status"], admin["can_delete_messages"]) == ("administrator", True)
    assert (await ok(sim, "getChatMember", chat_id=GROUP.id, user_id=ANN.id))["status"] == "member"
    admins = await ok(sim, "getChatAdministrators", chat_id=GROUP.id)
    assert [a["user"]["id"] for a in admins] == [BOB.id]
    assert (await error(sim, "getChatMember", chat_id=GROUP.id, user_id=4242))[1].endswith(
        "user not found"
    )


async def test_fault_injection_by_method_chat_and_count(sim: BotApiSimulator) -> None:
    sim.fail_next("sendmessage", 500, "Internal Server Error", times=2, chat_id=GROUP.id)
    await ok(sim, "sendMessage", chat_id=ANN.id, text="unaffected")
    assert (await error(sim, "sendMessage", chat_id=GROUP.id, text="x"))[0] == 500
    assert (await error(sim, "sendMessage", chat_id=GROUP.id, text="x"))[0] == 500
    await ok(sim, "sendMessage", chat_id=GROUP.id, text="recovered")


async def test_delay_holds_the_answer(sim: BotApiSimulator) -> None:
    sim.delay("getMe", 0.2, times=1)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(sim.handle("getMe", {}), 0.05)
    assert (await ok(sim, "getMe"))["username"] == "MedCoderCoachBot"


async def test_rate_limits_answer_429_with_whole_seconds() -> None:
    sim = BotApiSimulator(limits=RateLimits(global_per_second=3, per_chat_per_second=1))
    for user_id in (1, 2, 3, 4):
        sim.world.add(SimChat.private(SimUser(user_id, "U")))
    await ok(sim, "sendMessage", chat_id=1, text="a")
    status, body = await sim.handle("sendMessage", {"chat_id": 1, "text": "b"})
    assert (status, body["parameters"]) == (429, {"retry_after": 1})
    await ok(sim, "sendMessage", chat_id=2, text="a")
    await ok(sim, "sendMessage", chat_id=3, text="a")
    assert (await error(sim, "sendMessage", chat_id=4, text="a"))[0] == 429
    assert sim.rate.sends_per_second() == [3]
    assert sim.rate.throttled == 2


async def test_bot_profile_methods(sim: BotApiSimulator) -> None:
    await ok(sim, "setMyDescription", description="Coach for coders")
    await ok(sim, "setMyShortDescription", short_description="Coach", language_code="en")
    assert await ok(sim, "getMyDescription") == {"description": "Coach for coders"}
    assert await ok(sim, "getMyShortDescription") == {"short_description": ""}
    bad = [{"command": "Start", "description": "x"}]
    assert (await error(sim, "setMyCommands", commands=bad))[1].endswith("BOT_COMMAND_INVALID")
    await ok(sim, "setMyCommands", commands=[{"command": "start", "description": "Go"}])
    assert sim.commands() == [{"command": "start", "description": "Go"}]
    await ok(sim, "deleteMyCommands")
    assert await ok(sim, "getMyCommands") == []
    assert (await ok(sim, "getChat", chat_id=GROUP.id))["title"] == "Coders"
    await ok(sim, "sendChatAction", chat_id=ANN.id, action="typing")
    assert sim.chat_actions == [(ANN.id, "typing")]


async def test_user_text_gets_command_and_mention_entities(sim: BotApiSimulator) -> None:
    message = sim.send_text(GROUP, ANN, "/ask@MedCoderCoachBot what about @coach_bob?")
    assert message["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 21},
        {"type": "mention", "offset": 33, "length": 10},
    ]
    assert "entities" not in sim.send_text(GROUP, ANN, "plain words")


async def test_next_message_timeout_lists_what_was_sent(sim: BotApiSimulator) -> None:
    await ok(sim, "sendMessage", chat_id=GROUP.id, text="to the group")
    await error(sim, "sendMessage", chat_id=ANN.id, text="<b>", parse_mode="HTML")
    with pytest.raises(SimulatorTimeout) as raised:
        await sim.next_message(ANN.id, timeout=0.05)
    report = str(raised.value)
    assert "to the group" in report
    assert "can't parse entities" in report


async def test_next_message_consumes_in_order(sim: BotApiSimulator) -> None:
    for text in ("one", "two"):
        await ok(sim, "sendMessage", chat_id=ANN.id, text=text)
    assert (await sim.next_message(ANN.id)).text == "one"
    assert [m.text for m in sim.unread_messages(ANN.id)] == ["two"]
    assert (await sim.next_message(ANN.id)).text == "two"
    assert len(sim.messages_to(ANN.id)) == 2


async def test_an_upgraded_group_refuses_sends_and_names_the_supergroup(
    sim: BotApiSimulator,
) -> None:
    sim.set_member_status(GROUP, ANN, "administrator")
    new_chat = sim.migrate_to_supergroup(GROUP, -1_001_000_000_002, ANN)
    assert new_chat.type == "supergroup"
    updates = await ok(sim, "getUpdates")
    old_notice, new_notice = (u["message"] for u in updates)
    assert old_notice["chat"]["id"] == GROUP.id and "text" not in old_notice
    assert old_notice["migrate_to_chat_id"] == new_chat.id
    assert new_notice["chat"]["id"] == new_chat.id
    assert new_notice["migrate_from_chat_id"] == GROUP.id
    status, body = await sim.handle("sendMessage", {"chat_id": GROUP.id, "text": "hi"})
    assert status == 400
    assert body["description"] == "Bad Request: group chat was upgraded to a supergroup chat"
    assert body["parameters"] == {"migrate_to_chat_id": new_chat.id}
    member = await ok(sim, "getChatMember", chat_id=new_chat.id, user_id=ANN.id)
    assert member["status"] == "administrator"
    await ok(sim, "sendMessage", chat_id=new_chat.id, text="hi")


async def test_forum_topics_carry_their_thread_and_unknown_ones_are_refused(
    sim: BotApiSimulator,
) -> None:
    forum = SimChat.group(-1_001_000_000_003, "Forum", supergroup=True, forum=True)
    asked = sim.send_text(forum, ANN, "/remind", thread_id=77)
    assert asked["message_thread_id"] == 77 and asked["is_topic_message"] is True
    assert asked["chat"]["is_forum"] is True
    reply = await ok(
        sim,
        "sendMessage",
        chat_id=forum.id,
        text="in the topic",
        reply_parameters={"message_id": asked["message_id"]},
    )
    assert reply["message_thread_id"] == 77 and reply["is_topic_message"] is True
    sent = await ok(sim, "sendMessage", chat_id=forum.id, text="nudge", message_thread_id=77)
    assert sent["message_thread_id"] == 77
    general = await ok(sim, "sendMessage", chat_id=forum.id, text="general")
    assert "message_thread_id" not in general
    assert await error(sim, "sendMessage", chat_id=forum.id, text="x", message_thread_id=78) == (
        400,
        "Bad Request: message thread not found",
    )
    assert await error(sim, "sendMessage", chat_id=GROUP.id, text="x", message_thread_id=77) == (
        400,
        "Bad Request: message thread not found",
    )
    sim.delete_topic(forum, 77)
    assert (await error(sim, "sendMessage", chat_id=forum.id, text="x", message_thread_id=77))[
        0
    ] == 400
    assert [m.message_thread_id for m in sim.sent] == [77, 77, None]
