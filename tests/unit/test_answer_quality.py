"""Answer quality on the labelled question set: floors on the held-out half, honest unknowns.

The floors sit a little below what the ranker measured when it was calibrated (on the tuning
half only), so a change that makes answers worse fails here. ``bench/bench_answers.py`` prints
the same figures beside the original ranker.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.answers import QuestionIndex
from bot.guide import default_guide_path, load_guide

QUESTIONS = Path(__file__).resolve().parents[1] / "questions.toml"
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")

# Measured on the held-out English half at calibration: 64/72 right topic, 70/72 right topic
# shown outright or as a button, 17/20 honest unknowns.
RIGHT_TOPIC_FLOOR = 0.85
IN_SUGGESTIONS_FLOOR = 0.94
HONEST_FLOOR = 0.80


def _questions(split: str, *, unknown: bool) -> list[tuple[str, frozenset[str]]]:
    raw = tomllib.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    return [
        (q["text"], frozenset(q["expect"]))
        for q in raw
        if q["lang"] == "en" and q["split"] == split and (q["expect"] == ["unknown"]) == unknown
    ]


@pytest.fixture(scope="module")
def index() -> QuestionIndex:
    return QuestionIndex(load_guide())


def test_question_set_is_large_and_labelled_with_real_topics() -> None:
    raw = tomllib.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    keys = {topic.key for topic in load_guide().topics()} | {"unknown"}
    assert len([q for q in raw if q["lang"] == "en"]) >= 150
    assert len([q for q in raw if q["expect"] == ["unknown"]]) >= 30
    assert {q["split"] for q in raw} == {"tune", "held"}
    assert all(set(q["expect"]) <= keys for q in raw)


def test_held_out_right_topic_floor(index: QuestionIndex) -> None:
    questions = _questions("held", unknown=False)
    right = [q for q, expect in questions if (a := index.answer(q)).best and a.best.key in expect]
    assert len(right) / len(questions) >= RIGHT_TOPIC_FLOOR


def test_held_out_right_topic_is_at_least_offered(index: QuestionIndex) -> None:
    questions = _questions("held", unknown=False)
    offered = 0
    for question, expect in questions:
        answer = index.answer(question)
        keys = {t.key for t in answer.suggestions} | ({answer.best.key} if answer.best else set())
        offered += bool(keys & expect)
    assert offered / len(questions) >= IN_SUGGESTIONS_FLOOR


def test_held_out_unanswerable_questions_are_flagged_honestly(index: QuestionIndex) -> None:
    questions = _questions("held", unknown=True)
    honest = [q for q, _ in questions if not (a := index.answer(q)).covered and a.best is None]
    assert len(honest) / len(questions) >= HONEST_FLOOR


@pytest.mark.parametrize(
    ("question", "nearest"),
    [
        ("what is the pass rate for the CPC exam", "cert:CPC"),
        ("how much do medical coders make in Texas", "salary"),
        ("how much is the AAPC membership fee", None),
        ("what is the ICD-10 code for type 2 diabetes", None),
        ("is the CPC exam open book", "cert:CPC"),
        ("what is the capital of France", None),
    ],
)
def test_questions_the_guide_does_not_answer_say_so(
    index: QuestionIndex, question: str, nearest: str | None
) -> None:
    answer = index.answer(question)
    assert answer.best is None
    assert answer.covered is False
    assert len(answer.suggestions) <= 3
    if nearest is not None:
        assert nearest in {topic.key for topic in answer.suggestions}


def test_no_answer_shows_a_figure_that_is_not_in_the_content(index: QuestionIndex) -> None:
    known = {n.replace(",", "") for n in _NUMBER.findall(default_guide_path().read_text())}
    for split in ("tune", "held"):
        for question, _ in _questions(split, unknown=False) + _questions(split, unknown=True):
            answer = index.answer(question)
            shown = " ".join(
                [answer.passage or ""]
                + ([answer.best.summary, answer.best.text] if answer.best else [])
            )
            numbers = {n.replace(",", "") for n in _NUMBER.findall(shown)}
            assert numbers <= known, question
