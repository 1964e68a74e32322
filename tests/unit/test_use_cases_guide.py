"""The guide's use cases: (actor, command | action | question) -> Reply."""

from __future__ import annotations

import pytest

from bot.actions import ShowTopic, Unknown, decode
from bot.actor import Actor
from bot.answers import QuestionIndex
from bot.guide import Guide, load_guide
from bot.replies import Heading, Reply
from bot.screens import guide as screens
from bot.use_cases import guide as use_case

ANN = Actor("telegram", chat_id=1, user_id=1, first_name="Ann")


@pytest.fixture(scope="module")
def guide() -> Guide:
    return load_guide()


@pytest.fixture(scope="module")
def questions(guide: Guide) -> QuestionIndex:
    return QuestionIndex(guide)


def run(guide: Guide, questions: QuestionIndex, name: str, text: str = "") -> Reply:
    return use_case.command(guide, questions, ANN, name, text)


@pytest.mark.parametrize(
    ("name", "text", "key"),
    [
        ("steps", "2", "step:2"),
        ("steps", "", "steps"),
        ("certs", "cpc", "cert:CPC"),
        ("CERTS", "CiC extra words", "cert:CIC"),
        ("certs", "", "certs"),
        ("start", "step-2", "step:2"),
        ("start", "cert-CPC", "cert:CPC"),
        ("start", "salary", "salary"),
        ("faq", "", "faq"),
        ("sources", "", "sources"),
        ("salary", "", "salary"),
    ],
)
def test_a_command_shows_its_topic(
    guide: Guide, questions: QuestionIndex, name: str, text: str, key: str
) -> None:
    assert run(guide, questions, name, text) == screens.topic(guide, key)


@pytest.mark.parametrize("payload", ["", "nope", "step-9", "a b", "x" * 65, "cert-cpc"])
def test_start_without_a_known_deep_link_greets(
    guide: Guide, questions: QuestionIndex, payload: str
) -> None:
    assert run(guide, questions, "start", payload) == screens.welcome(guide, "Ann")


@pytest.mark.parametrize("text", ["9", "0", "two", "-1"])
def test_a_step_out_of_range_says_which_exist(
    guide: Guide, questions: QuestionIndex, text: str
) -> None:
    shown = run(guide, questions, "steps", text)
    assert shown == screens.steps_overview(guide, "There are steps 1 to 4.")


def test_an_unknown_certification_lists_the_codes(guide: Guide, questions: QuestionIndex) -> None:
    assert run(guide, questions, "certs", "XYZ") == screens.unknown_cert(guide, "XYZ")


def test_help_and_unknown_commands(guide: Guide, questions: QuestionIndex) -> None:
    assert run(guide, questions, "help") == screens.help_page(guide)
    assert run(guide, questions, "nosuch") == screens.unknown_command("/nosuch")
    assert use_case.handles(guide, "salary") and use_case.handles(guide, "steps")
    assert not use_case.handles(guide, "remind")


def test_ask_answers_or_says_how(guide: Guide, questions: QuestionIndex) -> None:
    assert run(guide, questions, "ask", "  ") == screens.ask_how()
    answer = run(guide, questions, "ask", "how much do coders make")
    assert answer.blocks[0] == Heading("Medical coder salary")


def test_a_topic_button_shows_it_new_or_in_place(guide: Guide) -> None:
    new = use_case.press(guide, ANN, decode("show:salary"))
    in_place = use_case.press(guide, ANN, decode("page:step:2"))
    assert not new.replace and new.blocks == screens.section(guide, guide.section("salary")).blocks
    assert in_place.replace and in_place.notice is None


@pytest.mark.parametrize("data", ["show:nope", "page:step:9", "page:cert:ZZZ", "show:", "x" * 64])
def test_stale_or_forged_buttons_get_only_the_notice(guide: Guide, data: str) -> None:
    assert use_case.press(guide, ANN, decode(data)) == screens.stale()


def test_a_non_topic_action_is_stale_here(guide: Guide) -> None:
    assert use_case.press(guide, ANN, Unknown("zz")) == screens.stale()
    assert use_case.press(guide, ANN, ShowTopic("faq:nope")) == screens.stale()
