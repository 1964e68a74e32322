"""The fake Bot API over real HTTP, driven by a real PTB Application."""

import asyncio

import pytest
from telegram import BotCommand, BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, TimedOut
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from tests.fakeapi.server import FakeBotApiServer
from tests.fakeapi.simulator import BotApiSimulator, SimChat, SimUser
from tests.fakeapi.tiny_bot import build_tiny_bot
from tests.harness import application_builder, barrier, running_application, simulator_builder

ANN = SimUser(1001, "Ann", "ann_codes")
ANN_CHAT = SimChat.private(ANN)
GROUP = SimChat.group(-1002, "Coders")


@pytest.fixture
def tiny_bot(fake_api: FakeBotApiServer) -> Application:
    """The tiny bot wired to the fake server."""
    return build_tiny_bot(application_builder(fake_api))


async def next_error(app: Application) -> Exception:
    """The next exception a handler of the tiny bot raised."""
    return await asyncio.wait_for(app.bot_data["errors"].get(), 5.0)


async def test_long_polling_delivers_a_message_and_records_the_reply(
    fake_api: FakeBotApiServer, tiny_bot: Application
) -> None:
    async with running_application(tiny_bot):
        sent = fake_api.sim.send_text(ANN_CHAT, ANN, "hello there")
        reply = await fake_api.sim.next_message(ANN_CHAT.id)
    assert reply.plain_text == "hello there"
    assert reply.reply_to_message_id is None
    assert sent["message_id"] < reply.message_id
    assert [call.method for call in fake_api.sim.calls[:2]] == ["getMe", "deleteWebhook"]


async def test_command_addressed_with_bot_username_in_a_group(
    fake_api: FakeBotApiServer, tiny_bot: Application
) -> None:
    async with running_application(tiny_bot):
        fake_api.sim.send_text(GROUP, ANN, "/start@MedCoderCoachBot")
        reply = await fake_api.sim.next_message(GROUP.id)
    assert reply.plain_text == "Hello Ann!"
    assert reply.entities == [{"offset": 6, "length": 3, "type": "bold"}]
    assert reply.button_data() == ["ping"]


async def test_malformed_html_raises_bad_request_in_the_bot(
    fake_api: FakeBotApiServer, tiny_bot: Application
) -> None:
    async with running_application(tiny_bot):
        fake_api.sim.send_text(ANN_CHAT, ANN, "/broken")
        error = await next_error(tiny_bot)
    assert isinstance(error, BadRequest)
    assert "Can't parse entities" in error.message
    assert fake_api.sim.messages_to(ANN_CHAT.id) == []


async def test_text_longer_than_4096_utf16_units_is_rejected(
    fake_api: FakeBotApiServer, tiny_bot: Application
) -> None:
    fake_api.sim.world.add(ANN_CHAT, ANN)
    async with running_application(tiny_bot):
        await tiny_bot.bot.send_message(ANN_CHAT.id, "😀" * 2048)
        with pytest.raises(BadRequest, match="Message is too long"):
            await tiny_bot.bot.send_message(ANN_CHAT.id, "😀" * 2049)


async def test_callback_data_over_64_bytes_is_rejected(
    fake_api: FakeBotApiServer, tiny_bot: Application
) -> None:
    fake_api.sim.world.add(ANN_CHAT, ANN)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
    async with running_application(tiny_bot):
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await tiny_bot.bot.send_message(ANN_CHAT.id, "pick", reply_markup=too_long)


@pytest.mark.filterwarnings("ignore:Please use 'Bot.sendMessage'")
@pytest.mark.parametrize(
    ("api_kwargs", "problem"),
    [
        ({"chat_id": 1001, "text": "x", "colour": "red"}, 'unknown parameter "colour"'),
        ({"chat_id": 1001, "text": "x", "disable_notification": "yes"}, "must be Boolean"),
        ({"chat_id": 1001}, 'parameter "text" is required'),
        (
            {
                "chat_id": 1001,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback": "b"}]]},
            },
            'unknown field "callback" in InlineKeyboardButton',
        ),
    ],
)
async def test_spec_violations_are_rejected_and_recorded(
    fake_api: FakeBotApiServer, tiny_bot: Application, api_kwargs: dict, problem: str
) -> None:
    fake_api.sim.world.add(ANN_CHAT, ANN)
    async with tiny_bot:
        with pytest.raises(BadRequest, match=f"(?i){problem}"):
            await tiny_bot.bot.do_api_request("sendMessage", api_kwargs=api_kwargs)
    assert [problem in str(v) for v in fake_api.spec_violations] == [True]
    assert fake_api.sim.sent == []
    fake_api.spec_violations.clear()


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_rate_limiter_retries_after_an_injected_429(fake_api: FakeBotApiServer) -> None:
    builder = application_builder(fake_api).rate_limiter(AIORateLimiter(max_retries=2))
    app = build_tiny_bot(builder)
    fake_api.sim.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=ANN.id
    )
    async with running_application(app):
        fake_api.sim.send_text(ANN_CHAT, ANN, "again")
        reply = await fake_api.sim.next_message(ANN_CHAT.id)
    assert reply.plain_text == "again"
    assert [call.status for call in fake_api.sim.calls_to("sendMessage")] == [429, 200]


async def test_blocked_user_raises_forbidden(
    fake_api: FakeBotApiServer, tiny_bot: Application
) -> None:
    fake_api.sim.world.add(ANN_CHAT, ANN)
    fake_api.sim.block(ANN_CHAT)
    async with tiny_bot:
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await tiny_bot.bot.send_message(ANN_CHAT.id, "hi")


async def test_a_delayed_answer_makes_the_client_time_out(fake_api: FakeBotApiServer) -> None:
    fake_api.sim.world.add(ANN_CHAT, ANN)
    app = build_tiny_bot(application_builder(fake_api).read_timeout(0.2))
    fake_api.sim.delay("sendMessage", 2.0, times=1)
    async with app:
        with pytest.raises(TimedOut):
            await app.bot.send_message(ANN_CHAT.id, "slow")
        await app.bot.send_message(ANN_CHAT.id, "fast")
    assert [m.plain_text for m in fake_api.sim.sent] == ["fast"]


async def test_callback_query_is_answered_and_the_message_edited(
    fake_api: FakeBotApiServer, tiny_bot: Application
) -> None:
    sim = fake_api.sim
    async with running_application(tiny_bot):
        sim.send_text(ANN_CHAT, ANN, "/start")
        greeting = await sim.next_message(ANN_CHAT.id)
        query = sim.press_button(ANN_CHAT, ANN, greeting.message_id, "ping")
        answer = await sim.next_callback_answer(query["id"])
        edit = await sim.next_edit(ANN_CHAT.id, greeting.message_id)
    assert (answer.text, answer.data, answer.message_id) == ("pong", "ping", greeting.message_id)
    assert edit.plain_text == "Pinged"
    assert edit.reply_markup is None


async def test_edit_that_changes_nothing_is_refused(
    fake_api: FakeBotApiServer, tiny_bot: Application
) -> None:
    fake_api.sim.world.add(ANN_CHAT, ANN)
    async with tiny_bot:
        sent = await tiny_bot.bot.send_message(ANN_CHAT.id, "same")
        with pytest.raises(BadRequest, match="Message is not modified"):
            await tiny_bot.bot.edit_message_text("same", ANN_CHAT.id, sent.message_id)


async def test_inline_query_is_answered(fake_api: FakeBotApiServer, tiny_bot: Application) -> None:
    async with running_application(tiny_bot):
        query = fake_api.sim.inline_query(ANN, "coding <jobs>")
        answer = await fake_api.sim.next_inline_answer(query["id"])
    [article] = answer.results
    assert article["title"] == "coding <jobs>"
    assert article["input_message_content"]["message_text"] == "<i>coding &lt;jobs&gt;</i>"


async def test_barrier_proves_earlier_updates_were_handled(
    fake_api: FakeBotApiServer, tiny_bot: Application
) -> None:
    async with running_application(tiny_bot):
        fake_api.sim.send_text(GROUP, ANN, "@someone_else hi")
        await barrier(fake_api.sim)
        assert [m.plain_text for m in fake_api.sim.unread_messages(GROUP.id)] == [
            "@someone_else hi"
        ]


async def test_commands_are_kept_per_scope(
    fake_api: FakeBotApiServer, tiny_bot: Application
) -> None:
    fake_api.sim.world.add(GROUP, ANN)
    group_scope = BotCommandScopeChat(GROUP.id)
    async with tiny_bot:
        bot = tiny_bot.bot
        await bot.set_my_commands([BotCommand("start", "Begin")])
        await bot.set_my_commands([BotCommand("help", "Help")], scope=group_scope)
        default_commands = await bot.get_my_commands()
        group_commands = await bot.get_my_commands(scope=group_scope)
    assert [c.command for c in default_commands] == ["start"]
    assert [c.command for c in group_commands] == ["help"]


async def test_a_wrong_token_is_unauthorized(fake_api: FakeBotApiServer) -> None:
    app = ApplicationBuilder().token("42:WRONG").base_url(fake_api.base_url).build()
    with pytest.raises(InvalidToken):
        await app.initialize()
    await app.bot.shutdown()  # initialize() leaves the HTTP client open when it fails
    assert fake_api.unauthorized_requests == 1


async def test_in_process_simulator_request_runs_the_same_bot() -> None:
    sim = BotApiSimulator()
    app = build_tiny_bot(simulator_builder(sim))
    async with running_application(app):
        sim.send_text(ANN_CHAT, ANN, "/start")
        greeting = await sim.next_message(ANN_CHAT.id)
        sim.press_button(ANN_CHAT, ANN, greeting.message_id, "ping")
        edit = await sim.next_edit(ANN_CHAT.id)
    assert greeting.plain_text == "Hello Ann!"
    assert edit.plain_text == "Pinged"


async def test_valid_methods_the_simulator_lacks_are_flagged(fake_api: FakeBotApiServer) -> None:
    app = application_builder(fake_api).build()
    async with app:
        with pytest.raises(InvalidToken, match="Not Found"):
            await app.bot.set_my_name("Coach")
    assert fake_api.unsimulated_calls == ["setMyName"]
    with pytest.raises(AssertionError, match="setMyName"):
        fake_api.assert_clean()
    fake_api.unsimulated_calls.clear()
