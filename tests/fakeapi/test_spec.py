"""Spec validation of the fake server, and the request encodings it accepts."""

from typing import Any

import httpx
import pytest
from telegram import (
    BotCommandScopeChatAdministrators,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultPhoto,
    InputTextMessageContent,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from tests.fakeapi.server import FakeBotApiServer
from tests.fakeapi.simulator import SimChat, SimUser
from tests.fakeapi.spec import BotApiSpec, default_spec

ANN = SimUser(1001, "Ann")


@pytest.fixture
def spec() -> BotApiSpec:
    """The Bot API spec shipped with the tests."""
    return default_spec()


def test_form_values_are_decoded_by_their_declared_types(spec: BotApiSpec) -> None:
    form = {
        "chat_id": "-100123",
        "text": "42",
        "disable_notification": "true",
        "reply_parameters": '{"message_id": 7}',
    }
    assert spec.decode_form("sendMessage", form) == {
        "chat_id": -100123,
        "text": "42",
        "disable_notification": True,
        "reply_parameters": {"message_id": 7},
    }
    assert spec.decode_form("sendMessage", {"chat_id": "@channel"})["chat_id"] == "@channel"


@pytest.mark.parametrize(
    "markup",
    [
        InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="b")]]),
        ReplyKeyboardMarkup([[KeyboardButton("yes")]], resize_keyboard=True),
        ForceReply(),
    ],
)
def test_every_kind_of_reply_markup_from_ptb_is_valid(spec: BotApiSpec, markup: Any) -> None:
    params = {"chat_id": 1, "text": "x", "reply_markup": markup.to_dict()}
    assert spec.validate_call("sendMessage", params) == []


def test_inline_results_are_checked_against_their_concrete_type(spec: BotApiSpec) -> None:
    content = InputTextMessageContent("<b>x</b>", parse_mode="HTML")
    article = InlineQueryResultArticle("1", "Title", content).to_dict()
    photo = InlineQueryResultPhoto("2", "https://a.org/p.jpg", "https://a.org/t.jpg").to_dict()
    params = {"inline_query_id": "9", "results": [article, photo]}
    assert spec.validate_call("answerInlineQuery", params) == []

    broken = {**article, "input_message_content": {"message_txt": "typo"}}
    errors = spec.validate_call("answerInlineQuery", {"inline_query_id": "9", "results": [broken]})
    assert any('unknown field "message_txt"' in error for error in errors)
    unknown = {**article, "type": "hologram"}
    errors = spec.validate_call(
        "answerInlineQuery", {"inline_query_id": "9", "results": [unknown]}
    )
    assert errors == ["results[0] is no known kind of InlineQueryResult"]


def test_command_scopes_are_chosen_by_type(spec: BotApiSpec) -> None:
    scope = BotCommandScopeChatAdministrators(chat_id=-5).to_dict()
    assert spec.validate_call("getMyCommands", {"scope": scope}) == []
    missing_chat = {"type": "chat_administrators"}
    assert spec.validate_call("getMyCommands", {"scope": missing_chat}) == [
        'scope: field "chat_id" of BotCommandScopeChatAdministrators is required'
    ]


def test_wrong_shapes_are_reported_with_their_path(spec: BotApiSpec) -> None:
    params = {
        "chat_id": 1.5,
        "text": "x",
        "reply_markup": {"inline_keyboard": [{"text": "not a row"}]},
    }
    assert spec.validate_call("sendMessage", params) == [
        "chat_id must be Integer or String",
        "reply_markup.inline_keyboard[0] must be Array of InlineKeyboardButton",
    ]


async def test_server_accepts_json_bodies_and_get_queries(fake_api: FakeBotApiServer) -> None:
    fake_api.sim.world.add(SimChat.private(ANN), ANN)
    url = f"{fake_api.base_url}{fake_api.token}"
    async with httpx.AsyncClient() as client:
        by_json = await client.post(f"{url}/sendmessage", json={"chat_id": ANN.id, "text": "j"})
        by_query = await client.get(f"{url}/sendMessage", params={"chat_id": ANN.id, "text": "q"})
        unknown = await client.post(f"{url}/sendHologram")
        bad_json = await client.post(
            f"{url}/sendMessage", content=b"{", headers={"content-type": "application/json"}
        )
    assert by_json.json()["result"]["text"] == "j"
    assert by_query.json()["result"]["text"] == "q"
    assert (unknown.status_code, unknown.json()["description"]) == (404, "Not Found")
    assert bad_json.json()["description"] == "Bad Request: can't parse JSON body"
