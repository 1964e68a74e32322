"""Spanish end to end: by the user's Telegram language, by the question's words, by /language,
in menus and in nudges. Expected words come from the Spanish content files, never from here."""

from __future__ import annotations

import functools

from bot.guide import Guide, load_guides
from tests.conftest import Coach
from tests.e2e.test_reminders import remind_next_minute
from tests.fakeapi.simulator import SimChat, SimUser

ANA = SimUser(2001, "Ana", "ana", language_code="es")
ANN = SimUser(2002, "Ann", "ann", language_code="en")
LEA = SimUser(2003, "Léa", "lea", language_code="fr")  # a language the bot does not speak
ANA_CHAT, ANN_CHAT, LEA_CHAT = SimChat.private(ANA), SimChat.private(ANN), SimChat.private(LEA)


@functools.cache
def es() -> Guide:
    return load_guides().for_language("es")


@functools.cache
def en() -> Guide:
    return load_guides()


async def test_a_spanish_app_gets_the_spanish_welcome_and_menu(coach: Coach) -> None:
    reply = await coach.say(ANA_CHAT, ANA, "/start")
    assert es().messages.text("guide.welcome_hint") in reply.plain_text
    assert en().messages.text("guide.welcome_hint") not in reply.plain_text
    labels = {button["text"] for button in reply.buttons}
    assert {item.label for item in es().menu} <= labels


async def test_a_spanish_section_keeps_the_figure_source_and_date(coach: Coach) -> None:
    reply = await coach.say(ANA_CHAT, ANA, "/salary")
    section = es().section("salary")
    figure = section.figures[0]
    assert section.title in reply.plain_text
    assert figure.value == "$50,250" and figure.value in reply.plain_text
    assert figure.as_of in reply.plain_text and "2024" in figure.as_of
    assert es().source(figure.source).publisher in reply.plain_text


async def test_an_unspoken_language_falls_back_to_english(coach: Coach) -> None:
    reply = await coach.say(LEA_CHAT, LEA, "/salary")
    assert en().section("salary").title in reply.plain_text


async def test_a_spanish_question_is_answered_in_spanish_whatever_the_app(coach: Coach) -> None:
    reply = await coach.say(ANN_CHAT, ANN, "¿Cuánto gana un codificador médico al año?")
    assert "$50,250" in reply.plain_text
    assert es().section("salary").title in reply.plain_text
    accentless = await coach.say(ANN_CHAT, ANN, "cuanto cuesta estudiar codificacion medica")
    assert es().section("cost").title in accentless.plain_text


async def test_language_command_switches_the_chat_and_back(coach: Coach) -> None:
    shown = await coach.say(ANN_CHAT, ANN, "/language")
    assert {"lang:en", "lang:es", "lang:auto"} <= set(shown.button_data())
    done = await coach.say(ANN_CHAT, ANN, "/language español")
    assert es().messages.text("language.set", name="Español") in done.plain_text
    salary = await coach.say(ANN_CHAT, ANN, "/salary")
    assert es().section("salary").title in salary.plain_text
    picker = await coach.say(ANN_CHAT, ANN, "/language")
    await coach.press(ANN_CHAT, ANN, picker, "lang:auto")
    await coach.settle()
    back = await coach.say(ANN_CHAT, ANN, "/salary")
    assert en().section("salary").title in back.plain_text


async def test_an_unknown_language_lists_the_ones_spoken_and_changes_nothing(
    coach: Coach,
) -> None:
    reply = await coach.say(ANN_CHAT, ANN, "/language klingon")
    assert "English" in reply.plain_text and "Español" in reply.plain_text
    salary = await coach.say(ANN_CHAT, ANN, "/salary")
    assert en().section("salary").title in salary.plain_text


async def test_only_a_groups_admins_choose_its_language(coach: Coach) -> None:
    admin, member = SimUser(2010, "Ad", language_code="en"), SimUser(2011, "Me")
    group = SimChat.group(-1002010, "Grupo de estudio", supergroup=True)
    coach.sim.set_member_status(group, admin, "administrator")
    refused = await coach.say(group, member, "/language es")
    assert en().messages.text("reminders.refusal") in refused.plain_text
    chosen = await coach.say(group, admin, "/language es")
    assert es().messages.text("language.set", name="Español") in chosen.plain_text
    steps = await coach.say(group, member, "/steps")
    assert es().steps[0].title in steps.plain_text


async def test_menus_and_descriptions_are_set_per_language(coach: Coach) -> None:
    spanish = coach.sim.commands({"type": "all_private_chats"}, language_code="es")
    english = coach.sim.commands({"type": "all_private_chats"})
    assert [c["command"] for c in spanish] == [c["command"] for c in english]
    by_name = {c["command"]: c["description"] for c in spanish}
    assert by_name["remind"] == es().messages.text("commands.remind")
    assert by_name["remind"] != {c["command"]: c["description"] for c in english}["remind"]
    descriptions = [call.params for call in coach.sim.calls_to("setMyDescription")]
    assert {d.get("language_code") for d in descriptions} >= {None, "es"}


async def test_a_spanish_learner_gets_spanish_nudges(coach: Coach) -> None:
    await coach.say(ANA_CHAT, ANA, "/progress")
    minute = coach.clock.set_seconds_before_next_minute(2)
    reply = await coach.say(ANA_CHAT, ANA, f"/remind {minute:%H:%M} daily UTC")
    assert reply.plain_text
    nudge = await coach.sim.next_message(ANA_CHAT.id, timeout=10)
    assert es().messages.text("reminders.nudge_due") in nudge.plain_text
    assert any(action in nudge.plain_text for action in es().steps[0].actions)


async def test_an_english_learner_still_gets_english_nudges(coach: Coach) -> None:
    await remind_next_minute(coach, ANN_CHAT, ANN, seconds=2)
    nudge = await coach.sim.next_message(ANN_CHAT.id, timeout=10)
    assert en().messages.text("reminders.nudge_due") in nudge.plain_text
