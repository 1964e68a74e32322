"""Group chats: commands for the bot get threaded replies; everything else gets silence."""

from __future__ import annotations

import pytest

from tests.conftest import BOT_USERNAME, Coach
from tests.fakeapi.simulator import SimChat, SimUser

ANN = SimUser(2001, "Ann", "ann")
BEN = SimUser(2002, "Ben", "ben")
GROUP = SimChat.group(-100200, "Coding study group", supergroup=True)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/start", "MedCoder Coach"),
        ("/help", "/steps"),
        ("/steps", "the four steps"),
        ("/steps 3", "Step 3 of 4"),
        ("/certs", "CBCS"),
        ("/certs cic", "Certified Inpatient Coder"),
        ("/salary", "$50,250"),
        ("/skills", "Organization"),
        ("/outlook", "chronic"),
        ("/timeline", "18 months"),
        ("/cost", "$3,000"),
        ("/about", "diligent"),
        ("/workplaces", "physician practices"),
        ("/faq", "How much does it cost"),
        ("/sources", "Career Institute"),
        ("/ask what does a coder earn", "$50,250"),
    ],
)
async def test_commands_addressed_to_the_bot_reply_to_the_asker(
    coach: Coach, command: str, expected: str
) -> None:
    name, _, rest = command.partition(" ")
    sent = coach.sim.send_text(GROUP, ANN, f"{name}@{BOT_USERNAME} {rest}".strip())
    reply = await coach.sim.next_message(GROUP.id)
    assert expected in reply.plain_text
    assert reply.reply_to_message_id == sent["message_id"]


async def test_plain_command_without_a_bot_name_is_answered_too(coach: Coach) -> None:
    sent = coach.sim.send_text(GROUP, ANN, "/salary")
    reply = await coach.sim.next_message(GROUP.id)
    assert "$50,250" in reply.plain_text and reply.reply_to_message_id == sent["message_id"]


@pytest.mark.parametrize(
    "text",
    [
        "how much do coders make?",
        "hello everyone",
        "/salary@OtherBot",
        "/frobnicate",
        "/ask@OtherBot how long",
        "@someoneelse what is CPC",
    ],
)
async def test_group_stays_silent_on_what_is_not_for_the_bot(coach: Coach, text: str) -> None:
    coach.sim.send_text(GROUP, ANN, text)
    await coach.settle()
    assert coach.sim.unread_messages(GROUP.id) == []


async def test_mention_is_answered_in_a_thread(coach: Coach) -> None:
    sent = coach.sim.send_text(GROUP, BEN, f"@{BOT_USERNAME} how long does it take?")
    reply = await coach.sim.next_message(GROUP.id)
    assert "4.5 years" in reply.plain_text
    assert reply.reply_to_message_id == sent["message_id"]


async def test_reply_to_the_bot_is_answered(coach: Coach) -> None:
    first = await coach.say(GROUP, ANN, f"/certs@{BOT_USERNAME}")
    sent = coach.sim.send_text(
        GROUP, BEN, "and what does the CBCS cost to get?", reply_to_message_id=first.message_id
    )
    reply = await coach.sim.next_message(GROUP.id)
    assert reply.reply_to_message_id == sent["message_id"]
    assert reply.plain_text


async def test_reply_to_another_member_is_ignored(coach: Coach) -> None:
    sent = coach.sim.send_text(GROUP, ANN, "I start my course on Monday")
    coach.sim.send_text(GROUP, BEN, "what is the salary?", reply_to_message_id=sent["message_id"])
    await coach.settle()
    assert coach.sim.unread_messages(GROUP.id) == []


async def test_step_pager_works_in_a_group(coach: Coach) -> None:
    overview = await coach.say(GROUP, ANN, f"/steps@{BOT_USERNAME}")
    await coach.press(GROUP, BEN, overview, "page:step:3")
    edited = await coach.sim.next_edit(GROUP.id, overview.message_id)
    assert "Step 3 of 4" in edited.plain_text


async def test_a_bare_mention_gets_the_help_page(coach: Coach) -> None:
    sent = coach.sim.send_text(GROUP, BEN, f"@{BOT_USERNAME}")
    reply = await coach.sim.next_message(GROUP.id)
    assert "What I can do" in reply.plain_text
    assert reply.reply_to_message_id == sent["message_id"]
