"""Plain questions in a private chat, 'did you mean' buttons, huge input, and inline mode."""

from __future__ import annotations

import pytest

from tests.conftest import Coach
from tests.fakeapi.simulator import SimChat, SimUser

ANN = SimUser(3001, "Ann", "ann")
CHAT = SimChat.private(ANN)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how much do coders make?", "$50,250"),
        ("whats the salray", "$50,250"),
        ("how lnog does it take to become a coder", "4.5 years"),
        ("which certificatoin should I get first", "CCA"),
        ("is it hard to get a job?", "tough"),
        ("how much is tution", "$3,000"),
        ("what skils do i need", "Attention to detail"),
    ],
)
async def test_questions_with_typos_get_the_right_section(
    coach: Coach, question: str, expected: str
) -> None:
    reply = await coach.say(CHAT, ANN, question)
    assert expected in reply.plain_text
    assert "Source:" in reply.plain_text


async def test_a_question_the_guide_does_not_cover_says_so_and_offers_the_nearest(
    coach: Coach,
) -> None:
    reply = await coach.say(CHAT, ANN, "salary of astronauts on mars rovers")
    assert "The guide doesn't cover that" in reply.plain_text
    assert "$" not in reply.plain_text
    assert 1 <= len(reply.button_data()) <= 3
    await coach.press(CHAT, ANN, reply, reply.button_data()[0])
    chosen = await coach.sim.next_message(CHAT.id)
    assert "$50,250" in chosen.plain_text


async def test_unrelated_text_gets_a_helpful_menu(coach: Coach) -> None:
    reply = await coach.say(CHAT, ANN, "pizza recipe please")
    assert "The guide doesn't cover that" in reply.plain_text
    assert "show:steps" in reply.button_data()


@pytest.mark.parametrize(
    "text", ["x" * 4096, "<b>&amp;</b> salary", "💉🩺" * 500, "\u202e\u200bsalary\u0000", "   ."]
)
async def test_huge_or_odd_text_gets_a_valid_reply(coach: Coach, text: str) -> None:
    reply = await coach.say(CHAT, ANN, text)
    assert reply.plain_text


@pytest.mark.parametrize(
    ("question", "expected", "related"),
    [
        ("how long until I can get certified", "Step 4", "show:cert:COC"),
        ("I have a GED, can I become a coder?", "high school diploma", "show:faq:jobs"),
    ],
)
async def test_a_plausible_answer_comes_first_with_related_buttons(
    coach: Coach, question: str, expected: str, related: str
) -> None:
    reply = await coach.say(CHAT, ANN, question)
    assert expected in reply.plain_text
    assert "Did you mean" not in reply.plain_text
    data = reply.button_data()
    assert related in data
    assert len(data) == len(set(data))


async def test_a_pass_rate_question_is_not_answered_with_a_figure(coach: Coach) -> None:
    reply = await coach.say(CHAT, ANN, "what is the pass rate of the CPC exam?")
    assert "The guide doesn't cover that" in reply.plain_text
    assert "show:cert:CPC" in reply.button_data()


async def test_ask_without_a_question_explains(coach: Coach) -> None:
    reply = await coach.say(CHAT, ANN, "/ask")
    assert "/ask how long does it take?" in reply.plain_text


async def test_inline_query_returns_matching_articles(coach: Coach) -> None:
    coach.sim.inline_query(ANN, "certification exam")
    answer = await coach.sim.next_inline_answer()
    ids = [result["id"] for result in answer.results]
    assert 1 <= len(ids) <= 10
    assert any(key.startswith("cert:") or key in ("certs", "step:2") for key in ids)
    first = answer.results[0]["input_message_content"]
    assert first["parse_mode"] == "HTML" and first["message_text"]


async def test_empty_inline_query_returns_the_main_topics(coach: Coach) -> None:
    coach.sim.inline_query(ANN, "")
    answer = await coach.sim.next_inline_answer()
    ids = [result["id"] for result in answer.results]
    assert ids[:3] == ["steps", "certs", "salary"]
    assert len(ids) == 10


async def test_inline_query_with_typos_still_finds_salary(coach: Coach) -> None:
    coach.sim.inline_query(ANN, "salery")
    answer = await coach.sim.next_inline_answer()
    assert answer.results[0]["id"] in ("salary", "faq:pay")
