"""Requests said in plain words, end to end: an offer to confirm, never a change without it."""

from __future__ import annotations

from bot.guide import load_guides
from handlers.telegram.common import SERVICES_KEY
from handlers.telegram.reminder_context import telegram_chat
from tests.conftest import BOT_USERNAME, Coach
from tests.fakeapi.simulator import SimChat, SimUser

ANN = SimUser(4001, "Ann", "ann", language_code="en")
CHAT = SimChat.private(ANN)
ES = load_guides().for_language("es").messages
EN = load_guides().messages


async def stored(coach: Coach, chat_id: int) -> list[tuple[int, int, frozenset[int], str]]:
    service = coach.app.bot_data[SERVICES_KEY].reminders
    listed = await service.list(telegram_chat(chat_id))
    return [(r.reminder.hour, r.reminder.minute, r.reminder.days, r.reminder.tz) for r in listed]


async def test_a_reminder_in_words_is_offered_and_set_only_when_confirmed(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/timezone America/Chicago")
    offer = await coach.say(CHAT, ANN, "remind me every weekday at 7pm")
    assert "19:00" in offer.plain_text and EN.text("schedule.weekdays") in offer.plain_text
    assert await stored(coach, CHAT.id) == []
    set_it = next(data for data in offer.button_data() if data.startswith("rf:"))
    await coach.press(CHAT, ANN, offer, set_it)
    saved = await coach.sim.next_edit(CHAT.id, offer.message_id)
    assert "Reminder set" in saved.plain_text
    assert await stored(coach, CHAT.id) == [(19, 0, frozenset(range(5)), "America/Chicago")]


async def test_cancel_sets_nothing(coach: Coach) -> None:
    offer = await coach.say(CHAT, ANN, "can you remind me to study at 6:30 am on weekends")
    await coach.press(CHAT, ANN, offer, "dismiss")
    cancelled = await coach.sim.next_edit(CHAT.id, offer.message_id)
    assert EN.text("intents.cancelled") in cancelled.plain_text
    assert await stored(coach, CHAT.id) == []


async def test_a_spanish_request_with_a_bare_hour_asks_morning_or_evening(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/timezone Europe/London")
    ask = await coach.say(CHAT, ANN, "recuérdame a las 7 de lunes a viernes")
    assert ES.text("intents.remind_which", morning="07:00", evening="19:00") in ask.plain_text
    evening = next(data for data in ask.button_data() if data.startswith("rf:1900"))
    await coach.press(CHAT, ANN, ask, evening)
    await coach.sim.next_edit(CHAT.id, ask.message_id)
    assert await stored(coach, CHAT.id) == [(19, 0, frozenset(range(5)), "Europe/London")]


async def test_stop_my_reminders_asks_first(coach: Coach) -> None:
    await coach.say(CHAT, ANN, "/remind 08:00 daily UTC")
    question = await coach.say(CHAT, ANN, "stop my reminders please")
    assert {"stop:yes", "stop:no"} <= set(question.button_data())
    assert len(await stored(coach, CHAT.id)) == 1
    await coach.press(CHAT, ANN, question, "stop:yes")
    await coach.sim.next_edit(CHAT.id, question.message_id)
    assert await stored(coach, CHAT.id) == []


async def test_i_studied_today_records_the_day(coach: Coach) -> None:
    reply = await coach.say(CHAT, ANN, "I studied today!")
    assert "Study recorded for today" in reply.plain_text
    progress = await coach.say(CHAT, ANN, "/progress")
    assert "Studied today: yes" in progress.plain_text
    again = await coach.say(CHAT, ANN, "done studying for today")
    assert "already recorded" in again.plain_text and "1 scheduled day" in again.plain_text


async def test_thanks_gets_a_short_reply_in_its_language(coach: Coach) -> None:
    assert EN.text("intents.thanks") in (await coach.say(CHAT, ANN, "thanks!")).plain_text
    assert ES.text("intents.thanks") in (await coach.say(CHAT, ANN, "muchas gracias")).plain_text


async def test_a_question_about_time_is_still_a_question(coach: Coach) -> None:
    reply = await coach.say(CHAT, ANN, "how long does it take to become a coder?")
    assert "4.5 years" in reply.plain_text


async def test_a_group_member_who_is_no_admin_cannot_set_the_groups_reminder(
    coach: Coach,
) -> None:
    group = SimChat.group(-1004001, "Coders", supergroup=True)
    member = SimUser(4002, "Ben")
    coach.sim.send_text(group, member, f"@{BOT_USERNAME} remind us every day at 8pm")
    refused = await coach.sim.next_message(group.id)
    assert EN.text("reminders.refusal") in refused.plain_text
    assert await stored(coach, group.id) == []
