"""Question ranking: the right topic for plain questions, typos and synonyms; a floor."""

from __future__ import annotations

import pytest

from bot.answers import Answer, QuestionIndex
from bot.guide import load_guide


@pytest.fixture(scope="module")
def index() -> QuestionIndex:
    return QuestionIndex(load_guide())


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how much do coders make", {"salary", "faq:pay"}),
        ("what is the pay", {"salary", "faq:pay"}),
        ("what's the wage?", {"salary", "faq:pay"}),
        ("how long does it take to become a coder", {"timeline"}),
        ("how many years", {"timeline"}),
        ("what is the CPC", {"cert:CPC"}),
        ("cca exam", {"cert:CCA"}),
        ("how much does it cost", {"cost", "faq:cost"}),
        ("how much is tuition", {"cost", "faq:cost"}),
        ("is it hard to get a job", {"faq:jobs"}),
        ("what skills do i need", {"skills"}),
        ("where do coders work", {"workplaces"}),
        ("job outlook future", {"outlook"}),
        ("will AI replace coders", {"outlook"}),
        ("what is a medical coder", {"about"}),
        ("entry level jobs", {"step:3"}),
        ("steps to become", {"steps"}),
        ("do I need a degree", {"step:1", "timeline"}),
        ("advanced certifications", {"certs"}),
        ("certified inpatient coder", {"cert:CIC"}),
        ("where does the data come from", {"sources"}),
    ],
)
def test_plain_questions_find_their_topic(
    index: QuestionIndex, question: str, expected: set[str]
) -> None:
    answer = index.answer(question)
    assert answer.best is not None, question
    assert answer.best.key in expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("whats the salray", {"salary", "faq:pay"}),
        ("medical codr salery", {"salary", "faq:pay"}),
        ("which certificatoin first", {"step:2", "certs"}),
        ("how much is tution", {"cost", "faq:cost"}),
        ("outlok for coders", {"outlook"}),
    ],
)
def test_typos_are_tolerated(index: QuestionIndex, question: str, expected: set[str]) -> None:
    answer = index.answer(question)
    assert answer.best is not None
    assert answer.best.key in expected


@pytest.mark.parametrize("question", ["pizza recipe", "xyzzy foo bar", "hello", "", "   ", "?!"])
def test_unrelated_text_gets_no_answer(index: QuestionIndex, question: str) -> None:
    assert index.answer(question).best is None


def test_low_confidence_offers_at_most_three_suggestions(index: QuestionIndex) -> None:
    answer = index.answer("salary of astronauts on mars rovers")
    assert answer.best is None
    assert 1 <= len(answer.suggestions) <= 3
    assert answer.suggestions[0].key in {"salary", "faq:pay"}


def test_huge_input_is_cut_and_still_answered(index: QuestionIndex) -> None:
    answer = index.answer("salary " * 20_000)
    assert answer.best is not None and answer.best.key in {"salary", "faq:pay"}


def test_huge_garbage_gets_no_answer(index: QuestionIndex) -> None:
    assert index.answer("x" * 100_000 + " ☃" * 1000).best is None


def test_search_returns_ranked_topics(index: QuestionIndex) -> None:
    matches = index.search("certification", limit=10)
    assert 1 < len(matches) <= 10
    scores = [match.score for match in matches]
    assert scores == sorted(scores, reverse=True)


def test_answer_keeps_its_three_positional_fields() -> None:
    answer = Answer(None, 0.0, ())
    assert answer.covered is True and answer.passage is None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what does CBCS stand for", "cert:CBCS"),
        ("when should I go for the CPC", "cert:CPC"),
        ("what does COC mean", "cert:COC"),
        ("CCA or CBCS, which one?", "step:2"),
        ("what is the last step", "step:4"),
        ("tell me about step 3", "step:3"),
        ("what is medical coding", "about"),
    ],
)
def test_a_named_certification_or_step_lands_on_its_topic(
    index: QuestionIndex, question: str, expected: str
) -> None:
    answer = index.answer(question)
    assert answer.best is not None and answer.best.key == expected
    assert answer.covered


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("what year is the pay data from", "May 2024"),
        ("who runs the CCA exam", "AHIMA"),
        ("who offers the cbcs", "National Healthcareer Association"),
        ("how long does it take", "18 months to 4.5 years"),
    ],
)
def test_a_narrow_question_gets_the_passage_that_answers_it(
    index: QuestionIndex, question: str, words: str
) -> None:
    answer = index.answer(question)
    assert answer.passage is not None and words in answer.passage


def test_a_passage_is_verbatim_from_the_best_topic(index: QuestionIndex) -> None:
    answer = index.answer("what does the bls say about coders' pay")
    assert answer.best is not None and answer.passage is not None
    assert answer.passage in f"{answer.best.summary} {answer.best.text}"


def test_suggestions_never_repeat_the_best_topic(index: QuestionIndex) -> None:
    answer = index.answer("how much do coders make")
    assert answer.best is not None
    assert answer.best not in answer.suggestions and len(answer.suggestions) <= 3


def test_a_gap_in_the_guide_is_flagged_with_the_nearest_topics(index: QuestionIndex) -> None:
    answer = index.answer("what is the pass rate for the CPC exam")
    assert answer.best is None and not answer.covered
    assert answer.suggestions[0].key == "cert:CPC"


def test_unrelated_text_is_not_covered_and_has_nothing_near(index: QuestionIndex) -> None:
    answer = index.answer("pizza recipe please")
    assert answer.best is None and not answer.covered and answer.suggestions == ()


@pytest.mark.parametrize(
    "question",
    ["how much does the CCA exam itself cost", "how many questions are on the CPC exam"],
)
def test_a_number_the_matching_topic_does_not_give_is_not_covered(
    index: QuestionIndex, question: str
) -> None:
    answer = index.answer(question)
    assert answer.best is None and not answer.covered


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how much do medical coders make a year", {"salary", "faq:pay"}),
        ("timeline?", {"timeline"}),
    ],
)
def test_numbers_the_guide_gives_and_topic_names_are_answered(
    index: QuestionIndex, question: str, expected: set[str]
) -> None:
    answer = index.answer(question)
    assert answer.best is not None and answer.best.key in expected
