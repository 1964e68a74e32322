"""Every guide command, button and deep link in a private chat, end to end over HTTP."""

from __future__ import annotations

import pytest

from tests.conftest import Coach
from tests.fakeapi.simulator import SimChat, SimUser

ANN = SimUser(1001, "Ann", "ann")
CHAT = SimChat.private(ANN)


async def test_start_greets_with_a_topic_menu(coach: Coach) -> None:
    reply = await coach.say(CHAT, ANN, "/start")
    assert "Hi, Ann" in reply.plain_text
    assert "medical coder" in reply.plain_text
    assert {"show:steps", "show:certs", "show:salary", "show:faq"} <= set(reply.button_data())


async def test_start_escapes_the_users_name(coach: Coach) -> None:
    odd = SimUser(1002, "<b>&Bob</b>")
    reply = await coach.say(SimChat.private(odd), odd, "/start")
    assert "<b>&Bob</b>" in reply.plain_text


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("certs", "Medical coding certifications"),
        ("step-2", "Step 2 of 4"),
        ("cert-CPC", "Certified Professional Coder"),
        ("salary", "$50,250"),
    ],
)
async def test_start_deep_link_opens_its_section(
    coach: Coach, payload: str, expected: str
) -> None:
    reply = await coach.say(CHAT, ANN, f"/start {payload}")
    assert expected in reply.plain_text


async def test_unknown_deep_link_falls_back_to_the_welcome(coach: Coach) -> None:
    reply = await coach.say(CHAT, ANN, "/start no-such-thing")
    assert "Hi, Ann" in reply.plain_text


async def test_help_lists_every_command(coach: Coach) -> None:
    reply = await coach.say(CHAT, ANN, "/help")
    for command in (
        "/steps",
        "/certs",
        "/salary",
        "/skills",
        "/outlook",
        "/timeline",
        "/cost",
        "/faq",
        "/about",
        "/sources",
        "/ask",
        "/remind",
        "/reminders",
        "/progress",
    ):
        assert command in reply.plain_text


async def test_steps_overview_and_pager_edit_the_same_message(coach: Coach) -> None:
    overview = await coach.say(CHAT, ANN, "/steps")
    for number in range(1, 5):
        assert f"{number}." in overview.plain_text
    await coach.press(CHAT, ANN, overview, "page:step:1")
    step1 = await coach.sim.next_edit(CHAT.id, overview.message_id)
    assert "Step 1 of 4" in step1.plain_text and "high school diploma" in step1.plain_text
    await coach.press(CHAT, ANN, step1, "page:step:2")
    step2 = await coach.sim.next_edit(CHAT.id, overview.message_id)
    assert "Step 2 of 4" in step2.plain_text
    assert "page:step:1" in step2.button_data() and "page:step:3" in step2.button_data()
    await coach.press(CHAT, ANN, step2, "page:step:1")
    back = await coach.sim.next_edit(CHAT.id, overview.message_id)
    assert "Step 1 of 4" in back.plain_text
    assert "page:step:0" not in back.button_data()
    assert coach.sim.unread_messages(CHAT.id) == []


async def test_steps_with_a_number_shows_that_step(coach: Coach) -> None:
    reply = await coach.say(CHAT, ANN, "/steps 4")
    assert "Step 4 of 4" in reply.plain_text
    assert "page:step:5" not in reply.button_data()


@pytest.mark.parametrize("arg", ["9", "0", "two", "-1", "99999999999"])
async def test_steps_with_a_bad_number_explains(coach: Coach, arg: str) -> None:
    reply = await coach.say(CHAT, ANN, f"/steps {arg}")
    assert "There are steps 1 to 4" in reply.plain_text


async def test_certs_list_and_details_by_button(coach: Coach) -> None:
    listing = await coach.say(CHAT, ANN, "/certs")
    for code in ("CCA", "CBCS", "CPC", "COC", "CRC", "CIC"):
        assert code in listing.plain_text
    await coach.press(CHAT, ANN, listing, "page:cert:CRC")
    detail = await coach.sim.next_edit(CHAT.id, listing.message_id)
    assert "Certified Risk Adjustment Coder" in detail.plain_text


@pytest.mark.parametrize("code", ["cpc", "CPC", "Cpc"])
async def test_cert_detail_in_any_case(coach: Coach, code: str) -> None:
    reply = await coach.say(CHAT, ANN, f"/certs {code}")
    assert "Certified Professional Coder" in reply.plain_text
    assert "one to two years" in reply.plain_text


async def test_unknown_cert_lists_the_valid_codes(coach: Coach) -> None:
    reply = await coach.say(CHAT, ANN, "/certs <XYZ>")
    assert "<XYZ>" in reply.plain_text
    assert "CCA, CBCS, CPC, COC, CRC, CIC" in reply.plain_text


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/salary", "$50,250"),
        ("/skills", "Attention to detail"),
        ("/outlook", "older"),
        ("/timeline", "4.5 years"),
        ("/cost", "$3,000"),
        ("/about", "universal code"),
        ("/workplaces", "surgery centers"),
        ("/faq", "Is it hard to get a job"),
        ("/sources", "bls.gov"),
    ],
)
async def test_each_section_command_answers(coach: Coach, command: str, expected: str) -> None:
    reply = await coach.say(CHAT, ANN, command)
    assert expected in reply.plain_text + reply.text


async def test_menu_button_sends_the_topic(coach: Coach) -> None:
    welcome = await coach.say(CHAT, ANN, "/start")
    coach.sim.press_button(CHAT, ANN, welcome.message_id, "show:salary")
    answer = await coach.sim.next_callback_answer()
    assert answer.text is None
    salary = await coach.sim.next_message(CHAT.id)
    assert "$50,250" in salary.plain_text


@pytest.mark.parametrize(
    "data", ["show:nope", "page:step:9", "page:cert:ZZZ", "show:", "x" * 64, "show:step:1:2"]
)
async def test_forged_callback_gets_a_short_answer_and_changes_nothing(
    coach: Coach, data: str
) -> None:
    welcome = await coach.say(CHAT, ANN, "/start")
    coach.sim.press_button(CHAT, ANN, welcome.message_id, data, check_keyboard=False)
    answer = await coach.sim.next_callback_answer()
    assert answer.text is not None and "no longer valid" in answer.text
    await coach.settle()
    assert coach.sim.unread_messages(CHAT.id) == []
    assert coach.sim.edits == []


async def test_unknown_command_in_private_points_to_help(coach: Coach) -> None:
    reply = await coach.say(CHAT, ANN, "/frobnicate")
    assert "/help" in reply.plain_text


async def test_bot_registers_its_commands_and_description(coach: Coach) -> None:
    private = coach.sim.commands({"type": "all_private_chats"})
    group = coach.sim.commands({"type": "all_group_chats"})
    assert {"start", "steps", "certs", "salary", "remind", "progress"} <= {
        c["command"] for c in private
    }
    assert {"ask", "steps", "salary"} <= {c["command"] for c in group}
    assert "start" not in {c["command"] for c in group}
    assert coach.sim.calls_to("setMyDescription") and coach.sim.calls_to("setMyShortDescription")


async def test_a_failing_handler_apologises_and_the_bot_keeps_running(
    coach: Coach, caplog: pytest.LogCaptureFixture
) -> None:
    coach.sim.fail_next("sendMessage", 500, "Internal Server Error", chat_id=CHAT.id)
    apology = await coach.say(CHAT, ANN, "/salary")
    assert "something went wrong" in apology.plain_text
    again = await coach.say(CHAT, ANN, "/salary")
    assert "$50,250" in again.plain_text
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert errors and "message update" in errors[0].getMessage()
    assert coach.server.token not in caplog.text
